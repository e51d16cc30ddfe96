"""Audit trail: signed checkpoints and witness cosignatures, append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Both tables refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) like the event log, so a
checkpoint once signed, and a witness's cosignature once stored, stay as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import audit.tables  # noqa: F401  (registers the tables on ledger.tables.metadata)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("checkpoints", "checkpoint_cosignatures")


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "checkpoint_cosignatures",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("witness", sa.String(200), primary_key=True),
        sa.Column("key_id", sa.String(8), primary_key=True),
        sa.Column("vkey", sa.Text, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("cosigned_at", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # phucloi_refuse_change() is created by migration 0001.
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION phucloi_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION phucloi_refuse_change()"
            )
    else:
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'phucloi: {action} on {table} refused: "
                    "the ledger is append-only'); END"
                )


def downgrade() -> None:
    raise RuntimeError("checkpoints are append-only: downgrading them is refused")
