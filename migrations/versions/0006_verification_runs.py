"""Audit: a record of full verifications (when, at which tree size, and the verdict).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

The inspector's page shows the last full verification and its verdict from here, whichever
process ran it (the web page, or `phucloi audit verify --record`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import audit.tables  # noqa: F401  (declares the table on the metadata)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("finished_at", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=True),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verification_runs")
