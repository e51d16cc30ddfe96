"""The ledger's clock: when an event is recorded.

Invariant: every stored event's timestamp comes from `now()`, so the demo and the tests can
record a year of history "as it happened" by setting the clock, while production uses the
system clock. Dates users see are in Vietnam's time zone (UTC+7, no daylight saving).
"""

from __future__ import annotations

import contextlib
import re
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


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w:-])")


def _said(instant: str) -> str:
    try:
        at = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(VIETNAM)
    except ValueError:
        return instant
    return at.strftime("%d/%m/%Y %H:%M:%S" if at.second else "%d/%m/%Y %H:%M")


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def readable(message: str | None) -> str:
    """A message as people read it: every ISO instant with its offset
    (`lúc 2025-09-15T07:00:05+00:00`) in Vietnam's time (`15/09/2025 14:00:05`, the seconds
    only when there are any), every ISO date (`2025-10-17`) as dd/mm/yyyy. What verification
    and detection write stays ISO (exact, machine-readable, as `--json` gives it); the pages,
    the report and the text output show it through this."""
    text = _INSTANT.sub(lambda m: _said(m.group(0)), message or "")
    return _DATE.sub(lambda m: _day(m.group(0)), text)
