"""`phucloi import FILE --as OFFICER [--dry-run]`: many commands from one file, ONE batch.

The whole file is submitted as one atomic batch (`Ledger.submit_batch`): either every command
is stored or none is. Each refusal is reported against the file as
``dòng N, trường F: <tiếng Việt> / <English>`` and the command exits with status 1; the
heading counts the file's lines in error (a dues group's bad lines each count).
`--dry-run` runs every check of the ledger and stores nothing. An unsigned line without a
`command_id` gets one made from what it records (`row_command_id`): the same file imported
again, or a line repeated within it, is refused naming the line, never recorded twice.

File format is chosen by extension: ``.jsonl``, or ``.csv`` and ``.txt`` (the name Excel
gives its "Unicode Text", tab-separated) read as CSV. Text is UTF-8 (with or without a BOM)
or UTF-16 with its BOM (Excel's "Unicode Text"); a file in another encoding (an old
Windows-1258 or TCVN3 export) is refused with the line of the first byte that is not UTF-8,
never read as something else. CSV cells are separated by commas, semicolons (Excel where the
decimal mark is a comma, as in Vietnamese) or tabs: the most frequent of them in the header
(`ledger.textfiles.csv_delimiter`, as for manual report rows and the web payroll upload).

JSONL (one JSON object per line; blank lines are skipped; line numbers are the file's own):

* a pre-signed item, passed to the ledger as is (signed elsewhere, e.g. by another officer)::

    {"command": {...}, "signature": "...", "openings": {...}, "cosignatures": [...]}

* an unsigned request, signed with the key of ``--as``::

    {"type": "member.join", "unit": "G1", "effective_date": "2025-03-01",
     "body": {"member": "DV001", "salary_basis": 6000000},
     "personal": {"full_name": "Nguyễn Văn An", "citizen_id": "079123456789",
                  "date_of_birth": "1990-05-17"},
     "command_id": "optional UUID, for idempotent retries"}

  ``type`` is any command type of ``ledger.domain.commands.COMMANDS``; ``body`` holds that
  type's fields exactly (money as integer đồng); ``personal`` holds the plain personal values
  (signed as salted commitments, sealed under the member's key). ``unit``,
  ``effective_date`` (default: today), ``personal`` and ``command_id`` are optional.

CSV (first row is the header; empty rows are skipped):

* columns ``type``, ``unit``, ``effective_date`` (YYYY-MM-DD or dd/mm/yyyy; empty = today),
  optional ``command_id``;
* body fields as columns, nested fields flattened with dots: ``member``, ``kind``,
  ``amount``, ``occasion``, ``in_kind.item``, ``in_kind.quantity``, ``override.justification``…
* personal fields as ``personal.<name>`` columns: ``personal.full_name``,
  ``personal.citizen_id``, ``personal.date_of_birth``, ``personal.bank_account``
  (``BANK:NUMBER``), ``personal.household``, ``personal.household_status``,
  ``personal.reason``, ``personal.payee_account``;
* empty cells are omitted, so one header can serve rows of different types;
* ``amount``, ``salary_basis``, ``payroll``, ``unit_cost`` are amounts in đồng and may be
  written ``1250000`` or ``1.250.000``; ``quantity``, ``participants``, ``term_months``,
  ``interest_bp`` are whole numbers; ``await_approval`` is true/false;
* special row type ``collection.dues.line`` (columns ``unit``, ``effective_date``, ``month``
  YYYY-MM, ``member``, ``salary_basis``, optional ``amount``): consecutive rows with the same
  (unit, month) become ONE ``collection.dues`` command; an empty ``amount`` is computed from
  the policy in force on the first day of the month. A refused dues line is reported with
  its own CSV line number.

Example (CSV)::

    type,unit,effective_date,member,salary_basis,month,amount,personal.full_name,personal.citizen_id,personal.date_of_birth
    member.join,G1,2025-03-01,DV001,6.000.000,,,Nguyễn Văn An,079123456789,1990-05-17
    collection.dues.line,G1,2025-03-31,DV001,6.000.000,2025-03,,,,
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger import clock
from ledger.application import Ledger
from ledger.canonical import CanonicalError, DuplicateKey, canonical_bytes, loads_strict
from ledger.cli.common import (
    JsonFlag,
    both,
    officer_signer,
    open_context,
    parse_day,
    print_receipts,
    usage,
)
from ledger.client import OfficerSigner, build, nfc, normalise_personal
from ledger.domain.errors import LedgerError
from ledger.domain.money import parse_dong
from ledger.domain.policy import Policy, expected_dues
from ledger.entries import values_present
from ledger.tables import ledger_entries
from ledger.textfiles import NotUtf8, csv_delimiter, read_text

MONEY_FIELDS = frozenset({"amount", "salary_basis", "payroll", "unit_cost"})
COUNT_FIELDS = frozenset({"quantity", "participants", "term_months", "interest_bp"})
BOOL_FIELDS = frozenset({"await_approval"})
ENVELOPE_FIELDS = ("type", "unit", "effective_date", "command_id")
REQUEST_KEYS = frozenset({*ENVELOPE_FIELDS, "body", "personal"})
DUES_LINE = "collection.dues.line"
DUES_LINE_COLUMNS = frozenset(
    {"unit", "effective_date", "month", "member", "salary_basis", "amount"}
)
_TRUE = {"true", "1", "yes", "y", "có", "co", "x"}
_FALSE = {"false", "0", "no", "n", "không", "khong"}
_LINE = re.compile(r"^line (\d+)(?::\s*(.*))?$")
DUES_LINE_FIELD = re.compile(r"^body\.lines\[(\d+)\](?:\.(.*))?$")

PolicyLookup = Callable[[str, date], Policy | None]


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong, located in the file."""

    line: int
    field: str
    vi: str
    en: str

    def text(self) -> str:
        where = f"dòng {self.line}" + (f", trường {self.field}" if self.field else "")
        return f"{where}: {both(self.vi, self.en)}"


