"""Read-model tables (filled in the event's transaction; rebuildable from the log)."""

from __future__ import annotations

from ledger.tables import metadata

__all__ = ["metadata"]
