"""One grassroots union's year, told through the public API (both backends).

CĐCS G1 under the default policy (2024-07: dues 1% capped at 234.000 đ; chair's second
signature above 5.000.000 đ; Tết once per lunar year up to 2.000.000 đ; sickness visits
≤ 1.000.000 đ, twice a year).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger.domain.errors import InvalidCommand, PolicyViolation, SignatureRefused
from ledger.tables import ledger_entries
from tests.support import at, entries


def test_a_grassroots_union_year(world) -> None:  # type: ignore[no-untyped-def]
    # Two workers join; one earns above the dues cap.
    world.join("DV001", salary=6_000_000, on="2024-07-01")
    world.join("DV002", salary=30_000_000, on="2024-07-15")

    # July dues: 1% of 6.000.000 = 60.000; 1% of 30.000.000 = 300.000 capped at 234.000.
    with at("2024-07-31"):
        receipt = world.submit(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-31",
            body={
                "month": "2024-07",
                "lines": [
                    {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
                    {"member": "DV002", "salary_basis": 30_000_000, "amount": 234_000},
                ],
            },
        )
    assert receipt.status == "recorded"
    unit = world.ledger.get_unit("G1")
    assert unit.dues_paid == {("2024-07", "DV001"), ("2024-07", "DV002")}
    assert unit.money[receipt.event_id]["amount"] == 294_000

    # Tết Ất Tỵ (29/01/2025): support paid on 15/01/2025 counts for lunar 2025.
    tet = world.payout("DV001", "tet_support", 1_500_000, on="2025-01-15", occasion="Tết Ất Tỵ")
    assert tet.status == "paid"
    # A second Tết support for the same Tết, after the new year, is refused; nothing stored.
    before = entries(world)
    with pytest.raises(PolicyViolation) as refused:
        world.payout("DV001", "tet_support", 500_000, on="2025-02-03", occasion="Tết Ất Tỵ")
    assert [p.code for p in refused.value.problems] == ["over_count"]
    assert entries(world) == before

    # A sickness visit, with the diagnosis sealed as personal data.
    visit = world.payout(
        "DV002",
        "sickness_visit",
        800_000,
        on="2025-03-04",
        occasion="nằm viện",
        personal={"reason": "mổ ruột thừa"},
    )
    # Recorded twice by mistake: corrected by a signed reversal, never by an edit.
    dup = world.payout(
        "DV002",
        "sickness_visit",
        800_000,
        on="2025-03-04",
        occasion="nằm viện",
        personal={"reason": "mổ ruột thừa"},
    )
    with at("2025-03-05"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-05",
            body={"target": dup.event_id, "reason": "ghi trùng / duplicate entry"},
        )
    member = world.ledger.get_member("DV002")
    assert member.payouts[dup.event_id].reversed is True
    assert member.payouts[visit.event_id].reversed is False
    # The reversal freed the count: a genuine second visit later in the year is allowed.
    assert (
        world.payout(
            "DV002",
            "sickness_visit",
            1_000_000,
            on="2025-09-10",
            occasion="sốt xuất huyết",
            personal={"reason": "sốt xuất huyết"},
        ).status
        == "paid"
    )

    # Over the per-payout cap: refused with the Vietnamese message, nothing stored.
    before = entries(world)
    with pytest.raises(PolicyViolation) as over:
        world.payout(
            "DV001",
            "sickness_visit",
            1_200_000,
            on="2025-04-01",
            occasion="ốm",
            personal={"reason": "viêm phổi"},
        )
    assert over.value.problems[0].code == "over_payout_cap"
    assert "vượt mức tối đa mỗi lần 1.000.000 đ" in over.value.problems[0].vi
    assert entries(world) == before

    # The same, overridden: the chair cosigns a justification; stored, marked overridden.
    overridden = world.payout(
        "DV001",
        "sickness_visit",
        1_200_000,
        on="2025-04-01",
        occasion="ốm nặng",
        personal={"reason": "viêm phổi"},
        override={"justification": "Ban Thường vụ họp ngày 31/3 quyết định"},
        cosigner=world.chair,
    )
    record = world.ledger.get_member("DV001").payouts[overridden.event_id]
    assert (record.status, record.overridden) == ("paid", True)

    # A house repair above the 5.000.000 đ threshold waits for the chair (maker-checker).
    repair = world.payout(
        "DV001",
        "housing_repair",
        15_000_000,
        on="2025-05-10",
        occasion="Mái ấm Công đoàn",
        personal={"reason": "nhà dột"},
        await_approval=True,
    )
    assert repair.status == "pending"
    digest = world.ledger.entry(repair.event_id)["command_digest"]
    # The maker cannot approve their own payout.
    with pytest.raises(SignatureRefused), at("2025-05-11"):
        world.submit(
            "approval.decide",
            by=world.kt,
            unit="G1",
            body={"target": repair.event_id, "target_digest": digest, "decision": "approve"},
        )
    with at("2025-05-12"):
        world.submit(
            "approval.decide",
            by=world.chair,
            unit="G1",
            body={
                "target": repair.event_id,
                "target_digest": digest,
                "decision": "approve",
                "note": "đã kiểm tra hiện trạng",
            },
        )
    record = world.ledger.get_member("DV001").payouts[repair.event_id]
    assert (record.status, record.approver) == ("paid", "ct.g1")
    # Under the threshold, an officer may still ask the chair first: it waits too (it was
    # stored as paid without a word).
    asked = world.payout("DV001", "gift", 200_000, on="2025-05-13", await_approval=True)
    assert asked.status == "pending"
    assert world.ledger.get_member("DV001").payouts[asked.event_id].status == "pending"

    # The member leaves; a payout after that date is refused as a ghost beneficiary.
    with at("2025-10-01"):
        world.submit(
            "member.leave",
            by=world.kt,
            unit="G1",
            effective_date="2025-10-01",
            body={"member": "DV002", "reason": "nghỉ việc"},
        )
    with pytest.raises(PolicyViolation) as ghost:
        world.payout("DV002", "gift", 300_000, on="2025-10-20", occasion="20/10")
    assert ghost.value.problems[0].code == "not_active_member"

    # The log: every entry is numbered without gaps, in commit order.
    with world.ctx.engine.connect() as conn:
        seqs = conn.scalars(select(ledger_entries.c.seq).order_by(ledger_entries.c.seq)).all()
    assert seqs == list(range(len(seqs)))
    assert world.ledger.reveal("DV002")["payouts"][visit.event_id] == {"reason": "mổ ruột thừa"}


def test_dues_follow_the_policy_in_force_including_the_2025_change(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV010", salary=8_000_000, on="2025-01-02")

    def dues(month: str, amount: int, on: str | None = None):  # type: ignore[no-untyped-def]
        with at(on or f"{month}-28"):
            return world.submit(
                "collection.dues",
                by=world.kt,
                unit="G1",
                effective_date=on or f"{month}-28",
                body={
                    "month": month,
                    "lines": [{"member": "DV010", "salary_basis": 8_000_000, "amount": amount}],
                },
            )

    dues("2025-06", 80_000)  # 1% before 2025-07-01
    with pytest.raises(InvalidCommand) as wrong:
        dues("2025-07", 80_000)  # 0.5% from 2025-07-01 (QĐ 61/QĐ-TLĐ)
    assert wrong.value.problems[0].field == "body.lines[0].amount"
    assert "40.000 đ" in wrong.value.problems[0].en
    dues("2025-07", 40_000)
    with pytest.raises(InvalidCommand) as twice:
        dues("2025-07", 40_000)
    assert twice.value.problems[0].code == "dues_already_collected"
    # the month as people write it, not as a key ("tháng 2025-07")
    assert twice.value.problems[0].vi == "DV010 đã đóng đoàn phí tháng 07/2025"
    # A month still to come is never collected: it would read as paid ahead of its payroll.
    before = entries(world)
    for month in ("2025-08", "2099-12"):
        with pytest.raises(InvalidCommand) as ahead:
            dues(month, 40_000, on="2025-07-31")
        assert [(p.field, p.code) for p in ahead.value.problems] == [("body.month", "future_month")]
    with at("2025-07-31"), pytest.raises(InvalidCommand) as fee:
        world.submit(
            "collection.union_fee",
            by=world.kt,
            unit="G1",
            effective_date="2025-07-31",
            body={"month": "2025-09", "payroll": 100_000_000, "amount": 2_000_000}
            | {"employer": "Công ty May Sông Bé"},
        )
    assert [(p.field, p.code) for p in fee.value.problems] == [("body.month", "future_month")]
    assert entries(world) == before
    assert ("2025-08", "DV010") not in world.ledger.get_unit("G1").dues_paid


def test_a_batch_with_one_bad_line_stores_nothing_and_names_every_line(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.application import BatchRefused

    world.join("DV020", on="2024-08-01")
    before = entries(world)
    items = [
        world.item(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={"member": "DV020", "kind": "gift", "amount": 300_000, "occasion": "2/9"},
        ),
        world.item(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={"member": "DV999", "kind": "gift", "amount": 300_000, "occasion": "2/9"},
        ),
        world.item(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={"member": "DV020", "kind": "gift", "amount": 0, "occasion": "2/9"},
        ),
    ]
    with pytest.raises(BatchRefused) as refused:
        world.ledger.submit_batch(items)
    fields = [p.field for p in refused.value.problems]
    assert fields[0] == "line 2: body.member"
    assert fields[1].startswith("line 3: body.amount")
    assert entries(world) == before
