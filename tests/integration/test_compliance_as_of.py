"""`compliance --as-of DAY` (and `as_of` of `GET /units/{unit}/compliance`) is what the ledger
held at the end of that day: every input recorded on or before it, none recorded later.

It took the fee decisions as recorded by that day but the dues and fee lines, the members,
their salaries and the remittances by their effective date: a dues batch recorded after the
day but dated before it counted, and a reversal recorded later already cancelled a line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.projections.queries.compliance import compliance, held_on
from ledger.projections.queries.remittance import remittance
from tests.integration.test_detect_rules import _collect, _fee_recorded
from tests.support import at

LINES = [("DV1", 6_000_000, 60_000), ("DV2", 6_000_000, 60_000)]


def _story(world: Any) -> dict[str, Any]:
    """DV1 and DV2 join G1 on 01/07/2024 and pay July's dues on 20/07; the 2% fee of July
    is recorded on 10/08. Then, on 02/10, the August dues batch is recorded dated 20/08 (a
    late entry), DV3 is recorded as having joined on 01/08 with DV1's new salary from
    01/08, and on 03/10 July's dues batch is reversed and a remittance for July recorded."""
    world.join("DV1")
    world.join("DV2")
    july = _collect(world, "G1", "2024-07", "2024-07-20", LINES)
    _fee_recorded(world, "G1", "2024-07", "2024-08-10", 30_000_000, 600_000)
    with at("2024-10-02"):
        world.submit(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2024-08-20",
            body={
                "month": "2024-08",
                "lines": [{"member": m, "salary_basis": s, "amount": a} for m, s, a in LINES],
            },
        )
        world.submit(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-08-01",
            body={"member": "DV3", "salary_basis": 5_000_000},
            personal={
                "full_name": "Đoàn viên DV3",
                "date_of_birth": "1990-01-01",
                "citizen_id": "079100000333",
            },
        )
        world.submit(
            "member.salary",
            by=world.kt,
            unit="G1",
            effective_date="2024-08-01",
            body={"member": "DV1", "salary_basis": 8_000_000},
        )
    with at("2024-10-03"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-10-03",
            body={"target": july.event_id, "reason": "ghi nhầm tháng"},
        )
        world.submit(
            "remittance.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-10-03",
            body={"month": "2024-07", "kind": "union_fee", "to_unit": "D", "amount": 150_000},
        )
    return {"july": july.event_id}


def _dues(world: Any, day: date) -> tuple[int, int, int, int]:
    d = compliance(world.ledger, "G1", "2024-Q3", as_of=day).total.dues
    return d.member_months_due, d.member_months_paid, d.expected, d.collected


def test_compliance_as_of_a_day_counts_only_what_was_recorded_by_then(world) -> None:  # type: ignore[no-untyped-def]
    _story(world)
    # 30/09: July paid by DV1 and DV2; nothing else recorded yet: DV3 not a member, DV1's
    # salary still 6.000.000 đ, August's batch not there, July's not reversed
    assert _dues(world, date(2024, 9, 30)) == (6, 2, 6 * 60_000, 120_000)
    q3 = compliance(world.ledger, "G1", "2024-Q3", as_of=date(2024, 9, 30))
    assert q3.total.missing_total == 4
    assert {(m, mo) for m, mo, _ in q3.total.missing} == {
        ("DV1", "2024-08"),
        ("DV2", "2024-08"),
        ("DV1", "2024-09"),
        ("DV2", "2024-09"),
    }
    # 02/10: the late August batch, DV3 from August and DV1's 8.000.000 đ are recorded
    assert _dues(world, date(2024, 10, 2)) == (
        8,
        4,
        60_000 + 60_000 + 2 * (80_000 + 60_000 + 50_000),
        240_000,
    )
    # 03/10: July's batch reversed: July is unpaid again
    assert _dues(world, date(2024, 10, 3)) == (8, 2, 500_000, 120_000)
    assert _dues(world, date(2025, 6, 30)) == _dues(world, date(2024, 10, 3))


def test_remittance_as_of_a_day_leaves_out_what_was_recorded_later(world) -> None:  # type: ignore[no-untyped-def]
    _story(world)
    before = remittance(world.ledger, "G1", "2024-07", as_of=date(2024, 10, 2)).total
    after = remittance(world.ledger, "G1", "2024-07", as_of=date(2024, 10, 3)).total
    assert before.kinds["union_fee"].remitted == 0
    assert after.kinds["union_fee"].remitted == 150_000
    # July's dues: collected until their reversal was recorded on 03/10
    assert before.kinds["dues"].collected == 120_000
    assert after.kinds["dues"].collected == 0


def test_the_day_held_is_every_event_recorded_by_it_even_out_of_log_order(world) -> None:  # type: ignore[no-untyped-def]
    """Events are recorded in log order; a clock set back may interleave them: an event
    recorded by the day counts even after one recorded later in the log."""
    _story(world)
    held = held_on(world.ledger, date(2024, 9, 30))
    assert held.asof is not None and held.kept == ()
    assert held_on(world.ledger, None).asof is None
    assert held_on(world.ledger, date(2030, 1, 1)).asof is None  # nothing after: as it stands
    with at("2024-09-15"):  # recorded last, dated and recorded before 30/09
        _collect(world, "G1", "2024-09", "2024-09-15", LINES)
    held = held_on(world.ledger, date(2024, 9, 30))
    assert len(held.kept) == 1
    assert _dues(world, date(2024, 9, 30)) == (6, 4, 6 * 60_000, 240_000)


def test_a_day_before_the_union_was_recorded_is_refused_naming_the_date(world) -> None:  # type: ignore[no-untyped-def]
    """As of a day before the union was in the ledger the answer was "unit not found: G1",
    as if the code were mistyped."""
    import pytest

    from ledger.domain.errors import NotFound

    with pytest.raises(NotFound) as refused:
        compliance(world.ledger, "G1", "2024", as_of=date(2020, 1, 1))
    assert refused.value.code == "unit_not_yet"
    [p] = refused.value.problems
    assert (p.field, p.vi) == (
        "as_of",
        "đơn vị G1 chưa có trong sổ ngày 01/01/2020: được ghi sau ngày đó",
    )
    with pytest.raises(NotFound) as unknown:
        compliance(world.ledger, "G9", "2024", as_of=date(2020, 1, 1))
    assert unknown.value.code == "unit_not_found"