@dataclass
class Entry:
    """One command of the batch and where it came from in the file."""

    line: int
    item: dict[str, Any] | None = None  # pre-signed, passed as is
    request: dict[str, Any] | None = None  # unsigned, signed with --as
    line_map: list[int] = field(default_factory=list)  # body.lines[i] -> file line
    csv: bool = False
    dues_key: tuple[str, str] | None = None
    row_id: str | None = None  # the command id made from the row (`row_command_id`)


# --- reading ---------------------------------------------------------------------------------


def _not_utf8(exc: NotUtf8) -> FileProblem:
    return FileProblem(
        exc.line,
        "",
        "tệp không phải UTF-8 (có thể là Windows-1258 hay TCVN3): hãy lưu lại dạng "
        "CSV UTF-8 (Excel: Lưu thành / Save As → CSV UTF-8)",
        "the file is not UTF-8: save it again as CSV UTF-8",
    )


def read_jsonl(path: Path) -> tuple[list[Entry], list[FileProblem]]:
    entries: list[Entry] = []
    problems: list[FileProblem] = []
    try:
        whole = read_text(path)
    except NotUtf8 as exc:
        return [], [_not_utf8(exc)]
    # Lines end at "\n" only: JSON text may hold U+2028 and other line breaks of str.splitlines.
    for lineno, text in enumerate(io.StringIO(whole), start=1):
        if not text.strip():
            continue
        try:
            obj = loads_strict(text)
        except DuplicateKey as exc:
            # RFC 8785 / I-JSON: never read as "the last one wins" (what would be signed)
            problems.append(
                FileProblem(
                    lineno,
                    exc.path,
                    f"khóa {exc.key!r} xuất hiện hai lần trong một đối tượng JSON",
                    f"the key {exc.key!r} appears twice in one JSON object",
                )
            )
            continue
        except RecursionError:
            problems.append(
                FileProblem(lineno, "", "JSON lồng quá sâu", "the JSON is nested too deeply")
            )
            continue
        except json.JSONDecodeError as exc:
            problems.append(FileProblem(lineno, "", "JSON không hợp lệ", f"invalid JSON: {exc}"))
            continue
        if not isinstance(obj, dict):
            problems.append(
                FileProblem(
                    lineno,
                    "",
                    "mỗi dòng phải là một đối tượng JSON",
                    "each line must be a JSON object",
                )
            )
            continue
        if "command" in obj:
            entries.append(Entry(lineno, item=obj))
            continue
        bad = False
        for key in obj:
            if key not in REQUEST_KEYS:
                problems.append(
                    FileProblem(lineno, str(key), "trường không được hỗ trợ", "unknown key")
                )
                bad = True
        if not isinstance(obj.get("type"), str):
            problems.append(FileProblem(lineno, "type", "thiếu loại lệnh", "type is required"))
            bad = True
        for key in ("body", "personal"):
            if key in obj and not isinstance(obj[key], dict):
                problems.append(
                    FileProblem(lineno, key, "phải là một đối tượng JSON", "must be a JSON object")
                )
                bad = True
        personal = obj.get("personal") or {}
        if isinstance(personal, dict):
            for k, v in personal.items():
                if v is not None and not isinstance(v, str):
                    problems.append(
                        FileProblem(lineno, f"personal.{k}", "phải là chuỗi", "must be a string")
                    )
                    bad = True
        if not bad:
            entries.append(Entry(lineno, request=obj))
    return entries, problems


