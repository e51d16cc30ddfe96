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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import retry

from ledger.tables import EVENTS_TABLE


class Tx:
    """A thin cursor adapter so hook SQL runs unchanged on sqlite3 and psycopg."""

    def __init__(self, cursor: Any, *, dialect: str) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._cursor.execute(_adapt(sql, self.dialect), params or {})

    def executemany(self, sql: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            self._cursor.executemany(_adapt(sql, self.dialect), rows)

    def settle(self) -> None:
        """Collect pending pipelined results before a read (PostgreSQL pipeline mode).

        eventsourcing runs the hook inside a psycopg pipeline; a SELECT sent after pipelined
        writes could otherwise be handed an earlier statement's result. Elsewhere a no-op.
        """
        if self.dialect != "postgresql":
            return
        connection = getattr(self._cursor, "connection", None)
        if connection is None:
            return
        from psycopg import pq

        if connection.pgconn.pipeline_status != pq.PipelineStatus.OFF:
            with connection.pipeline():
                pass

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        self.settle()
        self.execute(sql, params)
        row = self._cursor.fetchone()
        if row is None:
            return None
        return row[0] if self.dialect == "sqlite" else next(iter(row.values()))

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.settle()
        self.execute(sql, params)
        return [dict(r) for r in self._cursor.fetchall()]


_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def _adapt(sql: str, dialect: str) -> str:
    if dialect == "sqlite":
        return sql
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


class LedgerHook(Protocol):
    def __call__(
        self, tx: Tx, stored_events: Sequence[StoredEvent], notification_ids: Sequence[int]
    ) -> None: ...


HookType = Callable[[Tx, Sequence[StoredEvent], Sequence[int]], None]


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = EVENTS_TABLE):
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

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """eventsourcing's statements in one plain transaction, without pipeline mode.

        The library pipelines the lock, NOTIFY and insert; with a batch of several megabytes
        (an import of thousands of members) that pipeline stalls for good. A ledger batch is
        one atomic transaction however large, so the statements run one after another here:
        the same lock, the same insert, the same ids, the hook in the same transaction.
        """
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        hook: HookType | None = kwargs.get("ledger_hook")
        if hook is not None and stored_events:
            hook(Tx(curs, dialect="postgresql"), stored_events, list(ids))
        return ids
