"""Exports of a filled form (XLSX laid out like the paper form, CSV for Excel, JSON) and of
the spending structure (CSV, JSON); the command line and the web pages write these bytes.

Invariants:
- Byte-identical: the same report (same ledger, unit, period, checkpoint and manual rows)
  gives the same bytes. Nothing depends on the clock or the machine: the XLSX document
  properties and every zip entry's timestamp are the checkpoint's signing time, entries are
  written in a fixed order with fixed attributes, and JSON keys keep the form's order. The
  provisional notice of a period not over (`ledger.reports.provisional`) is judged on the
  checkpoint's signing day, or today if earlier (a checkpoint signed "in the future" by a
  skewed clock), so it too is the same for a checkpoint on every later day.
- Every export states the checkpoint (tree size and Merkle root) it was computed at, and
  marks each row's source: computed from the ledger ("sổ cái") or entered by hand
  ("nhập tay"); amounts in million đồng are exact decimals (never floats).
- CSV is UTF-8 with a BOM and CRLF line ends, so Excel opens Vietnamese text correctly.
- Text never becomes a formula (OWASP "CSV injection"): a text cell starting with `=`, `+`,
  `-`, `@`, a tab or a carriage return (a manual row's text or note) is written to the CSV
  behind a single quote (`as_text`) and to the XLSX as a string cell with Excel's quote
  prefix. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ledger.domain.catalogue import SpendingCategory
from ledger.domain.money import to_million
from ledger.projections.queries.ratios import verdict_vi
from ledger.reports.compute import SOURCE_VI, Report, ReportRow, checkpoint_line, period_line
from ledger.reports.structure import Structure

HEADER = ("Mã dòng", "STT", "Nội dung", "Đơn vị", "Số lượng", "Nguồn số liệu", "Ghi chú")
EXACT = "Giá trị gốc (số / đồng)"  # the last column of the CSV and the XLSX: the exact integer
_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """A text cell as a spreadsheet must read it: text, never a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def stamp(report: Report) -> datetime:
    """The time written into an export: when the checkpoint was signed (UTC, whole seconds)."""
    try:
        signed = datetime.fromisoformat(report.asof.signed_at)
    except ValueError:
        return _EPOCH
    signed = signed.replace(tzinfo=UTC) if signed.tzinfo is None else signed.astimezone(UTC)
    return max(signed.replace(microsecond=0), _EPOCH)


def _remarks(r: ReportRow) -> str:
    return "; ".join([*([r.note] if r.note else []), *r.notes])


