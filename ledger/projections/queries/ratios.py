"""Unit-period figures and ratios (tỷ lệ chi): income, spending, welfare share, roll-up.

Invariants:
- A unit's figures are the sum of the counted lines of the units in its subtree on each
  line's effective date (`ledger.projections.queries.tree.TreeHistory`): a union moved to
  another parent on 2025-07-01 counts under its old parent before that day and under the
  new one from it. A unit whose chain of parents did not change during the period is read
  from `proj_unit_totals` for the period's labels; one whose chain changed is read from its
  lines, day by day. A child's figures are what it held while it was directly below the
  parent, so a parent's figures always equal its own plus its children's.
- Transfers between levels are not income or spending of a tree that holds both ends: a
  remittance upward within the subtree leaves "remitted upward", and an allocation from an
  upper level (`upper_allocation` income naming its `from_unit`) leaves the income of every
  unit whose subtree held the giver on that day. An allocation that does not name its giver
  counts as income from outside (the ledger cannot tell where it came from).
- Welfare share = welfare spending / total spending in basis points, half-up
  (`ledger.domain.money.share_bp`), None when nothing was spent. It is compared with the
  welfare target in force on the period's last day (DOMAIN: ≥ 60%), and each category's
  share with the category limits, both as the unit is judged (`ledger.domain.policy.
  oversight`): the highest target and the strictest limits in force at the unit or any
  union above it, so a union's own version can tighten them, never loosen them. Decimal
  appears only when a share is printed.
- The target (and the category limits) are set for a year ("ít nhất 60% tổng chi"): only a
  calendar year is judged met or not (`meets_target`). A month, quarter or Tết year shows
  whether its own share reaches the yearly level (`reaches_target`), for reference, and is
  given no verdict (`meets_target` None): a month cannot meet or miss a yearly target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from ledger.domain.catalogue import SpendingCategory
from ledger.domain.money import compare_share, share_bp
from ledger.domain.periods import Period, parse_period
from ledger.projections.lines import stored_periods, totals_keys
from ledger.projections.queries.tree import TreeHistory, load_history

if TYPE_CHECKING:
    from ledger.application import Ledger

Sums = dict[str, dict[str, int]]  # flow -> key -> amount

_TOTALS = text(
    "SELECT unit_code, flow, key, SUM(amount) AS amount FROM proj_unit_totals "
    "WHERE period IN :periods AND unit_code IN :units GROUP BY unit_code, flow, key"
).bindparams(bindparam("units", expanding=True), bindparam("periods", expanding=True))

# The counted lines of units whose parents changed during the period, per day.
_LINES = text(
    "SELECT unit_code, effective_date, flow, key, SUM(amount) AS amount FROM proj_money_lines "
    "WHERE status = 'paid' AND unit_code IN :units "
    "AND effective_date >= :start AND effective_date < :end "
    "GROUP BY unit_code, effective_date, flow, key"
).bindparams(bindparam("units", expanding=True))

# Remittances sent, by the receiving unit (a reversal line names it through its target's
# line) and day: a parent's roll-up leaves out what moved between two units of its own
# subtree on that day.
_TRANSFERS = text(
    "SELECT l.unit_code, COALESCE(o.detail, l.detail) AS other, l.effective_date, l.flow, "
    "l.key, SUM(l.amount) AS amount FROM proj_money_lines l "
    "LEFT JOIN proj_money_lines o ON o.event_id = l.reversal_of AND o.line = l.line "
    "WHERE l.flow = 'remitted' AND l.status = 'paid' "
    "AND l.unit_code IN :units AND l.effective_date >= :start AND l.effective_date < :end "
    "GROUP BY l.unit_code, COALESCE(o.detail, l.detail), l.effective_date, l.flow, l.key"
).bindparams(bindparam("units", expanding=True))

# Allocations received from an upper level, by day and the event that recorded them (a
# reversal line names its target): whether the giver is inside a tree is read from the event.
_ALLOCATIONS = text(
    "SELECT unit_code, effective_date, COALESCE(reversal_of, event_id) AS source, "
    "SUM(amount) AS amount FROM proj_money_lines "
    "WHERE flow = 'income' AND key = 'upper_allocation' AND status = 'paid' "
    "AND unit_code IN :units AND effective_date >= :start AND effective_date < :end "
    "GROUP BY unit_code, effective_date, COALESCE(reversal_of, event_id)"
).bindparams(bindparam("units", expanding=True))

# unit, the other unit, day, flow, key, amount
Transfers = list[tuple[str, str, date, str, str, int]]
# the receiving unit, the giving unit, day, amount
Allocations = Sequence[tuple[str, str, date, int]]
# What each unit counted: (unit, the day its chain of parents is taken on, sums). A unit
# whose parents did not change in the period has one entry (its first day).
Own = list[tuple[str, date, Sums]]


@dataclass(frozen=True)
class CategoryShare:
    category: str
    amount: int
    share_bp: int | None
    min_bp: int | None
    max_bp: int | None
    spending: int  # the whole the share is of: limits are judged on exact amounts

    @classmethod
    def judged(
        cls, category: str, amount: int, spending: int, min_bp: int | None, max_bp: int | None
    ) -> CategoryShare:
        """The category's share, shown as it is judged: 45,004% is over a 45% maximum and
        shown 45,01%, 39,996% under a 40% minimum and shown 39,99% (never the limit itself
        beside "chưa đạt"); within the limits, the plain half-up rounding."""
        share = share_bp(amount, spending)
        if share is not None:
            if min_bp is not None and (compare_share(amount, spending, min_bp) or 0) < 0:
                share = min(share, min_bp - 1)
            if max_bp is not None and (compare_share(amount, spending, max_bp) or 0) > 0:
                share = max(share, max_bp + 1)
        return cls(category, amount, share, min_bp, max_bp, spending)

    @property
    def within_limits(self) -> bool | None:
        if self.share_bp is None or (self.min_bp is None and self.max_bp is None):
            return None
        low = (
            self.min_bp is None
            or (compare_share(self.amount, self.spending, self.min_bp) or 0) >= 0
        )
        high = (
            self.max_bp is None
            or (compare_share(self.amount, self.spending, self.max_bp) or 0) <= 0
        )
        return low and high


def judged_for_year(period: Period) -> bool:
    """Whether a yearly target or limit gives `period` a verdict: a calendar year only."""
    return period.kind == "year"


def verdict_vi(ok: bool | None, yearly: bool, *, limits: bool = False) -> str:
    """How a target (or, with `limits`, a category's limits) stands, in Vietnamese: ĐẠT or
    CHƯA ĐẠT for a year; for a shorter period, where its share stands against the yearly
    level (no verdict: the target is for a year); a dash when nothing is compared."""
    if ok is None:
        return "—"
    if yearly:
        return "ĐẠT" if ok else "CHƯA ĐẠT"
    if limits:
        return "trong giới hạn" if ok else "ngoài giới hạn"
    return "từ mức trở lên" if ok else "dưới mức"


def reference_note_vi(period: Period) -> str:
    """What a shorter period's comparison with a yearly target is (said once, beside it)."""
    return (
        f"tạm tính: mục tiêu tính cho cả năm, không đánh giá đạt / chưa đạt cho "
        f"{period.label_vi} (for reference: the target is for a whole year)"
    )


def shown_share(share: int | None, meets: bool | None, target: int | None) -> int | None:
    """59,996% is shown 60,00% by rounding: under a 60% target, show it as 59,99%."""
    if share is None or meets is not False or target is None:
        return share
    return min(share, target - 1)


@dataclass
class UnitFigures:
    unit: str
    name: str
    level: str
    period: Period
    sums: Sums
    welfare_target_bp: int | None = None
    categories: list[CategoryShare] = field(default_factory=list)
    children: list[UnitFigures] = field(default_factory=list)

    def of(self, flow: str) -> dict[str, int]:
        return dict(self.sums.get(flow, {}))

    def total(self, flow: str) -> int:
        return sum(self.sums.get(flow, {}).values())

    @property
    def income(self) -> int:
        return self.total("income")

    @property
    def spending(self) -> int:
        return self.total("spending")

    @property
    def welfare(self) -> int:
        return self.sums.get("spending", {}).get("welfare", 0)

    @property
    def welfare_share_bp(self) -> int | None:
        """Rounded half-up, except that a share under the target is never shown at it."""
        return shown_share(
            share_bp(self.welfare, self.spending), self.reaches_target, self.welfare_target_bp
        )

    @property
    def reaches_target(self) -> bool | None:
        """The period's welfare share is at least the (yearly) target level."""
        if self.welfare_target_bp is None:
            return None
        against = compare_share(self.welfare, self.spending, self.welfare_target_bp)
        return None if against is None else against >= 0

    @property
    def meets_target(self) -> bool | None:
        """The verdict: for a calendar year only (see the module's invariants)."""
        return self.reaches_target if judged_for_year(self.period) else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "level": self.level,
            "period": self.period.label,
            "income": {"total": self.income, **self.of("income")},
            "spending": {"total": self.spending, **self.of("spending")},
            "welfare_by_kind": self.of("welfare"),
            "non_cash_value": self.of("non_cash"),
            "remitted_upward": self.of("remitted"),
            "received_from_below": self.of("received"),
            "loans": self.of("loan"),
            "welfare_share_bp": self.welfare_share_bp,
            "welfare_target_bp": self.welfare_target_bp,
            "meets_target": self.meets_target,
            "reaches_target": self.reaches_target,
            "target_judged": "year" if judged_for_year(self.period) else "reference",
            "categories": [
                c.__dict__ | {"within_limits": c.within_limits} for c in self.categories
            ],
            "children": [c.as_dict() for c in self.children],
        }


