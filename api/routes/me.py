"""What a logged-in member sees and says: their own history, disputes, receipt confirmations.

Invariants:
- Every route here takes the member number from the token, never from the request: a member
  has no way to name another member, and every officer route refuses the member role (403).
- A dispute (phản ánh) or a receipt confirmation becomes a signed event: the members'
  portal, a service identity with only the `portal` role, signs `member.dispute` /
  `member.confirm_receipt` with its own key, which the server holds (`phucloi portal init`).
  The member's own words are personal data: committed in the command, sealed under the
  member's key, never stored in clear. The ledger refuses an entry outside the member's own
  history (422 on `entry`).
- A statement is signed in the unit of the entry it is about, not in the member's current
  unit: after a transfer, a dispute of an entry the former union recorded goes to that
  union's inspectors, who can judge it and read the member's words. When that union has
  been dissolved, the nearest union above it that is not acts for it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api import queries
from api.body import JsonRoute
from api.deps import MEMBER, Principal, Services, ServicesDep, allow
from api.errors import ApiError
from api.schemas import ConfirmIn, DisputeIn, ReceiptOut, error_responses
from ledger import clock
from ledger.client import build

router = APIRouter(
    route_class=JsonRoute,
    prefix="/me",
    tags=["Đoàn viên tự xem (members' own data)"],
    responses=error_responses(401, 403, 404, 422),
)
Member = Annotated[Principal, allow(MEMBER)]


@router.get("/history", summary="Lịch sử phúc lợi của tôi, kèm bằng chứng Merkle")
def my_history(svc: ServicesDep, who: Member) -> dict[str, Any]:
    return queries.history_with_proofs(svc.ctx.ledger, who.subject)


@router.post(
    "/disputes",
    status_code=201,
    response_model=ReceiptOut,
    summary="Phản ánh một khoản không đúng",
    responses=error_responses(409, 503),
)
def dispute(statement: DisputeIn, svc: ServicesDep, who: Member) -> dict[str, Any]:
    body = {"entry": statement.entry, "reason": statement.reason}
    return _statement(svc, who, "member.dispute", body, text=statement.text)


@router.post(
    "/receipts",
    status_code=201,
    response_model=ReceiptOut,
    summary="Xác nhận đã nhận khoản chi",
    responses=error_responses(409, 503),
)
def confirm(statement: ConfirmIn, svc: ServicesDep, who: Member) -> dict[str, Any]:
    return _statement(svc, who, "member.confirm_receipt", {"entry": statement.entry})


def _statement(
    svc: Services, who: Principal, type_: str, body: dict[str, Any], *, text: str | None = None
) -> dict[str, Any]:
    if svc.portal is None:
        raise ApiError(
            503,
            "portal_not_configured",
            "Máy chủ chưa cấu hình cổng đoàn viên (phucloi portal init)",
            "The members' portal key is not configured on this server (phucloi portal init)",
        )
    ledger, today = svc.ctx.ledger, clock.today_vn()
    entry = ledger.entry(body["entry"])
    unit = (
        entry["unit_code"]
        if entry is not None and entry["unit_code"]
        else queries.member_unit(svc.ctx.engine, who.subject) or who.grants[0][1]
    )
    item = build(
        type_,
        by=svc.portal,
        unit=ledger.acting_unit(unit, today),
        effective_date=today,
        body={"member": who.subject, **body},
        personal={"text": text} if text is not None else None,
    )
    receipt = ledger.submit(item)
    return queries.original_receipt(ledger, receipt)
