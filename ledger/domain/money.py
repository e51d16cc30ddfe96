"""Money in Vietnamese đồng: parsing, formatting, rates and shares.

Invariants:
- An amount is a Python ``int`` of whole đồng (``Dong``). The đồng has no minor unit in use, so
  there are no fractions anywhere; floats are refused at every entry point (``bool`` too).
- A rate or a share is an ``int`` of basis points: 1% = 100 bp, 100% = 10 000 bp.
- There is exactly one rounding rule, ``ROUNDING``: half-up to whole đồng (a tie goes away from
  zero, like ``decimal.ROUND_HALF_UP``). ``div_half_up`` implements it; ``apply_rate`` and
  ``share_bp`` use it. Report figures in millions (triệu đồng) use the same rule at 3 places.
- ``parse_dong`` accepts only unambiguous whole amounts; anything else raises ``ValueError``
  with a Vietnamese and an English message that names the problem.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

Dong: TypeAlias = int

ROUNDING = "half-up to whole đồng"
BP_PER_WHOLE = 10_000  # 100% in basis points

_SUFFIX = re.compile(r"\s*(?:đồng|đ|₫|vnđ|vnd)\s*\Z", re.IGNORECASE)
_SPACES = re.compile(r"[ \u00a0\u202f]")
_MINUS = ("-", "\u2212")
_DIGITS = re.compile(r"[0-9]+\Z")
MAX_DIGITS = 30  # far above any amount the ledger takes (10**13), far below int()'s 4,300


def _require_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name} phải là số nguyên / {name} must be an int, got {type(value).__name__}"
        )
    return value


def _parse_error(vi: str, en: str, text: str) -> ValueError:
    return ValueError(f"{vi} / {en}: {text!r}")


def parse_dong(text: str, *, allow_negative: bool = False) -> Dong:
    """Parse a whole-đồng amount as people type it.

    Accepts ``1250000``, ``1.250.000``, ``1,250,000``, ``1 250 000`` (one grouping separator, in
    groups of three) and an optional trailing ``đ`` / ``₫`` / ``VND`` / ``VNĐ`` / ``đồng``.
    Refuses decimals, empty input, garbage and (unless ``allow_negative``) negative amounts.
    """
    if not isinstance(text, str):
        raise TypeError("parse_dong cần một chuỗi / parse_dong needs a str")
    raw = text
    s = unicodedata.normalize("NFC", text).strip()
    s = _SUFFIX.sub("", s)
    if not s:
        raise _parse_error("Số tiền trống", "amount is empty", raw)
    negative = s.startswith(_MINUS)
    if negative:
        s = s[1:].lstrip()
        if not allow_negative:
            raise _parse_error("Số tiền không được âm", "amount must not be negative", raw)
    if not s:
        raise _parse_error("Số tiền trống", "amount is empty", raw)
    if re.search(r"[^0-9., ]", _SPACES.sub(" ", s)):
        raise _parse_error(
            "Số tiền chứa ký tự không hợp lệ", "amount contains characters that are not digits", raw
        )
    s = _SPACES.sub(" ", s)
    if sum(ch.isdigit() for ch in s) > MAX_DIGITS:  # before int(): Python's own limit, in English
        raise _parse_error("Số tiền quá lớn", "amount is too large", raw[:40])
    separators = {ch for ch in s if ch in ". ,"}
    if len(separators) > 1:
        raise _parse_error(
            "Số tiền có phần thập phân hoặc dấu phân cách lẫn lộn (đồng không có số lẻ)",
            "amount has decimals or mixed separators (đồng has no fractions)",
            raw,
        )
    if not separators:
        return -int(s) if negative else int(s)
    sep = separators.pop()
    groups = s.split(sep)
    if sep in ".," and len(groups) == 2 and _DIGITS.match(groups[1]) and len(groups[1]) != 3:
        raise _parse_error(
            "Số tiền có phần thập phân (đồng không có số lẻ)",
            "amount has decimals (đồng has no fractions)",
            raw,
        )
    head, tail = groups[0], groups[1:]
    if not (
        _DIGITS.match(head)
        and len(head) <= 3
        and all(_DIGITS.match(g) and len(g) == 3 for g in tail)
    ):
        raise _parse_error(
            "Số tiền nhóm chữ số sai (phải theo nhóm 3 chữ số)",
            "amount has misplaced digit-group separators (groups of three expected)",
            raw,
        )
    value = int("".join(groups))
    return -value if negative else value


def format_dong_plain(amount: Dong) -> str:
    """``1250000`` → ``"1.250.000"`` (Vietnamese thousands dot, no unit)."""
    n = _require_int(amount, "amount")
    return ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", ".")


def format_dong(amount: Dong) -> str:
    """``1250000`` → ``"1.250.000 đ"``."""
    return f"{format_dong_plain(amount)} đ"


def to_million(amount: Dong) -> Decimal:
    """Amount in millions of đồng (triệu đồng) for report forms, 3 places, half-up."""
    n = _require_int(amount, "amount")
    return Decimal(n).scaleb(-6).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded by ``ROUNDING`` (ties away from zero)."""
    num = _require_int(numerator, "numerator")
    den = _require_int(denominator, "denominator")
    if den == 0:
        raise ZeroDivisionError("chia cho 0 / division by zero")
    negative = (num < 0) != (den < 0)
    q, r = divmod(abs(num), abs(den))
    if 2 * r >= abs(den):
        q += 1
    return -q if negative else q


def apply_rate(amount: Dong, rate_bp: int) -> Dong:
    """``amount × rate_bp / 10 000`` rounded half-up to whole đồng (``ROUNDING``)."""
    n = _require_int(amount, "amount")
    bp = _require_int(rate_bp, "rate_bp")
    if bp < 0:
        raise ValueError(f"Tỷ lệ không được âm / rate must not be negative: {bp} bp")
    return div_half_up(n * bp, BP_PER_WHOLE)


def share_bp(part: Dong, whole: Dong) -> int | None:
    """Share of ``part`` in ``whole`` in basis points, half-up; ``None`` when ``whole`` is 0."""
    p = _require_int(part, "part")
    w = _require_int(whole, "whole")
    if w == 0:
        return None
    return div_half_up(p * BP_PER_WHOLE, w)


def compare_share(part: Dong, whole: Dong, bound_bp: int) -> int | None:
    """Compare ``part / whole`` with ``bound_bp / 10 000`` exactly, before any rounding:
    -1 below, 0 equal, 1 above; ``None`` when ``whole`` is 0.

    A share is shown rounded (`share_bp`), but a target is judged on the exact amounts:
    599.960 of 1.000.040 đ is 59,996%, shown 60,00%, and still under a 60% target.
    """
    p = _require_int(part, "part")
    w = _require_int(whole, "whole")
    if w == 0:
        return None
    left, right = p * BP_PER_WHOLE * (1 if w > 0 else -1), bound_bp * abs(w)
    return (left > right) - (left < right)
