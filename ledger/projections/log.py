"""Reading the signed log back as `EntryMeta`, in `seq` order, in chunks.

Invariants:
- The metas built here carry exactly what the in-transaction hook gave the projectors when
  the event was stored: the signed command (parsed from the stored canonical text), the
  envelope (with the ledger's verdict), seq, effective date and unit. So a projection fed from
  the log produces the same rows as one fed live.
- Events are decoded with the application's own mapper (`mapper.to_domain_event`), so
  upcasting and any cipher or compressor configured for the store are honoured.
- Reads go through a `Tx`: inside a hook (catch-up) they see the transaction's own state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.entries import EntryMeta
from ledger.store import Tx

CHUNK = 5000

_ENTRY_COLUMNS = (
    "e.seq, e.event_id, e.command_type, e.unit_code, e.signer, e.originator_id, "
    "e.originator_version, e.topic, e.recorded_at, e.command_digest, e.leaf_hash"
)


def _join(dialect: str) -> str:
    # eventsourcing's SQLite table has no notification_id column: it is the rowid.
    if dialect == "sqlite":
        return "JOIN ledger_events ev ON ev.rowid = e.notification_id"
    return "JOIN ledger_events ev ON ev.notification_id = e.notification_id"


def head(tx: Tx) -> int:
    """The seq of the last stored event (-1 for an empty ledger)."""
    return int(tx.scalar("SELECT COALESCE(MAX(seq), -1) FROM ledger_entries"))


def read_metas(
    tx: Tx,
    mapper: Mapper[Any],
    *,
    after: int,
    upto: int,
    chunk: int = CHUNK,
    types: frozenset[str] | None = None,
) -> Iterator[list[EntryMeta]]:
    """Metas of the events with `after < seq <= upto`, oldest first, `chunk` at a time.

    With `types`, only events of those command types are decoded and returned. Each chunk is
    fetched completely before it is yielded, so the caller may write through the same cursor
    between chunks.
    """
    params: dict[str, Any] = {"upto": upto, "limit": chunk}
    only = ""
    if types is not None:
        names = sorted(types)
        params |= {f"t{i}": t for i, t in enumerate(names)}
        only = f"AND e.command_type IN ({', '.join(f':t{i}' for i in range(len(names)))}) "
    sql = (
        f"SELECT {_ENTRY_COLUMNS}, ev.state AS state FROM ledger_entries e {_join(tx.dialect)} "
        f"WHERE e.seq > :after AND e.seq <= :upto {only}ORDER BY e.seq LIMIT :limit"
    )
    while after < upto:
        rows = tx.fetchall(sql, params | {"after": after})
        if not rows:
            if types is not None:
                return
            raise LookupError(
                f"sổ cái thiếu bút toán sau seq {after} / the log has no event after seq {after}"
            )
        yield [meta_of(row, mapper) for row in rows]
        after = int(rows[-1]["seq"])


def meta_of(row: dict[str, Any], mapper: Mapper[Any]) -> EntryMeta:
    """Rebuild the EntryMeta of one stored event from its entry row and stored state."""
    stored = StoredEvent(
        originator_id=row["originator_id"],
        originator_version=int(row["originator_version"]),
        topic=row["topic"],
        state=bytes(row["state"]),
    )
    return meta_from(row, mapper.to_domain_event(stored).envelope)  # type: ignore[attr-defined]


def meta_from(row: dict[str, Any], envelope: dict[str, Any]) -> EntryMeta:
    """The EntryMeta of an event from its `ledger_entries` row and its decoded envelope."""
    command = json.loads(envelope["command"])
    return EntryMeta(
        event_id=row["event_id"],
        command_type=row["command_type"],
        unit=row["unit_code"],
        signer=row["signer"],
        effective_date=date.fromisoformat(command["effective_date"]),
        digest=row["command_digest"],
        recorded_at=row["recorded_at"],
        command=command,
        envelope=envelope,
        aggregate_id=str(row["originator_id"]),
        seq=int(row["seq"]),
        leaf_hash=row["leaf_hash"],
        extra={"status": envelope.get("ledger", {}).get("status", "recorded")},
    )
