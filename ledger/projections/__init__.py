"""Read models (ledger.projections): filled in each event's transaction, rebuildable.

Layout: `tables` (SQLAlchemy tables on `ledger.tables.metadata`, created by migration 0002),
`lines` (what a money event means, pure), `money` and `organisation` (the projections),
`tracking` (exactly-once application by seq), `registry` (the list of projections), `log`
(reading the signed log back as EntryMeta), `rebuild` (rebuild, catch-up, status), and
`queries/` (history, ratios, compliance, beneficiaries, the union tree).

Invariants: a projection's rows are a function of the ordered log alone; its `last_seq`
moves in the same transaction as its rows; nothing decrypted is ever stored here.
"""
