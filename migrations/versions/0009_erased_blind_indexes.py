"""Erasure: an erased member's blind indexes are cleared from `member_index`; the erasures
get a partial index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

From this revision the member-index projection applies `member.erase` by clearing the
member's citizen, bank-account and household blind indexes (ledger.entries.ERASE_BLINDS).
Members erased before it still have them: this revision clears them, so the live read model
equals a rebuild from the log (`audit verify`, check 3). `ix_ledger_entries_erasures`
(ledger.tables) lets every open find, cheaply, a key still held for an erased person
(ledger.erasure.reapply_erasures).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entries_erasures",
        "ledger_entries",
        ["originator_id"],
        postgresql_where=sa.text("command_type = 'member.erase'"),
        sqlite_where=sa.text("command_type = 'member.erase'"),
    )
    op.execute(
        "UPDATE member_index SET citizen_blind = NULL, bank_blind = NULL, "
        "household_blind = NULL WHERE member_id IN "
        "(SELECT originator_id FROM ledger_entries WHERE command_type = 'member.erase')"
    )


def downgrade() -> None:
    # the blind indexes of erased members are not restored
    op.drop_index("ix_ledger_entries_erasures", table_name="ledger_entries")
