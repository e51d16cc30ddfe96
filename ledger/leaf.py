"""The bytes of a Merkle leaf: everything stored for one event, framed unambiguously.

leaf_bytes = b"phucloi/leaf/v1\\0" ‖ frame(topic) ‖ frame(originator id as text)
             ‖ u64be(originator version) ‖ frame(state)
frame(x)   = u32be(len(x)) ‖ x

Every variable-length field is length-prefixed, so no two different events share leaf bytes
(unlike joining fields with a separator). The leaf hash is RFC 9162's SHA-256(0x00 ‖ bytes).
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

PREFIX = b"phucloi/leaf/v1\x00"


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def leaf_bytes(*, topic: str, originator_id: UUID | str, version: int, state: bytes) -> bytes:
    return (
        PREFIX
        + _frame(topic.encode())
        + _frame(str(originator_id).encode())
        + version.to_bytes(8, "big")
        + _frame(bytes(state))
    )


def leaf_hash_of(stored: Any) -> bytes:
    """RFC 9162 leaf hash of an eventsourcing StoredEvent (or Notification)."""
    data = leaf_bytes(
        topic=stored.topic,
        originator_id=stored.originator_id,
        version=stored.originator_version,
        state=stored.state,
    )
    return hashlib.sha256(b"\x00" + data).digest()
