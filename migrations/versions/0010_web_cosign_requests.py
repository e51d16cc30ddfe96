"""Web: spending signed by a finance officer in the browser, waiting for a chair's cosignature.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

An expense above the approval threshold needs the chair's second signature inline (the
ledger never records one pending). In the web pages the officer and the chair sign in two
browsers, so the officer's signed item waits in `web_cosign_requests` (mirroring
`api.tables`) until a chair cosigns the same bytes; only then does it reach the ledger. The
rows are not ledger events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import api.tables  # noqa: F401  (registers the tables on ledger.tables.metadata)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_cosign_requests",
        sa.Column("command_id", sa.String(36), primary_key=True),
        sa.Column("command_type", sa.String(40), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("officer", sa.String(64), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_web_cosign_requests_unit", "web_cosign_requests", ["unit", "status"])


def downgrade() -> None:
    op.drop_index("ix_web_cosign_requests_unit", table_name="web_cosign_requests")
    op.drop_table("web_cosign_requests")
