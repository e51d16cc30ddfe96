"""Money in and out of a unit, loans, transfers and tree changes (both backends)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from ledger.domain.errors import InvalidCommand, NotFound, PolicyViolation
from ledger.dues_check import Line as DuesLine
from ledger.dues_check import preview
from ledger.tables import member_index, member_units
from tests.integration.test_audit_helpers import Attacker
from tests.support import at, entries


def test_fee_income_remittance_and_expense_are_booked_on_the_unit(world) -> None:  # type: ignore[no-untyped-def]
    with at("2025-03-25"):
        fee = world.submit(
            "collection.union_fee",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-25",
            body={
                "month": "2025-03",
                "payroll": 400_000_000,
                "amount": 8_000_000,
                "employer": "Công ty May Sông Bé",
            },
        )
        gift = world.submit(
            "collection.other",
            by=world.kt,
            unit="G1",
            body={"source": "donation", "amount": 5_000_000, "description": "Nhà hảo tâm"},
        )
        up = world.submit(
            "remittance.record",
            by=world.kt,
            unit="G1",
            body={"month": "2025-03", "kind": "union_fee", "amount": 2_000_000, "to_unit": "D"},
        )
        spent = world.submit(
            "expense.record",
            by=world.kt,
            unit="G1",
            body={
                "category": "movement",
                "amount": 3_000_000,
                "description": "Hội thao 26/3",
                "participants": 120,
            },
        )
        with pytest.raises(InvalidCommand) as sideways:  # only to an upper level
            world.submit(
                "remittance.record",
                by=world.kt,
                unit="G1",
                body={"month": "2025-03", "kind": "union_fee", "amount": 1, "to_unit": "G2"},
            )
        assert sideways.value.problems[0].code == "not_upper_level"
        with pytest.raises(InvalidCommand):  # dues have their own command
            world.submit(
                "collection.other",
                by=world.kt,
                unit="G1",
                body={"source": "dues", "amount": 5, "description": "x"},
            )
    money = world.ledger.get_unit("G1").money
    assert {k: v["amount"] for k, v in money.items()} == {
        fee.event_id: 8_000_000,
        gift.event_id: 5_000_000,
        up.event_id: 2_000_000,
        spent.event_id: 3_000_000,
    }
    with at("2025-03-26"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            body={"target": fee.event_id, "reason": "nhập sai kỳ"},
        )
        with pytest.raises(InvalidCommand) as twice:
            world.submit(
                "reversal.record",
                by=world.kt,
                unit="G1",
                body={"target": fee.event_id, "reason": "lần nữa"},
            )
    assert twice.value.problems[0].code == "already_reversed"
    assert world.ledger.get_unit("G1").money[fee.event_id]["reversed"] is True


def test_a_loan_is_disbursed_repaid_and_written_off_within_its_balance(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    with at("2025-02-01"):
        world.submit(
            "loan.disburse",
            by=world.kt,
            unit="G1",
            body={
                "member": "DV001",
                "loan": "L1",
                "fund": "tro_von",
                "amount": 10_000_000,
                "term_months": 12,
                "interest_bp": 0,
            },
            personal={"reason": "chăn nuôi bò"},
            cosigner=world.chair,
        )
        world.submit(
            "loan.repay",
            by=world.kt,
            unit="G1",
            body={"member": "DV001", "loan": "L1", "amount": 4_000_000},
        )
        with pytest.raises(InvalidCommand) as over:
            world.submit(
                "loan.repay",
                by=world.kt,
                unit="G1",
                body={"member": "DV001", "loan": "L1", "amount": 7_000_000},
            )
        assert over.value.problems[0].code == "over_outstanding"
        assert over.value.problems[0].vi == "vượt dư nợ 6.000.000 đ"  # as money is written
        world.submit(
            "loan.write_off",
            by=world.kt,
            unit="G1",
            body={"member": "DV001", "loan": "L1", "amount": 1_000_000, "reason": "hoàn cảnh"},
            cosigner=world.chair,
        )
        with pytest.raises(NotFound):
            world.submit(
                "loan.repay",
                by=world.kt,
                unit="G1",
                body={"member": "DV001", "loan": "L9", "amount": 1},
            )
    loan = world.ledger.get_member("DV001").loans["L1"]
    assert (loan.principal, loan.repaid, loan.written_off, loan.outstanding) == (
        10_000_000,
        4_000_000,
        1_000_000,
        5_000_000,
    )


def test_a_disbursement_is_reversed_only_once_its_repayments_are(world) -> None:  # type: ignore[no-untyped-def]
    """Reversing a disbursement that has repayments left a negative balance (outstanding
    -4.000.000) and loan totals that did not add up; reverse the repayments first. And no
    reversal takes effect before the day of the event it reverses."""
    world.join("DV001")

    def loan(type_: str, **body: Any) -> Any:
        purpose = {"reason": "sửa nhà"} if type_ == "loan.disburse" else None
        return world.submit(
            type_,
            by=world.kt,
            unit="G1",
            body={"member": "DV001", **body},
            personal=purpose,
            cosigner=world.chair,
        )

    def reverse(target: str, on: str | None = None) -> Any:
        return world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={"target": target, "reason": "ghi nhầm"},
        )

    with at("2025-02-01"):
        out = loan("loan.disburse", loan="L1", fund="tro_von", amount=10_000_000, term_months=12)
    with at("2025-03-01"):
        back = loan("loan.repay", loan="L1", amount=4_000_000)
        with pytest.raises(InvalidCommand) as early:
            reverse(back.event_id, on="2025-02-15")
        assert [(p.field, p.code) for p in early.value.problems] == [
            ("effective_date", "before_target")
        ]
        with pytest.raises(InvalidCommand) as refused:
            reverse(out.event_id)
        assert [(p.field, p.code) for p in refused.value.problems] == [
            ("body.target", "loan_has_movements")
        ]
        reverse(back.event_id)
        reverse(out.event_id)
    l1 = world.ledger.get_member("DV001").loans["L1"]
    assert (l1.principal, l1.repaid, l1.written_off, l1.outstanding) == (0, 0, 0, 0)


def test_a_loan_is_held_to_the_policy_and_needs_the_chair_above_the_threshold(world) -> None:  # type: ignore[no-untyped-def]
    """Loans skipped the policy's `loan` rule (50.000.000 a loan, one a year) and the
    maker-checker threshold, and a write-off needed no one's agreement: a finance officer
    alone could lend 200.000.000 to anyone and forgive it."""
    world.join("DV001")
    world.join("DV002", unit="G2")

    def loan(
        code: str, amount: int, chair: bool = False, purpose: str | None = "học phí", **extra: Any
    ) -> Any:
        return world.submit(
            "loan.disburse",
            by=world.kt,
            unit="G1",
            body={"member": "DV001", "loan": code, "fund": "tro_von", "amount": amount}
            | {"term_months": 12}
            | extra,
            personal={"reason": purpose} if purpose else None,
            cosigner=world.chair if chair else None,
        )

    def refusal(call: Any) -> list[tuple[str, str]]:
        with pytest.raises((InvalidCommand, PolicyViolation)) as refused:
            call()
        return [(p.field, p.code) for p in refused.value.problems]  # type: ignore[union-attr]

    with at("2025-02-01"):
        before = entries(world)
        assert refusal(lambda: loan("L1", 10_000_000)) == [
            ("cosignatures", "second_signature_required")
        ]
        assert refusal(lambda: loan("L1", 60_000_000, chair=True)) == [
            ("body.amount", "over_payout_cap")
        ]
        # The policy requires the loan's purpose (sealed personal data).
        assert refusal(lambda: loan("L1", 5_000_000, purpose=None)) == [
            ("body.personal.reason", "reason_required")
        ]
        assert refusal(
            lambda: world.submit(
                "loan.disburse",
                by=world.kt,
                unit="G1",
                body={"member": "DV002", "loan": "L9", "fund": "cep", "amount": 1_000_000}
                | {"term_months": 12, "override": {"justification": "ngoại lệ"}},
                cosigner=world.chair,
            )
        ) == [("body.member", "not_active_member")]
        assert refusal(lambda: world.payout("DV001", "loan", 1_000_000, on="2025-02-01")) == [
            ("body.kind", "loan_is_a_loan")
        ]
        assert entries(world) == before  # nothing of a refused command is kept
        first = loan("L1", 5_000_000)  # at the threshold: one signature is enough
        sealed = world.ledger.reveal("DV001")["loans"][first.event_id]
        assert sealed == {"reason": "học phí"}  # the purpose is sealed under the member's key
        assert refusal(lambda: loan("L2", 3_000_000, chair=True)) == [("body.loan", "over_count")]
    with at("2025-03-01"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            body={"target": first.event_id, "reason": "ghi nhầm"},
        )
        loan("L2", 3_000_000)  # a reversed disbursement no longer counts
        assert refusal(lambda: loan("L3", 2_000_000, override={"justification": "hỏa hoạn"})) == [
            ("cosignatures", "second_signature_required")
        ]
        third = loan("L3", 2_000_000, chair=True, override={"justification": "nhà bị hỏa hoạn"})
        write_off = {"member": "DV001", "loan": "L2", "amount": 1_000_000, "reason": "hỏa hoạn"}
        assert refusal(
            lambda: world.submit("loan.write_off", by=world.kt, unit="G1", body=write_off)
        ) == [("cosignatures", "second_signature_required")]
        world.submit("loan.write_off", by=world.kt, unit="G1", body=write_off, cosigner=world.chair)
    member = world.ledger.get_member("DV001")
    assert {c: (ln.principal, ln.outstanding) for c, ln in member.loans.items()} == {
        "L1": (0, 0),
        "L2": (3_000_000, 2_000_000),
        "L3": (2_000_000, 2_000_000),
    }
    state = json.loads(Attacker(world.ctx.engine).state(third.seq))
    assert state["envelope"]["ledger"] == {"overridden": ["over_count"]}  # visible to inspectors


def test_transfer_moves_membership_and_the_member_index_follows(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001", on="2024-07-01")
    with at("2025-01-01"):
        world.submit(
            "member.transfer",
            by=world.kt,
            unit="G1",
            effective_date="2025-01-01",
            body={"member": "DV001", "to_unit": "G2"},
        )
    m = world.ledger.get_member("DV001")
    assert [(d.isoformat(), u) for d, u in m.spans] == [("2024-07-01", "G1"), ("2025-01-01", "G2")]
    with world.ctx.engine.connect() as conn:
        assert conn.execute(select(member_index.c.unit_code, member_index.c.status)).all() == [
            ("G2", "active")
        ]
        spans = conn.execute(
            select(member_units.c.unit_code, member_units.c.to_date).order_by(
                member_units.c.from_date
            )
        ).all()
    assert [(u, str(t) if t else None) for u, t in spans] == [("G1", "2025-01-01"), ("G2", None)]
    # G1 can no longer pay; G2 can.
    with pytest.raises(Exception) as wrong:
        world.payout("DV001", "gift", 100_000, on="2025-02-01")
    assert wrong.value.problems[0].code == "wrong_unit"  # type: ignore[attr-defined]
    assert (
        world.payout("DV001", "gift", 100_000, on="2025-02-01", unit="G2", by=world.kt2).status
        == "paid"
    )


def test_units_rename_move_and_refuse_cycles(world) -> None:  # type: ignore[no-untyped-def]
    with at("2025-07-01"):
        world.submit(
            "unit.register",
            by=world.admin,
            body={"code": "D2", "name": "Công đoàn ngành Dệt may", "level": "Ngành", "parent": "P"},
        )
        world.submit("unit.move", by=world.admin, unit="G1", body={"parent": "D2"})
        world.submit("unit.rename", by=world.admin, unit="D2", body={"name": "CĐ ngành Dệt"})
        with pytest.raises(InvalidCommand) as cycle:
            world.submit("unit.move", by=world.admin, unit="D2", body={"parent": "G1"})
        assert cycle.value.problems[0].code == "cycle"
        with pytest.raises(InvalidCommand) as dup:
            world.submit(
                "unit.register",
                by=world.admin,
                body={"code": "D2", "name": "x", "level": "y", "parent": "P"},
            )
        assert dup.value.problems[0].code == "unit_exists"
    assert world.ledger.ancestors("G1") == ["G1", "D2", "P"]
    assert world.ledger.get_unit("D2").name == "CĐ ngành Dệt"
    # The province policy is inherited through the new parent.
    assert (
        world.ledger.policy_for("G1", __import__("datetime").date(2025, 8, 1)).version == "2025-07"
    )


def test_membership_changes_must_follow_each_other_in_time(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001", on="2024-07-01")
    with at("2024-07-01"), pytest.raises(InvalidCommand) as same_day:
        world.submit(
            "member.transfer",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": "DV001", "to_unit": "G2"},
        )
    assert same_day.value.problems[0].code == "before_last_change"
    with at("2024-11-25"):  # a death is recorded once it happened: both dates are past
        world.submit(
            "member.leave",
            by=world.kt,
            unit="G1",
            effective_date="2024-11-23",
            body={"member": "DV001", "reason": "nghỉ việc"},
        )
        with pytest.raises(InvalidCommand) as after_leaving:
            world.submit(
                "member.death",
                by=world.kt,
                unit="G1",
                effective_date="2024-11-22",
                body={"member": "DV001"},
            )
    assert after_leaving.value.problems[0].code == "already_left"
    assert world.ledger.get_member("DV001").died_on is None


def test_two_ledgers_in_one_process_keep_their_own_policies(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Parsed policies are cached per ledger: another database whose unit has the same code
    and as many versions (a server process, a test run, the verifier) never sees them."""
    from datetime import date

    from ledger.bootstrap import open_ledger
    from tests.support import World

    other_ctx = open_ledger(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other = World.build(other_ctx)
        for w, target in [(world, 6500), (other, 7500)]:
            w.adopt(
                "P",
                "2025-12-01",
                version="2026-01",
                effective_from="2026-01-01",
                welfare_target_bp=target,
            )
        feb = date(2026, 2, 1)
        assert world.ledger.policy_for("G1", feb).welfare_target_bp == 6500
        assert other.ledger.policy_for("G1", feb).welfare_target_bp == 7500
    finally:
        other_ctx.close()


def test_a_policy_version_that_would_break_the_units_book_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """A unit's versions must stay a valid book (one per date, one per name): a version
    that breaks it is refused naming the field, and nothing is stored. (A duplicate name
    used to be stored, after which every payout and `policy show` under the unit crashed.)"""
    from datetime import date

    def stored() -> tuple[int, int]:
        return entries(world), len(world.ledger.get_unit("P").policies)

    before = stored()
    for changes, field, code in [
        ({"effective_from": "2026-01-01"}, "body.policy.version", "policy_version_exists"),
        (
            {"version": "2026-01", "effective_from": "2025-07-01"},
            "body.policy.effective_from",
            "policy_exists",
        ),
    ]:
        with pytest.raises(InvalidCommand) as refused:
            world.adopt("P", "2025-12-01", **changes)  # the default's first version, "2024-07"
        assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]
    assert stored() == before
    assert world.ledger.policy_for("G1", date(2026, 2, 1)).version == "2025-07"
    world.adopt("P", "2025-12-01", version="2026-01", effective_from="2026-01-01")
    assert world.ledger.policy_for("G1", date(2026, 2, 1)).version == "2026-01"


