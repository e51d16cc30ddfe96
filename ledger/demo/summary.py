"""What the demo prints at the end: size, money in and out, welfare share per union.

Invariant: figures come from the read models (ledger.projections.queries), like any report;
nothing is recomputed from the plan, so the summary also checks that recording worked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ledger.application import Ledger
from ledger.domain.periods import parse_period
from ledger.projections.lines import stored_periods
from ledger.projections.queries.ratios import UnitFigures, grassroots_figures, unit_figures
from ledger.projections.queries.tree import load_tree
from ledger.projections.tables import proj_unit_totals
from ledger.tables import ledger_entries, member_index


@dataclass
class DemoSummary:
    root: str
    period: str
    members: int
    active_members: int
    events: int
    money_in: int
    money_out: int
    welfare: int
    remitted: int  # what left the province's tree (the root's own "remitted upward")
    remitted_within: int  # what units inside the province remitted to the level above
    loans_out: int
    province: UnitFigures
    unions: list[UnitFigures]  # worst welfare share first

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "period": self.period,
            "members": self.members,
            "active_members": self.active_members,
            "events": self.events,
            "money_in": self.money_in,
            "money_out": self.money_out,
            "welfare": self.welfare,
            "welfare_share_bp": self.province.welfare_share_bp,
            "remitted_upward": self.remitted,
            "remitted_within": self.remitted_within,
            "loans_disbursed": self.loans_out,
            "unions": [
                {
                    "unit": f.unit,
                    "name": f.name,
                    "welfare_share_bp": f.welfare_share_bp,
                    "target_bp": f.welfare_target_bp,
                    "meets_target": f.meets_target,
                }
                for f in self.unions
            ],
        }


def summarise(ledger: Ledger, root: str, year: int) -> DemoSummary:
    period = str(year)
    with ledger.engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(ledger_entries)) or 0
        members = conn.scalar(select(func.count()).select_from(member_index)) or 0
        active = (
            conn.scalar(
                select(func.count())
                .select_from(member_index)
                .where(member_index.c.status == "active")
            )
            or 0
        )
    province = unit_figures(ledger, root, period)
    return DemoSummary(
        root=root,
        period=period,
        members=members,
        active_members=active,
        events=events,
        money_in=province.income,
        money_out=province.spending,
        welfare=province.welfare,
        remitted=province.total("remitted"),
        remitted_within=remitted_by_units(ledger, root, period) - province.total("remitted"),
        loans_out=province.of("loan").get("disburse", 0),
        province=province,
        unions=grassroots_figures(ledger, root, period),
    )


def remitted_by_units(ledger: Ledger, root: str, period: str) -> int:
    """Every remittance to the level above made by a unit of `root`'s tree (the grassroots
    unions' to their upper-level union, an upper-level union's to the province…), reversals
    netted; less what left the tree, it is what moved inside it (a roll-up leaves it out)."""
    with ledger.engine.connect() as conn:
        units = load_tree(conn).subtree(root)
        total = conn.scalar(
            select(func.coalesce(func.sum(proj_unit_totals.c.amount), 0)).where(
                proj_unit_totals.c.flow == "remitted",
                proj_unit_totals.c.unit_code.in_(units),
                proj_unit_totals.c.period.in_(stored_periods(parse_period(period))),
            )
        )
    return int(total or 0)
