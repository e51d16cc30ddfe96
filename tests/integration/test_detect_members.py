"""Members minted or registered again to escape limits: one person under two numbers, a member
no dues batch lists, relatives declared to restart the per-beneficiary limits.

Amounts, event ids and problems are computed by hand from what each test records (the
default policy: serious illness at most 3.000.000 đ a year, children support at most two
payouts and 2.000.000 đ a year per beneficiary, back-dating judged beyond 45 days).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from audit.detect import detect
from ledger.bootstrap import open_ledger
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
    assert "DV1" in p.en and "citizen ID" in p.en and "3.000.000 đ" in p.en
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
    assert "6.000.000 đ in all, over the period cap of 3.000.000 đ" in f.explanation_en


def _three_numbers_for_one_citizen(world: Any, joiner: Any) -> None:
    """DV1 drew 1.000.000 đ and left; `joiner` registers DV1B (same citizen), which draws
    1.500.000 đ and leaves, then DV1C: 500.000 đ of the 3.000.000 đ yearly cap is left."""
    world.join("DV1", cid="079190000001")
    serious(world, "DV1", 1_000_000, "2025-03-03")  # the ledger looks the citizen ID up
    leave(world, "DV1", "2025-03-10")
    joiner.join("DV1B", on="2025-03-11", cid="079190000001")
    serious(joiner, "DV1B", 1_500_000, "2025-03-12")
    leave(joiner, "DV1B", "2025-03-13")
    joiner.join("DV1C", on="2025-03-14", cid="079190000001")


def _over_the_cap_for_dv1c(world: Any) -> None:
    before = entries(world)
    with pytest.raises(PolicyViolation) as refused:
        serious(world, "DV1C", 1_000_000, "2025-03-20")
    [p] = refused.value.problems
    assert (p.field, p.code) == ("body.member", "over_period_cap")
    assert "DV1B" in p.vi and "DV1" in p.vi
    assert entries(world) == before
    assert serious(world, "DV1C", 500_000, "2025-03-20").status == "paid"


def test_the_cap_counts_numbers_registered_after_the_ledger_last_looked(world) -> None:  # type: ignore[no-untyped-def]
    """The citizen ID's numbers are looked up once and kept: a join recorded since (by this
    ledger) must be seen by the next payout's cap."""
    _three_numbers_for_one_citizen(world, world)
    _over_the_cap_for_dv1c(world)


def test_the_cap_counts_numbers_another_process_registered(world, database_url) -> None:  # type: ignore[no-untyped-def]
    """The same when the joins were recorded by another process (another ledger on the same
    database): this ledger's kept look-up must not hide them."""
    other_ctx = open_ledger(database_url)
    try:
        _three_numbers_for_one_citizen(world, dataclasses.replace(world, ctx=other_ctx))
    finally:
        other_ctx.close()
    _over_the_cap_for_dv1c(world)


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


# --- rule 1: a member no dues batch lists ------------------------------------------------------


def _dues(world: Any, month: str, members: list[str]) -> Any:
    on = f"{month}-15"
    with at(on):
        return world.submit(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={
                "month": month,
                "lines": [
                    {"member": m, "salary_basis": 6_000_000, "amount": 60_000} for m in members
                ],
            },
        )


