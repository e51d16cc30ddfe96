"""An employer's exemption, suspension or reduction of the 2% union fee (union_fee.relief,
Law 50/2024/QH15) and rule 17 (union_fee_shortfall) honouring it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from audit.verify import verify
from ledger.domain.errors import InvalidCommand, PolicyViolation
from ledger.projections.queries.compliance import compliance
from tests.integration.test_audit_helpers import Attacker, source_of
from tests.integration.test_cli import as_json, cli, count_entries, keys_for_world
from tests.integration.test_detect_rules import _collect, _fee_recorded, found
from tests.support import at, entries

NUMBERS = ["DV1", "DV2", "DV3", "DV4"]


def _relief(world: Any, kind: str, first: str, last: str, **extra: Any) -> Any:
    body = {
        "employer": extra.pop("employer", "Cty"),
        "kind": kind,
        "from_month": first,
        "to_month": last,
        "decision_number": "123/QĐ-LĐLĐ",
        "issuer": "LĐLĐ tỉnh Yên Bái",
        **extra,
    }
    cosigner = extra.get("cosigner", world.chair)
    body.pop("cosigner", None)
    recorded = body.pop("recorded", "2024-08-05")
    with at(recorded):
        return world.submit(
            "union_fee.relief",
            by=world.kt,
            cosigner=cosigner,
            unit="G1",
            effective_date="2024-08-01",
            body=body,
        )


def _fee(world: Any, period: str) -> tuple[int, int, int]:
    """`phucloi compliance`'s fee figures of G1: expected, received, missing estimate."""
    fee = compliance(world.ledger, "G1", period, as_of=date(2025, 6, 30)).total.fee
    return fee.expected, fee.received, fee.missing_estimate


def _august_without_fee(world: Any) -> None:
    """G1's 4 members (6.000.000 đ each) pay dues July–October; the fee is recorded for
    July and September on 30.000.000 đ, nothing for August; the books pass 30/09."""
    for number in NUMBERS:
        world.join(number)
    lines = [(n, 6_000_000, 60_000) for n in NUMBERS]
    for month in ("2024-07", "2024-08", "2024-09", "2024-10"):
        _collect(world, "G1", month, f"{month}-20", lines)
    _fee_recorded(world, "G1", "2024-07", "2024-08-10", 30_000_000, 600_000)
    _fee_recorded(world, "G1", "2024-09", "2024-09-25", 30_000_000, 600_000)


def test_a_suspended_month_without_a_fee_is_not_reported(world) -> None:  # type: ignore[no-untyped-def]
    """August's fee is suspended by the provincial federation's decision: no finding (before
    the command, August was reported at an estimate of 480.000 đ)."""
    _august_without_fee(world)
    [before] = found(world, "union_fee_shortfall")
    assert before.amount == 480_000
    assert _fee(world, "2024-Q3") == (1_200_000, 1_200_000, 480_000)
    relief = _relief(world, "suspended", "2024-08", "2024-08")
    assert relief.event_id
    assert found(world, "union_fee_shortfall") == []
    assert _fee(world, "2024-Q3") == (1_200_000, 1_200_000, 0)  # `phucloi compliance`
    # The inspection committee's replay accepts the decision as any signed record.
    report = verify(source_of(world.ctx), workers=1)
    assert (report.exit_code, report.errors()) == (0, [])


def test_an_exempted_span_that_does_not_cover_the_month_leaves_the_finding(world) -> None:  # type: ignore[no-untyped-def]
    """The exemption covers June and July only: August is still missing, and the finding
    names the decision so the inspector sees the months it does not cover."""
    _august_without_fee(world)
    relief = _relief(world, "exempt", "2024-06", "2024-07")
    [f] = found(world, "union_fee_shortfall")
    assert (f.unit, f.amount, f.period) == ("G1", 480_000, "2024-Q3")
    assert relief.event_id in f.event_ids
    assert "Cty miễn các tháng 06/2024–07/2024 theo quyết định số 123/QĐ-LĐLĐ" in (f.explanation_vi)
    assert "Cty exempted for 2024-06 to 2024-07 by decision 123/QĐ-LĐLĐ" in f.explanation_en


