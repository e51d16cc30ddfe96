"""Money: parsing, formatting, the single half-up rounding rule, basis points."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from ledger.domain.money import (
    ROUNDING,
    apply_rate,
    compare_share,
    div_half_up,
    format_dong,
    format_dong_plain,
    parse_dong,
    share_bp,
    to_million,
)


@pytest.mark.parametrize(
    "text",
    [
        "1250000",
        "1.250.000",
        "1,250,000",
        "1 250 000",
        "1\u00a0250\u00a0000",
        "1.250.000 đ",
        "1.250.000đ",
        "1.250.000 ₫",
        "1,250,000 VND",
        "1250000vnd",
        "1.250.000 VNĐ",
        "1 250 000 đồng",
        "  1.250.000  ",
    ],
)
def test_parses_the_ways_people_write_an_amount(text: str) -> None:
    assert parse_dong(text) == 1_250_000


def test_parses_small_and_zero_amounts() -> None:
    assert parse_dong("0") == 0
    assert parse_dong("500") == 500
    assert parse_dong("1.250") == 1_250
    assert parse_dong("12.345.678") == 12_345_678


def test_parses_decomposed_unicode_suffix() -> None:
    assert parse_dong(unicodedata.normalize("NFD", "1.000 đồng")) == 1_000


def test_refuses_negative_unless_allowed() -> None:
    with pytest.raises(ValueError, match=r"âm.*negative"):
        parse_dong("-5.000")
    assert parse_dong("-5.000", allow_negative=True) == -5_000
    assert parse_dong("\u22125.000 đ", allow_negative=True) == -5_000


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("đ", "empty"),
        ("1250000.50", "decimals"),
        ("1,5", "decimals"),
        ("1.250.000,00", "decimals"),
        ("1,250,000.00", "decimals"),
        ("12a00", "not digits"),
        ("abc", "not digits"),
        ("USD 100", "not digits"),
        ("+100", "not digits"),
        ("1.25.000", "groups of three"),
        ("1250.000.000", "groups of three"),
        ("1.2.3", "groups of three"),
        ("1 25", "groups of three"),
        ("١٢٣", "not digits"),
    ],
)
def test_refuses_bad_input_and_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as info:
        parse_dong(text)
    message = str(info.value)
    assert " / " in message  # Vietnamese / English
    assert repr(text) in message


def test_error_message_is_vietnamese_and_english() -> None:
    with pytest.raises(ValueError) as info:
        parse_dong("1.250.000,50")
    assert "thập phân" in str(info.value)
    assert "decimals" in str(info.value)


def test_formats_with_vietnamese_thousands_dot() -> None:
    assert format_dong(1_250_000) == "1.250.000 đ"
    assert format_dong_plain(1_250_000) == "1.250.000"
    assert format_dong_plain(0) == "0"
    assert format_dong_plain(999) == "999"
    assert format_dong(-5_000) == "-5.000 đ"


def test_format_and_parse_round_trip() -> None:
    for n in (0, 7, 1_000, 234_000, 1_250_000, 50_000_000_000):
        assert parse_dong(format_dong(n)) == n


def test_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_dong(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        apply_rate(1000.0, 100)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_million(True)


def test_to_million_rounds_half_up_to_three_places() -> None:
    assert to_million(1_250_000) == Decimal("1.250")
    assert to_million(1_234_500) == Decimal("1.235")  # exact half rounds up
    assert to_million(1_234_499) == Decimal("1.234")
    assert to_million(500) == Decimal("0.001")
    assert to_million(499) == Decimal("0.000")
    assert to_million(-1_234_500) == Decimal("-1.235")
    assert str(to_million(20_000_000)) == "20.000"


def test_rounding_rule_is_named_once() -> None:
    assert ROUNDING == "half-up to whole đồng"


def test_apply_rate_rounds_half_up_to_whole_dong() -> None:
    assert apply_rate(6_000_000, 100) == 60_000
    assert apply_rate(6_000_000, 50) == 30_000
    assert apply_rate(2_340_000, 1000) == 234_000
    assert apply_rate(150, 100) == 2  # 1.5 → 2
    assert apply_rate(149, 100) == 1  # 1.49 → 1
    assert apply_rate(50, 100) == 1  # 0.5 → 1
    assert apply_rate(49, 100) == 0
    assert apply_rate(5_555_555, 50) == 27_778  # 27 777.775 → 27 778
    assert apply_rate(1_234_567, 7500) == 925_925  # 925 925.25 → 925 925
    assert apply_rate(-150, 100) == -2  # ties go away from zero
    assert apply_rate(0, 100) == 0


def test_apply_rate_refuses_negative_rate() -> None:
    with pytest.raises(ValueError, match="negative"):
        apply_rate(1_000, -1)


def test_div_half_up() -> None:
    assert div_half_up(5, 2) == 3
    assert div_half_up(7, 3) == 2
    assert div_half_up(-5, 2) == -3
    assert div_half_up(5, -2) == -3
    with pytest.raises(ZeroDivisionError):
        div_half_up(1, 0)


def test_share_bp() -> None:
    assert share_bp(60, 100) == 6000
    assert share_bp(1, 3) == 3333  # 3333.33 → 3333
    assert share_bp(2, 3) == 6667  # 6666.67 → 6667
    assert share_bp(1, 20_000) == 1  # 0.5 bp → 1
    assert share_bp(0, 100) == 0
    assert share_bp(5, 0) is None
    assert share_bp(0, 0) is None


def test_compare_share_is_exact_where_the_rounded_share_is_not() -> None:
    assert share_bp(599_960, 1_000_000) == 6000  # shown at the target...
    assert compare_share(599_960, 1_000_000, 6000) == -1  # ...and still under it
    assert compare_share(600_000, 1_000_000, 6000) == 0
    assert compare_share(600_001, 1_000_000, 6000) == 1
    assert compare_share(2, 3, 6667) == -1 and compare_share(2, 3, 6666) == 1
    assert compare_share(0, 0, 6000) is None


def test_an_amount_of_thousands_of_digits_is_refused_in_both_languages() -> None:
    from ledger.domain.money import parse_dong

    for text in ("9" * 5000, "1." + ".".join(["000"] * 2000)):
        with pytest.raises(ValueError) as exc:
            parse_dong(text)
        assert str(exc.value).startswith("Số tiền quá lớn / amount is too large: ")
    assert parse_dong("9" * 30) == int("9" * 30)  # refused by the ledger's bound, not here
