"""Dates and amounts as the demo records them: Vietnam-time instants, months, thousands.

Invariant: every instant is timezone-aware (Vietnam time); generated amounts are rounded to
whole thousands of đồng before use, so no float ever reaches a command.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ledger.clock import VIETNAM


def at(d: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=VIETNAM)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def r1000(value: float) -> int:
    """Round a drawn amount to whole thousands of đồng (the result is an int)."""
    return round(value / 1000) * 1000
