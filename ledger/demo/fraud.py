"""Planted profiteering for `phucloi demo --plant-fraud`, and its answer key.

Cases of every detection rule (`RULES`, the ids of `audit.detect.RULES`) are planted among
the ordinary activity of the demo year, several per rule, spread over unions and months,
with legitimate look-alikes beside them so that precision is earned. The answer key names,
per case, the rule, the union, the people (member numbers, officer codes), the ids of the
events that constitute it (signed command ids, known before anything is signed) and a note.

Invariants:
- Deterministic per seed: the planter draws from its own `random.Random` seeded from the
  demo seed (command ids still come from the generator's RNG), so the same seed gives the
  same plan and the same key.
- Every planted op passes the ledger's write-time checks when recorded in `(at, order)`
  order, as a fraudster's would: payouts respect caps and counts (`Year.allowed`) or carry
  a chair's override and second signature; a ghost payout is recorded while the ledger
  still believes its beneficiary active, and the leave, transfer or death that makes it a
  ghost is recorded, back-dated, after it. A refusal while recording is a planting bug.
- Cases the ordinary demo makes on purpose, which detection must report (chairs' overrides,
  unions under the welfare target, corrections reversed by the officer who recorded them),
  are in the key too; look-alikes are listed apart, under the rule they resemble.
- The key is a separate JSON file, never stored in the ledger.
- Not plantable, because the ledger refuses it at write time: a payout to someone who
  never joined (no member aggregate), maker and checker under the same officer code, a
  payout over a cap or count without a chair's override, a signature by a revoked key
  after the revocation is recorded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.demo.plan import DemoConfig, OfficerSpec, Op, Person
from ledger.demo.timeline import at
from ledger.domain.catalogue import WelfareKind

if TYPE_CHECKING:
    from ledger.config import StoreTarget
    from ledger.demo.year import Year

KEY_SCHEMA = "phucloi/fraud-key/v1"
RULES: tuple[str, ...] = (
    "inactive_beneficiary",
    "repeated_benefit",
    "duplicate_citizen_id",
    "over_cap",
    "split_payment",
    "self_dealing",
    "shared_bank_account",
    "backdating",
    "suspicious_reversal",
    "concentration",
    "inflated_in_kind",
    "union_ratios",
    "signature_problem",
    "remittance_shortfall",
    "policy_loosening",
    "unpaid_loan",
    "union_fee_shortfall",
    "unlinked_officer",
    "member_dispute",
)
UNION_LEVEL: frozenset[str] = frozenset({"union_ratios", "concentration"})  # matched by unit
# by unit and period (quarter)
BY_PERIOD: frozenset[str] = frozenset({"remittance_shortfall", "union_fee_shortfall"})


@dataclass
class Case:
    """One planted (or ordinary but reportable) case, or a look-alike of one."""

    rule: str
    unit: str
    people: tuple[str, ...]
    ops: list[Op]
    note: str
    period: str | None = None  # the period a union-level finding is judged for

    @property
    def event_ids(self) -> list[str]:
        return sorted({o.command_id for o in self.ops})

    def as_dict(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "unit": self.unit,
            "people": list(self.people),
            "event_ids": self.event_ids,
            "note": self.note,
        }
        return out | ({"period": self.period} if self.period is not None else {})


@dataclass
class AnswerKey:
    """What was planted: `cases` detection must report, `lookalikes` it must not."""

    config: DemoConfig
    cases: list[Case] = field(default_factory=list)
    lookalikes: list[Case] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "schema": KEY_SCHEMA,
            "seed": cfg.seed,
            "config": {
                "members": cfg.members,
                "grassroots": cfg.grassroots,
                "uppers": cfg.uppers,
                "year": cfg.year,
                "prefix": cfg.prefix,
            },
            "rules": list(RULES),
            "cases": [c.as_dict() for c in self.cases],
            "lookalikes": [c.as_dict() for c in self.lookalikes],
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")


class Planter:
    """Writes the planted cases into a `Year` at the stages `Year.write` calls it at."""

    def __init__(self, cfg: DemoConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(f"phucloi-fraud:{cfg.seed}")
        self.key = AnswerKey(cfg)
        self.used: set[str] = set()  # people already part of a case or a look-alike
        self.current_keys: dict[str, str] = {}  # officer -> seed key name after rotation
        self.notes: dict[str, Any] = {}  # what one stage leaves for a later one
        self._spread: list[str] = []

    # ------------------------------------------------------------------ stages

    def identities(self, g: Year) -> None:
        """Before the joins: shared citizen ids, households, accounts, officers' identities."""
        from ledger.demo import fraud_people

        fraud_people.identities(self, g)

    def after_movements(self, g: Year) -> None:
        """Before any money: a union that stops collecting dues, inflated supplier prices."""
        from ledger.demo import fraud_money

        fraud_money.before_money(self, g)

    def after_welfare(self, g: Year) -> None:
        """Planted payouts, counted in the welfare the ordinary spending is sized against."""
        from ledger.demo import fraud_money, fraud_people

        self.notes["busy"] = {
            str(o.body["member"]) for o in g.ops if o.tag and "member" in o.body
        } | {loan[0].number for loan in g.loans}
        fraud_people.ghosts(self, g)
        fraud_money.payouts(self, g)
        # After the other payouts: an officer's own benefit must stay one few members got.
        fraud_people.self_dealing(self, g)
        fraud_people.shared_accounts(self, g)
        fraud_people.duplicates(self, g)
        fraud_people.relative_again(self, g)

    def finish(self, g: Year) -> None:
        """Reversals, spending, key revocations and disputes; the ordinary cases."""
        from ledger.demo import fraud_money, fraud_people

        fraud_money.after_spending(self, g)
        fraud_people.keys_and_disputes(self, g)
        fraud_money.ordinary_cases(self, g)
        fraud_people.accounts_in_key(self, g)
        fraud_people.unlinked_officers(self, g)

    # ------------------------------------------------------------------ key

    def case(
        self,
        rule: str,
        unit: str,
        people: Iterable[str],
        ops: Iterable[Op],
        note: str,
        *,
        period: str | None = None,
    ) -> None:
        assert rule in RULES, rule
        ops = list(ops)
        for o in ops:
            if not o.tag:
                o.tag = f"fraud:{rule}"
        self.key.cases.append(Case(rule, unit, tuple(people), ops, note, period))

    def lookalike(
        self,
        rule: str,
        unit: str,
        people: Iterable[str],
        ops: Iterable[Op],
        note: str,
        *,
        period: str | None = None,
    ) -> None:
        assert rule in RULES, rule
        ops = list(ops)
        for o in ops:
            if not o.tag:
                o.tag = f"lookalike:{rule}"
        self.key.lookalikes.append(Case(rule, unit, tuple(people), ops, note, period))

    # ------------------------------------------------------------------ choosing

    def spread_unit(self, g: Year, ok: Callable[[str], bool] | None = None) -> str | None:
        """The next union in a shuffled round over all of them: cases land everywhere."""
        codes = [u.code for u in g.grassroots]
        for _ in range(2 * len(codes)):
            if not self._spread:
                self._spread = codes[:]
                self.rng.shuffle(self._spread)
            code = self._spread.pop()
            if ok is None or ok(code):
                return code
        return None

    def staff(self, g: Year) -> set[str]:
        return {o.member for o in g.officers if o.member}

    def officer_of(self, g: Year, code: str) -> OfficerSpec:
        return next(o for o in g.officers if o.code == code)

    def free(
        self, g: Year, unit: str, d: date, ok: Callable[[Person], bool] | None = None
    ) -> Person | None:
        """An ordinary member of `unit` on `d`, in no case yet, not an officer, not busy."""
        busy = self.notes.setdefault("busy", set())
        staff = self.staff(g)
        candidates = [
            p
            for p in g.people
            if p.unit_on(d) == unit
            and p.number not in self.used
            and p.number not in staff
            and p.number not in busy
            and p.left_on is None
            and len(p.spans) == 1
            and (ok is None or ok(p))
        ]
        if not candidates:
            return None
        p = self.rng.choice(candidates)
        self.used.add(p.number)
        return p

    def day(self, first_month: int, last_month: int, *, last_day: int = 28) -> date:
        y = self.cfg.year
        return date(y, self.rng.randint(first_month, last_month), self.rng.randint(1, last_day))

    # ------------------------------------------------------------------ writing ops

    def payout(
        self,
        g: Year,
        p: Person,
        kind: str,
        amount: int,
        d: date,
        occasion: str,
        *,
        unit: str | None = None,
        by: str | None = None,
        cosign: str | None = None,
        relative: str | None = None,
        reason: str | None = None,
        payee: str | None = None,
        override: str | None = None,
        in_kind: tuple[str, int, str] | None = None,
        when: datetime | None = None,
        ghost: bool = False,
        tag: str = "",
    ) -> Op | None:
        """A payout op as a finance officer records it; None if the rules would refuse it."""
        unit = unit or p.unit_on(d)
        if unit is None or (not ghost and p.unit_on(d) != unit):
            return None
        if override is None and not g.allowed(p, kind, amount, d, relative):
            return None
        policy = g.book.in_force(d)
        assert policy is not None
        rule = policy.rule(WelfareKind(kind))
        body: dict[str, Any] = {"member": p.number, "kind": kind, "amount": amount}
        body["occasion"] = occasion
        if relative is not None:
            body["relative"] = relative
        if in_kind is not None:
            item, unit_cost, supplier = in_kind
            body["form"] = "in_kind"
            body["in_kind"] = {
                "item": item,
                "quantity": amount // unit_cost,
                "unit_cost": unit_cost,
                "supplier": supplier,
            }
        personal: dict[str, str] = {}
        if rule is not None and rule.requires_reason:
            personal["reason"] = reason or occasion
        if payee is not None:
            body["payment_method"] = "bank"
            personal["payee_account"] = payee
        if override is not None:
            body["override"] = {"justification": override}
        if cosign is None and (override is not None or policy.needs_second_signature(amount)):
            cosign = g.ct(unit)
        o = g.op(
            when or at(d, self.rng.randint(8, 16), self.rng.randrange(60)),
            "payout.record",
            by or g.kt(unit),
            body,
            unit=unit,
            effective=d,
            personal=personal or None,
            cosign=cosign,
            tag=tag,
        )
        g.paid[(p.number, relative or "self", kind)].append((d, amount))
        g.welfare[unit] += amount
        return o


def default_key_path(target: StoreTarget, home: Path) -> Path:
    """Next to a SQLite ledger file; in `home` (PHUCLOI_HOME) for a server database."""
    if target.sqlite_path:
        db = Path(target.sqlite_path)
        return db.with_name(f"{db.stem}.fraud-key.json")
    return home / f"{target.url.database or 'ledger'}.fraud-key.json"


def days(n: int) -> timedelta:
    return timedelta(days=n)
