"""The payroll file of a month's dues, read the same way by the web upload and the CLI.

`ledger.dues_check` (the web preview) and `phucloi record collection dues --file` both read the
file here; neither has a parser of its own.

Invariants:
- The file is XLSX (first sheet) or delimited text: UTF-8 with or without a BOM, or UTF-16
  with its BOM (Excel's "Unicode Text"), cells separated by commas, semicolons (what Excel
  writes in a Vietnamese locale) or tabs (`ledger.textfiles`). Anything else is refused as a
  whole (`PayrollError`, Vietnamese and English).
- Columns are found by their header, accents, case, `_` and a bracketed unit ignored
  ("Mức lương đóng BHXH (đồng)" is "muc luong dong bhxh"): member (mã đoàn viên),
  salary_basis (lương đóng BHXH) and optionally amount (đoàn phí). Each column has exact
  names and generic ones (`luong`, `tien luong`, `so tien`); a generic name is used only
  when no header carries an exact one, so a payroll with both "Lương" (gross) and "Lương
  đóng BHXH" uses the latter. Two headers of the same rank for one column are refused,
  naming both headers and their columns: which one counts is never guessed.
- Rows are numbered as in the file (the header is row 1); blank rows are skipped. Each data
  row becomes a `Line` with its own errors; money is whole đồng (`6.000.000`, `6000000` or an
  integer XLSX cell), a fraction is an error, never rounded. In delimited text, a filled
  cell beyond the header's columns is an error (an amount written 6,000,000 in a
  comma-separated file is three cells).
- An XLSX cell is read by the value Excel saved with it. A formula saved without one (a file
  written by a program, never opened in Excel) is not read as an empty cell: in a column that
  counts it is an error of its row naming the cell and the formula (values and formulas are
  read in one pass over the sheet).
- What is read is what Excel shows: a hidden first sheet is refused, and so are hidden rows
  (a filter's too) and hidden columns of the first sheet that hold data, naming the sheet and
  the rows or columns; an officer checking the payroll in Excel would never see them.
- Only row 1 is the header (of the first sheet, for XLSX). A file whose row 1 lacks a column
  is refused saying so, naming what row 1 holds and, when a later row (a title above the
  header) or another sheet (a cover sheet first) has the header, where it is and what to do.
- Nothing here consults the ledger: the policy's expected dues, the member's unit and the
  month already collected are checked by the caller and by the ledger itself.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ledger.domain.money import parse_dong
from ledger.textfiles import NotUtf8, csv_delimiter, decode_text, fold

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_LINES: Final = 20_000
MEMBER_NO: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
HEADER_SEARCH: Final = 20  # rows looked at for a header that is not row 1 (a title above it)

# Per column: exact names first, then generic ones used only when no exact name is present.
HEADERS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "member": (
        ("member", "ma doan vien", "ma dv", "so the doan vien", "ma so doan vien"),
        (),
    ),
    "salary_basis": (
        (
            "salary basis",
            "luong dong bhxh",
            "muc luong dong bhxh",
            "tien luong dong bhxh",
            "luong dong doan phi",
        ),
        ("salary", "luong", "tien luong", "muc luong"),
    ),
    "amount": (("amount", "doan phi", "dues", "so tien doan phi"), ("so tien",)),
}

LABELS: Final[dict[str, tuple[str, str]]] = {
    "member": ("mã đoàn viên", "member number"),
    "salary_basis": ("lương đóng BHXH", "salary basis"),
    "amount": ("đoàn phí", "dues"),
}

_BRACKETED = re.compile(r"[(\[][^)\]]*[)\]]")


class PayrollError(ValueError):
    """The file as a whole cannot be read (the message is Vietnamese / English)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


class MissingColumns(PayrollError):
    """Row 1 lacks a column the payroll needs (`missing`: keys of `HEADERS`)."""

    def __init__(self, vi: str, en: str, missing: list[str]) -> None:
        super().__init__(vi, en)
        self.missing = missing


@dataclass
class Sheet:
    """The file's rows (header first) as cell values: strings, or numbers from XLSX."""

    rows: list[list[Any]]
    delimited: bool  # text split at a separator: a filled cell past the header is suspect
    title: str = ""  # XLSX: the sheet read (the first)
    # XLSX: the first rows of the workbook's other visible sheets, by title (a cover sheet
    # first puts the payroll there)
    others: list[tuple[str, list[list[Any]]]] = field(default_factory=list)
    # XLSX: the formula of each cell that has one, by (row, column) from 1
    formulas: Callable[[], Mapping[tuple[int, int], str]] | None = field(default=None, repr=False)

    def formula(self, row: int, column: int) -> str | None:
        """The formula of the cell (row and column from 1), for a cell that read as empty."""
        return None if self.formulas is None else self.formulas().get((row, column))