def test_a_need_based_payout_to_a_member_no_dues_batch_lists(world) -> None:  # type: ignore[no-untyped-def]
    for number in ("DV1", "DV2"):
        world.join(number)
    # DV3 is registered on 1 November "from" 1 July by the officer who then pays them
    with at("2024-11-01"):
        ghost_join = world.submit(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": "DV3", "salary_basis": 6_000_000},
            personal={
                "full_name": "Trần Văn Ma",
                "date_of_birth": "1985-01-01",
                "citizen_id": "079099999999",
            },
        )
    world.join("DV4", on="2024-10-15")  # a new joiner, first listed in November's batch
    # DV5 joins on 1 September, inside G1's dues records (from September), and is first
    # listed in December: back from unpaid leave, or added to the rolls after being paid
    world.join("DV5", on="2024-09-01")
    # DV6 joined in 2019, entered with the union's roster when it began keeping its books in
    # the ledger (recorded long after its date by the finance officer who later pays them),
    # on leave since before the records began: judged as any leave, not reported
    with at("2024-07-01"):
        world.submit(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2019-05-01",
            body={"member": "DV6", "salary_basis": 6_000_000},
            personal={
                "full_name": "Lê Thị Sáu",
                "date_of_birth": "1980-01-01",
                "citizen_id": "079180000006",
            },
        )
    _dues(world, "2024-09", ["DV1", "DV2"])
    _dues(world, "2024-10", ["DV1"])  # DV2 on maternity leave from October: no dues
    _dues(world, "2024-11", ["DV1", "DV4"])
    hardship = world.payout(
        "DV3", "hardship_sudden", 3_000_000, on="2024-11-20", personal={"reason": "khó khăn"}
    )
    visit = world.payout(
        "DV3", "sickness_visit", 1_000_000, on="2024-11-21", personal={"reason": "ốm"}
    )
    world.payout("DV3", "gift", 300_000, on="2024-11-20", occasion="20/11")  # what all got
    world.payout("DV1", "gift", 300_000, on="2024-11-20", occasion="20/11")
    # look-alikes: the member on leave, the new joiner paid before and after their first line
    world.payout("DV2", "sickness_visit", 500_000, on="2024-11-05", personal={"reason": "ốm"})
    world.payout("DV4", "sickness_visit", 500_000, on="2024-10-20", personal={"reason": "ốm"})
    world.payout("DV4", "sickness_visit", 500_000, on="2024-11-22", personal={"reason": "ốm"})
    world.payout("DV5", "sickness_visit", 500_000, on="2024-11-23", personal={"reason": "ốm"})
    world.payout("DV6", "sickness_visit", 500_000, on="2024-11-23", personal={"reason": "ốm"})
    _dues(world, "2024-12", ["DV1", "DV2", "DV4", "DV5", "DV6"])

    # DV5, paid in November and listed only from December, is reported low: a member back
    # from leave and a name added to the rolls after being paid look the same in the ledger
    by_member = {f.people[0]: f for f in found(world, "inactive_beneficiary")}
    assert set(by_member) == {"DV3", "DV5"}
    back = by_member["DV5"]
    assert (back.severity, back.amount, back.period) == ("low", 500_000, "2024-11")
    assert "first listed in a dues batch for 12/2024, after the payout" in back.explanation_en
    f = by_member["DV3"]
    assert f.people == ("DV3", "kt.g1")
    assert set(f.event_ids) == {hardship.event_id, visit.event_id, ghost_join.event_id}
    assert (f.amount, f.severity, f.unit, f.period) == (4_000_000, "medium", "G1", "2024-11")
    assert "2024-09, 2024-10, 2024-11" in f.explanation_en
    assert "(123 days earlier)" in f.explanation_en and "lùi 123 ngày" in f.explanation_vi
    [join] = [e for e in f.evidence if e.event_id == ghost_join.event_id]
    assert join.context

    # Added to a batch after being paid (January's, recorded in January): still not on the
    # rolls when paid. The dues check used to clear a member listed in any batch, even one
    # for a month after the payout.
    _dues(world, "2025-01", ["DV3"])
    by_member = {f.people[0]: f for f in found(world, "inactive_beneficiary")}
    assert set(by_member) == {"DV3", "DV5"}
    assert by_member["DV3"].severity == "medium"  # the payer back-dated the join
    assert "first listed in a dues batch for 01/2025" in by_member["DV3"].explanation_en

    # listed in a batch by the payout's month, the member is on the rolls
    _dues(world, "2024-08", ["DV3"])
    assert sorted(f.people[0] for f in found(world, "inactive_beneficiary")) == ["DV5"]


def _roster_join(world: Any, number: str, joined: str, recorded: str, **at_time: Any) -> Any:
    with at(recorded):
        return world.submit(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date=joined,
            body={"member": number, "salary_basis": 6_000_000},
            personal={
                "full_name": f"Đoàn viên {number}",
                "date_of_birth": "1985-01-01",
                "citizen_id": f"0791850000{number[-2:]}",
            },
        )


