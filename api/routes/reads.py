"""Reads for officers: units, members, officers, policies, the chairs' approval queue.

Who sees what (declared per route with `allow`, checked by `api.deps.Allow`):
- the union tree and policies: every officer role;
- members and their histories: finance officers, chairs, inspectors and admins whose scope
  covers the member's current unit (reporters see figures, not people); a member's disputes
  only inspectors over that unit: the finance officer or chair a member complains about
  must not learn who complained, or why (receipt confirmations are shown to all of them);
- officers and their keys: admins and inspectors;
- payouts waiting for a second signature: chairs, finance officers and inspectors over the
  unit.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api import queries
from api.body import JsonRoute
from api.deps import OFFICER_ROLES, Principal, ServicesDep, allow, holds
from api.errors import ApiError
from api.schemas import error_responses
from ledger import clock
from ledger.domain.commands import Code, MemberNo

router = APIRouter(route_class=JsonRoute, responses=error_responses(401, 403, 404, 422))

PEOPLE = ("finance_officer", "chair", "inspector", "admin")
UnitPath = Annotated[Code, Path(description="Mã đơn vị (unit code)")]
MemberPath = Annotated[MemberNo, Path(description="Mã đoàn viên (member number)")]


@router.get("/units", tags=["Đơn vị (units)"], summary="Cây tổ chức công đoàn")
def list_units(
    svc: ServicesDep, who: Annotated[Principal, allow(*OFFICER_ROLES)]
) -> list[dict[str, Any]]:
    return queries.units(svc.ctx.engine)


@router.get("/units/{unit}", tags=["Đơn vị (units)"], summary="Một đơn vị, cấp trên và cấp dưới")
def get_unit(
    unit: UnitPath, svc: ServicesDep, who: Annotated[Principal, allow(*OFFICER_ROLES)]
) -> dict[str, Any]:
    return queries.unit(svc.ctx.engine, unit)


@router.get(
    "/units/{unit}/policy",
    tags=["Đơn vị (units)"],
    summary="Quy chế chi tiêu nội bộ có hiệu lực (kế thừa từ cấp trên)",
)
def get_policy(
    unit: UnitPath,
    svc: ServicesDep,
    who: Annotated[Principal, allow(*OFFICER_ROLES)],
    on: Annotated[date | None, Query(description="Ngày (mặc định hôm nay)")] = None,
) -> dict[str, Any]:
    day = on or clock.today_vn()
    if svc.ctx.ledger.get_unit(unit) is None:
        raise ApiError(
            404, "unit_not_found", f"Không tìm thấy đơn vị: {unit}", f"unit not found: {unit}"
        )
    policy = svc.ctx.ledger.policy_for(unit, day)
    if policy is None:
        raise ApiError(
            404,
            "no_policy",
            f"Đơn vị {unit} chưa có quy chế ngày {day.isoformat()}",
            f"No policy is in force for {unit} on {day.isoformat()}",
        )
    return {"unit": unit, "on": day.isoformat(), "policy": policy.to_dict()}


@router.get(
    "/units/{unit}/members",
    tags=["Đoàn viên (members)"],
    summary="Đoàn viên của đơn vị và cấp dưới",
)
def list_members(
    unit: UnitPath,
    svc: ServicesDep,
    who: Annotated[Principal, allow(*PEOPLE, scope="unit")],
    status: Annotated[Literal["active", "left", "deceased"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    return queries.unit_members(svc.ctx.engine, unit, status=status, limit=limit, offset=offset)


@router.get("/members/{number}", tags=["Đoàn viên (members)"], summary="Hồ sơ đoàn viên")
def get_member(
    number: MemberPath,
    svc: ServicesDep,
    who: Annotated[Principal, allow(*PEOPLE, scope="member")],
    inspects: Annotated[bool, holds("inspector", scope="member")],
) -> dict[str, Any]:
    return queries.member(svc.ctx.ledger, number, disputes=inspects)


@router.get(
    "/members/{number}/history",
    tags=["Đoàn viên (members)"],
    summary="Lịch sử đoàn phí, phúc lợi, vay vốn của đoàn viên và thân nhân",
)
def get_member_history(
    number: MemberPath,
    svc: ServicesDep,
    who: Annotated[Principal, allow(*PEOPLE, scope="member")],
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> dict[str, Any]:
    return queries.history(svc.ctx.ledger, number, year=year)


@router.get("/officers", tags=["Cán bộ (officers)"], summary="Cán bộ, vai trò và khóa")
def list_officers(
    svc: ServicesDep, who: Annotated[Principal, allow("admin", "inspector")]
) -> list[dict[str, Any]]:
    return queries.officers(svc.ctx.ledger)


@router.get("/officers/{code}", tags=["Cán bộ (officers)"], summary="Một cán bộ")
def get_officer(
    code: Annotated[Code, Path()],
    svc: ServicesDep,
    who: Annotated[Principal, allow("admin", "inspector")],
) -> dict[str, Any]:
    officer = svc.ctx.ledger.get_officer(code)
    if officer is None:
        raise ApiError(
            404, "officer_not_found", f"Không tìm thấy cán bộ: {code}", f"officer not found: {code}"
        )
    return queries.officer_json(officer)


@router.get(
    "/approvals/pending",
    tags=["Duyệt chi (approvals)"],
    summary="Khoản chi chờ Chủ tịch ký duyệt (maker-checker queue)",
)
def pending_approvals(
    unit: Annotated[Code, Query(description="Đơn vị (và cấp dưới)")],
    svc: ServicesDep,
    who: Annotated[Principal, allow("chair", "finance_officer", "inspector", scope="unit")],
) -> list[dict[str, Any]]:
    return queries.pending_approvals(svc.ctx.ledger, unit)
