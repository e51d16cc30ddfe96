"""What a detection rule is and what it returns (beancount style: pure functions, one list).

Invariants:
- A rule is a pure function `(facts) -> list[DetectedFinding]`: it reads `audit.rules.facts`
  only (no database, no clock), so the same facts always give the same findings.
- A finding's id is `F-` + the first 16 hex digits of SHA-256 over the rule id and the
  sorted ids of the events that prove it (each framed by a NUL byte), or, for union-level
  findings (concentration, union ratios, remittance shortfall), over the rule, the unit and
  the period. The same
  finding found again keeps its id, and so keeps the inspectors' judgments (finding.resolve).
- Money is integer đồng; `amount` is what is at stake, never negative. `stakes` says which
  events that money is (event id -> đồng, summing to `amount`; one member's line of a batch
  is keyed `event#member`), so a total over findings counts each event's money once
  (`money_at_stake`); a finding whose money is tied to no event (a union's ratios,
  concentration, a remittance shortfall) has no stakes and counts whole.
- `people` holds member numbers and officer codes, never names (names are personal data,
  shown only when `Ledger.reveal` opens them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from ledger.domain.findings import finding_digest

if TYPE_CHECKING:
    from audit.rules.facts import Facts

Severity = Literal["high", "medium", "low"]
Status = Literal["open", "confirmed", "dismissed"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
SEVERITY_VI: dict[str, str] = {"high": "cao", "medium": "trung bình", "low": "thấp"}
STATUS_VI: dict[str, str] = {
    "open": "chưa xử lý",
    "confirmed": "đã xác nhận vi phạm",
    "dismissed": "đã bác bỏ",
}


@dataclass(frozen=True)
class Evidence:
    """One event that proves a finding, as the report shows it.

    `context` marks an event shown to explain the others (the registration of one citizen's
    second number, the back-dated leave before a ghost payout): it does not place the finding
    in time, the others do.

    `note` is detection's word on the event in Vietnamese (what older exports and stored
    runs know), `note_en` the same in English; what was typed into the records (an occasion,
    a reason, an item) is quoted as typed in both."""

    event_id: str
    what: str  # command type, e.g. "payout.record"
    on: date | None  # effective date
    unit: str | None
    amount: int | None
    people: tuple[str, ...] = ()
    note: str = ""
    context: bool = False
    note_en: str = ""
    # an entry of a union outside the view asked for (`audit.detect.detect(unit=...)`): shown
    # by its date, type and unit only; `event_id` is empty, no amount, no people
    outside: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id or None,
            "what": self.what,
            "on": self.on.isoformat() if self.on else None,
            "unit": self.unit,
            "amount": self.amount,
            "people": list(self.people),
            "note": self.note,
            "note_en": self.note_en,
            "context": self.context,
            "outside_scope": self.outside,
        }


@dataclass(frozen=True)
class Judgment:
    """An inspector's signed judgment of a finding (a `finding.resolve` event)."""

    event_id: str
    finding: str
    rule: str
    decision: str  # confirm | dismiss
    note: str
    officer: str
    recorded_at: str
    unit: str | None = None  # the command's unit: the inspector's role was checked over it
    reply: str | None = None  # for the member who disputed (member_dispute), not the note

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DetectedFinding:
    id: str
    rule: str
    severity: Severity
    unit: str
    people: tuple[str, ...]
    amount: int
    explanation_vi: str
    explanation_en: str
    event_ids: tuple[str, ...]
    period: str | None
    status: Status = "open"
    judgments: tuple[Judgment, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    stakes: tuple[tuple[str, int], ...] = ()  # (event id, đồng at stake): see the invariants
    # the units outside the view asked for whose entries the evidence shows only redacted
    outside: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (SEVERITY_ORDER[self.severity], -self.amount, self.rule, self.id)

    def dates(self) -> list[date]:
        """The dates that place the finding in time: its evidence's, but for context events
        (all of them when there is nothing else)."""
        dates = [e.on for e in self.evidence if e.on is not None and not e.context]
        return dates or [e.on for e in self.evidence if e.on is not None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "unit": self.unit,
            "people": list(self.people),
            "amount": self.amount,
            "explanation_vi": self.explanation_vi,
            "explanation_en": self.explanation_en,
            "event_ids": list(self.event_ids),
            "period": self.period,
            "status": self.status,
            "judgments": [j.as_dict() for j in self.judgments],
            "evidence": [e.as_dict() for e in self.evidence],
            "stakes": dict(self.stakes),
            "outside_scope": list(self.outside),
        }


def money_at_stake(findings: Iterable[DetectedFinding]) -> int:
    """The money a set of findings puts at stake, each event's money counted once: per event
    the largest stake any finding puts on it (one payout over its cap and paid twice is one
    payout), plus the whole amount of findings tied to no event."""
    per_event: dict[str, int] = {}
    loose = 0
    for f in findings:
        if not f.stakes:
            loose += f.amount
        for event, amount in f.stakes:
            if amount > per_event.get(event, 0):
                per_event[event] = amount
    return loose + sum(per_event.values())


RuleFunction = Callable[["Facts"], list[DetectedFinding]]


def combined(*checks: RuleFunction) -> RuleFunction:
    """One rule made of several checks (a rule's payouts and its expenses): their findings."""

    def check(facts: Facts) -> list[DetectedFinding]:
        return [f for c in checks for f in c(facts)]

    return check


@dataclass(frozen=True)
class Rule:
    id: str
    number: int | None  # the issue's numbering (None: members' disputes)
    label_vi: str
    label_en: str
    check: RuleFunction = field(repr=False)

    def __call__(self, facts: Facts) -> list[DetectedFinding]:
        return self.check(facts)


def finding_id(rule: str, event_ids: Iterable[str]) -> str:
    """The id of an event-based finding: its rule and the sorted ids of its events."""
    return finding_digest([rule, *sorted(set(event_ids))])


def union_finding_id(rule: str, unit: str, period: str) -> str:
    """The id of a union-level finding: its rule, unit and period."""
    return finding_digest([rule, "unit", unit, "period", period])


def make(
    rule: str,
    severity: Severity,
    *,
    unit: str,
    people: Iterable[str],
    amount: int,
    vi: str,
    en: str,
    evidence: Iterable[Evidence],
    period: str | None = None,
    union_period: str | None = None,
    stakes: Mapping[str, int] | None = None,
) -> DetectedFinding:
    """A finding; `union_period` given: a union-level finding identified by unit and period.

    `stakes` (event id -> đồng at stake) defaults to the evidence's amounts when they add up
    to `amount` (the money at stake is those events' money); a rule whose amount is a part
    of its events' money (an excess, a shortfall) says which part is at stake where."""
    items = sorted({e.event_id: e for e in evidence}.values(), key=_evidence_order)
    event_ids = tuple(e.event_id for e in items)
    amount = max(0, int(amount))
    if stakes is None and union_period is None:
        money = {e.event_id: e.amount for e in items if e.amount}
        stakes = money if sum(money.values()) == amount else {}
    at_stake = tuple(sorted((k, v) for k, v in (stakes or {}).items() if v > 0))
    if union_period is not None:
        fid = union_finding_id(rule, unit, union_period)
        period = union_period
    else:
        fid = finding_id(rule, event_ids)
        if period is None:
            dates = [e.on for e in items if e.on is not None and not e.context]
            dates = dates or [e.on for e in items if e.on is not None]
            period = min(dates).strftime("%Y-%m") if dates else None
    return DetectedFinding(
        id=fid,
        rule=rule,
        severity=severity,
        unit=unit,
        people=tuple(dict.fromkeys(p for p in people if p)),
        amount=amount,
        explanation_vi=vi,
        explanation_en=en,
        event_ids=event_ids,
        period=period,
        evidence=tuple(items),
        stakes=at_stake,
    )


def _evidence_order(e: Evidence) -> tuple[date, str]:
    return (e.on or date.min, e.event_id)
