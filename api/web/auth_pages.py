"""Logging in and out, the language switch, static files, and the signing-key page.

Invariants:
- Officers log in with their code and password, members with their number and PIN, both
  through `api.deps.checked_login`, as the API's `POST /auth/login` (Argon2id, rate-limited
  per account: the 6th wrong try within 15 minutes is refused with 429 without checking the
  secret; per client address and with a bounded number of checks at once: api.throttle). Login forms carry a CSRF token
  bound to a pre-login cookie, so a cross-site form cannot log a browser into another account.
- A wrong login says only "wrong account or password/PIN", never which of the two was wrong.
- Logging out ends every session of the account on the server (api.auth.end_sessions), not
  only this browser's cookie: a copied cookie or bearer token of that account stops working.
- Static files are served from one folder by exact name (no paths, no listing).
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Account, AuthError, RateLimited, end_sessions
from api.deps import Principal, checked_login
from api.errors import ApiError
from api.web.render import OFFICER_ROLES, STATIC, home_for, render
from api.web.routing import web_router
from api.web.session import (
    FORM_PAGES,
    LANG_COOKIE,
    PRE_COOKIE,
    Page,
    check_csrf,
    csrf_checked,
    csrf_token,
    end_session,
    new_pre_nonce,
    safe_next,
    services,
    session_principal,
    set_cookie,
    start_session,
)

router = web_router()

CODE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STATIC_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
Officer = Annotated[Principal, Depends(Page(*sorted(OFFICER_ROLES)))]


@router.get("/web/", name="web_home")
def home(request: Request) -> Response:
    who = session_principal(request)
    if who is None:
        return RedirectResponse("/web/login", status_code=303)
    return RedirectResponse(home_for(who), status_code=303)


def _login_page(
    request: Request,
    *,
    member: bool,
    next_: str | None,
    error: tuple[str, str] | None = None,
    status: int = 200,
    username: str = "",
    expired: str | None = None,
) -> Response:
    nonce = request.cookies.get(PRE_COOKIE) or new_pre_nonce()
    response = render(
        request,
        "login.html",
        status=status,
        title=("Đăng nhập đoàn viên", "Member login")
        if member
        else ("Đăng nhập cán bộ", "Officer login"),
        member=member,
        next=safe_next(next_, ""),
        error=error,
        username=username,
        expired={"1": "1", "post": "post"}.get(expired or ""),
        csrf=csrf_token(request, pre=nonce),
    )
    set_cookie(request, response, PRE_COOKIE, nonce, max_age=3600)
    return response


@router.get("/web/login")
def officer_login_page(
    request: Request, next: str | None = None, expired: str | None = None
) -> Response:
    return _login_page(request, member=False, next_=next, expired=expired)


@router.get("/web/member/login")
def member_login_page(
    request: Request, next: str | None = None, expired: str | None = None
) -> Response:
    return _login_page(request, member=True, next_=next, expired=expired)


def _log_in(
    request: Request, *, member: bool, username: str, secret: str, csrf: str, next_: str
) -> Response:
    check_csrf(request, csrf, pre_login=True)
    username = username.strip()
    if not CODE.match(username) or not secret or len(secret) > 200:
        return _login_page(
            request,
            member=member,
            next_=next_,
            username=username[:64],
            status=422,
            error=(
                "Hãy nhập mã đoàn viên và mã PIN" if member else "Hãy nhập mã cán bộ và mật khẩu",
                "Enter your member number and PIN" if member else "Enter your code and password",
            ),
        )
    svc = services(request)
    account = Account("member" if member else "officer", username)
    try:
        generation, who = checked_login(request, svc, account, secret)
    except RateLimited as exc:
        page = _login_page(
            request,
            member=member,
            next_=next_,
            username=username,
            status=exc.status,
            error=(exc.vi, exc.en),
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except AuthError:
        return _login_page(
            request,
            member=member,
            next_=next_,
            username=username,
            status=401,
            error=("Sai tên đăng nhập hoặc mật khẩu/PIN", "Wrong account or password/PIN"),
        )
    token, _expires = svc.tokens.issue(account, generation)
    default = home_for(who)
    target = safe_next(next_, default)
    if member != target.startswith("/web/me"):
        target = default  # a member never lands on an officer page and vice versa
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, token, int(svc.tokens.ttl.total_seconds()))
    return response


@router.post("/web/login")
def officer_log_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    secret: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    return _log_in(request, member=False, username=username, secret=secret, csrf=csrf, next_=next)


@router.post("/web/member/login")
def member_log_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    secret: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    return _log_in(request, member=True, username=username, secret=secret, csrf=csrf, next_=next)


@router.post("/web/logout", dependencies=[Depends(csrf_checked)])
def log_out(request: Request) -> Response:
    who = session_principal(request)
    if who is not None:  # a live session: end it (and the account's others) on the server too
        svc = services(request)
        end_sessions(svc.ctx.engine, who.account)
        svc.forget_grants()
    page = "/web/member/login" if who is not None and who.kind == "member" else "/web/login"
    response = RedirectResponse(page, status_code=303)
    end_session(response)
    return response


@router.get("/web/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(request, response, LANG_COOKIE, "en" if code == "en" else "vi", max_age=31536000)
    return response


@router.get("/web/static/{name}")
def static_file(name: str) -> Response:
    path = STATIC / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(
        path.read_bytes(),
        media_type=kind,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon (static/favicon.svg) where browsers look for it by default: the pages
    name it too, but /docs and any page without that link still ask for /favicon.ico."""
    return Response(
        (STATIC / "favicon.svg").read_bytes(),
        media_type=STATIC_TYPES[".svg"],
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/web/key")
def key_page(request: Request, who: Officer) -> Response:
    """The browser makes this officer's signing key; an administrator registers its public half."""
    officer = services(request).ctx.ledger.get_officer(who.subject)
    keys = [] if officer is None else sorted(officer.keys.values(), key=lambda k: k.registered_at)
    return render(
        request,
        "key.html",
        who=who,
        title=("Khóa ký trên thiết bị này", "Signing key on this device"),
        page="key",
        officer=who.subject,
        keys=keys,
    )


@router.get("/web/key/new")
def new_officer_key_page(request: Request) -> Response:
    """For a new officer, before they can log in: make a key, show its public half."""
    return render(
        request,
        "key.html",
        title=("Tạo khóa ký cho cán bộ mới", "Signing key for a new officer"),
        page="key",
        officer="",
        keys=[],
    )


# Last of all the web routes (api.web includes it after every page): an address under /web
# that no page answers is a page too, in Vietnamese with the English beside it, with a link
# home; a GET of an address that is only posted to goes to its form's page.
fallback = web_router()


@fallback.api_route("/web/{rest:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request: Request, rest: str) -> Response:
    form = FORM_PAGES.get(request.url.path)
    if form is not None and request.method in ("GET", "HEAD"):
        return RedirectResponse(form, status_code=303)
    raise ApiError(
        404,
        "page_not_found",
        "Không có trang này (địa chỉ sai hoặc đã cũ)",
        "There is no such page (a wrong or old address)",
    )