@pytest.mark.parametrize("day", ["0001-01-01", "1999-08-11", "2060-07-28", "9999-12-31"])
def test_a_policy_date_outside_the_ledgers_calendar_is_refused(world, day) -> None:  # type: ignore[no-untyped-def]
    """QA: versions from 0001-01-01 or 9999-12-31 were accepted; periods (the lunar year of
    Tết) cannot be told there. Refused naming the field, in both languages; nothing stored."""
    before = entries(world), len(world.ledger.get_unit("G1").policies)
    with pytest.raises(InvalidCommand) as refused:
        world.adopt("G1", "2025-12-01", version="G1-far", effective_from=day)
    (p,) = refused.value.problems
    assert (p.field, p.code) == ("body.policy.effective_from", "policy_date_outside_calendar")
    assert "bảng ngày Tết 2000–2060" in p.vi and "từ 12/08/1999 đến 27/07/2060" in p.vi
    assert "the Tết table 2000–2060" in p.en and "from 1999-08-12 to 2060-07-27" in p.en
    assert (entries(world), len(world.ledger.get_unit("G1").policies)) == before


def test_a_policy_date_at_the_edges_of_the_calendar_is_accepted(world) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    world.adopt("G1", "2025-12-01", version="G1-first", effective_from="1999-08-12")
    world.adopt("G1", "2025-12-01", version="G1-last", effective_from="2060-07-27")
    assert world.ledger.policy_for("G1", date(2000, 1, 1)).version == "G1-first"
    assert world.ledger.policy_for("G1", date(2060, 7, 27)).version == "G1-last"


