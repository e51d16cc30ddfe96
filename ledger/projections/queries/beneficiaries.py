"""Beneficiary counts per welfare kind and period: people and amounts (for #7's forms).

Invariant: a person (a member, or one relative of a member) counts once per kind in the
unit's subtree and period when their net counted payouts are above zero; amounts are the
net sums, so reversed payouts count neither person nor money.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, text

from ledger.domain.periods import Period, parse_period
from ledger.projections.lines import stored_periods
from ledger.projections.queries.tree import load_tree

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


def beneficiary_counts(ledger: Ledger, unit: str, period: str | Period) -> list[KindCount]:
    p = parse_period(period) if isinstance(period, str) else period
    with ledger.engine.connect() as conn:
        units = load_tree(conn).subtree(unit)
        rows = conn.execute(_ROWS, {"periods": stored_periods(p), "units": units}).all()
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        a = acc[r.kind]
        if int(r.payouts) > 0:
            a[0 if r.relative == "" else 1] += 1
        a[2] += int(r.payouts)
        a[3] += int(r.amount)
    return [
        KindCount(kind, m + rel, m, rel, n, amount)
        for kind, (m, rel, n, amount) in sorted(acc.items())
    ]