def _convert(name: str, value: str) -> Any:
    """Typed value of a CSV cell; ValueError with a bilingual message."""
    if name in MONEY_FIELDS:
        return parse_dong(value)
    if name in COUNT_FIELDS:
        if not re.fullmatch(r"\d+", value):
            raise ValueError(f"phải là số nguyên / must be a whole number: {value!r}")
        return int(value)
    if name in BOOL_FIELDS:
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"phải là true hoặc false / must be true or false: {value!r}")
    return value


def _iso_day(value: str) -> str:
    try:
        return parse_day(value).isoformat()
    except ValueError:
        raise ValueError(
            f"ngày không hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy) / invalid date: {value!r}"
        ) from None


def _set_path(body: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = body
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ValueError(f"cột {path} xung đột với cột {part} / column conflicts with {part}")
        node = child
    node[parts[-1]] = value


def read_csv(path: Path, policy_for: PolicyLookup) -> tuple[list[Entry], list[FileProblem]]:
    entries: list[Entry] = []
    problems: list[FileProblem] = []
    try:
        text = read_text(path)
    except NotUtf8 as exc:
        return [], [_not_utf8(exc)]
    delimiter = csv_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [FileProblem(1, "", "tệp trống", "the file is empty")]
    if "type" not in header:
        return [], [
            FileProblem(
                1,
                "type",
                "thiếu cột type (các cột cách nhau bằng dấu phẩy, chấm phẩy hoặc tab)",
                "the header has no type column (cells separated by , ; or tab)",
            )
        ]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:  # which of the two cells would count? neither: the file is refused
        return [], [
            FileProblem(1, h, "cột lặp lại trong tiêu đề", "the column appears twice in the header")
            for h in repeated
        ]
    for row in reader:
        lineno = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(
                FileProblem(lineno, "", "nhiều ô hơn tiêu đề", "more cells than header columns")
            )
            continue
        cells = {h: c.strip() for h, c in zip(header, row, strict=False) if h and c.strip()}
        _read_row(lineno, cells, entries, problems, policy_for)
    return entries, problems


def _read_row(
    lineno: int,
    cells: dict[str, str],
    entries: list[Entry],
    problems: list[FileProblem],
    policy_for: PolicyLookup,
) -> None:
    type_ = cells.pop("type", None)
    if type_ is None:
        problems.append(FileProblem(lineno, "type", "thiếu loại lệnh", "type is required"))
        return
    found: list[FileProblem] = []
    if "effective_date" in cells:
        try:
            cells["effective_date"] = _iso_day(cells["effective_date"])
        except ValueError as exc:
            found.append(FileProblem(lineno, "effective_date", str(exc), str(exc)))
    if type_ == DUES_LINE:
        _read_dues_line(lineno, cells, entries, found, policy_for)
        problems += found
        return
    request: dict[str, Any] = {"type": type_, "body": {}, "personal": {}}
    for name, value in cells.items():
        try:
            if name in ENVELOPE_FIELDS:
                request[name] = value
            elif name.startswith("personal."):
                key = name[len("personal.") :]
                request["personal"][key] = _iso_day(value) if key == "date_of_birth" else value
            else:
                _set_path(request["body"], name, _convert(name.split(".")[-1], value))
        except (ValueError, TypeError) as exc:
            found.append(FileProblem(lineno, name, str(exc), str(exc)))
    if found:
        problems += found
        return
    entries.append(Entry(lineno, request=request, csv=True))


def _read_dues_line(
    lineno: int,
    cells: dict[str, str],
    entries: list[Entry],
    problems: list[FileProblem],
    policy_for: PolicyLookup,
) -> None:
    for name in cells:
        if name not in DUES_LINE_COLUMNS:
            problems.append(
                FileProblem(
                    lineno,
                    name,
                    f"cột không dùng cho {DUES_LINE}",
                    f"column not used by {DUES_LINE}",
                )
            )
    for name in ("unit", "month", "member", "salary_basis"):
        if name not in cells:
            problems.append(FileProblem(lineno, name, "thiếu giá trị", "value is required"))
    if problems:
        return
    month = cells["month"]
    if not re.fullmatch(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])", month):
        problems.append(
            FileProblem(lineno, "month", "tháng phải dạng YYYY-MM", "month must be YYYY-MM")
        )
        return
    line: dict[str, Any] = {"member": cells["member"]}
    for name in ("salary_basis", "amount"):
        if name in cells:
            try:
                line[name] = parse_dong(cells[name])
            except ValueError as exc:
                problems.append(FileProblem(lineno, name, str(exc), str(exc)))
    if problems:
        return
    unit = cells["unit"]
    if "amount" not in line:
        first_day = date(int(month[:4]), int(month[5:7]), 1)
        policy = policy_for(unit, first_day)
        if policy is None:
            problems.append(
                FileProblem(
                    lineno,
                    "amount",
                    f"không tính được đoàn phí: {unit} chưa có quy chế tháng {month}",
                    f"cannot compute dues: no policy in force for {unit} in {month}",
                )
            )
            return
        line["amount"] = expected_dues(policy, line["salary_basis"])
    key = (unit, month)
    last = entries[-1] if entries else None
    if last is not None and last.dues_key == key and last.request is not None:
        last.request["body"]["lines"].append(line)
        last.line_map.append(lineno)
        if "effective_date" not in last.request and "effective_date" in cells:
            last.request["effective_date"] = cells["effective_date"]
        return
    request: dict[str, Any] = {
        "type": "collection.dues",
        "unit": unit,
        "body": {"month": month, "lines": [line]},
    }
    if "effective_date" in cells:
        request["effective_date"] = cells["effective_date"]
    entries.append(Entry(lineno, request=request, line_map=[lineno], csv=True, dues_key=key))


