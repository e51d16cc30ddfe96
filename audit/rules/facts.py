"""The facts detection rules read: members, officers, payouts, corrections, union figures.

Invariants:
- Facts are the ledger's final state read from the log and the read models (audit.rules.load):
  a back-dated leave recorded after a payout makes that payout a payout to a former member.
- A payout's `status` is final (`paid`, `pending`, `refused` after the chair's decision) and
  `reversed` says a reversal cancelled it; rules count only paid, unreversed payouts unless
  they say otherwise.
- Blind indexes (keyed HMACs of citizen IDs, bank accounts, households) are compared, never
  decrypted; personal values are not part of the facts.
- `policy(unit, on)` is the policy in force on that date for that unit, inherited up the tree
  as the ledger itself resolves it: what the union may pay (caps, counts, approval
  threshold). `judged(unit, on)` is what the unit is judged by (`ledger.domain.policy.
  oversight`): the welfare target and category limits, strictest across its chain, and the
  detection thresholds (`detection`, `backdate_days`, `split_window_days`) of the highest
  union with a version in force. Rules read thresholds, targets and limits from `judged`
  only, so a union cannot loosen what it is judged by.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ledger.domain.catalogue import COLLECTIVE_WELFARE, NON_CASH_WELFARE, SEPARATE_BOOK_WELFARE
from ledger.domain.periods import Period
from ledger.domain.policy import Oversight, Policy, PolicyBook, oversight, resolve

if TYPE_CHECKING:
    from audit.findings import Report
    from audit.rules.base import Judgment


@dataclass(slots=True)
class Payout:
    event_id: str
    unit: str
    member: str
    relative: str | None
    kind: str
    amount: int
    on: date
    occasion: str
    recorder: str
    recorded_at: str  # the stored ISO instant (UTC): orders payouts of one day
    status: str  # paid | pending | refused
    overridden: tuple[str, ...] = ()
    justification: str | None = None
    cosigners: tuple[str, ...] = ()
    approver: str | None = None
    approval_id: str | None = None
    reversed: bool = False
    reversal_id: str | None = None
    form: str = "cash"
    item: str | None = None
    quantity: int | None = None
    unit_cost: int | None = None
    supplier: str | None = None
    bank: bool = False  # paid by bank transfer
    payee: str | None = None  # blind index of the payee account, when one was given
    seq: int = 0  # its place in the log: what was recorded after what
    # The code this relative was first declared under, when the member declared the same
    # citizen ID again under another code: one person, one beneficiary's limits.
    same_as: str | None = None

    @property
    def counted(self) -> bool:
        """Paid and not reversed: money that left the union for this person."""
        return self.status == "paid" and not self.reversed

    @property
    def beneficiary(self) -> str:
        """Whose limits it counts against: "self", or the relative (the code it was first
        declared under, when declared twice with one citizen ID)."""
        return self.same_as or self.relative or "self"

    @property
    def need_based(self) -> bool:
        """A kind that answers one person's need or event (sickness, hardship...), not one
        paid to every member for a collective occasion, a partner's value or a loan."""
        return self.kind not in _NOT_NEED_BASED

    @property
    def approvers(self) -> tuple[str, ...]:
        return self.cosigners + ((self.approver,) if self.approver else ())


@dataclass(slots=True)
class Relative:
    code: str
    relation: str
    citizen: str | None = None  # blind index, when the relative's citizen ID was given
    event_id: str | None = None  # its declaration (member.relative)
    signer: str | None = None  # who declared it
    recorded_on: date | None = None  # the Vietnam date it was declared in the ledger
    declared_on: date | None = None  # its effective date
    # blind indexes of its name, and of its name with its date of birth (rule 4: one
    # relative declared again under another code); None for declarations made before them
    name: str | None = None
    name_dob: str | None = None


@dataclass(slots=True)
class MemberFacts:
    number: str
    unit: str  # current unit
    joined_on: date
    left_on: date | None
    status: str  # active | left | deceased
    spans: list[tuple[date, date | None, str]]  # (from, to exclusive, unit)
    citizen: str | None = None
    bank: str | None = None
    household: str | None = None
    relatives: dict[str, Relative] = field(default_factory=dict)
    endings: list[tuple[date, str, str]] = field(default_factory=list)  # (on, event id, type)

    def unit_on(self, on: date) -> str | None:
        """The unit of this member on `on`, or None when not an active member then."""
        if on < self.joined_on or (self.left_on is not None and on >= self.left_on):
            return None
        for start, end, unit in self.spans:
            if start <= on and (end is None or on < end):
                return unit
        return None

    @property
    def died_on(self) -> date | None:
        return self.left_on if self.status == "deceased" else None


@dataclass(slots=True)
class KeyFacts:
    key_id: str
    registered_at: datetime
    retired_at: datetime | None = None
    revoked_from: date | None = None
    revocation_id: str | None = None  # event id of the revocation


