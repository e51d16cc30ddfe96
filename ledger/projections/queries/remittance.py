"""Remittance upward (nộp cấp trên): what each union owes its upper level from what it
collected, what it remitted, and the difference.

Invariants:
- Months of a period are those of `compliance` (`due_months`: the calendar months starting
  inside it and begun by `as_of`). Collections and remittances are placed by the month they
  are FOR (the `month` of the dues batch, the fee declaration and the remittance), not by
  the day they were recorded: dues of March remitted on 10 April settle March.
- The split of a month's collection is that of the policy in force for the collecting union
  on the month's first day, the policy its amounts were checked against
  (`ledger.handlers._dues`, `_check_union_fee`): the union keeps `grassroots_fee_share_bp` of
  the 2% fee and `grassroots_dues_share_bp` of the dues at the standard rate, all dues above
  the standard rate and all other income (`ledger.domain.policy.grassroots_share`, applied
  to the month's total per union and kind, so rounding happens once a month). The standard
  part of a member's dues is `expected_dues` of the salary basis declared on the line.
  A month without a policy in force owes nothing (no split is defined).
- Collected amounts are the net `paid` lines (a reversed batch counts zero); remitted are the
  net `paid` `remitted` lines of the union, whatever upper level received them. As of a day,
  only what the ledger held at its end counts (`compliance.held_on`): lines, reversals and
  remittances recorded later do not, nor do later tree moves and policies.
- `owed` = due − remitted: positive, still to remit (còn phải nộp); negative, remitted more
  than due (nộp thừa). A union's row covers its own collections only; a parent's total is
  the sum over the unions of its subtree as it stood on each month's first day (as in
  `compliance`), so an upper level sees which union below it still owes.
- An upper level's onward remittance is not compared with its unions' collections (the
  policy defines only the grassroots split, so nothing says how much of what an upper level
  receives it must pass on; counted as remitted it would read as its unions' over-payment).
  A remittance for a month on whose first day its union had unions below it is onward: per
  union and kind over the period, it first settles what the union's own collections owe
  (due − remitted, an upper level collecting the fee of an employer without a grassroots
  union), and the rest is `passed_on` (chuyển tiếp lên trên), shown beside the figures and
  in no `due`, `remitted` or `owed`. A subtree's `owed` is thus exactly what its unions'
  own collections still owe.
- Remittances are judged per calendar quarter (detection rule 14): a union may record a
  quarter's remittance for any month of it (most record it for the quarter's last month),
  so `compliance` of a month shows the month's whole quarter (`judged_period`), never one
  month's due against a quarter's remittance. A quarter's remittance is due by the last day
  of the following quarter (`quarter_due`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from ledger import clock
from ledger.domain.catalogue import IncomeSource
from ledger.domain.periods import Period, parse_period
from ledger.domain.policy import Policy, grassroots_share, standard_part
from ledger.projections.queries.compliance import (
    DUES_LINES,
    FEE_LINES,
    held_on,
    period_scope,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

KINDS = ("union_fee", "dues", "other")

_REMITTED = text(
    "SELECT unit_code, month, key, SUM(amount) AS amount FROM proj_money_lines "
    "WHERE flow = 'remitted' AND status = 'paid' AND (seq < :size OR seq IN :kept) "
    "AND unit_code IN :units AND month IN :months GROUP BY unit_code, month, key"
).bindparams(
    bindparam("units", expanding=True),
    bindparam("months", expanding=True),
    bindparam("kept", expanding=True),
)  # `undone_later` of Held.params is not used here: SUM(amount) nets what was held


def judged_period(p: Period) -> Period:
    """The period whose remittance upward `compliance` shows for `p`: a month's quarter (a
    quarter's remittance recorded for March would read as March's over-payment, January and
    February's as unpaid), any other period itself."""
    return Period.for_date("quarter", p.start) if p.kind == "month" else p


def quarter_due(quarter: Period) -> date:
    """The last day a quarter's remittance upward is due: the end of the following quarter
    (the ledger records no due date)."""
    return quarter.next().end - timedelta(days=1)


@dataclass
class KindFigures:
    collected: int = 0  # đã thu
    kept: int = 0  # giữ lại
    due: int = 0  # phải nộp cấp trên
    remitted: int = 0  # đã nộp
    passed_on: int = 0  # an upper level's onward remittance beyond its own due (not judged)

    @property
    def owed(self) -> int:
        """Due minus remitted: > 0 still to remit, < 0 remitted more than due."""
        return self.due - self.remitted

    def collect(self, pol: Policy | None, source: IncomeSource, amount: int, standard: int) -> None:
        """A month's net collection of one union: split by `pol` (what is kept, what is due
        upward); kept whole without a policy or when reversals leave nothing."""
        self.collected += amount
        if pol is None or amount <= 0:
            self.kept += amount
            return
        split = grassroots_share(pol, source, amount, standard_part=standard)
        self.kept += split.kept
        self.due += split.remitted

    def add(self, other: KindFigures) -> None:
        self.collected += other.collected
        self.kept += other.kept
        self.due += other.due
        self.remitted += other.remitted
        self.passed_on += other.passed_on

    def as_dict(self) -> dict[str, int]:
        return self.__dict__ | {"owed": self.owed}


