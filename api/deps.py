"""Dependencies every route shares: the services, the caller, and the ONE authorisation check.

Design overview:
- `Services` (on `app.state.services`) holds the ledger context, the token issuer, the
  members' portal signer (if the server was given one) and the settings.
- `current_principal` reads the bearer token (the `Authorization` header, or a cookie when
  `ApiSettings.cookie_name` is set: server-rendered pages must then add CSRF protection) and
  turns the account into a `Principal` with the grants it holds now: an officer's roles and
  unit scopes as the ledger has them; a member's only grant is ("member", their current
  unit), once the token's session is known not to have been ended (see below). The
  members' portal role is a service identity and never a grant of a person.
  Grants are remembered per account for at most `ApiSettings.grants_max_age` (1 s) and
  forgotten the moment this server process records any officer or member command, so a
  role revoked through the API takes effect at once; one revoked by another process (the
  command line, another worker) within that second. Writes never rely on it: the ledger
  checks the signer's key and roles itself when it records a command.
- Dependencies that do no I/O are `async` (no thread hop per request); the ledger reads run
  in the thread pool.
- `Allow(roles, scope=...)` is the only authorisation check: a route declares the roles it
  admits and where the unit it concerns comes from ("unit": the `unit` path or query
  parameter; "member": the unit of the member in the `number` path parameter). The caller
  needs one of the roles with a scope covering that unit (a scope covers a unit and its
  descendants; "*" covers all). No token → 401; no such role or scope → 403; the role but
  no such member or unit → 404. A member outside the caller's scopes is 404 too, the answer
  of an unknown number: a 403 told another union's officer that the number exists and which
  union holds the member now (after a transfer, where they work). A route over the whole ledger (scope "ledger": the audit
  export, which holds every union's data) needs a scope covering every unit: "*" or every
  top-level unit. Routes never check roles themselves: a route that shows
  one role more than another asks `holds(...)`, the same check answering yes or no.
- A token whose session was ended (logout, a new password or PIN: api.auth.check_session) is
  refused with 401 `session_ended`. The check is remembered with the grants: the cache is
  keyed by account AND the token's session generation, so a token of a newer session is never
  answered from an older one's entry; a session ended through this process (the web logout)
  forgets every remembered grant at once, one ended elsewhere (`phucloi members pin` /
  `officers password`, another worker) is refused within `grants_max_age`, like a role.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from argon2 import PasswordHasher
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import (
    DEFAULT_HASHER,
    Account,
    AuthError,
    TokenClaims,
    Tokens,
    check_session,
    login,
)
from api.errors import ApiError, forbidden
from api.throttle import PUBLIC_REFUSAL, ClientLimit, LoginGuard, LoginSettings, PublicSettings
from ledger import clock
from ledger.bootstrap import Context
from ledger.client import OfficerSigner
from ledger.domain.catalogue import Role
from ledger.domain.commands import CODE_PATTERN, MEMBER_NO_PATTERN
from ledger.projections.queries.tree import load_tree
from ledger.tables import member_index

MEMBER = "member"
OFFICER_ROLES = (
    Role.finance_officer.value,
    Role.chair.value,
    Role.inspector.value,
    Role.reporter.value,
    Role.admin.value,
)
ROLE_LABELS = {
    "finance_officer": "Kế toán",
    "chair": "Chủ tịch",
    "inspector": "Ủy ban kiểm tra",
    "reporter": "Báo cáo",
    "admin": "Quản trị",
    "member": "Đoàn viên",
}


@dataclass(frozen=True)
class ApiSettings:
    cookie_name: str | None = None  # read the token from this cookie too (web pages, #8)
    max_body_bytes: int = 32 * 1024 * 1024  # a dues batch of many thousand lines fits
    hasher: PasswordHasher = DEFAULT_HASHER  # checks secrets; the cost of an unknown account
    grants_max_age: float = 1.0  # seconds an account's grants are reused (see above)
    # password checks at once, their queue, failed logins per client (api.throttle);
    # from the environment (PHUCLOI_LOGIN_*) unless given
    login: LoginSettings = field(default_factory=LoginSettings)
    # requests per client to the public proof endpoints (api.throttle; PHUCLOI_PUBLIC_*)
    public: PublicSettings = field(default_factory=PublicSettings)


@dataclass
class Services:
    ctx: Context
    tokens: Tokens
    settings: ApiSettings = field(default_factory=ApiSettings)
    portal: OfficerSigner | None = None
    # (account, session generation) -> (monotonic time read, principal); `current_principal`
    grants: dict[tuple[Account, int], tuple[float, Principal]] = field(default_factory=dict)
    logins: LoginGuard = field(init=False)  # the process's login limits (api.throttle)
    # requests per client to the public proof endpoints (api.throttle.public_limit)
    public_requests: ClientLimit = field(init=False)

    def __post_init__(self) -> None:
        self.logins = LoginGuard(self.settings.login)
        public = self.settings.public
        self.public_requests = ClientLimit(public.requests, public.window, PUBLIC_REFUSAL)

    def forget_grants(self) -> None:
        """An officer or member command was recorded here, or a session ended: read every
        account afresh."""
        self.grants.clear()


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def _services(request: Request) -> Services:
    return services(request)


ServicesDep = Annotated[Services, Depends(_services)]


@dataclass(frozen=True)
class Principal:
    """Who is calling and what they hold right now: (role, scope) pairs."""

    account: Account
    grants: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        return self.account.kind

    @property
    def subject(self) -> str:
        return self.account.subject

    def roles(self) -> set[str]:
        return {role for role, _ in self.grants}

    def scopes(self, roles: Iterable[str]) -> list[str]:
        wanted = set(roles)
        return [scope for role, scope in self.grants if role in wanted]

    def grants_json(self) -> list[dict[str, str]]:
        return [{"role": r, "scope": s} for r, s in self.grants]


_bearer = HTTPBearer(auto_error=False, description="Token from POST /auth/login")


def _token(request: Request, svc: Services, creds: HTTPAuthorizationCredentials | None) -> str:
    if creds is not None and creds.scheme.lower() == "bearer":
        return creds.credentials
    name = svc.settings.cookie_name
    if name and request.cookies.get(name):
        return request.cookies[name]
    raise AuthError(
        "not_authenticated",
        "Cần đăng nhập (thiếu mã Bearer)",
        "Authentication required (no bearer token)",
    )


def principal_for(svc: Services, account: Account) -> Principal:
    """The account's grants now: officer roles from the ledger, or the member's unit."""
    if account.kind == "officer":
        grants = svc.ctx.ledger.officer_grants(account.subject, OFFICER_ROLES, at=clock.now())
        if grants is None:
            raise AuthError("unknown_account", "Tài khoản không tồn tại", "Unknown account")
        return Principal(account, grants)
    with svc.ctx.engine.connect() as conn:
        unit = conn.scalar(
            select(member_index.c.unit_code).where(member_index.c.member_number == account.subject)
        )
    if unit is None:
        raise AuthError("unknown_account", "Tài khoản không tồn tại", "Unknown account")
    return Principal(account, ((MEMBER, str(unit)),))


def checked_login(
    request: Request, svc: Services, account: Account, secret: str
) -> tuple[int, Principal]:
    """Log `account` in with `secret` from the request's client, under the process's login
    limits (api.throttle: the client's failed logins, then the account's, then the secret,
    checked in the bounded gate); the session generation and the account's grants. A secret
    that is right for an account with nothing to do (no grants, a member no longer on the
    rolls) is the same `login_failed`, and counts as a failure of the client."""
    guard = svc.logins
    with guard.attempt(request.client.host if request.client else None) as attempt:
        generation = login(
            svc.ctx.engine, account, secret, hasher=svc.settings.hasher, gate=guard.gate
        )
        try:
            principal = principal_for(svc, account)
        except AuthError:
            raise AuthError(
                "login_failed",
                "Sai tên đăng nhập hoặc mật khẩu/PIN",
                "Wrong account or password/PIN",
            ) from None
        attempt.succeeded()
    return generation, principal


def principal_for_token(svc: Services, claims: TokenClaims) -> Principal:
    """The caller of a genuine token: refused (`session_ended`) if its session was ended since
    it was issued, else the account's grants now (`principal_for`)."""
    return principal_for(svc, check_session(svc.ctx.engine, claims))


