"""Members minted or registered again to escape limits: one person under two numbers, a member
no dues batch lists, relatives declared to restart the per-beneficiary limits.

Amounts, event ids and problems are computed by hand from what each test records (the
default policy: serious illness at most 3.000.000 đ a year, children support at most two
payouts and 2.000.000 đ a year per beneficiary, back-dating judged beyond 45 days).
"""

from __future__ import annotations

from typing import Any

import pytest

from audit.detect import detect
from ledger.domain.errors import PolicyViolation
from tests.support import at, entries


def found(world: Any, rule: str) -> list[Any]:
    report = detect(world.ctx)
    assert report.rule_errors == {}
    return [f for f in report.findings if f.rule == rule]


def leave(world: Any, number: str, on: str) -> Any:
    with at(on):
        return world.submit(
            "member.leave",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={"member": number, "reason": "nghỉ việc"},
        )


def serious(world: Any, number: str, amount: int, on: str, **extra: Any) -> Any:
    return world.payout(
        number,
        "serious_illness",
        amount,
        on=on,
        occasion=f"điều trị {on}",
        personal={"reason": "ung thư"},
        **extra,
    )


# --- rule 3 and the write-time check: one citizen, two numbers ----------------------------------


def test_rejoining_under_a_new_number_does_not_restart_the_yearly_cap(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV1", cid="079190000001")
    first = serious(world, "DV1", 3_000_000, "2025-03-03")
    leave(world, "DV1", "2025-03-10")
    rejoin = world.join("DV1B", on="2025-03-11", cid="079190000001")
    before = entries(world)

    with pytest.raises(PolicyViolation) as refused:
        serious(world, "DV1B", 3_000_000, "2025-03-20")
    [p] = refused.value.problems
    assert (p.field, p.code) == ("body.member", "over_period_cap")
    assert "DV1" in p.vi and "CCCD" in p.vi and "3.000.000" in p.vi
    assert "DV1" in p.en and "citizen ID" in p.en and "3000000" in p.en
    assert entries(world) == before
    # within what is left of the person's cap it is paid; counts for one number only
    # (another citizen) are untouched
    world.join("DV2", on="2025-03-11", cid="079190000002")
    serious(world, "DV2", 3_000_000, "2025-03-20")
    assert found(world, "duplicate_citizen_id") == []

    # a chair may let it through (an override): detection then finds the person over the cap
    second = serious(
        world,
        "DV1B",
        3_000_000,
        "2025-03-20",
        override={"justification": "tái phát"},
        cosigner=world.chair,
    )
    [f] = found(world, "duplicate_citizen_id")
    assert f.people == ("DV1", "DV1B")
    assert set(f.event_ids) >= {first.event_id, second.event_id, rejoin.event_id}
    assert (f.amount, f.severity) == (3_000_000, "high")
    assert "vượt mức tối đa 3.000.000 đ" in f.explanation_vi
    assert "6000000 đồng in all, over the period cap of 3000000" in f.explanation_en


def test_another_unions_payouts_to_the_same_citizen_are_left_to_detection(world) -> None:  # type: ignore[no-untyped-def]
    """A union's officers may not read another union's payouts: the write-time check sums the
    numbers this union paid; one person drawing in two unions is rule 3's."""
    world.join("DV1", cid="079190000001")
    world.join("DV9", unit="G2", cid="079190000001")
    a = serious(world, "DV9", 3_000_000, "2025-03-03", unit="G2", by=world.kt2)
    b = serious(world, "DV1", 3_000_000, "2025-03-20")
    [f] = found(world, "duplicate_citizen_id")
    assert {a.event_id, b.event_id} <= set(f.event_ids)
    assert (f.amount, f.severity) == (3_000_000, "high")


def test_two_numbers_of_one_citizen_over_a_later_lower_cap_are_found(world) -> None:  # type: ignore[no-untyped-def]
    """A policy adopted later with a lower cap re-judges what was paid: the write-time check
    cannot have seen it, detection sums the person's numbers."""
    world.join("DV1", cid="079190000001")
    a = serious(world, "DV1", 2_000_000, "2024-09-03")
    leave(world, "DV1", "2024-09-10")
    world.join("DV1B", on="2024-09-11", cid="079190000001")
    b = serious(world, "DV1B", 1_000_000, "2024-09-20")
    assert found(world, "duplicate_citizen_id") == []  # 3.000.000 đ: at the cap, not over

    world.adopt(
        "G1",
        "2024-12-01",
        effective_from="2024-07-01",
        welfare__serious_illness__per_payout_cap=2_500_000,
        welfare__serious_illness__per_year_cap=2_500_000,
    )
    [f] = found(world, "duplicate_citizen_id")
    assert {a.event_id, b.event_id} <= set(f.event_ids)
    # the number that drew least is what is at stake
    assert (f.amount, f.stakes) == (1_000_000, ((b.event_id, 1_000_000),))
    assert "2.500.000" in f.explanation_vi
