"""`phucloi report ...`: the report forms of seed 002, the spending structure, the charts.

    phucloi report monthly UNIT --month 2025-03 [--format table|xlsx|csv|json] [--out PATH]
                          [--manual rows.csv] [--explain REF] [--checkpoint SIZE]
    phucloi report annual UNIT --year 2025 ...                     (same options)
    phucloi report structure UNIT --period P [--json | --format csv|json] [--out PATH]
    phucloi report chart UNIT --period P --out welfare.png|.svg [--trend] [--grassroots]
    phucloi report template monthly|annual [--out rows.csv]

Every figure is computed as of a signed checkpoint (the latest unless `--checkpoint`), which
each export states; events recorded after it are left out (a note on stderr says how many).
Without `--format`, the format follows the `--out` suffix, and the screen gets a table.
Bad input exits non-zero naming the option or the file's line and field; nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ledger.cli.common import (
    JsonFlag,
    UnitArg,
    console,
    fmt_bp,
    fmt_date,
    fmt_money,
    month,
    open_context,
    print_ledger_error,
    rows_table,
    usage,
)
from ledger.domain.catalogue import SpendingCategory, WelfareKind
from ledger.domain.errors import LedgerError
from ledger.domain.periods import Period, parse_period
from ledger.projections.queries.ratios import judged_for_year, reference_note_vi, verdict_vi
from ledger.reports.asof import AsOf
from ledger.reports.compute import (
    NOTHING_RECORDED_EN,
    SOURCE_VI,
    Explanation,
    Report,
    build_report,
    checkpoint_line,
    explain,
)
from ledger.reports.forms import FORMS, FUND_LABELS, load_form
from ledger.reports.manual import ManualRowsError, ManualValue, parse_manual, template
from ledger.reports.measures import Line
from ledger.reports.provisional import PeriodStatus, not_begun
from ledger.reports.structure import (
    NOTHING_SPENT_EN,
    Structure,
    spending_structure,
    welfare_trend,
)
from ledger.textfiles import NotUtf8, read_text

app = typer.Typer(
    help="Báo cáo theo mẫu Phụ lục 01 (tháng), 02 (năm), cơ cấu chi, biểu đồ "
    "(report forms, spending structure, charts).",
    no_args_is_help=True,
)

FORMATS = ("table", "xlsx", "csv", "json")
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="table | xlsx | csv | json; mặc định theo đuôi --out, không có thì table (default: "
        "from the --out suffix, else table).",
    ),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", metavar="PATH", help="Ghi ra tệp (output file).")
]
ManualOpt = Annotated[
    Path | None,
    typer.Option(
        "--manual",
        metavar="CSV",
        help="Số liệu nhập tay, mỗi dòng `mã dòng,giá trị[,ghi chú]`; mã dòng là cột đầu (Mã "
        "dòng) của biểu, `report template` tạo sẵn tệp (rows entered by hand, one `ref,value"
        "[,note]` a line; a row's ref is the form's first column).",
    ),
]
ExplainOpt = Annotated[
    str | None,
    typer.Option(
        "--explain",
        metavar="REF",
        help="Liệt kê các bút toán tạo nên số liệu của dòng có mã REF (cột Mã dòng, vd. "
        "II.1.2.1; STT in trên biểu cũng được nếu chỉ một dòng mang nó) / the events behind "
        "the row whose ref is REF (or its printed STT when one row alone carries it).",
    ),
]
CheckpointOpt = Annotated[
    int | None,
    typer.Option(
        "--checkpoint",
        metavar="SIZE",
        min=0,
        help="Tính đến checkpoint có kích thước cây SIZE, mặc định checkpoint mới nhất / as of "
        "the checkpoint of tree size SIZE (default: the latest checkpoint).",
    ),
]
PeriodOpt = Annotated[
    str,
    typer.Option(
        "--period",
        metavar="PERIOD",
        help="Kỳ: 2025 (năm / year), 2025-03 (tháng / month), 2025-Q1 (quý / quarter), "
        "lunar-2025 (năm âm lịch, Tết / lunar year).",
    ),
]
GrassrootsOpt = Annotated[
    bool,
    typer.Option(
        "--grassroots",
        help="Từng công đoàn cơ sở thay vì đơn vị trực thuộc (every grassroots union).",
    ),
]


# --- the forms --------------------------------------------------------------------------------


def _format(fmt: str | None, out: Path | None) -> str:
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = suffix if suffix in FORMATS else "table"
    if fmt not in FORMATS:
        usage(f"--format: giá trị không hợp lệ / invalid value {fmt!r}; chọn: {', '.join(FORMATS)}")
    if fmt == "xlsx" and out is None:
        usage("--out: cần tệp để ghi XLSX / XLSX needs an output file")
    if fmt == "table" and out is not None:
        usage("--format table chỉ in ra màn hình; dùng xlsx, csv hoặc json với --out")
    return fmt


def _manual(which: str, path: Path | None) -> dict[str, ManualValue]:
    if path is None:
        return {}
    try:
        text = read_text(path)
    except FileNotFoundError:
        usage(f"--manual {path}: không tìm thấy tệp / file not found")
    except NotUtf8 as exc:
        usage(
            f"--manual {path}: dòng {exc.line}: tệp phải là UTF-8 (lưu lại dạng CSV UTF-8) / "
            "the file must be UTF-8 text"
        )
    except OSError as exc:
        usage(f"--manual {path}: không đọc được tệp / cannot read the file: {exc}")
    try:
        return parse_manual(text, load_form(FORMS[which]))
    except ManualRowsError as exc:  # a line of the user's file: nothing reached the ledger
        _usage_problem(exc)


def _usage_problem(exc: LedgerError) -> NoReturn:
    """A mistake in how the report was asked for (an --explain row, a --manual line), printed
    as the ledger's refusals are but with exit 2: nothing was submitted."""
    print_ledger_error(exc)
    raise typer.Exit(2)


