"""Write-time payout rules, checked on aggregates built in memory (no database)."""

from __future__ import annotations

import json
from datetime import date
from itertools import count
from typing import Any

from ledger.domain.commands import PayoutBody
from ledger.domain.members import Member
from ledger.domain.policy import load_default_book
from ledger.domain.rules import OVERRIDABLE, check_payout

POLICY = load_default_book().in_force(date(2025, 1, 1))
_ids = count(1)


def env(type_: str, *, unit: str = "G1", on: str, body: dict[str, Any]) -> dict[str, Any]:
    n = next(_ids)
    cmd = {
        "type": type_,
        "unit": unit,
        "effective_date": on,
        "body": body,
        "command_id": f"00000000-0000-4000-8000-{n:012d}",
        "signer": {"officer": "kt"},
    }
    return {
        "command": json.dumps(cmd),
        "digest": f"{n:064x}",
        "recorded_at": f"{on}T03:00:00+00:00",
    }


def member(joined: str = "2024-07-01", unit: str = "G1") -> Member:
    return Member(
        envelope=env(
            "member.join", unit=unit, on=joined, body={"member": "DV1", "salary_basis": 6_000_000}
        )
    )


def pay(m: Member, kind: str, amount: int, on: str, **extra: Any) -> None:
    m.record_payout(
        envelope=env(
            "payout.record",
            on=on,
            body={"member": "DV1", "kind": kind, "amount": amount, "occasion": "x", **extra},
        )
    )


def codes(m: Member, on: str, unit: str = "G1", **body: Any) -> list[str]:
    payout = PayoutBody.model_validate({"member": "DV1", "occasion": "x", **body})
    return [
        p.code for p in check_payout(m, payout, policy=POLICY, on=date.fromisoformat(on), unit=unit)
    ]


def test_payout_before_joining_or_after_leaving_is_a_ghost_and_not_overridable() -> None:
    m = member(joined="2024-07-01")
    assert codes(m, "2024-06-30", kind="gift", amount=100_000) == ["not_active_member"]
    m.leave(envelope=env("member.leave", on="2025-03-01", body={"member": "DV1"}))
    assert codes(m, "2025-02-28", kind="gift", amount=100_000) == []
    assert codes(m, "2025-03-01", kind="gift", amount=100_000) == ["not_active_member"]
    assert "not_active_member" not in OVERRIDABLE


def test_bereavement_for_a_member_who_died_is_allowed_for_90_days_only() -> None:
    m = member()
    m.die(envelope=env("member.death", on="2025-03-01", body={"member": "DV1"}))
    body = {"kind": "bereavement", "amount": 2_000_000, "personal": {"reason": "a" * 64}}
    assert codes(m, "2025-03-03", **body) == []
    assert codes(m, "2025-05-30", **body) == []  # 90 days, inclusive
    assert codes(m, "2025-05-31", **body) == ["not_active_member"]
    assert codes(m, "2025-03-03", kind="gift", amount=100_000) == ["not_active_member"]


def test_after_a_transfer_only_the_new_union_may_pay() -> None:
    m = member()
    m.transfer(
        envelope=env("member.transfer", on="2025-01-01", body={"member": "DV1", "to_unit": "G2"})
    )
    assert codes(m, "2024-12-31", kind="gift", amount=100_000) == []
    assert codes(m, "2025-01-02", kind="gift", amount=100_000) == ["wrong_unit"]
    assert codes(m, "2025-01-02", unit="G2", kind="gift", amount=100_000) == []


