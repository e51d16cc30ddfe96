"""A database that is not a phucloi ledger is refused, exit 2, and left exactly as it was.

`--db` (or `PHUCLOI_DATABASE_URL`) pointing at another application's SQLite file, at a file
that is not a database, or at another application's PostgreSQL database used to be migrated
into a ledger by the commands that open the ledger, and to crash the read-only ones (verify,
export, proofs) with a traceback. An empty database, or one made by `phucloi init`, is a
ledger as before.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.keystore import Keystore
from tests.conftest import PG_ADMIN, create_pg_database, drop_pg_database
from tests.integration.test_cli import PASSPHRASE, as_json, cli, ok

COMMANDS = (
    "audit verify",
    "audit verify --json",
    "export --out {tmp}/bundle",
    "audit detect",
    "audit report --out {tmp}/report.html",
    "ratios P --period 2025",
    "report monthly P --month 2025-01",
    "audit checkpoint",
    "audit prove 00000000-0000-0000-0000-000000000000",
    "audit consistency 1 2",
    "audit witness --name w",
    "init",
    "units list",
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused_everywhere(home: Path, tmp: Path, db: str, *, reason: str, **env: str) -> None:
    Keystore(home / "keys").create("w", PASSPHRASE)  # so `audit witness` reaches the database
    for command in COMMANDS:
        r = cli(home, db if not env else None, command.format(tmp=tmp), **env)
        where = "PHUCLOI_DATABASE_URL" if env else "--db"
        assert r.exit_code == 2, (command, r.output)
        assert f"Lỗi / Error: {where}: " in r.stderr, (command, r.stderr)
        assert "không phải sổ cái phucloi / is not a phucloi ledger" in r.stderr, command
        assert reason in r.stderr, (command, r.stderr)
        assert "Traceback" not in r.output, command
        # nothing on stdout but, with --json, the refusal in the API's error shape
        assert r.stdout == "" or json.loads(r.stdout)["code"] == "usage", command
    assert not (tmp / "bundle").exists() and not (tmp / "report.html").exists()


@pytest.mark.parametrize(
    "content",
    [b"x", b"not a database, only some notes\n" * 40, bytes(range(256)) * 3],
    ids=["one-byte", "text", "binary"],
)
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    home = tmp_path / "home"
    path = tmp_path / "j.db"
    path.write_bytes(content)
    _refused_everywhere(
        home, tmp_path, f"sqlite:///{path}", reason="the file is not a SQLite database"
    )
    assert path.read_bytes() == content  # SQLite used to turn a one-byte file into a ledger
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "j.db"]


def _foreign_sqlite(path: Path, *statements: str) -> str:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return _digest(path)


def test_another_applications_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = tmp_path / "f.db"
    before = _foreign_sqlite(
        path, "CREATE TABLE notes(t TEXT)", "INSERT INTO notes VALUES ('sổ tay / notebook')"
    )
    _refused_everywhere(home, tmp_path, f"sqlite:///{path}", reason="has tables (notes) but no")
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.db", "home"]
    # the same through the environment variable
    _refused_everywhere(
        tmp_path / "home2",
        tmp_path,
        "",
        reason="has tables (notes) but no",
        PHUCLOI_DATABASE_URL=f"sqlite:///{path}",
    )
    assert _digest(path) == before


def test_a_schema_version_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    before = _foreign_sqlite(
        path,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('3f2a9c1b7d')",
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY)",
    )
    _refused_everywhere(
        tmp_path / "home",
        tmp_path,
        f"sqlite:///{path}",
        reason="schema version 3f2a9c1b7d is not one of phucloi's migrations",
    )
    assert _digest(path) == before


def test_an_empty_file_becomes_a_ledger_as_before(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    db = f"sqlite:///{path}"
    # reading commands do not migrate: an empty database is not a ledger yet
    r = cli(home, db, "audit verify --json")
    assert r.exit_code == 2 and json.loads(r.stdout)["code"] == "usage"
    assert "the database is empty, not yet a phucloi ledger" in r.stderr
    assert "`phucloi init`" in r.stderr and path.read_bytes() == b""
    # the commands that open the ledger make it one, as they always did
    ok(cli(home, db, "audit detect"))
    assert as_json(cli(home, db, "audit verify --json"))["events"] == 0
    ok(cli(home, db, "init"))
    assert ok(cli(home, db, "units list")).stdout.strip() == "Chưa có đơn vị nào / no units yet"


def test_postgresql_another_applications_database_is_refused_an_empty_one_migrated(
    tmp_path: Path, pg_ready: None
) -> None:
    foreign, empty = create_pg_database(), create_pg_database()
    try:
        with psycopg.connect(_pg_admin(foreign)) as conn:
            conn.execute("CREATE TABLE notes (t text)")
            conn.execute("INSERT INTO notes VALUES ('ghi chú')")
        _refused_everywhere(
            tmp_path / "home", tmp_path, _pg_url(foreign), reason="has tables (notes) but no"
        )
        assert _pg_tables(foreign) == [("notes",)]  # no alembic_version, no ledger tables
        home = tmp_path / "home2"
        db = _pg_url(empty)
        r = cli(home, db, "audit verify")
        assert r.exit_code == 2 and "the database is empty, not yet a phucloi ledger" in r.stderr
        assert _pg_tables(empty) == []
        ok(cli(home, db, "init"))
        assert ("alembic_version",) in _pg_tables(empty)
        assert as_json(cli(home, db, "audit verify --json"))["events"] == 0
        ok(cli(home, db, "audit detect"))
    finally:
        drop_pg_database(foreign)
        drop_pg_database(empty)


def _pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _pg_admin(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def _pg_tables(name: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(_pg_admin(name)) as conn:
        return list(
            conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        )
