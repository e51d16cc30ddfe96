"""Queries over the read models (plain SQL, no event replay): what the CLI and API show.

Invariant: queries read only projection tables and `ledger.tables` indexes, never decrypt
anything; personal names are added at display time through `Ledger.reveal`.
"""
