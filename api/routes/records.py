"""Writes: every route records ONE command signed by the logged-in officer (ghi sổ).

Invariants:
- The request body is the signed item exactly as `ledger.client.build` makes it; the server
  never signs for an officer and never holds an officer's key. `Ledger.submit` verifies the
  signature, the key, the officer's role over the command's unit and the union's rules
  before anything is stored; a refusal stores nothing.
- The signer must be the officer who is logged in (else 403 `signer_not_caller`), so a
  stolen signed command cannot be replayed under another officer's session.
- Retrying with the same command id and the same content returns the original receipt (same
  body, header `Idempotent-Replayed: true`); the same id with other content is 409.
- Each route admits only its own command types (422 on `command.type` otherwise).
- Where a write runs: a small command (a payout, an expense, a batch of up to `QUICK_LINES`
  lines) is recorded on the event loop itself when no other batch or read holds the ledger's
  writer lock at that instant; anything else goes to the thread pool, where waiting for the
  lock blocks nobody. The loop never waits for the lock, only for the database (a few ms),
  and skips two thread hand-offs per write: with a single writer lock those hand-offs, not
  the work, limited a server's writes (benchmarks/api.py, README "Load").
- A judgment (`finding.resolve`) must name a finding the detection rules report now, under
  the rule that reports it (404 `finding_not_found`, 422 on `command.body.rule`), as
  `phucloi audit resolve` checks; a retry of a judgment already recorded is not asked again.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.body import JsonRoute
from api.deps import Principal, Services, ServicesDep, allow
from api.errors import ApiError, bad_parameter, forbidden
from api.queries import original_receipt
from api.schemas import (
    BODY_REFUSALS,
    ReceiptOut,
    SignedItemIn,
    error_responses,
    signed_item_model,
)

router = APIRouter(
    route_class=JsonRoute,
    tags=["Ghi sổ (signed writes)"],
    responses=error_responses(*BODY_REFUSALS),
)

FIN = ("finance_officer",)
# Commands that change a member's grant, or end their login (ledger.sessions).
MOVES = ("member.transfer", "member.leave", "member.erase")


@dataclass(frozen=True)
class Write:
    path: str
    model: str
    types: tuple[str, ...]
    roles: tuple[str, ...]
    summary: str


WRITES = (
    Write("/collections/dues", "DuesBatch", ("collection.dues",), FIN, "Thu đoàn phí một tháng"),
    Write(
        "/collections/union-fee",
        "UnionFee",
        ("collection.union_fee",),
        FIN,
        "Thu kinh phí công đoàn 2%",
    ),
    Write(
        "/collections/union-fee-reliefs",
        "UnionFeeRelief",
        ("union_fee.relief",),
        FIN,
        "Quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn (luôn kèm chữ ký Chủ tịch)",
    ),
    Write("/collections/other", "OtherIncome", ("collection.other",), FIN, "Thu khác"),
    Write("/payouts", "Payout", ("payout.record",), FIN, "Chi phúc lợi cho đoàn viên"),
    Write("/expenses", "Expense", ("expense.record",), FIN, "Chi hoạt động"),
    Write("/remittances", "Remittance", ("remittance.record",), FIN, "Nộp cấp trên"),
    Write(
        "/loans/disbursements",
        "LoanDisbursement",
        ("loan.disburse",),
        FIN,
        "Giải ngân vay (trên ngưỡng duyệt hoặc vượt quy chế: kèm chữ ký Chủ tịch)",
    ),
    Write("/loans/repayments", "LoanRepayment", ("loan.repay",), FIN, "Thu nợ vay"),
    Write(
        "/loans/write-offs",
        "LoanWriteOff",
        ("loan.write_off",),
        FIN,
        "Xóa nợ vay (luôn kèm chữ ký Chủ tịch)",
    ),
    Write("/reversals", "Reversal", ("reversal.record",), FIN, "Đảo bút toán (sửa sai)"),
    Write(
        "/approvals",
        "Approval",
        ("approval.decide",),
        ("chair",),
        "Chủ tịch duyệt hoặc từ chối khoản chi chờ duyệt",
    ),
    Write(
        "/units",
        "UnitCommand",
        ("unit.register", "unit.rename", "unit.move", "unit.dissolve"),
        ("admin",),
        "Đăng ký, đổi tên, chuyển, giải thể đơn vị",
    ),
    Write(
        "/officers",
        "OfficerCommand",
        (
            "officer.register",
            "officer.link_member",
            "officer.grant",
            "officer.revoke_role",
            "officer.rotate_key",
            "officer.revoke_key",
        ),
        ("admin",),
        "Cán bộ: đăng ký, gắn hồ sơ đoàn viên, giao/thu hồi vai trò, thay/thu hồi khóa",
    ),
    Write(
        "/members",
        "MemberCommand",
        (
            "member.join",
            "member.transfer",
            "member.leave",
            "member.death",
            "member.household",
            "member.relative",
            "member.salary",
            "member.erase",
            "member.erase_relative",
        ),
        ("admin", "finance_officer"),
        "Đoàn viên: kết nạp, chuyển, thôi, thân nhân, lương, xóa dữ liệu",
    ),
    Write(
        "/policies",
        "PolicyAdoption",
        ("policy.adopt",),
        ("admin", "chair"),
        "Ban hành quy chế chi tiêu nội bộ",
    ),
)


def record(svc: Services, who: Principal, item: SignedItemIn, response: Response) -> dict[str, Any]:
    """Submit one signed item for the logged-in officer; the receipt as first given."""
    signer = item.command.signer.officer
    if who.kind != "officer" or signer != who.subject:
        raise forbidden(
            f"Lệnh do {signer} ký, không phải người đang đăng nhập ({who.subject})",
            f"The command is signed by {signer}, not by the logged-in officer ({who.subject})",
            code="signer_not_caller",
            field="command.signer.officer",
        )
    if (
        item.command.type == "finding.resolve"
        and svc.ctx.ledger.entry(item.command.command_id) is None
    ):
        _require_current_finding(svc, item.command.unit, item.command.body)
    receipt = svc.ctx.ledger.submit(item.raw())
    if item.command.type.startswith("officer.") or item.command.type in MOVES:
        svc.forget_grants()  # roles, a unit or a session may have changed: read them afresh
    if receipt.duplicate:
        response.headers["Idempotent-Replayed"] = "true"
    return original_receipt(svc.ctx.ledger, receipt)


def _require_current_finding(svc: Services, unit: str | None, body: dict[str, Any]) -> None:
    from audit.detect import detect

    finding, rule = body.get("finding"), body.get("rule")
    found = detect(svc.ctx, unit=unit).find(str(finding))
    if found is None:
        raise ApiError(
            404,
            "finding_not_found",
            f"{finding} không có trong các phát hiện hiện tại của {unit or 'sổ cái'}",
            f"{finding} is not among the current findings of {unit or 'the ledger'}",
            field="command.body.finding",
        )
    if found.rule != rule:
        raise bad_parameter(
            "command.body.rule",
            f"Phát hiện {finding} thuộc quy tắc {found.rule}, không phải {rule}",
            f"Finding {finding} is reported by rule {found.rule}, not {rule}",
        )


QUICK_LINES = 100  # a command with more lines than this is recorded from the thread pool


def _quick(item: SignedItemIn) -> bool:
    """Small enough to record on the event loop itself (see the module docstring)."""
    if item.command.type == "finding.resolve":  # runs the detection rules first
        return False
    lines = item.command.body.get("lines")
    return not isinstance(lines, list) or len(lines) <= QUICK_LINES


def _endpoint(write: Write) -> Any:
    model = signed_item_model(write.model, write.types)

    async def endpoint(item: Any, who: Any, svc: Any, response: Response) -> dict[str, Any]:
        if _quick(item):
            with svc.ctx.ledger.writer_if_free() as free:
                if free:
                    return record(svc, who, item, response)
        return await run_in_threadpool(record, svc, who, item, response)

    # The body model differs per route, so the signature is built here, not written above.
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("item", inspect.Parameter.KEYWORD_ONLY, annotation=model),
            inspect.Parameter(
                "who",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[Principal, allow(*write.roles)],
            ),
            inspect.Parameter("svc", inspect.Parameter.KEYWORD_ONLY, annotation=ServicesDep),
            inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=Response),
        ],
        return_annotation=ReceiptOut,
    )
    endpoint.__name__ = "record_" + write.model
    return endpoint


for _write in WRITES:
    router.add_api_route(
        _write.path,
        _endpoint(_write),
        methods=["POST"],
        status_code=201,
        response_model=ReceiptOut,
        summary=_write.summary,
        description=f"Command types: {', '.join(_write.types)}. Roles: {', '.join(_write.roles)}.",
        responses=error_responses(401, 403, 404, 409, 422),
    )