def to_json(report: Report) -> bytes:
    return (json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_csv(report: Report) -> bytes:
    """CSV as Excel reads it in Vietnamese: semicolons between cells and a decimal comma in
    the million-đồng column (111,450 triệu); `111.450` would read as 111 450. The last
    column keeps the exact integer (đồng or count)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([f"{report.form.annex} — {report.form.title} {report.form.subtitle}"])
    w.writerow([f"Đơn vị: {report.unit.code} — {report.unit.name} ({report.unit.level})"])
    w.writerow([period_line(report)])
    if report.nothing_notice:
        w.writerow([report.nothing_notice])
    w.writerow([checkpoint_line(report)])
    w.writerow([*HEADER, EXACT])
    for r in report.rows:
        raw = "" if r.value is None or isinstance(r.value, str) else str(r.value)
        million = r.million
        if million is not None:
            value = str(million).replace(".", ",")
        elif isinstance(r.value, str):
            value = as_text(r.value)
        else:
            value = "" if r.value is None else str(r.value)
        w.writerow(
            [
                r.row.ref,  # the form's own text (ledger/reports/forms), not user input
                r.row.stt,
                r.row.label,
                r.row.unit,
                value,
                SOURCE_VI[r.source],
                as_text(_remarks(r)),
                raw,
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# --- spending structure (cơ cấu chi) -------------------------------------------------------

STRUCTURE_HEADER = (
    "Phần",
    "Mã",
    "Nội dung / đơn vị",
    "Số tiền (triệu đồng)",
    "Tỷ lệ (%)",
    "Tối thiểu / mục tiêu (%)",
    "Tối đa (%)",
    "Đánh giá",
    "Số tiền (đồng)",
    "Chi phúc lợi (đồng)",
)


ABOVE_VI = "Chi tại cấp trên"
ABOVE_NOTE_VI = "chi của chính đơn vị (và các cấp giữa), không thuộc đơn vị nào ở trên"


def _million(amount: int) -> str:
    return str(to_million(amount)).replace(".", ",")


def _percent(bp: int | None) -> str:
    """Basis points as a percentage with a decimal comma: 5999 → `59,99`."""
    if bp is None:
        return ""
    whole, frac = divmod(bp, 100)
    return f"{whole},{frac:02d}"


def _judged(ok: bool | None, yearly: bool, *, limits: bool = False) -> str:
    """đạt / chưa đạt for a year; for a shorter period, where it stands against the yearly
    level, marked tạm tính (`ratios.verdict_vi`: no verdict); blank when nothing is compared."""
    if ok is None:
        return ""
    said = verdict_vi(ok, yearly, limits=limits).lower()
    return said if yearly else f"{said} (tạm tính)"


def structure_to_json(s: Structure) -> bytes:
    return (json.dumps(s.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def structure_to_csv(s: Structure) -> bytes:
    """The spending structure in the forms' CSV style (semicolons, decimal commas, UTF-8 with
    a BOM, the exact đồng last): total spending; welfare spending, its share of the total
    against the target; each category, its share against the policy's limits; each unit
    below (or grassroots union), its spending and its welfare share against its target; last,
    what the unit itself spent outside them ("Chi tại cấp trên"), so the units add up to the
    total. The last column is the welfare spending in exact đồng of the total and of each
    unit row (blank on the category rows), so the units' welfare adds up to the total too."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([as_text(f"Cơ cấu chi — {s.unit.code} — {s.unit.name} ({s.unit.level})")])
    notice = s.status.notice
    w.writerow(
        [f"Kỳ báo cáo: {s.period.label_vi} ({s.period.label})" + (f" — {notice}" if notice else "")]
    )
    if s.nothing_spent_notice:
        w.writerow([s.nothing_spent_notice])
    w.writerow(
        [f"Số liệu tính đến checkpoint: kích thước cây {s.asof.size}, gốc Merkle {s.asof.root}"]
    )
    w.writerow(STRUCTURE_HEADER)
    t = s.total
    w.writerow(
        [
            "Tổng chi",
            t.code,
            as_text(t.name),
            _million(t.spending),
            "",
            "",
            "",
            "",
            t.spending,
            t.welfare,
        ]
    )
    w.writerow(
        [
            "Chi phúc lợi",
            t.code,
            as_text(t.name),
            _million(t.welfare),
            _percent(t.share_bp),
            _percent(t.target_bp),
            "",
            _judged(t.reaches_target, t.yearly),
            t.welfare,
            t.welfare,
        ]
    )
    for c in s.categories:
        limited = c.min_bp is not None or c.max_bp is not None
        w.writerow(
            [
                "Nội dung chi",
                c.category,
                SpendingCategory(c.category).label_vi,
                _million(c.amount),
                _percent(c.share_bp),
                _percent(c.min_bp),
                _percent(c.max_bp),
                _judged(c.within_limits, t.yearly, limits=True) if limited else "",
                c.amount,
                "",
            ]
        )
    for u in s.children:
        w.writerow(
            [
                "Đơn vị",
                u.code,
                as_text(u.name),
                _million(u.spending),
                _percent(u.share_bp),
                _percent(u.target_bp),
                "",
                _judged(u.reaches_target, u.yearly),
                u.spending,
                u.welfare,
            ]
        )
    if s.above != (0, 0):
        w.writerow(
            [
                ABOVE_VI,
                s.unit.code,
                as_text(f"{s.unit.name}: {ABOVE_NOTE_VI}"),
                _million(s.above[1]),
                "",
                "",
                "",
                "",
                s.above[1],
                s.above[0],
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# --- XLSX ----------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WIDTHS = (16, 9, 70, 12, 16, 14, 40, 18)


def to_xlsx(report: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Phu luc {report.form.code[-2:]}"
    last = get_column_letter(len(HEADER) + 1)
    notice = report.status.notice
    lines = [
        (report.form.annex, Font(bold=True)),
        (report.form.reference, Font(italic=True)),
        (report.form.title, Font(bold=True, size=13)),
        (report.form.subtitle, Font(bold=True)),
        (f"Đơn vị: {report.unit.code} — {report.unit.name} ({report.unit.level})", Font()),
        (period_line(report), Font(bold=True, color="C00000") if notice else Font()),
        *([(report.nothing_notice, Font(bold=True))] if report.nothing_notice else []),
        (checkpoint_line(report), Font(italic=True, size=9)),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text).font = font
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="center")
        ws.merge_cells(f"A{i}:{last}{i}")
    top = len(lines) + 2
    for col, title in enumerate((*HEADER, EXACT), start=1):
        c = ws.cell(row=top, column=col, value=title)
        c.font = Font(bold=True)
        c.border = _BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, r in enumerate(report.rows, start=top + 1):
        _xlsx_row(ws, n, r)
    for col, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{top + 1}"
    when = stamp(report).replace(tzinfo=None)
    wb.properties.creator = "phucloi"
    wb.properties.lastModifiedBy = "phucloi"
    wb.properties.title = f"{report.form.annex} {report.unit.code} {report.period.label}"
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    wb.save(raw)
    return _normalise_zip(raw.getvalue(), when)


def _xlsx_row(ws: Any, n: int, r: ReportRow) -> None:
    heading = r.source == "heading"
    million = r.million
    if million is not None:
        value: Any = million
        fmt = "#,##0.000"
    elif isinstance(r.value, int):
        value, fmt = r.value, "#,##0"
    else:
        value, fmt = r.value, "General"
    exact = r.value if isinstance(r.value, int) else None  # as the CSV's last column
    cells = (
        r.row.ref,
        r.row.stt,
        r.row.label,
        r.row.unit,
        value,
        SOURCE_VI[r.source],
        _remarks(r),
        exact,
    )
    for col, v in enumerate(cells, start=1):
        c = ws.cell(row=n, column=col, value=v)
        if isinstance(v, str) and v.startswith(_FORMULA_START):
            c.data_type, c.quotePrefix = "s", True  # openpyxl took it for a formula
        c.border = _BOX
        c.alignment = Alignment(vertical="top", wrap_text=col in (3, 5, 7))
        if heading:
            c.font = Font(bold=True)
    ws.cell(row=n, column=5).number_format = fmt
    ws.cell(row=n, column=8).number_format = "#,##0"


def _normalise_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the archive with fixed timestamps, order and attributes; pin core.xml's times."""
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + iso.encode() + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            entry.create_system = 0
            zout.writestr(entry, content, compresslevel=6)
    return out.getvalue()
