"""The signed event log: eventsourcing's events table, ledger entries, immutability triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

The events table DDL is eventsourcing 9.5's own (same columns, keys and index), created here
so that the immutability triggers are part of the schema's history. UPDATE, DELETE (and on
PostgreSQL TRUNCATE) on `ledger_events` and `ledger_entries` are refused by the database
itself, so data that bypasses the code is still protected.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

IMMUTABLE = ("ledger_events", "ledger_entries")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE TABLE IF NOT EXISTS ledger_events ("
            "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
        op.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS ledger_events_notification_id_idx "
            "ON ledger_events (notification_id ASC)"
        )
    else:
        op.execute(
            "CREATE TABLE IF NOT EXISTS ledger_events ("
            "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
            "PRIMARY KEY (originator_id, originator_version))"
        )

    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("command_type", sa.String(40), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=True),
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("originator_id", sa.String(36), nullable=False),
        sa.Column("originator_version", sa.Integer, nullable=False),
        sa.Column("notification_id", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("command_digest", sa.String(64), nullable=False),
        sa.Column("leaf_hash", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_ledger_entries_originator",
        "ledger_entries",
        ["originator_id", "originator_version"],
        unique=True,
    )
    op.create_table(
        "member_index",
        sa.Column("member_number", sa.String(32), primary_key=True),
        sa.Column("member_id", sa.String(36), nullable=False, unique=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("salary_basis", sa.BigInteger, nullable=False),
        sa.Column("citizen_blind", sa.String(32), nullable=True),
        sa.Column("bank_blind", sa.String(32), nullable=True),
        sa.Column("household_blind", sa.String(32), nullable=True),
        sa.Column("officer_code", sa.String(64), nullable=True),
    )
    op.create_index("ix_member_index_unit", "member_index", ["unit_code"])
    op.create_index("ix_member_index_citizen", "member_index", ["citizen_blind"])
    op.create_table(
        "member_units",
        sa.Column("member_number", sa.String(32), primary_key=True),
        sa.Column("from_date", sa.Date, primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("to_date", sa.Date, nullable=True),
    )
    op.create_table(
        "person_keys",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("data_key", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("erased_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "ledger_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )

    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION phucloi_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'phucloi: % on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME; "
            "END $$"
        )
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION phucloi_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION phucloi_refuse_change()"
            )
    else:
        for table in IMMUTABLE:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'phucloi: {action} on {table} refused: "
                    "the ledger is append-only'); END"
                )


def downgrade() -> None:
    raise RuntimeError("the event log is append-only: downgrading it is refused")
