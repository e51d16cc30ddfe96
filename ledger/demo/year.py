"""A year of the demo province: movements, dues, fees, payouts, loans, spending, corrections.

Invariants:
- Every op is valid under the default policy when recorded in `(at, order)` order: the
  generator applies the same membership rule as the Member aggregate and the same caps,
  counts and windows as `ledger.domain.rules` (via `ledger.domain.periods.count_window`),
  so a refusal while recording is a bug of the generator, never silently skipped.
- Deliberate exceptions are tagged: overrides (a chair's signed justification), pending
  payouts and the chair's decisions, duplicates corrected by reversals, a dues batch
  recorded wrong and redone, late and incomplete dues, a fee paid short.
- Amounts are whole đồng, rounded to thousands as unions pay them; goods given in kind are
  bought at each union's quoted unit price (`unit_price`), close to the market price.
- With a `planter` (`ledger.demo.fraud`), planted cases are written between the ordinary
  stages: identities before the joins (in `generate`), then after the movements, after the
  welfare and at the very end, where it may re-time ordinary membership ops it made use of.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ledger.demo.names import SUPPLIERS
from ledger.demo.organisation import birthday
from ledger.demo.plan import DemoConfig, OfficerSpec, Op, Person, UnitSpec
from ledger.demo.timeline import at
from ledger.domain.catalogue import COLLECTIVE_WELFARE, WelfareKind
from ledger.domain.periods import count_window
from ledger.domain.policy import PolicyBook, load_default_book

if TYPE_CHECKING:
    from ledger.demo.fraud import Planter


class Year:
    """Writes the ops of one year; `ops` is the result."""

    def __init__(
        self,
        cfg: DemoConfig,
        rng: random.Random,
        units: list[UnitSpec],
        officers: list[OfficerSpec],
        people: list[Person],
    ) -> None:
        self.cfg, self.rng, self.y = cfg, rng, cfg.year
        self.units = {u.code: u for u in units}
        self.province = units[0]
        self.grassroots = [u for u in units if u.employer is not None]
        self.uppers = [u for u in units[1:] if u.employer is None]
        self.officers = officers
        self.people = people
        self.by_number = {p.number: p for p in people}
        self.book: PolicyBook = load_default_book()
        self.ops: list[Op] = []
        self.paid: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
        self.welfare: dict[str, int] = defaultdict(int)  # payouts per unit (for spending)
        self.fee_in: dict[tuple[str, int], int] = defaultdict(int)  # (unit, quarter)
        self.dues_in: dict[tuple[str, int], int] = defaultdict(int)
        self.loans: list[tuple[Person, str, int, int, date]] = []
        self.prices: dict[tuple[str, str], int] = {}  # (unit, item) -> quoted unit price
        self.tet_goods: dict[str, tuple[str, int]] = {}  # unit -> Tết goods (item, market price)
        self.planter: Planter | None = None

    # ------------------------------------------------------------------ helpers

    def kt(self, unit: str) -> str:
        return self.cfg.code(f"kt.{unit[len(self.cfg.prefix) :]}")

    def ct(self, unit: str) -> str:
        return self.cfg.code(f"ct.{unit[len(self.cfg.prefix) :]}")

    def op(self, when: datetime, type_: str, by: str, body: dict[str, Any], **kw: Any) -> Op:
        """One op; an expense above the approval threshold is cosigned by its unit's chair."""
        if type_ == "expense.record" and kw.get("cosign") is None and kw.get("unit"):
            policy = self.book.in_force(kw.get("effective") or when.date())
            if policy is not None and policy.needs_second_signature(body["amount"]):
                kw["cosign"] = self.ct(kw["unit"])
        cid = kw.pop("command_id", None) or str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        o = Op(when, type_, by, body, order=len(self.ops), command_id=cid, **kw)
        self.ops.append(o)
        return o

    def unit_price(self, unit: str, item: str, market: int) -> int:
        """The unit price a union pays for goods: its supplier's quote, near the market price."""
        if (unit, item) not in self.prices:
            self.prices[(unit, item)] = round(market * self.rng.uniform(0.93, 1.08) / 1000) * 1000
        return self.prices[(unit, item)]

    @property
    def staff(self) -> set[str]:
        """Member numbers of the officers (a finance officer or chair is also a member)."""
        return {o.member for o in self.officers if o.member}

    def recuse(self) -> None:
        """An officer does not record their own benefit: the upper level's officer does.

        A payout to a union's finance officer, their relative or their household, other than
        a Tết support or gift that at least five other members got the same day for the same
        occasion (and no more), is recorded by the finance officer of the union above (who
        may sign there): a need-based benefit (hardship, a scholarship) is never "what
        everyone got", however many others had one.
        """
        officer_person = {o.code: o.member for o in self.officers if o.member}
        same: dict[tuple[Any, ...], list[tuple[str, int]]] = defaultdict(list)
        payouts = [o for o in self.ops if o.type == "payout.record"]
        for o in payouts:
            key = (o.unit, o.body["kind"], o.body["occasion"].strip().lower(), o.effective)
            same[key].append((o.body["member"], o.body["amount"]))
        for o in payouts:
            number = officer_person.get(o.by)
            if number is None or o.unit is None:
                continue
            officer, p = self.by_number[number], self.by_number[o.body["member"]]
            if p is not officer and not (p.household and p.household == officer.household):
                continue
            key = (o.unit, o.body["kind"], o.body["occasion"].strip().lower(), o.effective)
            peers = [m for m, a in same[key] if m != p.number and a >= o.body["amount"]]
            if o.body["kind"] in COLLECTIVE_WELFARE and len(peers) >= 5:
                continue  # what everyone got
            parent = self.units[o.unit].parent
            if parent is not None:
                o.by = self.kt(parent)

    def members_of(self, unit: str, d: date) -> list[Person]:
        return [p for p in self.people if p.unit_on(d) == unit]

    def allowed(self, p: Person, kind: str, amount: int, d: date, relative: str | None) -> bool:
        """Would the default rules let this payout through without an override?"""
        policy = self.book.in_force(d)
        assert policy is not None
        rule = policy.rule(WelfareKind(kind))
        if rule is None or (relative is not None and not rule.relatives_eligible):
            return False
        if rule.per_payout_cap is not None and amount > rule.per_payout_cap:
            return False
        start, end = count_window(rule.count_period, d)
        earlier = [
            a for on, a in self.paid[(p.number, relative or "self", kind)] if start <= on < end
        ]
        if rule.max_count is not None and len(earlier) + 1 > rule.max_count:
            return False
        return rule.per_year_cap is None or sum(earlier) + amount <= rule.per_year_cap

    def pay(
        self,
        p: Person,
        kind: str,
        amount: int,
        d: date,
        occasion: str,
        *,
        relative: str | None = None,
        reason: str | None = None,
        in_kind: tuple[str, int] | None = None,
        override: str | None = None,
        await_approval: bool = False,
        unit: str | None = None,
        hour: int = 10,
        tag: str = "",
        count: bool = True,
    ) -> Op | None:
        here = p.unit_on(d)
        if unit is None:
            unit = here
        elif unit != here and not (kind == "bereavement" and p.died_on is not None):
            return None  # not a member of that union that day (the ledger would refuse it)
        if unit is None:
            return None
        if override is None and not self.allowed(p, kind, amount, d, relative):
            return None
        body: dict[str, Any] = {
            "member": p.number,
            "kind": kind,
            "amount": amount,
            "occasion": occasion,
        }
        if relative is not None:
            body["relative"] = relative
        if in_kind is not None:
            item, unit_cost = in_kind
            body["form"] = "in_kind"
            body["in_kind"] = {
                "item": item,
                "quantity": amount // unit_cost,
                "unit_cost": unit_cost,
                "supplier": self.rng.choice(SUPPLIERS),
            }
        personal: dict[str, str] = {}
        if reason is not None:
            personal["reason"] = reason
        if p.bank is not None and in_kind is None and amount >= 500_000 and self.rng.random() < 0.7:
            body["payment_method"] = "bank"
            personal["payee_account"] = p.bank
        if kind == "partner_discount":
            body["funding_source"] = "partner"
        if override is not None:
            body["override"] = {"justification": override}
        needs_chair = override is not None or amount > 5_000_000
        cosign = None
        if needs_chair and await_approval:
            body["await_approval"] = True
        elif needs_chair:
            cosign = self.ct(unit)
        o = self.op(
            at(d, hour, self.rng.randrange(60)),
            "payout.record",
            self.kt(unit),
            body,
            unit=unit,
            effective=d,
            personal=personal or None,
            cosign=cosign,
            tag=tag,
        )
        if count:
            self.paid[(p.number, relative or "self", kind)].append((d, amount))
            if kind != "partner_discount" and not await_approval:
                self.welfare[unit] += amount
        return o

    # ------------------------------------------------------------------ the year

    def write(self) -> list[Op]:
        from ledger.demo import income, movements, spending, welfare

        movements.movements(self)
        if self.planter is not None:
            self.planter.after_movements(self)
        income.dues(self)
        income.fees(self)
        welfare.tet(self)
        welfare.occasions(self)
        welfare.care(self)
        welfare.loans_book(self)
        welfare.corrections(self)
        self.recuse()
        if self.planter is not None:
            self.planter.after_welfare(self)
        income.other_income(self)
        income.remittances(self)
        spending.spending(self)
        if self.planter is not None:
            self.planter.finish(self)
        return self.ops

    def join_ops(self, p: Person, when: datetime) -> None:
        personal = {
            "full_name": p.name,
            "citizen_id": p.citizen_id,
            "date_of_birth": birthday(p.born).isoformat(),
        }
        if p.bank:
            personal["bank_account"] = p.bank
        if p.household:
            personal["household"] = p.household  # blind-indexed: one household, two members
        kt = self.kt(p.unit)
        self.op(
            when,
            "member.join",
            kt,
            {"member": p.number, "salary_basis": p.salary},
            unit=p.unit,
            effective=p.joined,
            personal=personal,
        )
        if p.household:
            self.op(
                when,
                "member.household",
                kt,
                {"member": p.number},
                unit=p.unit,
                effective=p.joined,
                personal={"household_status": "poor" if p.poor else "near_poor"},
            )
        for r in p.relatives:
            born = date(r.born, 6, 1)
            rel_personal = {"full_name": r.name, "date_of_birth": born.isoformat()}
            self.op(
                when,
                "member.relative",
                kt,
                {"member": p.number, "relative": r.code, "relation": r.relation},
                unit=p.unit,
                effective=max(p.joined, born),  # a child born after the join is added then
                personal=rel_personal,
            )
