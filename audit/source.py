"""Where verification reads the stored log from: the live database or an export bundle.

Design overview: verification (audit.verify) is a pure replay over a `Source`. Both
implementations present exactly the same values, the database's rows normalised to plain
JSON types (`plain`), so the database and a bundle exported from it give the same verdict by
construction: the bundle is written by reading this very interface (audit.export).

Invariants:
- The log is `ledger_entries` in `seq` order; each entry names its stored event by
  (originator id, version). `read_chunk` returns each entry joined with the event row it
  names (None when that row is missing), the event exactly as stored (state bytes untouched).
- `orphan_events` are stored events that no entry names: events that bypassed the ledger.
- A source never writes, and never needs the ledger's private keys. The person data keys
  (`data_keys`) are only available from the database: they never leave it, so a bundle
  cannot decrypt personal data (erasure stays erasure in every copy).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import orjson
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from audit.tables import checkpoint_cosignatures, checkpoints
from ledger.tables import ledger_entries, metadata, person_keys

CHUNK = 8192


class EntryRow(NamedTuple):
    seq: int
    event_id: str
    command_type: str
    unit_code: str | None
    signer: str
    originator_id: str
    originator_version: int
    notification_id: int
    topic: str
    recorded_at: str
    effective_date: str | None
    command_digest: str
    leaf_hash: str


class EventRow(NamedTuple):
    originator_id: str  # as stored: hex text on SQLite, a UUID on PostgreSQL (as text)
    originator_version: int
    topic: str
    state: bytes
    notification_id: int


class LogRow(NamedTuple):
    entry: EntryRow
    event: EventRow | None


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root_hash: str
    note: str  # the signed note, with every stored cosignature line appended
    created_at: str
    cosigners: tuple[str, ...] = ()  # witness vkeys stored beside their cosignatures


class Source(Protocol):
    """A stored ledger to verify: see the module docstring."""

    def spec(self) -> tuple[str, str]: ...
    def describe(self) -> str: ...
    def chunks(self) -> list[Any]: ...
    def read_chunk(self, ref: Any) -> list[LogRow]: ...
    def orphan_events(self) -> list[EventRow]: ...
    def event_count(self) -> int: ...
    def checkpoints(self) -> list[StoredCheckpoint]: ...
    def log_vkey(self) -> str | None: ...
    def key_hint(self) -> dict[str, str]: ...
    def data_keys(self) -> dict[str, bytes | None] | None: ...
    def read_models(self) -> dict[str, list[tuple[Any, ...]]]: ...
    def close(self) -> None: ...


def plain(value: Any) -> Any:
    """A database value as a plain JSON value, the same on SQLite, PostgreSQL and in a bundle."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_model_tables() -> list[str]:
    """The tables of the rebuildable read models (audit.projections)."""
    from audit.projections import compared_tables, registered_read_models

    return compared_tables(registered_read_models())


def officer_key_hint(states: Sequence[bytes]) -> dict[str, str]:
    """key id -> public key (base64) of every key an officer event registers.

    Only a performance hint for the signature workers: a key id is a hash of its key, so a
    wrong hint cannot make a bad signature pass (workers check the id), and a missing one
    only moves that signature to the sequential replay.
    """
    from ledger.signing import decode_b64, key_id

    hint: dict[str, str] = {}
    for state in states:
        try:
            cmd = json.loads(json.loads(state)["envelope"]["command"])
            public = cmd["body"].get("public_key")
            if public:
                hint[key_id(decode_b64(public))] = public
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return hint


# --- the live database -----------------------------------------------------------------------

_UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_ENTRY_COLS = (
    "e.seq, e.event_id, e.command_type, e.unit_code, e.signer, e.originator_id, "
    "e.originator_version, e.notification_id, e.topic, e.recorded_at, e.effective_date, "
    "e.command_digest, e.leaf_hash"
)
_SQL = {
    "sqlite": {
        "chunk": f"SELECT {_ENTRY_COLS}, ev.originator_id, ev.originator_version, ev.topic, "
        "ev.state, ev.rowid FROM ledger_entries e LEFT JOIN ledger_events ev "
        "ON ev.originator_id = replace(e.originator_id, '-', '') "
        "AND ev.originator_version = e.originator_version "
        "WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq",
        "orphans": "SELECT ev.originator_id, ev.originator_version, ev.topic, ev.state, ev.rowid "
        "FROM ledger_events ev WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE "
        "e.originator_id = lower(substr(ev.originator_id, 1, 8) || '-' || "
        "substr(ev.originator_id, 9, 4) || '-' || substr(ev.originator_id, 13, 4) || '-' || "
        "substr(ev.originator_id, 17, 4) || '-' || substr(ev.originator_id, 21)) "
        "AND e.originator_version = ev.originator_version) ORDER BY ev.rowid",
        "officers": "SELECT state FROM ledger_events WHERE topic LIKE 'phucloi:officer.%'",
    },
    "postgresql": {
        "chunk": f"SELECT {_ENTRY_COLS}, ev.originator_id, ev.originator_version, ev.topic, "
        "ev.state, ev.notification_id FROM ledger_entries e LEFT JOIN ledger_events ev "
        f"ON ev.originator_id = (CASE WHEN e.originator_id ~ '{_UUID_RE}' "
        "THEN e.originator_id::uuid END) AND ev.originator_version = e.originator_version "
        "WHERE e.seq BETWEEN %s AND %s ORDER BY e.seq",
        "orphans": "SELECT ev.originator_id, ev.originator_version, ev.topic, ev.state, "
        "ev.notification_id FROM ledger_events ev WHERE NOT EXISTS (SELECT 1 FROM "
        "ledger_entries e WHERE e.originator_id = ev.originator_id::text "
        "AND e.originator_version = ev.originator_version) ORDER BY ev.notification_id",
        "officers": "SELECT state FROM ledger_events WHERE topic LIKE 'phucloi:officer.%%'",
    },
}


_tuple = tuple.__new__  # builds the named tuples below without their Python-level __new__


def _log_row(r: Sequence[Any]) -> LogRow:
    entry = _tuple(
        EntryRow,
        (
            int(r[0]),
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            int(r[6]),
            int(r[7]),
            r[8],
            r[9],
            None if r[10] is None else str(r[10]),
            r[11],
            r[12],
        ),
    )
    if r[13] is None:
        return _tuple(LogRow, (entry, None))
    event = _tuple(EventRow, (str(r[13]), int(r[14]), r[15], bytes(r[16]), int(r[17])))
    return _tuple(LogRow, (entry, event))


class DatabaseSource:
    """The live ledger database (read only)."""

    def __init__(self, url: str, *, engine: Engine | None = None, chunk: int = CHUNK) -> None:
        self.url = url
        self.chunk = chunk
        self._engine = engine
        self._own_engine = engine is None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.url)
        return self._engine

    @property
    def dialect(self) -> str:
        return "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"

    def spec(self) -> tuple[str, str]:
        return ("db", self.url)

    def describe(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def sqlite_file(self) -> str | None:
        """The SQLite file the ledger lives in, when it is one (it can then be attached)."""
        url = self.engine.url
        if self.dialect != "sqlite" or not url.database or url.query:
            return None
        return url.database if os.path.isfile(url.database) else None

    def _raw(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, tuple(params))
            rows = list(cur.fetchall())
            cur.close()
            return rows
        finally:
            conn.close()

    def chunks(self) -> list[tuple[int, int]]:
        seqs = [r[0] for r in self._raw("SELECT seq FROM ledger_entries ORDER BY seq")]
        step = self.chunk
        return [(seqs[i], seqs[min(i + step, len(seqs)) - 1]) for i in range(0, len(seqs), step)]

    def read_chunk(self, ref: tuple[int, int]) -> list[LogRow]:
        return [_log_row(r) for r in self._raw(_SQL[self.dialect]["chunk"], ref)]

    def orphan_events(self) -> list[EventRow]:
        return [
            EventRow(str(r[0]), int(r[1]), r[2], bytes(r[3]), int(r[4]))
            for r in self._raw(_SQL[self.dialect]["orphans"])
        ]

    def event_count(self) -> int:
        return int(self._raw("SELECT count(*) FROM ledger_events")[0][0])

    def checkpoints(self) -> list[StoredCheckpoint]:
        from audit.note import add_signatures

        with self.engine.connect() as conn:
            rows = conn.execute(select(checkpoints).order_by(checkpoints.c.size)).all()
            cosigs = conn.execute(
                select(checkpoint_cosignatures).order_by(
                    checkpoint_cosignatures.c.size,
                    checkpoint_cosignatures.c.witness,
                    checkpoint_cosignatures.c.key_id,
                )
            ).all()
        out = []
        for r in rows:
            lines = [c for c in cosigs if c.size == r.size]
            note = r.note
            if lines:
                try:
                    note = add_signatures(note, [c.line for c in lines])
                except ValueError:
                    note = r.note + "".join(c.line for c in lines)
            out.append(
                StoredCheckpoint(
                    int(r.size), r.root_hash, note, r.created_at, tuple(c.vkey for c in lines)
                )
            )
        return out

    def log_vkey(self) -> str | None:
        from audit.log import stored_log_vkey

        return stored_log_vkey(self.engine)

    def key_hint(self) -> dict[str, str]:
        return officer_key_hint([bytes(r[0]) for r in self._raw(_SQL[self.dialect]["officers"])])

    def data_keys(self) -> dict[str, bytes | None]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(person_keys.c.person_id, person_keys.c.data_key)).all()
        return {r.person_id: (bytes(r.data_key) if r.data_key is not None else None) for r in rows}

    def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        with self.engine.connect() as conn:
            for name in read_model_tables():
                table = metadata.tables[name]
                out[name] = sorted(
                    (tuple(plain(v) for v in row) for row in conn.execute(select(table))),
                    key=sort_key,
                )
        return out

    def entry_count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(ledger_entries.c.seq)).all())

    def close(self) -> None:
        if self._own_engine and self._engine is not None:
            self._engine.dispose()
            self._engine = None


