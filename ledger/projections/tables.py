"""Read-model tables, filled in the event's transaction and rebuildable from the log.

They live on `ledger.tables.metadata`, so Alembic's migration-vs-metadata comparison covers
them (migration 0002 creates them).

Invariants:
- Every table here is a pure function of the ordered log: `phucloi projections rebuild`
  empties it and replays `ledger_entries` joined with the events, giving the same rows.
- `projection_tracking.last_seq` is the `seq` of the last event a projection has applied,
  updated in the same transaction as the rows; -1 means nothing applied yet.
- Money is integer đồng; `amount` is signed only on reversal lines (the negated copy of the
  line it cancels), so sums net reversals out.
- No decrypted personal data is stored: members and relatives appear by number and code.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
)

from ledger.tables import metadata

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# The union tree (cây tổ chức công đoàn), for roll-up and labels.
proj_units = Table(
    "proj_units",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(200), nullable=False),
    Column("parent", String(64), nullable=True),
    Column("registered_on", Date, nullable=False),
    Column("dissolved_on", Date, nullable=True),
    Index("ix_proj_units_parent", "parent"),
)

# Each unit's parent over time: one row per registration and per move, from its effective
# date. `seq` orders changes of one day and lets a report take the tree as of a checkpoint.
proj_unit_parents = Table(
    "proj_unit_parents",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("from_date", Date, nullable=False),
    Column("parent", String(64), nullable=True),
    sqlite_with_rowid=False,
)

# Registered salary basis of each member over time (mức lương đóng đoàn phí).
proj_member_salaries = Table(
    "proj_member_salaries",
    metadata,
    Column("member_number", String(32), primary_key=True),
    Column("from_date", Date, primary_key=True),
    Column("salary_basis", BigInteger, nullable=False),
)

# One row per money line: a dues line of one member, a fee, other income, a remittance (a
# line at the sender and one at the receiver), an expense, a payout, a loan movement, or the
# negated copy of a reversed line. Member histories are read from here.
proj_money_lines = Table(
    "proj_money_lines",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False),
    Column("command_type", String(40), nullable=False),
    Column("unit_code", String(64), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("month", String(7), nullable=True),
    Column("flow", String(16), nullable=False),
    Column("key", String(40), nullable=False),
    Column("member_number", String(32), nullable=True),
    Column("relative", String(64), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("basis", BigInteger, nullable=True),
    Column("status", String(12), nullable=False),
    Column("form", String(8), nullable=True),
    Column("overridden", Boolean, nullable=False),
    Column("reversed", Boolean, nullable=False),
    Column("reversal_of", String(36), nullable=True),
    Column("detail", String(500), nullable=True),
    Index("ix_proj_money_lines_member", "member_number", "effective_date"),
    Index("ix_proj_money_lines_month", "unit_code", "month"),
    Index("ix_proj_money_lines_event", "event_id"),
    sqlite_with_rowid=False,  # the key is (seq, line): one b-tree less per line on SQLite
)

# Counted amounts of ONE unit (descendants are added at query time) per stored period
# ("2025-03" months and "lunar-2025" Tết years; a quarter or a year is the sum of its
# months), flow and key.
proj_unit_totals = Table(
    "proj_unit_totals",
    metadata,
    Column("unit_code", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("flow", String(16), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("lines", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Who received what, per unit, stored period (as above) and welfare kind; `relative` is ""
# for the member. A person is counted once over the months of a quarter or year.
proj_beneficiaries = Table(
    "proj_beneficiaries",
    metadata,
    Column("unit_code", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("member_number", String(32), primary_key=True),
    Column("relative", String(64), primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("payouts", Integer, nullable=False),
    sqlite_with_rowid=False,
)

__all__ = [
    "metadata",
    "proj_beneficiaries",
    "proj_member_salaries",
    "proj_money_lines",
    "proj_unit_parents",
    "proj_unit_totals",
    "proj_units",
    "projection_tracking",
]
