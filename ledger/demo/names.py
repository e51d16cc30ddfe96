"""Vietnamese personal and company names for the demo province (deterministic from an RNG).

Invariant: only `random.Random` draws, in a fixed order, so a seed always gives the same
people. Frequencies follow the usual shape (Nguyễn far ahead, then Trần, Lê, Phạm...).
"""

from __future__ import annotations

import random

FAMILY = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 3),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trương", 1),
    ("Lâm", 1),
    ("Mai", 1),
)
MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bảo", "Hồng")
MIDDLE_M = ("Văn", "Văn", "Văn", "Minh", "Quốc", "Hữu", "Đức", "Thanh", "Công", "Hoàng")
GIVEN_F = (
    "Lan",
    "Hương",
    "Mai",
    "Hoa",
    "Linh",
    "Trang",
    "Thảo",
    "Nhung",
    "Hằng",
    "Phương",
    "Vy",
    "Yến",
    "Ngân",
    "Hạnh",
    "Dung",
    "Thủy",
    "Loan",
    "Tuyết",
    "Nga",
    "Diễm",
    "Oanh",
    "Trinh",
    "Hiền",
    "My",
    "Quyên",
    "Nhi",
    "Châu",
    "Kiều",
    "Thơ",
    "Liên",
)
GIVEN_M = (
    "Hùng",
    "Dũng",
    "Nam",
    "Tuấn",
    "Minh",
    "Phong",
    "Khoa",
    "Long",
    "Hải",
    "Sơn",
    "Thắng",
    "Bình",
    "Tài",
    "Lộc",
    "Phúc",
    "Trung",
    "Vinh",
    "Toàn",
    "Hiếu",
    "Khang",
    "Quân",
    "Tâm",
    "Nghĩa",
    "Cường",
    "Đạt",
    "Thịnh",
    "Huy",
    "Kiên",
    "Tín",
    "Bảo",
)
COMPANY_STEMS = (
    "Sông Bé",
    "Thuận An",
    "Tân Uyên",
    "Bến Cát",
    "Phú Giáo",
    "Dầu Tiếng",
    "Lái Thiêu",
    "Mỹ Phước",
    "Bình An",
    "Tân Đông Hiệp",
    "Việt Hưng",
    "Phước Thành",
    "Hòa Lợi",
    "An Điền",
    "Sóng Thần",
    "Đồng An",
    "Nam Tân Uyên",
    "Bàu Bàng",
    "Việt Thắng",
    "Minh Hưng",
)
INDUSTRIES = (
    "May mặc",
    "Gỗ",
    "Giày da",
    "Điện tử",
    "Thực phẩm",
    "Cơ khí",
    "Bao bì",
    "Nhựa",
    "Gốm sứ",
    "Dệt",
    "Thép",
    "Hóa chất",
)
SUPPLIERS = (
    "Công ty TNHH Thực phẩm Hòa Bình",
    "HTX Bánh kẹo Phú Hòa",
    "Siêu thị Co.opmart Bình Dương",
    "Công ty CP Hàng tiêu dùng Minh Tâm",
)
BANKS = ("VCB", "BIDV", "ICB", "VBA", "TCB", "ACB", "MB", "SCB")  # codes of ledger.banks


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def full_name(rng: random.Random, *, female: bool, family: str | None = None) -> str:
    fam = family or _weighted(rng, FAMILY)
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{fam} {middle} {given}"


def citizen_id(rng: random.Random, *, female: bool, born: int) -> str:
    """A 12-digit CCCD: province 074 (Bình Dương), gender-century digit, year, serial."""
    century = (0 if born < 2000 else 2) + (1 if female else 0)
    return f"074{century}{born % 100:02d}{rng.randrange(10**6):06d}"


def bank_account(rng: random.Random) -> str:
    return f"{rng.choice(BANKS)}:{rng.randrange(10**11, 10**12)}"


def company(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """(company name, industry), unique within `used`."""
    while True:
        industry = rng.choice(INDUSTRIES)
        name = f"Công ty TNHH {industry} {rng.choice(COMPANY_STEMS)}"
        if name not in used:
            used.add(name)
            return name, industry
