"""Tables of the HTTP API: login credentials and failed-login records (migration 0004), and
spending waiting in the web pages for a chair's cosignature (migration 0010).

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
- `web_cosign_requests` (migration 0010) holds spending a finance officer signed in the
  browser that needs the chair's second signature, until a chair cosigns it in theirs: the
  signed item exactly as posted (command, signature), never a ledger event. A chair's
  cosignature sends it to the ledger, which verifies both signatures then; a row is never
  deleted, its `status` moves from `waiting` to `recorded`, `refused` (by a chair, with a
  note) or `withdrawn` (by the officer who signed it).
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

web_cosign_requests = Table(
    "web_cosign_requests",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("command_type", String(40), nullable=False),
    Column("unit", String(64), nullable=False),
    Column("officer", String(64), nullable=False),  # the maker, who signed the item
    Column("item", Text, nullable=False),  # the signed item as JSON, without cosignatures
    Column("held_at", String(32), nullable=False),
    Column("status", String(12), nullable=False),  # waiting | recorded | refused | withdrawn
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", String(32), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_web_cosign_requests_unit", "unit", "status"),
)

__all__ = ["api_credentials", "api_login_attempts", "web_cosign_requests"]