def _write(out: Path | None, data: bytes) -> None:
    if out is None:
        stream = typer.get_binary_stream("stdout")
        stream.write(data)
        stream.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        usage(f"--out {out}: không ghi được tệp / cannot write the file: {exc}")
    typer.echo(f"Đã ghi / written: {out}", err=True)


def _behind(asof: AsOf) -> None:
    if asof.behind > 0:
        typer.echo(
            f"Lưu ý / note: {asof.behind} bút toán ghi sau checkpoint {asof.size} không có "
            f"trong báo cáo / events after the checkpoint are not included "
            "(`phucloi audit checkpoint` ký checkpoint mới).",
            err=True,
        )


def _begun(option: str, period: Period) -> Period:
    """The period, unless it begins after today: then a usage error naming `option`."""
    why = not_begun(period)
    if why is not None:
        usage(f"{option}: {why[0]} / {why[1]}")
    return period


def _provisional(status: PeriodStatus) -> None:
    """The notice of a period not over, on screen where the figures are."""
    if status.notice:
        console().print(status.notice, style="bold red")


def _run(
    which: str,
    unit: str,
    period: Period,
    *,
    fmt: str | None,
    out: Path | None,
    manual: Path | None,
    explain_ref: str | None,
    checkpoint: int | None,
) -> None:
    kind = _format(fmt, out)
    rows = _manual(which, manual)
    ctx = open_context()
    if explain_ref is not None:
        if kind not in ("table", "json"):
            usage("--explain: chỉ in dạng table hoặc json / prints as table or json only")
        try:
            e = explain(ctx.ledger, which, unit, period, explain_ref, checkpoint=checkpoint)
        except LedgerError as exc:
            if exc.code not in ("no_row", "not_computed"):
                raise
            _usage_problem(exc)  # a row the form does not have, or one not from the ledger
        _behind(e.asof)
        if kind == "json":
            _write(out, to_json_explanation(e))
        else:
            print_explanation(e)
        return
    report = build_report(ctx.ledger, which, unit, period, checkpoint=checkpoint, manual=rows)
    _behind(report.asof)
    if kind == "table":
        print_report(report)
        return
    from ledger.reports import export  # openpyxl: only when exporting

    writer = {"xlsx": export.to_xlsx, "csv": export.to_csv, "json": export.to_json}[kind]
    _write(out, writer(report))