@dataclass(slots=True)
class RoleFacts:
    """A role grant in force (not revoked): the grant event, its day, the role and scope."""

    event_id: str
    on: date
    role: str
    scope: str


@dataclass(slots=True)
class OfficerFacts:
    code: str
    member: str | None  # officer.register's `member`, or the later officer.link_member's
    keys: list[KeyFacts] = field(default_factory=list)
    registered_id: str = ""  # event id of the registration
    registered_on: date | None = None
    roles: list[RoleFacts] = field(default_factory=list)

    def key_at(self, at: datetime) -> KeyFacts | None:
        """The key this officer could sign with at `at` (the latest registered before it)."""
        current = None
        for key in self.keys:
            if key.registered_at <= at:
                current = key
        return current


@dataclass(slots=True)
class Reversal:
    event_id: str
    unit: str
    signer: str
    on: date
    recorded_at: datetime
    target: str
    reason: str


@dataclass(slots=True)
class Movement:
    """A money event other than a payout: a loan movement or a unit's collection/spending."""

    event_id: str
    type: str
    unit: str
    on: date
    amount: int
    key: str = ""  # loan code, income source, spending category, remittance kind
    month: str | None = None
    member: str | None = None
    signer: str | None = None
    reversed: bool = False
    cosigners: tuple[str, ...] = ()  # loans: the chair's second signature
    overridden: tuple[str, ...] = ()  # loans: the policy checks a chair overrode
    justification: str | None = None
    seq: int = 0  # its place in the log: what was recorded after what
    # what the voucher says: a collection's or expense's description, the fee's employer, the
    # remittance's recipient (None for dues batches and loans)
    detail: str | None = None
    # A dues batch's lines: member -> amount (other movements are one line: `member`, `amount`).
    lines: dict[str, int] = field(default_factory=dict)
    term_months: int | None = None  # a loan disbursement's term (rule 16)

    def by_line(self) -> dict[str | None, int]:
        """The amount of each line, by member (None: a line of the unit's own money)."""
        if self.lines:
            return {member: amount for member, amount in self.lines.items()}
        return {self.member: self.amount}


@dataclass(frozen=True, slots=True)
class FeeRelief:
    """An employer's exemption, suspension or reduction of the 2% fee for the months
    `first`..`last` (union_fee.relief, Law 50/2024/QH15), and the decision behind it."""

    event_id: str
    unit: str
    employer: str
    kind: str  # exempt | suspended | reduced
    first: str  # YYYY-MM
    last: str
    rate_bp: int | None
    number: str
    issuer: str
    on: date  # the decision's date

    def covers(self, month: str) -> bool:
        return self.first <= month <= self.last


@dataclass(slots=True)
class UnitMonth:
    """What a union collected and remitted FOR one month (the month of the dues batch, the
    fee declaration and the remittance, as `ledger.projections.queries.remittance` places
    them): the paid, unreversed records only, so a reversed one counts zero (rule 14)."""

    dues: Counter[tuple[int | None, int]] = field(default_factory=Counter)  # (basis, amount) -> n
    fee: int = 0
    payroll: int = 0  # the insured payroll the fee records declare (rule 17)
    # each fee record's (employer as recorded, amount, declared payroll) (rule 17)
    fees: list[tuple[str, int, int]] = field(default_factory=list)
    records: list[Movement] = field(default_factory=list)  # collections and remittances

    def remitted(self, kind: str | None = None, *, by: date | None = None) -> int:
        """Remitted for the month (of one kind; effective on or before `by`)."""
        return sum(
            m.amount
            for m in self.records
            if m.type == "remittance.record"
            and (kind is None or m.key == kind)
            and (by is None or m.on <= by)
        )


@dataclass(slots=True)
class Expense:
    """A unit's spending (`expense.record`): rules 2 (one voucher booked twice) and 11 (a
    welfare purchase's cost per participant) read it."""

    event_id: str
    unit: str
    on: date
    amount: int
    category: str
    description: str
    participants: int | None
    signer: str
    recorded_at: str  # the stored ISO instant (UTC): orders expenses of one day
    reversed: bool = False

    @property
    def counted(self) -> bool:
        return not self.reversed


@dataclass(slots=True)
class Statement:
    event_id: str
    kind: str  # dispute | confirm
    member: str
    entry: str
    reason: str | None
    unit: str
    on: date


@dataclass(slots=True)
class LateRecord:
    """A record whose effective date precedes its recording by `lag` days (rule 8)."""

    event_id: str
    type: str
    unit: str
    signer: str
    on: date
    recorded_on: date
    lag: int


@dataclass(slots=True, frozen=True)
class Rejudged:
    """A money record a back-dated policy version re-judges (rule 8)."""

    event_id: str
    type: str
    unit: str
    on: date
    amount: int
    seq: int


