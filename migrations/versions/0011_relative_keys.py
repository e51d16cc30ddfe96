"""Relatives get data keys of their own: `person_keys.member_id`, and an index of the
relatives erased on their own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27

From this revision a relative declared by a member (`member.relative`) has their personal
data sealed under a key of their own, a `person_keys` row whose `member_id` names the
declaring member: `member.erase_relative` destroys it alone, `member.erase` destroys it with
the member's own key (ledger.vault). Rows written before have no `member_id` (members' own
keys): relatives declared before stay sealed under the member's key and cannot be erased
alone. `ix_ledger_entries_relative_erasures` lets every open find, cheaply, a key still held
for a relative whose erasure is in the log (ledger.erasure.reapply_erasures).

A database that had this revision, went down to 0010 (which drops the column) and comes up
again holds relatives' own keys without `member_id`: the upgrade ties each to its member
again, from the relatives' declarations in the log, so that the member's erasure still
destroys them (and the next open destroys those of members erased meanwhile).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from ledger.domain.base import aggregate_id, relative_person_id

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("person_keys", sa.Column("member_id", sa.String(36), nullable=True))
    op.create_index("ix_person_keys_member", "person_keys", ["member_id"])
    op.create_index(
        "ix_ledger_entries_relative_erasures",
        "ledger_entries",
        ["originator_id"],
        postgresql_where=sa.text("command_type = 'member.erase_relative'"),
        sqlite_where=sa.text("command_type = 'member.erase_relative'"),
    )
    _tie_relatives_keys()


def _tie_relatives_keys() -> None:
    """Name the declaring member on every relative's own key (none before this revision
    was first applied; after a downgrade and an upgrade, the keys of relatives declared
    meanwhile)."""
    conn = op.get_bind()
    declared = conn.execute(
        sa.text("SELECT state FROM ledger_events WHERE topic = 'phucloi:member.RelativeAdded'")
    )
    ties = []
    for (state,) in declared:
        body = json.loads(json.loads(bytes(state))["envelope"]["command"])["body"]
        ties.append(
            {
                "person": str(relative_person_id(body["member"], body["relative"])),
                "member": str(aggregate_id("member", body["member"])),
            }
        )
    if ties:
        conn.execute(
            sa.text(
                "UPDATE person_keys SET member_id = :member "
                "WHERE person_id = :person AND member_id IS NULL"
            ),
            ties,
        )


def downgrade() -> None:
    # The relatives' keys stay, no longer tied to their member: the phucloi of 0010 would
    # neither destroy them with the member nor open the relatives' data (sealed under them).
    # Upgrading again ties them to their member again (`_tie_relatives_keys`).
    op.drop_index("ix_ledger_entries_relative_erasures", table_name="ledger_entries")
    op.drop_index("ix_person_keys_member", table_name="person_keys")
    with op.batch_alter_table("person_keys") as batch:
        batch.drop_column("member_id")
