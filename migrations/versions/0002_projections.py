"""Read models: projection tracking, union tree, salaries, money lines, totals, beneficiaries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

The tables mirror `ledger.projections.tables`. `member_index` existed before tracking did and
was always maintained in the event's transaction, so its tracking row starts at the current
head of the log; every other projection starts empty (no row = -1) and is caught up from the
log when the ledger next opens (ledger.projections.rebuild.catch_up).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO projection_tracking (name, last_seq) "
        "SELECT 'member_index', COALESCE(MAX(seq), -1) FROM ledger_entries"
    )
    op.create_table(
        "proj_units",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(200), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("dissolved_on", sa.Date, nullable=True),
    )
    op.create_index("ix_proj_units_parent", "proj_units", ["parent"])
    op.create_table(
        "proj_member_salaries",
        sa.Column("member_number", sa.String(32), primary_key=True),
        sa.Column("from_date", sa.Date, primary_key=True),
        sa.Column("salary_basis", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "proj_money_lines",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("command_type", sa.String(40), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("month", sa.String(7), nullable=True),
        sa.Column("flow", sa.String(16), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("member_number", sa.String(32), nullable=True),
        sa.Column("relative", sa.String(64), nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("basis", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("form", sa.String(8), nullable=True),
        sa.Column("overridden", sa.Boolean, nullable=False),
        sa.Column("reversed", sa.Boolean, nullable=False),
        sa.Column("reversal_of", sa.String(36), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_proj_money_lines_member", "proj_money_lines", ["member_number", "effective_date"]
    )
    op.create_index("ix_proj_money_lines_month", "proj_money_lines", ["unit_code", "month"])
    op.create_index("ix_proj_money_lines_event", "proj_money_lines", ["event_id"])
    op.create_table(
        "proj_unit_totals",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("flow", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "proj_beneficiaries",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("member_number", sa.String(32), primary_key=True),
        sa.Column("relative", sa.String(64), primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("payouts", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for table in (
        "proj_beneficiaries",
        "proj_unit_totals",
        "proj_money_lines",
        "proj_member_salaries",
        "proj_units",
        "projection_tracking",
    ):
        op.drop_table(table)
