"""Audit: a record of full verifications (when, at which tree size, and the verdict).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

The inspector's page shows the last full verification and its verdict from here, whichever
process ran it (the web page, or `phucloi audit verify --record`).

0004 and 0005 were first empty placeholders: a ledger made by that phucloi is stamped 0005
without 0004's login tables and 0005's report index, and the next migrations (0007 alters
`api_credentials`) failed on it. This revision first makes what they left out.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

import audit.tables  # noqa: F401  (declares the table on the metadata)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _left_out_by_the_placeholders()
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


def _left_out_by_the_placeholders() -> None:
    """0004's tables when they are missing, and 0005's index (its upgrade is idempotent)."""
    if "api_credentials" not in sa.inspect(op.get_bind()).get_table_names():
        importlib.import_module("migrations.versions.0004_api").upgrade()
    importlib.import_module("migrations.versions.0005_reports").upgrade()


def downgrade() -> None:
    op.drop_table("verification_runs")
