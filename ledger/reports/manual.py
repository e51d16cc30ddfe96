"""Rows entered by hand (`--manual rows.csv`): what the ledger cannot know.

The file is CSV in UTF-8 (a BOM is allowed), one row per line: `STT,value[,note]`, where STT
is the row's `ref` as exports print it ("I.1", "II.1.2.2.1.h-2"; the STT printed on the form,
"1.2.1.", is taken too when one row alone carries it); `;` may separate the
fields instead (as Excel writes CSV in a Vietnamese locale). An optional header line
starting with `STT` and lines starting with `#` are skipped; an empty value leaves the row
blank (so a template can be filled in part).

Invariants:
- The whole file is checked before anything is used; every bad line is reported as
  `dòng N, trường F` (line N, field F) with what is wrong, and nothing is taken from a
  file with any error.
- Only `manual` and `text` rows can be entered: a computed row comes from the ledger and a
  heading holds no value. A count is a whole number ≥ 0 (thousands may be grouped: 1.234);
  an amount in million đồng is a decimal with at most 6 places (whole đồng), either `,` or
  `.` as the decimal mark, kept as integer đồng, except that a dot before exactly three
  digits (`1.250`: 1,25 or 1 250 million?) is refused as ambiguous; a text is 1 to 2000
  characters.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from ledger.domain.errors import InvalidCommand, Problem, problem
from ledger.reports.forms import Form, FormRow
from ledger.textfiles import csv_delimiter

MAX_TEXT = 2000
_COUNT = re.compile(r"\d{1,3}(?:([.,\u00a0 ])\d{3})?(?:\1\d{3})*|\d+")
_DECIMALS = re.compile(r"\d{1,6}")
_MILLION = re.compile(r"(\d+)(?:[.,](\d{1,6}))?")


@dataclass(frozen=True)
class ManualValue:
    value: int | str | None  # count, đồng, or text; None when left blank
    note: str | None


class ManualRowsError(InvalidCommand):
    """The manual rows file has errors (each problem names the line and the field)."""


def _problem(line: int, field_: str, vi: str, en: str) -> Problem:
    return problem(f"dòng {line}, trường {field_}", "invalid_manual_row", vi, en)


def _delimiter(text: str) -> str:
    """The separator of the first data line (`ledger.textfiles.csv_delimiter`)."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return csv_delimiter(line)
    return ","


_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")  # a dot before exactly three digits


def _value(row: FormRow, text: str) -> int | str:
    """Parse the value of one row; ValueError (vi, en) when it does not fit the row."""
    if row.kind == "text":
        if len(text) > MAX_TEXT:
            raise ValueError(f"dài quá {MAX_TEXT} ký tự", f"longer than {MAX_TEXT} characters")
        return text
    if row.money:
        if _GROUPED.fullmatch(text):
            # "1.250": 1,25 million to a program, 1 250 million to a Vietnamese reader.
            raise ValueError(
                f"số triệu đồng {text!r} dễ hiểu nhầm: viết {text.replace('.', '')} (số triệu) "
                f"hoặc dùng dấu phẩy thập phân",
                f"amount in million đồng {text!r} is ambiguous: write "
                f"{text.replace('.', '')} (millions) or use a decimal comma",
            )
        m = _MILLION.fullmatch(text)
        if m is None:
            raise ValueError(
                f"số triệu đồng không hợp lệ {text!r} (ví dụ 12,5)",
                f"invalid amount in million đồng {text!r} (e.g. 12.5)",
            )
        return int(Decimal(f"{m.group(1)}.{m.group(2) or '0'}").scaleb(6))
    if _COUNT.fullmatch(text) is None:
        raise ValueError(
            f"phải là số nguyên không âm, nhận {text!r}",
            f"must be a whole number ≥ 0, got {text!r}",
        )
    return int(re.sub(r"\D", "", text))


def parse_manual(text: str, form: Form) -> dict[str, ManualValue]:
    """The manual rows of `text` for `form`, by ref; ManualRowsError listing every bad line."""
    problems: list[Problem] = []
    out: dict[str, ManualValue] = {}
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    for number, fields in enumerate(reader, start=1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        if fields[0].strip().upper() == "STT":  # the header
            continue
        if len(fields) > 3:
            problems.append(
                _problem(number, "STT", "thừa cột (STT,value[,note])", "too many columns")
            )
            continue
        ref, value = fields[0].strip(), (fields[1].strip() if len(fields) > 1 else "")
        note = fields[2].strip() if len(fields) > 2 and fields[2].strip() else None
        row = form.find(ref)
        if row is not None:
            ref = row.ref
        if row is not None and row.money and note is not None and _DECIMALS.fullmatch(note):
            problems.append(
                _problem(
                    number,
                    "value",
                    f"{value},{note}: số thập phân có dấu phẩy phải đặt trong ngoặc kép",
                    f"{value},{note}: quote a decimal comma (or use a dot)",
                )
            )
            continue
        if row is None:
            problems.append(_problem(number, "STT", *form.not_a_row(ref)))
            continue
        if row.kind in ("computed", "heading"):
            what = ("được tính từ sổ cái", "is computed from the ledger")
            if row.kind == "heading":
                what = ("là tiêu đề, không có số liệu", "is a heading and holds no value")
            problems.append(
                _problem(number, "STT", f"dòng {ref} {what[0]}", f"row {ref} {what[1]}")
            )
            continue
        if ref in out:
            problems.append(
                _problem(number, "STT", f"dòng {ref} đã nhập ở trên", f"row {ref} given twice")
            )
            continue
        if note is not None and len(note) > MAX_TEXT:
            problems.append(_problem(number, "note", "ghi chú quá dài", "note too long"))
            continue
        try:
            out[ref] = ManualValue(_value(row, value) if value else None, note)
        except ValueError as exc:
            vi, en = exc.args
            problems.append(_problem(number, "value", vi, en))
    if problems:
        raise ManualRowsError(
            code="invalid_manual_rows",
            vi="Tệp số liệu nhập tay có lỗi, không dùng dòng nào",
            en="The manual rows file has errors; none of it was used",
            problems=problems,
        )
    return out


def template(form: Form) -> str:
    """A CSV to fill in: every manual and text row, its label as a comment above it."""
    lines = ["STT,value,note"]
    for row in form.rows:
        if row.kind in ("manual", "text"):
            unit = f" ({row.unit})" if row.unit else ""
            lines.append(f"# {row.stt} {row.label}{unit}".replace("#  ", "# "))
            lines.append(f"{row.ref},,")
    return "\r\n".join(lines) + "\r\n"