def test_a_leave_that_began_before_the_unions_dues_records_is_judged_as_any_leave(world) -> None:  # type: ignore[no-untyped-def]
    """G1's dues batches in the ledger begin with September 2024. DV02, on its roster (entered
    on 1 July, joined in 2019), has been on maternity leave since before September, is paid
    a sickness visit in November and is listed again from December: a leave that began
    before the records, as a member on leave who paid dues before is not reported (it was
    reported low: no line before the payout, though the records could show none). Still
    reported: a member whose membership begins inside the records (DV03) and one whose join,
    back-dated to 2019, was recorded only after the records began (DV04), low.
    One no batch ever lists: medium when the join was recorded after the records began
    (DV06: nothing shows they were on the books before), low when they were on the roster
    before the records began (DV05, was medium): a leave that began before the records and
    has not ended (unpaid, maternity, a long sickness: who is paid sickness visits) looks
    the same as a name on the roster that never worked there; the explanation says so and
    asks for the employer's payroll or the leave decision."""
    world.join("DV01")
    _roster_join(world, "DV02", "2019-05-01", "2024-07-01")
    _roster_join(world, "DV05", "2019-05-01", "2024-07-01")
    world.join("DV03", on="2024-09-01")
    _roster_join(world, "DV04", "2019-05-01", "2024-10-01")
    _roster_join(world, "DV06", "2019-05-01", "2024-10-01")
    for month in ("2024-09", "2024-10", "2024-11"):
        _dues(world, month, ["DV01"])
    visits = {
        n: world.payout(n, "sickness_visit", 500_000, on="2024-11-20", personal={"reason": "ốm"})
        for n in ("DV02", "DV03", "DV04", "DV05", "DV06")
    }
    _dues(world, "2024-12", ["DV01", "DV02", "DV03", "DV04"])

    by_member = {f.people[0]: f for f in found(world, "inactive_beneficiary")}
    assert {n: (f.severity, f.amount) for n, f in by_member.items()} == {
        "DV03": ("low", 500_000),
        "DV04": ("low", 500_000),
        "DV05": ("low", 500_000),
        "DV06": ("medium", 500_000),
    }
    roster = by_member["DV05"]
    assert (
        "was on G1's books (joined 01/05/2019) before its dues batches in the ledger begin "
        "(09/2024)" in roster.explanation_en
    )
    assert "check the employer's payroll or the leave decision" in roster.explanation_en
    assert "trước khi các bảng thu đoàn phí trong sổ bắt đầu (tháng 09/2024)" in (
        roster.explanation_vi
    )
    assert "before its dues batches" not in by_member["DV06"].explanation_en
    assert visits["DV04"].event_id in by_member["DV04"].event_ids
    assert visits["DV02"].event_id not in {e for f in by_member.values() for e in f.event_ids}
    assert "first listed in a dues batch for 12/2024" in by_member["DV04"].explanation_en


def test_no_dues_finding_where_the_union_collected_no_dues(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV1")
    world.payout("DV1", "sickness_visit", 500_000, on="2024-11-05", personal={"reason": "ốm"})
    assert found(world, "inactive_beneficiary") == []


# --- rule 4: relatives minted to restart the per-beneficiary limits ----------------------------


def _relative(world: Any, number: str, code: str, on: str, cid: str | None = None) -> Any:
    personal = {"full_name": f"Con {code}", "date_of_birth": "2015-03-01"}
    if cid:
        personal["citizen_id"] = cid
    with at(on):
        return world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={"member": number, "relative": code, "relation": "child"},
            personal=personal,
        )


def _child_support(world: Any, number: str, code: str, on: str) -> Any:
    return world.payout(
        number,
        "children_support",
        1_000_000,
        on=on,
        relative=code,
        occasion="hỗ trợ con đoàn viên khó khăn",
        personal={"reason": "khó khăn"},
    )


def test_relatives_declared_just_before_paid_together_over_one_childs_cap(world) -> None:  # type: ignore[no-untyped-def]
    for number in ("DV1", "DV2", "DV3"):
        world.join(number)
    days = ("2024-10-02", "2024-10-10", "2024-10-18", "2024-10-26")
    declared = [_relative(world, "DV1", f"C{i}", "2024-10-01") for i in range(1, 5)]
    paid = [_child_support(world, "DV1", f"C{i}", d) for i, d in enumerate(days, start=1)]
    # look-alikes: two children declared when the member joined, each paid up to their own
    # limits; two declared just before with their identification numbers
    for code in ("C1", "C2"):
        _relative(world, "DV2", code, "2024-07-01")
        for d in days[:2]:
            _child_support(world, "DV2", code, d)
    for i, code in enumerate(("C1", "C2", "C3"), start=1):
        _relative(world, "DV3", code, "2024-10-01", cid=f"07921500000{i}")
        _child_support(world, "DV3", code, days[i - 1])

    [f] = [g for g in found(world, "over_cap") if g.severity == "medium"]
    assert f.people == ("DV1", "kt.g1")
    assert set(f.event_ids) == {e.event_id for e in declared + paid}
    # one beneficiary may draw 2.000.000 đ: the third and fourth child's are beyond it
    assert f.amount == 2_000_000
    assert dict(f.stakes) == {paid[2].event_id: 1_000_000, paid[3].event_id: 1_000_000}
    assert "C1, C2, C3, C4" in f.explanation_vi and "4 times (4.000.000 đ)" in f.explanation_en
    shown = [(e.on, e.context) for e in f.evidence if e.what == "member.relative"]
    assert shown == [(date(2024, 10, 1), True)] * 4
    assert [g for g in found(world, "over_cap") if g.severity != "medium"] == []


