"""Web sessions: the login cookie, CSRF tokens, the language cookie and the page guard.

Invariants:
- A page session is the API's own bearer token (api.auth.Tokens, 15 minutes) carried in the
  `phucloi_session` cookie: HttpOnly (scripts never see it), SameSite=Strict, Path=/web,
  and Secure whenever the request came over TLS. It slides: a page the guard admits more
  than a minute after the cookie's token was issued is answered with a new token of the
  same login, 15 minutes from then, never past 8 hours after the login
  (`Tokens.refreshed`; `slide` sets the cookie on whatever the route answered). Nothing is
  written to the database for it: the token is the session. Logging out ends the account's sessions
  (api.auth.end_sessions), so the cookie's token is refused from then on even if it was
  copied; so does a new password or PIN. Pages check this on every request, uncached. What
  the account may do is decided on every request by the API's one authorisation dependency
  (`api.deps.Allow`) from the ledger, so a page admits exactly whom the API would admit.
- Every POST carries a CSRF token, in the form field `csrf` or the `X-CSRF-Token` header:
  HMAC-SHA256 under a server key (`ledger_secrets["web_csrf_key"]`) of the session's login
  (account, session generation, login instant: `Tokens.login_of`, the same for every token
  of a sliding session, so a form shown before a refresh still posts), or, before login, of
  a random `phucloi_pre` cookie. A cross-site page can read neither cookie, so it cannot
  compute the token; a token never outlives its session.
- Nothing here writes to the ledger; logging in goes through `api.deps.checked_login`
  (Argon2id, rate-limited per account and per client address: api.auth, api.throttle).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from api.auth import AuthError
from api.deps import Allow, Principal, Services, principal_for_token
from api.errors import ApiError
from ledger import clock

SESSION_COOKIE = "phucloi_session"
PRE_COOKIE = "phucloi_pre"
LANG_COOKIE = "phucloi_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_KEY = "web_csrf_key"
COOKIE_PATH = "/web"


class LoginRequired(Exception):
    """No valid session: pages redirect to the login page, scripts get 401."""

    def __init__(self, code: str = "not_authenticated") -> None:
        super().__init__(code)
        self.code = code


def csrf_refused() -> ApiError:
    return ApiError(
        403,
        "csrf_refused",
        "Biểu mẫu đã hết hạn hoặc không hợp lệ; hãy tải lại trang và thử lại",
        "The form has expired or is not valid; reload the page and try again",
        field=CSRF_FIELD,
    )


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def _key(request: Request) -> bytes:
    key = getattr(request.app.state, "web_csrf_key", None)
    if key is None:
        key = services(request).ctx.vault.secret(
            CSRF_KEY, note="HMAC key of the web pages' CSRF tokens"
        )
        request.app.state.web_csrf_key = key
    return bytes(key)


def _mac(request: Request, purpose: str, value: str) -> str:
    return hmac.new(_key(request), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _session_mac(request: Request, session: str) -> str:
    """The CSRF token of a session cookie: of its login, not of the token itself."""
    login = services(request).tokens.login_of(session)
    return _mac(request, "session", login) if login else ""


def csrf_token(request: Request, *, pre: str | None = None) -> str:
    """The CSRF token of this browser: bound to its session, else to its pre-login nonce."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and pre is None:
        return _session_mac(request, session)
    nonce = pre or request.cookies.get(PRE_COOKIE)
    return _mac(request, "pre", nonce) if nonce else ""


def check_csrf(request: Request, provided: str | None, *, pre_login: bool = False) -> None:
    """Refuse (403) unless `provided` is this browser's token."""
    if pre_login:
        nonce = request.cookies.get(PRE_COOKIE)
        expected = _mac(request, "pre", nonce) if nonce else ""
    else:
        session = request.cookies.get(SESSION_COOKIE)
        expected = _session_mac(request, session) if session else ""
    if not expected or not provided or not hmac.compare_digest(expected, provided):
        raise csrf_refused()


