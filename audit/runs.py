"""A record of full verifications: when one ran, at which tree size, and its verdict.

Invariants:
- A run is recorded only after `audit.verify.verify` returned; the record states the tree
  size and root it verified, the verdict (`ok`), the counts per severity and the first
  errors with their locations. It is a note for the inspectors' page, not evidence: the
  evidence is the log itself, which anyone can verify again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from audit.findings import ERROR, WARNING, Report
from audit.tables import verification_runs

FIRST_ERRORS = 20


def record_run(engine: Engine, report: Report, *, origin: str) -> dict[str, Any]:
    """Store one finished verification; returns the stored record."""
    row = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "origin": origin,
        "tree_size": report.tree_size,
        "root_hash": report.root_hash or None,
        "ok": report.ok,
        "events": report.events,
        "errors": sum(1 for f in report.findings if f.severity == ERROR),
        "warnings": sum(1 for f in report.findings if f.severity == WARNING),
        "summary": json.dumps(
            {
                "counts": report.counts(),
                "first_errors": [f.as_dict() for f in report.errors()[:FIRST_ERRORS]],
            },
            ensure_ascii=False,
            sort_keys=True,
        ),
    }
    with engine.begin() as conn:
        conn.execute(insert(verification_runs).values(**row))
    return row


def last_run(engine: Engine) -> dict[str, Any] | None:
    """The most recent recorded verification, with its summary decoded; None if none."""
    with engine.connect() as conn:
        row = conn.execute(
            select(verification_runs).order_by(verification_runs.c.id.desc()).limit(1)
        ).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["summary"] = json.loads(out["summary"])
    return out