def test_one_union_fee_declaration_per_employer_and_month_within_the_fee_due(world) -> None:  # type: ignore[no-untyped-def]
    """A second declaration of one employer's month doubled the declared payroll and hid it
    (compliance showed 100%); an amount above the fee due showed 10000%. Both are refused;
    a reversed declaration can be made again, and another employer's is its own."""

    def fee(payroll: int, amount: int, employer: str = "Công ty May Sông Bé") -> Any:
        return world.submit(
            "collection.union_fee",
            by=world.kt,
            unit="G1",
            body={"month": "2025-03", "payroll": payroll, "amount": amount, "employer": employer},
        )

    with at("2025-03-25"):
        first = fee(100_000_000, 2_000_000)
        for payroll, amount, employer, field, code in [
            (100_000_000, 2_000_000, "công ty  may sông bé", "body.month", "fee_month_declared"),
            (100_000_000, 2_000_001, "Công ty Gỗ", "body.amount", "over_union_fee"),
        ]:
            with pytest.raises(InvalidCommand) as refused:
                fee(payroll, amount, employer)
            assert [(p.field, p.code) for p in refused.value.problems] == [(field, code)]
        fee(50_000_000, 600_000, "Công ty Gỗ")  # another employer; a part payment
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            body={"target": first.event_id, "reason": "kê khai sai quỹ lương"},
        )
        fee(120_000_000, 2_400_000)
    money = world.ledger.get_unit("G1").money
    standing = sorted(
        v["amount"]
        for v in money.values()
        if v["type"] == "collection.union_fee" and not v["reversed"]
    )
    assert standing == [600_000, 2_400_000]