def test_a_child_declared_twice_with_one_citizen_id_is_one_beneficiary(world) -> None:  # type: ignore[no-untyped-def]
    """A member's child declared again under a second code with the same identification
    number drew the per-child limits twice (children's support: twice and 2.000.000 đ a year),
    and no rule saw it: the limits were counted per relative code. The declarations are old
    (not rule 4's relatives minted just before a payout), so only the number ties them."""
    for number in ("DV1", "DV2"):
        world.join(number)
    _relative(world, "DV1", "C1", "2024-07-02", cid="079215000011")
    _relative(world, "DV1", "C2", "2024-07-03", cid="079215000011")
    days = ("2024-08-01", "2024-09-10", "2024-10-20", "2024-11-30")  # over 31 days apart
    paid = [
        _child_support(world, "DV1", code, d)
        for code, d in zip(("C1", "C1", "C2", "C2"), days, strict=True)
    ]
    # look-alike: two children, two numbers, each paid up to their own limits
    _relative(world, "DV2", "C1", "2024-07-02", cid="079215000021")
    _relative(world, "DV2", "C2", "2024-07-02", cid="079215000022")
    for code, d in zip(("C1", "C1", "C2", "C2"), days, strict=True):
        _child_support(world, "DV2", code, d)

    [f] = found(world, "repeated_benefit")
    assert (f.people[0], f.severity, f.amount) == ("DV1", "high", 2_000_000)
    assert set(f.event_ids) == {p.event_id for p in paid}
    assert dict(f.stakes) == {paid[2].event_id: 1_000_000, paid[3].event_id: 1_000_000}
    assert "DV1/C1 (also declared as C2)" in f.explanation_en
    assert "DV1/C1 (khai báo lần nữa là C2)" in f.explanation_vi
    # and over the period cap one child may draw, without a chair's override (rule 4)
    over = [(g.people[0], g.severity, g.amount) for g in found(world, "over_cap")]
    assert over == [("DV1", "high", 2_000_000)]


# --- rule 4: one relative declared again under a new code after being paid ----------------------


def _declare(
    world: Any, number: str, code: str, on: str, name: str, born: str, relation: str = "child"
) -> Any:
    with at(on):
        return world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={"member": number, "relative": code, "relation": relation},
            personal={"full_name": name, "date_of_birth": born},
        )


def _support(world: Any, number: str, code: str, on: str, kind: str = "children_support") -> Any:
    return world.payout(
        number,
        kind,
        1_000_000,
        on=on,
        occasion=f"hỗ trợ {code} {on}",
        relative=code,
        personal={"reason": "hoàn cảnh"},
    )