def _add(into: Sums, other: Sums) -> None:
    for flow, keys in other.items():
        bucket = into.setdefault(flow, {})
        for key, amount in keys.items():
            bucket[key] = bucket.get(key, 0) + amount


def unit_figures(
    ledger: Ledger, unit: str, period: str | Period, *, children: bool = True
) -> UnitFigures:
    """The unit's figures for the period, rolled up over its subtree, with its children's."""
    p = parse_period(period) if isinstance(period, str) else period
    with ledger.engine.connect() as conn:
        history = load_history(conn)
        codes = sorted(history.within(unit, p.start, p.end))
        own = _own(conn, history, codes, p)
        transfers = _transfers(conn, codes, p)
        allocations: Allocations = []
        if len(codes) > 1:  # a union alone holds no giver
            params = {"units": codes, "start": p.start, "end": p.end}
            allocations = _givers(ledger, list(conn.execute(_ALLOCATIONS, params).all()))
    return _figures(
        ledger, history, unit, p, own, transfers, allocations, depth=1 if children else 0
    )


def _givers(ledger: Ledger, rows: list[Any]) -> Allocations:
    """The allocations whose signed event names the union that gave them."""
    if not rows:
        return []
    from ledger.reports.asof import decode, in_list  # reading signed events back

    ids = sorted({str(r.source) for r in rows})
    giver: dict[str, str] = {}
    with ledger.transaction() as tx:
        for start in range(0, len(ids), 500):
            marks, params = in_list("e", ids[start : start + 500])
            for m in decode(ledger, tx, f"e.event_id IN {marks}", params):
                if m.command["body"].get("from_unit"):
                    giver[m.event_id] = m.command["body"]["from_unit"]
    return [
        (r.unit_code, giver[str(r.source)], _as_date(r.effective_date), int(r.amount))
        for r in rows
        if str(r.source) in giver
    ]


