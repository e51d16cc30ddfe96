"""A record of full verifications: when one ran, at which tree size, and its verdict.

Invariants:
- A run is recorded only after `audit.verify.verify` returned; the record states the tree
  size and root it verified, the verdict (`ok`), the counts per severity and errors with
  their locations. It is a note for the inspectors' page, not evidence: the evidence is the
  log itself, which anyone can verify again.
- What each unit's view needs is kept: the number of errors per unit of the entry they
  concern (`errors_by_unit`; "" for errors of no entry, a checkpoint) and the first
  `FIRST_ERRORS` of each such unit (`first_errors`, in the run's order), so a union's
  inspectors see their own errors however many another union has.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from audit.findings import ERROR, WARNING, Report
from audit.tables import verification_runs

FIRST_ERRORS = 20  # kept per unit (and for errors of no entry)


def _kept(engine: Engine, report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The first `FIRST_ERRORS` errors of each unit (of the entry they concern), and how many
    each unit has."""
    from audit.detect import entry_units

    errors = report.errors()
    units = entry_units(engine, [f.event_id for f in errors if f.event_id])
    kept: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for f in errors:
        unit = units.get(f.event_id or "", "")
        counts[unit] = counts.get(unit, 0) + 1
        if counts[unit] <= FIRST_ERRORS:
            kept.append(f.as_dict())
    return kept, dict(sorted(counts.items()))


def record_run(engine: Engine, report: Report, *, origin: str) -> dict[str, Any]:
    """Store one finished verification; returns the stored record."""
    kept, by_unit = _kept(engine, report)
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
                "first_errors": kept,
                "errors_by_unit": by_unit,
                "kept_per_unit": FIRST_ERRORS,
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
