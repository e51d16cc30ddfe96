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
- A member disputes an entry once at a time: the ledger refuses a second dispute of an entry
  while the member's earlier one is still open (409 `dispute_open` on `entry`), and a second
  confirmation of a payout (422 `already_confirmed`). A phone on a bad network may also send a
  `request_id` (a UUID, the same on every retry): it becomes the command id, and a retry after
  a lost answer gets the original receipt (201, `Idempotent-Replayed: true`); the same id for
  another statement is 409 `request_id_reused`.
- Refusals name the member's own request fields (`entry`, `reason`, `text`, `request_id`),
  not the paths within the portal's signed command (`body.entry`).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Response

from api import queries
from api.body import JsonRoute
from api.deps import MEMBER, Principal, Services, ServicesDep, allow
from api.errors import ApiError
from api.schemas import BODY_REFUSALS, ConfirmIn, DisputeIn, ReceiptOut, error_responses
from ledger import clock
from ledger.client import build
from ledger.domain.errors import Conflict, LedgerError

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
    responses=error_responses(409, 503, *BODY_REFUSALS),
)
def dispute(
    statement: DisputeIn, svc: ServicesDep, who: Member, response: Response
) -> dict[str, Any]:
    body = {"entry": statement.entry, "reason": statement.reason}
    return _statement(
        svc, who, "member.dispute", body, statement.request_id, response, text=statement.text
    )


@router.post(
    "/receipts",
    status_code=201,
    response_model=ReceiptOut,
    summary="Xác nhận đã nhận khoản chi",
    responses=error_responses(409, 503, *BODY_REFUSALS),
)
def confirm(
    statement: ConfirmIn, svc: ServicesDep, who: Member, response: Response
) -> dict[str, Any]:
    body = {"entry": statement.entry}
    return _statement(svc, who, "member.confirm_receipt", body, statement.request_id, response)


# Where the signed command's fields are, in the member's request.
MEMBER_FIELDS = {
    "body.entry": "entry",
    "body.reason": "reason",
    "body.personal.text": "text",
    "openings.text": "text",
    "command.command_id": "request_id",
}
KINDS = {"member.dispute": "dispute", "member.confirm_receipt": "confirm"}


def _as_member_fields(exc: LedgerError) -> LedgerError:
    problems = [
        dataclasses.replace(p, field=MEMBER_FIELDS.get(p.field, p.field)) for p in exc.problems
    ]
    return dataclasses.replace(exc, problems=problems)


def _replay(
    svc: Services, who: Principal, type_: str, body: dict[str, Any], request_id: str
) -> dict[str, Any] | None:
    """The original receipt if `request_id` was this very statement; None if the id is new."""
    ledger = svc.ctx.ledger
    receipt = ledger.receipt(request_id)
    if receipt is None:
        return None
    member = ledger.get_member(who.subject)
    said = next(
        (s for s in (member.statements if member else []) if s["event_id"] == request_id), None
    )
    if (
        said is None
        or said["kind"] != KINDS[type_]
        or said["entry"] != body["entry"]
        or said.get("reason") != body.get("reason")
    ):
        raise ApiError(
            409,
            "request_id_reused",
            "Mã yêu cầu (request_id) đã dùng cho một yêu cầu khác: hãy tạo mã mới",
            "This request_id was already used for another request: make a new one",
            field="request_id",
        )
    return queries.original_receipt(ledger, receipt)


def _statement(
    svc: Services,
    who: Principal,
    type_: str,
    body: dict[str, Any],
    request_id: str | None,
    response: Response,
    *,
    text: str | None = None,
) -> dict[str, Any]:
    if svc.portal is None:
        raise ApiError(
            503,
            "portal_not_configured",
            "Máy chủ chưa cấu hình cổng đoàn viên (phucloi portal init)",
            "The members' portal key is not configured on this server (phucloi portal init)",
        )
    if request_id is not None:
        replayed = _replay(svc, who, type_, body, request_id)
        if replayed is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return replayed
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
        command_id=request_id,
    )
    try:
        receipt = ledger.submit(item)
    except LedgerError as exc:
        if request_id is not None and isinstance(exc, Conflict):
            # the same request_id recorded a moment ago by a concurrent retry
            replayed = _replay(svc, who, type_, body, request_id)
            if replayed is not None:
                response.headers["Idempotent-Replayed"] = "true"
                return replayed
        raise _as_member_fields(exc) from None
    return queries.original_receipt(ledger, receipt)
