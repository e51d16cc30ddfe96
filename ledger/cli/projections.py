"""`phucloi projections status | rebuild`: the read models and where they are in the log.

`status` shows each projection's last applied seq against the head of the log. `rebuild`
empties the named projections (all by default) and replays the log into them in one
transaction that holds the writers' lock (see ledger.projections.rebuild).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.common import (
    JsonFlag,
    console,
    emit_json,
    open_context,
    progress_bar,
    rows_table,
    usage,
)
from ledger.projections.rebuild import rebuild as rebuild_all
from ledger.projections.rebuild import status as status_of
from ledger.projections.registry import by_name

app = typer.Typer(help="Bảng đọc (read models): trạng thái, dựng lại từ sổ cái.")


@app.command("status")
def status(as_json: JsonFlag = False) -> None:
    """Seq cuối mỗi bảng đọc đã áp dụng so với đầu sổ cái (last applied seq vs log head)."""
    rows = status_of(open_context().ledger)
    if as_json:
        emit_json(
            [
                {"name": s.name, "last_seq": s.last_seq, "head": s.head, "behind": s.behind}
                for s in rows
            ]
        )
        return
    console().print(
        rows_table(
            "Bảng đọc (projections)",
            ["Tên", "Nội dung", "Seq cuối", "Đầu sổ", "Chậm (events behind)"],
            [(s.name, s.description, str(s.last_seq), str(s.head), str(s.behind)) for s in rows],
            keep=(0,),
        )
    )


@app.command("rebuild")
def rebuild(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[NAME]...",
            help="Bảng đọc cần dựng lại, mặc định: tất cả (read models to rebuild; default: all).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Dựng lại bảng đọc từ sổ cái vào bảng rỗng (rebuild read models from the log)."""
    try:
        by_name(names)
    except KeyError as exc:
        usage(str(exc.args[0]))
    ledger = open_context().ledger
    if as_json:
        report = rebuild_all(ledger, names)
    else:
        with progress_bar("Dựng lại (rebuilding)", remaining=True) as progress:
            report = rebuild_all(ledger, names, progress=progress)
    if as_json:
        emit_json(
            {
                "projections": list(report.names),
                "events": report.events,
                "seconds": round(report.seconds, 3),
                "events_per_second": round(report.events_per_second),
            }
        )
        return
    n = f"{report.events:,}".replace(",", ".")
    rate = f"{report.events_per_second:,.0f}".replace(",", ".")
    typer.echo(
        f"Đã dựng lại / rebuilt {', '.join(report.names)}: {n} bút toán trong "
        f"{report.seconds:.2f} s ({rate} bút toán/s)"
    )
