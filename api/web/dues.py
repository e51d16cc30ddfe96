"""A month's dues from the payroll file: read CSV or XLSX, check every line, preview, no writes.

Invariants:
- Nothing is stored here. The preview lists every line of the file with its own errors
  (named by the file's row number and column), and only a file without a single error yields
  a batch, which the officer's browser then signs as ONE `collection.dues` command; the
  ledger checks it all again and stores every line or none.
- Money is whole đồng: `6.000.000`, `6000000` or an XLSX integer cell; a fraction (`6000000.5`
  or a non-integral number cell) is an error, never rounded.
- The expected dues of a line are `ledger.domain.policy.expected_dues` under the policy in
  force on the month's first day, as the ledger computes them; an amount column, when given,
  must equal it. Each line is then checked by the ledger's own model of a dues line
  (`ledger.domain.commands.DuesLine`: a salary and dues above 0 đ...), so the preview passes
  exactly the lines the ledger would take. The batch carries the file's row of each line, so
  a refusal at signing (`body.lines[i]...`) is shown as the file's row.
- Columns are found by header, in Vietnamese or English, accents and case ignored:
  member (mã đoàn viên), salary_basis (lương đóng BHXH), and optionally amount (đoàn phí).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from pydantic import ValidationError

from api.web.text import fold
from ledger.application import Ledger
from ledger.domain.commands import DuesLine
from ledger.domain.errors import validation_en, validation_vi
from ledger.domain.money import format_dong, parse_dong
from ledger.domain.periods import parse_period
from ledger.domain.policy import expected_dues
from ledger.domain.units import Unit, dues_collected
from ledger.textfiles import NotUtf8, csv_delimiter, decode_text

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_LINES: Final = 20_000
MEMBER_NO: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MONTH: Final = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")

HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "member": ("member", "ma doan vien", "ma_doan_vien", "ma dv", "so the doan vien"),
    "salary_basis": (
        "salary_basis",
        "salary",
        "luong",
        "luong dong bhxh",
        "muc luong dong bhxh",
        "tien luong",
    ),
    "amount": ("amount", "doan phi", "so tien", "dues"),
}


class PayrollError(ValueError):
    """The file as a whole cannot be read (the message is Vietnamese / English)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


@dataclass
class Line:
    row: int
    member: str
    salary_basis: int | None
    amount: int | None
    expected: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Preview:
    unit: str
    month: str
    effective_date: str
    policy: str | None
    lines: list[Line]
    problems: list[tuple[str, str]] = field(default_factory=list)  # about the whole batch

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.problems and not any(ln.errors for ln in self.lines)

    @property
    def total(self) -> int:
        return sum(ln.amount or 0 for ln in self.lines if not ln.errors)

    @property
    def error_lines(self) -> int:
        return sum(1 for ln in self.lines if ln.errors)

    def batch(self) -> dict[str, Any]:
        """What the browser signs: the command's unit, date and body."""
        return {
            "unit": self.unit,
            "month": self.month,
            "effective_date": self.effective_date,
            "lines": [
                {"member": ln.member, "salary_basis": ln.salary_basis, "amount": ln.amount}
                for ln in self.lines
            ],
            "rows": [ln.row for ln in self.lines],  # not signed: names a refused line's row
        }


# --- reading the file ----------------------------------------------------------------------------


def read_rows(filename: str, data: bytes) -> list[list[Any]]:
    """The file's rows (header first) as cell values: strings, or numbers from XLSX."""
    if len(data) > MAX_BYTES:
        raise PayrollError("Tệp quá lớn (tối đa 5 MB)", "The file is too large (5 MB at most)")
    if not data:
        raise PayrollError("Tệp rỗng", "The file is empty")
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx_rows(data)
    if name.endswith((".csv", ".txt")) or not name:
        return _csv_rows(data)
    raise PayrollError("Chỉ nhận tệp CSV hoặc XLSX", "Only CSV or XLSX files are accepted")


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        content = decode_text(data)
    except NotUtf8 as exc:
        raise PayrollError(
            f"Tệp CSV phải mã hóa UTF-8 (dòng {exc.line}); hãy lưu lại dạng CSV UTF-8",
            f"The CSV file must be UTF-8 encoded (line {exc.line})",
        ) from None
    first = content.split("\n", 1)[0]
    delimiter = csv_delimiter(first)
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:  # a cell over the csv module's limit, a NUL byte...
        raise PayrollError(
            f"Tệp CSV hỏng ở dòng {reader.line_num}: {exc}",
            f"The CSV file is malformed at line {reader.line_num}: {exc}",
        ) from None


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise PayrollError("Không đọc được tệp XLSX", "The XLSX file cannot be read") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _columns(header: list[Any]) -> dict[str, int]:
    names = [fold(str(h or "")).replace("_", " ") for h in header]
    found: dict[str, int] = {}
    for column, aliases in HEADERS.items():
        wanted = {a.replace("_", " ") for a in aliases}
        matching = [i for i, name in enumerate(names) if name in wanted]
        if len(matching) > 1:  # which one would count? neither: the file is refused
            raise PayrollError(
                f"Cột {str(header[matching[1]])!r} lặp lại (cột {matching[0] + 1} và "
                f"{matching[1] + 1})",
                f"Column {str(header[matching[1]])!r} appears twice (columns "
                f"{matching[0] + 1} and {matching[1] + 1})",
            )
        if matching:
            found[column] = matching[0]
    missing = [c for c in ("member", "salary_basis") if c not in found]
    if missing:
        raise PayrollError(
            "Thiếu cột: "
            + ", ".join(
                {"member": "mã đoàn viên", "salary_basis": "lương đóng BHXH"}[c] for c in missing
            ),
            "Missing column(s): " + ", ".join(missing),
        )
    return found


