"""Vietnamese banks: every spelling of a bank in everyday use, mapped to one code.

A bank account is blind-indexed as ``CODE:NUMBER`` (ledger.privacy), so one bank must have one
code: ``VCB``, ``Vietcombank``, ``Ngân hàng TMCP Ngoại thương Việt Nam`` and the NAPAS BIN
``970436`` are the same account prefix, or rule 7 (one account behind several members) and
rule 6's bank tie are escaped by spelling the bank another way.

Source: the VietQR bank list (NAPAS 247 participants, https://api.vietqr.io/v2/banks): its
``code`` is the code kept here, with its ``bin`` (the 6-digit NAPAS BIN), ``shortName`` and
Vietnamese ``name``; added by hand are the HOSE/HNX/UPCoM stock tickers (VCB, BID, CTG,
MBB...), other short names in common use (AGRIBANK, VBARD) and the names the banks took in the
2023-2025 renames (LPBank, BVBank, MBV, VCBNeo, Vikki). A bank that is not here is refused at
write time (`canonical_bank`): add its row, never let a second spelling through.

Invariants:
- `fold` is how every spelling is compared: accents dropped (đ as d), letters upper-cased,
  everything but A-Z and 0-9 removed, then a leading "NGANHANG" and a legal form ("TMCP",
  "THUONGMAICOPHAN", "TNHHMTV", "TNHH", "TM") removed; so "Ngân hàng TMCP Á Châu", "á châu"
  and "A-CHAU" are one spelling.
- Every spelling (code, BIN, short names, full name, with and without a trailing "VIETNAM")
  belongs to one bank only: `SPELLINGS` is checked for clashes when the module loads.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from ledger.textfiles import fold as text_fold

__all__ = ["BANKS", "SPELLINGS", "Bank", "canonical_bank", "fold"]


class Bank(NamedTuple):
    code: str  # the VietQR code: what the ledger keeps
    bin: str  # NAPAS BIN
    name: str  # Vietnamese name, as VietQR lists it
    aliases: tuple[str, ...] = ()  # short names, tickers, former and new names


BANKS: tuple[Bank, ...] = (
    Bank("VCB", "970436", "Ngân hàng TMCP Ngoại Thương Việt Nam", ("Vietcombank",)),
    Bank("ICB", "970415", "Ngân hàng TMCP Công thương Việt Nam", ("VietinBank", "CTG", "VTB")),
    Bank("BIDV", "970418", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", ("BID",)),
    Bank(
        "VBA",
        "970405",
        "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
        ("Agribank", "AGRI", "VBARD"),
    ),
    Bank("TCB", "970407", "Ngân hàng TMCP Kỹ thương Việt Nam", ("Techcombank",)),
    Bank("MB", "970422", "Ngân hàng TMCP Quân đội", ("MBBank", "MBB")),
    Bank("ACB", "970416", "Ngân hàng TMCP Á Châu", ()),
    Bank("VPB", "970432", "Ngân hàng TMCP Việt Nam Thịnh Vượng", ("VPBank",)),
    Bank("TPB", "970423", "Ngân hàng TMCP Tiên Phong", ("TPBank",)),
    Bank("STB", "970403", "Ngân hàng TMCP Sài Gòn Thương Tín", ("Sacombank",)),
    Bank("HDB", "970437", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh", ("HDBank",)),
    Bank("VIB", "970441", "Ngân hàng TMCP Quốc tế Việt Nam", ()),
    Bank("SHB", "970443", "Ngân hàng TMCP Sài Gòn - Hà Nội", ()),
    Bank("EIB", "970431", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam", ("Eximbank",)),
    Bank("MSB", "970426", "Ngân hàng TMCP Hàng Hải Việt Nam", ("Maritime Bank",)),
    Bank("OCB", "970448", "Ngân hàng TMCP Phương Đông", ("Orient Commercial Bank",)),
    Bank(
        "LPB",
        "970449",
        "Ngân hàng TMCP Lộc Phát Việt Nam",
        ("LPBank", "LienVietPostBank", "Ngân hàng TMCP Bưu Điện Liên Việt"),
    ),
    Bank("SEAB", "970440", "Ngân hàng TMCP Đông Nam Á", ("SeABank", "SSB")),
    Bank("SCB", "970429", "Ngân hàng TMCP Sài Gòn", ()),
    Bank(
        "VCCB",
        "970454",
        "Ngân hàng TMCP Bản Việt",
        ("BVBank", "VietCapitalBank", "Viet Capital Bank"),
    ),
    Bank("ABB", "970425", "Ngân hàng TMCP An Bình", ("ABBank",)),
    Bank("NAB", "970428", "Ngân hàng TMCP Nam Á", ("NamABank", "Nam A Bank")),
    Bank("BAB", "970409", "Ngân hàng TMCP Bắc Á", ("BacABank", "Bac A Bank")),
    Bank("VAB", "970427", "Ngân hàng TMCP Việt Á", ("VietABank",)),
    Bank("NCB", "970419", "Ngân hàng TMCP Quốc Dân", ("NVB",)),
    Bank(
        "PGB",
        "970430",
        "Ngân hàng TMCP Thịnh vượng và Phát triển",
        ("PGBank", "Ngân hàng TMCP Xăng dầu Petrolimex"),
    ),
    Bank("VIETBANK", "970433", "Ngân hàng TMCP Việt Nam Thương Tín", ("VBB",)),
    Bank("BVB", "970438", "Ngân hàng TMCP Bảo Việt", ("BaoVietBank",)),
    Bank("KLB", "970452", "Ngân hàng TMCP Kiên Long", ("KienLongBank",)),
    Bank("SGICB", "970400", "Ngân hàng TMCP Sài Gòn Công Thương", ("SaigonBank", "SGB")),
    Bank("PVCB", "970412", "Ngân hàng TMCP Đại Chúng Việt Nam", ("PVcomBank",)),
    Bank(
        "OCEANBANK",
        "970414",
        "Ngân hàng TNHH MTV Việt Nam Hiện Đại",
        ("MBV", "Ngân hàng Thương mại TNHH MTV Đại Dương"),
    ),
    Bank(
        "CBB",
        "970444",
        "Ngân hàng TNHH MTV Ngoại thương Công nghệ số",
        ("CBBank", "VCBNeo", "Ngân hàng Thương mại TNHH MTV Xây dựng Việt Nam"),
    ),
    Bank(
        "DOB",
        "970406",
        "Ngân hàng TNHH MTV Số Vikki",
        ("DongABank", "Vikki", "Vikki Bank", "Ngân hàng TMCP Đông Á"),
    ),
    Bank("GPB", "970408", "Ngân hàng Thương mại TNHH MTV Dầu Khí Toàn Cầu", ("GPBank",)),
    Bank("COOPBANK", "970446", "Ngân hàng Hợp tác xã Việt Nam", ("Co-opBank",)),
    Bank("VBSP", "999888", "Ngân hàng Chính sách Xã hội", ()),
    Bank("VRB", "970421", "Ngân hàng Liên doanh Việt - Nga", ()),
    Bank("IVB", "970434", "Ngân hàng TNHH Indovina", ("IndovinaBank",)),
    Bank("SHBVN", "970424", "Ngân hàng TNHH MTV Shinhan Việt Nam", ("ShinhanBank", "Shinhan")),
    Bank("WVN", "970457", "Ngân hàng TNHH MTV Woori Việt Nam", ("Woori", "WooriBank")),
    Bank("HLBVN", "970442", "Ngân hàng TNHH MTV Hong Leong Việt Nam", ("HongLeong",)),
    Bank("PBVN", "970439", "Ngân hàng TNHH MTV Public Việt Nam", ("PublicBank",)),
    Bank("UOB", "970458", "Ngân hàng TNHH MTV United Overseas Bank (Việt Nam)", ()),
    Bank(
        "SCVN",
        "970410",
        "Ngân hàng TNHH MTV Standard Chartered Bank Việt Nam",
        ("StandardChartered", "Standard Chartered"),
    ),
    Bank("HSBC", "458761", "Ngân hàng TNHH MTV HSBC (Việt Nam)", ()),
    Bank("CIMB", "422589", "Ngân hàng TNHH MTV CIMB Việt Nam", ()),
    Bank("CITIBANK", "533948", "Ngân hàng Citibank, N.A. - Chi nhánh Hà Nội", ("Citi",)),
    Bank("DBS", "796500", "DBS Bank Ltd - Chi nhánh Thành phố Hồ Chí Minh", ("DBSBank",)),
    Bank("KBANK", "668888", "Ngân hàng Đại chúng TNHH Kasikornbank", ("Kasikornbank",)),
    Bank("NHBHN", "801011", "Ngân hàng Nonghyup - Chi nhánh Hà Nội", ("Nonghyup",)),
    Bank("IBKHN", "970455", "Ngân hàng Công nghiệp Hàn Quốc - Chi nhánh Hà Nội", ()),
    Bank("IBKHCM", "970456", "Ngân hàng Công nghiệp Hàn Quốc - Chi nhánh TP. Hồ Chí Minh", ()),
    Bank("KBHN", "970462", "Ngân hàng Kookmin - Chi nhánh Hà Nội", ("KookminHN",)),
    Bank("KBHCM", "970463", "Ngân hàng Kookmin - Chi nhánh Thành phố Hồ Chí Minh", ("KookminHCM",)),
    Bank("KEBHANAHN", "970467", "Ngân hàng KEB Hana - Chi nhánh Hà Nội", ()),
    Bank("KEBHANAHCM", "970466", "Ngân hàng KEB Hana - Chi nhánh Thành phố Hồ Chí Minh", ()),
    Bank("CAKE", "546034", "Ngân hàng số CAKE by VPBank", ()),
    Bank("UBANK", "546035", "Ngân hàng số Ubank by VPBank", ()),
    Bank("TIMO", "963388", "Ngân hàng số Timo by Ban Viet Bank", ()),
    Bank(
        "VTLMONEY", "971005", "Tổng Công ty Dịch vụ số Viettel", ("ViettelMoney", "Viettel Money")
    ),
    Bank("VNPTMONEY", "971011", "VNPT Money", ()),
)

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_PREFIXES = ("NGANHANG",)
_FORMS = ("THUONGMAICOPHAN", "THUONGMAITNHHMTV", "TNHHMTV", "TMCP", "TNHH", "TM")


def fold(text: str) -> str:
    """A spelling of a bank reduced to what tells banks apart (see the module docstring)."""
    value = _NOT_ALNUM.sub("", text_fold(unicodedata.normalize("NFKC", text)).upper())
    for prefix in _PREFIXES:
        value = value.removeprefix(prefix)
    stripped = True
    while stripped:  # "TM TNHH MTV": one legal form may follow another
        stripped = False
        for form in _FORMS:
            if value.startswith(form) and len(value) > len(form) + 1:
                value, stripped = value[len(form) :], True
                break
    return value


def _spellings() -> dict[str, str]:
    table: dict[str, str] = {}
    for bank in BANKS:
        names = (bank.code, bank.bin, bank.name, *bank.aliases)
        folded = {fold(n) for n in names}
        folded |= {f.removesuffix("VIETNAM") for f in folded if len(f) > len("VIETNAM") + 2}
        for f in folded:
            if table.setdefault(f, bank.code) != bank.code:
                raise ValueError(f"bank spelling {f} names both {table[f]} and {bank.code}")
    return table


SPELLINGS: dict[str, str] = _spellings()


def canonical_bank(text: str) -> str | None:
    """The code of the bank `text` spells (code, BIN, short or full name), or None."""
    return SPELLINGS.get(fold(text)) if isinstance(text, str) else None