def test_a_reduced_month_without_a_fee_is_estimated_at_the_reduced_rate(world) -> None:  # type: ignore[no-untyped-def]
    """Reduced to 1,5% from August: August's estimate is 1,5% of 24.000.000 đ, 360.000 đ."""
    _august_without_fee(world)
    _relief(world, "reduced", "2024-08", "2024-12", rate_bp=150)
    [f] = found(world, "union_fee_shortfall")
    assert (f.unit, f.amount, f.period) == ("G1", 360_000, "2024-Q3")
    assert "ước tính 360.000" in f.explanation_vi
    assert "Cty giảm còn 1,5% các tháng 08/2024–12/2024" in f.explanation_vi
    assert "Cty reduced to 1.5% for 2024-08 to 2024-12" in f.explanation_en
    # September is declared at 2% though 1,5% is due from August
    assert _fee(world, "2024-Q3") == (1_050_000, 1_200_000, 360_000)


def test_a_fee_recorded_at_the_reduced_rate_is_not_short(world) -> None:  # type: ignore[no-untyped-def]
    """Cty pays 1% of its 30.000.000 đ payroll for November: short by 300.000 đ at 2%, in
    full at the 1% its decision sets; September, outside the decision, at 1% stays short."""
    for number in NUMBERS:
        world.join(number)
    lines = [(n, 6_000_000, 60_000) for n in NUMBERS]
    for month in ("2024-09", "2024-11"):
        _collect(world, "G1", month, f"{month}-20", lines)
        _fee_recorded(world, "G1", month, f"{month}-25", 30_000_000, 300_000)
    assert sorted(f.amount for f in found(world, "union_fee_shortfall")) == [300_000, 300_000]
    _relief(world, "reduced", "2024-10", "2025-03", rate_bp=100)
    [f] = found(world, "union_fee_shortfall")
    assert (f.amount, f.period) == (300_000, "2024-Q3")
    # October and December have no declaration: 1% of the 24.000.000 đ registered each
    assert _fee(world, "2024-Q4") == (300_000, 300_000, 480_000)
    assert _fee(world, "2024-Q3") == (600_000, 300_000, 960_000)  # outside the decision


def _refused(
    world: Any, error: type[Exception], kind: str, first: str, last: str, **kw: Any
) -> Any:
    before = entries(world)
    with pytest.raises(error) as refused:
        _relief(world, kind, first, last, **kw)
    assert entries(world) == before
    return refused.value


def test_bad_fee_decisions_are_refused_naming_the_field(world) -> None:  # type: ignore[no-untyped-def]
    assert [
        p.field for p in _refused(world, InvalidCommand, "reduced", "2024-08", "2024-09").problems
    ] == ["body.rate_bp"]
    bad = _refused(world, InvalidCommand, "exempt", "2024-08", "2024-09", rate_bp=100)
    assert [p.field for p in bad.problems] == ["body.rate_bp"]
    bad = _refused(world, InvalidCommand, "suspended", "2024-08", "2025-08")
    assert [p.field for p in bad.problems] == ["body.to_month"]
    assert "tối đa 12 tháng" in bad.problems[0].vi
    bad = _refused(world, InvalidCommand, "exempt", "2024-09", "2024-08")
    assert [p.field for p in bad.problems] == ["body.to_month"]
    bad = _refused(world, PolicyViolation, "exempt", "2024-08", "2024-09", cosigner=None)
    assert [p.field for p in bad.problems] == ["cosignatures"]
    _relief(world, "suspended", "2024-08", "2025-07")
    bad = _refused(world, InvalidCommand, "exempt", "2025-07", "2025-09", employer=" cty ")
    assert [p.field for p in bad.problems] == ["body.from_month"]
    _relief(world, "exempt", "2025-08", "2025-09", employer="Cty B")  # another employer
    # an overlapping decision without the chair is refused for the overlap: the chair's
    # signature is asked only of a decision the ledger would otherwise record (the web
    # holds such a one for the chair, api.web.cosign)
    bad = _refused(world, InvalidCommand, "exempt", "2025-07", "2025-09", cosigner=None)
    assert [(p.field, p.code) for p in bad.problems] == [("body.from_month", "fee_relief_overlaps")]


