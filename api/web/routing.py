"""How page routes answer refusals: HTML for people, the API's JSON shape for the page scripts.

Invariants:
- Every web route is a `WebRoute`: whatever a dependency or the route raises (no session,
  wrong role, CSRF, a ledger refusal, bad input) becomes a page with the message in the
  reader's language and the right status (401/403/404/409/422/429), or, for the scripts that
  post signed commands (`Accept: application/json`), the API's error body
  (`code`, `message_vi`, `message_en`, `problems`). Nothing is stored when one is raised.
- A page request or a form post without a valid session is redirected (303) to the login
  page that fits it (members' pages to the member login), which says the session ended,
  remembering where it was going (for a post, the form's page: nothing was done).
- An answer to a request the page guard admitted carries the sliding session's new cookie
  when one is due (api.web.session.slide), a refusal included: the person is using the site.
- Web routes are left out of the OpenAPI schema: they are pages, not the API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import errors
from api.auth import AuthError, RateLimited
from api.body import JsonRoute
from api.errors import ApiError
from api.web import text
from api.web.render import SECURITY_HEADERS, render
from api.web.session import (
    LoginRequired,
    end_session,
    page_address,
    session_principal,
    slide,
)
from ledger.domain.errors import LedgerError


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refusal(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, API error body, headers) of any refusal."""
    if isinstance(exc, LedgerError):
        return exc.status, errors.ledger_body(exc), {}
    if isinstance(exc, ApiError):
        problems = [(exc.field, exc.code, exc.vi, exc.en)] if exc.field else []
        return exc.status, errors.body(exc.code, exc.vi, exc.en, problems), exc.headers
    if isinstance(exc, AuthError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
        return exc.status, errors.body(exc.code, exc.vi, exc.en), headers
    if isinstance(exc, StarletteHTTPException):  # a form the parser refused (api.errors)
        status, out = errors.http_refusal(exc)
        return status, out, {}
    assert isinstance(exc, RequestValidationError)
    out = errors.validation_body(exc)  # the API's words, each problem in both languages
    if out["code"] == "invalid_request":  # the headline names the field as the form does
        first = out["problems"][0]["field"] if out["problems"] else "body"
        out["message_vi"] = f"Dữ liệu nhập không hợp lệ: {text.field_label('vi', first) or first}"
        out["message_en"] = f"The input is not valid: {text.field_label('en', first) or first}"
    return 422, out, {}


def refusal_response(request: Request, exc: Exception) -> Response:
    status, body, headers = _refusal(exc)
    if wants_json(request):
        return JSONResponse(body, status_code=status, headers=headers)
    response = render(
        request,
        "error.html",
        who=session_principal(request),
        status=status,
        title=("Không thực hiện được", "Could not be done"),
        error=body,
        status_code=status,
    )
    response.headers.update(headers)
    return response


def login_response(request: Request, exc: LoginRequired) -> Response:
    """No valid session: the page scripts get 401 JSON (with the login page's address, so the
    page can say where to log in while it keeps what was typed); a page or a form post is
    sent (303) to the login page, which says why, and then back to the page (a post's
    form page: nothing was done)."""
    target = page_address(request)
    member = request.url.path.startswith("/web/me") or target.startswith("/web/me")
    page = "/web/member/login" if member else "/web/login"
    if wants_json(request):
        body = errors.body(
            exc.code,
            "Phiên đăng nhập đã hết hạn hoặc chưa đăng nhập; hãy đăng nhập lại",
            "Not logged in or the session has expired; log in again",
        )
        body["login"] = page
        response: Response = JSONResponse(body, status_code=401, headers=SECURITY_HEADERS)
    else:
        posted = request.method not in ("GET", "HEAD")
        why = "&expired=post" if posted else "" if exc.code == "not_authenticated" else "&expired=1"
        response = RedirectResponse(f"{page}?next={quote(target)}{why}", status_code=303)
    end_session(response)  # an expired cookie is dropped, not sent again
    return response


class WebRoute(JsonRoute):
    """An APIRoute whose refusals are answered as pages (or JSON for page scripts); a JSON
    body is read as strictly as the API's (api.body)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return slide(request, await handler(request))
            except LoginRequired as exc:
                return login_response(request, exc)
            except (LedgerError, ApiError, AuthError, RequestValidationError) as exc:
                return slide(request, refusal_response(request, exc))
            except StarletteHTTPException as exc:
                if exc.status_code != 400:
                    raise
                # a form beyond the parser's limits: a page, not the API's JSON
                return slide(request, refusal_response(request, exc))

        return guarded


def web_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=WebRoute, include_in_schema=False, **kwargs)
