"""Closed vocabularies of union finance, with Vietnamese labels for people.

Invariants:
- Every enum is a ``StrEnum`` whose member name equals its value, a stable English identifier
  (``WelfareKind.tet_support == "tet_support"``): values are stored in events and policy files,
  so a value is never renamed or reused (add a new member instead).
- Every member has a Vietnamese label (``.label_vi``, shown to users) and an English one
  (``.label_en``); the unit tests check that no label is missing.
- Values of different enums may coincide (``"other"``), so labels are looked up per enum class.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class _Labelled(StrEnum):
    """Base for enums whose members carry a Vietnamese and an English label."""

    @property
    def label_vi(self) -> str:
        return _LABELS[type(self)][self.value][0]

    @property
    def label_en(self) -> str:
        return _LABELS[type(self)][self.value][1]


class WelfareKind(_Labelled):
    """Welfare catalogue (chăm lo, phúc lợi cho đoàn viên, người lao động)."""

    tet_support = "tet_support"
    gift = "gift"
    sickness_visit = "sickness_visit"
    serious_illness = "serious_illness"
    work_accident = "work_accident"
    hardship_regular = "hardship_regular"
    hardship_sudden = "hardship_sudden"
    bereavement = "bereavement"
    housing_build = "housing_build"
    housing_repair = "housing_repair"
    rent_support = "rent_support"
    loan = "loan"  # disbursements, repayments and write-offs are recorded on a loan book
    job_loss_support = "job_loss_support"
    recuperation = "recuperation"
    children_support = "children_support"
    scholarship = "scholarship"
    health_insurance_relative = "health_insurance_relative"
    partner_discount = "partner_discount"  # value members gained; no cash from union funds
    other_welfare = "other_welfare"


# Kinds whose amount is value gained by members, not money paid out of union funds
# (Phụ lục 01 item 1.5: partner products and the value in million đồng).
NON_CASH_WELFARE: Final = frozenset({WelfareKind.partner_discount})
# Kinds whose money movements live on a separate book (loan disbursement, repayment, write-off).
SEPARATE_BOOK_WELFARE: Final = frozenset({WelfareKind.loan})
# Kinds a union pays to every member for one collective occasion (Tết support, gifts for Tết,
# 8/3, 1/5, 2/9...): an officer who gets one like every other member got it is drawing a
# member's entitlement. Every other kind answers one person's need or event (sickness,
# hardship, bereavement, housing, a scholarship...) and is never "what everyone got".
COLLECTIVE_WELFARE: Final = frozenset({WelfareKind.tet_support, WelfareKind.gift})


class SpendingCategory(_Labelled):
    """Spending categories of a finance report (nội dung chi)."""

    welfare = "welfare"
    representation = "representation"
    salaries = "salaries"
    administration = "administration"
    movement = "movement"
    other = "other"


class IncomeSource(_Labelled):
    """Sources of union income (nguồn thu)."""

    dues = "dues"
    union_fee = "union_fee"
    donation = "donation"
    upper_allocation = "upper_allocation"
    partner_programme = "partner_programme"
    other = "other"


class Relation(_Labelled):
    """A beneficiary's relation to the member (thân nhân)."""

    child = "child"
    parent = "parent"
    spouse = "spouse"


class HouseholdStatus(_Labelled):
    """Household poverty status (priority targets of welfare)."""

    none = "none"
    near_poor = "near_poor"
    poor = "poor"


class Role(_Labelled):
    """Roles of people who use the ledger."""

    finance_officer = "finance_officer"
    chair = "chair"
    inspector = "inspector"
    reporter = "reporter"
    admin = "admin"
    # The members' portal (the API/web server): signs, with its own service key, what a
    # member says after logging in with their number and PIN (disputes, receipt
    # confirmations). Never an officer's key; it can sign nothing else.
    portal = "portal"


class FundingSource(_Labelled):
    """Where the money of a welfare payout comes from (nguồn chi)."""

    union_fund = "union_fund"
    upper_support = "upper_support"
    donation = "donation"
    partner = "partner"
    social_fund = "social_fund"