def to_json_explanation(e: Explanation) -> bytes:
    return (json.dumps(e.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@app.command("monthly")
def monthly(
    unit: UnitArg,
    month_: Annotated[
        str, typer.Option("--month", metavar="YYYY-MM", help="Tháng báo cáo (report month).")
    ],
    fmt: FormatOpt = None,
    out: OutOpt = None,
    manual: ManualOpt = None,
    explain_ref: ExplainOpt = None,
    checkpoint: CheckpointOpt = None,
) -> None:
    """Báo cáo tháng theo mẫu Phụ lục 01 (monthly report, before the 20th)."""
    period = _begun("--month", parse_period(month("--month", month_)))
    _run(
        "monthly",
        unit,
        period,
        fmt=fmt,
        out=out,
        manual=manual,
        explain_ref=explain_ref,
        checkpoint=checkpoint,
    )


@app.command("annual")
def annual(
    unit: UnitArg,
    year: Annotated[str, typer.Option("--year", metavar="YYYY", help="Năm báo cáo (year).")],
    fmt: FormatOpt = None,
    out: OutOpt = None,
    manual: ManualOpt = None,
    explain_ref: ExplainOpt = None,
    checkpoint: CheckpointOpt = None,
) -> None:
    """Báo cáo năm theo mẫu Phụ lục 02 (annual report)."""
    text = year.strip()
    if not (len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2999):
        usage(f"--year: năm không hợp lệ / invalid year {year!r} (YYYY, ví dụ 2025)")
    _run(
        "annual",
        unit,
        _begun("--year", parse_period(text)),
        fmt=fmt,
        out=out,
        manual=manual,
        explain_ref=explain_ref,
        checkpoint=checkpoint,
    )


@app.command("template")
def template_cmd(
    which: Annotated[str, typer.Argument(metavar="monthly|annual", help="Mẫu (which form).")],
    out: OutOpt = None,
) -> None:
    """Tệp CSV để nhập tay các dòng sổ cái không biết (a manual rows file to fill in)."""
    if which not in FORMS:
        usage(f"monthly|annual: giá trị không hợp lệ / invalid value {which!r}")
    _write(out, template(load_form(FORMS[which])).encode("utf-8"))


def print_report(report: Report) -> None:
    out = console()
    f = report.form
    out.print(f"{f.annex} — {f.title} {f.subtitle}")
    out.print(f"Đơn vị: {report.unit.code} — {report.unit.name} ({report.unit.level})")
    out.print(f"Kỳ báo cáo: {report.period.label_vi} ({report.period.label})")
    _provisional(report.status)
    if report.nothing_notice:
        out.print(f"{report.nothing_notice} / {NOTHING_RECORDED_EN}", style="bold")
    out.print(checkpoint_line(report))
    rows = []
    for r in report.rows:
        remarks = "; ".join([*([r.note] if r.note else []), *r.notes])
        rows.append(
            (r.row.ref, r.row.stt, r.row.label, r.row.unit, r.shown(), SOURCE_VI[r.source], remarks)
        )
    out.print(
        rows_table(
            f.annex,
            ["Mã dòng", "STT", "Nội dung", "Đơn vị", "Số lượng", "Nguồn", "Ghi chú"],
            rows,
            keep=(0,),
        )
    )


def _kind_vi(ln: Line) -> str:
    """A line's kind as the form's readers say it: the fund of a loan, the spending category
    of an expense, the welfare kind of a payout (the key when the catalogue lacks it)."""
    if ln.fund:
        return FUND_LABELS.get(ln.fund, ln.fund)
    enum: type[SpendingCategory] | type[WelfareKind] = (
        SpendingCategory if ln.flow == "spending" else WelfareKind
    )
    try:
        return str(enum(ln.key).label_vi)
    except ValueError:
        return ln.key


def print_explanation(e: Explanation) -> None:
    out = console()
    r = e.report_row
    unit = f" {r.row.unit}" if r.row.unit else ""
    out.print(f"Dòng {r.row.ref} ({r.row.stt or '-'}) {r.row.label}: {r.shown()}{unit}")
    out.print(f"Cách tính: {r.row.rule.describe() if r.row.rule else ''}")
    for note in r.notes:
        out.print(f"Lưu ý: {note}")
    out.print(f"Checkpoint: kích thước cây {e.asof.size}, gốc {e.asof.root}")
    rows = [
        (
            str(ln.seq),
            ln.event_id,
            fmt_date(ln.effective_date),
            ln.unit,
            _kind_vi(ln),
            ln.member or "",
            ln.relative or "",
            fmt_money(ln.amount),
            "" if ln.participants is None else str(ln.participants),
            f"đảo {ln.reversal_of[:8]}…" if ln.reversal_of else "",
        )
        for ln in e.lines
    ]
    out.print(
        rows_table(
            f"Các bút toán ({len(rows)}) / events behind the figure",
            [
                "Seq",
                "Mã bút toán",
                "Ngày",
                "Đơn vị",
                "Loại",
                "Đoàn viên",
                "Thân nhân",
                "Số tiền",
                "Người t.gia",
                "",
            ],
            rows,
            keep=(1,),
        )
    )
    out.print(f"Tổng số tiền / total: {fmt_money(sum(ln.amount for ln in e.lines))}")


# --- spending structure and charts -----------------------------------------------------------


def _period(text: str) -> Period:
    try:
        period = parse_period(text)
    except (ValueError, TypeError) as exc:
        usage(f"--period: {exc}")
    return _begun("--period", period)


def _pct(bp: int | None) -> str:
    return "—" if bp is None else fmt_bp(bp)


@app.command("structure")
def structure(
    unit: UnitArg,
    period: PeriodOpt,
    checkpoint: CheckpointOpt = None,
    grassroots: GrassrootsOpt = False,
    as_json: JsonFlag = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="table | csv | json; mặc định theo đuôi --out, không có thì table (default: "
            "from the --out suffix, else table).",
        ),
    ] = None,
    out: OutOpt = None,
) -> None:
    """Cơ cấu chi: tỷ lệ chi phúc lợi và từng nội dung chi so với quy chế (spending structure)."""
    if as_json:
        fmt = fmt or "json"
    kind = "xlsx" if fmt == "xlsx" else _format(fmt, out)
    if kind == "xlsx":
        usage("--format: cơ cấu chi xuất ra csv hoặc json / the structure exports as csv or json")
    p = _period(period)
    ctx = open_context()
    s = spending_structure(ctx.ledger, unit, p, checkpoint=checkpoint, grassroots=grassroots)
    _behind(s.asof)
    if kind == "table":
        print_structure(s)
        return
    from ledger.reports import export  # the same bytes as the web page's download

    _write(out, export.structure_to_csv(s) if kind == "csv" else export.structure_to_json(s))