def _money(value: Any, column_vi: str, column_en: str) -> tuple[int | None, tuple[str, str] | None]:
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


COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "member": ("mã đoàn viên", "member number"),
    "salary_basis": ("lương đóng BHXH", "salary basis"),
    "amount": ("đoàn phí", "dues"),
}


def _ledger_refuses(line: Line) -> list[tuple[str, str]]:
    """What the ledger's model of a dues line refuses in this line, by the file's column."""
    try:
        DuesLine.model_validate(
            {"member": line.member, "salary_basis": line.salary_basis, "amount": line.amount}
        )
    except ValidationError as exc:
        found = []
        for err in exc.errors():
            vi, en = COLUMNS.get(str(err["loc"][0]), (str(err["loc"][0]),) * 2)
            found.append((f"{vi}: {validation_vi(err)}", f"{en}: {validation_en(err)}"))
        if line.amount == 0:
            found.append(
                (
                    "đoàn phí tính ra 0 đ: bỏ dòng này khỏi tệp nếu tháng này không thu",
                    "the dues come to 0 đ: leave this row out if nothing is collected",
                )
            )
        return found
    return []


def _cells(raw: list[Any], cols: dict[str, int]) -> Any:
    def cell(name: str) -> Any:
        i = cols.get(name)
        return raw[i] if i is not None and i < len(raw) else None

    return cell


def parse_lines(rows: list[list[Any]]) -> list[Line]:
    """Every non-blank data row as a Line with its format errors (no ledger lookups)."""
    if not rows:
        raise PayrollError("Tệp không có dòng nào", "The file has no rows")
    cols = _columns(rows[0])
    lines: list[Line] = []
    for index, raw in enumerate(rows[1:], start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in raw):
            continue
        if len(lines) >= MAX_LINES:
            raise PayrollError(
                f"Tệp có quá {MAX_LINES} dòng", f"The file has more than {MAX_LINES} lines"
            )
        cell = _cells(raw, cols)
        member = str(cell("member") or "").strip()
        line = Line(row=index, member=member, salary_basis=None, amount=None)
        if not MEMBER_NO.match(member):
            line.errors.append(("mã đoàn viên không hợp lệ", "the member number is not valid"))
        line.salary_basis, err = _money(cell("salary_basis"), "lương đóng BHXH", "salary basis")
        if err:
            line.errors.append(err)
        if "amount" in cols and cell("amount") not in (None, ""):
            line.amount, err = _money(cell("amount"), "đoàn phí", "amount")
            if err:
                line.errors.append(err)
        lines.append(line)
    return lines


# --- checking against the ledger ------------------------------------------------------------------


def preview(
    ledger: Ledger, *, unit: str, month: str, effective_date: date, lines: list[Line]
) -> Preview:
    """Check every line as the ledger will; nothing is written."""
    result = Preview(
        unit=unit, month=month, effective_date=effective_date.isoformat(), policy=None, lines=lines
    )
    if not MONTH.match(month):
        result.problems.append(("tháng phải có dạng YYYY-MM", "the month must look like YYYY-MM"))
        return result
    period = parse_period(month)
    unit_agg: Unit | None = ledger.get_unit(unit)
    if unit_agg is None:
        result.problems.append((f"không có đơn vị {unit}", f"no unit {unit}"))
        return result
    policy = ledger.policy_for(unit, period.start)
    if policy is None:
        result.problems.append(("đơn vị chưa có quy chế", "no policy is in force for this unit"))
        return result
    result.policy = policy.version
    last_day = period.end - timedelta(days=1)
    seen: set[str] = set()
    for line in lines:
        if line.errors:
            continue
        if line.member in seen:
            line.errors.append((f"{line.member} xuất hiện hai lần", f"{line.member} appears twice"))
            continue
        seen.add(line.member)
        if (month, line.member) in unit_agg.dues_paid:
            line.errors.append(
                (
                    f"đã đóng đoàn phí tháng {period.start:%m/%Y}",
                    f"dues for {month} already collected",
                )
            )
            continue
        member = ledger.get_member(line.member)
        if member is None:
            line.errors.append((f"không có đoàn viên {line.member}", f"no member {line.member}"))
            continue
        if unit not in (member.unit_on(period.start), member.unit_on(last_day)):
            line.errors.append(
                (f"không sinh hoạt tại {unit} trong tháng", f"not in {unit} that month")
            )
            continue
        elsewhere = dues_collected(
            (ledger.get_unit(u) for _, u in member.spans if u != unit), month, line.member
        )
        if elsewhere is not None:  # by the union the member was transferred from or to
            on = date.fromisoformat(elsewhere[1])
            line.errors.append(
                (
                    f"đoàn phí tháng {period.start:%m/%Y} đã được thu (ngày {on:%d/%m/%Y})",
                    f"dues for {month} already collected (on {elsewhere[1]})",
                )
            )
            continue
        assert line.salary_basis is not None
        line.expected = expected_dues(policy, line.salary_basis)
        if line.amount is None:
            line.amount = line.expected
        refused = _ledger_refuses(line)
        if refused:
            line.errors.extend(refused)
        elif line.amount != line.expected:
            line.errors.append(
                (
                    f"đoàn phí phải là {format_dong(line.expected)} theo quy chế {policy.version}",
                    f"dues must be {line.expected} under policy {policy.version}",
                )
            )
    return result
