"""A month's dues from the payroll file: every line checked as the ledger will check it, no writes.

Used by the web dues page (its preview) and by `phucloi record collection dues --file`, so
both list every line in error of a file at once, each with its own errors.

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
- The file is read by `ledger.payroll` (`read_rows`, `parse_lines`), the same reader as
  `phucloi record collection dues --file`: columns found by header, in Vietnamese or English,
  accents, case and a bracketed unit ignored: member (mã đoàn viên), salary_basis (lương
  đóng BHXH), and optionally amount (đoàn phí).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from pydantic import ValidationError

from ledger.application import Ledger
from ledger.domain.commands import DuesLine
from ledger.domain.errors import validation_en, validation_vi
from ledger.domain.money import format_dong
from ledger.domain.periods import parse_period
from ledger.domain.policy import expected_dues
from ledger.domain.rules import check_salary_basis
from ledger.domain.units import Unit, dues_collected
from ledger.payroll import (
    MAX_BYTES,
    MAX_LINES,
    Line,
    PayrollError,
    Sheet,
    parse_lines,
    read_rows,
)

MONTH: Final = re.compile(r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")
TYPED_MONTH: Final = re.compile(r"^(0?[1-9]|1[0-2])/((19|20)[0-9]{2})$")


def month_of(typed: str) -> str:
    """The month as the ledger signs it (YYYY-MM) from what the officer typed: mm/yyyy or
    m/yyyy, as every other month field of the pages takes it, or YYYY-MM; anything else is
    returned as typed, for `preview` to refuse."""
    typed = typed.strip()
    found = TYPED_MONTH.match(typed)
    return f"{found.group(2)}-{int(found.group(1)):02d}" if found else typed


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


# --- checking against the ledger ------------------------------------------------------------------


def preview(
    ledger: Ledger, *, unit: str, month: str, effective_date: date, lines: list[Line]
) -> Preview:
    """Check every line as the ledger will; nothing is written."""
    month = month_of(month)
    result = Preview(
        unit=unit, month=month, effective_date=effective_date.isoformat(), policy=None, lines=lines
    )
    if not MONTH.match(month):
        result.problems.append(
            (
                "Tháng đóng phải có dạng mm/yyyy, ví dụ 03/2025",
                "The month must look like mm/yyyy, e.g. 03/2025",
            )
        )
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
        implausible = check_salary_basis("line", line.member, line.salary_basis, member)
        if refused:
            line.errors.extend(refused)
        elif implausible is not None:
            line.errors.append((implausible.vi, implausible.en))
        elif line.amount != line.expected:
            line.errors.append(
                (
                    f"đoàn phí phải là {format_dong(line.expected)} theo quy chế {policy.version}",
                    f"dues must be {line.expected} under policy {policy.version}",
                )
            )
    return result


__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "Line",
    "PayrollError",
    "Preview",
    "Sheet",
    "parse_lines",
    "preview",
    "read_rows",
]