async def current_principal(
    request: Request,
    svc: ServicesDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    claims = svc.tokens.read(_token(request, svc, creds))
    key = (claims.account, claims.generation)
    now = time.monotonic()
    known = svc.grants.get(key)
    if known is not None and now - known[0] < svc.settings.grants_max_age:
        return known[1]
    principal = await run_in_threadpool(principal_for_token, svc, claims)
    if len(svc.grants) >= 10_000:
        svc.grants.clear()
    svc.grants[key] = (now, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

Scope = Literal["unit", "member", "ledger"] | None


class Allow:
    """The authorisation dependency: one of `roles`, with a scope over the route's unit."""

    def __init__(self, roles: Iterable[str], scope: Scope = None) -> None:
        self.roles = tuple(roles)
        self.scope = scope

    async def __call__(
        self, request: Request, principal: CurrentPrincipal, svc: ServicesDep
    ) -> Principal:
        if self.scope is None:
            return self.check(request, principal, svc)  # the roles only: no I/O
        return await run_in_threadpool(self.check, request, principal, svc)

    def check(self, request: Request, principal: Principal, svc: Services) -> Principal:
        """The check itself (web pages call it directly)."""
        if not principal.roles() & set(self.roles):
            names = ", ".join(ROLE_LABELS.get(r, r) for r in self.roles)
            raise forbidden(
                f"Cần vai trò: {names}",
                f"This needs one of the roles: {', '.join(self.roles)}",
                code="role_not_allowed",
            )
        if self.scope is None:
            return principal
        if self.scope == "ledger":
            self._whole_ledger(principal, svc)
            return principal
        unit = self._unit(request, svc)
        if unit is None:
            return principal  # the parameter is missing: the route's validation answers 422
        scopes = self.principal_scopes(principal)
        if "*" in scopes:
            self._exists(request, svc, unit)
            return principal
        chain = svc.ctx.ledger.ancestors(unit)
        if not any(s in chain for s in scopes):
            if self.scope == "member":  # as an unknown number: never which union holds it
                raise _member_not_found(request.path_params["number"])
            raise forbidden(
                f"Không có quyền tại đơn vị {unit}",
                f"Not allowed over unit {unit}",
                code="out_of_scope",
            )
        self._exists(request, svc, unit)
        return principal

    def principal_scopes(self, principal: Principal) -> list[str]:
        return principal.scopes(self.roles)

    def _whole_ledger(self, principal: Principal, svc: Services) -> None:
        """Refuse unless the caller's scopes (in one of the roles) cover every unit: "*", or
        every top-level unit (a unit with no parent is covered only by itself or "*")."""
        scopes = set(self.principal_scopes(principal))
        if "*" in scopes:
            return
        with svc.ctx.engine.connect() as conn:
            tree = load_tree(conn)
        tops = sorted(
            code
            for code, node in tree.nodes.items()
            if node.parent is None or node.parent not in tree.nodes
        )
        if all(code in scopes for code in tops):
            return
        names = ", ".join(tops[:10]) + (", …" if len(tops) > 10 else "")
        roles_vi = " hoặc ".join(ROLE_LABELS.get(r, r) for r in self.roles)
        raise forbidden(
            f"Chỉ {roles_vi} có phạm vi toàn bộ sổ cái (mọi đơn vị cấp cao nhất: {names}) "
            "mới được dùng chức năng này: nó chứa dữ liệu của mọi công đoàn",
            f"Only {' or '.join(self.roles)} whose scope covers the whole ledger (every "
            f"top-level unit: {names}) may use this: it holds every union's data",
            code="out_of_scope",
        )

    def _unit(self, request: Request, svc: Services) -> str | None:
        """The unit the route concerns (None when its parameter is missing: the route's own
        validation answers 422). A malformed member number or unit code is refused here, 422
        naming the parameter, before any role or scope is checked: nothing malformed is
        looked up, or echoed in a 403 or 404."""
        if self.scope == "member":
            number = request.path_params.get("number")
            if number is None:
                return None
            _well_formed("number", number, MEMBER_NO_PATTERN, "số đoàn viên", "member number")
            with svc.ctx.engine.connect() as conn:
                unit = conn.scalar(
                    select(member_index.c.unit_code).where(member_index.c.member_number == number)
                )
            if unit is None:
                raise _member_not_found(number)
            return str(unit)
        value = request.path_params.get("unit") or request.query_params.get("unit")
        if not value:
            return None
        _well_formed("unit", str(value), CODE_PATTERN, "mã đơn vị", "unit code")
        return str(value)

    def _exists(self, request: Request, svc: Services, unit: str) -> None:
        if self.scope == "unit" and svc.ctx.ledger.get_unit(unit) is None:
            raise ApiError(
                404, "unit_not_found", f"Không tìm thấy đơn vị: {unit}", f"unit not found: {unit}"
            )


def _member_not_found(number: str) -> ApiError:
    return ApiError(
        404,
        "member_not_found",
        f"Không tìm thấy đoàn viên: {number}",
        f"member not found: {number}",
    )


def _well_formed(name: str, value: str, pattern: str, what_vi: str, what_en: str) -> None:
    if not re.fullmatch(pattern, value):
        raise ApiError(
            422,
            "invalid_request",
            f"{name}: {what_vi} không hợp lệ (chỉ gồm chữ, số, '.', '_', '-')",
            f"{name}: not a valid {what_en} (letters, digits, '.', '_' and '-' only)",
            field=name,
        )


def allow(*roles: str, scope: Scope = None) -> Any:
    """`Annotated[Principal, allow(...)]`: the caller, once authorised."""
    return Depends(Allow(roles, scope))


class Holds:
    """The authorisation check asked as a question: whether the caller holds one of `roles`
    over the route's unit. It refuses nothing (the route's one `allow` does); a route that
    shows some roles more (an inspector a member's disputes) asks it here rather than
    checking roles itself."""

    def __init__(self, roles: Iterable[str], scope: Scope = None) -> None:
        self.check = Allow(roles, scope)

    async def __call__(
        self, request: Request, principal: CurrentPrincipal, svc: ServicesDep
    ) -> bool:
        try:
            await self.check(request, principal, svc)
        except ApiError as exc:
            if exc.status == 403 or exc.code == "member_not_found":  # the route's allow
                return False  # already answered an unknown member
            raise
        return True


def holds(*roles: str, scope: Scope = None) -> Any:
    """`Annotated[bool, holds(...)]`: whether the caller holds one of the roles there."""
    return Depends(Holds(roles, scope))
