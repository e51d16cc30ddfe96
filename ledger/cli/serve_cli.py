"""`phucloi serve`, `phucloi portal init`, `phucloi members pin`, `phucloi officers password`.

- `serve` runs the HTTP API (api.app) with uvicorn on the ledger of `--db` /
  `PHUCLOI_DATABASE_URL` / `PHUCLOI_HOME`. If the members' portal key is in the keystore its
  passphrase is read from `PHUCLOI_PORTAL_PASSPHRASE` or asked for; without it the server
  runs, and members' disputes and confirmations are refused (503).
- `portal init --as ADMIN` creates the portal's key in the server's keystore
  (`$PHUCLOI_HOME/keys/portal.pem`) and records, signed by the administrator, its
  registration and its `portal` role (one atomic batch).
- `members pin MEMBER --as OFFICER` issues a new random PIN, printed once; only its Argon2id
  hash is stored. The officer unlocks their key (proving who they are) and must be a finance
  officer or an administrator over the member's unit.
- `officers password OFFICER` sets an officer's login password (from `PHUCLOI_NEW_PASSWORD`
  or a hidden prompt asked twice); only its Argon2id hash is stored.
Either ends every session the account has open (its API tokens and web logins are refused
within a second, api.auth.set_credential). These credentials are not ledger events: they say
who may reach the API, not what happened.
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.authority import holds_role
from ledger.cli.common import (
    AsOfficer,
    JsonFlag,
    ask_secret,
    emit_json,
    keystore,
    officer_signer,
    open_context,
    passphrase,
    print_receipts,
    signed,
    state,
    usage,
)
from ledger.domain.catalogue import Role
from ledger.domain.errors import not_found
from ledger.keystore import KeystoreError

portal_app = typer.Typer(help="Cổng đoàn viên: khóa ký của máy chủ (members' portal key).")

NEW_PASSWORD_ENV = "PHUCLOI_NEW_PASSWORD"

WORKER_HEALTHCHECK_SECONDS = 60


class DropQueryString(logging.Filter):
    """uvicorn's access log without query strings: a member search (`/web/finance/members?q=`
    a name) would otherwise write people's names into server logs, which are kept, rotated
    and shipped where no erasure reaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with `DropQueryString` on its access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["phucloi_drop_query"] = {"()": DropQueryString}
    config["handlers"]["access"]["filters"] = ["phucloi_drop_query"]
    return config


