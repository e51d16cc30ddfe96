"""`phucloi officers`: officers (cán bộ), their public keys and roles per unit scope.

A new officer's public key is given in base64 (`--public-key`) or read from a key of the
local keystore (`--key NAME`). Only administrators sign these commands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.cli.common import (
    AsOfficer,
    DateOpt,
    JsonFlag,
    choice,
    console,
    emit_json,
    fmt_date,
    keystore,
    open_context,
    optional_day,
    rows_table,
    sign_and_submit,
    usage,
)
from ledger.domain.catalogue import Role
from ledger.domain.officers import Officer
from ledger.keystore import KeystoreError

app = typer.Typer(help="Cán bộ ký sổ, khóa và vai trò (officers, keys and roles).")

CodeArg = Annotated[str, typer.Argument(metavar="CODE", help="Mã cán bộ (officer code).")]
RoleArg = Annotated[
    str,
    typer.Argument(
        metavar="ROLE",
        help="Vai trò: finance_officer (Kế toán), chair (Chủ tịch), inspector (Ủy ban kiểm tra), "
        "reporter (Báo cáo), admin (Quản trị).",
    ),
]
ScopeOpt = Annotated[
    str, typer.Option("--scope", help="Phạm vi: mã đơn vị (và cấp dưới) hoặc * (unit or *).")
]
PublicKeyOpt = Annotated[
    str | None, typer.Option("--public-key", help="Khóa công khai base64 (public key).")
]
KeyNameOpt = Annotated[
    str | None, typer.Option("--key", help="Lấy khóa công khai từ keystore (key name).")
]


def public_key_from(public_key: str | None, key: str | None) -> str:
    if (public_key is None) == (key is None):
        usage("--public-key / --key: cần đúng một trong hai / give exactly one of them")
    if public_key is not None:
        return public_key.strip()
    assert key is not None
    try:
        return keystore().public(key).public_key_b64
    except KeystoreError as exc:
        usage(f"--key {key}: {exc}")


@app.command("add")
def add(
    code: CodeArg,
    name: Annotated[str, typer.Option("--name", help="Họ tên cán bộ (officer name).")],
    as_: AsOfficer,
    public_key: PublicKeyOpt = None,
    key: KeyNameOpt = None,
    member: Annotated[
        str | None,
        typer.Option("--member", help="Mã đoàn viên của chính cán bộ (own member number)."),
    ] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Đăng ký cán bộ (register an officer and their first key)."""
    body: dict[str, Any] = {
        "officer": code,
        "name": name,
        "public_key": public_key_from(public_key, key),
    }
    if member:
        body["member"] = member
    sign_and_submit(
        "officer.register",
        body=body,
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@app.command("link")
def link(
    code: CodeArg,
    member: Annotated[
        str,
        typer.Option("--member", help="Mã đoàn viên của chính cán bộ (own member number)."),
    ],
    as_: AsOfficer,
    as_json: JsonFlag = False,
) -> None:
    """Gắn cán bộ với hồ sơ đoàn viên của chính họ, một lần (link an officer to their own
    member record, once: self-dealing detection knows the officer as a person through it)."""
    sign_and_submit(
        "officer.link_member",
        body={"officer": code, "member": member},
        as_=as_,
        as_json=as_json,
    )


def _role_command(type_: str, code: str, role: str, scope: str, as_: str, as_json: bool) -> None:
    """A role is granted or revoked when it is recorded (today): it has no --date."""
    choice("ROLE", role, Role)
    sign_and_submit(
        type_,
        body={"officer": code, "role": role, "scope": scope},
        as_=as_,
        as_json=as_json,
    )


@app.command("grant")
def grant(
    code: CodeArg,
    role: RoleArg,
    scope: ScopeOpt,
    as_: AsOfficer,
    as_json: JsonFlag = False,
) -> None:
    """Giao vai trò từ lúc ghi (grant a role, from now, over a unit and its descendants, or *
    for all)."""
    _role_command("officer.grant", code, role, scope, as_, as_json)


@app.command("revoke-role")
def revoke_role(
    code: CodeArg,
    role: RoleArg,
    scope: ScopeOpt,
    as_: AsOfficer,
    as_json: JsonFlag = False,
) -> None:
    """Thu hồi vai trò từ lúc ghi (revoke a role, from now)."""
    _role_command("officer.revoke_role", code, role, scope, as_, as_json)


@app.command("rotate-key")
def rotate_key(
    code: CodeArg,
    as_: AsOfficer,
    public_key: PublicKeyOpt = None,
    key: KeyNameOpt = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Thay khóa mới; khóa cũ hết hiệu lực từ lúc này (rotate to a new key)."""
    sign_and_submit(
        "officer.rotate_key",
        body={"officer": code, "public_key": public_key_from(public_key, key)},
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@app.command("revoke-key")
def revoke_key(
    code: CodeArg,
    key_id: Annotated[str, typer.Option("--key-id", help="Mã khóa bị thu hồi (key id).")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do, ví dụ mất máy (reason).")],
    as_: AsOfficer,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Thu hồi từ ngày (có thể trong quá khứ) / revoked from DATE; mặc định hôm nay.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Thu hồi khóa bị lộ/mất (revoke a key from a date)."""
    sign_and_submit(
        "officer.revoke_key",
        body={"officer": code, "key_id": key_id, "reason": reason},
        effective_date=optional_day("--from", from_),
        as_=as_,
        as_json=as_json,
    )


def all_officers() -> list[Officer]:
    return open_context().ledger.officers()


def _active(at: datetime | None) -> bool:
    return at is None or at > clock.now()


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Danh sách cán bộ, vai trò và khóa đang hiệu lực (officers, roles, keys)."""
    officers = all_officers()
    data = [
        {
            "code": o.code,
            "name": o.name,
            "member": o.member,
            "roles": [
                {"role": g.role, "scope": g.scope, "granted_at": g.granted_at.isoformat()}
                for g in o.roles
                if _active(g.revoked_at)
            ],
            "keys": [k.as_json() for k in o.keys.values()],
        }
        for o in officers
    ]
    if as_json:
        emit_json(data)
        return
    if not officers:
        typer.echo("Chưa có cán bộ nào / no officers yet (phucloi init --admin CODE)")
        return
    rows = []
    for o in officers:
        roles = (
            ", ".join(
                f"{Role(g.role).label_vi} @ {g.scope}" for g in o.roles if _active(g.revoked_at)
            )
            or "—"
        )
        keys = []
        for k in o.keys.values():
            if k.revoked_from is not None:
                keys.append(f"{k.key_id} (thu hồi từ {fmt_date(k.revoked_from)})")
            elif k.retired_at is not None:
                keys.append(f"{k.key_id} (hết hạn {fmt_date(clock.local_date(k.retired_at))})")
            else:
                keys.append(f"{k.key_id} (đang dùng)")
        rows.append((o.code, o.name, o.member or "—", roles, "\n".join(keys)))
    console().print(
        rows_table(
            "Cán bộ / Officers",
            [
                "Mã (code)",
                "Họ tên (name)",
                "Đoàn viên (member)",
                "Vai trò @ phạm vi (roles)",
                "Khóa (keys)",
            ],
            rows,
        )
    )
