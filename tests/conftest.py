"""Test fixtures: every ledger test runs on SQLite and on a real PostgreSQL.

Each PostgreSQL test gets its own freshly created database, dropped afterwards. When the
server is unreachable the PostgreSQL half is skipped on a developer machine but FAILS in CI
(`CI=true`), so a green CI always means both backends were exercised.
Select one backend with `--backend sqlite` or `--backend postgresql`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

PG_ADMIN = os.environ.get("PHUCLOI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
RUN_ID = uuid.uuid4().hex[:8]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default="both",
        choices=["both", "sqlite", "postgresql"],
        help="which store(s) the ledger tests run on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        backends = ["sqlite", "postgresql"] if chosen == "both" else [chosen]
        metafunc.parametrize("backend", backends, scope="function")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def pg_ready() -> None:
    problem = _pg_available()
    if problem is None:
        return
    message = f"PostgreSQL is not reachable at {PG_ADMIN}: {problem}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + " (CI requires it)", pytrace=False)
    pytest.skip(message)


def create_pg_database() -> str:
    name = f"phucloi_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        # A test database need not survive a crash of the server: its commits do not wait
        # for the WAL to reach the disk (what a commit does and sees is unchanged).
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(backend: str, tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    request.getfixturevalue("pg_ready")
    name = create_pg_database()
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_pg_database(name)


@pytest.fixture
def ctx(database_url: str):  # type: ignore[no-untyped-def]
    from ledger.bootstrap import open_ledger

    context = open_ledger(database_url)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def world(ctx):  # type: ignore[no-untyped-def]
    from tests.support import World

    return World.build(ctx)