def _own(conn: Any, history: TreeHistory, codes: list[str], p: Period) -> Own:
    """What each of `codes` (the units in a subtree during the period) counted (see `Own`)."""
    steady = history.stable(codes, p.start, p.end)
    sums: dict[tuple[str, date], Sums] = defaultdict(dict)
    if steady:
        for r in conn.execute(
            _TOTALS, {"periods": stored_periods(p), "units": sorted(steady)}
        ).all():
            sums[(r.unit_code, p.start)].setdefault(r.flow, {})[r.key] = int(r.amount)
    moving = [c for c in codes if c not in steady]
    if moving:
        params = {"units": moving, "start": p.start, "end": p.end}
        for r in conn.execute(_LINES, params).all():
            bucket = sums[(r.unit_code, _as_date(r.effective_date))]
            for flow, key in totals_keys({"flow": r.flow, "key": r.key}):
                keys = bucket.setdefault(flow, {})
                keys[key] = keys.get(key, 0) + int(r.amount)
    return [(code, day, rows) for (code, day), rows in sums.items()]


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _transfers(conn: Any, units: list[str], p: Period) -> Transfers:
    if not units:
        return []
    rows = conn.execute(_TRANSFERS, {"units": units, "start": p.start, "end": p.end}).all()
    return [
        (r.unit_code, str(r.other), _as_date(r.effective_date), r.flow, r.key, int(r.amount))
        for r in rows
    ]


