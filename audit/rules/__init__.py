"""Profiteering detection rules (phát hiện trục lợi): one pure function per rule.

`audit.detect` registers them in `RULES` and runs them over the facts `audit.rules.load`
reads from a ledger; `audit.rules.base` defines what a rule returns.
"""
