"""What people read on the web pages: amounts, dates, percentages and labels, in two languages.

Invariants:
- Money is integer đồng and is shown as `1.250.000 đ` (dot thousands, no decimals) in both
  languages; a float never reaches these functions (`format_dong` refuses it).
- Dates are shown as dd/mm/yyyy in both languages; months as mm/yyyy; an instant (a time
  with its UTC offset, as the ledger stores them) as dd/mm/yyyy HH:MM, both in Vietnam's time
  (`ledger.clock.VIETNAM`), whatever offset it was stored with.
- Vietnamese is the default language; English is chosen with the `phucloi_lang` cookie. Every
  label is written once as a (Vietnamese, English) pair, never looked up by a key that could
  be missing: `pick(lang, vi, en)`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final

from ledger.clock import VIETNAM, readable
from ledger.domain.catalogue import IncomeSource, Relation, Role, SpendingCategory, WelfareKind
from ledger.domain.money import format_dong
from ledger.projections.queries.history import LOAN_MOVES
from ledger.textfiles import fold

LANGS: Final = ("vi", "en")

STATUS: Final[dict[str, tuple[str, str]]] = {
    "paid": ("Đã chi", "Paid"),
    "collected": ("Đã thu", "Collected"),
    "pending": ("Chờ Chủ tịch duyệt", "Waiting for the chair"),
    "refused": ("Bị từ chối", "Refused"),
    "recorded": ("Đã ghi", "Recorded"),
    "reversed": ("Đã đảo", "Reversed"),
    "remitted": ("Đã nộp cấp trên", "Remitted upward"),
}

MEMBER_STATUS: Final[dict[str, tuple[str, str]]] = {
    "active": ("đang sinh hoạt", "active"),
    "left": ("đã thôi sinh hoạt", "left the union"),
    "deceased": ("đã từ trần", "deceased"),
    "transferred": ("đã chuyển sinh hoạt", "transferred"),
}

FLOWS: Final[dict[str, tuple[str, str]]] = {
    "income": ("Đoàn phí", "Dues"),
    "welfare": ("Phúc lợi", "Benefit"),
    "non_cash": ("Ưu đãi", "Discount"),
    "loan": ("Vay vốn", "Loan"),
    "spending": ("Chi", "Spending"),
}

COMMAND_TYPES: Final[dict[str, tuple[str, str]]] = {
    "payout.record": ("Chi phúc lợi", "Welfare payout"),
    "collection.dues": ("Thu đoàn phí", "Dues collection"),
    "collection.union_fee": ("Thu kinh phí 2%", "Union fee (2%)"),
    "union_fee.relief": (
        "Quyết định miễn, giảm, tạm dừng đóng kinh phí 2%",
        "Union fee exemption, reduction or suspension",
    ),
    "collection.other": ("Thu khác", "Other income"),
    "expense.record": ("Chi hoạt động", "Spending"),
    "remittance.record": ("Nộp cấp trên", "Remittance"),
    "loan.disburse": ("Giải ngân vay", "Loan disbursement"),
    "loan.repay": ("Thu nợ vay", "Loan repayment"),
    "loan.write_off": ("Xóa nợ vay", "Loan write-off"),
    "reversal.record": ("Đảo bút toán", "Reversal"),
    "approval.decide": ("Duyệt khoản chi", "Approval"),
    "member.join": ("Kết nạp đoàn viên", "Member joined"),
    "member.transfer": ("Chuyển sinh hoạt", "Member transferred"),
    "member.leave": ("Thôi sinh hoạt", "Member left"),
    "member.death": ("Đoàn viên từ trần", "Member died"),
    "member.household": ("Cập nhật hộ gia đình", "Household updated"),
    "member.relative": ("Thêm thân nhân", "Relative added"),
    "member.salary": ("Đổi lương đóng đoàn phí", "Salary basis changed"),
    "member.erase": ("Xóa dữ liệu cá nhân", "Personal data erased"),
    "member.erase_relative": (
        "Xóa dữ liệu cá nhân của thân nhân",
        "Relative's personal data erased",
    ),
    "ledger.genesis": ("Khởi tạo sổ cái", "Ledger created"),
    "unit.register": ("Đăng ký đơn vị", "Unit registered"),
    "unit.rename": ("Đổi tên đơn vị", "Unit renamed"),
    "unit.move": ("Chuyển đơn vị", "Unit moved"),
    "unit.dissolve": ("Giải thể đơn vị", "Unit dissolved"),
    "policy.adopt": ("Ban hành quy chế", "Policy adopted"),
    "officer.register": ("Đăng ký cán bộ", "Officer registered"),
    "officer.link_member": ("Gắn hồ sơ đoàn viên", "Officer linked to member"),
    "officer.grant": ("Giao vai trò", "Role granted"),
    "officer.revoke_role": ("Thu hồi vai trò", "Role revoked"),
    "officer.rotate_key": ("Thay khóa", "Key rotated"),
    "officer.revoke_key": ("Thu hồi khóa", "Key revoked"),
    "member.dispute": ("Phản ánh", "Dispute"),
    "member.confirm_receipt": ("Xác nhận đã nhận", "Receipt confirmed"),
    "finding.resolve": ("Kết luận dấu hiệu", "Finding judged"),
}

RELIEF_KINDS: Final[dict[str, tuple[str, str]]] = {
    "exempt": ("Miễn đóng", "Exempted"),
    "suspended": ("Tạm dừng đóng (tối đa 12 tháng)", "Suspended (at most 12 months)"),
    "reduced": ("Giảm tỷ lệ đóng", "Reduced rate"),
}

DISPUTE_REASONS: Final[dict[str, tuple[str, str]]] = {
    "not_received": ("Tôi chưa nhận được khoản này", "I never received this"),
    "amount_differs": ("Số tiền nhận được khác", "The amount I received was different"),
    "not_mine": ("Khoản này không phải của tôi", "This entry is not mine"),
    "other": ("Lý do khác", "Another reason"),
}

SEVERITIES: Final[dict[str, tuple[str, str]]] = {
    "high": ("Cao", "High"),  # as the inspection report and `audit detect` say it
    "medium": ("Trung bình", "Medium"),
    "low": ("Thấp", "Low"),
}


# The labels the pages' forms give the fields a refusal names (`problem.field`): a page never
# shows a field's internal path.
FIELDS: Final[dict[str, tuple[str, str]]] = {
    "text": ("Nội dung phản ánh", "What you wrote"),
    "reason": ("Lý do phản ánh", "Reason"),
    "entry": ("Bút toán", "Entry"),
    "request_id": (
        "Mã biểu mẫu (tải lại trang rồi gửi lại)",
        "Form id (reload the page and send again)",
    ),
    "period": ("Kỳ báo cáo", "Period"),
    "unit": ("Đơn vị", "Unit"),
    "month": ("Tháng", "Month"),
    "effective_date": ("Ngày", "Date"),
    "command.effective_date": ("Ngày", "Date"),
    "on": ("Ngày", "Date"),
    "member": ("Đoàn viên", "Member"),
    "kind": ("Khoản phúc lợi", "Welfare kind"),
    "csrf": ("Biểu mẫu", "Form"),
    "payroll": ("Bảng lương", "Payroll"),
    "format": ("Định dạng tệp", "File format"),
    "form": ("Biểu mẫu báo cáo", "Report form"),
}


def field_label(lang: str, field_: str | None) -> str:
    """The form's label of a field path, or "" when the page has none to show."""
    pair = FIELDS.get(field_ or "")
    return pick(lang, *pair) if pair else ""


