"""`phucloi keys`: the officer's local keystore (khóa ký của cán bộ).

Keys live in `$PHUCLOI_HOME/keys` as passphrase-encrypted PKCS#8 files; the key name is the
officer code used with `--as`. The passphrase comes from `PHUCLOI_PASSPHRASE` or a hidden
prompt (asked twice when creating a key).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.common import (
    PASSPHRASE_ENV,
    JsonFlag,
    console,
    emit_json,
    fmt_date,
    keystore,
    passphrase,
    rows_table,
    usage,
)
from ledger.keystore import KeyInfo, KeystoreError

app = typer.Typer(help="Khóa ký của cán bộ trong keystore cục bộ (local signing keys).")

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Tên khóa = mã cán bộ (key name).")]


def _info(info: KeyInfo) -> dict[str, str]:
    return {
        "name": info.name,
        "key_id": info.key_id,
        "public_key": info.public_key_b64,
        "created": info.created.isoformat(timespec="seconds"),
    }


def print_fingerprint(info: KeyInfo) -> None:
    typer.echo(f"  Tên khóa (name):          {info.name}")
    typer.echo(f"  Mã khóa (key id):         {info.key_id}")
    typer.echo(f"  Khóa công khai (public):  {info.public_key_b64}")


@app.command("new")
def new(name: NameArg, as_json: JsonFlag = False) -> None:
    """Tạo khóa mới (create a new Ed25519 key, encrypted with a passphrase)."""
    ks = keystore()
    try:
        ks.public(name)
    except KeystoreError:
        pass
    else:
        usage(f"NAME {name}: khóa đã tồn tại / key already exists in {ks.directory}")
    secret = passphrase(PASSPHRASE_ENV, f"Mật khẩu cho khóa {name} (passphrase)", confirm=True)
    try:
        info = ks.create(name, secret)
    except KeystoreError as exc:
        usage(f"NAME {name}: {exc}")
    if as_json:
        emit_json(_info(info))
        return
    typer.echo(f"Đã tạo khóa / Key created in {ks.directory}")
    print_fingerprint(info)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Liệt kê các khóa (list keys)."""
    infos = keystore().list()
    if as_json:
        emit_json([_info(i) for i in infos])
        return
    if not infos:
        typer.echo("Chưa có khóa nào / no keys yet (phucloi keys new NAME)")
        return
    table = rows_table(
        "Khóa trong keystore / Keys",
        ["Tên (name)", "Mã khóa (key id)", "Khóa công khai (public key)", "Ngày tạo (created)"],
        [(i.name, i.key_id, i.public_key_b64, fmt_date(i.created)) for i in infos],
        keep=[1, 2],
    )
    console().print(table)


@app.command("public")
def public(name: NameArg) -> None:
    """In khóa công khai base64 (print the base64 public key)."""
    try:
        info = keystore().public(name)
    except KeystoreError as exc:
        usage(f"NAME {name}: {exc}")
    typer.echo(info.public_key_b64)
