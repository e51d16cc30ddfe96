"""Reports: a partial index on the money read model for the report forms.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

`ix_proj_money_lines_report` (unit, flow, key, effective date) over the lines that are not
income: the report forms and the spending structure read a subtree's payouts, expenses and
loans of a period through it (see ledger.reports.tables). Member dues lines, most of the
table, are outside it, so dues imports do not pay for it.

A database stamped 0005 by the earlier placeholder lacks the index: `alembic downgrade 0004`
then `upgrade head` adds it (both steps are idempotent).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.reports.tables  # noqa: F401  (declares the index on the metadata)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_proj_money_lines_report",
        "proj_money_lines",
        ["unit_code", "flow", "key", "effective_date"],
        postgresql_where=sa.text("flow <> 'income'"),
        sqlite_where=sa.text("flow <> 'income'"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_proj_money_lines_report", table_name="proj_money_lines", if_exists=True)