def pick(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


def money(amount: Any) -> str:
    """`1250000` → `1.250.000 đ`; None → an em dash."""
    if amount is None or amount == "":
        return "—"
    return format_dong(amount)


def _instant(value: date | datetime | str) -> datetime | None:
    """An ISO time with its UTC offset (or an aware datetime) in Vietnam's time, else None."""
    if isinstance(value, str) and len(value) > 10:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(VIETNAM)
    return None


def day(value: date | datetime | str | None) -> str:
    """An ISO date, date or datetime → dd/mm/yyyy (empty for None); an instant's date is the
    date in Vietnam."""
    if value is None or value == "":
        return ""
    instant = _instant(value)
    if instant is not None:
        return instant.strftime("%d/%m/%Y")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def moment(value: date | datetime | str | None) -> str:
    """An instant (`2026-11-22T11:24:26+00:00`) → `22/11/2026 18:24`, Vietnam's time; anything
    else as `day` shows it."""
    if value is None or value == "":
        return ""
    instant = _instant(value)
    return instant.strftime("%d/%m/%Y %H:%M") if instant is not None else day(value)


def instants(message: str | None) -> str:
    """Every ISO instant written in a message (`lúc 2025-09-15T07:00:00+00:00`) in Vietnam's
    time, dd/mm/yyyy HH:MM (with the seconds when there are any), every ISO date as
    dd/mm/yyyy: `ledger.clock.readable`, as `audit verify` and the report write them."""
    return readable(message)


def count(value: Any) -> str:
    """A count with the Vietnamese thousands dot: 4301 → `4.301`."""
    if value is None or value == "":
        return "0"
    return f"{int(value):,}".replace(",", ".")


_DMY: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_day(value: str) -> date | None:
    """A date typed as dd/mm/yyyy or d/m/yyyy (as the command line reads it), or ISO
    yyyy-mm-dd; None when it is not a real date."""
    value = value.strip()
    try:
        dmy = _DMY.fullmatch(value)
        if dmy is not None:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def month(value: str | None) -> str:
    """`2025-03` → `03/2025`."""
    if not value:
        return ""
    year, _, mm = value.partition("-")
    return f"{mm}/{year}" if mm else value


def percent(bp: int | None, lang: str = "vi") -> str:
    """Basis points as a percentage with the language's decimal mark: 6050 → `60,5%`."""
    if bp is None:
        return "—"
    whole, frac = divmod(int(bp), 100)
    if frac == 0:
        return f"{whole}%"
    mark = "." if lang == "en" else ","
    return f"{whole}{mark}{frac:02d}".rstrip("0") + "%"


def label(kind: str, value: str | None, lang: str) -> str:
    """The label of a catalogue value (welfare kind, category, source, role, status...)."""
    if value is None:
        return ""
    enums = {
        "welfare": WelfareKind,
        "category": SpendingCategory,
        "source": IncomeSource,
        "role": Role,
        "relation": Relation,
    }
    if kind in enums:
        try:
            member = enums[kind](value)
        except ValueError:
            return value
        return pick(lang, member.label_vi, member.label_en)
    table = {
        "status": STATUS,
        "member_status": MEMBER_STATUS,
        "flow": FLOWS,
        "command": COMMAND_TYPES,
        "reason": DISPUTE_REASONS,
        "severity": SEVERITIES,
        "loan": LOAN_MOVES,
        "relief": RELIEF_KINDS,
    }.get(kind, {})
    pair = table.get(value)
    return pick(lang, *pair) if pair else value


def relief_words(body: dict[str, Any]) -> tuple[str, str]:
    """An employer's union fee decision (a `union_fee.relief` body) as a chair reads it: who
    decided, for which employer, what and for which months."""
    span = f"{month(body['from_month'])}–{month(body['to_month'])}"
    employer = body["employer"]
    if body["kind"] == "exempt":
        vi = f"{employer} được miễn đóng kinh phí công đoàn các tháng {span}"
        en = f"{employer} is exempted from the union fee for {span}"
    elif body["kind"] == "suspended":
        vi = f"{employer} được tạm dừng đóng kinh phí công đoàn các tháng {span}"
        en = f"{employer} has its union fee suspended for {span}"
    else:
        vi_rate, en_rate = (percent(body.get("rate_bp"), lang) for lang in ("vi", "en"))
        vi = f"{employer} được giảm kinh phí công đoàn còn {vi_rate} quỹ lương các tháng {span}"
        en = f"{employer} has its union fee reduced to {en_rate} of the payroll for {span}"
    return (
        f"quyết định {body['decision_number']} của {body['issuer']} ({vi})",
        f"decision {body['decision_number']} of {body['issuer']} ({en})",
    )


__all__ = [
    "LANGS",
    "day",
    "fold",
    "label",
    "money",
    "month",
    "parse_day",
    "percent",
    "pick",
    "relief_words",
]
