"""What members say through the portal, and inspectors' judgments, are signed events too."""

from __future__ import annotations

import pytest

from audit.export import export
from audit.log import make_checkpoint
from audit.source import BundleSource
from audit.verify import verify
from ledger.domain.errors import Conflict, InvalidCommand, SignatureRefused
from tests.integration.test_audit_helpers import source_of
from tests.support import at

FINDING = "F-00112233445566aa"


def _statement(world, by, type_, body, on="2024-10-01", unit="G1"):  # type: ignore[no-untyped-def]
    personal = {"text": body.pop("text")} if "text" in body else None
    with at(on):
        return world.submit(
            type_, by=by, unit=unit, effective_date=on, body=body, personal=personal
        )


def test_a_member_disputes_and_confirms_entries_of_their_own_history(world) -> None:  # type: ignore[no-untyped-def]
    portal = world.register_portal()
    world.join("DV001")
    world.join("DV002")
    gift = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    visit = world.payout("DV001", "gift", 200_000, on="2024-10-20", occasion="20/10")
    other = world.payout("DV002", "gift", 300_000, on="2024-09-02")

    _statement(
        world,
        portal,
        "member.dispute",
        {
            "member": "DV001",
            "entry": gift.event_id,
            "reason": "not_received",
            "text": "Tôi chưa nhận được quà 2/9",
        },
    )
    _statement(
        world, portal, "member.confirm_receipt", {"member": "DV001", "entry": visit.event_id}
    )
    member = world.ledger.get_member("DV001")
    assert [(s["kind"], s["entry"], s["reason"]) for s in member.statements] == [
        ("dispute", gift.event_id, "not_received"),
        ("confirm", visit.event_id, None),
    ]

    with pytest.raises(InvalidCommand) as refused:  # another member's payout
        _statement(
            world,
            portal,
            "member.dispute",
            {"member": "DV001", "entry": other.event_id, "reason": "other", "text": "x"},
        )
    assert refused.value.problems[0].field == "body.entry"
    with pytest.raises(InvalidCommand) as twice:
        _statement(
            world, portal, "member.confirm_receipt", {"member": "DV001", "entry": visit.event_id}
        )
    assert twice.value.problems[0].code == "already_confirmed"
    with pytest.raises(SignatureRefused) as officer:  # only the portal records what members say
        _statement(
            world, world.kt, "member.confirm_receipt", {"member": "DV001", "entry": gift.event_id}
        )
    assert officer.value.code == "role_not_allowed"
    assert len(world.ledger.get_member("DV001").statements) == 2


def test_a_second_dispute_of_an_entry_waits_for_the_first_to_be_judged(world) -> None:  # type: ignore[no-untyped-def]
    """Every path (the portal, the command line, an import) gets it: the ledger refuses it."""
    from ledger.domain.findings import dispute_finding_id

    portal = world.register_portal()
    world.join("DV001")
    gift = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    said = {"member": "DV001", "entry": gift.event_id, "reason": "not_received"}
    first = _statement(world, portal, "member.dispute", said | {"text": "Chưa nhận"})
    with pytest.raises(Conflict) as again:
        _statement(world, portal, "member.dispute", said | {"text": "Chưa nhận"}, on="2024-10-03")
    assert (again.value.status, again.value.code) == (409, "dispute_open")
    (p,) = again.value.problems
    assert (p.field, p.code) == ("body.entry", "dispute_open")
    assert p.vi == (
        f"đoàn viên đã phản ánh bút toán này ngày 01/10/2024 (mã {first.event_id}), "
        "Ủy ban kiểm tra chưa kết luận"
    )
    assert p.en == (
        f"the member already disputed this entry on 01/10/2024 (event {first.event_id}), "
        "not yet judged by the inspection committee"
    )
    assert len(world.ledger.get_member("DV001").statements) == 1
    # judged: the member may dispute it again
    with at("2024-10-05"):
        world.submit(
            "finding.resolve",
            by=world.inspector,
            unit="G1",
            body={
                "finding": dispute_finding_id(first.event_id, gift.event_id),
                "rule": "member_dispute",
                "decision": "dismiss",
                "note": "Đã giao",
            },
        )
    _statement(world, portal, "member.dispute", said | {"text": "Vẫn chưa"}, on="2024-10-06")
    assert [s["kind"] for s in world.ledger.get_member("DV001").statements] == [
        "dispute",
        "dispute",
    ]


