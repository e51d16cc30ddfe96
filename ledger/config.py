"""Settings and the one database URL that selects the store.

Invariant: nothing else in the project reads environment variables for the store; the
composition root (`ledger.bootstrap`) takes a `Settings` and builds everything from it.
`PHUCLOI_DATABASE_URL` (or `--db`) is SQLAlchemy style; with nothing set, an embedded SQLite
file under `PHUCLOI_HOME` (default `~/.phucloi`) is used, so a new user needs no server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHUCLOI_", extra="ignore")

    home: Path = Path("~/.phucloi")
    database_url: str | None = None

    def resolved_home(self) -> Path:
        return self.home.expanduser()

    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home() / 'phucloi.db'}"


class DatabaseUrlError(ValueError):
    """The database URL is not one phucloi can use."""


@dataclass(frozen=True)
class StoreTarget:
    """Where the event store lives, parsed from a SQLAlchemy URL."""

    backend: str  # "sqlite" | "postgresql"
    url: URL
    sqlite_path: str | None = None

    def eventsourcing_env(self) -> dict[str, str]:
        """Environment for eventsourcing's infrastructure factory."""
        env = {"CREATE_TABLE": "yes"}
        if self.backend == "sqlite":
            assert self.sqlite_path is not None
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "ledger.store:SQLiteLedgerRecorder",
            }
        else:
            u = self.url
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": u.database or "",
                "POSTGRES_HOST": u.host or "127.0.0.1",
                "POSTGRES_PORT": str(u.port or 5432),
                "POSTGRES_USER": u.username or "postgres",
                "POSTGRES_PASSWORD": u.password or "",
                "POSTGRES_LOCK_TIMEOUT": "10",
                "POSTGRES_POOL_SIZE": "5",
                "POSTGRES_MAX_OVERFLOW": "10",
                "APPLICATION_RECORDER_TOPIC": "ledger.store:PostgresLedgerRecorder",
            }
        return env


_USER_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@]*:)(.*)@")


def hide_password(raw: str) -> str:
    """The URL with any password shown as `***`, even when it does not parse (messages)."""
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return _USER_PASSWORD.sub(r"\1***@", raw, count=1)


def parse_database_url(raw: str) -> StoreTarget:
    """Parse `sqlite:///path.db` or `postgresql+psycopg://user@host/db`, with clear errors."""
    try:
        url = make_url(raw)
    except Exception as exc:  # sqlalchemy raises ArgumentError
        raise DatabaseUrlError(
            f"database URL {hide_password(raw)!r} is not a valid SQLAlchemy URL "
            "(ví dụ / e.g. sqlite:///phucloi.db, postgresql+psycopg://postgres@127.0.0.1/phucloi)"
        ) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise DatabaseUrlError(
                "database URL: SQLite needs a file path (sqlite:///path.db); "
                "an in-memory database cannot hold a ledger"
            )
        path = str(Path(url.database).expanduser())
        return StoreTarget(backend="sqlite", url=url.set(database=path), sqlite_path=path)
    if backend == "postgresql":
        driver = url.get_driver_name()
        if driver not in ("psycopg", "psycopg3"):
            url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise DatabaseUrlError("database URL: PostgreSQL URL must name a database")
        return StoreTarget(backend="postgresql", url=url)
    raise DatabaseUrlError(
        f"database URL: backend {backend!r} is not supported; use sqlite or postgresql"
    )