async def csrf_checked(request: Request) -> None:
    """Dependency of every POST page route: the header or form field must match.

    A post without any session cookie (it expired in the browser) cannot match and is sent
    to the login page: nothing is done either way, and the person learns why."""
    if not request.cookies.get(SESSION_COOKIE):
        raise LoginRequired()
    provided = request.headers.get(CSRF_HEADER)
    if provided is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            provided = value if isinstance(value, str) else None
    check_csrf(request, provided)


def new_pre_nonce() -> str:
    return secrets.token_urlsafe(24)


def is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=is_tls(request),
        httponly=True,
        samesite="strict",
    )


def start_session(request: Request, response: Response, token: str, ttl_seconds: int) -> None:
    set_cookie(request, response, SESSION_COOKIE, token, max_age=ttl_seconds)
    response.delete_cookie(PRE_COOKIE, path=COOKIE_PATH)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


SLIDE_STATE = "phucloi_session_slide"


def slide(request: Request, response: Response) -> Response:
    """Set the sliding session's new cookie the page guard left for this answer, if any
    (unless the answer itself sets or ends the session)."""
    pending = getattr(request.state, SLIDE_STATE, None)
    if pending is None:
        return response
    cookies = response.headers.getlist("set-cookie")
    if not any(c.startswith(f"{SESSION_COOKIE}=") for c in cookies):
        token, expires = pending
        ttl = max(1, int((expires - clock.now()).total_seconds()))
        set_cookie(request, response, SESSION_COOKIE, token, max_age=ttl)
    return response


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def session_principal(request: Request) -> Principal | None:
    """The logged-in account, or None (no cookie, bad, expired or ended session, unknown
    account)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    svc = services(request)
    try:
        return principal_for_token(svc, svc.tokens.read(token))
    except AuthError:
        return None


class Page:
    """The page guard: a session, then exactly the API's check (`api.deps.Allow`).

    `Page("finance_officer")` admits the roles listed; `scope="unit"` / `"member"` adds the
    API's scope check over the route's `unit` / `number` parameter.
    """

    def __init__(self, *roles: str, scope: Any = None) -> None:
        self.roles = roles
        self.allow = Allow(roles, scope)

    def __call__(self, request: Request) -> Principal:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise LoginRequired()
        svc = services(request)
        try:
            claims = svc.tokens.read(token)
            principal = principal_for_token(svc, claims)
        except AuthError as exc:
            raise LoginRequired(exc.code) from None
        admitted = self.allow.check(request, principal, svc)
        # the person is using the site: the session slides (see the module docstring)
        setattr(request.state, SLIDE_STATE, svc.tokens.refreshed(claims))
        return admitted


def safe_next(value: str | None, default: str = "/web/") -> str:
    """Only same-site page paths may be redirected to after login or a language switch."""
    if value and value.startswith("/web") and not value.startswith("//") and "\\" not in value:
        return value
    return default


# The page (GET) of each form that is only posted to: a language switch or a login from a
# page answering a post goes back there, and a GET of the post's address is sent there.
FORM_PAGES: Final[dict[str, str]] = {
    "/web/finance/dues/preview": "/web/finance/dues",
    "/web/finance/submit": "/web/finance",
    "/web/me/disputes": "/web/me",
    "/web/me/receipts": "/web/me",
    "/web/chair/submit": "/web/chair",
    "/web/inspector/submit": "/web/inspector",
    "/web/inspector/verify": "/web/inspector",
    "/web/logout": "/web/",
}


def form_page(request: Request) -> str:
    """The page a form post came from: the same-site Referer when it is a page (it keeps the
    query, e.g. the entry a dispute was about), else the form's page (`FORM_PAGES`)."""
    fallback = FORM_PAGES.get(request.url.path, "/web/")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or referer.path in FORM_PAGES:
        return fallback
    target = referer.path + (f"?{referer.query}" if referer.query else "")
    return safe_next(target, fallback)


def page_address(request: Request) -> str:
    """The address of the page being answered, as a link back to it: a post's is its form's."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return form_page(request)
