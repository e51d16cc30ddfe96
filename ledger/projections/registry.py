"""Every read model the ledger keeps, in the order the hook applies them.

Invariant: this tuple is the one list of projections; the in-transaction projectors
(`in_transaction_projectors`), `projections rebuild` and `projections status` all read it.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Mapper

from ledger.entries import Projector
from ledger.projections.money import MONEY
from ledger.projections.organisation import MEMBER_INDEX, SALARIES, UNITS
from ledger.projections.tracking import Projection, tracked

PROJECTIONS: tuple[Projection, ...] = (MEMBER_INDEX, UNITS, SALARIES, MONEY)


def by_name(names: list[str] | None = None) -> list[Projection]:
    """The projections named (all when None); an unknown name raises KeyError."""
    if not names:
        return list(PROJECTIONS)
    known = {p.name: p for p in PROJECTIONS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(
            f"không có bảng đọc / unknown projection(s): {', '.join(unknown)}; "
            f"có / known: {', '.join(known)}"
        )
    return [known[n] for n in names]


def in_transaction_projectors(mapper: Mapper[Any]) -> list[Projector]:
    return [tracked(PROJECTIONS, mapper)]
