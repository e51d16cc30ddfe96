"""Read models: each unit's parent over time, so roll-up follows the tree of each line's date.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

`proj_unit_parents` mirrors `ledger.projections.tables`: one row per `unit.register` and
`unit.move` (code, seq, effective date, parent). It belongs to the `units` projection, so
this revision empties `proj_units` and forgets that projection's tracking row: when the
ledger next opens, the projection is caught up from the log (ledger.projections.rebuild.
catch_up) and fills both tables from the signed unit events, as a rebuild would.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proj_unit_parents",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sqlite_with_rowid=False,
    )
    op.execute("DELETE FROM proj_units")
    op.execute("DELETE FROM projection_tracking WHERE name = 'units'")


def downgrade() -> None:
    op.drop_table("proj_unit_parents")
