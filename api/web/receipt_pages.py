"""Kiểm tra biên nhận: anyone checks a member's saved receipt, without logging in.

Design:
- `/web/receipt` is public. A receipt is checked in the reader's browser (static/merkle.js
  `checkReceipt`): nothing of it is sent to the server. What the page needs is what a
  transparency log publishes anyway: the log's public key (the published one when
  `PHUCLOI_LOG_KEY` is set), the witness keys the union trusts (`PHUCLOI_WITNESS_KEYS`), the
  newest signed checkpoint with its cosignatures (`/web/receipt/checkpoint`) and consistency
  proofs between checkpoint sizes (`/web/receipt/consistency`: hashes only). So a member
  whose login ended (they left the union, their PIN was reset, their personal data erased),
  or anyone they hand the receipt to, can check it. None of it names a member or an amount.
- `/web/receipt/consistency` proves only to the size of a signed checkpoint (`new`), from any
  size up to it: the trees the union has published, nothing of the unsigned head.
- Both proof endpoints are public, so they are limited per client address
  (api.throttle.public_limit: 429 `too_many_requests` with Retry-After, before any database
  work), and a consistency proof reads only the leaves it needs (audit.log.StoredTree).
- The server's word is never the verdict: the checkpoint's signature and every hash are
  checked in the browser; the server's own check of a receipt is `phucloi audit receipt`
  (audit.receipt), which gives the same reason for the same receipt.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from api.errors import ApiError
from api.routes import audit as audit_routes
from api.throttle import public_limit
from api.web.render import SECURITY_HEADERS, render
from api.web.routing import web_router
from api.web.session import services, session_principal
from audit.log import (
    LogError,
    checkpoint_at,
    latest_checkpoint,
    log_key_in_use,
    prove_consistency,
    with_cosignatures,
)
from audit.receipt import RECEIPT_TEXTS
from audit.witness import LOG_KEY_ENV, WITNESS_KEYS_ENV, configured_witness_keys

router = web_router()


def limited(request: Request) -> None:
    """Count the request against its client address's limit (api.throttle.public_limit)."""
    public_limit(services(request).public_requests, request.client.host if request.client else None)


LIMITED = [Depends(limited)]


def receipt_keys(request: Request) -> dict[str, Any]:
    """The keys a receipt is checked with: the log's (published when configured) and the
    trusted witnesses' (none when PHUCLOI_WITNESS_KEYS is unset or wrong: said on the page, in
    the page's language, as a (Vietnamese, English) pair)."""
    log_key = log_key_in_use(services(request).ctx.engine)
    try:
        witnesses, problem = configured_witness_keys(), None
    except ValueError:
        witnesses, problem = [], WITNESS_KEYS_PROBLEM
    log_problem = None
    if log_key.problem:
        log_problem = LOG_KEY_NOT_A_KEY if log_key.vkey is None else LOG_KEY_DIFFERS
    return {
        "log_vkey": log_key.vkey,
        "log_key_problem": log_problem,
        "witness_vkeys": witnesses,
        "witness_key_problem": problem,
    }


WITNESS_KEYS_PROBLEM = (
    f"{WITNESS_KEYS_ENV} có khóa không phải khóa kiểm của nhân chứng: chữ ký đồng ký không "
    "được kiểm tra theo khóa nào.",
    f"{WITNESS_KEYS_ENV} holds a key that is not a witness verifier key: cosignatures are not "
    "checked against any key.",
)
LOG_KEY_NOT_A_KEY = (
    f"{LOG_KEY_ENV} không phải khóa kiểm của sổ cái: không kiểm tra được biên nhận.",
    f"{LOG_KEY_ENV} is not the ledger's verifier key: receipts cannot be checked.",
)
LOG_KEY_DIFFERS = (
    f"Khóa của sổ trong cơ sở dữ liệu khác khóa đã công bố ({LOG_KEY_ENV}): biên nhận được "
    "kiểm tra theo khóa đã công bố.",
    f"The database holds another log key than the published one ({LOG_KEY_ENV}): receipts "
    "are checked with the published key.",
)


@router.get("/web/receipt")
def receipt_page(request: Request) -> Response:
    return render(
        request,
        "receipt_check.html",
        who=session_principal(request),
        title=("Kiểm tra biên nhận", "Check a receipt"),
        page="receipt",
        keys=receipt_keys(request),
        texts=RECEIPT_TEXTS,  # what a verdict says, as `phucloi audit receipt` says it
    )


@router.get("/web/receipt/checkpoint", dependencies=LIMITED)
def newest_checkpoint(request: Request) -> Response:
    """The newest signed checkpoint, the C2SP note as signed with the witnesses' cosignature
    lines (as `GET /audit/checkpoint`); 404 when none was signed."""
    engine = services(request).ctx.engine
    latest = latest_checkpoint(engine)
    if latest is None:
        raise ApiError(
            404,
            "no_checkpoint",
            "Sổ cái chưa có checkpoint nào",
            "The ledger has no checkpoint yet",
        )
    return PlainTextResponse(
        with_cosignatures(engine, latest[0], latest[2]), headers=SECURITY_HEADERS
    )


@router.get("/web/receipt/consistency", dependencies=LIMITED)
def public_consistency(
    request: Request,
    old: Annotated[int, Query(ge=1, le=audit_routes.MAX_SIZE)],
    new: Annotated[int, Query(ge=1, le=audit_routes.MAX_SIZE)],
) -> dict[str, Any]:
    """RFC 9162 consistency proof from `old` to `new`, a signed checkpoint's size."""
    engine = services(request).ctx.engine
    if old > new:
        raise ApiError(
            422, "invalid_request", "old phải ≤ new", "old must not exceed new", field="old"
        )
    if checkpoint_at(engine, new) is None:
        raise ApiError(
            404,
            "no_checkpoint",
            f"Không có điểm kiểm tra {new} bút toán",
            f"There is no checkpoint of {new} entries",
            field="new",
        )
    try:
        proof = prove_consistency(engine, old, new)
    except LogError as exc:
        raise audit_routes._log_error(exc, "new") from None
    return {"old": old, "new": new, "proof": [p.hex() for p in proof]}
