"""The index the report forms read through (migration 0005), declared on the money read model.

`proj_money_lines` belongs to `ledger.projections`; this module only adds one partial index
to it, so a report reads a subtree's payouts, expenses and loans of a period without
touching the member dues lines (most of the table), and dues imports pay nothing for it.

Invariant: every report query repeats the index's predicate (`flow <> 'income'`, see
`ledger.reports.measures.Scope.where`) so both PostgreSQL and SQLite can use it. Migration
0005 creates it and imports this module, so the declared metadata always includes it.
"""

from __future__ import annotations

from sqlalchemy import Index, text

from ledger.projections.tables import proj_money_lines

NOT_INCOME = "flow <> 'income'"

report_lines_index = Index(
    "ix_proj_money_lines_report",
    proj_money_lines.c.unit_code,
    proj_money_lines.c.flow,
    proj_money_lines.c.key,
    proj_money_lines.c.effective_date,
    postgresql_where=text(NOT_INCOME),
    sqlite_where=text(NOT_INCOME),
)
