"""Đoàn viên: my welfare history, checking an entry in the log, confirming receipt, disputing.

Invariants:
- The member number always comes from the session (the API's `member` grant), never from
  the request: no URL, form field or parameter can name another member, so no page here can
  show another member's data. An entry id posted for a confirmation or dispute that is not in
  the member's own history is refused by the ledger (422 on `entry`).
- Each history line carries its leaf hash and an inclusion proof against the latest signed
  checkpoint (api.queries.history_with_proofs); the page's "Kiểm tra" button recomputes the
  root in the browser (static/merkle.js) and checks the checkpoint's signature with the
  log's public key shown on the page, and each witness cosignature with the witness keys the
  union trusts (PHUCLOI_WITNESS_KEYS), as a saved receipt's are. The server's word is not the
  verdict.
- Confirmations and disputes are signed by the members' portal key through the API's own
  route functions (api.routes.me), so the web and the API record them identically.
- Each dispute shows its outcome as the API gives it: open, or confirmed / dismissed on a day,
  with the inspector's reply to the member; never the inspector's internal note.
- Every form that posts a statement (a dispute, a receipt confirmation) carries a
  `request_id`, a UUID made when the form is rendered, passed to the API's route as its
  idempotency key: the same form sent twice (a double click, a reload of the post, a retry
  after a lost answer) records one statement and answers both times with its receipt, which
  the page after names (`receipt`, shown only when it is one of the member's own).
- `/web/me/consistency` is the API's consistency proof under the page's session: a proof for
  an older tree than the page's checkpoint (a saved receipt) is linked to it in the browser.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import uuid4

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api import queries
from api.deps import MEMBER, Principal
from api.errors import ApiError
from api.routes import audit as audit_routes
from api.routes import me
from api.schemas import ConfirmIn, DisputeIn
from api.web import text
from api.web.receipt_pages import receipt_keys
from api.web.render import SECURITY_HEADERS, render
from api.web.routing import web_router
from api.web.session import Page, csrf_checked, services
from audit.receipt import make_receipt
from ledger.domain.errors import validation_en, validation_vi

router = web_router()
Member = Annotated[Principal, Depends(Page(MEMBER))]
CHECKED = [Depends(csrf_checked)]


def _years(lines: list[dict[str, Any]], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """History lines grouped by year, newest year first, each with its totals."""
    by_year: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_year.setdefault(line["effective_date"][:4], []).append(line)
    return [
        {"year": year, "lines": by_year[year], "totals": totals.get(year, {})}
        for year in sorted(by_year, reverse=True)
    ]


def _disputes(statements: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The member's disputes (with their outcome) per disputed entry."""
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for s in statements:
        if s["kind"] == "dispute":
            by_entry.setdefault(s["entry"], []).append(s)
    return by_entry


def _history(request: Request, who: Principal) -> dict[str, Any]:
    svc = services(request)
    return queries.history_with_proofs(svc.ctx.ledger, who.subject)


def _unions(request: Request, number: str) -> list[dict[str, Any]]:
    """The unions the member belonged to, in order: code, name, from and (but the last) to,
    the day before they moved on (`Member.spans`)."""
    ledger = services(request).ctx.ledger
    member = ledger.get_member(number)
    spans = member.spans if member is not None else []
    out = []
    for i, (since, code) in enumerate(spans):
        unit = ledger.get_unit(code)
        until = spans[i + 1][0] - timedelta(days=1) if i + 1 < len(spans) else None
        out.append({"code": code, "name": unit.name if unit else None, "from": since, "to": until})
    return out


def _receipt(statements: list[dict[str, Any]], event_id: str | None) -> dict[str, Any] | None:
    """The member's own statement a form post was answered with, or None."""
    return next((s for s in statements if event_id and s["event_id"] == event_id), None)


def _new_request_id() -> str:
    """A form's idempotency key, made when the form is rendered (see the module docstring)."""
    return str(uuid4())


@router.get("/web/me")
def my_history(
    request: Request, who: Member, done: str | None = None, receipt: str | None = None
) -> Response:
    history = _history(request, who)
    keys = receipt_keys(request)
    log_data = {
        "checkpoint": history["checkpoint"],
        "log_vkey": keys["log_vkey"],  # the published one when configured
        # the witnesses the union trusts (PHUCLOI_WITNESS_KEYS): the checkpoint's
        # cosignatures are checked with them, as a saved receipt's are
        "witness_vkeys": keys["witness_vkeys"],
        "member": who.subject,
        # what the check button compares: the stored event (the member's own entries only)
        # against the line shown (queries.history_with_proofs)
        "lines": {
            ln["event_id"]: {
                k: ln.get(k)
                for k in (
                    "event",
                    "leaf_hash",
                    "command_type",
                    "amount",
                    "reversal_of",
                    "unit_code",
                    "effective_date",
                    "key",
                    "relative",
                    "form",
                    "detail",
                )
            }
            for ln in history["lines"]
        },
    }
    return render(
        request,
        "member_history.html",
        who=who,
        title=("Lịch sử phúc lợi của tôi", "My welfare history"),
        page="member",
        history=history,
        years=_years(history["lines"], history["years"]),
        # a member who moved reads every union and each line's (Kiểm tra checks it)
        unions=_unions(request, who.subject),
        disputes=_disputes(history["statements"]),
        log_data=log_data,
        done=done if done in ("confirmed", "disputed") else None,
        receipt=_receipt(history["statements"], receipt),
        request_ids={ln["event_id"]: _new_request_id() for ln in history["lines"]},
    )