def test_a_mistyped_unit_is_not_found_rather_than_a_missing_role(world) -> None:  # type: ignore[no-untyped-def]
    """`record expense GX` said 'kt.g1 holds no role over GX' (even as admin): the officer
    looked for a role problem when the unit code was wrong."""
    with at("2025-03-25"), pytest.raises(NotFound) as unknown:
        world.submit(
            "expense.record",
            by=world.admin,
            unit="GX",
            body={"category": "administration", "amount": 1000, "description": "x"},
        )
    assert [(p.field, p.code) for p in unknown.value.problems] == [("unit", "unit_not_found")]
    with at("2025-03-25"), pytest.raises(NotFound) as scope:
        world.submit(
            "officer.grant",
            by=world.admin,
            body={"officer": "kt.g1", "role": "chair", "scope": "GX"},
        )
    assert [p.field for p in scope.value.problems] == ["body.scope"]


def test_an_officer_cannot_reach_another_unions_records_by_naming_their_own_unit(world) -> None:  # type: ignore[no-untyped-def]
    """The signer's role is checked over the command's unit. Reversals, approvals, loan
    repayments and write-offs and member changes named G1 (where kt.g1 and ct.g1 hold their
    roles) but targeted G2's payout, loan or member, and were stored."""
    world.join("DV3", unit="G2")
    paid = world.payout("DV3", "gift", 300_000, on="2025-02-03", unit="G2", by=world.kt2)
    pending = world.payout(
        "DV3",
        "housing_repair",
        8_000_000,
        on="2025-02-03",
        unit="G2",
        by=world.kt2,
        await_approval=True,
        personal={"reason": "nhà dột"},
    )
    with at("2025-02-04"):
        world.submit(
            "loan.disburse",
            by=world.kt2,
            unit="G2",
            body={"member": "DV3", "loan": "L1", "fund": "cep", "amount": 3_000_000}
            | {"term_months": 12},
            personal={"reason": "chăn nuôi"},
        )

    before = entries(world)
    loan = {"member": "DV3", "loan": "L1", "amount": 1_000_000}
    attempts = [
        ("reversal.record", world.kt, {"target": paid.event_id, "reason": "x"}, None),
        (
            "approval.decide",
            world.chair,
            {"target": pending.event_id, "target_digest": pending.digest, "decision": "refuse"},
            None,
        ),
        ("loan.repay", world.kt, loan, None),
        ("loan.write_off", world.kt, loan | {"reason": "x"}, world.chair),
        ("member.salary", world.kt, {"member": "DV3", "salary_basis": 7}, None),
        ("member.household", world.kt, {"member": "DV3"}, {"household_status": "poor"}),
        (
            "member.relative",
            world.kt,
            {"member": "DV3", "relative": "R1", "relation": "child"},
            {"full_name": "Ai Đó", "date_of_birth": "2015-01-01"},
        ),
    ]
    with at("2025-02-10"):
        for type_, by, body, extra in attempts:
            cosigner = extra if isinstance(extra, type(world.chair)) else None
            personal = extra if isinstance(extra, dict) else None
            with pytest.raises(InvalidCommand) as refused:
                world.submit(
                    type_, by=by, unit="G1", body=body, cosigner=cosigner, personal=personal
                )
            problems = [(p.field, p.code) for p in refused.value.problems]
            assert problems == [("unit", "wrong_unit")], (type_, problems)
            [p] = refused.value.problems
            # The refusal names the command's unit, never the union the record belongs to:
            # an officer must not learn which union a member number or an event is in.
            assert "G1" in p.en and "G1" in p.vi, type_
            assert "G2" not in p.en and "G2" not in p.vi, (type_, p.en, p.vi)
        for type_ in ("member.transfer", "member.leave"):
            extra = {"to_unit": "G1"} if type_ == "member.transfer" else {"reason": "nghỉ việc"}
            body = {"member": "DV3"} | extra
            with pytest.raises(InvalidCommand) as refused:
                world.submit(type_, by=world.kt, unit="G1", body=body)
            [p] = refused.value.problems
            assert (p.field, p.code) == ("unit", "wrong_unit"), type_
            assert "G2" not in p.en + p.vi and "DV3" in p.en and "G1" in p.vi, (p.en, p.vi)
        with pytest.raises(PolicyViolation) as by_policy:
            world.payout("DV3", "gift", 100_000, on="2025-02-10")
        [p] = by_policy.value.problems
        assert (p.field, p.code) == ("unit", "wrong_unit")
        assert "G2" not in p.en + p.vi and "G1" in p.en and "G1" in p.vi, (p.en, p.vi)
    assert entries(world) == before
    dv3 = world.ledger.get_member("DV3")
    assert dv3.payouts[paid.event_id].reversed is False
    assert dv3.payouts[pending.event_id].status == "pending"
    assert dv3.loans["L1"].outstanding == 3_000_000
    assert dv3.salary_basis == 6_000_000 and dv3.relatives == {}
    # G2's own officer still can.
    with at("2025-02-10"):
        world.submit("loan.repay", by=world.kt2, unit="G2", body=loan)
        world.submit(
            "reversal.record",
            by=world.kt2,
            unit="G2",
            body={"target": paid.event_id, "reason": "x"},
        )
    assert world.ledger.get_member("DV3").loans["L1"].outstanding == 2_000_000