def test_tet_support_counts_per_lunar_year_around_tet() -> None:
    m = member()
    pay(m, "tet_support", 1_000_000, "2025-01-15")  # before Tết Ất Tỵ (29/01/2025)
    assert codes(m, "2025-02-03", kind="tet_support", amount=500_000) == ["over_count"]
    assert codes(m, "2026-02-01", kind="tet_support", amount=500_000) == []  # Tết Bính Ngọ
    body = PayoutBody.model_validate(
        {"member": "DV1", "occasion": "x", "kind": "tet_support", "amount": 500_000}
    )
    [p] = check_payout(m, body, policy=POLICY, on=date(2025, 2, 3), unit="G1")
    # Both languages name the same last day of the window (it ends before the next one starts).
    assert "05/08/2024–08/08/2025" in p.vi and "2024-08-05 to 2025-08-08" in p.en


def test_reversed_payouts_do_not_count() -> None:
    m = member()
    pay(m, "tet_support", 1_000_000, "2025-01-15")
    event_id = next(iter(m.payouts))
    m.reverse(
        envelope=env("reversal.record", on="2025-01-16", body={"target": event_id, "reason": "x"})
    )
    assert codes(m, "2025-01-20", kind="tet_support", amount=1_000_000) == []


def test_yearly_cap_sums_the_counting_window() -> None:
    m = member()
    reason = {"reason": "b" * 64}
    pay(m, "serious_illness", 2_000_000, "2025-02-01", personal=reason)
    assert codes(m, "2025-06-01", kind="serious_illness", amount=1_000_000, personal=reason) == []
    assert codes(m, "2025-06-01", kind="serious_illness", amount=1_500_000, personal=reason) == [
        "over_period_cap"
    ]
    assert codes(m, "2026-01-05", kind="serious_illness", amount=3_000_000, personal=reason) == []


def test_caps_reasons_relatives_and_in_kind_arithmetic() -> None:
    m = member()
    m.add_relative(
        envelope=env(
            "member.relative",
            on="2024-08-01",
            body={"member": "DV1", "relative": "R1", "relation": "child"},
        )
    )
    assert codes(
        m, "2025-01-05", kind="sickness_visit", amount=1_200_000, personal={"reason": "c" * 64}
    ) == ["over_payout_cap"]
    assert codes(m, "2025-01-05", kind="sickness_visit", amount=500_000) == ["reason_required"]
    assert codes(
        m,
        "2025-01-05",
        kind="sickness_visit",
        amount=500_000,
        relative="R1",
        personal={"reason": "c" * 64},
    ) == ["relative_not_eligible"]
    assert codes(
        m,
        "2025-01-05",
        kind="scholarship",
        amount=1_000_000,
        relative="R9",
        personal={"reason": "c" * 64},
    ) == ["relative_unknown"]
    assert codes(
        m,
        "2025-01-05",
        kind="gift",
        amount=400_000,
        form="in_kind",
        in_kind={"item": "Giỏ quà Tết", "quantity": 2, "unit_cost": 150_000, "supplier": "Co.op"},
    ) == ["in_kind_total"]
    assert (
        codes(
            m,
            "2025-01-05",
            kind="gift",
            amount=300_000,
            form="in_kind",
            in_kind={
                "item": "Giỏ quà Tết",
                "quantity": 2,
                "unit_cost": 150_000,
                "supplier": "Co.op",
            },
        )
        == []
    )


def _instalments(kind: str, **rule: Any) -> Any:
    """The default policy with `rule`'s fields changed for `kind`."""
    from ledger.domain.policy import Policy

    data = POLICY.to_dict()
    data["welfare"][kind] |= rule
    return Policy.from_dict(data)