def serve(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe (listen address).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Cổng (TCP port).")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Số tiến trình (worker processes).")
    ] = 1,
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            help="Mức ghi nhật ký của uvicorn / uvicorn's log level: critical, error, warning, "
            "info, debug, trace.",
        ),
    ] = "info",
) -> None:
    """Chạy API HTTP (run the HTTP API; OpenAPI docs at /docs).

    Khóa cổng đoàn viên (PHUCLOI_PORTAL, mặc định `portal`) được mở bằng
    PHUCLOI_PORTAL_PASSPHRASE, không có thì hỏi / the members' portal key (PHUCLOI_PORTAL,
    default `portal`) is unlocked with PHUCLOI_PORTAL_PASSPHRASE, else asked for.

    Giới hạn đăng nhập: PHUCLOI_LOGIN_CONCURRENCY, _QUEUE, _CLIENT_FAILURES, _CLIENT_WINDOW;
    giới hạn trang công khai: PHUCLOI_PUBLIC_REQUESTS, _WINDOW; sau proxy ngược, đặt
    FORWARDED_ALLOW_IPS của uvicorn / login limits: PHUCLOI_LOGIN_*; the public proof
    endpoints' limit: PHUCLOI_PUBLIC_*; behind a reverse proxy on another host, set uvicorn's
    FORWARDED_ALLOW_IPS (README)."""
    import uvicorn
    from pydantic import ValidationError

    from api.app import create_app
    from api.deps import ApiSettings
    from api.portal import PASSPHRASE_ENV as PORTAL_ENV
    from api.portal import PortalError, load_portal
    from api.throttle import (
        LoginSettings,
        PublicSettings,
        public_settings_problem,
        settings_problem,
    )

    try:  # the login limits (PHUCLOI_LOGIN_*), checked before anything starts
        login = LoginSettings()
    except ValidationError as exc:
        usage(settings_problem(exc))
    try:  # the public proof endpoints' limit (PHUCLOI_PUBLIC_*)
        public = PublicSettings()
    except ValidationError as exc:
        usage(public_settings_problem(exc))
    settings = ApiSettings(login=login, public=public)
    ctx = open_context()
    try:
        ks = keystore()
        secret = None
        try:
            ks.public(_portal_code())
            secret = passphrase(PORTAL_ENV, "Mật khẩu khóa cổng đoàn viên (portal passphrase)")
        except KeystoreError:
            typer.echo(
                "Chưa có khóa cổng đoàn viên: phản ánh của đoàn viên sẽ bị từ chối "
                "(no portal key: run `phucloi portal init`)",
                err=True,
            )
        portal = load_portal(ctx, code=_portal_code(), passphrase=secret) if secret else None
    except PortalError as exc:
        usage(f"portal: {exc}")
    url, _ = state().url()
    if workers > 1:
        os.environ["PHUCLOI_DATABASE_URL"] = url
        if secret:
            os.environ[PORTAL_ENV] = secret
        ctx.close()
        uvicorn.run(
            "api.app:from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            log_config=log_config(),
            # A worker opens the ledger as it starts (schema check, caches); on a busy machine
            # that took longer than uvicorn's 5 s health check, and the worker was killed and
            # started again ("Child process died").
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
        return
    uvicorn.run(
        create_app(ctx, portal=portal, settings=settings),
        host=host,
        port=port,
        log_level=log_level,
        log_config=log_config(),
    )


def _portal_code() -> str:
    from api.portal import CODE_ENV, PORTAL_CODE

    return os.environ.get(CODE_ENV) or PORTAL_CODE


@portal_app.command("init")
def portal_init(as_: AsOfficer, as_json: JsonFlag = False) -> None:
    """Tạo khóa cổng đoàn viên và đăng ký với vai trò portal (create and register the key).

    Mật khẩu của khóa mới lấy từ PHUCLOI_PORTAL_PASSPHRASE, không có thì hỏi hai lần; mã
    cổng mặc định `portal`, đổi bằng PHUCLOI_PORTAL / the new key's passphrase is read from
    PHUCLOI_PORTAL_PASSPHRASE, else asked twice; the portal's code is `portal` unless
    PHUCLOI_PORTAL says otherwise."""
    from api.portal import PASSPHRASE_ENV as PORTAL_ENV
    from api.portal import status

    code = _portal_code()
    ks = keystore()
    try:
        info = ks.public(code)
    except KeystoreError:
        secret = passphrase(PORTAL_ENV, f"Mật khẩu cho khóa {code} (passphrase)", confirm=True)
        try:
            info = ks.create(code, secret)
        except KeystoreError as exc:
            usage(f"portal: {exc}")
    else:  # the key exists: a passphrase given must be its own, or `serve` will not start
        given = os.environ.get(PORTAL_ENV)
        if given:
            try:
                ks.load_signer(code, given)
            except KeystoreError as exc:
                usage(
                    f"{PORTAL_ENV}: khóa {code} đã có và không mở được bằng mật khẩu này, "
                    f"`phucloi serve` sẽ không chạy / the existing key {code} does not open "
                    f"with this passphrase, so `phucloi serve` would not start ({exc})"
                )
    ctx = open_context()
    current = status(ctx, code, info.key_id)
    items = []
    admin = officer_signer(as_)
    if not current.registered:
        if ctx.ledger.get_officer(code) is None:
            type_, body = "officer.register", {"officer": code, "name": "Cổng thông tin đoàn viên"}
        else:  # registered earlier with another key: the new key replaces it
            type_, body = "officer.rotate_key", {"officer": code}
        items.append(signed(type_, by=admin, body=body | {"public_key": info.public_key_b64}))
    if not current.has_role:
        items.append(
            signed(
                "officer.grant",
                by=admin,
                body={"officer": code, "role": Role.portal.value, "scope": "*"},
            )
        )
    receipts = ctx.ledger.submit_batch(items) if items else []
    if as_json:
        emit_json(
            {
                "portal": code,
                "key_id": info.key_id,
                "public_key": info.public_key_b64,
                "receipts": [r.as_dict() for r in receipts],
            }
        )
        return
    if receipts:
        print_receipts(receipts, as_json=False)
    else:
        typer.echo(f"Cổng {code} đã sẵn sàng / portal already registered")
    typer.echo(f"  Mã khóa cổng (portal key id): {info.key_id}")


def pin(
    number: Annotated[str, typer.Argument(metavar="MEMBER", help="Mã đoàn viên (member number).")],
    as_: AsOfficer,
    as_json: JsonFlag = False,
) -> None:
    """Cấp mã PIN đăng nhập mới cho đoàn viên, chỉ hiện một lần (issue a new login PIN)."""
    from api.auth import Account, new_pin, set_credential

    by = officer_signer(as_)
    ctx = open_context()
    member = ctx.ledger.get_member(number)
    if member is None:
        raise not_found("member", number, field_="MEMBER")
    if member.erased:
        usage(
            f"MEMBER {number}: dữ liệu cá nhân đã bị xóa, không cấp PIN / "
            "personal data erased: no login for this member"
        )
    officer = ctx.ledger.get_officer(as_)
    now = clock.now()
    if officer is None or officer.key_problem(by.key_id, at=now) is not None:
        usage(f"--as {as_}: khóa không còn hiệu lực trong sổ cái / key not valid in the ledger")
    unit = member.current_unit()
    if not holds_role(
        officer,
        {Role.finance_officer, Role.admin},
        unit=unit,
        at=now,
        ancestors=ctx.ledger.ancestors,
    ):
        usage(
            f"--as {as_}: cần vai trò Kế toán hoặc Quản trị tại {unit} / "
            f"needs finance_officer or admin over {unit}"
        )
    secret = new_pin()
    set_credential(ctx.engine, Account("member", number), secret, issued_by=as_)
    if as_json:
        emit_json({"member": number, "pin": secret, "issued_by": as_})
        return
    typer.echo(f"PIN mới của đoàn viên {number} / new PIN: {secret}")
    typer.echo(
        "  Chỉ hiện một lần; hãy trao tận tay đoàn viên (shown once, hand it over in person)"
    )


def password(
    code: Annotated[str, typer.Argument(metavar="OFFICER", help="Mã cán bộ (officer code).")],
    as_: AsOfficer,
) -> None:
    """Đặt mật khẩu đăng nhập cho cán bộ: chính cán bộ đó hoặc Quản trị (set an officer's
    login password: the officer themself, or an admin, proving it with their key).

    Mật khẩu mới lấy từ PHUCLOI_NEW_PASSWORD (không hỏi, dùng trong script), không có thì hỏi
    hai lần / the new password is read from PHUCLOI_NEW_PASSWORD (no prompt, for scripts),
    else asked twice, hidden."""
    from api.auth import Account, check_password, set_credential

    by = officer_signer(as_)  # unlocks the key: the one setting it holds it
    ctx = open_context()
    officer = ctx.ledger.get_officer(code)
    if officer is None:
        raise not_found("officer", code, field_="OFFICER")
    setter = ctx.ledger.get_officer(as_)
    now = clock.now()
    if setter is None or setter.key_problem(by.key_id, at=now) is not None:
        usage(f"--as {as_}: khóa không còn hiệu lực trong sổ cái / key not valid in the ledger")
    if as_ != code and not _admin_over(ctx, setter, officer, now):
        usage(
            f"--as {as_}: chỉ chính {code} hoặc Quản trị có phạm vi bao trùm mọi vai trò của "
            f"{code} được đặt mật khẩu / only {code} themself or an admin whose scope covers "
            f"every role {code} holds may set this password"
        )
    if officer.scopes(Role.portal.value, at=clock.now()):
        usage(f"OFFICER {code}: cổng đoàn viên không đăng nhập / the portal never logs in")
    secret = os.environ.get(NEW_PASSWORD_ENV) or ask_secret(
        f"Mật khẩu mới của {code} (new password)", NEW_PASSWORD_ENV, confirm=True
    )
    try:
        check_password(secret)
    except ValueError as exc:
        usage(f"password: {exc}")
    set_credential(ctx.engine, Account("officer", code), secret)
    typer.echo(f"Đã đặt mật khẩu cho {code} / password set")


def _admin_over(ctx: Any, setter: Any, officer: Any, now: Any) -> bool:
    """Whether `setter` is an admin over every unit `officer` holds a role in ("*" needs "*"):
    an admin of one union must not take over the province inspector's or the admin's login."""
    admin_scopes = setter.scopes(Role.admin.value, at=now)
    if not admin_scopes:
        return False
    if "*" in admin_scopes:
        return True
    held = [g.scope for g in officer.roles if g.revoked_at is None]
    return all(
        scope != "*"
        and holds_role(setter, {Role.admin}, unit=scope, at=now, ancestors=ctx.ledger.ancestors)
        for scope in held
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the root app and to `members` / `officers`."""
    from ledger.cli import members, officers

    app.command("serve")(serve)
    app.add_typer(portal_app, name="portal")
    members.app.command("pin")(pin)
    officers.app.command("password")(password)


__all__ = ["portal_app", "register"]