def test_records_that_contradict_the_ledgers_own_dates_and_roles_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    """Each of these was stored: a second erasure, a payout to a relative before they were
    declared, a salary change before the member joined, a repayment before the loan, a 2% fee
    on a zero payroll, a finance officer put on the inspection committee, a role granted twice
    or revoked though never held, a union dissolved with its members or units in it."""
    world.join("DV1", on="2025-01-02")
    world.join("DV2", on="2025-01-02")
    with at("2025-03-01"):
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-01",
            body={"member": "DV1", "relative": "R1", "relation": "child"},
            personal={"full_name": "Trần Bé", "date_of_birth": "2015-01-01"},
        )
        world.submit(
            "loan.disburse",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-01",
            body={"member": "DV1", "loan": "L1", "fund": "cep", "amount": 3_000_000}
            | {"term_months": 12},
            personal={"reason": "chăn nuôi"},
        )
        world.submit(
            "member.erase", by=world.admin, unit="G1", body={"member": "DV2", "reason": "NĐ 13"}
        )
    before = entries(world)

    def refused(type_: str, body: dict[str, Any], *, on: str, by: Any = None, **kw: Any) -> Any:
        with (
            at(on if on >= "2025-03-01" else "2025-03-01"),
            pytest.raises((InvalidCommand, PolicyViolation)) as r,
        ):
            world.submit(
                type_,
                by=by or world.kt,
                unit=kw.pop("unit", None if type_.startswith("officer.") else "G1"),
                effective_date=on,
                body=body,
                **kw,
            )
        return [(p.field, p.code) for p in r.value.problems]

    erase = {"member": "DV2", "reason": "NĐ 13"}
    assert refused("member.erase", erase, on="2025-03-02", by=world.admin) == [
        ("body.member", "already_erased")
    ]
    gift = {"member": "DV1", "relative": "R1", "kind": "children_support", "amount": 500_000}
    assert refused(
        "payout.record",
        gift | {"occasion": "1/6"},
        on="2025-02-01",
        personal={"reason": "học tập"},
    ) == [("body.relative", "relative_unknown")]
    assert refused(
        "member.salary", {"member": "DV1", "salary_basis": 7_000_000}, on="2024-12-01"
    ) == [("effective_date", "before_joined")]
    assert refused(
        "loan.repay", {"member": "DV1", "loan": "L1", "amount": 500_000}, on="2025-02-15"
    ) == [("effective_date", "before_target")]
    fee = {"month": "2025-02", "payroll": 0, "amount": 0, "employer": "Công ty May Sông Bé"}
    assert {f for f, _ in refused("collection.union_fee", fee, on="2025-03-01")} == {
        "body.payroll",
        "body.amount",
    }
    grant = {"officer": "kt.g1", "role": "inspector", "scope": "P"}
    assert refused("officer.grant", grant, on="2025-03-01", by=world.admin) == [
        ("body.role", "incompatible_roles")
    ]
    again = {"officer": "kt.g1", "role": "finance_officer", "scope": "G1"}
    assert refused("officer.grant", again, on="2025-03-01", by=world.admin) == [
        ("body.role", "role_held")
    ]
    never = {"officer": "ct.g1", "role": "admin", "scope": "*"}
    assert refused("officer.revoke_role", never, on="2025-03-01", by=world.admin) == [
        ("body.role", "role_not_held")
    ]
    reason = {"reason": "sáp nhập"}
    assert refused("unit.dissolve", reason, on="2025-03-01", by=world.admin) == [
        ("unit", "unit_has_members")
    ]
    assert refused("unit.dissolve", reason, on="2025-03-01", by=world.admin, unit="D") == [
        ("unit", "unit_has_children")
    ]
    assert entries(world) == before
    # What stays allowed: the relative's payout from their declaration, a union emptied by
    # transfers first (in the same batch), then dissolved.
    with at("2025-06-01"):
        world.submit(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2025-06-01",
            body=gift | {"occasion": "1/6"},
            personal={"reason": "học tập"},
        )
        world.join("DV3", unit="G2", on="2025-01-02")
        moves = [
            world.item(
                "member.transfer",
                by=world.kt2,
                unit="G2",
                effective_date="2025-06-01",
                body={"member": "DV3", "to_unit": "G1"},
            ),
            world.item("unit.dissolve", by=world.admin, unit="G2", body=reason),
        ]
        world.ledger.submit_batch(moves)
    assert world.ledger.get_unit("G2").is_dissolved_on(date(2025, 6, 2))


