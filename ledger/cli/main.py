"""The `phucloi` command: `phucloi [--db URL] COMMAND ...`.

`--db` overrides `PHUCLOI_DATABASE_URL`; with neither, the ledger is the SQLite file
`$PHUCLOI_HOME/phucloi.db` (`PHUCLOI_HOME` defaults to `~/.phucloi` and also holds the
keystore `keys/`). The ledger is opened only by commands that read or record.

Exit statuses: 0 done, 1 refused by the ledger (nothing stored), 2 usage problem.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli import (
    audit_cli,
    demo,
    forms_cli,
    importer,
    keys,
    members,
    officers,
    policy,
    projections,
    record,
    reports_cli,
    serve_cli,
    units,
)
from ledger.cli.common import (
    PASSPHRASE_ENV,
    JsonFlag,
    PhucloiGroup,
    begin,
    emit_json,
    keystore,
    open_context,
    passphrase,
    print_receipts,
    safe_url,
    signed,
    state,
    usage,
)
from ledger.client import OfficerSigner
from ledger.keystore import KeyInfo, KeystoreError

app = typer.Typer(
    cls=PhucloiGroup,
    name="phucloi",
    help="Sổ cái phúc lợi công đoàn: thu đoàn phí, chi phúc lợi, mỗi bút toán có chữ ký cán bộ.\n\n"
    "(Union dues and welfare ledger: every event is signed by an officer.)",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="URL cơ sở dữ liệu, ghi đè PHUCLOI_DATABASE_URL; mặc định SQLite "
            "$PHUCLOI_HOME/phucloi.db (database URL).",
        ),
    ] = None,
) -> None:
    """Sổ cái phúc lợi công đoàn (union welfare ledger)."""
    begin(ctx, db)


@app.command("init")
def init(
    admin: Annotated[
        str | None,
        typer.Option(
            "--admin",
            metavar="CODE",
            help="Mã quản trị viên đầu tiên; tạo khóa nếu chưa có (first admin).",
        ),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Họ tên quản trị viên (administrator's name).")
    ] = "Quản trị viên",
    as_json: JsonFlag = False,
) -> None:
    """Tạo/nâng cấp cơ sở dữ liệu; với --admin: ghi lệnh khởi tạo (genesis) tự ký (create or
    upgrade the database; with --admin, record the self-signed genesis).

    Tên và mật khẩu khóa được kiểm tra trước khi chạm vào cơ sở dữ liệu / the key's name and
    passphrase are checked before the database is created or migrated."""
    ks = keystore()
    info: KeyInfo | None = None
    secret = ""
    if admin:
        try:
            info = ks.public(admin)
        except KeystoreError:
            info = None
        try:
            if info is None:
                secret = passphrase(
                    PASSPHRASE_ENV, f"Mật khẩu cho khóa {admin} (passphrase)", confirm=True
                )
                ks.check_new(admin, secret)
            else:
                secret = passphrase(PASSPHRASE_ENV, f"Mật khẩu khóa {admin} (passphrase)")
                ks.load_signer(admin, secret)
        except KeystoreError as exc:
            usage(f"--admin {admin}: {exc}")
    ctx = open_context(create=True)
    url, _source = state().url()
    if not admin:
        if as_json:
            emit_json({"database": safe_url(url)})
        else:
            typer.echo(f"Cơ sở dữ liệu sẵn sàng / database ready: {safe_url(url)}")
        return
    created = info is None
    try:
        if info is None:
            info = ks.create(admin, secret)
        signer = ks.load_signer(admin, secret)
    except KeystoreError as exc:
        usage(f"--admin {admin}: {exc}")
    existing = ctx.ledger.get_officer(admin)
    receipt = None
    if existing is not None and info.key_id in existing.keys:
        if not as_json:
            typer.echo(f"Sổ cái đã được khởi tạo với quản trị viên {admin} / already initialised")
    else:
        try:
            item = signed(
                "ledger.genesis",
                by=OfficerSigner(admin, signer),
                body={"officer": admin, "name": name, "public_key": info.public_key_b64},
            )
            receipt = ctx.ledger.submit(item)
        except BaseException:
            if created:  # refused: the key made for it would name an officer who is not
                ks.discard(admin)
            raise
    if as_json:
        emit_json(
            {
                "database": safe_url(url),
                "admin": admin,
                "key_id": info.key_id,
                "public_key": info.public_key_b64,
                "receipt": receipt.as_dict() if receipt else None,
            }
        )
        return
    typer.echo(f"Cơ sở dữ liệu sẵn sàng / database ready: {safe_url(url)}")
    if receipt is not None:
        print_receipts([receipt], as_json=False)
    typer.echo(
        "Vân tay khóa quản trị — hãy công bố để kiểm tra viên đối chiếu "
        "(admin key fingerprint, publish it):"
    )
    keys.print_fingerprint(info)


app.command("import")(importer.import_file)

app.add_typer(keys.app, name="keys")
app.add_typer(units.app, name="units")
app.add_typer(officers.app, name="officers")
app.add_typer(policy.app, name="policy")
app.add_typer(members.app, name="members")
app.add_typer(record.app, name="record")
app.add_typer(projections.app, name="projections")
app.add_typer(audit_cli.audit_app, name="audit")
app.add_typer(forms_cli.app, name="report")
app.command("export")(audit_cli.export)
app.command("demo")(demo.demo)
app.command("history")(reports_cli.history)
app.command("ratios")(reports_cli.ratios)
app.command("compliance")(reports_cli.compliance)
app.command("beneficiaries")(reports_cli.beneficiaries)
serve_cli.register(app)  # serve, portal init, members pin, officers password


if __name__ == "__main__":  # pragma: no cover
    app()