@dataclass
class Line:
    row: int
    member: str
    salary_basis: int | None
    amount: int | None
    expected: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


# --- reading the file ----------------------------------------------------------------------------


def read_rows(filename: str, data: bytes, *, max_bytes: int | None = MAX_BYTES) -> Sheet:
    """The rows of a CSV (or Unicode Text) or XLSX file, chosen by name or content. The web
    upload keeps the 5 MB limit; the command line reads a file of any size (None)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PayrollError("Tệp quá lớn (tối đa 5 MB)", "The file is too large (5 MB at most)")
    if not data:
        raise PayrollError("Tệp rỗng", "The file is empty")
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx_sheet(data)
    if name.endswith((".csv", ".txt")) or "." not in name.rsplit("/", 1)[-1]:
        return Sheet(_csv_rows(data), delimited=True)
    raise PayrollError(
        "Chỉ nhận tệp CSV hoặc XLSX (hãy lưu bảng lương dạng .xlsx hoặc CSV UTF-8)",
        "Only CSV or XLSX files are accepted (save the payroll as .xlsx or CSV UTF-8)",
    )


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        content = decode_text(data)
    except NotUtf8 as exc:
        raise PayrollError(
            f"Tệp CSV phải mã hóa UTF-8 (dòng {exc.line}); hãy lưu lại dạng CSV UTF-8",
            f"The CSV file must be UTF-8 encoded (line {exc.line})",
        ) from None
    first = content.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=csv_delimiter(first))
    try:
        return list(reader)
    except csv.Error as exc:  # a cell over the csv module's limit, a NUL byte...
        raise PayrollError(
            f"Tệp CSV hỏng ở dòng {reader.line_num}: {exc}",
            f"The CSV file is malformed at line {reader.line_num}: {exc}",
        ) from None


def _xlsx_sheet(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise PayrollError("Không đọc được tệp XLSX", "The XLSX file cannot be read") from None
    try:
        sheet = book.worksheets[0]
        if sheet.sheet_state != "visible":
            # What Excel shows on opening the file must be what is read: a hidden first
            # sheet would put other amounts in the ledger than the payroll anyone looks at.
            raise PayrollError(
                f"Trang tính đầu tiên ({sheet.title!r}) đang bị ẩn: hãy bỏ ẩn hoặc xóa nó, "
                "để bảng lương là trang tính đầu tiên",
                f"The first sheet ({sheet.title!r}) is hidden: unhide or delete it, so that "
                "the payroll is the first sheet",
            )
        rows, formulas, hidden_rows, hidden_columns = _read_first_sheet(book, sheet)
        _refuse_hidden(sheet.title, rows, hidden_rows, hidden_columns)
        others = [
            (other.title, _sheet_rows(other, HEADER_SEARCH))
            for other in book.worksheets[1:]
            if other.sheet_state == "visible"
        ]
        return Sheet(rows, False, sheet.title, others, lambda: formulas)
    finally:
        book.close()


def _hidden(attrs: Mapping[str, str], size: str) -> bool:
    """Whether a row's or column's attributes hide it: `hidden`, or a custom size of 0."""
    if attrs.get("hidden") in ("1", "true"):
        return True
    try:
        return attrs.get("customHeight" if size == "ht" else "customWidth") in ("1", "true") and (
            float(attrs.get(size, "1")) == 0
        )
    except ValueError:
        return False


def _read_first_sheet(
    book: Any, sheet: Any
) -> tuple[list[list[Any]], dict[tuple[int, int], str], list[int], list[int]]:
    """The first sheet in one pass over its XML: its rows as `_sheet_rows` reads them (the
    values Excel saved), the formula of each formula cell by (row, column) from 1, and the
    numbers (from 1) of its hidden rows and hidden columns.

    openpyxl reads either a cell's saved value or its formula (`data_only`); its own parser,
    asked for the values, is given the formula too here, so the workbook is read once."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    formulas: dict[tuple[int, int], str] = {}

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                formula = self.parse_formula(element)
                formulas[(cell["row"], cell["column"])] = str(getattr(formula, "text", formula))
            return cell

    rows: list[list[Any]] = []
    empty: list[Any] = []
    with sheet._get_source() as src:
        parser = Parser(
            src,
            book.shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            # As `_sheet_rows`: a row as stored without its trailing empty cells; empty rows
            # kept (as one shared empty list) only when a filled row follows them.
            filled = [c for c in cells if not _blank(c["value"])]
            if not filled:
                continue
            row: list[Any] = [None] * max(c["column"] for c in filled)
            for c in filled:
                row[c["column"] - 1] = c["value"]
            rows.extend([empty] * (number - 1 - len(rows)))
            rows.append(row)
        hidden_rows = sorted(
            int(n) for n, attrs in parser.row_dimensions.items() if _hidden(attrs, "ht")
        )
        hidden_columns = sorted(
            {
                column
                for attrs in parser.column_dimensions.values()
                if _hidden(attrs, "width")
                for column in range(int(attrs["min"]), int(attrs.get("max", attrs["min"])) + 1)
            }
        )
    return rows, formulas, hidden_rows, hidden_columns


def _refuse_hidden(
    title: str, rows: list[list[Any]], hidden_rows: list[int], hidden_columns: list[int]
) -> None:
    """Refuse a payroll with hidden rows or columns that hold data: what is recorded must be
    what an officer checking the sheet in Excel sees (a row a filter hides is hidden too)."""
    from openpyxl.utils import get_column_letter

    rows_with_data = [
        n for n in hidden_rows if n <= len(rows) and any(not _blank(c) for c in rows[n - 1])
    ]
    columns_with_data = [
        c for c in hidden_columns if any(c <= len(r) and not _blank(r[c - 1]) for r in rows)
    ]
    found = []
    if rows_with_data:
        listed = _listed([str(n) for n in rows_with_data])
        plural = "s" if len(rows_with_data) > 1 else ""
        found.append(
            (f"dòng bị ẩn chứa dữ liệu: dòng {listed}", f"rows holding data: row{plural} {listed}")
        )
    if columns_with_data:
        listed = _listed([get_column_letter(c) for c in columns_with_data])
        plural = "s" if len(columns_with_data) > 1 else ""
        found.append(
            (
                f"cột bị ẩn chứa dữ liệu: cột {listed}",
                f"columns holding data: column{plural} {listed}",
            )
        )
    if found:
        raise PayrollError(
            f"Trang tính {title!r} có "
            + "; ".join(vi for vi, _ in found)
            + ". Hãy bỏ ẩn (hoặc xóa) chúng rồi xem lại: mọi dòng được ghi phải hiện trên "
            "bảng lương",
            f"Sheet {title!r} has hidden "
            + "; hidden ".join(en for _, en in found)
            + ". Unhide (or delete) them and check again: every row recorded must show on "
            "the payroll",
        )


def _listed(names: list[str], most: int = 20) -> str:
    """Up to `most` names, comma-separated, then how many more."""
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} (+{len(names) - most})"


