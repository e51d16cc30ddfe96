"""Write-side tables kept beside eventsourcing's `ledger_events` table.

Invariants:
- `ledger_entries` has exactly one row per stored event, written in the same transaction as
  the event, numbered by a gap-free `seq` from 0 (the event's leaf index in the Merkle log).
  `event_id` is the signed command's client-generated id, unique: a retried command finds
  its original entry here.
- `ledger_entries` and `ledger_events` refuse UPDATE and DELETE (triggers installed by the
  first migration), so a correction is only ever a new, signed reversal.
- `member_index` / `member_units` are derived from member events in the same transaction;
  they can be rebuilt from the log at any time.
- `person_keys` holds the per-person data keys, outside the events: deleting a key erases
  that person's personal data while every signature and hash still verifies. A relative's
  row names the declaring member (`member_id`), whose erasure deletes it too.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

EVENTS_TABLE = "ledger_events"

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("command_type", String(40), nullable=False),
    Column("unit_code", String(64), nullable=True),
    Column("signer", String(64), nullable=False),
    Column("originator_id", String(36), nullable=False),
    Column("originator_version", Integer, nullable=False),
    Column("notification_id", BigInteger, nullable=False),
    Column("topic", String(120), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("effective_date", Date, nullable=True),
    Column("command_digest", String(64), nullable=False),
    Column("leaf_hash", String(64), nullable=False),
    Index("ix_ledger_entries_originator", "originator_id", "originator_version", unique=True),
    # the erasures, for `ledger.erasure.reapply_erasures` at every open
    Index(
        "ix_ledger_entries_erasures",
        "originator_id",
        sqlite_where=text("command_type = 'member.erase'"),
        postgresql_where=text("command_type = 'member.erase'"),
    ),
    # the relatives erased on their own, for the same
    Index(
        "ix_ledger_entries_relative_erasures",
        "originator_id",
        sqlite_where=text("command_type = 'member.erase_relative'"),
        postgresql_where=text("command_type = 'member.erase_relative'"),
    ),
)

member_index = Table(
    "member_index",
    metadata,
    Column("member_number", String(32), primary_key=True),
    Column("member_id", String(36), nullable=False, unique=True),
    Column("unit_code", String(64), nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("salary_basis", BigInteger, nullable=False),
    Column("citizen_blind", String(32), nullable=True),
    Column("bank_blind", String(32), nullable=True),
    Column("household_blind", String(32), nullable=True),
    Column("officer_code", String(64), nullable=True),
    Index("ix_member_index_unit", "unit_code"),
    Index("ix_member_index_citizen", "citizen_blind"),
)

member_units = Table(
    "member_units",
    metadata,
    Column("member_number", String(32), primary_key=True),
    Column("from_date", Date, primary_key=True),
    Column("unit_code", String(64), nullable=False),
    Column("to_date", Date, nullable=True),
)

person_keys = Table(
    "person_keys",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("data_key", LargeBinary, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("erased_at", String(32), nullable=True),
    # a relative's key: the declaring member's person id (their erasure destroys it too);
    # NULL for a member's own key
    Column("member_id", String(36), nullable=True),
    Index("ix_person_keys_member", "member_id"),
)

ledger_secrets = Table(
    "ledger_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
    Column("note", Text, nullable=True),
)