def test_the_union_above_acts_in_its_own_name_and_a_dissolved_union_not_at_all(world) -> None:  # type: ignore[no-untyped-def]
    """An upper-level chair approving in D's name judged the payout against D as if it were
    D's (refused); a dissolved union's name still recorded reversals, repayments and grants;
    a role's --date was silently ignored; a remittance took a month still to come."""
    from tests.integration.test_detect_rules import register_officer

    ct_d = register_officer(world, "ct.d", "chair", "D")
    kt_d = register_officer(world, "kt.d", "finance_officer", "D")
    world.join("DV1", on="2024-07-01")
    world.join("DV2", unit="G2", on="2024-07-01")
    pending = world.payout(
        "DV1",
        "housing_repair",
        8_000_000,
        on="2025-02-03",
        await_approval=True,
        personal={"reason": "nhà dột"},
    )
    gift = world.payout("DV2", "gift", 300_000, on="2025-02-03", unit="G2", by=world.kt2)
    with at("2025-02-04"):
        world.submit(
            "approval.decide",
            by=ct_d,
            unit="D",
            body={"target": pending.event_id, "target_digest": pending.digest}
            | {"decision": "approve"},
        )
    assert world.ledger.get_member("DV1").payouts[pending.event_id].status == "paid"

    with at("2025-03-01"):  # G2 is emptied and dissolved
        world.ledger.submit_batch(
            [
                world.item(
                    "member.transfer",
                    by=world.kt2,
                    unit="G2",
                    body={"member": "DV2", "to_unit": "G1"},
                ),
                world.item("unit.dissolve", by=world.admin, unit="G2", body={"reason": "sáp nhập"}),
            ]
        )
    before = entries(world)

    def refused(type_: str, by: Any, body: dict[str, Any], unit: str | None = "G2") -> Any:
        with at("2025-03-02"), pytest.raises(InvalidCommand) as r:
            world.submit(type_, by=by, unit=unit, body=body)
        return [(p.field, p.code) for p in r.value.problems]

    reverse = {"target": gift.event_id, "reason": "ghi nhầm"}
    assert refused("reversal.record", world.kt2, reverse) == [("unit", "unit_dissolved")]
    grant = {"officer": "kt.g2", "role": "chair", "scope": "G2"}
    assert refused("officer.grant", world.admin, grant, unit=None) == [
        ("body.scope", "unit_dissolved")
    ]
    with at("2025-03-02"), pytest.raises(InvalidCommand) as dated:
        world.submit(
            "officer.grant",
            by=world.admin,
            effective_date="2026-01-01",
            body={"officer": "ct.g1", "role": "finance_officer", "scope": "G1"},
        )
    assert [(p.field, p.code) for p in dated.value.problems] == [
        ("effective_date", "role_takes_effect_when_recorded")
    ]
    remit = {"month": "2025-04", "kind": "dues", "amount": 100_000, "to_unit": "D"}
    assert refused("remittance.record", world.kt, remit, unit="G1") == [
        ("body.month", "future_month")
    ]
    assert entries(world) == before
    with at("2025-03-02"):  # the union above reverses G2's entry in its own name
        world.submit("reversal.record", by=kt_d, unit="D", body=reverse)
        world.submit(  # and a role over a dissolved union may still be revoked
            "officer.revoke_role",
            by=world.admin,
            body={"officer": "kt.g2", "role": "finance_officer", "scope": "G2"},
        )
    assert world.ledger.get_member("DV2").payouts[gift.event_id].reversed is True


def test_a_transferred_member_pays_a_month_once_in_the_whole_ledger(world) -> None:  # type: ignore[no-untyped-def]
    """Each union checked only its own book, so a member transferred mid-month paid that
    month's dues in both unions. The second is refused, naming the line; the union that
    collected is named only to an officer of that union or one above it."""
    from ledger.application import BatchRefused
    from tests.integration.test_detect_rules import register_officer

    kt_d = register_officer(world, "kt.d", "finance_officer", "D")
    for number in ("DV001", "DV002", "DV003"):
        world.join(number, on="2024-07-01")

    def dues(by: Any, unit: str, number: str, on: str, month: str = "2025-10") -> Any:
        line = {"member": number, "salary_basis": 6_000_000, "amount": 30_000}
        return world.item(
            "collection.dues",
            by=by,
            unit=unit,
            effective_date=on,
            body={"month": month, "lines": [line]},
        )

    with at("2025-10-10"):
        first = world.ledger.submit(dues(world.kt, "G1", "DV001", "2025-10-10"))
    with at("2025-10-15"):
        for number, to in (("DV001", "G2"), ("DV002", "G2"), ("DV003", "D")):
            world.submit(
                "member.transfer",
                by=world.kt,
                unit="G1",
                effective_date="2025-10-15",
                body={"member": number, "to_unit": to},
            )
    before = entries(world)
    with at("2025-10-20"), pytest.raises(InvalidCommand) as twice:
        world.ledger.submit(dues(world.kt2, "G2", "DV001", "2025-10-20"))
    [p] = twice.value.problems
    assert (p.field, p.code) == ("body.lines[0].member", "dues_already_collected")
    assert p.en == (
        "dues of DV001 for 2025-10 were already collected (on 2025-10-10); "
        "to correct it, that entry must be reversed"
    )
    assert "G1" not in p.vi + p.en  # G2's officer does not learn where the member came from
    # The web page's preview of a payroll says so before anything is signed.
    line = DuesLine(row=2, member="DV001", salary_basis=6_000_000, amount=None)
    preview(
        world.ledger, unit="G2", month="2025-10", effective_date=date(2025, 10, 20), lines=[line]
    )
    assert line.errors == [
        (
            "đoàn phí tháng 10/2025 đã được thu (ngày 10/10/2025)",
            "dues for 2025-10 already collected (on 2025-10-10)",
        )
    ]

    # Within one batch too: G1 and then G2 collect DV002's October.
    with at("2025-10-20"), pytest.raises(BatchRefused) as batch:
        world.ledger.submit_batch(
            [
                dues(world.kt, "G1", "DV002", "2025-10-20"),
                dues(world.kt2, "G2", "DV002", "2025-10-20"),
            ]
        )
    assert [(p.field, p.code) for p in batch.value.problems] == [
        ("line 2: body.lines[0].member", "dues_already_collected")
    ]
    assert entries(world) == before

    # The union above the one that collected is told which union it was.
    with at("2025-10-20"):
        world.ledger.submit(dues(world.kt, "G1", "DV003", "2025-10-10"))
        with pytest.raises(InvalidCommand) as above:
            world.ledger.submit(dues(kt_d, "D", "DV003", "2025-10-20"))
    assert above.value.problems[0].en.startswith(
        "dues of DV003 for 2025-10 were already collected by G1 (on 2025-10-10)"
    )

    # Once the first collection is reversed, the union the member moved to may collect.
    with at("2025-10-21"):
        world.submit(
            "reversal.record",
            by=world.kt,
            unit="G1",
            body={"target": first.event_id, "reason": "thu ở đơn vị mới"},
        )
        assert world.ledger.submit(dues(world.kt2, "G2", "DV001", "2025-10-21")).status