def test_one_occasion_is_paid_in_at_most_the_instalments_the_policy_allows() -> None:
    """`max_per_occasion` is checked when a payout is recorded, as detection rule 2 judges it:
    the beneficiary's payouts of the kind with the same occasion text (case, spacing and
    Unicode form folded) within the inspecting level's repeat window, either side, this one
    included. Beyond them: `over_per_occasion` on `body.occasion`, naming the field in both
    languages, overridable by the chair as the count is. Another occasion, another
    beneficiary, a date outside the window or a generic text is not one occasion."""
    policy = _instalments("tet_support", max_count=3, max_per_occasion=2)
    m = member()
    m.add_relative(
        envelope=env(
            "member.relative",
            on="2024-08-01",
            body={"member": "DV1", "relative": "R1", "relation": "child"},
        )
    )
    pay(m, "tet_support", 1_000_000, "2025-01-10", occasion="Hỗ trợ Tết Ất Tỵ")

    def check(on: str, occasion: str, days: int | None = 31, **body: Any) -> list[Any]:
        payout = PayoutBody.model_validate(
            {"member": "DV1", "kind": "tet_support", "amount": 500_000, "occasion": occasion} | body
        )
        return check_payout(
            m, payout, policy=policy, on=date.fromisoformat(on), unit="G1", repeat_days=days
        )

    assert check("2025-01-20", "Hỗ trợ Tết Ất Tỵ") == []  # the second instalment
    pay(m, "tet_support", 1_000_000, "2025-01-20", occasion="Hỗ trợ Tết Ất Tỵ")
    [p] = check("2025-01-25", "HỖ TRỢ  Tết Ất Tỵ")
    assert (p.field, p.code) == ("body.occasion", "over_per_occasion")
    assert "max_per_occasion" in p.vi and "tối đa 2 đợt một dịp" in p.vi and "10/01/2025" in p.vi
    assert "max_per_occasion" in p.en and "at most 2 instalment(s) per occasion" in p.en
    assert "over_per_occasion" in OVERRIDABLE
    # a back-dated one before both is as much beyond them
    assert [q.code for q in check("2025-01-05", "Hỗ trợ Tết Ất Tỵ")] == ["over_per_occasion"]
    assert check("2025-01-25", "Tết Ất Tỵ (bổ sung)") == []  # another text: rule 2 reads it
    assert check("2025-02-21", "Hỗ trợ Tết Ất Tỵ") == []  # 32 days after the last one
    assert [q.code for q in check("2025-02-21", "Hỗ trợ Tết Ất Tỵ", days=45)] == [
        "over_per_occasion"
    ]
    # the policy's own window when the inspecting level's is not given (31 days by default)
    assert check("2025-02-21", "Hỗ trợ Tết Ất Tỵ", days=None) == []
    assert [q.code for q in check("2025-02-09", "Hỗ trợ Tết Ất Tỵ", days=None)] == [
        "over_per_occasion"
    ]
    # without the field, the ledger does not compare occasions (detection does)
    assert (
        check_payout(
            m,
            PayoutBody.model_validate(
                {"member": "DV1", "kind": "gift", "amount": 100_000, "occasion": "Quà 8/3"}
            ),
            policy=policy,
            on=date(2025, 3, 7),
            unit="G1",
        )
        == []
    )


def test_instalments_of_one_occasion_count_per_beneficiary_and_not_a_generic_text() -> None:
    policy = _instalments("gift", max_per_occasion=1)
    m = member()
    m.add_relative(
        envelope=env(
            "member.relative",
            on="2024-08-01",
            body={"member": "DV1", "relative": "R1", "relation": "child"},
        )
    )
    pay(m, "gift", 200_000, "2025-05-30", occasion="Quốc tế Thiếu nhi 1/6", relative="R1")
    pay(m, "gift", 200_000, "2025-03-07", occasion="Tặng quà")

    def codes_of(on: str, occasion: str, **body: Any) -> list[str]:
        payout = PayoutBody.model_validate(
            {"member": "DV1", "kind": "gift", "amount": 200_000, "occasion": occasion} | body
        )
        found = check_payout(
            m, payout, policy=policy, on=date.fromisoformat(on), unit="G1", repeat_days=31
        )
        return [p.code for p in found]

    assert codes_of("2025-06-02", "Quốc tế Thiếu nhi 1/6", relative="R1") == ["over_per_occasion"]
    assert codes_of("2025-06-02", "Quốc tế Thiếu nhi 1/6") == []  # the member, not the child
    assert codes_of("2025-03-08", "Tặng quà") == []  # names no occasion: the count applies