@dataclass(slots=True)
class PolicyAdoption:
    """A policy version as adopted (`policy.adopt`): the day it takes effect, the Vietnam
    date it was recorded and its place in the log, and, for a back-dated version (effective
    before it was recorded), the money records of its unit and the units below it recorded
    before it with an effective date on or after its own: what it re-judges (rule 8)."""

    event_id: str
    unit: str
    version: str
    on: date
    recorded_on: date
    signer: str
    seq: int = -1
    rejudged: list[Rejudged] = field(default_factory=list)


@dataclass(slots=True)
class RevokedUse:
    """An event signed with a key on or after the date it was later revoked from (rule 13)."""

    event_id: str
    type: str
    unit: str | None
    signer: str
    key_id: str
    recorded_at: datetime
    revoked_from: date
    revocation_id: str


@dataclass
class UnitInfo:
    code: str
    name: str
    level: str
    parent: str | None
    leaf: bool


@dataclass
class Facts:
    units: dict[str, UnitInfo] = field(default_factory=dict)
    books: dict[str, PolicyBook] = field(default_factory=dict)
    members: dict[str, MemberFacts] = field(default_factory=dict)
    officers: dict[str, OfficerFacts] = field(default_factory=dict)
    payouts: list[Payout] = field(default_factory=list)
    payout_by_id: dict[str, Payout] = field(default_factory=dict)
    reversals: list[Reversal] = field(default_factory=list)
    movements: dict[str, Movement] = field(default_factory=dict)
    expenses: list[Expense] = field(default_factory=list)  # every expense.record, by date
    statements: list[Statement] = field(default_factory=list)
    judgments: dict[str, list[Judgment]] = field(default_factory=dict)
    late_records: list[LateRecord] = field(default_factory=list)
    revoked_uses: list[RevokedUse] = field(default_factory=list)
    policy_adoptions: list[PolicyAdoption] = field(default_factory=list)
    event_types: dict[str, str] = field(default_factory=dict)  # of events rules point at
    event_units: dict[str, str | None] = field(default_factory=dict)
    event_dates: dict[str, date] = field(default_factory=dict)
    event_amounts: dict[str, int] = field(default_factory=dict)
    member_amounts: dict[tuple[str, str], int] = field(default_factory=dict)  # (event, member)
    join_events: dict[str, str] = field(default_factory=dict)  # member -> join event id
    # Members paid a need-based kind: the earliest month of a paid, unreversed dues line of
    # theirs in any union (absent: none), and for those without one by a payout's month, who
    # recorded their join and on which Vietnam date (rule 1).
    first_dues: dict[str, str] = field(default_factory=dict)
    join_records: dict[str, tuple[str, date]] = field(default_factory=dict)
    # Union figures per (unit, period label): flow -> key -> amount (the unit's own rows).
    totals: dict[tuple[str, str], dict[str, dict[str, int]]] = field(default_factory=dict)
    dues_lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (unit, month) -> n
    periods: list[Period] = field(default_factory=list)  # where union-level rules look
    years: list[Period] = field(default_factory=list)  # rules 10 and 12's: calendar years
    dues_horizon: str | None = None  # the latest dues month recorded anywhere
    # Collections and remittances per (unit, month they are for) (rule 14).
    unit_months: dict[tuple[str, str], UnitMonth] = field(default_factory=dict)
    # (unit, month) a union fee was recorded for and reversed (rule 9's when nothing is left)
    fee_reversed: set[tuple[str, str]] = field(default_factory=set)
    # unit -> the fee decisions of its employers, in log order (rule 17)
    fee_reliefs: dict[str, list[FeeRelief]] = field(default_factory=dict)
    # member -> [(from, registered salary basis)], oldest first (rule 17's estimate)
    salaries: dict[str, list[tuple[date, int]]] = field(default_factory=dict)
    money_horizon: date | None = None  # the latest effective date of any money record
    membership_horizon: date | None = None  # of a join, transfer, leave or death
    verification: Report | None = None
    events: int = 0
    _policies: dict[tuple[str, date], Policy | None] = field(default_factory=dict, repr=False)
    _judged: dict[tuple[str, date], Oversight | None] = field(default_factory=dict, repr=False)
    _chains: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _windows: dict[tuple[str, str, date], tuple[Period, int | None]] = field(
        default_factory=dict, repr=False
    )
    _periods: dict[tuple[str, date], Period] = field(default_factory=dict, repr=False)
    _counted: list[Payout] | None = field(default=None, repr=False)
    _by_member: dict[str, list[Payout]] | None = field(default=None, repr=False)
    _by_beneficiary: dict[tuple[str, str, str], list[Payout]] | None = field(
        default=None, repr=False
    )

    @property
    def books_horizon(self) -> date | None:
        """How far the books go: the latest effective date of a money or membership record
        (rule 16's "latest date"). The rules read no clock, and an administrative record
        (an officer's key, an erasure, an inspector's judgment, a policy) signed on a later
        day does not move it: the union's books are no further on for it."""
        known = [d for d in (self.money_horizon, self.membership_horizon) if d is not None]
        return max(known) if known else None

    def ancestors(self, unit: str) -> list[str]:
        """The unit and its ancestors, nearest first."""
        chain = self._chains.get(unit)
        if chain is None:
            chain = []
            current: str | None = unit
            while current is not None and current not in chain:
                chain.append(current)
                info = self.units.get(current)
                current = info.parent if info is not None else None
            self._chains[unit] = chain
        return chain

    def subtree(self, unit: str) -> set[str]:
        return {code for code in self.units if unit in self.ancestors(code)}

    def policy(self, unit: str | None, on: date) -> Policy | None:
        if unit is None:
            return None
        key = (unit, on)
        if key not in self._policies:
            self._policies[key] = resolve([self.books.get(u) for u in self.ancestors(unit)], on)
        return self._policies[key]

    def judged(self, unit: str | None, on: date) -> Oversight | None:
        """What `unit` is judged by on `on` (see the invariants)."""
        if unit is None:
            return None
        key = (unit, on)
        if key not in self._judged:
            self._judged[key] = oversight([self.books.get(u) for u in self.ancestors(unit)], on)
        return self._judged[key]

    def period_for(self, kind: str, on: date) -> Period:
        """The period of `kind` ("year", "quarter", "month", "lunar") containing `on`."""
        key = (kind, on)
        found = self._periods.get(key)
        if found is None:
            found = self._periods[key] = Period.for_date(kind, on)
        return found

    def window(self, p: Payout) -> tuple[Period, int | None]:
        """The counting window of a payout's kind under its policy, and the allowed count."""
        key = (p.unit, p.kind, p.on)
        found = self._windows.get(key)
        if found is None:
            policy = self.policy(p.unit, p.on)
            rule = policy.welfare.get(p.kind) if policy is not None else None  # type: ignore[call-overload]
            kind = rule.count_period if rule is not None else "year"
            found = (self.period_for(kind, p.on), rule.max_count if rule is not None else None)
            self._windows[key] = found
        return found

    def salary_on(self, member: str, on: date) -> int:
        """The salary basis registered for `member` on `on` (0 when none)."""
        found = 0
        for start, value in self.salaries.get(member, ()):
            if start > on:
                break
            found = value
        return found

    def leaf_units(self) -> list[str]:
        return sorted(code for code, info in self.units.items() if info.leaf)

    def counted_payouts(self) -> list[Payout]:
        """Paid, unreversed payouts (computed once). Do not modify."""
        if self._counted is None:
            self._counted = [p for p in self.payouts if p.status == "paid" and not p.reversed]
        return self._counted

    def payouts_by_member(self) -> dict[str, list[Payout]]:
        """Counted payouts per member (and their relatives), oldest first. Do not modify."""
        if self._by_member is None:
            out: dict[str, list[Payout]] = defaultdict(list)
            for p in sorted(self.counted_payouts(), key=_chronological):
                out[p.member].append(p)
            self._by_member = dict(out)
        return self._by_member

    def payouts_by_beneficiary(self) -> dict[tuple[str, str, str], list[Payout]]:
        """Counted payouts per (member, beneficiary, kind), oldest first. Do not modify."""
        if self._by_beneficiary is None:
            out: dict[tuple[str, str, str], list[Payout]] = defaultdict(list)
            for items in self.payouts_by_member().values():
                for p in items:
                    out[(p.member, p.beneficiary, p.kind)].append(p)
            self._by_beneficiary = dict(out)
        return self._by_beneficiary

    def officer_person(self, code: str) -> MemberFacts | None:
        """The member record of an officer (officer.register's `member`), if any."""
        officer = self.officers.get(code)
        if officer is None or officer.member is None:
            return None
        return self.members.get(officer.member)

    def amount_of(self, event_id: str) -> int:
        payout = self.payout_by_id.get(event_id)
        if payout is not None:
            return payout.amount
        movement = self.movements.get(event_id)
        if movement is not None:
            return movement.amount
        return self.event_amounts.get(event_id, 0)

    def summary(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "units": len(self.units),
            "members": len(self.members),
            "officers": len(self.officers),
            "payouts": len(self.payouts),
            "reversals": len(self.reversals),
            "statements": len(self.statements),
        }


_chronological = attrgetter("on", "recorded_at", "event_id")
_NOT_NEED_BASED = frozenset(
    k.value for k in COLLECTIVE_WELFARE | NON_CASH_WELFARE | SEPARATE_BOOK_WELFARE
)