def print_structure(s: Structure) -> None:
    out = console()
    out.print(f"{s.unit.code} — {s.unit.name}; kỳ {s.period.label_vi}")
    _provisional(s.status)
    yearly = judged_for_year(s.period)
    out.print(f"Checkpoint: kích thước cây {s.asof.size}, gốc {s.asof.root}")
    rows = []
    for c in s.categories:
        lo = f"≥ {fmt_bp(c.min_bp)}" if c.min_bp is not None else ""
        hi = f"≤ {fmt_bp(c.max_bp)}" if c.max_bp is not None else ""
        bounds = " ".join(x for x in (lo, hi) if x)
        rows.append(
            (
                SpendingCategory(c.category).label_vi,
                fmt_money(c.amount),
                _pct(c.share_bp),
                bounds,
                verdict_vi(c.within_limits, yearly, limits=True) if bounds else "",
            )
        )
    rows.append(
        ("Tổng chi", fmt_money(s.total.spending), "100%" if s.total.spending else "—", "", "")
    )
    out.print(
        rows_table(
            "Cơ cấu chi (spending structure)",
            ["Nội dung chi", "Số tiền", "Tỷ trọng", "Quy chế", ""],
            rows,
        )
    )
    target = _pct(s.total.target_bp)
    if s.nothing_spent_notice:
        out.print(f"{s.nothing_spent_notice} (≥ {target}) / {NOTHING_SPENT_EN}", style="bold")
    else:
        said = verdict_vi(s.total.reaches_target, yearly)
        if not yearly and s.total.reaches_target is not None:
            said += f" ({reference_note_vi(s.period)})"
        out.print(
            f"Tỷ lệ chi phúc lợi / tổng chi: {_pct(s.total.share_bp)} — mục tiêu năm ≥ "
            f"{target}: {said}"
        )
    out.print(
        rows_table(
            "Theo đơn vị, tỷ lệ thấp nhất trước (worst first)",
            [
                "Đơn vị",
                "Tên",
                "Tổng chi",
                "Chi phúc lợi",
                "Tỷ lệ",
                "Mục tiêu năm" if yearly else "So với mục tiêu năm (tạm tính)",
            ],
            [
                (
                    c.code,
                    c.name,
                    fmt_money(c.spending),
                    fmt_money(c.welfare),
                    _pct(c.share_bp),
                    verdict_vi(c.reaches_target, yearly),
                )
                for c in s.children
            ]
            + (
                [
                    (
                        s.unit.code,
                        "Chi tại cấp trên (không thuộc đơn vị nào ở trên)",
                        fmt_money(s.above[1]),
                        fmt_money(s.above[0]),
                        "",
                        "",
                    )
                ]
                if s.above != (0, 0)
                else []
            ),
        )
    )


@app.command("chart")
def chart(
    unit: UnitArg,
    period: PeriodOpt,
    out: Annotated[
        Path, typer.Option("--out", metavar="PATH", help="Tệp .png hoặc .svg (output file).")
    ],
    trend: Annotated[
        bool, typer.Option("--trend", help="Tỷ lệ chi phúc lợi theo tháng (by month).")
    ] = False,
    checkpoint: CheckpointOpt = None,
    grassroots: GrassrootsOpt = False,
) -> None:
    """Biểu đồ tỷ lệ chi phúc lợi theo đơn vị, thấp nhất trước, với đường 60% (welfare share
    chart per unit, lowest first, with the 60% line)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        usage(f"--out {out}: cần đuôi .png hoặc .svg / expected a .png or .svg file")
    from ledger.reports.charts import share_chart, trend_chart  # matplotlib: only here

    p = _period(period)
    ctx = open_context()
    if trend:
        s, points = welfare_trend(ctx.ledger, unit, p, checkpoint=checkpoint)
        data = trend_chart(s, points, fmt)
    else:
        s = spending_structure(ctx.ledger, unit, p, checkpoint=checkpoint, grassroots=grassroots)
        data = share_chart(s, fmt)
    _behind(s.asof)
    if s.status.notice:  # the chart itself has no room for it
        typer.echo(f"Lưu ý / note: {s.status.notice}", err=True)
    _write(out, data)
