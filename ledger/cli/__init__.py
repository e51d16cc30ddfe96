"""The `phucloi` command line: officers record signed events on the ledger from a terminal.

Entry point: `ledger.cli.main:app` (Typer). Every recording command signs with the officer's
key from the local keystore (`$PHUCLOI_HOME/keys`, `--as OFFICER`) and submits through
`ledger.application.Ledger`, exactly as the HTTP API does.
"""
