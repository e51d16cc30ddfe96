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
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import orjson
from sqlalchemy import create_engine, select, text
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


# The SQLite storage class of every column verification reads (SQLite's typeof()).
_SQL_TEXT, _SQL_INT = ("text",), ("integer",)
STORED_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "ledger_entries": {
        "seq": _SQL_INT,
        "event_id": _SQL_TEXT,
        "command_type": _SQL_TEXT,
        "unit_code": ("text", "null"),
        "signer": _SQL_TEXT,
        "originator_id": _SQL_TEXT,
        "originator_version": _SQL_INT,
        "notification_id": _SQL_INT,
        "topic": _SQL_TEXT,
        "recorded_at": _SQL_TEXT,
        "effective_date": _SQL_TEXT,
        "command_digest": _SQL_TEXT,
        "leaf_hash": _SQL_TEXT,
    },
    "ledger_events": {
        "originator_id": _SQL_TEXT,
        "originator_version": _SQL_INT,
        "topic": _SQL_TEXT,
        "state": ("blob",),
    },
}


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

    def find_damage(self) -> BundleDamage | None:
        """The first stored value of a type the ledger never writes (SQLite stores any type
        in any column: an editor can put text where an integer belongs), else None.

        Only asked after a run failed, as `BundleSource.find_damage` is: the reading path
        itself converts without checking. PostgreSQL enforces column types: nothing to find.
        """
        if self.dialect != "sqlite":
            return None
        for table, columns in STORED_TYPES.items():
            for column, allowed in columns.items():
                kinds = ", ".join(f"'{k}'" for k in allowed)
                rows = self._raw(
                    f"SELECT rowid, typeof({column}) FROM {table} "  # names from STORED_TYPES
                    f"WHERE typeof({column}) NOT IN ({kinds}) ORDER BY rowid LIMIT 1"
                )
                if rows:
                    rowid, kind = rows[0]
                    return StoreDamage(
                        table,
                        int(rowid),
                        column,
                        f"holds {kind} where the ledger stores {' or '.join(allowed)}",
                    )
        return None

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
        return self.read_models_at_head()[0]

    def read_models_at_head(self) -> tuple[dict[str, list[tuple[Any, ...]]], int, int]:
        """The live read models, the log's last seq and the number of stored events, read in
        one snapshot (one transaction, REPEATABLE READ on PostgreSQL): what the read models
        reflect is the log up to that seq, while officers keep recording."""
        out = {}
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                head = int(
                    conn.execute(
                        text("SELECT COALESCE(MAX(seq), -1) FROM ledger_entries")
                    ).scalar_one()
                )
                events = int(conn.execute(text("SELECT count(*) FROM ledger_events")).scalar_one())
                for name in read_model_tables():
                    table = metadata.tables[name]
                    out[name] = sorted(
                        (tuple(plain(v) for v in row) for row in conn.execute(select(table))),
                        key=sort_key,
                    )
        return out, head, events

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
    """A directory written by `phucloi export` (audit.export), verified with no database.

    The manifest is checked when the bundle is opened (`BundleError`: nothing to verify by).
    Every other file is evidence: one that is missing or does not hold what it must raises
    `BundleDamage` naming the file, line and field, which verification reports as a finding.
    The usual path parses each file with no per-line checks; only when a file cannot be read
    that way is it read again line by line (`_locate`) to say where it is damaged.
    `file_problems` hashes every file the manifest lists; the manifest is not signed, so
    verification also checks what the bundle says against the signed events (audit.verify).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        manifest = self.directory / "MANIFEST.json"
        if not manifest.is_file():
            raise BundleError(
                f"{self.directory}: không phải gói xuất (không có MANIFEST.json) / "
                "not an export bundle (no MANIFEST.json)"
            )
        try:
            self.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, UnicodeError) as exc:
            raise BundleError(
                f"{manifest}: bản kê không phải JSON / the manifest is not JSON: {exc}"
            ) from None
        if isinstance(self.manifest, dict) and self.manifest.get("format") != BUNDLE_FORMAT:
            raise BundleError(
                f"{manifest}: định dạng gói không rõ / unknown bundle format "
                f"{self.manifest.get('format')!r}"
            )
        problem = manifest_problem(self.manifest)
        if problem is not None:
            raise BundleError(
                f"{manifest}: bản kê không dùng được / not a usable manifest: {problem}"
            )

    def spec(self) -> tuple[str, str]:
        return ("bundle", str(self.directory))

    def describe(self) -> str:
        return f"bundle {self.directory}"

    def document(self, name: str) -> Any:
        """A JSON file of the bundle, parsed; `BundleDamage` when missing or not JSON."""
        try:
            text = (self.directory / name).read_text(encoding="utf-8")
        except OSError as exc:
            raise BundleDamage(name, None, None, _os_problem(exc)) from None
        except UnicodeError as exc:
            raise BundleDamage(name, None, None, f"not UTF-8 text ({exc})") from None
        try:
            return json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            raise BundleDamage(name, line, None, f"not JSON ({exc})") from None

    def chunks(self) -> list[str]:
        return list(self.manifest["log_files"])

    def read_chunk(self, ref: str) -> list[LogRow]:
        rows = []
        try:
            with open(self.directory / ref, "rb") as fh:
                for line in fh:
                    d = orjson.loads(line)
                    ev = d["event"]
                    entry = _tuple(EntryRow, itemgetter(*EntryRow._fields)(d["entry"]))
                    rows.append(
                        _tuple(LogRow, (entry, None if ev is None else event_from_json(ev)))
                    )
        except OSError as exc:
            raise BundleDamage(ref, None, None, _os_problem(exc)) from None
        except Exception as exc:  # whatever the line held: say which line, which field
            raise self._locate(ref, log_line_problem, exc) from None
        return rows

    def orphan_events(self) -> list[EventRow]:
        try:
            with open(self.directory / "orphans.jsonl", "rb") as fh:
                return [event_from_json(orjson.loads(line)) for line in fh]
        except OSError as exc:
            raise BundleDamage("orphans.jsonl", None, None, _os_problem(exc)) from None
        except Exception as exc:
            raise self._locate("orphans.jsonl", orphan_line_problem, exc) from None

    def event_count(self) -> int:
        return int(self.manifest["stored_events"])

    def checkpoints(self) -> list[StoredCheckpoint]:
        name = "checkpoints.json"
        data = self.document(name)
        items = data.get("checkpoints") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BundleDamage(name, None, "checkpoints", "missing or not a list")
        out = []
        for i, c in enumerate(items):
            problem = fields_problem(c, CHECKPOINT_FIELDS, f"checkpoints[{i}]")
            if problem is None and c["size"] < 0:
                problem = (f"checkpoints[{i}].size", f"{c['size']} is negative")
            if problem is not None:
                raise BundleDamage(name, None, *problem)
            out.append(
                StoredCheckpoint(
                    c["size"], c["root_hash"], c["note"], c["created_at"], tuple(c["cosigners"])
                )
            )
        return out

    def log_vkey(self) -> str | None:
        from audit.note import NoteError, Verifier

        name = "checkpoints.json"
        data = self.document(name)
        value = data.get("log_vkey") if isinstance(data, dict) else None
        if not value:
            return None
        try:
            Verifier.from_vkey(value)
        except (NoteError, TypeError, ValueError, AttributeError) as exc:
            raise BundleDamage(
                name, None, "log_vkey", f"{_shown(value)} is not a verifier key ({exc})"
            ) from None
        return str(value)

    def key_hint(self) -> dict[str, str]:
        return {
            k["key_id"]: k["public_key"]
            for officer in self.document("registry.json")["officers"]
            for k in officer["keys"]
        }

    def data_keys(self) -> None:
        return None  # data keys never leave the database

    def read_models(self) -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for name in self.manifest["read_models"]:
            ref = f"read_models/{name}.jsonl"
            try:
                with open(self.directory / ref, "rb") as fh:
                    out[name] = [tuple(orjson.loads(line)) for line in fh]
            except OSError as exc:
                raise BundleDamage(ref, None, None, _os_problem(exc)) from None
            except Exception as exc:
                raise self.read_model_damage(name, exc) from None
        return out

    def read_model_damage(self, name: str, exc: BaseException) -> BundleDamage:
        """Where the rows of read model `name` are damaged (they could not be parsed, or not
        stored as rows of the table)."""
        return self._locate(f"read_models/{name}.jsonl", _row_check(name), exc)

    def named_files(self) -> list[tuple[str, str]]:
        """(file, the manifest field naming it) of every file verification reads."""
        m = self.manifest
        return [
            *((f, "log_files") for f in m["log_files"]),
            *((f, "the bundle layout") for f in BUNDLE_FILES),
            *((f"read_models/{n}.jsonl", "read_models") for n in m["read_models"]),
        ]

    def file_problems(self) -> list[tuple[str, str, str]]:
        """(file, problem, the problem in Vietnamese) for every file of the manifest's sha256
        list that is missing or has another SHA-256, and every file the manifest names that
        the list leaves out."""
        listed: dict[str, str] = self.manifest["sha256"]
        problems = []
        for name, want in listed.items():
            try:
                got = file_sha256(self.directory / name)
            except OSError as exc:
                problems.append((name, _os_problem(exc), _os_problem_vi(exc)))
                continue
            if got != want.lower():
                problems.append(
                    (
                        name,
                        f"SHA-256 {got[:16]}… differs from the manifest's {want[:16]}…: "
                        "the file was changed after the export",
                        f"SHA-256 {got[:16]}… khác với {want[:16]}… ghi trong manifest: tệp "
                        "đã bị sửa sau khi xuất",
                    )
                )
        for name, where in self.named_files():
            if name not in listed:
                problems.append(
                    (
                        name,
                        f"named by the manifest ({where}) but missing from its sha256 list: "
                        "nothing vouches for its content",
                        f"được manifest nêu ({where}) nhưng không có trong danh sách sha256: "
                        "không gì bảo đảm nội dung của tệp",
                    )
                )
        return problems

    def find_damage(self) -> BundleDamage | None:
        """The first damaged place of the bundle, every file read strictly line by line, or
        None (slow; only to explain a run that failed on what the bundle holds)."""
        try:
            self.checkpoints()
            self.log_vkey()
            for ref in self.chunks():
                self._scan(ref, log_line_problem)
            self._scan("orphans.jsonl", orphan_line_problem)
            for name in self.manifest["read_models"]:
                self._scan(f"read_models/{name}.jsonl", _row_check(name))
        except BundleDamage as exc:
            return exc
        return None

    def _scan(self, ref: str, problem_of: Callable[[bytes], Problem | None]) -> None:
        try:
            with open(self.directory / ref, "rb") as fh:
                for number, raw in enumerate(fh, start=1):
                    problem = problem_of(raw)
                    if problem is not None:
                        raise BundleDamage(ref, number, *problem)
        except OSError as exc:
            raise BundleDamage(ref, None, None, _os_problem(exc)) from None

    def _locate(
        self, ref: str, problem_of: Callable[[bytes], Problem | None], exc: BaseException
    ) -> BundleDamage:
        try:
            self._scan(ref, problem_of)
        except BundleDamage as found:
            return found
        return BundleDamage(ref, None, None, f"cannot be read ({exc!r})")

    def close(self) -> None:
        pass


class BundleError(ValueError):
    """The directory is not a readable export bundle (a usage error: no manifest to go by)."""


class BundleDamage(Exception):
    """A file of the bundle is missing or does not hold what it must: evidence, reported by
    verification as a finding (never a crash). Pickled as its arguments, so it crosses back
    intact from a worker process."""

    def __init__(self, file: str, line: int | None, field: str | None, problem: str) -> None:
        super().__init__(file, line, field, problem)
        self.file, self.line, self.field, self.problem = file, line, field, problem

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.problem}"


class StoreDamage(BundleDamage):
    """A value of the ledger's database of a type the ledger never writes: table, rowid,
    column, problem."""

    def __str__(self) -> str:
        return f"{self.file} rowid {self.line}, {self.field}: {self.problem}"


# --- what a bundle's files must hold (read strictly only to find damage) ---------------------

BUNDLE_FILES = ("orphans.jsonl", "checkpoints.json", "registry.json", "policy.json")
Problem = tuple[str | None, str]  # (field, what is wrong with it)
_INT, _STR, _OPT_STR, _STRS = "an integer", "a string", "a string or null", "a list of strings"
ENTRY_FIELDS = {
    "seq": _INT,
    "event_id": _STR,
    "command_type": _STR,
    "unit_code": _OPT_STR,
    "signer": _STR,
    "originator_id": _STR,
    "originator_version": _INT,
    "notification_id": _INT,
    "topic": _STR,
    "recorded_at": _STR,
    "effective_date": _OPT_STR,
    "command_digest": _STR,
    "leaf_hash": _STR,
}
EVENT_FIELDS = {
    "originator_id": _STR,
    "originator_version": _INT,
    "topic": _STR,
    "state": _STR,
    "notification_id": _INT,
}
CHECKPOINT_FIELDS = {
    "size": _INT,
    "root_hash": _STR,
    "note": _STR,
    "created_at": _STR,
    "cosigners": _STRS,
}
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 40 else text[:39] + "…"


def _kind_ok(value: Any, kind: str) -> bool:
    if kind == _INT:
        return type(value) is int
    if kind == _OPT_STR:
        return value is None or isinstance(value, str)
    if kind == _STRS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str)


def fields_problem(value: Any, fields: dict[str, str], prefix: str | None) -> Problem | None:
    """What is wrong with `value` as a JSON object with those fields, or None."""
    if not isinstance(value, dict):
        return prefix, f"{_shown(value)} is not a JSON object"
    for name, kind in fields.items():
        field = f"{prefix}.{name}" if prefix else name
        if name not in value:
            return field, "missing"
        if not _kind_ok(value[name], kind):
            return field, f"{_shown(value[name])} is not {kind}"
    return None


def _event_problem(value: Any, prefix: str | None) -> Problem | None:
    problem = fields_problem(value, EVENT_FIELDS, prefix)
    if problem is not None:
        return problem
    try:
        binascii.a2b_base64(value["state"])
    except (binascii.Error, ValueError) as exc:
        return (f"{prefix}.state" if prefix else "state"), f"not base64 ({exc})"
    return None


def _json_line(raw: bytes) -> tuple[Any, Problem | None]:
    try:
        return orjson.loads(raw), None
    except orjson.JSONDecodeError as exc:
        return None, (None, f"not JSON ({exc})")


def log_line_problem(raw: bytes) -> Problem | None:
    """What is wrong with one line of log/NNNNNN.jsonl, or None."""
    d, problem = _json_line(raw)
    if problem is not None:
        return problem
    if not isinstance(d, dict):
        return None, f"{_shown(d)} is not a JSON object"
    for key in ("entry", "event"):
        if key not in d:
            return key, "missing"
    problem = fields_problem(d["entry"], ENTRY_FIELDS, "entry")
    if problem is not None or d["event"] is None:
        return problem
    return _event_problem(d["event"], "event")


def orphan_line_problem(raw: bytes) -> Problem | None:
    """What is wrong with one line of orphans.jsonl (a stored event), or None."""
    d, problem = _json_line(raw)
    return problem if problem is not None else _event_problem(d, None)


def _row_check(name: str) -> Callable[[bytes], Problem | None]:
    columns = len(metadata.tables[name].columns) if name in metadata.tables else None
    return lambda raw: read_model_line_problem(raw, columns)


def read_model_line_problem(raw: bytes, columns: int | None) -> Problem | None:
    """What is wrong with one row of read_models/T.jsonl (T having `columns` columns)."""
    d, problem = _json_line(raw)
    if problem is not None:
        return problem
    if not isinstance(d, list):
        return None, f"{_shown(d)} is not a JSON array (one row)"
    if columns is not None and len(d) != columns:
        return None, f"{len(d)} values for the table's {columns} columns"
    for i, v in enumerate(d, start=1):
        if isinstance(v, list | dict):
            return f"column {i}", f"{_shown(v)} is not a single value"
        if isinstance(v, int) and not -(2**63) <= v < 2**63:
            return f"column {i}", f"{v} is beyond a 64-bit integer"
    return None


def _inside(name: Any) -> bool:
    """A relative file name that stays inside the bundle directory."""
    if not isinstance(name, str) or not name or "\\" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and path.parts != ()


def manifest_problem(m: Any) -> str | None:
    """What makes `m` unusable as a bundle manifest (it names what to read), or None."""
    if not isinstance(m, dict):
        return "not a JSON object"
    wanted: list[tuple[str, str, Callable[[Any], bool]]] = [
        ("log_entries", "a count", _count),
        ("stored_events", "a count", _count),
        ("checkpoints", "a count", _count),
        (
            "log_files",
            "a list of file names inside the bundle",
            lambda v: isinstance(v, list) and all(_inside(f) for f in v),
        ),
        (
            "read_models",
            "a list of table names",
            lambda v: (
                isinstance(v, list)
                and all(isinstance(n, str) and _TABLE_NAME.fullmatch(n) for n in v)
            ),
        ),
        (
            "sha256",
            "an object of file names inside the bundle and their hex digests",
            lambda v: (
                isinstance(v, dict) and all(_inside(k) and isinstance(d, str) for k, d in v.items())
            ),
        ),
    ]
    for key, kind, ok in wanted:
        if key not in m:
            return f"{key}: thiếu / missing"
        if not ok(m[key]):
            return f"{key}: {_shown(m[key])} is not {kind}"
    return None


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "missing from the bundle"
    return f"cannot be read ({exc.strerror or exc})"


def _os_problem_vi(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "không có trong gói"
    return f"không đọc được ({exc.strerror or exc})"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def open_source(spec: tuple[str, str]) -> DatabaseSource | BundleSource:
    kind, where = spec
    return DatabaseSource(where) if kind == "db" else BundleSource(where)


def iter_log(source: Source) -> Iterator[LogRow]:
    for ref in source.chunks():
        yield from source.read_chunk(ref)