# --- signing ---------------------------------------------------------------------------------


def sign_entries(
    entries: Sequence[Entry], signer: OfficerSigner | None
) -> tuple[list[dict[str, Any]], list[FileProblem]]:
    items: list[dict[str, Any]] = []
    problems: list[FileProblem] = []
    for entry in entries:
        if entry.item is not None:
            items.append(entry.item)
            continue
        req = entry.request
        assert req is not None and signer is not None
        personal: dict[str, str] = {}
        bad = False
        for key, value in (req.get("personal") or {}).items():
            if value is None:
                continue
            try:
                personal[key] = normalise_personal(key, value)
            except (ValueError, TypeError) as exc:
                vi, _, en = str(exc).partition(" / ")  # ledger.privacy says "vi / en"
                problems.append(FileProblem(entry.line, f"personal.{key}", vi, en or vi))
                bad = True
        if bad:
            continue
        try:
            command_id = req.get("command_id")
            if command_id is None:
                command_id = entry.row_id = row_command_id(req)
            items.append(
                build(
                    req["type"],
                    by=signer,
                    body=req.get("body") or {},
                    unit=req.get("unit"),
                    effective_date=req.get("effective_date"),
                    personal=personal or None,
                    command_id=command_id,
                )
            )
        except CanonicalError as exc:  # a float or an unsafe integer in the signed command
            where = csv_field(exc.path) if entry.csv else exc.path
            problems.append(FileProblem(entry.line, where, exc.vi, str(exc)))
        except (ValueError, TypeError) as exc:
            problems.append(FileProblem(entry.line, "", str(exc), str(exc)))
    return items, problems


# A fixed namespace: the same row gives the same command id in every file, on every machine.
ROW_NAMESPACE = uuid.UUID("6f1d3c1e-5a43-4c2b-9a0e-2f6a1b7c9d10")


def row_command_id(request: dict[str, Any]) -> str:
    """The command id of an unsigned row that names none: a UUIDv5 of what the row records
    (type, unit, effective date, body; never its personal data, which the id would expose),
    so the same row imported again, in this file or another, by this officer or another, is
    the same command, which `repeated_rows` refuses instead of recording it twice."""
    basis = {
        "type": request["type"],
        "unit": request.get("unit"),
        "effective_date": request.get("effective_date") or clock.today_vn().isoformat(),
        "body": nfc(request.get("body") or {}),
    }
    return str(uuid.uuid5(ROW_NAMESPACE, canonical_bytes(basis).decode("utf-8")))