def sort_key(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in row)


# --- an export bundle ------------------------------------------------------------------------

BUNDLE_FORMAT = "phucloi/bundle/v1"


def entry_to_json(e: EntryRow) -> dict[str, Any]:
    return e._asdict()


def event_to_json(ev: EventRow) -> dict[str, Any]:
    return {
        "originator_id": ev.originator_id,
        "originator_version": ev.originator_version,
        "topic": ev.topic,
        "state": base64.b64encode(ev.state).decode(),
        "notification_id": ev.notification_id,
    }


def event_from_json(d: dict[str, Any]) -> EventRow:
    return _tuple(
        EventRow,
        (
            d["originator_id"],
            int(d["originator_version"]),
            d["topic"],
            binascii.a2b_base64(d["state"]),  # what b64decode calls, without its wrapping
            int(d["notification_id"]),
        ),
    )


class BundleSource:
    """A directory written by `phucloi export` (audit.export), verified with no database."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        manifest = self.directory / "MANIFEST.json"
        if not manifest.is_file():
            raise BundleError(f"{self.directory}: not an export bundle (no MANIFEST.json)")
        self.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        if self.manifest.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{manifest}: unknown bundle format {self.manifest.get('format')!r}")

    def spec(self) -> tuple[str, str]:
        return ("bundle", str(self.directory))

    def describe(self) -> str:
        return f"bundle {self.directory}"

    def _json(self, name: str) -> Any:
        return json.loads((self.directory / name).read_text(encoding="utf-8"))

    def chunks(self) -> list[str]:
        return list(self.manifest["log_files"])

    def read_chunk(self, ref: str) -> list[LogRow]:
        rows = []
        with open(self.directory / ref, "rb") as fh:
            for line in fh:
                d = orjson.loads(line)
                ev = d["event"]
                entry = _tuple(EntryRow, itemgetter(*EntryRow._fields)(d["entry"]))
                rows.append(_tuple(LogRow, (entry, None if ev is None else event_from_json(ev))))
        return rows

    def orphan_events(self) -> list[EventRow]:
        with open(self.directory / "orphans.jsonl", encoding="utf-8") as fh:
            return [event_from_json(json.loads(line)) for line in fh]

    def event_count(self) -> int:
        return int(self.manifest["stored_events"])

    def checkpoints(self) -> list[StoredCheckpoint]:
        return [
            StoredCheckpoint(
                c["size"], c["root_hash"], c["note"], c["created_at"], tuple(c["cosigners"])
            )
            for c in self._json("checkpoints.json")["checkpoints"]
        ]

    def log_vkey(self) -> str | None:
        value = self._json("checkpoints.json").get("log_vkey")
        return str(value) if value else None

    def key_hint(self) -> dict[str, str]:
        return {
            k["key_id"]: k["public_key"]
            for officer in self._json("registry.json")["officers"]
            for k in officer["keys"]
        }

    def data_keys(self) -> None:
        return None  # data keys never leave the database

    def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for name in self.manifest["read_models"]:
            with open(self.directory / "read_models" / f"{name}.jsonl", encoding="utf-8") as fh:
                out[name] = [tuple(orjson.loads(line)) for line in fh]
        return out

    def close(self) -> None:
        pass


class BundleError(ValueError):
    """The directory is not a readable export bundle."""


def open_source(spec: tuple[str, str]) -> DatabaseSource | BundleSource:
    kind, where = spec
    return DatabaseSource(where) if kind == "db" else BundleSource(where)


def iter_log(source: Source) -> Iterator[LogRow]:
    for ref in source.chunks():
        yield from source.read_chunk(ref)