def test_a_move_is_dated_from_the_units_last_change_and_upper_levels_are_those_of_the_day(
    world,
) -> None:  # type: ignore[no-untyped-def]
    """Reports place each line under the tree of its day. A move dated before an earlier
    move (or before the unit's registration) was stored, and the tree of today and the
    reports then disagreed; remittances and allocations were judged against today's tree,
    so G2's March remittance to its March upper level was refused, and one to a union that
    was not above it then was accepted."""
    with at("2025-01-02"):
        world.submit(
            "unit.register",
            by=world.admin,
            body={
                "code": "D2",
                "name": "Công đoàn KCN Mỹ Phước",
                "level": "Cấp trên",
                "parent": "P",
            },
        )
    with at("2025-07-01"):
        world.submit("unit.move", by=world.admin, unit="G2", body={"parent": "D2"})
    before = entries(world)
    with at("2025-08-01"), pytest.raises(InvalidCommand) as refused:
        world.submit(
            "unit.move",
            by=world.admin,
            unit="G2",
            effective_date="2025-06-01",
            body={"parent": "D"},
        )
    [p] = refused.value.problems
    assert (p.field, p.code) == ("effective_date", "before_last_change")
    assert "01/07/2025" in p.vi and "2025-07-01" in p.en
    assert entries(world) == before
    assert world.ledger.get_unit("G2").parent == "D2"

    def remit(to: str, month: str, on: str):  # type: ignore[no-untyped-def]
        with at("2025-08-05"):
            return world.submit(
                "remittance.record",
                by=world.kt2,
                unit="G2",
                effective_date=on,
                body={"month": month, "kind": "union_fee", "amount": 1_000_000, "to_unit": to},
            )

    assert remit("D", "2025-03", "2025-04-05").status == "recorded"  # D was above G2 then
    with pytest.raises(InvalidCommand) as not_then:
        remit("D2", "2025-03", "2025-04-05")
    assert [(q.field, q.code) for q in not_then.value.problems] == [
        ("body.to_unit", "not_upper_level")
    ]
    assert remit("D2", "2025-07", "2025-08-05").status == "recorded"
    with pytest.raises(InvalidCommand):
        remit("D", "2025-07", "2025-08-05")
    assert remit("P", "2025-07", "2025-08-05").status == "recorded"  # above both


def test_spending_above_the_approval_threshold_needs_the_chairs_second_signature(world) -> None:  # type: ignore[no-untyped-def]
    """Maker-checker applied to payouts and loans only: a finance officer alone booked any
    amount as an expense ("Tết gifts for members", 2 × 120.000.000 đ). Now any category
    above the threshold (5.000.000 đ) needs the chair's cosignature, as a payout does."""
    before = entries(world)
    refused = []
    for category, amount in (("welfare", 120_000_000), ("administration", 5_000_001)):
        body = {"category": category, "amount": amount, "description": "Mua quà Tết"}
        with at("2025-01-15"), pytest.raises(PolicyViolation) as exc:
            world.submit("expense.record", by=world.kt, unit="G1", body=body)
        refused.append([(p.field, p.code) for p in exc.value.problems])
        assert exc.value.problems[0].vi.startswith(f"khoản chi {amount:,} đ".replace(",", "."))
        assert "the chair's second signature" in exc.value.problems[0].en
    assert refused == [[("cosignatures", "second_signature_required")]] * 2
    assert entries(world) == before  # nothing stored
    with at("2025-01-15"):
        at_threshold = world.submit(
            "expense.record",
            by=world.kt,
            unit="G1",
            body={"category": "movement", "amount": 5_000_000, "description": "Hội thao"},
        )
        cosigned = world.submit(
            "expense.record",
            by=world.kt,
            unit="G1",
            body={"category": "welfare", "amount": 120_000_000, "description": "Quà Tết"},
            cosigner=world.chair,
        )
    money = world.ledger.get_unit("G1").money
    assert money[at_threshold.event_id]["amount"] == 5_000_000
    assert money[cosigned.event_id]["amount"] == 120_000_000


def test_money_dated_before_its_union_was_registered_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """An income dated 01/01/2000 (a typo of the year) was signed into the log: nothing
    checked the date against the union's existence. G1 was registered on 2024-06-01."""
    world.join("DV001")
    before = entries(world)
    refused = []
    for type_, body in (
        ("collection.other", {"source": "other", "amount": 1_000_000, "description": "x"}),
        ("expense.record", {"category": "other", "amount": 1_000_000, "description": "x"}),
        ("payout.record", {"member": "DV001", "kind": "gift", "amount": 1, "occasion": "x"}),
    ):
        with at("2024-09-02"), pytest.raises(InvalidCommand) as exc:
            world.submit(type_, by=world.kt, unit="G1", effective_date="2000-01-01", body=body)
        refused.append([(p.field, p.code, p.vi) for p in exc.value.problems])
    said = (
        "command.effective_date",
        "before_unit",
        "ngày hiệu lực 01/01/2000 trước ngày đơn vị G1 được đăng ký (01/06/2024); "
        "hãy kiểm tra lại năm",
    )
    assert refused == [[said]] * 3
    assert entries(world) == before
    with at("2024-09-02"):  # the day it was registered is fine
        world.submit(
            "collection.other",
            by=world.kt,
            unit="G1",
            effective_date="2024-06-01",
            body={"source": "other", "amount": 1_000_000, "description": "x"},
        )


