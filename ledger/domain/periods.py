"""Reporting and policy-counting periods: month, quarter, calendar year, lunar (Tết) year.

Invariants:
- A ``Period`` is a half-open interval of dates ``[start, end)``; ``end`` is exclusive, so
  consecutive periods of one kind tile the calendar without gaps or overlaps.
- Every ``Period`` is canonical: its ``label`` parses back (``parse_period(p.label) == p``)
  and ``start``/``end`` are the ones the label implies (checked on construction).
- Labels: ``"2025"`` (calendar year), ``"2025-03"`` (month), ``"2025-Q1"`` (quarter),
  ``"lunar-2025"`` (the Tết window of lunar year 2025).

Lunar year for Tết (năm âm lịch tính theo Tết):
- ``TET_DATES`` gives Mùng 1 Tết (Vietnamese Lunar New Year) by the Vietnamese calendar,
  which is computed for UTC+7 and so differs from the Chinese (UTC+8) date in a few years:
  2007 (Vietnam 17 Feb, China 18 Feb), 2030 (2 Feb vs 3 Feb), 2053 (18 Feb vs 19 Feb).
- The lunar year of a date is the year of the NEAREST Tết: the window of lunar year Y runs from
  the midpoint between Tết Y-1 and Tết Y up to the midpoint between Tết Y and Tết Y+1. A day
  exactly halfway belongs to the later Tết. So Tết support paid in the weeks before Tết belongs
  to that coming Tết (2025-12-20 → lunar 2026), and payments in the weeks after Tết to the one
  just past (2025-03-01 → lunar 2025). The window of lunar 2026 starts on 2025-08-09.
- Lunar windows exist for ``FIRST_LUNAR_YEAR``..``LAST_LUNAR_YEAR`` (2000–2060); outside that
  range a clear ``ValueError`` is raised instead of guessing. The table also holds Tết 1999 and
  2061, only to bound the first and last windows.
- Table source: Hồ Ngọc Đức's published lunar-calendar algorithm (new moons and solar terms) run
  for time zone +7, cross-checked against Meeus's full new-moon series (Astronomical
  Algorithms ch. 49; every Tết new moon lies ≥ 28 minutes from local midnight, so the day is
  not in doubt) and against an independent Chinese-calendar table (identical except the three
  UTC+7/UTC+8 years above).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, TypeAlias, cast, get_args

PeriodKind: TypeAlias = Literal["month", "quarter", "year", "lunar"]
PERIOD_KINDS: Final[tuple[str, ...]] = get_args(PeriodKind)

# Mùng 1 Tết Nguyên Đán, Vietnamese calendar (UTC+7). See the module docstring for the source.
TET_DATES: Final[dict[int, date]] = {
    1999: date(1999, 2, 16),
    2000: date(2000, 2, 5),
    2001: date(2001, 1, 24),
    2002: date(2002, 2, 12),
    2003: date(2003, 2, 1),
    2004: date(2004, 1, 22),
    2005: date(2005, 2, 9),
    2006: date(2006, 1, 29),
    2007: date(2007, 2, 17),
    2008: date(2008, 2, 7),
    2009: date(2009, 1, 26),
    2010: date(2010, 2, 14),
    2011: date(2011, 2, 3),
    2012: date(2012, 1, 23),
    2013: date(2013, 2, 10),
    2014: date(2014, 1, 31),
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 2),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
    2041: date(2041, 2, 1),
    2042: date(2042, 1, 22),
    2043: date(2043, 2, 10),
    2044: date(2044, 1, 30),
    2045: date(2045, 2, 17),
    2046: date(2046, 2, 6),
    2047: date(2047, 1, 26),
    2048: date(2048, 2, 14),
    2049: date(2049, 2, 2),
    2050: date(2050, 1, 23),
    2051: date(2051, 2, 11),
    2052: date(2052, 2, 1),
    2053: date(2053, 2, 18),
    2054: date(2054, 2, 8),
    2055: date(2055, 1, 28),
    2056: date(2056, 2, 15),
    2057: date(2057, 2, 4),
    2058: date(2058, 1, 24),
    2059: date(2059, 2, 12),
    2060: date(2060, 2, 2),
    2061: date(2061, 1, 21),
}

FIRST_LUNAR_YEAR: Final = min(TET_DATES) + 1
LAST_LUNAR_YEAR: Final = max(TET_DATES) - 1

_CAN = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
_CHI = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")
_ROMAN = ("I", "II", "III", "IV")

_YEAR = re.compile(r"([0-9]{4})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_MONTH_VN = re.compile(r"([0-9]{1,2})/([0-9]{4})")  # "03/2025", as a Vietnamese officer writes it
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])")
_LUNAR = re.compile(r"(?i:lunar)-([0-9]{4})")


def _midpoint(earlier: date, later: date) -> date:
    """First day nearer to ``later`` than to ``earlier`` (a tie goes to ``later``)."""
    return earlier + timedelta(days=((later - earlier).days + 1) // 2)


def _lunar_out_of_range(what_vi: str, what_en: str) -> ValueError:
    """ "vi / en", each language whole (what callers split at the first " / ")."""
    return ValueError(
        f"{what_vi} nằm ngoài bảng ngày Tết {FIRST_LUNAR_YEAR}–{LAST_LUNAR_YEAR} / "
        f"{what_en} is outside the Tết table {FIRST_LUNAR_YEAR}–{LAST_LUNAR_YEAR}"
    )


def tet_date(year: int) -> date:
    """Mùng 1 Tết of lunar year ``year`` (Vietnamese calendar)."""
    try:
        return TET_DATES[year]
    except KeyError:
        raise _lunar_out_of_range(f"Năm {year}", f"year {year}") from None


def lunar_window(year: int) -> tuple[date, date]:
    """``[start, end)`` of the dates whose nearest Tết is Tết ``year``."""
    if not FIRST_LUNAR_YEAR <= year <= LAST_LUNAR_YEAR:
        raise _lunar_out_of_range(f"Năm âm lịch {year}", f"lunar year {year}")
    tet = TET_DATES[year]
    return _midpoint(TET_DATES[year - 1], tet), _midpoint(tet, TET_DATES[year + 1])


_WINDOW_STARTS: Final[list[date]] = [
    lunar_window(y)[0] for y in range(FIRST_LUNAR_YEAR, LAST_LUNAR_YEAR + 1)
]
_WINDOWS_END: Final[date] = lunar_window(LAST_LUNAR_YEAR)[1]


CALENDAR_START: Final[date] = _WINDOW_STARTS[0]
CALENDAR_END: Final[date] = _WINDOWS_END  # exclusive


def in_calendar(d: date) -> bool:
    """Whether ``d`` lies in the calendar the ledger knows: the lunar windows of the Tết table
    (``CALENDAR_START`` to ``CALENDAR_END``, exclusive), where every period can be told."""
    return CALENDAR_START <= d < CALENDAR_END


def tet_year(d: date) -> int:
    """Lunar year of the Tết nearest to ``d`` (the year Tết spending on ``d`` belongs to)."""
    if not in_calendar(d):
        raise _lunar_out_of_range(f"Ngày {d.isoformat()}", f"date {d.isoformat()}")
    return FIRST_LUNAR_YEAR + bisect.bisect_right(_WINDOW_STARTS, d) - 1


def can_chi(year: int) -> str:
    """Sexagenary name of a lunar year, e.g. 2025 → ``"Ất Tỵ"``."""
    return f"{_CAN[(year + 6) % 10]} {_CHI[(year + 8) % 12]}"


def _bounds(kind: str, year: int, index: int) -> tuple[date, date]:
    if kind == "year":
        return date(year, 1, 1), date(year + 1, 1, 1)
    if kind == "month":
        nxt = date(year + 1, 1, 1) if index == 12 else date(year, index + 1, 1)
        return date(year, index, 1), nxt
    if kind == "quarter":
        first = 3 * (index - 1) + 1
        nxt = date(year + 1, 1, 1) if index == 4 else date(year, first + 3, 1)
        return date(year, first, 1), nxt
    return lunar_window(year)


def _label(kind: str, year: int, index: int) -> str:
    if kind == "year":
        return f"{year:04d}"
    if kind == "month":
        return f"{year:04d}-{index:02d}"
    if kind == "quarter":
        return f"{year:04d}-Q{index}"
    return f"lunar-{year:04d}"


def _parse_label(text: str) -> tuple[str, int, int]:
    """``(kind, year, index)`` from a label; index is the month or quarter, else 0."""
    s = text.strip()
    if m := _YEAR.fullmatch(s):
        kind, year, index = "year", int(m[1]), 0
    elif m := _MONTH.fullmatch(s):
        kind, year, index = "month", int(m[1]), int(m[2])
        if not 1 <= index <= 12:
            raise ValueError(f"Tháng không hợp lệ (01–12) / month must be 01–12 in period {text!r}")
    elif m := _MONTH_VN.fullmatch(s):
        kind, year, index = "month", int(m[2]), int(m[1])
        if not 1 <= index <= 12:
            raise ValueError(f"Tháng không hợp lệ (01–12) / month must be 01–12 in period {text!r}")
    elif m := _QUARTER.fullmatch(s):
        kind, year, index = "quarter", int(m[1]), int(m[2])
    elif m := _LUNAR.fullmatch(s):
        kind, year, index = "lunar", int(m[1]), 0
    else:
        raise ValueError(
            f"Kỳ không hợp lệ / invalid period {text!r}: expected 'YYYY', 'YYYY-MM' or "
            "'MM/YYYY', 'YYYY-Q1'..'YYYY-Q4' or 'lunar-YYYY'"
        )
    if year < 1 or year > 9998:
        raise ValueError(f"Năm không hợp lệ / year out of range in period {text!r}")
    return kind, year, index


@dataclass(frozen=True)
class Period:
    """A canonical reporting or counting period ``[start, end)``."""

    kind: PeriodKind
    label: str
    start: date
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"Loại kỳ không hợp lệ / unknown period kind {self.kind!r}")
        kind, year, index = _parse_label(self.label)
        expected = (kind, _label(kind, year, index), *_bounds(kind, year, index))
        if (self.kind, self.label, self.start, self.end) != expected:
            raise ValueError(
                f"Kỳ không nhất quán / inconsistent period {self!r}: expected "
                f"kind={expected[0]!r} label={expected[1]!r} "
                f"start={expected[2].isoformat()} end={expected[3].isoformat()}"
            )

    @classmethod
    def for_date(cls, kind: PeriodKind | str, d: date) -> Period:
        """The period of ``kind`` that contains ``d``."""
        if kind == "year":
            return _make("year", d.year, 0)
        if kind == "month":
            return _make("month", d.year, d.month)
        if kind == "quarter":
            return _make("quarter", d.year, (d.month - 1) // 3 + 1)
        if kind == "lunar":
            return _make("lunar", tet_year(d), 0)
        raise ValueError(
            f"Loại kỳ không hợp lệ / unknown period kind {kind!r}: expected one of {PERIOD_KINDS}"
        )

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def year(self) -> int:
        """Calendar year of a month/quarter/year; lunar year of a lunar period."""
        return _parse_label(self.label)[1]

    @property
    def label_vi(self) -> str:
        """Label for people: ``Tháng 03/2025``, ``Quý I/2025``, ``Năm 2025``, ``Tết Ất Tỵ 2025``."""
        kind, year, index = _parse_label(self.label)
        if kind == "month":
            return f"Tháng {index:02d}/{year}"
        if kind == "quarter":
            return f"Quý {_ROMAN[index - 1]}/{year}"
        if kind == "year":
            return f"Năm {year}"
        return f"Tết {can_chi(year)} {year}"

    @property
    def label_en(self) -> str:
        """The same in English: ``Month 03/2025``, ``Q1 2025``, ``Year 2025``, ``Tết Ất Tỵ 2025``
        (the lunar year keeps its name)."""
        kind, year, index = _parse_label(self.label)
        if kind == "month":
            return f"Month {index:02d}/{year}"
        if kind == "quarter":
            return f"Q{index} {year}"
        if kind == "year":
            return f"Year {year}"
        return f"Tết {can_chi(year)} {year}"

    @property
    def phrase_vi(self) -> str:
        """The label inside a sentence: ``tháng 03/2025``, ``quý I/2025``, ``năm 2025``,
        ``Tết Ất Tỵ 2025`` (``G1 trong năm 2025``, not ``trong Năm 2025``)."""
        label = self.label_vi
        return label if self.kind == "lunar" else label[0].lower() + label[1:]

    @property
    def phrase_en(self) -> str:
        """The same in English: ``03/2025``, ``Q1 2025``, ``2025``, ``Tết Ất Tỵ 2025``
        (``G1 in 2025``, not ``in Year 2025``)."""
        kind, year, index = _parse_label(self.label)
        if kind == "month":
            return f"{index:02d}/{year}"
        if kind == "year":
            return str(year)
        return self.label_en

    def next(self) -> Period:
        return Period.for_date(self.kind, self.end)

    def previous(self) -> Period:
        return Period.for_date(self.kind, self.start - timedelta(days=1))

    def __str__(self) -> str:
        return self.label


def _make(kind: str, year: int, index: int) -> Period:
    start, end = _bounds(kind, year, index)
    return Period(cast(PeriodKind, kind), _label(kind, year, index), start, end)


def period_said(label: str | None, lang: str = "vi") -> str:
    """A period's label as people read it (``2025-03`` → ``Tháng 03/2025`` / ``Month
    03/2025``, ``2025-Q1`` → ``Quý I/2025`` / ``Q1 2025``); empty for None, the text itself
    when it is not a period."""
    if not label:
        return ""
    try:
        p = parse_period(label)
    except (ValueError, TypeError):
        return label
    return p.label_vi if lang == "vi" else p.label_en


def parse_period(text: str) -> Period:
    """Parse ``"2025"``, ``"2025-03"`` (or ``"03/2025"``), ``"2025-Q1"`` or ``"lunar-2025"``
    into a ``Period`` (its label is always the canonical form, ``"2025-03"``)."""
    if not isinstance(text, str):
        raise TypeError("parse_period cần một chuỗi / parse_period needs a str")
    return _make(*_parse_label(text))


def month_text(month: str) -> str:
    """A month as people write it in a message: ``"2025-03"`` → ``"03/2025"`` (any other text
    unchanged)."""
    year, dash, mm = month.partition("-")
    return f"{mm}/{year}" if dash and len(year) == 4 and len(mm) == 2 else month


def months_text(first: str, last: str) -> str:
    """A span of months as people write it: ``"11/2024–04/2025"`` (one month: ``"11/2024"``)."""
    return month_text(first) if first == last else f"{month_text(first)}–{month_text(last)}"


def count_window(period_kind: PeriodKind | str, d: date) -> tuple[date, date]:
    """``[start, end)`` of the policy counting window of ``period_kind`` around ``d``.

    ``"year"`` is the calendar year, ``"lunar"`` the Tết window, ``"month"`` and ``"quarter"``
    the calendar month and quarter.
    """
    p = Period.for_date(period_kind, d)
    return p.start, p.end
