"""Periods: calendar month/quarter/year, the Tết table and nearest-Tết lunar windows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.domain.periods import (
    FIRST_LUNAR_YEAR,
    LAST_LUNAR_YEAR,
    TET_DATES,
    Period,
    can_chi,
    count_window,
    lunar_window,
    parse_period,
    tet_date,
    tet_year,
)


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2023, date(2023, 1, 22)),
        (2024, date(2024, 2, 10)),
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2007, date(2007, 2, 17)),  # Vietnam (UTC+7); China 18 Feb
        (2030, date(2030, 2, 2)),  # Vietnam; China 3 Feb
        (2053, date(2053, 2, 18)),  # Vietnam; China 19 Feb
        (2000, date(2000, 2, 5)),
        (2060, date(2060, 2, 2)),
    ],
)
def test_tet_table_holds_well_known_vietnamese_dates(year: int, tet: date) -> None:
    assert TET_DATES[year] == tet
    assert tet_date(year) == tet


def test_tet_table_covers_2000_to_2060_and_is_plausible() -> None:
    assert FIRST_LUNAR_YEAR == 2000
    assert LAST_LUNAR_YEAR == 2060
    for year in range(FIRST_LUNAR_YEAR - 1, LAST_LUNAR_YEAR + 2):
        tet = TET_DATES[year]
        assert tet.year == year
        assert date(year, 1, 21) <= tet <= date(year, 2, 20)
        if year > FIRST_LUNAR_YEAR - 1:
            gap = (tet - TET_DATES[year - 1]).days
            assert gap in range(353, 356) or gap in range(383, 386)  # 12 or 13 lunar months


def test_tet_date_outside_table_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside the Tết table"):
        tet_date(2100)


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2025, 1, 10), 2025),  # support paid before Tết belongs to the coming Tết
        (date(2025, 1, 29), 2025),
        (date(2025, 3, 1), 2025),  # just after Tết: the Tết just past
        (date(2025, 8, 8), 2025),
        (date(2025, 8, 9), 2026),  # midpoint of 2025-01-29 and 2026-02-17
        (date(2025, 12, 20), 2026),
        (date(2026, 2, 17), 2026),
        (date(2024, 8, 4), 2024),  # 176 days after Tết 2024, 177 before Tết 2025
        (date(2024, 8, 5), 2025),  # 177 after, 176 before
        (date(2007, 2, 17), 2007),
    ],
)
def test_tet_year_is_the_year_of_the_nearest_tet(day: date, year: int) -> None:
    assert tet_year(day) == year


def test_tet_year_outside_table_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside the Tết table"):
        tet_year(date(1998, 6, 1))
    with pytest.raises(ValueError, match="outside the Tết table"):
        tet_year(date(2061, 12, 1))


def test_lunar_windows_tile_the_calendar() -> None:
    for year in range(FIRST_LUNAR_YEAR, LAST_LUNAR_YEAR):
        start, end = lunar_window(year)
        assert start <= tet_date(year) < end
        assert lunar_window(year + 1)[0] == end
        assert tet_year(start) == year
        assert tet_year(end - timedelta(days=1)) == year


def test_parse_year() -> None:
    p = parse_period("2025")
    assert (p.kind, p.label, p.start, p.end) == ("year", "2025", date(2025, 1, 1), date(2026, 1, 1))
    assert p.label_vi == "Năm 2025"


def test_a_period_inside_a_sentence_reads_as_people_write_it() -> None:
    """`G21 trong năm 2025` / `G21 in 2025`, not `trong Năm 2025` / `in Year 2025`."""
    said = [
        (parse_period(label).phrase_vi, parse_period(label).phrase_en)
        for label in ("2025", "2025-Q1", "2025-03")
    ]
    assert said == [("năm 2025", "2025"), ("quý I/2025", "Q1 2025"), ("tháng 03/2025", "03/2025")]
    tet = Period.for_date("lunar", date(2025, 3, 1))
    assert (tet.phrase_vi, tet.phrase_en) == (tet.label_vi, tet.label_en) == ("Tết Ất Tỵ 2025",) * 2


def test_parse_month() -> None:
    p = parse_period("2025-03")
    assert (p.kind, p.start, p.end) == ("month", date(2025, 3, 1), date(2025, 4, 1))
    assert p.label_vi == "Tháng 03/2025"
    december = parse_period("2025-12")
    assert (december.start, december.end) == (date(2025, 12, 1), date(2026, 1, 1))
    assert parse_period("2024-02").days == 29


def test_a_month_as_a_vietnamese_officer_writes_it() -> None:
    """`--month 03/2025` was accepted where `--period 03/2025` was refused."""
    assert parse_period("03/2025") == parse_period("2025-03")
    assert parse_period("3/2025").label == "2025-03"
    with pytest.raises(ValueError, match="01–12"):
        parse_period("13/2025")


def test_parse_quarter() -> None:
    p = parse_period("2025-Q1")
    assert (p.kind, p.start, p.end) == ("quarter", date(2025, 1, 1), date(2025, 4, 1))
    assert p.label_vi == "Quý I/2025"
    q4 = parse_period("2025-q4")
    assert (q4.label, q4.start, q4.end) == ("2025-Q4", date(2025, 10, 1), date(2026, 1, 1))


def test_parse_lunar_uses_nearest_tet_windows() -> None:
    p = parse_period("lunar-2025")
    assert p.kind == "lunar"
    assert (p.start, p.end) == (date(2024, 8, 5), date(2025, 8, 9))
    assert p.contains(date(2025, 1, 29))
    assert not p.contains(date(2025, 8, 9))
    assert p.label_vi == "Tết Ất Tỵ 2025"
    assert parse_period("lunar-2026").start == date(2025, 8, 9)


@pytest.mark.parametrize(
    "text", ["", "25", "2025-13", "2025-00", "2025-3", "2025-Q5", "2025Q1", "lunar", "x2025"]
)
def test_parse_period_refuses_other_forms(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text)


def test_parse_lunar_outside_table_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside the Tết table"):
        parse_period("lunar-1990")


def test_labels_round_trip() -> None:
    for text in ("2025", "2025-03", "2025-Q2", "lunar-2025"):
        p = parse_period(text)
        assert p.label == text == str(p)
        assert parse_period(p.label) == p


def test_contains_is_half_open() -> None:
    p = parse_period("2025-03")
    assert p.contains(date(2025, 3, 1))
    assert p.contains(date(2025, 3, 31))
    assert not p.contains(date(2025, 4, 1))
    assert not p.contains(date(2025, 2, 28))


def test_for_date() -> None:
    d = date(2025, 5, 15)
    assert Period.for_date("month", d) == parse_period("2025-05")
    assert Period.for_date("quarter", d) == parse_period("2025-Q2")
    assert Period.for_date("year", d) == parse_period("2025")
    assert Period.for_date("lunar", d) == parse_period("lunar-2025")
    assert Period.for_date("lunar", date(2025, 12, 20)) == parse_period("lunar-2026")
    with pytest.raises(ValueError, match="unknown period kind"):
        Period.for_date("week", d)


def test_next_and_previous() -> None:
    assert parse_period("2025-12").next() == parse_period("2026-01")
    assert parse_period("2025-Q1").previous() == parse_period("2024-Q4")
    assert parse_period("lunar-2025").next() == parse_period("lunar-2026")


def test_inconsistent_period_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        Period("month", "2025-03", date(2025, 3, 1), date(2025, 5, 1))
    with pytest.raises(ValueError, match="unknown period kind"):
        Period("week", "2025-03", date(2025, 3, 1), date(2025, 4, 1))  # type: ignore[arg-type]


def test_count_window() -> None:
    assert count_window("year", date(2025, 12, 20)) == (date(2025, 1, 1), date(2026, 1, 1))
    assert count_window("lunar", date(2025, 12, 20)) == (date(2025, 8, 9), date(2026, 8, 13))
    assert count_window("month", date(2025, 2, 14)) == (date(2025, 2, 1), date(2025, 3, 1))
    assert count_window("quarter", date(2025, 8, 1)) == (date(2025, 7, 1), date(2025, 10, 1))


def test_can_chi() -> None:
    assert can_chi(2024) == "Giáp Thìn"
    assert can_chi(2025) == "Ất Tỵ"
    assert can_chi(2026) == "Bính Ngọ"
