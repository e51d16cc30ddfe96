"""Rebuild, catch up and report the read models from the signed log.

Invariants:
- A rebuild runs in ONE transaction that first takes the writers' lock (PostgreSQL: the
  EXCLUSIVE lock eventsourcing's writers take on `ledger_events`; SQLite: the database write
  lock taken by the first DELETE). It empties the projection's tables, replays the log in
  seq order through the same `apply` the live hook uses, and sets `last_seq` to the head.
  Killed half-way, it rolls back and leaves the previous rows and tracking intact.
- Events are decoded once per chunk and fed to every projection being rebuilt; rows are
  written with executemany, so a rebuild costs a few statements per chunk, not per event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.projections.log import CHUNK, head, read_metas
from ledger.projections.registry import PROJECTIONS, by_name
from ledger.projections.tracking import catch_up_in, load_tracking, set_tracking
from ledger.store import Tx

if TYPE_CHECKING:
    from ledger.application import Ledger

Progress = Callable[[int, int], None]  # (events done, events in all)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    description: str
    last_seq: int
    head: int

    @property
    def behind(self) -> int:
        return self.head - self.last_seq


@dataclass(frozen=True)
class RebuildReport:
    names: tuple[str, ...]
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


def _lock_writers(tx: Tx) -> None:
    if tx.dialect == "postgresql":
        tx.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")


def status(ledger: Ledger) -> list[ProjectionStatus]:
    with ledger.transaction(commit=False) as tx:
        top = head(tx)
        tracking = load_tracking(tx)
    return [
        ProjectionStatus(p.name, p.description, tracking.get(p.name, -1), top) for p in PROJECTIONS
    ]


def rebuild(
    ledger: Ledger,
    names: list[str] | None = None,
    *,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> RebuildReport:
    """Empty the projections' tables and replay the whole log into them."""
    chosen = by_name(names)
    started = time.perf_counter()
    done = 0
    with ledger.transaction(commit=True) as tx:
        _lock_writers(tx)
        for p in chosen:
            for table in reversed(p.tables):
                tx.execute(f"DELETE FROM {table.name}")
            set_tracking(tx, p.name, -1)
        upto = head(tx)
        wanted = [p.command_types for p in chosen]
        types = None if any(t is None for t in wanted) else frozenset().union(*wanted)  # type: ignore[arg-type]
        for metas in read_metas(tx, ledger.mapper, after=-1, upto=upto, chunk=chunk, types=types):
            for p in chosen:
                p.apply(tx, metas)
            done = metas[-1].seq + 1  # type: ignore[operator]
            if progress is not None:
                progress(done, upto + 1)
        for p in chosen:
            set_tracking(tx, p.name, upto)
    return RebuildReport(tuple(p.name for p in chosen), upto + 1, time.perf_counter() - started)


def catch_up(ledger: Ledger) -> dict[str, int]:
    """Apply to every lagging projection the events it has not seen; {name: events applied}."""
    with ledger.transaction(commit=False) as tx:
        top = head(tx)
        tracking = load_tracking(tx)
    lagging = [p for p in PROJECTIONS if tracking.get(p.name, -1) < top]
    if not lagging:
        return {}
    applied: dict[str, int] = {}
    with ledger.transaction(commit=True) as tx:
        _lock_writers(tx)
        top = head(tx)
        tracking = load_tracking(tx)
        for p in lagging:
            last = tracking.get(p.name, -1)
            if last < top:
                applied[p.name] = catch_up_in(tx, p, ledger.mapper, after=last, upto=top)
    return applied
