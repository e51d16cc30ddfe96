"""eventsourcing recorders that write the ledger's own rows in the event's transaction.

Design overview (the one place where storage atomicity is decided):
- `Ledger.save(..., ledger_hook=f)` passes `f` down to the recorder. The recorder inserts the
  stored events, then calls `f(tx, stored_events, notification_ids)` *inside the same
  database transaction*, before commit. `f` appends the gap-free `ledger_entries` rows (seq,
  leaf hash, command id) and the in-transaction read-model updates.
- Either everything commits or nothing does: a failed hook (a duplicate command id, a broken
  projection) rolls the events back too. A half-written batch is never visible.
- On PostgreSQL the hook runs after eventsourcing has taken its EXCLUSIVE lock on the events
  table, so writers are serialised and `seq = max(seq) + 1` never races. On SQLite the insert
  has already taken the database's write lock.
- SQL in hooks is written once with `:name` parameters; `Tx` adapts it to each driver.
- SQLite: every connection eventsourcing opens to the ledger file keeps 256 prepared
  statements and gets `SQLITE_PRAGMAS` (WAL with synchronous=NORMAL, a larger page cache),
  set once when the connection opens (and checkpoints every 10,000 WAL pages, not 1,000).
  In WAL mode NORMAL never corrupts the file
  and an application crash loses nothing; a power cut or OS crash may roll back the last
  commits not yet synced (the WAL is synced at every checkpoint, and by any later commit
  made at synchronous=FULL, e.g. an audit checkpoint written through the engine). See the
  README's design notes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
)
from eventsourcing.utils import retry
from psycopg.pq import TransactionStatus

from ledger.tables import EVENTS_TABLE


class Tx:
    """A thin cursor adapter so hook SQL runs unchanged on sqlite3 and psycopg."""

    def __init__(
        self,
        cursor: Any,
        *,
        dialect: str,
        settled: bool = False,
        prefetched: Mapping[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self._cursor = cursor
        self.dialect = dialect
        # False while statements may have been sent whose results were not collected yet
        # (PostgreSQL pipeline mode); `settled=True` if the caller knows none were.
        self._settled = settled
        # Results of reads already made in this transaction, by SQL text: `fetchall` of the
        # same text (without parameters) takes them once instead of asking again.
        self._prefetched = dict(prefetched or {})

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._settled = False
        if self.dialect == "sqlite":
            text, pick = _positional(sql)
            self._cursor.execute(text, pick(params or {}))
        else:
            self._cursor.execute(_adapt(sql, self.dialect), params or {})

    def executemany(self, sql: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        self._settled = False
        if self.dialect == "sqlite":
            # sqlite3 binds `?` marks from tuples much faster than `:name` marks from dicts
            # (a dues batch is tens of thousands of rows of twenty columns).
            text, pick = _positional(sql)
            self._cursor.executemany(text, map(pick, rows))
        else:
            self._cursor.executemany(_adapt(sql, self.dialect), rows)

    def settle(self) -> None:
        """Collect pending pipelined results before a read (PostgreSQL pipeline mode).

        The recorder runs a small write's hook inside a psycopg pipeline; a SELECT sent after
        pipelined writes could otherwise be handed an earlier statement's result. Elsewhere a
        no-op.
        """
        if self.dialect != "postgresql" or self._settled:
            return
        connection = getattr(self._cursor, "connection", None)
        if connection is None:
            return
        from psycopg import pq

        if connection.pgconn.pipeline_status != pq.PipelineStatus.OFF:
            with connection.pipeline():
                pass
        self._settled = True

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        self.settle()
        self.execute(sql, params)
        row = self._cursor.fetchone()
        self._settled = True  # the read's own result was the last one pending
        if row is None:
            return None
        return row[0] if self.dialect == "sqlite" else next(iter(row.values()))

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        if not params and sql in self._prefetched:
            return self._prefetched.pop(sql)
        self.settle()
        self.execute(sql, params)
        rows = [dict(r) for r in self._cursor.fetchall()]
        self._settled = True  # the read's own result was the last one pending
        return rows


# The hook's first read in every write transaction: the log's head and every tracker.
HEAD_AND_TRACKING = (
    "SELECT '' AS name, COALESCE(MAX(seq), -1) AS last_seq FROM ledger_entries "
    "UNION ALL SELECT name, last_seq FROM projection_tracking"
)

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def _adapt(sql: str, dialect: str) -> str:
    if dialect == "sqlite":
        return sql
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


@lru_cache(maxsize=512)
def _positional(sql: str) -> tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]:
    """SQLite text with `?` marks, and the function picking a row's values in their order."""
    names = _PARAM.findall(sql)
    text = _PARAM.sub("?", sql)
    if len(names) > 1:
        return text, itemgetter(*names)
    if names:
        one = itemgetter(names[0])
        return text, lambda row: (one(row),)
    return text, lambda row: ()