_LABELS: Final[dict[type[_Labelled], dict[str, tuple[str, str]]]] = {
    WelfareKind: {
        "tet_support": ("Hỗ trợ Tết", "Tết support"),
        "gift": ("Tặng quà", "Gift"),
        "sickness_visit": ("Thăm hỏi ốm đau", "Sickness visit"),
        "serious_illness": ("Hỗ trợ bệnh hiểm nghèo", "Serious illness support"),
        "work_accident": (
            "Tai nạn lao động, bệnh nghề nghiệp",
            "Work accident or occupational disease",
        ),
        "hardship_regular": ("Trợ cấp khó khăn thường xuyên", "Regular hardship allowance"),
        "hardship_sudden": ("Trợ cấp khó khăn đột xuất", "Sudden hardship allowance"),
        "bereavement": ("Phúng viếng", "Bereavement"),
        "housing_build": ("Mái ấm Công đoàn – xây mới", "Union home – new build"),
        "housing_repair": ("Mái ấm Công đoàn – sửa chữa", "Union home – repair"),
        "rent_support": ("Hỗ trợ tiền thuê nhà", "Rent support"),
        "loan": ("Cho vay vốn", "Loan"),
        "job_loss_support": (
            "Hỗ trợ giảm giờ làm, mất việc làm",
            "Reduced hours or job loss support",
        ),
        "recuperation": ("Nghỉ dưỡng, điều dưỡng", "Recuperation and holidays"),
        "children_support": ("Hỗ trợ con đoàn viên", "Support for members' children"),
        "scholarship": ("Học bổng", "Scholarship"),
        "health_insurance_relative": (
            "Thẻ BHYT cho thân nhân",
            "Health-insurance card for a relative",
        ),
        "partner_discount": ("Ưu đãi từ đối tác", "Partner discount"),
        "other_welfare": ("Phúc lợi khác", "Other welfare"),
    },
    SpendingCategory: {
        "welfare": ("Chăm lo, phúc lợi đoàn viên", "Member care and welfare"),
        "representation": ("Đại diện, bảo vệ", "Representation and protection"),
        "salaries": ("Lương, phụ cấp", "Salaries and allowances"),
        "administration": ("Quản lý hành chính", "Administration"),
        "movement": ("Phong trào", "Movement activities"),
        "other": ("Chi khác", "Other spending"),
    },
    IncomeSource: {
        "dues": ("Đoàn phí công đoàn", "Member dues"),
        "union_fee": ("Kinh phí công đoàn (2%)", "Employer union fee (2%)"),
        "donation": ("Tài trợ, ủng hộ", "Donation"),
        "upper_allocation": ("Cấp trên hỗ trợ", "Allocation from the upper level"),
        "partner_programme": ("Chương trình đối tác", "Partner programme"),
        "other": ("Thu khác", "Other income"),
    },
    Relation: {
        "child": ("Con", "Child"),
        "parent": ("Cha, mẹ", "Parent"),
        "spouse": ("Vợ, chồng", "Spouse"),
    },
    HouseholdStatus: {
        "none": ("Không thuộc diện nghèo", "Not poor or near-poor"),
        "near_poor": ("Hộ cận nghèo", "Near-poor household"),
        "poor": ("Hộ nghèo", "Poor household"),
    },
    Role: {
        "finance_officer": ("Kế toán", "Finance officer"),
        "chair": ("Chủ tịch", "Chair"),
        "inspector": ("Ủy ban kiểm tra", "Inspection committee"),
        "reporter": ("Báo cáo", "Reporter"),
        "admin": ("Quản trị", "Administrator"),
        "portal": ("Cổng thông tin đoàn viên", "Members' portal"),
    },
    FundingSource: {
        "union_fund": ("Quỹ công đoàn", "Union fund"),
        "upper_support": ("Cấp trên hỗ trợ", "Upper-level support"),
        "donation": ("Tài trợ, ủng hộ", "Donation"),
        "partner": ("Đối tác", "Partner"),
        "social_fund": ("Quỹ xã hội, từ thiện", "Social or charity fund"),
    },
}