def test_a_paid_relative_declared_again_under_a_new_code_and_paid_again(world) -> None:  # type: ignore[no-untyped-def]
    """Children's support is at most twice and 2.000.000 đ a year per child. DV1's child R1
    (no citizen ID) is paid twice, then declared again as R2 with the same name (typed
    without tone marks) and date of birth, and paid a third time: high, the third at stake,
    both declarations shown. DV6's parent is paid a bereavement twice under two codes: high.
    DV4's R2 has R1's name and relationship but another date of birth: medium. DV5's child,
    declared again, is paid once under each code, within one child's limits: low, nothing at
    stake. Not reported: twins with different names (DV2), a child declared again to correct
    the date of birth and paid under one code only (DV3)."""
    for n in ("DV1", "DV2", "DV3", "DV4", "DV5", "DV6"):
        world.join(n)
    _declare(world, "DV1", "R1", "2024-07-02", "Nguyễn Minh An", "2018-05-01")
    r1 = [_support(world, "DV1", "R1", d) for d in ("2024-09-02", "2024-10-01")]
    again = _declare(world, "DV1", "R2", "2024-10-01", "NGUYEN  MINH AN", "2018-05-01")
    third = _support(world, "DV1", "R2", "2024-12-02")
    for code, name in (("R1", "Trần Minh Khoa"), ("R2", "Trần Minh Khôi")):  # twins
        _declare(world, "DV2", code, "2024-07-02", name, "2018-05-01")
        _support(world, "DV2", code, "2024-09-02")
        _support(world, "DV2", code, "2024-10-02")
    _declare(world, "DV3", "R1", "2024-07-02", "Lê Văn Bình", "2017-01-01")
    _support(world, "DV3", "R1", "2024-09-02")
    _declare(world, "DV3", "R2", "2024-10-01", "Lê Văn Bình", "2017-01-10")
    _declare(world, "DV4", "R1", "2024-07-02", "Lê Văn Cường", "2017-01-01")
    _support(world, "DV4", "R1", "2024-09-02")
    _support(world, "DV4", "R1", "2024-09-20")
    _declare(world, "DV4", "R2", "2024-10-01", "Lê Văn Cường", "2016-01-01")
    fourth = _support(world, "DV4", "R2", "2024-12-02")
    _declare(world, "DV5", "R1", "2024-07-02", "Võ Thị Hoa", "2019-02-02")
    low = [_support(world, "DV5", "R1", "2024-09-02")]
    _declare(world, "DV5", "R2", "2024-10-01", "Võ Thị Hoa", "2019-02-02")
    low.append(_support(world, "DV5", "R2", "2024-12-02"))
    _declare(world, "DV6", "R1", "2024-07-02", "Phạm Văn Tư", "1950-01-01", "parent")
    died = _support(world, "DV6", "R1", "2024-09-02", kind="bereavement")
    _declare(world, "DV6", "R2", "2024-10-01", "Phạm Văn Tư", "1950-01-01", "parent")
    twice = _support(world, "DV6", "R2", "2024-12-02", kind="bereavement")

    report = detect(world.ctx)
    assert report.rule_errors == {}
    by_member = {
        f.people[0]: f
        for f in report.findings
        if f.rule == "over_cap" and "declared again" in f.explanation_en
    }
    assert {n: (f.severity, f.amount) for n, f in by_member.items()} == {
        "DV1": ("high", 1_000_000),
        "DV4": ("medium", 1_000_000),
        "DV5": ("low", 0),
        "DV6": ("high", 1_000_000),
    }
    f = by_member["DV1"]
    assert dict(f.stakes) == {third.event_id: 1_000_000}
    assert {*(p.event_id for p in r1), third.event_id, again.event_id} <= set(f.event_ids)
    assert "R2 (the same name and date of birth)" in f.explanation_en
    assert "khai báo lại" in f.explanation_vi
    assert dict(by_member["DV4"].stakes) == {fourth.event_id: 1_000_000}
    assert "the same name and relationship" in by_member["DV4"].explanation_en
    assert by_member["DV5"].stakes == () and {p.event_id for p in low} <= set(
        by_member["DV5"].event_ids
    )
    assert dict(by_member["DV6"].stakes) == {twice.event_id: 1_000_000}
    assert died.event_id in by_member["DV6"].event_ids


def test_a_relative_erased_on_their_own_is_not_matched_by_name_any_more(world) -> None:  # type: ignore[no-untyped-def]
    """A relative erased on their own (`member.erase_relative`) leaves detection as an erased
    member's relatives do: their name indexes no longer link a later declaration to them."""
    world.join("DV1")
    _declare(world, "DV1", "R1", "2024-07-02", "Nguyễn Minh An", "2018-05-01")
    for d in ("2024-09-02", "2024-10-01"):
        _support(world, "DV1", "R1", d)
    _declare(world, "DV1", "R2", "2024-10-01", "Nguyễn Minh An", "2018-05-01")
    _support(world, "DV1", "R2", "2024-12-02")

    def declared_again() -> list[str]:
        return [
            f.people[0]
            for f in detect(world.ctx).findings
            if f.rule == "over_cap" and "declared again" in f.explanation_en
        ]

    assert declared_again() == ["DV1"]
    with at("2025-02-01"):
        world.submit(
            "member.erase_relative",
            by=world.admin,
            unit="G1",
            effective_date="2025-02-01",
            body={"member": "DV1", "relative": "R1", "reason": "Đơn số 12/2025"},
        )
    assert declared_again() == []
