"""Every refusal the API gives has one JSON shape, whatever raised it.

    {"code": "...", "message_vi": "...", "message_en": "...",
     "problems": [{"field": "...", "code": "...", "message_vi": "...", "message_en": "...",
                   "ref": "..." (only when the problem is about an entry it names in words)}]}

Invariants:
- A `LedgerError` keeps the HTTP status the ledger chose for it (401 bad signature, 403 role,
  404, 409 conflict, 422 invalid or refused by policy) and its field-level problems.
- A request that does not match its pydantic model is 422 `invalid_request`, one problem per
  field, named by its path in the body ("command.body.amount") or by the parameter's name.
- Nothing a client sends can produce a 500: an unexpected exception is still answered in this
  shape (500 `internal_error`, logged with its traceback), and is a bug to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import InternalError as PersistenceInternalError
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InternalError as SQLAlchemyInternalError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import AuthError, RateLimited
from ledger.domain.errors import LedgerError, validation_en, validation_vi
from ledger.store import storage_refusal

log = logging.getLogger("phucloi.api")


class ApiError(Exception):
    """A refusal decided by the API itself (authorisation, missing resource, bad parameter)."""

    def __init__(
        self,
        status: int,
        code: str,
        vi: str,
        en: str,
        *,
        field: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(en)
        self.status, self.code, self.vi, self.en = status, code, vi, en
        self.field = field
        self.headers = dict(headers or {})


def body(
    code: str, vi: str, en: str, problems: Iterable[tuple[str, str, str, str]] = ()
) -> dict[str, Any]:
    return {
        "code": code,
        "message_vi": vi,
        "message_en": en,
        "problems": [
            {"field": f, "code": c, "message_vi": pvi, "message_en": pen}
            for f, c, pvi, pen in problems
        ],
    }


def ledger_body(exc: LedgerError) -> dict[str, Any]:
    """The error body of a ledger refusal: a problem about an entry its message names in
    words (an earlier decision) carries that entry's id as `ref`."""
    problems = [(p.field, p.code, p.vi, p.en) for p in exc.problems]
    out = body(exc.code, exc.vi, exc.en, problems)
    for shown, p in zip(out["problems"], exc.problems, strict=True):
        if p.ref is not None:
            shown["ref"] = p.ref
    return out


def _ledger_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    return JSONResponse(ledger_body(exc), status_code=exc.status)


def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    problems = [(exc.field, exc.code, exc.vi, exc.en)] if exc.field else []
    return JSONResponse(
        body(exc.code, exc.vi, exc.en, problems), status_code=exc.status, headers=exc.headers
    )


def _auth_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(body(exc.code, exc.vi, exc.en), status_code=exc.status, headers=headers)


