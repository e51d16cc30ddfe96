"""`phucloi units`: the union tree (cây tổ chức công đoàn): register, rename, move, dissolve.

Listing reads the ledger's entries for `unit.*` commands to find every unit aggregate, then
loads each unit's current state.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import typer
from rich.text import Text
from rich.tree import Tree
from sqlalchemy import select

from ledger.cli.common import (
    AsOfficer,
    DateOpt,
    JsonFlag,
    UnitArg,
    console,
    emit_json,
    fmt_date,
    officer_signer,
    open_context,
    optional_day,
    sign_and_submit,
    signed,
    submit_one,
)
from ledger.domain.units import Unit
from ledger.tables import ledger_entries

app = typer.Typer(help="Đơn vị công đoàn (union units).")

NameOpt = Annotated[str, typer.Option("--name", help="Tên đơn vị (unit name).")]


@app.command("add")
def add(
    code: UnitArg,
    name: NameOpt,
    level: Annotated[
        str, typer.Option("--level", help="Cấp, ví dụ 'Cơ sở', 'LĐLĐ tỉnh' (level label).")
    ],
    as_: AsOfficer,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Mã đơn vị cấp trên (parent unit).")
    ] = None,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Đăng ký đơn vị mới (register a unit)."""
    body: dict[str, Any] = {"code": code, "name": name, "level": level}
    if parent:
        body["parent"] = parent
    by = officer_signer(as_)
    item = signed("unit.register", by=by, body=body, effective_date=optional_day("--date", date_))
    submit_one(item, as_json=as_json)


@app.command("rename")
def rename(
    code: UnitArg, name: NameOpt, as_: AsOfficer, date_: DateOpt = None, as_json: JsonFlag = False
) -> None:
    """Đổi tên đơn vị (rename a unit)."""
    sign_and_submit(
        "unit.rename",
        unit=code,
        body={"name": name},
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@app.command("move")
def move(
    code: UnitArg,
    parent: Annotated[str, typer.Option("--parent", help="Đơn vị cấp trên mới (new parent).")],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Chuyển đơn vị sang cấp trên khác (move a unit)."""
    sign_and_submit(
        "unit.move",
        unit=code,
        body={"parent": parent},
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


@app.command("dissolve")
def dissolve(
    code: UnitArg,
    reason: Annotated[str, typer.Option("--reason", help="Lý do giải thể (reason).")],
    as_: AsOfficer,
    date_: DateOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Giải thể đơn vị (dissolve a unit)."""
    sign_and_submit(
        "unit.dissolve",
        unit=code,
        body={"reason": reason},
        effective_date=optional_day("--date", date_),
        as_=as_,
        as_json=as_json,
    )


def all_units() -> list[Unit]:
    ctx = open_context()
    with ctx.engine.connect() as conn:
        ids = (
            conn.execute(
                select(ledger_entries.c.originator_id)
                .where(ledger_entries.c.command_type.like("unit.%"))
                .distinct()
            )
            .scalars()
            .all()
        )
    units: list[Any] = [ctx.ledger.repository.get(UUID(i)) for i in ids]
    return sorted((u for u in units if isinstance(u, Unit)), key=lambda u: u.code)


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Cây đơn vị công đoàn (the union tree)."""
    units = all_units()
    if as_json:
        emit_json(
            [
                {
                    "code": u.code,
                    "name": u.name,
                    "level": u.level,
                    "parent": u.parent,
                    "dissolved_on": u.dissolved_on,
                }
                for u in units
            ]
        )
        return
    if not units:
        typer.echo("Chưa có đơn vị nào / no units yet")
        return
    codes = {u.code for u in units}
    children: dict[str | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent if u.parent in codes else None, []).append(u)

    def label(u: Unit) -> Text:
        text = Text.assemble((u.code, "bold"), f"  {u.name}  ", (f"({u.level})", "dim"))
        if u.dissolved_on:
            text.append(f"  đã giải thể / dissolved {fmt_date(u.dissolved_on)}", style="red")
        return text

    tree = Tree("Công đoàn / Union units")

    def grow(node: Tree, parent: str | None, seen: set[str]) -> None:
        for u in children.get(parent, []):
            if u.code in seen:
                continue
            grow(node.add(label(u)), u.code, seen | {u.code})

    grow(tree, None, set())
    console().print(tree)