def test_the_cli_records_a_fee_decision_with_the_chairs_cosignature(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    keys_for_world(home, "kt.g1", "ct.g1")
    db, before = database_url, count_entries(database_url)
    relief = (
        "record fee-relief G1 --employer 'Cty May Sông Bé' --kind reduced --from 08/2024 "
        "--to 2024-12 --decision 45/QĐ-LĐLĐ --issuer 'LĐLĐ tỉnh Bình Dương' "
        "--decision-date 2024-08-01 --as kt.g1"
    )
    r = cli(home, db, relief)  # no rate, no cosignature
    assert r.exit_code == 1 and "body.rate_bp" in r.stderr, r.output
    r = cli(home, db, f"{relief} --rate 1,5")
    assert r.exit_code == 1 and "cosignatures" in r.stderr, r.output
    assert "cần chữ ký thứ hai của Chủ tịch" in r.stderr
    r = cli(home, db, f"{relief} --rate 1,555 --cosign-as ct.g1")
    assert r.exit_code == 2 and "--rate" in r.stderr, r.output
    assert count_entries(db) == before  # nothing stored
    receipt = as_json(cli(home, db, f"{relief} --rate 1,5 --cosign-as ct.g1 --json"))
    assert receipt["command_type"] == "union_fee.relief"
    assert count_entries(db, "union_fee.relief") == 1
    unit = world.ledger.get_unit("G1")
    [body] = unit.fee_reliefs.values()
    assert (body["rate_bp"], body["from_month"], body["to_month"]) == (150, "2024-08", "2024-12")
    entry = world.ledger.entry(receipt["event_id"])
    assert str(entry["effective_date"])[:10] == "2024-08-01"  # the decision's date
    # typed by mistake: reversed with the chair's second signature, as it was recorded
    reversal = (
        f"record reversal G1 --target {receipt['event_id']} --reason 'ghi nhầm' "
        "--date 2024-08-02 --as kt.g1"
    )
    r = cli(home, db, reversal)
    assert r.exit_code == 1 and "cosignatures" in r.stderr, r.output
    assert count_entries(db, "reversal.record") == 0
    undone = as_json(cli(home, db, f"{reversal} --cosign-as ct.g1 --json"))
    assert undone["command_type"] == "reversal.record"
    assert world.ledger.get_unit("G1").fee_reliefs == {}
    r = cli(home, db, "audit verify --workers 1")  # the inspection committee's replay
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output


def _reverse(world: Any, target: str, cosigner: Any = None) -> Any:
    with at("2024-10-05"):
        return world.submit(
            "reversal.record",
            by=world.kt,
            cosigner=cosigner,
            unit="G1",
            effective_date="2024-10-05",
            body={"target": target, "reason": "ghi nhầm các tháng của quyết định"},
        )


def test_a_decision_recorded_with_the_wrong_span_is_reversed_and_recorded_again(world) -> None:  # type: ignore[no-untyped-def]
    """The decision suspends August–September; it was typed September–October. Reversed (the
    chair cosigning, as for the decision), it no longer counts for rule 17, compliance nor the
    overlap check, and the right one is recorded; the inspectors' replay passes."""
    _august_without_fee(world)
    wrong = _relief(world, "suspended", "2024-09", "2024-10")
    [f] = found(world, "union_fee_shortfall")  # August stays missing
    assert (f.amount, f.period) == (480_000, "2024-Q3")
    assert _fee(world, "2024-Q3") == (600_000, 1_200_000, 480_000)  # September owes nothing
    overlapping = _refused(world, InvalidCommand, "suspended", "2024-08", "2024-09")
    assert [p.code for p in overlapping.problems] == ["fee_relief_overlaps"]
    before = entries(world)
    with pytest.raises(PolicyViolation) as alone:  # the finance officer alone cannot
        _reverse(world, wrong.event_id)
    assert [(p.field, p.code) for p in alone.value.problems] == [
        ("cosignatures", "second_signature_required")
    ]
    assert entries(world) == before
    undone = _reverse(world, wrong.event_id, cosigner=world.chair)
    assert world.ledger.get_unit("G1").fee_reliefs == {}
    [f] = found(world, "union_fee_shortfall")
    assert wrong.event_id not in f.event_ids and "Quyết định miễn" not in f.explanation_vi
    assert _fee(world, "2024-Q3") == (1_200_000, 1_200_000, 480_000)  # September owes again
    right = _relief(world, "suspended", "2024-08", "2024-09")
    assert found(world, "union_fee_shortfall") == []
    assert _fee(world, "2024-Q3") == (600_000, 1_200_000, 0)
    with pytest.raises(InvalidCommand) as again:
        _reverse(world, wrong.event_id, world.chair)
    assert [p.code for p in again.value.problems] == ["already_reversed"]
    report = verify(source_of(world.ctx), workers=1)
    assert (report.exit_code, report.errors()) == (0, [])
    assert undone.event_id and right.event_id


def test_verify_finds_a_fee_decision_or_its_reversal_stored_without_the_chair(world) -> None:  # type: ignore[no-untyped-def]
    """The ledger refuses both without the chair; one written by a client that skipped the
    check (here: the cosignature removed from the stored event) is an error of the replay."""
    _august_without_fee(world)
    wrong = _relief(world, "suspended", "2024-09", "2024-10")
    undone = _reverse(world, wrong.event_id, cosigner=world.chair)

    def without_chair() -> list[tuple[int, str]]:
        report = verify(source_of(world.ctx), workers=1)
        return [
            (f.seq, f.event_id) for f in report.findings if f.check == "fee_relief.second_signature"
        ]

    assert without_chair() == []
    attacker = Attacker(world.ctx.engine)
    for s in (wrong.seq, undone.seq):
        state = json.loads(attacker.state(s))
        del state["envelope"]["cosignatures"]
        attacker.set_state(s, json.dumps(state, separators=(",", ":")).encode())
    assert without_chair() == [(wrong.seq, wrong.event_id), (undone.seq, undone.event_id)]


def test_compliance_as_of_a_date_uses_the_fee_decisions_in_force_that_day(world) -> None:  # type: ignore[no-untyped-def]
    """`compliance --as-of` is what the ledger showed that day: a fee decision counts from
    the day it was recorded until the day its reversal was (it used the decisions standing
    today: a reversed one was gone from every earlier date, a later one applied before it
    was recorded)."""
    _august_without_fee(world)

    def fee_on(day: date) -> tuple[int, int, int]:
        fee = compliance(world.ledger, "G1", "2024-Q3", as_of=day).total.fee
        return fee.expected, fee.received, fee.missing_estimate

    # September–October suspended, recorded on 20/9; typed wrong, reversed on 5/10 and
    # recorded again as August–September on 6/10
    wrong = _relief(world, "suspended", "2024-09", "2024-10", recorded="2024-09-20")
    _reverse(world, wrong.event_id, cosigner=world.chair)
    _relief(world, "suspended", "2024-08", "2024-09", recorded="2024-10-06")
    # July and September declared at 600.000 đ each, August missing (estimate 480.000 đ);
    # on 19/9 September's fee (recorded on 25/9) was not in the ledger yet: missing too
    assert fee_on(date(2024, 9, 19)) == (600_000, 600_000, 960_000)  # no decision yet
    assert fee_on(date(2024, 9, 25)) == (600_000, 1_200_000, 480_000)  # recorded, suspended
    assert fee_on(date(2024, 10, 4)) == (600_000, 1_200_000, 480_000)  # September suspended
    assert fee_on(date(2024, 10, 5)) == (1_200_000, 1_200_000, 480_000)  # reversed that day
    assert fee_on(date(2024, 10, 6)) == (600_000, 1_200_000, 0)  # August and September
    assert fee_on(date(2025, 6, 30)) == (600_000, 1_200_000, 0)


def test_refusals_name_the_earlier_decision_and_months_as_people_write_them(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """The overlap refusal named the earlier decision by its event id and the months as
    2024-09–2024-10; the span refusal said "(2024-09)". They now say the decision's number,
    issuer and months in mm/yyyy, in both languages; the id stays in the problem's `ref`
    (and in the CLI's JSON refusal), the field and code are unchanged."""
    first = _relief(world, "suspended", "2024-08", "2025-01", employer="Cty May Sông Bé")
    bad = _refused(
        world, InvalidCommand, "exempt", "2025-01", "2025-03", employer=" cty may  sông bé "
    )
    [p] = bad.problems
    assert (p.field, p.code, p.ref) == ("body.from_month", "fee_relief_overlaps", first.event_id)
    assert p.vi == (
        "Cty May Sông Bé đã có quyết định 123/QĐ-LĐLĐ của LĐLĐ tỉnh Yên Bái cho các tháng "
        "08/2024–01/2025, trùng một phần các tháng 01/2025–03/2025; mỗi tháng chỉ có một "
        "quyết định (quyết định đã ghi sai thì đảo quyết định đó trước)"
    )
    assert p.en == (
        "Cty May Sông Bé already has decision 123/QĐ-LĐLĐ of LĐLĐ tỉnh Yên Bái for "
        "08/2024–01/2025, covering part of 01/2025–03/2025; a month has one decision only "
        "(reverse the recorded one first if it is wrong)"
    )
    assert first.event_id not in p.vi + p.en and "2025-01" not in p.vi + p.en
    bad = _refused(world, InvalidCommand, "exempt", "2027-04", "2027-03")
    [p] = bad.problems
    assert (p.field, p.ref) == ("body.to_month", None)
    assert "tháng cuối 03/2027 trước tháng đầu 04/2027" in p.vi
    assert "the last month 03/2027 is before the first 04/2027" in p.en
    assert "2027-04" not in p.vi + p.en

    home = tmp_path / "home"
    keys_for_world(home, "kt.g1", "ct.g1")
    r = cli(
        home,
        database_url,
        "record fee-relief G1 --employer 'Cty May Sông Bé' --kind exempt --from 2024-12 "
        "--to 2025-02 --decision 7/QĐ --issuer 'LĐLĐ' --decision-date 2024-08-01 --as kt.g1 "
        "--cosign-as ct.g1 --json",
    )
    assert r.exit_code == 1
    assert "quyết định 123/QĐ-LĐLĐ của LĐLĐ tỉnh Yên Bái cho các tháng 08/2024–01/2025" in (
        r.stderr
    )
    [shown] = json.loads(r.stdout)["problems"]
    assert (shown["code"], shown["ref"]) == ("fee_relief_overlaps", first.event_id)


def test_a_fee_month_already_declared_is_named_by_its_day_and_amount(world) -> None:  # type: ignore[no-untyped-def]
    """A second 2% fee entry for an employer's month: the refusal said the month as 2024-07
    and the first entry by its bare id; now mm/yyyy, the first entry's day, amount and short
    id, the full id in `ref`. A month still to come is said mm/yyyy too."""
    _august_without_fee(world)
    [first] = [
        eid
        for eid, e in world.ledger.get_unit("G1").money.items()
        if e["type"] == "collection.union_fee" and e["month"] == "2024-07"
    ]
    with pytest.raises(InvalidCommand) as twice:
        _fee_recorded(world, "G1", "2024-07", "2024-10-10", 30_000_000, 600_000)
    [p] = twice.value.problems
    assert (p.field, p.code, p.ref) == ("body.month", "fee_month_declared", first)
    assert p.vi == (
        f"kinh phí công đoàn tháng 07/2024 của Cty đã được ghi ngày 10/08/2024 (600.000 đ, "
        f"bút toán {first[:8]}); để sửa, hãy đảo bút toán đó"
    )
    assert "for 07/2024 is already recorded on 10/08/2024 (600.000 đ, entry" in p.en
    with pytest.raises(InvalidCommand) as ahead:
        _fee_recorded(world, "G1", "2024-12", "2024-10-10", 30_000_000, 600_000)
    [p] = ahead.value.problems
    assert p.code == "future_month" and p.vi.startswith("tháng 12/2024 chưa bắt đầu")
    assert p.en.startswith("month 12/2024 has not begun")


def test_a_reversal_of_a_decision_dated_before_it_is_refused_for_the_date_first(world) -> None:  # type: ignore[no-untyped-def]
    """Without the chair, a reversal dated before the decision was refused for the missing
    signature only, so the web would hold for the chair one the ledger refuses anyway. The
    date is checked first, as for the decision itself; the signature is asked last."""
    decision = _relief(world, "suspended", "2024-09", "2024-10")  # dated 01/08/2024
    before = entries(world)
    for cosigner in (None, world.chair):
        with at("2024-08-05"), pytest.raises(InvalidCommand) as early:
            world.submit(
                "reversal.record",
                by=world.kt,
                cosigner=cosigner,
                unit="G1",
                effective_date="2024-07-31",
                body={"target": decision.event_id, "reason": "ghi nhầm"},
            )
        assert [(p.field, p.code) for p in early.value.problems] == [
            ("effective_date", "before_target")
        ]
    with pytest.raises(PolicyViolation) as alone:  # on the day: only the chair is wanting
        _reverse(world, decision.event_id)
    assert [p.code for p in alone.value.problems] == ["second_signature_required"]
    assert entries(world) == before


def test_a_reduction_to_a_rate_not_below_the_policys_is_refused_naming_the_rate(world) -> None:  # type: ignore[no-untyped-def]
    """ "Giảm" to 2,5% (or 15% for a mistyped 1,5) was recorded: the fee expected for its
    months then rose above the policy's 2%, and rule 17 reported shortfalls the employer
    never owed."""
    for rate in (250, 1500, 200):
        bad = _refused(world, InvalidCommand, "reduced", "2024-08", "2024-09", rate_bp=rate)
        assert [(p.field, p.code) for p in bad.problems] == [("body.rate_bp", "not_a_reduction")]
    assert bad.problems[0].vi == (
        "tỷ lệ sau khi giảm (2,00%) phải thấp hơn tỷ lệ kinh phí công đoàn của quy chế "
        "(2,00% quỹ lương, tháng 08/2024); miễn đóng thì ghi là miễn, không phải giảm"
    )
    assert bad.problems[0].en == (
        "the reduced rate (2.00%) must be below the policy's union fee rate (2.00% of the "
        "payroll, 08/2024); an exemption is recorded as one, not as a reduction"
    )
    _relief(world, "reduced", "2024-08", "2024-09", rate_bp=150)
