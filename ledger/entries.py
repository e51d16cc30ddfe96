"""What the ledger writes in the event's own transaction (see ledger.store).

Invariants:
- `ledger_entries.seq` is gap-free from 0 in commit order; the entry's `leaf_hash` is the
  RFC 9162 leaf hash of the stored event's bytes (ledger.leaf), so the Merkle log of #4 can be
  built from this table alone and checked against the events table.
- `member_index` and `member_units` follow member events in the same transaction, so a
  dues batch is validated against membership as committed, never as it will be.
- The hook reads the log head and every projection's `last_seq` (projection_tracking) in
  one query and leaves them in the transaction's memo (`tx_memo`); the projectors
  (ledger.projections.tracking) use it to apply each event exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Column, select
from sqlalchemy.engine import Engine

from ledger.leaf import leaf_hash_of
from ledger.store import HEAD_AND_TRACKING, Tx


@dataclass
class EntryMeta:
    """What the service layer knows about an event it is about to store."""

    event_id: str
    command_type: str
    unit: str | None
    signer: str
    effective_date: date
    digest: str
    recorded_at: str
    command: dict[str, Any]
    envelope: dict[str, Any]
    aggregate_id: str = ""
    seq: int | None = None
    leaf_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


INSERT_ENTRY = (
    "INSERT INTO ledger_entries (seq, event_id, command_type, unit_code, signer, originator_id, "
    "originator_version, notification_id, topic, recorded_at, effective_date, command_digest, "
    "leaf_hash) VALUES (:seq, :event_id, :command_type, :unit_code, :signer, :originator_id, "
    ":originator_version, :notification_id, :topic, :recorded_at, :effective_date, "
    ":command_digest, :leaf_hash)"
)

Projector = Callable[[Tx, Sequence[EntryMeta]], None]


def tx_memo(tx: Tx) -> dict[str, Any]:
    """Per-transaction scratch space shared by the hook and the projectors."""
    memo: dict[str, Any] = tx.__dict__.setdefault("memo", {})
    return memo


# What a careful batch's recheck reads: the entries others stored after its checks' head.
SINCE = (
    "SELECT originator_id, command_type, recorded_at FROM ledger_entries WHERE seq > :head "
    "ORDER BY seq"
)


class StaleHead(Exception):
    """The log grew since the writer last looked: its transaction is rolled back."""


def make_hook(
    metas: dict[tuple[str, int], EntryMeta],
    projectors: Sequence[Projector],
    *,
    expect_head: int | None = None,
    recheck: tuple[int, Callable[[list[dict[str, Any]]], bool]] | None = None,
) -> Callable[[Tx, Sequence[StoredEvent], Sequence[int]], None]:
    """The recorder hook, run under the log's write lock. With `expect_head`, refuse
    (`StaleHead`) unless the log ends there. With `recheck` (head, stale): if the log grew
    past `head`, give the entries stored since to `stale` and refuse if it says so."""

    def hook(tx: Tx, stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]) -> None:
        rows = tx.fetchall(HEAD_AND_TRACKING)
        first = next(int(r["last_seq"]) for r in rows if r["name"] == "") + 1
        if expect_head is not None and first != expect_head + 1:
            raise StaleHead(f"log head {first - 1}, expected {expect_head}")
        if recheck is not None and first != recheck[0] + 1:
            since = tx.fetchall(SINCE, {"head": recheck[0]})
            if recheck[1](since):
                raise StaleHead(f"log head {first - 1}, checked at {recheck[0]}")
        tx_memo(tx)["tracking"] = {r["name"]: int(r["last_seq"]) for r in rows if r["name"]}
        entries = []
        ordered: list[EntryMeta] = []
        for i, (stored, nid) in enumerate(zip(stored_events, notification_ids, strict=True)):
            meta = metas[(str(stored.originator_id), stored.originator_version)]
            meta.seq = first + i
            meta.leaf_hash = leaf_hash_of(stored).hex()
            ordered.append(meta)
            entries.append(
                {
                    "seq": meta.seq,
                    "event_id": meta.event_id,
                    "command_type": meta.command_type,
                    "unit_code": meta.unit,
                    "signer": meta.signer,
                    "originator_id": str(stored.originator_id),
                    "originator_version": stored.originator_version,
                    "notification_id": nid,
                    "topic": stored.topic,
                    "recorded_at": meta.recorded_at,
                    "effective_date": meta.effective_date,
                    "command_digest": meta.digest,
                    "leaf_hash": meta.leaf_hash,
                }
            )
        tx.executemany(INSERT_ENTRY, entries)
        for projector in projectors:
            projector(tx, ordered)
        # PostgreSQL pipeline: the writes above are still in flight; a failed one raises, with
        # its own error, when the transaction commits (one round trip instead of two).

    return hook


INSERT_MEMBER = (
    "INSERT INTO member_index (member_number, member_id, unit_code, joined_on, left_on, "
    "status, salary_basis, citizen_blind, bank_blind, household_blind) "
    "VALUES (:n, :id, :u, :d, NULL, 'active', :s, :c, :b, :h)"
)
INSERT_SPAN = (
    "INSERT INTO member_units (member_number, from_date, unit_code, to_date) "
    "VALUES (:n, :d, :u, NULL)"
)
CLOSE_SPAN = "UPDATE member_units SET to_date = :d WHERE member_number = :n AND to_date IS NULL"
MOVE_MEMBER = "UPDATE member_index SET unit_code = :u WHERE member_number = :n"
END_MEMBER = "UPDATE member_index SET left_on = :d, status = :s WHERE member_number = :n"
SET_SALARY = "UPDATE member_index SET salary_basis = :s WHERE member_number = :n"
# An erasure clears the person's blind indexes from the read model: detection and reports stop
# linking the erased record to the person's other records (the copies in the signed events
# stay: see ledger.privacy).
ERASE_BLINDS = (
    "UPDATE member_index SET citizen_blind = NULL, bank_blind = NULL, household_blind = NULL "
    "WHERE member_number = :n"
)


def _member_statements(m: EntryMeta) -> list[tuple[str, dict[str, Any]]]:
    body, kind = m.command["body"], m.command_type
    if kind == "member.transfer":
        params = {"n": body["member"], "d": m.effective_date, "u": body["to_unit"]}
        return [(CLOSE_SPAN, params), (INSERT_SPAN, params), (MOVE_MEMBER, params)]
    if kind in ("member.leave", "member.death"):
        status = "left" if kind == "member.leave" else "deceased"
        params = {"n": body["member"], "d": m.effective_date, "s": status}
        return [(CLOSE_SPAN, params), (END_MEMBER, params)]
    if kind == "member.salary":
        return [(SET_SALARY, {"n": body["member"], "s": body["salary_basis"]})]
    if kind == "member.erase":
        return [(ERASE_BLINDS, {"n": body["member"]})]
    return []


# The command types `project_member_index` reads (its projection's and verification's filter).
MEMBER_INDEX_TYPES = frozenset(
    {
        "member.join",
        "member.transfer",
        "member.leave",
        "member.death",
        "member.salary",
        "member.erase",
    }
)


def project_member_index(tx: Tx, metas: Sequence[EntryMeta]) -> None:
    """Keep member_index / member_units in step with member events.

    Statements run in event order; consecutive identical statements (a run of joins, of
    salary changes) go in one executemany, so an import or a rebuild costs a few round trips.
    """
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    joined: list[dict[str, Any]] = []

    def add(sql: str, params: dict[str, Any]) -> None:
        if runs and runs[-1][0] == sql:
            runs[-1][1].append(params)
        else:
            runs.append((sql, [params]))

    def flush_joins() -> None:
        # Joins of different members touch different rows: all index rows, then all spans.
        for sql in (INSERT_MEMBER, INSERT_SPAN):
            for params in joined:
                add(sql, params)
        joined.clear()

    for m in metas:
        if m.command_type == "member.join":
            body, blind = m.command["body"], m.envelope.get("blind", {})
            joined.append(
                {
                    "n": body["member"],
                    "id": m.aggregate_id,
                    "u": m.unit,
                    "d": m.effective_date,
                    "s": body["salary_basis"],
                    "c": blind.get("citizen_id"),
                    "b": blind.get("bank_account"),
                    "h": blind.get("household"),
                }
            )
            continue
        statements = _member_statements(m)
        if statements and joined:
            flush_joins()
        for sql, params in statements:
            add(sql, params)
    flush_joins()
    for sql, rows in runs:
        tx.executemany(sql, rows)


def values_present(engine: Engine, column: Column[Any], values: Sequence[str]) -> set[str]:
    """Those of `values` that a column of `ledger_entries` holds, asked a thousand at a time
    (one query per value took seconds for thousands of values on PostgreSQL)."""
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(values), 1000):
            chunk = list(values[start : start + 1000])
            query = select(column).where(column.in_(chunk)).distinct()
            found.update(str(v) for v in conn.execute(query).scalars())
    return found
