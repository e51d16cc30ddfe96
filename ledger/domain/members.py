"""Member (đoàn viên): membership over time, relatives, benefits received and loans.

Invariants:
- Membership is a sequence of (from date, unit) spans between `joined_on` and `left_on`
  (leave or death); a transfer closes one span and opens the next on its effective date.
- Every benefit paid to the member or a relative is an event on this aggregate, so two
  officers paying the same member at the same moment collide on the aggregate version:
  exactly one succeeds.
- A payout is `paid`, `pending` (waiting for a chair's second signature) or `refused`;
  reversal marks it reversed. Only paid, unreversed payouts count against caps.
- Personal data is sealed in the envelopes; this state holds commitments and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import (
    SEALED_UNDER_RELATIVE,
    LedgerAggregate,
    aggregate_id,
    command_of,
)


@dataclass
class PayoutRecord:
    event_id: str
    kind: str
    beneficiary: str  # "self" or the relative code
    amount: int
    on: date
    occasion: str
    recorder: str
    digest: str
    status: str  # paid | pending | refused
    body: dict[str, Any] = field(default_factory=dict)
    overridden: bool = False
    reversed: bool = False
    approver: str | None = None


@dataclass
class Loan:
    loan: str
    fund: str
    principal: int
    repaid: int = 0
    written_off: int = 0
    movements: list[str] = field(default_factory=list)

    @property
    def outstanding(self) -> int:
        return self.principal - self.repaid - self.written_off


class Member(LedgerAggregate):
    TOPIC = "phucloi:member"

    class Event(LedgerAggregate.Event):
        TOPIC = "phucloi:member.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "phucloi:member.Created"

    @staticmethod
    def create_id(envelope: dict[str, Any]) -> Any:
        return aggregate_id("member", command_of(envelope)["body"]["member"])

    @event("Joined", topic="phucloi:member.Joined")
    def __init__(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.number: str = cmd["body"]["member"]
        self.joined_on = date.fromisoformat(cmd["effective_date"])
        self.spans: list[tuple[date, str]] = [(self.joined_on, cmd["unit"])]
        self.left_on: date | None = None
        self.died_on: date | None = None
        self.salary_basis: int = cmd["body"]["salary_basis"]
        self.relatives: dict[str, str] = {}
        self.relatives_since: dict[str, date] = {}  # the day each relative was declared
        # relatives whose data is sealed under a key of their own (declared since relatives
        # have one), and those of them erased on their own (`member.erase_relative`)
        self.relatives_keyed: set[str] = set()
        self.relatives_erased: set[str] = set()
        self.payouts: dict[str, PayoutRecord] = {}
        self.loans: dict[str, Loan] = {}
        self.money: dict[str, dict[str, Any]] = {}  # loan movements: event_id -> details
        self.erased = False
        # What the member said through the portal: disputes and receipt confirmations.
        self.statements: list[dict[str, Any]] = []
        self.blind: dict[str, str] = dict(envelope.get("blind", {}))

    @event("Transferred", topic="phucloi:member.Transferred")
    def transfer(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.spans.append((date.fromisoformat(cmd["effective_date"]), cmd["body"]["to_unit"]))

    @event("Left", topic="phucloi:member.Left")
    def leave(self, envelope: dict[str, Any]) -> None:
        self.left_on = date.fromisoformat(command_of(envelope)["effective_date"])

    @event("Died", topic="phucloi:member.Died")
    def die(self, envelope: dict[str, Any]) -> None:
        self.died_on = date.fromisoformat(command_of(envelope)["effective_date"])
        self.left_on = self.died_on

    @event("HouseholdSet", topic="phucloi:member.HouseholdSet")
    def set_household(self, envelope: dict[str, Any]) -> None:
        pass  # the status itself is sealed personal data

    @event("RelativeAdded", topic="phucloi:member.RelativeAdded")
    def add_relative(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        body = cmd["body"]
        self.relatives[body["relative"]] = body["relation"]
        self.relatives_since[body["relative"]] = date.fromisoformat(cmd["effective_date"])
        if envelope.get("sealed_under") == SEALED_UNDER_RELATIVE:
            self.relatives_keyed.add(body["relative"])

    @event("SalaryChanged", topic="phucloi:member.SalaryChanged")
    def change_salary(self, envelope: dict[str, Any]) -> None:
        self.salary_basis = command_of(envelope)["body"]["salary_basis"]

    @event("Erased", topic="phucloi:member.Erased")
    def erase(self, envelope: dict[str, Any]) -> None:
        self.erased = True
        self.blind = {}

    @event("RelativeErased", topic="phucloi:member.RelativeErased")
    def erase_relative(self, envelope: dict[str, Any]) -> None:
        self.relatives_erased.add(command_of(envelope)["body"]["relative"])

    @event("PayoutRecorded", topic="phucloi:member.PayoutRecorded")
    def record_payout(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        body = cmd["body"]
        verdict = envelope.get("ledger", {})
        self.payouts[cmd["command_id"]] = PayoutRecord(
            event_id=cmd["command_id"],
            kind=body["kind"],
            beneficiary=body.get("relative") or "self",
            amount=body["amount"],
            on=date.fromisoformat(cmd["effective_date"]),
            occasion=body["occasion"],
            recorder=cmd["signer"]["officer"],
            digest=envelope["digest"],
            status=verdict.get("status", "paid"),
            body=body,
            overridden=bool(verdict.get("overridden")),
        )

    @event("PayoutDecided", topic="phucloi:member.PayoutDecided")
    def decide_payout(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        record = self.payouts[cmd["body"]["target"]]
        record.status = "paid" if cmd["body"]["decision"] == "approve" else "refused"
        record.approver = cmd["signer"]["officer"]
        if envelope.get("ledger", {}).get("overridden"):
            record.overridden = True

    @event("LoanDisbursed", topic="phucloi:member.LoanDisbursed")
    def disburse_loan(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        body = cmd["body"]
        self.loans[body["loan"]] = Loan(body["loan"], body["fund"], body["amount"])
        self._money(cmd)

    @event("LoanRepaid", topic="phucloi:member.LoanRepaid")
    def repay_loan(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.loans[cmd["body"]["loan"]].repaid += cmd["body"]["amount"]
        self._money(cmd)

    @event("LoanWrittenOff", topic="phucloi:member.LoanWrittenOff")
    def write_off_loan(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.loans[cmd["body"]["loan"]].written_off += cmd["body"]["amount"]
        self._money(cmd)

    @event("Reversed", topic="phucloi:member.Reversed")
    def reverse(self, envelope: dict[str, Any]) -> None:
        target = command_of(envelope)["body"]["target"]
        if target in self.payouts:
            self.payouts[target].reversed = True
            return
        entry = self.money[target]
        entry["reversed"] = True
        loan = self.loans[entry["loan"]]
        if entry["type"] == "loan.disburse":
            loan.principal -= entry["amount"]
        elif entry["type"] == "loan.repay":
            loan.repaid -= entry["amount"]
        else:
            loan.written_off -= entry["amount"]

    @event("Disputed", topic="phucloi:member.Disputed")
    def dispute(self, envelope: dict[str, Any]) -> None:
        self._statement(envelope, "dispute")

    @event("ReceiptConfirmed", topic="phucloi:member.ReceiptConfirmed")
    def confirm_receipt(self, envelope: dict[str, Any]) -> None:
        self._statement(envelope, "confirm")

    def _statement(self, envelope: dict[str, Any], kind: str) -> None:
        cmd = command_of(envelope)
        self.statements.append(
            {
                "event_id": cmd["command_id"],
                "kind": kind,
                "entry": cmd["body"]["entry"],
                "reason": cmd["body"].get("reason"),
                "on": cmd["effective_date"],
            }
        )

    def _money(self, cmd: dict[str, Any]) -> None:
        self.money[cmd["command_id"]] = {
            "type": cmd["type"],
            "loan": cmd["body"]["loan"],
            "amount": cmd["body"]["amount"],
            "on": cmd["effective_date"],
            "reversed": False,
        }

    # --- queries ---

    def unit_on(self, on: date) -> str | None:
        """The unit this person belongs to on `on`, or None when not an active member."""
        if on < self.joined_on or (self.left_on is not None and on >= self.left_on):
            return None
        current = None
        for start, unit in self.spans:
            if start <= on:
                current = unit
        return current

    def current_unit(self) -> str:
        return self.spans[-1][1]

    def record(self) -> dict[str, Any]:
        """The member's record as JSON values, without personal data (the API and the CLI)."""
        return {
            "member": self.number,
            "status": "deceased" if self.died_on else "left" if self.left_on else "active",
            "unit": self.current_unit(),
            "joined_on": self.joined_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "salary_basis": self.salary_basis,
            "units": [
                {"unit": unit, "from": start.isoformat(), "to": _iso(self._span_end(i))}
                for i, (start, unit) in enumerate(self.spans)
            ],
            "payouts": [
                {
                    "event_id": p.event_id,
                    "on": p.on.isoformat(),
                    "kind": p.kind,
                    "beneficiary": p.beneficiary,
                    "amount": p.amount,
                    "status": p.status,
                    "reversed": p.reversed,
                    "overridden": p.overridden,
                    "recorder": p.recorder,
                    "approver": p.approver,
                }
                for p in sorted(self.payouts.values(), key=lambda p: (p.on, p.event_id))
            ],
            "loans": [
                {
                    "loan": loan.loan,
                    "fund": loan.fund,
                    "principal": loan.principal,
                    "repaid": loan.repaid,
                    "written_off": loan.written_off,
                    "outstanding": loan.outstanding,
                }
                for loan in self.loans.values()
            ],
        }

    def _span_end(self, i: int) -> date | None:
        return self.spans[i + 1][0] if i + 1 < len(self.spans) else self.left_on

    def counted_payouts(
        self, *, kind: str, beneficiary: str, start: date, end: date
    ) -> list[PayoutRecord]:
        """Paid or pending, unreversed payouts of one kind to one beneficiary in [start, end)."""
        return [
            p
            for p in self.payouts.values()
            if p.kind == kind
            and p.beneficiary == beneficiary
            and p.status in ("paid", "pending")
            and not p.reversed
            and start <= p.on < end
        ]

    def counted_loans(self, *, start: date, end: date) -> list[dict[str, Any]]:
        """Unreversed loan disbursements with an effective date in [start, end)."""
        return [
            m
            for m in self.money.values()
            if m["type"] == "loan.disburse"
            and not m["reversed"]
            and start.isoformat() <= m["on"] < end.isoformat()
        ]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
