"""Bring a database to the current schema with Alembic (`phucloi init` and every open).

Invariant: only a phucloi ledger, or an empty database, is ever migrated. Before anything
writes to a database, `check_database` tells which it is and refuses anything else
(`NotALedger`) without changing a byte: a SQLite file is read through a read-only
connection opened with none of the ledger's pragmas (`PRAGMA journal_mode=WAL` rewrites the
file's header), a PostgreSQL database only through SELECTs. A database is this ledger's when
its `alembic_version` names revisions of our migrations (`migrations/versions`); one with
tables and no such version (another application's, or a newer phucloi's) is not.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from ledger.config import StoreTarget

VERSION_TABLE = "alembic_version"
SQLITE_MAGIC = b"SQLite format 3\x00"


class NotALedger(Exception):
    """The database holds something other than a phucloi ledger (and was left untouched)."""


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("migrations")))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@cache
def known_revisions() -> frozenset[str]:
    """Every revision of our migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(r.revision for r in script.walk_revisions())


def judge(tables: set[str], versions: list[str]) -> Literal["empty", "ledger"]:
    """What a database holding `tables` (and, when it has `alembic_version`, those rows) is;
    `NotALedger` when it is neither empty nor ours."""
    if VERSION_TABLE not in tables:
        if not tables:
            return "empty"
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise NotALedger(
            f"có bảng ({shown}) nhưng không có phiên bản lược đồ của phucloi / has tables "
            f"({shown}) but no phucloi schema version ({VERSION_TABLE})"
        )
    unknown = sorted(v for v in versions if v not in known_revisions())
    if unknown:
        raise NotALedger(
            f"phiên bản lược đồ {', '.join(unknown)} không phải của phucloi / schema version "
            f"{', '.join(unknown)} is not one of phucloi's migrations (another application's, "
            "or a newer phucloi's)"
        )
    if not versions and tables - {VERSION_TABLE}:
        raise NotALedger(
            f"có bảng nhưng {VERSION_TABLE} rỗng / has tables but an empty {VERSION_TABLE}"
        )
    return "ledger" if versions else "empty"


def check_sqlite_file(path: str | Path) -> Literal["missing", "empty", "ledger"]:
    """What the SQLite file at `path` is, read without changing it; `NotALedger` when it is
    not a SQLite database or holds something else. sqlite3.OperationalError when it cannot
    be read (locked, no permission)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return "missing"
    if not magic:
        return "empty"  # SQLite makes an empty file a new database
    if magic != SQLITE_MAGIC:
        raise NotALedger("tệp không phải cơ sở dữ liệu SQLite / the file is not a SQLite database")
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        versions = []
        if VERSION_TABLE in tables:
            versions = [str(r[0]) for r in conn.execute(f"SELECT * FROM {VERSION_TABLE}")]
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
        raise NotALedger(f"tệp hỏng / the file is not a readable database: {exc}") from None
    finally:
        conn.close()
    return judge(tables, versions)


def check_database(target: StoreTarget, engine: Engine) -> Literal["missing", "empty", "ledger"]:
    """What the selected store is (see the module docstring), before anything writes to it.

    A SQLite file is read directly, never through `engine` (whose connections set WAL mode);
    a PostgreSQL database through `engine`, with SELECTs only.
    """
    if target.sqlite_path is not None:
        return check_sqlite_file(target.sqlite_path)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        versions = []
        if VERSION_TABLE in tables:
            versions = [str(r[0]) for r in conn.execute(text(f"SELECT * FROM {VERSION_TABLE}"))]
    return judge(tables, versions)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# pg_advisory_xact_lock key held while migrations run ("phucloi" + "mi" in ASCII).
MIGRATION_LOCK = 0x7068_7563_6C6F_6D69


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (no-op when the schema is current), one process at a
    time: processes opening a ledger whose schema is behind (or an empty database) at once
    all opened it, instead of all but one failing on the other's half-made tables
    ("duplicate key value violates unique constraint pg_type_typname_nsp_index", "table
    already exists"). The first takes the migration lock (PostgreSQL: an advisory lock held
    until its transaction ends; SQLite: the database's write lock, `BEGIN IMMEDIATE`, which
    also makes the migrations one transaction there), the others wait for it and then find
    the schema current: Alembic reads the version again under the lock."""
    if current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