def field_path(loc: Sequence[Any]) -> str:
    """("body", "command", "lines", 0, "amount") -> "command.lines[0].amount"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("schema" if part == "schema_" else str(part))
    return out or "body"


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """The refusal of a request that does not fit its model, for the API and the web pages
    alike: `invalid_json` for a body that is not JSON, else `invalid_request` with one problem
    per field, each said in Vietnamese and in English (never pydantic's English alone)."""
    problems = []
    for err in exc.errors():
        msg = validation_en(err)
        if err.get("type") == "json_invalid":  # its "loc" is a character offset, not a field
            at = next((p for p in err.get("loc", ())[1:] if isinstance(p, int)), None)
            where_vi = f" (ký tự thứ {at})" if at is not None else ""
            where_en = f" (at character {at})" if at is not None else ""
            detail = (err.get("ctx") or {}).get("error")  # the parser's words, English
            return body(
                "invalid_json",
                f"Nội dung yêu cầu không phải JSON hợp lệ{where_vi}",
                f"The request body is not valid JSON{where_en}",
                [
                    (
                        "body",
                        "invalid_json",
                        f"không đọc được JSON{where_vi}",
                        f"{msg}{where_en}" + (f": {detail}" if detail else ""),
                    )
                ],
            )
        problems.append((field_path(err.get("loc", ())), "invalid_field", validation_vi(err), msg))
    first = problems[0][0] if problems else "body"
    return body(
        "invalid_request",
        f"Yêu cầu không hợp lệ: {first}",
        f"The request is invalid: {first}",
        problems,
    )


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(validation_body(exc), status_code=422)


_HTTP_CODES = {
    404: ("not_found", "Không tìm thấy", "Not found"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ", "Method not allowed"),
    413: ("too_large", "Yêu cầu quá lớn", "The request body is too large"),
}
# Starlette's words when it cannot read a body at all (not UTF-8, nested beyond its parser).
_UNREADABLE = "There was an error parsing the body"


# What Starlette's form parser says of a form beyond its limits (a field over 1 MiB, over
# 1000 fields): nothing is read, so nothing is stored.
_FORM_LIMITS = (
    (
        "Field exceeded maximum size",
        "field_too_large",
        "Một ô của biểu mẫu quá lớn (tối đa 1 MB); không có gì được ghi",
        "A field of the form is too large (at most 1 MB); nothing was recorded",
    ),
    (
        "Too many fields",
        "too_many_fields",
        "Biểu mẫu có quá nhiều ô (tối đa 1000); không có gì được ghi",
        "The form has too many fields (at most 1000); nothing was recorded",
    ),
)


def http_refusal(exc: StarletteHTTPException) -> tuple[int, dict[str, Any]]:
    """(status, error body) of an HTTP error raised before a route ran: routing, a body or a
    form that cannot be read."""
    status = exc.status_code
    code, vi, en = _HTTP_CODES.get(status, ("http_error", str(exc.detail), str(exc.detail)))
    if status == 400 and exc.detail == _UNREADABLE:
        code = "invalid_json"
        vi = "Nội dung yêu cầu không đọc được: cần JSON mã hóa UTF-8"
        en = "The request body cannot be read: UTF-8 encoded JSON is expected"
    for start, limit_code, limit_vi, limit_en in _FORM_LIMITS:
        if status == 400 and str(exc.detail).startswith(start):
            status, code, vi, en = 413, limit_code, limit_vi, limit_en
    return status, body(code, vi, en)


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status, out = http_refusal(exc)
    return JSONResponse(out, status_code=status, headers=getattr(exc, "headers", None))


def _too_deep(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        body("too_deep", "Dữ liệu JSON lồng quá sâu", "The JSON is nested too deeply"),
        status_code=422,
    )


def _storage(request: Request, exc: Exception) -> JSONResponse:
    """The database refused (disk full, read-only, connection lost): 503 with the cause and the
    assurance that the batch was not stored, so a client retries rather than guesses."""
    log.warning("storage refused %s %s: %s", request.method, request.url.path, exc)
    services = getattr(request.app.state, "services", None)
    if services is not None:
        services.ctx.ledger.replace_broken_connections()
    vi, en = storage_refusal(exc, writing=request.method not in ("GET", "HEAD"))
    return JSONResponse(
        body("storage_unavailable", vi, en), status_code=503, headers={"Retry-After": "30"}
    )


def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        body("internal_error", "Lỗi máy chủ", "Internal server error"), status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(AuthError, _auth_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RecursionError, _too_deep)
    app.add_exception_handler(PersistenceOperationalError, _storage)
    app.add_exception_handler(SQLAlchemyOperationalError, _storage)
    app.add_exception_handler(PersistenceInternalError, _storage)  # e.g. a read-only database
    app.add_exception_handler(SQLAlchemyInternalError, _storage)
    app.add_exception_handler(Exception, _internal)


def forbidden(vi: str, en: str, *, code: str = "forbidden", field: str = "") -> ApiError:
    return ApiError(403, code, vi, en, field=field)


def not_found(what_vi: str, what_en: str, key: str) -> ApiError:
    return ApiError(
        404, "not_found", f"Không tìm thấy {what_vi}: {key}", f"{what_en} not found: {key}"
    )


def bad_parameter(field: str, vi: str, en: str) -> ApiError:
    return ApiError(422, "invalid_request", vi, en, field=field)


def bilingual(exc: Exception) -> tuple[str, str]:
    """(Vietnamese, English) of a ledger message written "vi / en"."""
    vi, sep, en = str(exc).partition(" / ")
    return (vi, en) if sep else (vi, vi)


def bad_period(exc: Exception) -> ApiError:
    """A `period` parameter `parse_period` refused, each language in its own message."""
    vi, en = bilingual(exc)
    return bad_parameter("period", f"Kỳ báo cáo không hợp lệ: {vi}", f"Invalid period: {en}")
