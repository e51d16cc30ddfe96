"""Unit (đơn vị công đoàn): one node of the union tree, its policy book and its cash book.

Invariants:
- The tree is units with a free-text level label (the 2025 reorganisation changed level
  names, so none is hard-coded); `parent` is a unit code or None for a root.
- Policy versions (quy chế chi tiêu nội bộ) are adopted on the unit, date-effective.
- Money in and out that is not a member's benefit (dues batches, the 2% fee, other income,
  remittances upward, other spending) is recorded on the unit, so concurrent writers of the
  same unit's book are serialised by the aggregate version.
- `dues_paid` holds (month, member) pairs this union collected and did not reverse. A member
  pays a month once in the whole ledger: a union checks the other unions the member belonged
  to (`dues_collected`) before collecting.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerAggregate, aggregate_id, command_of


class Unit(LedgerAggregate):
    TOPIC = "phucloi:unit"

    class Event(LedgerAggregate.Event):
        TOPIC = "phucloi:unit.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "phucloi:unit.Created"

    @staticmethod
    def create_id(envelope: dict[str, Any]) -> Any:
        return aggregate_id("unit", command_of(envelope)["body"]["code"])

    @event("Registered", topic="phucloi:unit.Registered")
    def __init__(self, envelope: dict[str, Any]) -> None:
        body = command_of(envelope)["body"]
        self.code: str = body["code"]
        self.name: str = body["name"]
        self.level: str = body["level"]
        self.parent: str | None = body.get("parent")
        # (effective date ISO, parent) from the registration on, in date order: the ledger
        # refuses a move dated before the last change (ledger.handlers._unit_move)
        self.parents: list[tuple[str, str | None]] = [
            (command_of(envelope)["effective_date"], self.parent)
        ]
        self.dissolved_on: str | None = None
        self.policies: list[dict[str, Any]] = []
        self.dues_paid: set[tuple[str, str]] = set()
        self.money: dict[str, dict[str, Any]] = {}  # event_id -> {type, amount, reversed}
        # the union fee decisions of its employers (union_fee.relief) standing: event_id -> body
        self.fee_reliefs: dict[str, dict[str, Any]] = {}
        # those reversed (a decision recorded by mistake): event_id -> body
        self.fee_reliefs_reversed: dict[str, dict[str, Any]] = {}

    @event("Renamed", topic="phucloi:unit.Renamed")
    def rename(self, envelope: dict[str, Any]) -> None:
        self.name = command_of(envelope)["body"]["name"]

    @event("Moved", topic="phucloi:unit.Moved")
    def move(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self.parent = cmd["body"]["parent"]
        self.parents.append((cmd["effective_date"], self.parent))

    @event("Dissolved", topic="phucloi:unit.Dissolved")
    def dissolve(self, envelope: dict[str, Any]) -> None:
        self.dissolved_on = command_of(envelope)["effective_date"]

    @event("PolicyAdopted", topic="phucloi:unit.PolicyAdopted")
    def adopt_policy(self, envelope: dict[str, Any]) -> None:
        self.policies.append(command_of(envelope)["body"]["policy"])

    @event("DuesCollected", topic="phucloi:unit.DuesCollected")
    def collect_dues(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        month = cmd["body"]["month"]
        for line in cmd["body"]["lines"]:
            self.dues_paid.add((month, line["member"]))
        total = sum(line["amount"] for line in cmd["body"]["lines"])
        self._book(cmd, total)

    @event("UnionFeeReceived", topic="phucloi:unit.UnionFeeReceived")
    def receive_union_fee(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self._book(cmd, cmd["body"]["amount"])

    @event("UnionFeeRelieved", topic="phucloi:unit.UnionFeeRelieved")
    def relieve_union_fee(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        # (a unit snapshotted before this command existed has no such attribute)
        self.__dict__.setdefault("fee_reliefs", {})[cmd["command_id"]] = cmd["body"]

    def fee_relief_overlapping(self, employer: str, first: str, last: str) -> str | None:
        """A standing (unreversed) decision of `employer` covering a month of `first`..`last`,
        if any."""
        key = employer_key(employer)
        for event_id, body in getattr(self, "fee_reliefs", {}).items():
            if (
                employer_key(body["employer"]) == key
                and body["from_month"] <= last
                and first <= body["to_month"]
            ):
                return event_id
        return None

    @event("IncomeReceived", topic="phucloi:unit.IncomeReceived")
    def receive_income(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self._book(cmd, cmd["body"]["amount"])

    @event("Remitted", topic="phucloi:unit.Remitted")
    def remit(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self._book(cmd, cmd["body"]["amount"])

    @event("ExpenseRecorded", topic="phucloi:unit.ExpenseRecorded")
    def record_expense(self, envelope: dict[str, Any]) -> None:
        cmd = command_of(envelope)
        self._book(cmd, cmd["body"]["amount"])

    @event("Reversed", topic="phucloi:unit.Reversed")
    def reverse(self, envelope: dict[str, Any]) -> None:
        target = command_of(envelope)["body"]["target"]
        if target in getattr(self, "fee_reliefs", {}):
            # a fee decision recorded by mistake: it no longer counts anywhere
            relief = self.fee_reliefs.pop(target)
            self.__dict__.setdefault("fee_reliefs_reversed", {})[target] = relief
            return
        entry = self.money[target]
        entry["reversed"] = True
        if entry["type"] == "collection.dues":
            for member in entry["members"]:
                self.dues_paid.discard((entry["month"], member))

    def _book(self, cmd: dict[str, Any], amount: int) -> None:
        entry: dict[str, Any] = {"type": cmd["type"], "amount": amount, "reversed": False}
        if cmd["type"] == "collection.dues":
            entry["month"] = cmd["body"]["month"]
            entry["members"] = [line["member"] for line in cmd["body"]["lines"]]
            entry["on"] = cmd["effective_date"]
        elif cmd["type"] == "collection.union_fee":
            entry["month"] = cmd["body"]["month"]
            entry["employer"] = employer_key(cmd["body"]["employer"])
        self.money[cmd["command_id"]] = entry

    def union_fee_declared(self, month: str, employer: str) -> str | None:
        """The standing (unreversed) 2% fee entry of `employer` for `month`, if any."""
        key = employer_key(employer)
        for event_id, entry in self.money.items():
            if (
                entry["type"] == "collection.union_fee"
                and not entry["reversed"]
                and entry.get("month") == month
                and entry.get("employer") == key
            ):
                return event_id
        return None

    def dues_collected_on(self, month: str, member: str) -> str | None:
        """The effective date (ISO) of this union's standing dues line of `member` for
        `month`, or None when it has none."""
        if (month, member) not in self.dues_paid:
            return None
        for entry in self.money.values():
            if (
                entry["type"] == "collection.dues"
                and not entry["reversed"]
                and entry["month"] == month
                and member in entry["members"]
            ):
                return str(entry["on"])
        return None

    def parent_on(self, on: date) -> str | None:
        """The unit's parent on `on` (before its registration: the one it was registered
        under)."""
        day = on.isoformat()
        parent = self.parents[0][1]
        for since, code in self.parents:
            if since <= day:
                parent = code
        return parent

    @property
    def registered_on(self) -> str:
        """The effective date (ISO) of the unit's registration: it has no book before it."""
        return self.parents[0][0]

    def last_parent_change(self) -> str:
        """The effective date (ISO) of the registration or the latest move."""
        return self.parents[-1][0]

    def is_dissolved_on(self, on: date) -> bool:
        return self.dissolved_on is not None and date.fromisoformat(self.dissolved_on) <= on


def dues_collected(units: Iterable[Unit | None], month: str, member: str) -> tuple[str, str] | None:
    """The first of `units` holding a standing dues line of `member` for `month`, as (unit
    code, effective date ISO); None when none does."""
    for unit in units:
        on = unit.dues_collected_on(month, member) if unit is not None else None
        if on is not None:
            return unit.code, on  # type: ignore[union-attr]
    return None


def employer_key(name: str) -> str:
    """An employer's name as compared: case and spacing ignored (accents are not)."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())