def _invalid(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    vi, en = text.field_label("vi", where), text.field_label("en", where)
    return ApiError(
        422,
        "invalid_request",
        f"Chưa gửi được — {vi or 'dữ liệu nhập'}: {validation_vi(first)}",
        f"Not sent — {en or 'the input'}: {validation_en(first)}",
        field=where,
    )


def _answered(done: str, entry: str, receipt: dict[str, Any]) -> RedirectResponse:
    """The history page after a statement, naming its receipt (the original one when the same
    form was sent again)."""
    query = urlencode({"done": done, "receipt": receipt["event_id"]})
    return RedirectResponse(f"/web/me?{query}#e-{entry}", status_code=303)


@router.get("/web/me/consistency")
def consistency(
    request: Request,
    who: Member,
    old: Annotated[int, Query(ge=1, le=audit_routes.MAX_SIZE)],
    new: Annotated[int, Query(ge=1, le=audit_routes.MAX_SIZE)],
) -> dict[str, Any]:
    """The API's `GET /audit/consistency` for the page's session: the "Kiểm tra" button links
    a proof for an older tree to the page's checkpoint with it (static/merkle.js checks every
    hash; the answer holds hashes only)."""
    return audit_routes.consistency(old, new, services(request), who)


@router.get("/web/me/receipt")
def saved_receipt(request: Request, who: Member, entry: str = "") -> Response:
    """The receipt of one of the member's entries to keep (audit.receipt, `phucloi/receipt/v1`):
    the line, its stored event (the member's own entries), the inclusion proof and the signed
    checkpoint note with its cosignatures. Checked later at `/web/receipt` or by `phucloi
    audit receipt FILE`. An entry no checkpoint covers yet has no receipt (409)."""
    history = _history(request, who)
    by_id = {ln["event_id"]: ln for ln in history["lines"]}
    line = by_id.get(entry)
    if line is None:
        raise _not_in_history()
    if line["proof"] is None or history["checkpoint"] is None:
        raise ApiError(
            409,
            "not_checkpointed",
            "Bút toán này mới hơn điểm kiểm tra gần nhất: chưa có biên nhận; hãy lưu lại sau khi "
            "có điểm kiểm tra mới",
            "This entry is newer than the latest checkpoint: no receipt yet; save it after the "
            "next checkpoint",
            field="entry",
        )
    receipt = make_receipt(
        line,
        member=who.subject,
        checkpoint_note=history["checkpoint"]["note"],
        original=by_id.get(line.get("reversal_of") or ""),
    )
    return Response(
        json.dumps(receipt, ensure_ascii=False, indent=2) + "\n",
        media_type="application/json",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="bien-nhan-{entry}.json"',
        },
    )


@router.post("/web/me/receipts", dependencies=CHECKED)
def confirm_receipt(
    request: Request,
    who: Member,
    entry: Annotated[str, Form(max_length=64)] = "",
    request_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        model = ConfirmIn(entry=entry, request_id=request_id or None)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _invalid(exc) from None
    receipt = me.confirm(model, services(request), who, Response())
    return _answered("confirmed", entry, receipt)


def _not_in_history() -> ApiError:
    return ApiError(
        404,
        "not_in_history",
        "Bút toán không có trong lịch sử của bạn",
        "The entry is not in your history",
        field="entry",
    )


@router.get("/web/me/disputes/new")
def dispute_form(request: Request, who: Member, entry: str = "") -> Response:
    history = _history(request, who)
    line = next((dict(ln) for ln in history["lines"] if ln["event_id"] == entry), None)
    if line is None:
        raise _not_in_history()
    # a dispute of this entry still open: the ledger refuses another until it is judged
    waiting = [d for d in _disputes(history["statements"]).get(entry, []) if d["status"] == "open"]
    return render(
        request,
        "member_dispute.html",
        who=who,
        title=("Phản ánh một khoản", "Dispute an entry"),
        page="dispute",
        line=line,
        open_dispute=waiting[-1] if waiting else None,
        unions=_unions(request, who.subject),
        request_id=_new_request_id(),
    )


@router.post("/web/me/disputes", dependencies=CHECKED)
def dispute(
    request: Request,
    who: Member,
    entry: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=40)] = "",
    # the form's 2000 characters, each line break posted as CRLF: DisputeIn counts them and
    # names its own limit (the form parser bounds a field at 1 MiB)
    text: Annotated[str, Form()] = "",
    request_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        model = DisputeIn(
            entry=entry,
            reason=reason,  # type: ignore[arg-type]
            text=text,
            request_id=request_id or None,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    receipt = me.dispute(model, services(request), who, Response())
    return _answered("disputed", entry, receipt)
