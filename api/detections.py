"""Detection reports kept per log head, shared by the API (`GET /findings`) and the
inspectors' pages.

Invariants:
- A report is that of the log as it stands: the log's head (its last entry's seq) is part
  of the key, and every report of an older head is dropped once the log grows (a judgment,
  `finding.resolve`, is an entry too, so it shows at once).
- At most `DETECTIONS_KEPT` reports (unit, period) are kept, the oldest dropped first:
  inspectors of two districts, or of a district and the province, reading in turn do not
  each run detection again (about 5 s on the demo's 30,000 entries).
- Reports are shared and read-only: a caller that changes one changes it for the next.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from sqlalchemy import func, select

from ledger.bootstrap import Context
from ledger.tables import ledger_entries

DETECTIONS_KEPT: Final = 16
_LOCK = threading.Lock()


def log_head(ctx: Context) -> int:
    with ctx.engine.connect() as conn:
        head = conn.scalar(select(func.coalesce(func.max(ledger_entries.c.seq), -1)))
    return -1 if head is None else int(head)


def detection(state: Any, ctx: Context, *, unit: str, period: str | None) -> Any:
    """The detection report (`audit.detect.detect`) of `unit` and `period` for the log as it
    stands, computed once per head; `state` is the application's (`app.state`)."""
    from audit.detect import detect

    head = log_head(ctx)
    key = (head, unit, period or "")
    with _LOCK:
        cache: dict[tuple[int, str, str], Any] = state.__dict__.setdefault("detections", {})
        for old in [k for k in cache if k[0] != head]:
            del cache[old]
        found = cache.get(key)
    if found is not None:
        return found
    report = detect(ctx, unit=unit, period=period)  # outside the lock: seconds of work
    still = log_head(ctx) == head  # not kept if the log grew meanwhile
    with _LOCK:
        if still:
            while len(cache) >= DETECTIONS_KEPT:
                del cache[next(iter(cache))]
            cache[key] = report
    return report