def _figures(
    ledger: Ledger,
    history: TreeHistory,
    unit: str,
    p: Period,
    own: Own,
    transfers: Transfers,
    allocations: Allocations = (),
    *,
    depth: int,
    below: str | None = None,
    direct: bool = True,
) -> UnitFigures:
    node = history.tree.node(unit)
    sums: Sums = {}
    for code, day, rows in own:
        if not history.holds(code, day, unit, below=below, direct=direct):
            continue
        if code != unit:  # what a unit below received came from inside this tree
            rows = {flow: keys for flow, keys in rows.items() if flow != "received"}
        _add(sums, rows)
    for code, other, day, flow, key, amount in transfers:
        # within this unit's own tree that day: not a flow
        inside = history.holds(code, day, unit, below=below, direct=direct)
        if inside and unit in history.chain(other, day):
            sums[flow][key] -= amount
            if not sums[flow][key]:
                del sums[flow][key]
    for code, giver, day, amount in allocations:
        # given by a union of this unit's own tree that day: not income of the tree
        inside = history.holds(code, day, unit, below=below, direct=direct)
        if inside and unit in history.chain(giver, day):
            income = sums["income"]
            income["upper_allocation"] -= amount
            if not income["upper_allocation"]:
                del income["upper_allocation"]
    figures = UnitFigures(unit, node.name, node.level, p, sums)
    judged = ledger.oversight_for(unit, p.end - timedelta(days=1))
    if judged is not None:
        figures.welfare_target_bp = judged.welfare_target_bp
        spent = figures.spending
        by_category = figures.of("spending")
        for cat in SpendingCategory:
            lo, hi = judged.limit(cat)
            amount = by_category.get(cat.value, 0)
            if amount or lo is not None or hi is not None:
                figures.categories.append(CategoryShare.judged(cat.value, amount, spent, lo, hi))
    if depth > 0:
        figures.children = [
            _figures(
                ledger, history, child, p, own, transfers, allocations, depth=depth - 1, below=unit
            )
            for child in history.children_within(unit, p.start, p.end)
        ]
    return figures


def grassroots_figures(ledger: Ledger, unit: str, period: str | Period) -> list[UnitFigures]:
    """Figures of every leaf unit (công đoàn cơ sở) under `unit`, worst welfare share first."""
    p = parse_period(period) if isinstance(period, str) else period
    with ledger.engine.connect() as conn:
        history = load_history(conn)
        within = history.within(unit, p.start, p.end)
        own = _own(conn, history, sorted(within), p)
    tree = history.tree
    leaves = [u for u in sorted(within) if not tree.children(u)]  # spent or not
    out = [  # what each held while under `unit`; no inner flows
        _figures(ledger, history, u, p, own, [], depth=0, below=unit, direct=False)
        if u != unit
        else _figures(ledger, history, u, p, own, [], depth=0)
        for u in leaves
    ]
    return sorted(
        out,
        key=lambda f: (f.welfare_share_bp is None, f.welfare_share_bp or 0, f.unit),
    )
