"""The demo as data: who exists and every command to record, before anything is signed.

Invariants:
- A `Plan` is a pure function of its `DemoConfig` (seed included): the generator draws from
  one `random.Random` in a fixed order and command ids come from that RNG, so the same seed
  gives the same commands, signed with the same keys, byte for byte.
- `Op`s are recorded in `(at, order)` order; `at` is the instant the ledger clock is frozen
  at when the op is signed and stored. An op that refers to an earlier one (a reversal, an
  approval) holds that `Op` in `target`; its id and digest are filled in at signing time.
- Ops carry a `tag` saying why the generator made them ("duplicate", "override",
  "late_dues"...). Planted fraud (`ledger.demo.fraud`) adds ops tagged "fraud:<rule>" and
  "lookalike:<rule>", and the plan then carries the answer key.
- An op is signed with its officer's seed key, or with the seed key named `key` when the
  officer's key was rotated (`ledger.demo.keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.demo.fraud import AnswerKey

DEMO_PASSPHRASE = "demo-passphrase"


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 2025
    members: int = 5000
    grassroots: int = 30
    uppers: int = 5
    year: int = 2025
    prefix: str = ""  # prepended to every unit, officer and member code (several provinces)
    parent: str | None = None  # the unit above the province, when the ledger has one
    genesis: bool = True  # record the ledger's genesis and the administrator
    admin_seed: int | None = None  # the administrator's key (shared by several provinces)

    def code(self, local: str) -> str:
        return f"{self.prefix}{local}"


@dataclass
class Op:
    at: datetime
    type: str
    by: str
    body: dict[str, Any]
    unit: str | None = None
    effective: date | None = None
    personal: dict[str, str] | None = None
    cosign: str | None = None
    target: Op | None = None
    tag: str = ""
    order: int = 0
    command_id: str = ""
    key: str | None = None  # the seed key name to sign with, when not the officer's code


@dataclass
class UnitSpec:
    code: str
    name: str
    level: str
    parent: str | None
    employer: str | None = None
    welfare_target: float = 0.7  # share of spending the union's budget aims at
    compliance: float = 0.99  # about the share of member-months collected (`income.not_collected`)
    under_declares: bool = False  # declares the minimum wage for some members
    late: bool = False  # records dues weeks late


@dataclass
class OfficerSpec:
    code: str
    name: str
    role: str
    scope: str
    member: str | None = None


@dataclass
class Relative:
    code: str
    relation: str
    name: str
    born: int


@dataclass
class Person:
    number: str
    unit: str
    female: bool
    born: int
    name: str
    citizen_id: str
    salary: int
    joined: date
    bank: str | None = None
    household: str | None = None
    poor: bool = False
    relatives: list[Relative] = field(default_factory=list)
    spans: list[tuple[date, str]] = field(default_factory=list)
    left_on: date | None = None
    died_on: date | None = None
    salaries: list[tuple[date, int]] = field(default_factory=list)

    def unit_on(self, d: date) -> str | None:
        """Same rule as the Member aggregate."""
        if d < self.joined or (self.left_on is not None and d >= self.left_on):
            return None
        current = None
        for start, unit in self.spans:
            if start <= d:
                current = unit
        return current

    def salary_on(self, d: date) -> int:
        current = self.salaries[0][1]
        for start, value in self.salaries:
            if start <= d:
                current = value
        return current


@dataclass
class Plan:
    config: DemoConfig
    units: list[UnitSpec]
    officers: list[OfficerSpec]
    people: list[Person]
    ops: list[Op]
    key: AnswerKey | None = None  # planted fraud and its answer key (`--plant-fraud`)
    current_keys: dict[str, str] = field(default_factory=dict)  # officer -> seed key name

    def ordered(self) -> list[Op]:
        return sorted(self.ops, key=lambda o: (o.at, o.order))
