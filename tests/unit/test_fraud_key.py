"""The planted-fraud answer key (`phucloi demo --plant-fraud`) and how findings are scored."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from audit.quality import AnswerKey, KeyCase, evaluate, matches
from ledger.config import parse_database_url
from ledger.demo import DemoConfig, generate
from ledger.demo.fraud import RULES, default_key_path
from ledger.demo.record import Signing

SMALL = DemoConfig(seed=11, members=600, grassroots=10, uppers=3)


@dataclass(frozen=True)
class F:
    rule: str
    unit: str
    event_ids: tuple[str, ...]


def case(rule: str, unit: str, *events: str) -> KeyCase:
    return KeyCase(rule, unit, (), frozenset(events), "")


KEY = AnswerKey(
    rules=("repeated_benefit", "split_payment", "union_ratios"),
    cases=(
        case("repeated_benefit", "G1", "a", "b"),
        case("repeated_benefit", "G2", "c"),
        case("split_payment", "G1", "d", "e"),
        case("union_ratios", "G3"),
    ),
    lookalikes=(case("split_payment", "G2", "z"),),
)


def test_a_finding_matches_a_case_of_its_rule_by_shared_events_or_by_union() -> None:
    assert matches(F("repeated_benefit", "G9", ("x", "b")), KEY.cases[0])
    assert not matches(F("split_payment", "G1", ("a",)), KEY.cases[0])  # another rule
    assert not matches(F("repeated_benefit", "G1", ("x",)), KEY.cases[0])  # no shared event
    assert matches(F("union_ratios", "G3", ()), KEY.cases[3])  # union level: rule and unit
    assert not matches(F("union_ratios", "G4", ()), KEY.cases[3])


def test_precision_and_recall_per_rule_and_overall() -> None:
    findings = [
        F("repeated_benefit", "G1", ("a",)),
        F("repeated_benefit", "G1", ("b", "q")),  # the same case again: correct, found once
        F("split_payment", "G2", ("z",)),  # a look-alike flagged: wrong
        F("union_ratios", "G3", ()),
        F("backdating", "G1", ("k",)),  # a rule the key has no case of
    ]
    q = evaluate(findings, KEY)
    rep, split, ratios, late = (q.rule(r) for r in (*KEY.rules, "backdating"))
    assert (rep.cases, rep.found, rep.findings, rep.correct) == (2, 1, 2, 2)
    assert (rep.precision, rep.recall) == (1, Fraction(1, 2))
    assert (split.precision, split.recall) == (0, 0)
    assert (ratios.precision, ratios.recall) == (1, 1)
    assert (late.precision, late.recall) == (0, None)
    assert (q.precision, q.recall) == (Fraction(3, 5), Fraction(2, 4))
    assert [c.unit for c in q.missed] == ["G2", "G1"]
    assert [w.rule for w in q.wrong] == ["split_payment", "backdating"]
    assert [c.unit for c in q.lookalikes_hit] == ["G2"]


def test_no_findings_means_no_precision_and_zero_recall() -> None:
    q = evaluate([], KEY)
    assert q.precision is None and q.recall == 0
    assert q.as_dict()["rules"][0] == {
        "rule": "repeated_benefit",
        "cases": 2,
        "found": 0,
        "findings": 0,
        "correct": 0,
        "precision": None,
        "recall": 0.0,
    }


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"schema": "something/else", "cases": []}))
    with pytest.raises(ValueError, match="phucloi/fraud-key/v1"):
        AnswerKey.load(path)


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return generate(SMALL, plant_fraud=True)


def test_every_rule_has_planted_cases_whose_events_are_in_the_plan(plan) -> None:  # type: ignore[no-untyped-def]
    key = plan.key
    assert key is not None
    per_rule = Counter(c.rule for c in key.cases)
    assert set(per_rule) == set(RULES)
    event_ids = {o.command_id for o in plan.ops}
    for c in key.cases + key.lookalikes:
        assert c.note and c.unit
        assert set(c.event_ids) <= event_ids, c.note
        if c.rule not in ("union_ratios", "concentration"):
            assert c.event_ids, c.note
    # Spread over unions and the year, and tagged in the plan.
    assert len({c.unit for c in key.cases}) >= 8
    months = {o.effective.month for c in key.cases for o in c.ops if o.effective}
    assert len(months) >= 8
    assert sum(1 for o in plan.ops if o.tag.startswith("fraud:")) >= 40


def test_the_key_is_the_same_for_the_same_seed_and_apart_from_the_ordinary_demo(plan) -> None:  # type: ignore[no-untyped-def]
    again = generate(SMALL, plant_fraud=True).key
    other = generate(DemoConfig(seed=12, members=600, grassroots=10, uppers=3), plant_fraud=True)
    assert again is not None and other.key is not None
    assert again.as_dict() == plan.key.as_dict()
    assert other.key.as_dict() != plan.key.as_dict()
    assert generate(SMALL).key is None
    # The signed commands are reproducible too (the key names them by command id).
    assert [o.command_id for o in generate(SMALL, plant_fraud=True).ops] == [
        o.command_id for o in plan.ops
    ]


def test_look_alikes_are_planted_beside_the_cases(plan) -> None:  # type: ignore[no-untyped-def]
    notes = " | ".join(c.note for c in plan.key.lookalikes)
    for expected in (
        "sick twice",  # two separate illnesses
        "siblings, one household",
        "the day after joining",
        "bereavement after death",
        "the same name, two citizens",
        "at the cap",
        "under the threshold",
        "recorded a week later",
        "a routine key rotation",
        "confirms receipt",
        "with its counter-movement",
        "one member's own account",
        "the same goods at the market price",
    ):
        assert expected in notes, expected
    by_number = {p.number: p for p in plan.people}
    siblings = next(c for c in plan.key.lookalikes if "siblings" in c.note)
    a, b = (by_number[n] for n in siblings.people)
    assert a.household == b.household and a.citizen_id != b.citizen_id


def test_no_accidental_twins_outside_the_key(plan) -> None:  # type: ignore[no-untyped-def]
    """Citizen ids and accounts repeat only where a case says so."""
    planted = {n for c in plan.key.cases if c.rule == "duplicate_citizen_id" for n in c.people}
    seen = Counter(p.citizen_id for p in plan.people)
    repeated = {p.number for p in plan.people if seen[p.citizen_id] > 1}
    assert repeated == planted
    accounts: dict[str, set[str]] = {}
    for o in plan.ops:
        if o.type == "payout.record" and o.personal and "payee_account" in o.personal:
            accounts.setdefault(o.personal["payee_account"], set()).add(o.body["member"])
    shared = {frozenset(m) for m in accounts.values() if len(m) > 1}
    cases = {frozenset(c.people) for c in plan.key.cases if c.rule == "shared_bank_account"}
    assert shared == cases


def test_planted_commands_sign_reproducibly(plan) -> None:  # type: ignore[no-untyped-def]
    """A rotated officer's later commands are signed with the new key."""
    signing = Signing(plan)
    rotated = set(plan.current_keys)
    assert len(rotated) == 3
    later = [o for o in plan.ops if o.key is not None]
    assert later and {o.by for o in later} <= rotated
    item = signing.item(later[0])
    assert item["command"]["signer"]["key_id"] == signing.signer(later[0].by, later[0].key).key_id