def _sheet_rows(sheet: Any, max_rows: int | None = None) -> list[list[Any]]:
    # The sheet's stated size is not trusted: one stray cell at XFD1048576 would make
    # every row 16,384 cells and a million rows of them. Rows are read as stored, without
    # their trailing empty cells; runs of empty rows share one empty list and those at
    # the end are dropped, so row numbers stay the file's.
    sheet.reset_dimensions()
    rows: list[list[Any]] = []
    empty: list[Any] = []
    pending = 0
    for row in sheet.iter_rows(values_only=True):
        if max_rows is not None and len(rows) + pending >= max_rows:
            break
        width = len(row)
        while width and _blank(row[width - 1]):
            width -= 1
        if not width:
            pending += 1
            continue
        rows.extend([empty] * pending)
        pending = 0
        rows.append(list(row[:width]))
    return rows


def header_name(cell: Any) -> str:
    """A header as it is matched: "Mức lương đóng BHXH (đồng)" → "muc luong dong bhxh"."""
    text = _BRACKETED.sub(" ", str(cell if cell is not None else ""))
    return " ".join(fold(text).replace("_", " ").split())


def columns(header: list[Any]) -> dict[str, int]:
    """The index of each column in the header row; `PayrollError` if one is missing or two
    headers of the same rank could be the same column."""
    names = [header_name(h) for h in header]
    found: dict[str, int] = {}
    for column, ranks in HEADERS.items():
        for aliases in ranks:
            matching = [i for i, name in enumerate(names) if name in aliases]
            if len(matching) > 1:  # which one would count? neither: the file is refused
                vi_label, en_label = LABELS[column]
                vi = " và ".join(f"cột {i + 1} {str(header[i]).strip()!r}" for i in matching)
                en = " and ".join(f"column {i + 1} {str(header[i]).strip()!r}" for i in matching)
                raise PayrollError(
                    f"Không rõ cột nào là {vi_label}: {vi}; hãy đổi tên hoặc xóa bớt một cột",
                    f"Which column holds the {en_label} is unclear: {en}; rename or remove one",
                )
            if matching:
                found[column] = matching[0]
                break
    missing = [c for c in ("member", "salary_basis") if c not in found]
    if missing:
        raise MissingColumns(
            "Thiếu cột: "
            + ", ".join(LABELS[c][0] for c in missing)
            + " (tiêu đề như 'Mã đoàn viên', 'Lương đóng BHXH', 'Đoàn phí', hoặc member, "
            "salary_basis, amount)",
            "Missing column(s): "
            + ", ".join(LABELS[c][1] for c in missing)
            + " (headers such as 'Mã đoàn viên', 'Lương đóng BHXH', 'Đoàn phí', or member, "
            "salary_basis, amount)",
            missing,
        )
    return found


