"""The composition root: the only place that builds engines and reads settings.

`open_ledger(url)` parses the database URL, refuses a database that is neither empty nor a
phucloi ledger (`ledger.schema.NotALedger`, nothing written to it), brings the schema to head
with Alembic, and returns the Ledger application wired to its vault and read models
(ledger.projections: updated in the event's transaction, caught up here if a projection lags
the log).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from ledger import schema
from ledger.application import Ledger
from ledger.config import Settings, StoreTarget, parse_database_url
from ledger.erasure import reapply_erasures
from ledger.projections.rebuild import catch_up
from ledger.projections.registry import in_transaction_projectors
from ledger.vault import Vault


@dataclass
class Context:
    target: StoreTarget
    engine: Engine
    vault: Vault
    ledger: Ledger

    def close(self) -> None:
        self.ledger.close()
        self.engine.dispose()


def make_engine(target: StoreTarget) -> Engine:
    if target.backend == "sqlite":
        engine = create_engine(target.url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA secure_delete=FAST")
            cur.close()

        return engine
    return create_engine(target.url, pool_pre_ping=True)


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_sqlite_file(path: Path) -> None:
    """A new ledger file is created 0600 in a directory created 0700 (it holds every member's
    data key and the ledger's secrets); SQLite gives its -wal and -shm files the database
    file's mode. An existing file readable by group or others is left as it is, with a
    warning on stderr."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        parent.chmod(PRIVATE_DIR)  # mkdir's mode is masked by the umask
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            sys.stderr.write(
                f"Cảnh báo: tệp sổ cái {path} có quyền {mode:04o}, người dùng khác đọc được "
                f"(khóa dữ liệu cá nhân, khóa bí mật); hãy chạy: chmod 600 {path} / warning: "
                f"the ledger file {path} has mode {mode:04o} and is readable by other users "
                f"(personal data keys, ledger secrets); run: chmod 600 {path}\n"
            )
        return
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)  # an empty file: SQLite makes it a new database


def open_ledger(url: str | None = None, *, settings: Settings | None = None) -> Context:
    settings = settings or Settings()
    target = parse_database_url(url or settings.url())
    if target.sqlite_path:
        private_sqlite_file(Path(target.sqlite_path))
    engine = make_engine(target)
    try:
        schema.check_database(target, engine)  # before any connection of `engine` writes
        schema.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    vault = Vault(engine)
    ledger = Ledger(target.eventsourcing_env(), engine=engine, vault=vault)
    # Read models are written in each event's transaction, tracked by seq; any that lag
    # (a projection new to this ledger) are brought up to the head before first use.
    ledger.projectors[:] = in_transaction_projectors(ledger.mapper)
    catch_up(ledger)
    reapply_erasures(engine)
    return Context(target=target, engine=engine, vault=vault, ledger=ledger)