def test_the_key_file_lies_next_to_the_ledger_not_in_it(tmp_path: Path, plan) -> None:  # type: ignore[no-untyped-def]
    sqlite = parse_database_url(f"sqlite:///{tmp_path / 'demo.db'}")
    assert default_key_path(sqlite, tmp_path / "home") == tmp_path / "demo.fraud-key.json"
    pg = parse_database_url("postgresql+psycopg://postgres@127.0.0.1:5432/phucloi_demo")
    assert default_key_path(pg, tmp_path) == tmp_path / "phucloi_demo.fraud-key.json"
    path = tmp_path / "k" / "key.json"
    plan.key.write(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "phucloi/fraud-key/v1" and data["seed"] == 11
    assert AnswerKey.load(path).cases[0].event_ids == frozenset(plan.key.cases[0].event_ids)


@pytest.mark.parametrize("seed", [2, 5])
def test_a_planted_demo_registers_every_officer_code_once(seed: int) -> None:
    # Seeds 2 and 5 put the unlinked deputy accountant (kt2.<unit>) in the union whose chair
    # already holds a second identity under that very code: recording stopped with
    # "officer kt2.G09 is already registered".
    plan = generate(DemoConfig(seed=seed, members=600, grassroots=10, uppers=3), plant_fraud=True)
    registered = Counter(o.body["officer"] for o in plan.ops if o.type == "officer.register")
    assert [code for code, n in registered.items() if n > 1] == []
    assert plan.key is not None
    assert {c.rule for c in plan.key.cases} >= {"unlinked_officer", "self_dealing"}