def test_the_dispute_text_is_sealed_personal_data(world) -> None:  # type: ignore[no-untyped-def]
    portal = world.register_portal()
    world.join("DV001")
    gift = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    r = _statement(
        world,
        portal,
        "member.dispute",
        {
            "member": "DV001",
            "entry": gift.event_id,
            "reason": "amount_differs",
            "text": "Tôi chỉ nhận 200.000 đ",
        },
    )
    row = world.ledger.entry(r.event_id)
    assert "200.000" not in str(row)
    stored = [
        e.envelope
        for e in world.ledger.repository.event_store.get(world.ledger.get_member("DV001").id)
    ][-1]
    assert "200.000" not in stored["command"]
    assert "200.000" not in stored["sealed"]  # sealed under the member's data key
    assert world.ledger.reveal("DV001")["text"] == "Tôi chỉ nhận 200.000 đ"


def test_inspectors_judge_findings_and_the_log_still_verifies(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = {"finding": FINDING, "rule": "split_payments", "decision": "confirm", "note": "Chia nhỏ"}
    with at("2025-01-10"):
        world.submit("finding.resolve", by=world.inspector, unit="G1", body=body)
    with at("2025-01-11"):
        world.submit(
            "finding.resolve",
            by=world.inspector,
            unit="G1",
            body=body | {"decision": "dismiss", "note": "Đã có chứng từ"},
        )
    finding = world.ledger.get_finding(FINDING)
    assert finding.decision == "dismiss"
    assert [(j["decision"], j["officer"]) for j in finding.judgments] == [
        ("confirm", "ubkt"),
        ("dismiss", "ubkt"),
    ]
    with pytest.raises(SignatureRefused), at("2025-01-12"):  # a finance officer cannot judge
        world.submit("finding.resolve", by=world.kt, unit="G1", body=body)
    with pytest.raises(InvalidCommand) as bad, at("2025-01-12"):
        world.submit("finding.resolve", by=world.inspector, unit="G1", body=body | {"finding": "x"})
    assert bad.value.problems[0].field == "body.finding"

    make_checkpoint(world.ctx.engine)
    live = verify(source_of(world.ctx), workers=1)
    assert live.exit_code == 0, live.errors()
    export(source_of(world.ctx), tmp_path / "b")
    assert verify(BundleSource(tmp_path / "b"), workers=1).exit_code == 0


def test_a_statement_belongs_to_the_unit_of_its_entry_not_the_members_current_one(world) -> None:  # type: ignore[no-untyped-def]
    portal = world.register_portal()
    world.join("DV001")
    gift = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    with at("2024-09-20"):
        world.submit(
            "member.transfer",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-20",
            body={"member": "DV001", "to_unit": "G2"},
        )
    body = {"member": "DV001", "entry": gift.event_id, "reason": "not_received", "text": "Chưa"}
    with pytest.raises(InvalidCommand) as elsewhere:  # the member's union now, not the entry's
        _statement(world, portal, "member.dispute", dict(body), unit="G2")
    assert (elsewhere.value.problems[0].field, elsewhere.value.problems[0].code) == (
        "unit",
        "wrong_unit",
    )
    # confirmed first: a receipt confirmed while the member's own dispute of it is open
    # contradicts it and is refused (test_members)
    above = _statement(
        world,
        portal,
        "member.confirm_receipt",
        {"member": "DV001", "entry": gift.event_id},
        unit="D",
    )
    here = _statement(world, portal, "member.dispute", dict(body))
    assert [world.ledger.entry(r.event_id)["unit_code"] for r in (here, above)] == ["G1", "D"]
