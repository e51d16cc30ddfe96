"""Exactly-once application of events to each read model, tracked by `seq`.

Invariants:
- A `Projection` is a name, the tables it owns and `apply(tx, metas)`, a function of the
  metas in seq order that is correct for any chunking of the log (live batches of one, dues
  imports of thousands, rebuild chunks): rebuilt rows equal incremental rows.
- The in-transaction projector (`tracked`) applies a batch only when the projection's
  `last_seq` is exactly the seq before the batch, then advances `last_seq` in the same
  transaction. If the projection is behind (a projection added to an existing ledger, or
  one rebuilt while an older program kept writing), it first catches up from the log inside
  the same transaction. A projection ahead of the log is corruption and refuses the write.
  So after any crash every event is applied exactly once: the rows and `last_seq` commit or
  roll back together with the event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Mapper
from sqlalchemy import Table

from ledger.entries import EntryMeta, Projector, tx_memo
from ledger.store import Tx

ApplyFn = Callable[[Tx, Sequence[EntryMeta]], None]

UPSERT_TRACKING = (
    "INSERT INTO projection_tracking (name, last_seq) VALUES (:name, :seq) "
    "ON CONFLICT (name) DO UPDATE SET last_seq = excluded.last_seq"
)


class ProjectionAhead(RuntimeError):
    """A read model claims events the log does not have: rebuild it."""


@dataclass(frozen=True)
class Projection:
    """A read model: its tables, how it applies events, and which command types it reads.

    `command_types` (None: all) lets a rebuild skip decoding events the projection ignores;
    `apply` must ignore every other type anyway.
    """

    name: str
    tables: tuple[Table, ...]
    apply: ApplyFn
    description: str = ""
    command_types: frozenset[str] | None = None


def load_tracking(tx: Tx) -> dict[str, int]:
    return {
        r["name"]: int(r["last_seq"])
        for r in tx.fetchall("SELECT name, last_seq FROM projection_tracking")
    }


def set_tracking(tx: Tx, name: str, seq: int) -> None:
    tx.execute(UPSERT_TRACKING, {"name": name, "seq": seq})


def tracked(projections: Sequence[Projection], mapper: Mapper[Any]) -> Projector:
    """One in-transaction projector for `projections` (see the module invariants)."""

    def project(tx: Tx, metas: Sequence[EntryMeta]) -> None:
        if not metas:
            return
        first, last_of_batch = metas[0].seq, metas[-1].seq
        assert first is not None and last_of_batch is not None
        memo = tx_memo(tx)
        if "tracking" not in memo:
            memo["tracking"] = load_tracking(tx)
        tracking: dict[str, int] = memo["tracking"]
        for projection in projections:
            last = tracking.get(projection.name, -1)
            if last > first - 1:
                raise ProjectionAhead(
                    f"bảng đọc {projection.name} đã ở seq {last} nhưng sổ cái mới đến "
                    f"{first - 1}; hãy chạy `phucloi projections rebuild` / read model "
                    f"{projection.name} is at seq {last} but the log ends at {first - 1}: "
                    "rebuild it"
                )
            if last < first - 1:
                catch_up_in(tx, projection, mapper, after=last, upto=first - 1)
            projection.apply(tx, metas)
            tracking[projection.name] = last_of_batch
        tx.executemany(
            UPSERT_TRACKING, [{"name": p.name, "seq": last_of_batch} for p in projections]
        )

    return project


def catch_up_in(
    tx: Tx, projection: Projection, mapper: Mapper[Any], *, after: int, upto: int
) -> int:
    """Apply the events `after < seq <= upto` from the log; return how many were applied."""
    from ledger.projections.log import read_metas

    count = 0
    for chunk in read_metas(tx, mapper, after=after, upto=upto, types=projection.command_types):
        projection.apply(tx, chunk)
        count += len(chunk)
    set_tracking(tx, projection.name, upto)
    return count
