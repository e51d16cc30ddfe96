"""Figures of a unit for a period (read models only): ratios, compliance, roll-up, beneficiaries.

A period is `2025` (year), `2025-03` (month), `2025-Q1` (quarter) or `lunar-2025` (the Tết
year). A parent's figures include all its descendants. Amounts are integer đồng, shares
basis points. Every officer role may read them over the units its scope covers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.body import JsonRoute
from api.deps import OFFICER_ROLES, Principal, ServicesDep, allow
from api.errors import bad_parameter, bad_period
from api.schemas import error_responses
from ledger.domain.commands import Code
from ledger.domain.periods import Period, parse_period
from ledger.projections.queries.beneficiaries import beneficiary_counts
from ledger.projections.queries.compliance import compliance
from ledger.projections.queries.ratios import grassroots_figures, unit_figures
from ledger.projections.queries.remittance import judged_period, remittance
from ledger.reports.provisional import not_begun

router = APIRouter(
    route_class=JsonRoute, tags=["Báo cáo (reports)"], responses=error_responses(401, 403, 404, 422)
)

UnitPath = Annotated[Code, Path(description="Mã đơn vị (unit code)")]
PeriodQuery = Annotated[
    str,
    Query(
        max_length=12,
        pattern=r"^(\d{4}(-\d{2}|-Q[1-4])?|lunar-\d{4})$",
        description="2025 | 2025-03 | 2025-Q1 | lunar-2025",
    ),
]
Reader = Annotated[Principal, allow(*OFFICER_ROLES, scope="unit")]


def _period(text: str, *, begun: bool = True) -> Period:
    """The `period`; with `begun`, refused when it begins after today in Việt Nam: nothing
    can be recorded in it yet (`compliance` judges any period as of a day: False)."""
    try:
        period = parse_period(text)
    except (ValueError, TypeError) as exc:
        raise bad_period(exc) from None
    why = not_begun(period) if begun else None
    if why is not None:
        raise bad_parameter("period", *why)
    return period


@router.get("/units/{unit}/ratios", summary="Tỷ lệ chi phúc lợi so với mục tiêu 60%")
def ratios(unit: UnitPath, period: PeriodQuery, svc: ServicesDep, who: Reader) -> dict[str, Any]:
    return unit_figures(svc.ctx.ledger, unit, _period(period)).as_dict()


@router.get("/units/{unit}/rollup", summary="Các công đoàn cơ sở, tỷ lệ phúc lợi thấp nhất trước")
def rollup(unit: UnitPath, period: PeriodQuery, svc: ServicesDep, who: Reader) -> dict[str, Any]:
    p = _period(period)
    return {
        "unit": unit,
        "period": p.label,
        "units": [f.as_dict() for f in grassroots_figures(svc.ctx.ledger, unit, p)],
    }


@router.get("/units/{unit}/compliance", summary="Thu đúng, thu đủ, thu kịp thời")
def compliance_of(
    unit: UnitPath,
    period: PeriodQuery,
    svc: ServicesDep,
    who: Reader,
    as_of: Annotated[date | None, Query(description="Tính đến ngày (mặc định hôm nay)")] = None,
) -> dict[str, Any]:
    p = _period(period, begun=False)
    due = remittance(svc.ctx.ledger, unit, judged_period(p), as_of=as_of)  # a month: its quarter
    return compliance(svc.ctx.ledger, unit, p, as_of=as_of).as_dict() | {
        "remittance": due.as_dict()
    }


@router.get("/units/{unit}/beneficiaries", summary="Số người và số tiền theo loại phúc lợi")
def beneficiaries(
    unit: UnitPath, period: PeriodQuery, svc: ServicesDep, who: Reader
) -> dict[str, Any]:
    p = _period(period)
    return {
        "unit": unit,
        "period": p.label,
        "kinds": [c.__dict__ for c in beneficiary_counts(svc.ctx.ledger, unit, p)],
    }
