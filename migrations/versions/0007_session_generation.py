"""HTTP API: a per-account session generation, so logging out and a new password or PIN end
the bearer tokens (and web sessions) issued before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

`api_credentials.session_generation` mirrors `api.tables`: every token carries the value
current at login and is refused once it has moved on (see api.auth). Existing rows start at
0; tokens issued before this revision carry no generation and are refused, so upgrading
logs everybody out once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import api.tables  # noqa: F401  (registers the tables on ledger.tables.metadata)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "api_credentials",
        sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # SQLite before 3.35 cannot drop a column: batch mode copies the table there.
    with op.batch_alter_table("api_credentials") as batch:
        batch.drop_column("session_generation")
