"""Logging in: officers with a password, members with their number and the PIN their union
issued; the answer is a bearer token valid for 15 minutes (api.auth). Logging out ends every
session of the account at once, this token's and any other (api.auth.end_sessions)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import Account, end_sessions
from api.body import JsonRoute
from api.deps import CurrentPrincipal, ServicesDep, checked_login
from api.schemas import BODY_REFUSALS, AccountOut, LoginIn, TokenOut, error_responses

router = APIRouter(route_class=JsonRoute, tags=["Đăng nhập (authentication)"])


@router.post(
    "/auth/login",
    summary="Đăng nhập, nhận mã Bearer 15 phút",
    responses=error_responses(401, 422, 429, 503, *BODY_REFUSALS),
)
def log_in(credentials: LoginIn, request: Request, svc: ServicesDep) -> TokenOut:
    """429 `too_many_attempts` (Retry-After) once the account, or the client's address, has
    too many failed logins, without checking the secret; 503 `busy` (Retry-After) when more
    logins are waiting for a password check than the server lets wait (api.throttle)."""
    account = Account(credentials.kind, credentials.username)
    generation, principal = checked_login(request, svc, account, credentials.secret)
    token, expires = svc.tokens.issue(account, generation)
    return TokenOut(
        access_token=token,
        expires_at=expires.isoformat(timespec="seconds"),
        account=AccountOut(
            kind=account.kind, subject=account.subject, roles=principal.grants_json()
        ),
    )


@router.post(
    "/auth/logout",
    summary="Đăng xuất: kết thúc mọi phiên của tài khoản",
    responses=error_responses(401),
)
def log_out(who: CurrentPrincipal, svc: ServicesDep) -> dict[str, str]:
    """The account's tokens (this one and any other, web sessions too) are refused from now
    on with `session_ended`; log in again for a new one."""
    end_sessions(svc.ctx.engine, who.account)
    svc.forget_grants()
    return {
        "status": "logged_out",
        "message_vi": "Đã đăng xuất; mọi phiên của tài khoản đã kết thúc",
        "message_en": "Logged out; every session of the account has ended",
    }


@router.get("/auth/me", summary="Tôi là ai, với vai trò nào", responses=error_responses(401))
def who_am_i(who: CurrentPrincipal) -> AccountOut:
    return AccountOut(kind=who.kind, subject=who.subject, roles=who.grants_json())


@router.get("/health", summary="Máy chủ đang chạy", tags=["Hệ thống (system)"])
def health() -> dict[str, str]:
    return {"status": "ok"}
