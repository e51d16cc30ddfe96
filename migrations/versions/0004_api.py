"""HTTP API: login credentials and rate limits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

PLACEHOLDER: no schema change yet (kept so the chain stays linear while it is written).
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
