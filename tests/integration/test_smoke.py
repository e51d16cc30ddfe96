from __future__ import annotations


def test_world_builds_and_records_a_payout(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    r = world.payout(
        "DV001", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "sốt xuất huyết"}
    )
    assert r.status == "paid"
    assert r.seq > 0
    member = world.ledger.get_member("DV001")
    assert [p.amount for p in member.payouts.values()] == [500_000]
