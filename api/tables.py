"""Tables of the HTTP API: login credentials and failed-login records (migration 0004).

Invariants:
- `api_credentials` holds one row per account ("officer:CODE" or "member:NUMBER") with the
  Argon2id hash of its password or PIN, never the secret itself. A new password or PIN
  replaces the row. These rows are not ledger events: they are how people reach the API,
  not what the union did, so they are outside the signed log and may be changed.
- `session_generation` (migration 0007) counts the ends of the account's sessions: every
  bearer token carries the number current when it was issued and is refused once the number
  moved on. Logging out and every new password or PIN add one; the row is updated in place,
  never deleted and re-inserted, so the number never goes back.
- `api_login_attempts` holds failed logins per account, with the instant in epoch
  milliseconds; the rate limit counts the rows of the last window. Kept in the database, so
  the limit holds across server processes and restarts; rows older than the window are
  deleted when the account next logs in.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from ledger.tables import metadata

api_credentials = Table(
    "api_credentials",
    metadata,
    Column("account", String(80), primary_key=True),
    Column("kind", String(8), nullable=False),  # officer | member
    Column("subject", String(64), nullable=False),  # officer code or member number
    Column("secret_hash", Text, nullable=False),  # Argon2id, PHC string format
    Column("issued_by", String(64), nullable=True),  # the officer who issued a member's PIN
    Column("updated_at", String(32), nullable=False),
    Column("session_generation", Integer, nullable=False, server_default="0"),
)

api_login_attempts = Table(
    "api_login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(80), nullable=False),
    Column("attempted_ms", BigInteger, nullable=False),
    Index("ix_api_login_attempts_account", "account", "attempted_ms"),
)

__all__ = ["api_credentials", "api_login_attempts"]
