"""Finding (phát hiện): an inspector's judgments of one detection finding.

Invariants:
- A finding's id is derived by detection from its rule and the events that prove it
  (`F-` + 16 hex digits), so the same finding found again keeps its id and its judgments.
- Each judgment (confirm or dismiss, with a note) is a signed event of the inspector; a later
  judgment supersedes an earlier one, and every judgment stays in the log.
- A judgment keeps the unit it was signed for (the inspector's role was checked over it):
  one signed for a unit that does not cover the finding's decides nothing (audit.detect).
  Its `reply`, if any, is written for the member who disputed; the `note` is not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerAggregate, aggregate_id, command_of


def finding_digest(parts: Iterable[str]) -> str:
    """`F-` + 16 hex digits of SHA-256 over the parts (each followed by NUL): how detection
    names a finding (audit.rules.base.finding_id), here so the ledger can name one too."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\x00")
    return "F-" + h.hexdigest()[:16]


def dispute_finding_id(dispute: str, entry: str) -> str:
    """The id of the finding (rule `member_dispute`) a member's dispute (its event id) of an
    entry becomes: what the ledger and the member's own view look its judgments up by,
    without running detection."""
    return finding_digest(["member_dispute", *sorted({dispute, entry})])


class Finding(LedgerAggregate):
    TOPIC = "phucloi:finding"

    class Event(LedgerAggregate.Event):
        TOPIC = "phucloi:finding.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "phucloi:finding.Created"

    @staticmethod
    def create_id(envelope: dict[str, Any]) -> Any:
        return aggregate_id("finding", command_of(envelope)["body"]["finding"])

    @event("Judged", topic="phucloi:finding.Judged")
    def __init__(self, envelope: dict[str, Any]) -> None:
        self.code: str = command_of(envelope)["body"]["finding"]
        self.judgments: list[dict[str, Any]] = []
        self._judge(envelope)

    @event("Rejudged", topic="phucloi:finding.Rejudged")
    def judge(self, envelope: dict[str, Any]) -> None:
        self._judge(envelope)

    def _judge(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.judgments.append(
            {
                "event_id": cmd["command_id"],
                "decision": cmd["body"]["decision"],
                "note": cmd["body"]["note"],
                "reply": cmd["body"].get("reply"),
                "rule": cmd["body"]["rule"],
                "unit": cmd.get("unit"),
                "officer": cmd["signer"]["officer"],
                "recorded_at": envelope["recorded_at"],
            }
        )

    @property
    def decision(self) -> str:
        return self.judgments[-1]["decision"]
