"""Beneficiary counts per welfare kind and period: people and amounts (for #7's forms).

Invariant: a person (a member, or one relative of a member) counts once per kind in the
unit's subtree and period when their net counted payouts are above zero; amounts are the
net sums, so reversed payouts count neither person nor money. The subtree is the one of
each payout's effective date (`ledger.projections.queries.tree.TreeHistory`): a union whose
parents changed during the period is read from its money lines, day by day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, text

from ledger.domain.periods import Period, parse_period
from ledger.projections.lines import stored_periods
from ledger.projections.queries.tree import load_history

if TYPE_CHECKING:
    from ledger.application import Ledger

_ROWS = text(
    "SELECT kind, member_number, relative, SUM(amount) AS amount, SUM(payouts) AS payouts "
    "FROM proj_beneficiaries WHERE period IN :periods AND unit_code IN :units "
    "GROUP BY kind, member_number, relative"
).bindparams(bindparam("units", expanding=True), bindparam("periods", expanding=True))


@dataclass(frozen=True)
class KindCount:
    kind: str
    people: int  # distinct beneficiaries (members and relatives)
    members: int  # of which members themselves
    relatives: int
    payouts: int
    amount: int


# The beneficiaries' lines of units whose parents changed during the period, per day (what
# `ledger.projections.money` adds to proj_beneficiaries).
_LINES = text(
    "SELECT unit_code, effective_date, flow, key, member_number, relative, "
    "SUM(amount) AS amount, SUM(CASE WHEN reversal_of IS NULL THEN 1 ELSE -1 END) AS payouts "
    "FROM proj_money_lines WHERE status = 'paid' AND member_number IS NOT NULL "
    "AND (flow IN ('welfare', 'non_cash') OR (flow = 'loan' AND key = 'disburse')) "
    "AND unit_code IN :units AND effective_date >= :start AND effective_date < :end "
    "GROUP BY unit_code, effective_date, flow, key, member_number, relative"
).bindparams(bindparam("units", expanding=True))


def beneficiary_counts(ledger: Ledger, unit: str, period: str | Period) -> list[KindCount]:
    p = parse_period(period) if isinstance(period, str) else period
    people: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    with ledger.engine.connect() as conn:
        history = load_history(conn)
        units = sorted(history.within(unit, p.start, p.end))
        steady = sorted(history.stable(units, p.start, p.end))
        rows = (
            conn.execute(_ROWS, {"periods": stored_periods(p), "units": steady}).all()
            if steady
            else []
        )
        moving = sorted(set(units) - set(steady))
        lines = (
            conn.execute(_LINES, {"units": moving, "start": p.start, "end": p.end}).all()
            if moving
            else []
        )
    for r in rows:
        person = people[(r.kind, r.member_number, r.relative)]
        person[0] += int(r.amount)
        person[1] += int(r.payouts)
    for ln in lines:
        day = ln.effective_date
        if history.holds(
            ln.unit_code, day if isinstance(day, date) else date.fromisoformat(day), unit
        ):
            kind = "loan" if ln.flow == "loan" else ln.key
            person = people[(kind, ln.member_number, ln.relative or "")]
            person[0] += int(ln.amount)
            person[1] += int(ln.payouts)
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (kind, _, relative), (amount, payouts) in people.items():
        a = acc[kind]
        if payouts > 0:
            a[0 if relative == "" else 1] += 1
        a[2] += payouts
        a[3] += amount
    return [
        KindCount(kind, m + rel, m, rel, n, amount)
        for kind, (m, rel, n, amount) in sorted(acc.items())
    ]
