"""The base of every phucloi aggregate: events carry the signed envelope, nothing else.

Invariants:
- Every event has exactly one attribute besides eventsourcing's own: `envelope`, the signed
  command as stored (canonical command text, signature, cosignatures, sealed personal data,
  blind indexes and the ledger's verdict). Aggregate state is a pure function of envelopes,
  so replay needs no clock, no keys and no database.
- Event timestamps come from `ledger.clock.now()`.
- Topics are explicit and stable (`phucloi:<aggregate>.<Event>`): moving a module never
  breaks stored events.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger import clock

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://phucloi.vn/ledger/v1")


def aggregate_id(kind: str, code: str) -> UUID:
    """Deterministic aggregate ids: registering the same code twice conflicts on version 1."""
    return uuid5(ID_NAMESPACE, f"{kind}:{code}")


# How a relative's sealed personal data names its key in the stored envelope
# (`envelope["sealed_under"]`): absent, the declaring member's key (relatives declared before
# relatives had keys of their own); "relative", the relative's own (`relative_person_id`).
SEALED_UNDER_RELATIVE = "relative"


def relative_person_id(number: str, relative: str) -> UUID:
    """The person id of member `number`'s relative `relative`: the key of their own data in
    `person_keys`, and the GCM associated data their fields are sealed with (ledger.privacy).
    Member numbers and relative codes hold no '/', so the name is unambiguous."""
    return aggregate_id("relative", f"{number}/{relative}")


def command_of(envelope: dict[str, Any]) -> dict[str, Any]:
    """The signed command inside a stored envelope."""
    return json.loads(envelope["command"])


def recorded_at(envelope: dict[str, Any]) -> datetime:
    """When the ledger stored this event (set by the ledger, covered by the Merkle leaf)."""
    return datetime.fromisoformat(envelope["recorded_at"])


class LedgerAggregate(Aggregate):
    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> Any:
            return clock.now()