def test_the_dues_preview_refuses_what_the_ledger_refuses_in_a_line(world) -> None:  # type: ignore[no-untyped-def]
    """A salary of 0 or 1 đ gives 0 đ dues: the preview said "hợp lệ", the ledger then
    refused the whole batch naming body.lines[0]. The preview now checks each line with the
    ledger's own model of a dues line."""
    for number in ("DV001", "DV002", "DV003"):
        world.join(number)
    lines = [
        DuesLine(row=2, member="DV001", salary_basis=0, amount=None),
        DuesLine(row=3, member="DV002", salary_basis=1, amount=None),
        DuesLine(row=4, member="DV003", salary_basis=6_000_000, amount=None),
    ]
    result = preview(
        world.ledger, unit="G1", month="2024-09", effective_date=date(2024, 10, 5), lines=lines
    )
    zero = ("đoàn phí tính ra 0 đ: bỏ dòng này khỏi tệp nếu tháng này không thu",) * 1
    assert [[vi for vi, _ in ln.errors] for ln in lines] == [
        ["lương đóng BHXH: giá trị phải lớn hơn 0", "đoàn phí: giá trị phải lớn hơn 0", *zero],
        ["đoàn phí: giá trị phải lớn hơn 0", *zero],
        [],
    ]
    assert not result.ok and lines[2].amount == 60_000


def test_a_payroll_in_thousands_of_dong_is_refused_with_the_line_and_nothing_stored(world) -> None:  # type: ignore[no-untyped-def]
    """A payroll exported in thousands (6.000 for 6.000.000) gave dues of 30 đ that were
    stored and reported as typed. A line under 1/100 of the member's registered salary is now
    refused, naming the line and the registered salary; a real cut above that is kept (it is
    the under-declaration `compliance` counts), and so is a salary raised the same month."""
    for number in ("DV001", "DV002", "DV003"):
        world.join(number, on="2025-01-01")  # registered at 6.000.000 đ

    def batch(lines: list[dict[str, Any]]) -> Any:
        return world.item(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2025-10-05",
            body={"month": "2025-09", "lines": lines},
        )

    thousands = [
        {"member": "DV001", "salary_basis": 6_000_000, "amount": 30_000},
        {"member": "DV002", "salary_basis": 6_000, "amount": 30},
        {"member": "DV003", "salary_basis": 59_999, "amount": 300},
    ]
    before = entries(world)
    with at("2025-10-05"), pytest.raises(InvalidCommand) as refused:
        world.ledger.submit(batch(thousands))
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("body.lines[1].salary_basis", "salary_basis_implausible"),
        ("body.lines[2].salary_basis", "salary_basis_implausible"),
    ]
    assert refused.value.problems[0].vi.startswith(
        "lương đóng BHXH của DV002 là 6.000 đ, chưa bằng 1/100 mức đã đăng ký (6.000.000 đ)"
    )
    assert entries(world) == before

    lines = [
        DuesLine(row=2, member="DV002", salary_basis=6_000, amount=None),
        DuesLine(row=3, member="DV003", salary_basis=60_000, amount=None),
    ]
    result = preview(
        world.ledger, unit="G1", month="2025-09", effective_date=date(2025, 10, 5), lines=lines
    )
    assert not result.ok
    assert [[vi for vi, _ in ln.errors] for ln in lines] == [
        [refused.value.problems[0].vi],
        [],
    ]

    kept = [
        {"member": "DV001", "salary_basis": 6_000_000, "amount": 30_000},
        {"member": "DV002", "salary_basis": 60_000, "amount": 300},  # exactly 1/100: kept
    ]
    with at("2025-10-05"):
        world.ledger.submit(batch(kept))
    assert entries(world) == before + 1


def test_a_tet_support_naming_another_tet_than_its_date_counts_in_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """ "Tết Bính Ngọ" (2026) recorded in November 2026 counted in Tết Đinh Mùi 2027's year:
    the member's real 2027 Tết support was then refused as a second one."""
    world.join("DV001", on="2025-01-01")
    before = entries(world)
    for occasion, named in (
        ("Tết Bính Ngọ", "Bính Ngọ 2026"),
        ("tet binh ngo", "Bính Ngọ 2026"),  # typed without tone marks
        ("Tết Nguyên đán 2026", "Bính Ngọ 2026"),
        ("Tết Ất Tỵ, bổ sung", "Ất Tỵ 2025"),
    ):
        with pytest.raises(PolicyViolation) as refused:
            world.payout("DV001", "tet_support", 1_000_000, on="2026-11-22", occasion=occasion)
        [p] = refused.value.problems
        assert (p.field, p.code) == ("body.occasion", "occasion_other_tet"), occasion
        assert p.vi == (
            f"dịp chi nêu Tết {named} nhưng ngày hiệu lực 22/11/2026 được tính vào Tết Đinh Mùi "
            "2027: sửa ngày (--date) hoặc dịp chi"
        )
    assert entries(world) == before
    # the Tết its date counts in, by name or number, or no year at all
    world.payout("DV001", "tet_support", 1_000_000, on="2026-02-05", occasion="Tết Bính Ngọ 2026")
    world.payout("DV001", "tet_support", 1_000_000, on="2026-11-22", occasion="Tết Đinh Mùi")
    assert entries(world) == before + 2