@dataclass
class UnitRemittance:
    unit: str
    name: str
    kinds: dict[str, KindFigures] = field(default_factory=lambda: {k: KindFigures() for k in KINDS})

    @property
    def total(self) -> KindFigures:
        t = KindFigures()
        for f in self.kinds.values():
            t.add(f)
        return t

    @property
    def active(self) -> bool:
        return any(f.collected or f.remitted or f.passed_on for f in self.kinds.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            **{k: f.as_dict() for k, f in self.kinds.items()},
            "total": self.total.as_dict(),
        }


@dataclass
class Remittance:
    period: Period
    months: list[str]
    total: UnitRemittance
    units: list[UnitRemittance]  # unions of the subtree that collected or remitted

    @property
    def due_by(self) -> date | None:
        """The day a quarter's remittance is due (None for other periods: each quarter of a
        year has its own)."""
        return quarter_due(self.period) if self.period.kind == "quarter" else None

    def as_dict(self) -> dict[str, Any]:
        due_by = self.due_by
        return {
            "period": self.period.label,
            "months": self.months,
            "due_by": due_by.isoformat() if due_by is not None else None,
            **self.total.as_dict(),
            "by_unit": [u.as_dict() for u in self.units],
        }


def remittance(
    ledger: Ledger, unit: str, period: str | Period, *, as_of: date | None = None
) -> Remittance:
    p = parse_period(period) if isinstance(period, str) else period
    held = held_on(ledger, as_of)  # every input as the ledger held it at the end of as_of
    with ledger.engine.connect() as conn:
        scope = period_scope(conn, unit, p, as_of or clock.today_vn(), held.asof)
        tree, months, units, month_units = (
            scope.history.tree,
            scope.months,
            scope.units,
            scope.month_units,
        )
        args = {"units": units, "months": scope.labels} | held.params()
        dues_rows = conn.execute(DUES_LINES, args).all()
        fee_rows = conn.execute(FEE_LINES, args).all()
        remitted_rows = conn.execute(_REMITTED, args).all()
    first_day = {label: first for label, first, _ in months}
    policies: dict[tuple[str, str], Policy | None] = {}

    def policy(u: str, label: str) -> Policy | None:
        if (u, label) not in policies:
            on = first_day[label]
            policies[(u, label)] = (
                held.asof.policy(ledger, u, on)
                if held.asof is not None
                else ledger.policy_for(u, on)
            )
        return policies[(u, label)]

    # (unit, month) -> [net dues, standard part]
    dues: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in dues_rows:
        if r.unit_code not in month_units.get(r.month, ()):
            continue
        amount = int(r.amount)
        if amount == 0:
            continue  # reversed
        pol = policy(r.unit_code, r.month)
        basis = None if r.basis is None else int(r.basis)
        standard = amount if pol is None else standard_part(pol, basis, amount)
        acc = dues[(r.unit_code, r.month)]
        acc[0] += amount
        acc[1] += standard
    by_unit = {u: UnitRemittance(u, tree.node(u).name) for u in units}
    for (u, label), (amount, standard) in dues.items():
        by_unit[u].kinds["dues"].collect(
            policy(u, label), IncomeSource.dues, amount, max(0, min(standard, amount))
        )
    for r in fee_rows:
        if r.unit_code in month_units.get(r.month, ()):
            amount = int(r.amount)
            by_unit[r.unit_code].kinds["union_fee"].collect(
                policy(r.unit_code, r.month), IncomeSource.union_fee, amount, amount
            )
    trees = {label: scope.history.on(first) for label, first, _ in months}
    onward: dict[tuple[str, str], int] = defaultdict(int)
    for r in remitted_rows:
        if r.unit_code not in month_units.get(r.month, ()):
            continue
        if trees[r.month].children(r.unit_code):
            onward[(r.unit_code, r.key)] += int(r.amount)
        else:
            by_unit[r.unit_code].kinds.setdefault(r.key, KindFigures()).remitted += int(r.amount)
    for (u, kind), amount in onward.items():
        f = by_unit[u].kinds.setdefault(kind, KindFigures())
        settles = max(0, min(amount, f.due - f.remitted))
        f.remitted += settles
        f.passed_on += amount - settles
    total = UnitRemittance(unit, tree.node(unit).name)
    for row in by_unit.values():
        for k, f in row.kinds.items():
            total.kinds.setdefault(k, KindFigures()).add(f)
    active = [row for row in by_unit.values() if row.active]
    return Remittance(p, [m[0] for m in months], total, active)