def cell_name(row: int, column: int) -> str:
    """A cell as Excel names it: (3, 5) → "E3" (row and column from 1)."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def _header_row(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The first row (from 1) within `HEADER_SEARCH` that has every column, and its columns."""
    for index, row in enumerate(rows[:HEADER_SEARCH], start=1):
        try:
            return index, columns(row)
        except PayrollError:
            continue
    return None


def _no_header(sheet: Sheet, exc: MissingColumns) -> PayrollError:
    """Row 1 is not the header: say that only row 1 (of the first sheet) is read as one, what
    row 1 holds, and where the header is when it is elsewhere (a title row above it, a cover
    sheet first)."""
    row1 = sheet.rows[0] if sheet.rows else []
    filled = [(i, str(v).strip()) for i, v in enumerate(row1, start=1) if not _blank(v)][:3]
    xlsx = not sheet.delimited
    if xlsx:
        vi = f"Chỉ dòng 1 của trang tính đầu tiên ({sheet.title!r}) được đọc làm tiêu đề"
        en = f"Only row 1 of the first sheet ({sheet.title!r}) is read as the header"
        held_vi = ", ".join(f"ô {cell_name(1, i)} là {v!r}" for i, v in filled)
        held_en = ", ".join(f"cell {cell_name(1, i)} holds {v!r}" for i, v in filled)
    else:
        vi, en = (
            "Chỉ dòng đầu tiên của tệp được đọc làm tiêu đề",
            "Only the file's first line is the header",
        )
        held_vi = ", ".join(f"cột {i} là {v!r}" for i, v in filled)
        held_en = ", ".join(f"column {i} holds {v!r}" for i, v in filled)
    if held_vi:
        vi, en = f"{vi}; ở đó {held_vi}", f"{en}; there {held_en}"
    found = _header_row(sheet.rows)
    if found is not None:
        row, cols = found
        ref = cell_name(row, cols["member"] + 1)
        where_vi, where_en = (f"ô {ref} ", f"cell {ref} ") if xlsx else ("", "")
        header = str(sheet.rows[row - 1][cols["member"]]).strip()
        vi += (
            f". Tiêu đề nằm ở dòng {row} ({where_vi}{header!r}): hãy xóa {row - 1} dòng phía "
            "trên nó để tiêu đề là dòng 1"
        )
        line = "row" if xlsx else "line"
        en += (
            f". The header is {line} {row} ({where_en}{header!r}): delete the {row - 1} "
            f"{line}(s) above it so that the header is {line} 1"
        )
    else:
        elsewhere = [(title, _header_row(rows)) for title, rows in sheet.others]
        hit = next(((title, at) for title, at in elsewhere if at is not None), None)
        if hit is not None:
            title, (row, cols) = hit
            ref = cell_name(row, cols["member"] + 1)
            vi += (
                f". Bảng lương có vẻ ở trang tính {title!r} (tiêu đề ở ô {ref}): hãy kéo trang "
                f"tính đó lên đầu, hoặc xóa trang tính {sheet.title!r}"
            )
            en += (
                f". The payroll seems to be on sheet {title!r} (header at cell {ref}): move "
                f"that sheet first, or delete sheet {sheet.title!r}"
            )
            if row > 1:
                vi += f", rồi xóa {row - 1} dòng phía trên tiêu đề"
                en += f", then delete the {row - 1} row(s) above the header"
        else:
            vi += ". Hãy đặt dòng tiêu đề " + (
                "ở dòng 1 của trang tính đầu tiên" if xlsx else "ở dòng đầu tiên của tệp"
            )
            en += ". Put the header " + ("in row 1 of the first sheet" if xlsx else "on line 1")
    return PayrollError(f"{exc.vi}. {vi}", f"{exc.en}. {en}")


