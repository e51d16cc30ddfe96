"""The ledger's clock: when an event is recorded.

Invariant: every stored event's timestamp comes from `now()`, so the demo and the tests can
record a year of history "as it happened" by setting the clock, while production uses the
system clock. Dates users see are in Vietnam's time zone (UTC+7, no daylight saving).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "ICT")

_override: ContextVar[Callable[[], datetime] | None] = ContextVar("phucloi_clock", default=None)


def now() -> datetime:
    """The current instant, timezone-aware UTC (or the frozen instant set by `frozen`)."""
    fn = _override.get()
    return fn() if fn is not None else datetime.now(tz=UTC)


def today_vn() -> date:
    return local_date(now())


def local_date(instant: datetime) -> date:
    """The calendar date in Vietnam of an instant."""
    return instant.astimezone(VIETNAM).date()


@contextlib.contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    """Record events as if at `instant` (used by the demo and tests)."""
    if instant.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    token = _override.set(lambda: instant.astimezone(UTC))
    try:
        yield
    finally:
        _override.reset(token)
