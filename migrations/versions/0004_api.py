"""HTTP API: login credentials and failed-login records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

The tables mirror `api.tables`. They are ordinary tables (no append-only triggers): a new
password replaces the old hash, and old failed-login rows are deleted once out of the window.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import api.tables  # noqa: F401  (registers the tables on ledger.tables.metadata)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_credentials",
        sa.Column("account", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "api_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(80), nullable=False),
        sa.Column("attempted_ms", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_api_login_attempts_account", "api_login_attempts", ["account", "attempted_ms"]
    )


def downgrade() -> None:
    op.drop_index("ix_api_login_attempts_account", table_name="api_login_attempts")
    op.drop_table("api_login_attempts")
    op.drop_table("api_credentials")
