"""Check 3: every read model rebuilt from scratch and compared row by row with the live one.

Design overview: the read models are the projections the ledger applies in each event's
transaction (`ledger.projections.registry.PROJECTIONS`, #3: a name, the tables it owns and
`apply(tx, metas)`; before #3, the member index of `ledger.entries.project_member_index`).
Each is run again over the stored events, in log order, into a scratch SQLite database
created from the same `ledger.tables.metadata`, and `projection_tracking` is set to the log's
head; the result must equal the live rows exactly. A row edited, added or deleted by hand is
a finding naming the table and the row's key.

Invariant: the rebuild sees each event as the ledger's hook saw it (`EntryMeta` rebuilt from
the signed envelope, never from `ledger_entries`, which an attacker could edit). A read model
may declare `command_types`; when every one does, other events are skipped undecoded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.pool import StaticPool

from audit.findings import ERROR, Finding
from audit.scan import normalised_id
from audit.source import LogRow, Source, plain, sort_key
from ledger.entries import EntryMeta, Projector, project_member_index
from ledger.store import Tx
from ledger.tables import metadata

MEMBER_TYPES = frozenset(
    {"member.join", "member.transfer", "member.leave", "member.death", "member.salary"}
)


@dataclass(frozen=True)
class ReadModel:
    """One rebuildable read model: a name, the tables it owns, how it applies events."""

    name: str
    tables: tuple[str, ...]
    apply: Projector
    command_types: frozenset[str] | None = None  # None: reads every event


def registered_read_models() -> list[ReadModel]:
    """The read models the ledger keeps, as its write path applies them.

    Uses `ledger.projections.registry.PROJECTIONS` (#3) when present; otherwise the
    member index written by `ledger.entries.project_member_index`.
    """
    try:
        from ledger.projections.registry import PROJECTIONS
    except ImportError:
        return [
            ReadModel(
                "member_index", ("member_index", "member_units"), project_member_index, MEMBER_TYPES
            )
        ]
    return [
        ReadModel(
            p.name,
            tuple(t.name for t in p.tables),
            p.apply,
            getattr(p, "command_types", None)
            or (MEMBER_TYPES if p.apply is project_member_index else None),
        )
        for p in PROJECTIONS
    ]


def command_types(models: Sequence[ReadModel]) -> frozenset[str] | None:
    """The command types the read models read, or None when one of them reads them all."""
    types: set[str] = set()
    for m in models:
        if m.command_types is None:
            return None
        types |= m.command_types
    return frozenset(types)


def compared_tables(models: Sequence[ReadModel]) -> list[str]:
    names = {t for m in models for t in m.tables}
    if TRACKING in metadata.tables:
        names.add(TRACKING)
    return sorted(names)


TRACKING = "projection_tracking"


def meta_of(row: LogRow) -> EntryMeta | None:
    """The EntryMeta the write path handed to the projectors for this event."""
    ev = row.event
    if ev is None:
        return None
    try:
        env = json.loads(ev.state)["envelope"]
        cmd = json.loads(env["command"])
        return EntryMeta(
            event_id=cmd["command_id"],
            command_type=cmd["type"],
            unit=cmd.get("unit"),
            signer=cmd["signer"]["officer"],
            effective_date=date.fromisoformat(cmd["effective_date"]),
            digest=env["digest"],
            recorded_at=env["recorded_at"],
            command=cmd,
            envelope=env,
            aggregate_id=normalised_id(ev.originator_id),
            seq=row.entry.seq,
            leaf_hash=row.entry.leaf_hash,
            extra={"status": (env.get("ledger") or {}).get("status", "recorded")},
        )
    except (ValueError, KeyError, TypeError):
        return None


def rebuild(source: Source) -> dict[str, list[tuple[Any, ...]]]:
    """Replay the log through every read model into a scratch database; its rows per table."""
    models = registered_read_models()
    names = compared_tables(models)
    engine = create_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(engine, tables=[metadata.tables[n] for n in names])
    raw = engine.raw_connection()
    conn: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
    conn.row_factory = sqlite3.Row
    cursor = conn.cursor()
    tx = Tx(cursor, dialect="sqlite")
    wanted = command_types(models)
    last_seq = -1
    for ref in source.chunks():
        metas = []
        for row in source.read_chunk(ref):
            last_seq = max(last_seq, row.entry.seq)
            if wanted is not None and row.entry.command_type not in wanted:
                continue
            meta = meta_of(row)
            if meta is not None:
                metas.append(meta)
        if metas:
            for model in models:
                model.apply(tx, metas)
    if TRACKING in names:
        tx.executemany(
            f"INSERT INTO {TRACKING} (name, last_seq) VALUES (:name, :seq)",
            [{"name": m.name, "seq": last_seq} for m in models],
        )
    conn.commit()
    cursor.close()
    raw.close()
    out = {}
    with engine.connect() as c:
        for name in names:
            out[name] = sorted(
                (tuple(plain(v) for v in r) for r in c.execute(select(metadata.tables[name]))),
                key=sort_key,
            )
    engine.dispose()
    return out


def compare(
    live: dict[str, list[tuple[Any, ...]]], rebuilt: dict[str, list[tuple[Any, ...]]]
) -> list[Finding]:
    """Row-by-row differences between the live read models and the rebuilt ones."""
    found = []
    for name in sorted(rebuilt):
        table = metadata.tables[name]
        cols = [c.name for c in table.columns]
        pk = [cols.index(c.name) for c in table.primary_key.columns] or list(range(len(cols)))
        want = {tuple(r[i] for i in pk): r for r in rebuilt[name]}
        have = {tuple(r[i] for i in pk): r for r in live.get(name, [])}
        pk_names = [cols[i] for i in pk]
        for key in sorted(set(want) | set(have), key=lambda k: tuple(map(str, k))):
            where = f"{name}[{', '.join(f'{n}={v}' for n, v in zip(pk_names, key, strict=True))}]"
            if key not in have:
                msg = f"{where}: row missing from the live read model"
            elif key not in want:
                msg = f"{where}: row not produced by any stored event (added by hand?)"
            elif have[key] != want[key]:
                diffs = [
                    f"{cols[i]} live {have[key][i]!r} ≠ rebuilt {want[key][i]!r}"
                    for i in range(len(cols))
                    if have[key][i] != want[key][i]
                ]
                msg = f"{where}: " + "; ".join(diffs)
            else:
                continue
            found.append(Finding("projection.row", ERROR, None, None, None, None, msg))
    return found


def worker_rebuild(spec: tuple[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    from audit.source import open_source

    source = open_source(spec)
    try:
        return rebuild(source)
    finally:
        source.close()