class LedgerHook(Protocol):
    def __call__(
        self, tx: Tx, stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]
    ) -> None: ...


HookType = Callable[[Tx, Sequence[StoredEvent], Sequence[int]], None]


SQLITE_PRAGMAS = (
    "PRAGMA synchronous=NORMAL",  # WAL: fsync at checkpoints, not at every commit
    "PRAGMA cache_size=-65536",  # up to 64 MiB of pages per connection, allocated as used
    # Copy the WAL back into the database file every 10,000 pages (40 MB) instead of 1,000:
    # a payout writes many pages, mostly the same hot ones (indexes, trackers), and each
    # checkpoint writes them once more and syncs the file (README, "Ingest speed").
    "PRAGMA wal_autocheckpoint=10000",
    # Zero the bytes a change frees inside a b-tree page (an erased data key among them) when
    # that costs no extra I/O (ledger.erasure).
    "PRAGMA secure_delete=FAST",
)
# eventsourcing opens its sqlite3 connections with `cached_statements=True`, a cache of ONE
# prepared statement: every other statement of a batch was parsed and planned again each
# time (a sixth of a single payout's time). The ledger's connections keep 256.
STATEMENT_CACHE = 256


def tune_sqlite(datastore: SQLiteDatastore) -> None:
    """Open the datastore's connections from now on with a statement cache and our pragmas.

    The same as eventsourcing's own `SQLiteConnectionPool._create_connection` (WAL, rows as
    `sqlite3.Row`, the pool's lock timeout and age), plus `STATEMENT_CACHE` and
    `SQLITE_PRAGMAS`.
    """
    pool = datastore.pool
    if getattr(pool, "phucloi_tuned", False):
        return

    def create() -> SQLiteConnection:
        try:
            conn = sqlite3.connect(
                database=pool.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: eventsourcing issues BEGIN itself
                cached_statements=STATEMENT_CACHE,
                timeout=pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as exc:
            raise InterfaceError(exc) from exc
        if not pool.is_sqlite_memory_mode:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            pool.is_journal_mode_wal = True
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        conn.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=conn, max_age=pool.max_age)

    pool._create_connection = create  # type: ignore[method-assign]
    pool.phucloi_tuned = True  # type: ignore[attr-defined]


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = EVENTS_TABLE):
        tune_sqlite(datastore)
        super().__init__(datastore, events_table_name)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        hook: HookType | None = kwargs.get("ledger_hook")
        if hook is not None and stored_events:
            assert ids is not None
            hook(Tx(c, dialect="sqlite"), stored_events, list(ids))
        return ids


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE):
        super().__init__(datastore, events_table_name=events_table_name)

    # A batch whose stored events add up to no more than this goes through one pipeline.
    PIPELINE_MAX_BYTES: ClassVar[int] = 64 * 1024
    # pg_advisory_lock key held while eventsourcing's DDL runs ("phucloi" in ASCII).
    DDL_LOCK: ClassVar[int] = 0x7068_7563_6C6F_69

    def create_table(self) -> None:
        """eventsourcing's DDL (its composite type and insert function; the events table is
        Alembic's already), one process at a time. It runs at every open and its `CREATE OR
        REPLACE FUNCTION` is not safe against itself: two processes opening the ledger at once
        failed with "tuple concurrently updated"."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                "SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery() "
                "AS read_only"
            ).fetchone()
            if row is not None and (row["read_only"] if isinstance(row, dict) else row[0]):
                # A read-only role or a replica (an inspection committee's access): the type
                # and function exist already, made by the first writer's open; DDL would fail.
                self.datastore.register_type_adapters()
                return
            conn.execute("SELECT pg_advisory_lock(%s)", (self.DDL_LOCK,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.DDL_LOCK,))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """eventsourcing's statements and the hook in one transaction.

        A small batch (a single payout: a few kilobytes) goes through one psycopg pipeline,
        see `_insert_pipelined`. A large batch runs its statements one after another, without
        pipeline mode: the library's pipeline stalls for good on several megabytes (an import
        of thousands of members). Either way: the same lock, the same insert, the same ids,
        the hook in the same transaction, and an error anywhere rolls back all of it.
        """
        if not stored_events:
            return None
        hook: HookType | None = kwargs.get("ledger_hook")
        with self.datastore.get_connection() as conn:
            if sum(len(s.state) for s in stored_events) <= self.PIPELINE_MAX_BYTES:
                return self._insert_pipelined(conn, stored_events, hook, **kwargs)
            with conn.transaction(), conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
                self._insert_stored_events(curs, stored_events, **kwargs)
                ids = self._ids(curs, stored_events)
                if hook is not None:
                    hook(Tx(curs, dialect="postgresql", settled=True), stored_events, ids)
                return ids

    def _ids(self, curs: Any, stored_events: Sequence[StoredEvent]) -> list[int]:
        """The notification ids the insert returned (eventsourcing's own reading of them)."""
        ids = self._fetch_ids_after_insert_events(curs, stored_events)
        assert ids is not None  # the application recorder always returns notification ids
        return list(ids)

    def _insert_pipelined(
        self, conn: Any, stored_events: Sequence[StoredEvent], hook: HookType | None, **kwargs: Any
    ) -> list[int]:
        """The whole transaction in one pipeline, in two round trips.

        1. BEGIN, eventsourcing's lock, NOTIFY and insert, and the hook's first read (the log
           head and the trackers: the EXCLUSIVE lock is already held), then a sync: a
           duplicate event surfaces here as an IntegrityError.
        2. Every statement of the hook, and COMMIT, collected when the pipeline ends.
        BEGIN and COMMIT are plain statements of the pipeline: psycopg's `transaction()`
        would sync the pipeline on entering and twice on leaving, three more round trips
        (README, "Ingest speed"). After any error, from the server or from the hook, the
        transaction is rolled back before the connection goes back to the pool.
        """
        failure: BaseException | None = None
        ids: list[int] = []
        try:
            with conn.pipeline() as pipeline, conn.cursor() as curs:
                try:
                    curs.execute("BEGIN")
                    self._insert_events(curs, stored_events, **kwargs)
                    self._insert_stored_events(curs, stored_events, **kwargs)
                    with conn.cursor() as head:
                        head.execute(_adapt(HEAD_AND_TRACKING, "postgresql"))
                        pipeline.sync()
                        prefetched = {HEAD_AND_TRACKING: [dict(r) for r in head.fetchall()]}
                    ids = self._ids(curs, stored_events)
                    if hook is not None:
                        tx = Tx(curs, dialect="postgresql", settled=True, prefetched=prefetched)
                        hook(tx, stored_events, ids)
                    curs.execute("COMMIT")
                except BaseException as exc:  # leave the pipeline first (psycopg warns otherwise)
                    failure = exc
        except BaseException as exc:  # a statement sent last failed (found as the pipeline ends)
            failure = failure or exc
        finally:
            if conn.pgconn.transaction_status != TransactionStatus.IDLE:
                with suppress(Exception):
                    conn.execute("ROLLBACK")
        if failure is not None:
            raise failure
        return ids


def storage_refusal(exc: BaseException, *, writing: bool = True) -> tuple[str, str]:
    """What to tell the officer when the database refuses to write or answer (disk full, a
    read-only file, a dropped connection): the cause as the database gave it, that the batch
    being written was not stored (a batch is stored whole or not at all), and what to do; a
    read (`writing=False`) wrote nothing and is simply asked again."""
    cause = str(getattr(exc, "orig", None) or exc.__cause__ or exc).strip().splitlines()
    said = cause[0] if cause else type(exc).__name__
    if not writing:
        return (
            f"cơ sở dữ liệu không trả lời ({said}); không có gì được ghi: thử lại sau giây lát",
            f"the database did not answer ({said}); nothing was written: try again shortly",
        )
    return (
        f"cơ sở dữ liệu từ chối thao tác ({said}); lô đang ghi KHÔNG được lưu (một lô được lưu "
        "trọn vẹn hoặc không gì cả): khắc phục (dung lượng đĩa, quyền ghi, kết nối) rồi chạy "
        "lại đúng lệnh này",
        f"the database refused the operation ({said}); the batch being written was NOT "
        "stored (a batch is stored whole or not at all): fix the cause (disk space, write "
        "permission, connection) and run the same command again",
    )