def repeated_rows(ledger: Ledger, entries: Sequence[Entry]) -> list[FileProblem]:
    """Rows recorded already (the file imported before) and rows repeating an earlier row of
    the file: each is named, since recording it would pay or collect the same money twice.
    Two rows that really are two entries each give their own `command_id`."""
    problems: list[FileProblem] = []
    first: dict[str, int] = {}
    recorded = values_present(
        ledger.engine, ledger_entries.c.event_id, [e.row_id for e in entries if e.row_id]
    )
    for entry in entries:
        if entry.row_id is None:
            continue
        if entry.row_id in first:
            seen = first[entry.row_id]
            problems.append(
                FileProblem(
                    entry.line,
                    "",
                    f"trùng dòng {seen} (cùng loại, đơn vị, ngày và nội dung); nếu đúng là hai "
                    "khoản, ghi cho mỗi dòng một command_id riêng",
                    f"repeats line {seen} (same type, unit, date and content); if these really "
                    "are two entries, give each line its own command_id",
                )
            )
            continue
        first[entry.row_id] = entry.line
        if entry.row_id in recorded:
            problems.append(
                FileProblem(
                    entry.line,
                    "",
                    f"dòng này đã được nhập, thành bút toán {entry.row_id}; không ghi lại lần nữa",
                    f"this line was already imported, as entry {entry.row_id}; not recorded again",
                )
            )
    return problems


# --- mapping refusals back to the file ---------------------------------------------------------


def csv_field(path: str) -> str:
    """The CSV column a ledger field path refers to."""
    for prefix, repl in (
        ("body.personal.", "personal."),
        ("openings.", "personal."),
        ("body.", ""),
        ("command.", ""),
    ):
        if path.startswith(prefix):
            return repl + path[len(prefix) :]
    return path


def locate(exc: LedgerError, entries: Sequence[Entry]) -> list[FileProblem]:
    """Each problem of a refusal, at its file line and field."""
    batch = len(entries) > 1
    problems = exc.problems or []
    if not problems:
        if exc.code == "concurrent_write":
            return []  # the whole batch met other writers: no line of the file is at fault
        return [FileProblem(entries[0].line if entries else 0, "", exc.vi, exc.en)]
    out: list[FileProblem] = []
    for p in problems:
        index, rest = 1, p.field
        m = _LINE.match(p.field) if batch else None
        if m:
            index, rest = int(m.group(1)), m.group(2) or ""
        entry = entries[min(max(index, 1), len(entries)) - 1]
        line, where = entry.line, rest
        dm = DUES_LINE_FIELD.match(rest)
        if dm and entry.line_map and int(dm.group(1)) < len(entry.line_map):
            line = entry.line_map[int(dm.group(1))]
            where = (dm.group(2) or "") if entry.csv else rest
        elif entry.csv:
            where = csv_field(rest)
        out.append(FileProblem(line, where, p.vi, p.en))
    return sorted(out, key=lambda fp: fp.line)


def report(head_vi: str, head_en: str, problems: Sequence[FileProblem]) -> None:
    typer.echo(f"Lỗi / Error: {head_vi} / {head_en}", err=True)
    for fp in problems:
        typer.echo(f"  {fp.text()}", err=True)


# --- dry run -----------------------------------------------------------------------------------


