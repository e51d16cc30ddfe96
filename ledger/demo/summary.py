"""What the demo prints at the end: size, money in and out, welfare share per union.

Invariant: figures come from the read models (ledger.projections.queries), like any report;
nothing is recomputed from the plan, so the summary also checks that recording worked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ledger.application import Ledger
from ledger.projections.queries.ratios import UnitFigures, grassroots_figures, unit_figures
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
    remitted: int
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
        loans_out=province.of("loan").get("disburse", 0),
        province=province,
        unions=grassroots_figures(ledger, root, period),
    )
