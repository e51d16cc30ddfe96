"""Findings: what `phucloi audit verify` reports, as immutable records (beancount style).

Invariants:
- A finding names its check and, whenever it concerns one event, where that event is: the
  log sequence number (leaf index), the event id (signed command id), the aggregate and
  its version. Findings about a table row or a checkpoint carry the location in `message`;
  one that can only name a range of the log (a checkpoint root that no longer holds) gives
  its first and last seq (`seq`, `seq_end`).
- Every finding says what is wrong in English (`message`) and in Vietnamese (`message_vi`,
  the text inspectors read first); `message_vi` is last, so older readers of `as_dict()`
  and of stored verification runs, which know only `message`, keep working.
- Severity `error` means the ledger cannot be trusted as stored (exit status 1); `warning`
  is something an inspector should look at that is not, by itself, proof of tampering
  (events not yet witnessed); `info` records what was verified or could not be (erased data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

ERROR = "error"
WARNING = "warning"
INFO = "info"


class Finding(NamedTuple):
    check: str
    severity: str
    seq: int | None
    event_id: str | None
    aggregate_id: str | None
    version: int | None
    message: str
    message_vi: str = ""
    # the last seq of a range when the finding can only say where, not which (seq..seq_end)
    seq_end: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()

    @property
    def text_vi(self) -> str:
        """The Vietnamese text, or the English one for a finding made without it."""
        return self.message_vi or self.message

    def where(self) -> str:
        return self._where("event {}", "aggregate {} v{}")

    def where_vi(self) -> str:
        return self._where("bút toán {}", "đối tượng {} phiên bản {}")

    def _where(self, event: str, aggregate: str) -> str:
        parts = []
        if self.seq is not None and self.seq_end is not None and self.seq_end != self.seq:
            parts.append(f"seq {self.seq}–{self.seq_end}")
        elif self.seq is not None:
            parts.append(f"seq {self.seq}")
        if self.event_id:
            parts.append(event.format(self.event_id))
        if self.aggregate_id:
            parts.append(aggregate.format(self.aggregate_id, self.version))
        return ", ".join(parts)


def finding(
    check: str,
    message: str,
    *,
    message_vi: str = "",
    severity: str = ERROR,
    seq: int | None = None,
    event_id: str | None = None,
    aggregate_id: str | None = None,
    version: int | None = None,
) -> Finding:
    return Finding(check, severity, seq, event_id, aggregate_id, version, message, message_vi)


@dataclass
class Report:
    """The verdict of one verification run."""

    source: str
    events: int = 0
    tree_size: int = 0
    root_hash: str = ""
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    def by_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def counts(self) -> dict[str, int]:
        return dict(Counter(f.severity for f in self.findings))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "events": self.events,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "seconds": round(self.seconds, 3),
            "rate_per_second": round(self.events / self.seconds) if self.seconds else None,
            "counts": self.counts(),
            "facts": self.facts,
            "findings": [f.as_dict() for f in self.findings],
        }