class _DryRunVault:
    """Delegates to the real vault but keeps new person keys in memory, never stored."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._new: dict[str, bytes] = {}

    def create_key(self, person_id: str) -> bytes:
        existing = self.key_for(person_id)
        if existing is not None:
            return existing
        return self._new.setdefault(person_id, secrets.token_bytes(32))

    def key_for(self, person_id: str) -> bytes | None:
        if person_id in self._new:
            return self._new[person_id]
        key: bytes | None = self._real.key_for(person_id)
        return key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def check_only(ledger: Ledger, items: Sequence[dict[str, Any]]) -> None:
    """Run every check of `submit_batch` without saving; raise its refusal."""
    public = getattr(ledger, "check_batch", None)
    if callable(public):
        public(items)
        return
    # Fallback until the Ledger offers a public check: the same unit of work as submit_batch,
    # never saved; person keys of new members are kept in memory only.
    from ledger.application import Work, _batch_refused

    real_vault = ledger.vault
    ledger.vault = _DryRunVault(real_vault)  # type: ignore[assignment]
    try:
        work = Work(touched={}, metas={}, event_ids={}, receipts=[])
        failures: list[tuple[int, LedgerError]] = []
        for line, item in enumerate(items, start=1):
            try:
                ledger._one(work, item)
            except LedgerError as exc:
                failures.append((line, exc))
        if failures:
            raise _batch_refused(failures, single=len(items) == 1)
    finally:
        ledger.vault = real_vault


# --- the command -------------------------------------------------------------------------------


def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Tệp .jsonl, .csv hoặc .txt (Unicode Text của Excel, tách bằng tab) / a .jsonl, "
            ".csv or .txt file (Excel's Unicode Text, read as CSV).",
        ),
    ],
    as_: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="OFFICER",
            help="Cán bộ ký các dòng chưa ký (officer signing unsigned lines).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không ghi (check only, store nothing).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Nhập nhiều lệnh từ tệp JSONL/CSV trong MỘT lô: ghi tất cả hoặc không ghi gì (import
    commands from JSONL/CSV as ONE batch: all stored or none)."""
    suffix = file.suffix.lower()
    if suffix not in (".jsonl", ".csv", ".txt"):
        usage(f"FILE {file}: cần tệp .jsonl, .csv hoặc .txt / expected a .jsonl, .csv or .txt file")
    if not file.is_file():
        usage(f"FILE {file}: không tìm thấy tệp / file not found")

    def policy_for(unit: str, on: date) -> Policy | None:
        return open_context().ledger.policy_for(unit, on)

    try:
        if suffix == ".jsonl":
            entries, problems = read_jsonl(file)
        else:
            entries, problems = read_csv(file, policy_for)
    except (OSError, csv.Error) as exc:
        usage(f"FILE {file}: không đọc được tệp / cannot read the file: {exc}")
    if problems:
        report(
            "Tệp nhập có lỗi, không ghi dòng nào",
            "the file has errors, nothing stored",
            sorted(problems, key=lambda fp: fp.line),
        )
        raise typer.Exit(1)
    if not entries:
        usage(f"FILE {file}: không có lệnh nào / no commands in the file")
    signer = None
    if any(e.request is not None for e in entries):
        if not as_:
            usage(
                "--as: tệp có dòng chưa ký, cần cán bộ ký / the file has unsigned lines; "
                "give --as OFFICER"
            )
        signer = officer_signer(as_)
    items, problems = sign_entries(entries, signer)
    if problems:
        report(
            "Tệp nhập có lỗi, không ghi dòng nào", "the file has errors, nothing stored", problems
        )
        raise typer.Exit(1)
    ledger = open_context().ledger
    repeated = repeated_rows(ledger, entries)
    if repeated:
        n = len({fp.line for fp in repeated})
        report(
            f"Lô bị từ chối: {n} dòng đã nhập hoặc lặp lại, không ghi dòng nào",
            f"Batch refused: {n} line(s) imported before or repeated, nothing stored",
            repeated,
        )
        raise typer.Exit(1)
    try:
        if dry_run:
            check_only(ledger, items)
        else:
            receipts = ledger.submit_batch(items)
    except LedgerError as exc:
        located = locate(exc, entries)
        head_vi, head_en = exc.vi, exc.en
        if len(items) == 1:
            head_vi = f"Lô bị từ chối, không ghi dòng nào: {exc.vi}"
            head_en = f"batch refused, nothing stored: {exc.en}"
        elif exc.code == "batch_refused":
            # The ledger counts commands; a dues group is one command of many file lines.
            n = len({fp.line for fp in located})
            head_vi = f"Lô bị từ chối: {n} dòng lỗi, không ghi dòng nào"
            head_en = f"Batch refused: {n} line(s) in error, nothing stored"
        report(head_vi, head_en, located)
        raise typer.Exit(1) from None
    if dry_run:
        if as_json:
            typer.echo(json.dumps({"ok": True, "commands": len(items), "stored": 0}))
        else:
            typer.echo(
                f"Kiểm tra xong: {len(items)} lệnh hợp lệ, chưa ghi gì "
                f"(dry run: {len(items)} commands valid, nothing stored)"
            )
        return
    print_receipts(receipts, as_json=as_json, listed=True)
    if not as_json:
        typer.echo(
            f"Đã nhập {len(receipts)} lệnh trong một lô / stored {len(receipts)} commands "
            "in one batch"
        )