def money(value: Any, column_vi: str, column_en: str) -> tuple[int | None, tuple[str, str] | None]:
    """A cell as whole đồng, or the error naming the column."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, (f"thiếu {column_vi}", f"{column_en} is missing")
    if isinstance(value, bool):
        return None, (f"{column_vi} không phải số tiền", f"{column_en} is not an amount")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None, (
                f"{column_vi} phải là số nguyên đồng (không có phần lẻ)",
                f"{column_en} must be whole đồng (no fraction)",
            )
        amount = int(value)
    else:
        try:
            amount = parse_dong(str(value))
        except ValueError:
            return None, (
                f"{column_vi} phải là số nguyên đồng, ví dụ 6.000.000",
                f"{column_en} must be whole đồng, e.g. 6.000.000",
            )
    if amount < 0 or amount > 10**13:
        return None, (f"{column_vi} ngoài giới hạn", f"{column_en} is out of range")
    return amount, None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def parse_lines(sheet: Sheet | list[list[Any]], *, max_lines: int | None = MAX_LINES) -> list[Line]:
    """Every non-blank data row as a Line with its format errors (no ledger lookups). The
    web preview stops at `MAX_LINES`; the command line passes None (the ledger's own limit
    of a batch applies)."""
    rows, delimited = (sheet.rows, sheet.delimited) if isinstance(sheet, Sheet) else (sheet, False)
    if not rows:
        raise PayrollError("Tệp không có dòng nào", "The file has no rows")
    header = rows[0]
    try:
        cols = columns(header)
    except MissingColumns as exc:
        if not isinstance(sheet, Sheet):
            raise
        raise _no_header(sheet, exc) from None
    width = max((i + 1 for i, h in enumerate(header) if not _blank(h)), default=0)
    lines: list[Line] = []
    for index, raw in enumerate(rows[1:], start=2):
        if all(_blank(c) for c in raw):
            continue
        if max_lines is not None and len(lines) >= max_lines:
            raise PayrollError(
                f"Tệp có quá {max_lines} dòng", f"The file has more than {max_lines} lines"
            )

        def cell(name: str, raw: list[Any] = raw) -> Any:
            i = cols.get(name)
            return raw[i] if i is not None and i < len(raw) else None

        def formula(name: str, row: int = index) -> tuple[str, str] | None:
            """The error of a formula saved without its value in this column, if it is one."""
            if not isinstance(sheet, Sheet) or name not in cols or not _blank(cell(name)):
                return None
            text = sheet.formula(row, cols[name] + 1)
            if text is None:
                return None
            ref, head = cell_name(row, cols[name] + 1), str(header[cols[name]]).strip()
            return (
                f"ô {ref} (cột {head!r}) chứa công thức {text} nhưng tệp không lưu giá trị đã "
                "tính của nó (tệp do một chương trình tạo ra, chưa mở bằng Excel): hãy mở tệp "
                "bằng Excel rồi lưu lại, hoặc thay công thức bằng con số",
                f"cell {ref} (column {head!r}) holds the formula {text} but the file has no "
                "computed value saved for it (written by a program, never opened in Excel): "
                "open the file in Excel and save it again, or replace the formula by the number",
            )

        member = str(cell("member") if cell("member") is not None else "").strip()
        line = Line(row=index, member=member, salary_basis=None, amount=None)
        lines.append(line)
        if delimited and any(not _blank(c) for c in raw[width:]):
            line.errors.append(
                (
                    f"dòng có {len(raw)} ô, tiêu đề có {width}: số tiền viết 6,000,000 trong "
                    "tệp phân cách bằng dấu phẩy? Hãy viết 6.000.000 hoặc đặt trong ngoặc kép",
                    f"{len(raw)} cells for {width} columns: an amount written 6,000,000 in a "
                    "comma-separated file? Write 6.000.000 or quote it",
                )
            )
            continue
        if err := formula("member"):
            line.errors.append(err)
        elif not member:
            line.errors.append(("thiếu mã đoàn viên", "the member number is missing"))
        elif not MEMBER_NO.match(member):
            line.errors.append(("mã đoàn viên không hợp lệ", "the member number is not valid"))
        line.salary_basis, err = money(cell("salary_basis"), "lương đóng BHXH", "salary basis")
        if err:
            line.errors.append(formula("salary_basis") or err)
        if err := formula("amount"):  # not an empty cell: the amount is not computed for it
            line.errors.append(err)
        elif "amount" in cols and not _blank(cell("amount")):
            line.amount, err = money(cell("amount"), "đoàn phí", "amount")
            if err:
                line.errors.append(err)
    return lines
