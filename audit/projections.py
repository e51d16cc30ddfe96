"""Check 3: every read model rebuilt from scratch and compared row by row with the live one.

Design overview: the read models are the projections the ledger applies in each event's
transaction (`ledger.projections.registry.PROJECTIONS`, #3: a name, the tables it owns and
`apply(tx, metas)`; before #3, the member index of `ledger.entries.project_member_index`).
Each is run again over the stored events, in log order, into a scratch SQLite database
created from the same `ledger.tables.metadata`, and `projection_tracking` is set to the log's
head; the result must equal the live rows exactly. A row edited, added or deleted by hand is
a finding naming the table and the row's key.

Invariants:
- The rebuild sees each event as the ledger's hook saw it (`EntryMeta` rebuilt from the
  signed envelope, never from `ledger_entries`, which an attacker could edit). A read model
  may declare `command_types`; when every one does, other events are skipped.
- There is one implementation of the projections: the rebuild calls the very `apply` the
  live ledger calls. The scratch database has the same tables, keys and column types; of
  the secondary indexes it keeps only those the projections' own queries use (rows never
  depend on an index).
- The comparison is exact and runs in SQL: the live tables (the ledger's SQLite file
  attached read-only, or a copy of the rows of any other source in a scratch file) are
  joined with the rebuilt ones on the primary key; a row differs when any column differs in
  value or in storage type. Only differing rows come back to Python, where `compare` words
  the findings; row counts are compared too, so a duplicated row is found as well.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from audit.findings import ERROR, Finding
from audit.source import BundleSource, DatabaseSource, Source, plain
from ledger.entries import MEMBER_INDEX_TYPES, EntryMeta, Projector, project_member_index
from ledger.store import Tx
from ledger.tables import metadata

MEMBER_TYPES = MEMBER_INDEX_TYPES
# Secondary indexes the projections' own statements need (the rest only serve reports).
SCRATCH_INDEXES = frozenset({"ix_proj_money_lines_event"})
TRACKING = "projection_tracking"
LIVE = "live"  # schema name of the live read models inside the scratch connection
# In a copy of a database's live read models: the log's last seq they reflect.
LIVE_HEAD = "phucloi_live_head"


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


# --- the events as the hook saw them --------------------------------------------------------


def meta_from(
    *, seq: int, leaf_hash: str | None, aggregate: str, envelope: Any, command: Any
) -> EntryMeta | None:
    """The EntryMeta the write path handed to the projectors, from the signed envelope."""
    try:
        return EntryMeta(
            event_id=command["command_id"],
            command_type=command["type"],
            unit=command.get("unit"),
            signer=command["signer"]["officer"],
            effective_date=date.fromisoformat(command["effective_date"]),
            digest=envelope["digest"],
            recorded_at=envelope["recorded_at"],
            command=command,
            envelope=envelope,
            aggregate_id=aggregate,
            seq=seq,
            leaf_hash=leaf_hash,
            extra={"status": (envelope.get("ledger") or {}).get("status", "recorded")},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


# --- the scratch database -------------------------------------------------------------------


def _ddl(names: Iterable[str], *, indexes: frozenset[str] | None) -> list[str]:
    """CREATE statements of the tables (and of the chosen indexes; None: every index)."""
    dialect = sqlite_dialect.dialect()
    out = []
    for name in names:
        table = metadata.tables[name]
        out.append(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            if indexes is None or index.name in indexes:
                out.append(str(CreateIndex(index).compile(dialect=dialect)))
    return out


def _quoted(names: Iterable[str]) -> list[str]:
    return ['"' + n.replace('"', '""') + '"' for n in names]


class Rebuild:
    """The read models replayed, chunk by chunk, into a scratch in-memory SQLite database.

    `feed` takes the events of a chunk in log order; `finish` sets the tracking rows;
    `compare_live` compares with the live rows attached under the schema `live`.
    """

    def __init__(self, models: Sequence[ReadModel] | None = None) -> None:
        self.models = list(models) if models is not None else registered_read_models()
        self.names = compared_tables(self.models)
        self.wanted = command_types(self.models)
        self.conn = sqlite3.connect(":memory:", uri=True)
        self.conn.row_factory = sqlite3.Row
        for statement in _ddl(self.names, indexes=SCRATCH_INDEXES):
            self.conn.execute(statement)
        self.cursor = self.conn.cursor()
        # Tx binds `?` marks by position on SQLite, as on the ledger's own connections.
        self.tx = Tx(self.cursor, dialect="sqlite")
        self.last_seq = -1

    def wants(self, command_type: Any) -> bool:
        """Whether some read model reads events of this (signed, maybe tampered) type."""
        return self.wanted is None or (
            isinstance(command_type, str) and command_type in self.wanted
        )

    def feed(self, metas: Sequence[EntryMeta], *, last_seq: int) -> None:
        """Apply one chunk of events (in seq order) to every read model."""
        self.last_seq = max(self.last_seq, last_seq)
        if metas:
            for model in self.models:
                model.apply(self.tx, metas)

    def finish(self) -> None:
        # No tracking row means -1 (`ledger.projections.tracking`): an empty log leaves none.
        if TRACKING in self.names and self.last_seq >= 0:
            self.tx.executemany(
                f"INSERT INTO {TRACKING} (name, last_seq) VALUES (:name, :seq)",
                [{"name": m.name, "seq": self.last_seq} for m in self.models],
            )
        if not self._holding:
            self.conn.commit()

    _holding = False

    def hold_live(self) -> int | None:
        """Fix the attached live read models' snapshot until `release` (one read
        transaction on this connection); the log's last seq they reflect, when known: a
        database's own SQLite file (its `ledger_entries` in the same snapshot) or a copy made
        by `copy_read_models` of a database. None for a bundle (the log is the bundle's).
        The caller replays the log up to that seq before comparing: officers may have
        recorded since the log was first read."""
        self.conn.commit()
        self.conn.execute("BEGIN")
        self._holding = True
        tables = {
            str(r[0])
            for r in self.conn.execute(
                f"SELECT name FROM {LIVE}.sqlite_master WHERE type = 'table'"
            )
        }
        if LIVE_HEAD in tables:
            return int(self.conn.execute(f"SELECT seq FROM {LIVE}.{LIVE_HEAD}").fetchone()[0])
        if "ledger_entries" in tables:
            row = self.conn.execute(
                f"SELECT COALESCE(MAX(seq), -1) FROM {LIVE}.ledger_entries"
            ).fetchone()
            return int(row[0])
        return None

    def release(self) -> None:
        if self._holding:
            self._holding = False
            self.conn.commit()

    def attach_live(self, path: str | Path) -> None:
        """Attach a SQLite file holding the live read models, read-only, as schema `live`."""
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.conn.execute(f"ATTACH DATABASE ? AS {LIVE}", (uri,))

    def compare_live(self) -> list[Finding]:
        """Row-by-row differences between `live` and the rebuilt tables, as findings."""
        found: list[Finding] = []
        for name in self.names:
            live_rows, rebuilt_rows, surplus = self._differences(name)
            found.extend(compare({name: live_rows}, {name: rebuilt_rows}))
            if surplus:
                found.append(
                    Finding(
                        "projection.row",
                        ERROR,
                        None,
                        None,
                        None,
                        None,
                        f"{name}: {surplus} live row(s) more than the rebuild, beyond those "
                        "named: duplicated rows",
                        f"{name}: bảng đọc đang dùng nhiều hơn bản dựng lại {surplus} dòng, ngoài "
                        "các dòng đã nêu: dòng bị nhân đôi",
                    )
                )
        return found

    def _differences(self, name: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
        """(live rows that differ, rebuilt rows that differ, unexplained surplus of live rows)."""
        table = metadata.tables[name]
        cols = [c.name for c in table.columns]
        pk = [c.name for c in table.primary_key.columns] or cols
        q, keys = _quoted(cols), _quoted(pk)
        # Joined on the key through indexes, strictly: a key stored as another type (5 and
        # '5') matches nothing. `+x` strips a column's affinity: no conversion takes place,
        # and the searched side's index stays usable.
        live = _live_relation(name)
        forward = " AND ".join(f"b.{c} = +a.{c}" for c in keys)
        backward = " AND ".join(f"a.{c} = +b.{c} AND typeof(a.{c}) = typeof(b.{c})" for c in keys)
        differs = " OR ".join(f"a.{c} IS NOT b.{c} OR typeof(a.{c}) <> typeof(b.{c})" for c in q)
        key_at = len(cols) + cols.index(pk[0])
        a_cols = ", ".join(f"a.{c}" for c in q)
        b_cols = ", ".join(f"b.{c}" for c in q)
        n = len(cols)
        rebuilt_rows: list[tuple[Any, ...]] = []
        live_rows: list[tuple[Any, ...]] = []
        only_rebuilt = only_live = 0
        for r in self.conn.execute(
            f"SELECT {a_cols}, {b_cols} FROM main.{name} a NOT INDEXED LEFT JOIN {live} b "
            f"ON {forward} WHERE b.{keys[0]} IS NULL OR {differs}"
        ):
            rebuilt_rows.append(tuple(plain(v) for v in r[:n]))
            if r[key_at] is None:
                only_rebuilt += 1
            else:
                live_rows.append(tuple(plain(v) for v in r[n:]))
        for r in self.conn.execute(
            f"SELECT {b_cols} FROM {live} b WHERE NOT EXISTS "
            f"(SELECT 1 FROM main.{name} a WHERE {backward})"
        ):
            live_rows.append(tuple(plain(v) for v in r))
            only_live += 1
        live_count = self.conn.execute(f"SELECT count(*) FROM {live}").fetchone()[0]
        rebuilt_count = self.conn.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
        return live_rows, rebuilt_rows, (live_count - rebuilt_count) - (only_live - only_rebuilt)

    def close(self) -> None:
        self.cursor.close()
        self.conn.close()


def _live_relation(name: str) -> str:
    """The live rows of a table as the comparison reads them.

    A tracking row at -1 says what no row says (nothing applied yet, `ledger.projections.
    tracking`), so such rows are left out: a new, empty ledger is not a finding, while on a
    non-empty log the rebuilt row at the head still finds the live one missing or behind.
    """
    if name == TRACKING:
        return f"(SELECT * FROM {LIVE}.{name} WHERE last_seq <> -1)"
    return f"{LIVE}.{name}"


def copy_read_models(source: Source, path: str | Path) -> str:
    """Write the source's live read-model rows into a new SQLite file (for `attach_live`).

    Columns are untyped, so every value keeps the storage type it was read with (a number
    written as text in a bundle stays text and differs from the rebuilt number).
    """
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        if isinstance(source, DatabaseSource):
            live, head, _ = source.read_models_at_head()
            conn.execute(f"CREATE TABLE {LIVE_HEAD} (seq)")
            conn.execute(f"INSERT INTO {LIVE_HEAD} VALUES (?)", (head,))
        else:
            live = source.read_models()
        for name in compared_tables(registered_read_models()):
            table = metadata.tables[name]
            cols = [c.name for c in table.columns]
            pk = [c.name for c in table.primary_key.columns] or cols
            conn.execute(f"CREATE TABLE {name} ({', '.join(_quoted(cols))})")
            conn.execute(f"CREATE INDEX {name}_key ON {name} ({', '.join(_quoted(pk))})")
            marks = ", ".join("?" for _ in cols)
            try:
                conn.executemany(f"INSERT INTO {name} VALUES ({marks})", live.get(name, []))
            except (sqlite3.Error, OverflowError, TypeError, ValueError) as exc:
                if isinstance(source, BundleSource):  # rows a bundle holds are evidence
                    raise source.read_model_damage(name, exc) from None
                raise
        conn.commit()
    finally:
        conn.close()
    return str(path)


def worker_copy_read_models(spec: tuple[str, str], path: str) -> str:
    from audit.source import open_source

    source = open_source(spec)
    try:
        return copy_read_models(source, path)
    finally:
        source.close()


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
                vi = f"{where}: dòng thiếu trong bảng đọc đang dùng"
            elif key not in want:
                msg = f"{where}: row not produced by any stored event (added by hand?)"
                vi = f"{where}: dòng không do bút toán nào tạo ra (thêm bằng tay?)"
            elif have[key] != want[key] or _types(have[key]) != _types(want[key]):
                differ = [
                    (cols[i], have[key][i], want[key][i])
                    for i in range(len(cols))
                    if have[key][i] != want[key][i] or _types(have[key][i]) != _types(want[key][i])
                ]
                msg = f"{where}: " + "; ".join(
                    f"{c} live {a!r} ≠ rebuilt {b!r}" for c, a, b in differ
                )
                vi = f"{where}: " + "; ".join(
                    f"{c} đang dùng {a!r} ≠ dựng lại {b!r}" for c, a, b in differ
                )
            else:
                continue
            found.append(Finding("projection.row", ERROR, None, None, None, None, msg, vi))
    return found


def _types(value: Any) -> Any:
    """Storage classes as SQLite sees them (a boolean is an integer)."""
    if isinstance(value, tuple):
        return tuple(_types(v) for v in value)
    if isinstance(value, bool):
        return int
    return type(value)
