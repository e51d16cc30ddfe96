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


_TEMPLATE: list[str] = []  # this process's migrated template database, made on first use


def migrated_pg_database() -> str:
    """A new database already holding the current schema, as `open_ledger` leaves an empty
    one. Migrating costs a PostgreSQL test about 0.1 s of CPU; it is done once per test
    process, in a template database that each test's database is copied from (the copy
    takes what an empty `CREATE DATABASE` takes). A test about migrating an empty database
    uses `create_pg_database` (fixture `blank_database_url`)."""
    if not _TEMPLATE:
        from ledger.bootstrap import open_ledger

        name = create_pg_database()
        open_ledger(pg_url(name)).close()
        _TEMPLATE.append(name)
    name = f"phucloi_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE[0]}"')
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _TEMPLATE:
        drop_pg_database(_TEMPLATE.pop())


def pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _database(backend: str, tmp_path, request, *, blank: bool) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    request.getfixturevalue("pg_ready")
    name = create_pg_database() if blank else migrated_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def database_url(backend: str, tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The ledger's store: a new SQLite file (not yet made) or a new PostgreSQL database
    holding the current schema and nothing else."""
    yield from _database(backend, tmp_path, request, blank=False)


@pytest.fixture
def blank_database_url(backend: str, tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """As `database_url`, but a PostgreSQL database with no tables at all."""
    yield from _database(backend, tmp_path, request, blank=True)


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
