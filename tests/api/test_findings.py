"""A member's dispute reaches the inspection committee as a finding, which an inspector judges
with a signed command."""

from __future__ import annotations

from typing import Any

from tests.support import at


def test_a_dispute_becomes_a_finding_that_an_inspector_resolves(api) -> None:  # type: ignore[no-untyped-def]
    gift = api.world.payout("DV001", "gift", 300_000, on="2024-09-02")
    member, inspector = api.member("DV001"), api.officer("ubkt")
    with at("2024-10-01"):
        r = api.client.post(
            "/me/disputes",
            json={"entry": gift.event_id, "reason": "not_received", "text": "Tôi chưa nhận"},
            headers=member,
        )
        assert r.status_code == 201, r.text
    report = api.client.get("/findings?unit=G1&period=2024", headers=inspector).json()
    (finding,) = [f for f in report["findings"] if f["rule"] == "member_dispute"]
    assert (finding["unit"], finding["amount"], finding["status"]) == ("G1", 300_000, "open")
    assert finding["severity"] == "high" and gift.event_id in finding["event_ids"]
    assert "facts" not in report

    body = {"finding": finding["id"], "rule": "member_dispute", "decision": "confirm"}

    def judge(path_id: str, note: str, **changes: str):  # type: ignore[no-untyped-def]
        item = api.world.item(
            "finding.resolve",
            by=api.world.inspector,
            unit="G1",
            body=body | {"note": note, **changes},
        )
        reply = api.client.post(f"/findings/{path_id}/resolution", json=item, headers=inspector)
        return item, reply

    with at("2024-10-05"):
        _, r = judge(finding["id"], "Sai mã", finding="F-0000000000000000")
        assert r.status_code == 422
        assert r.json()["problems"][0]["field"] == "command.body.finding"
        ghost, r = judge(
            "F-0000000000000000", "Không có phát hiện này", finding="F-0000000000000000"
        )
        assert (r.status_code, r.json()["code"]) == (404, "finding_not_found"), r.text
        other_rule, r = judge(finding["id"], "Sai quy tắc", rule="ghost_beneficiary")
        assert r.status_code == 422 and r.json()["problems"][0]["field"] == "command.body.rule"
        assert api.world.ledger.entry(ghost["command"]["command_id"]) is None
        assert api.world.ledger.entry(other_rule["command"]["command_id"]) is None
        item, r = judge(finding["id"], "Đã xác minh với đoàn viên: chưa nhận quà")
        assert r.status_code == 201, r.text
        again = api.client.post(
            f"/findings/{finding['id']}/resolution", json=item, headers=inspector
        )
        assert again.json() == r.json() and again.headers["Idempotent-Replayed"] == "true"
    after = api.client.get("/findings?unit=G1", headers=inspector).json()
    (judged,) = [f for f in after["findings"] if f["id"] == finding["id"]]
    assert judged["status"] == "confirmed"
    assert [j["decision"] for j in judged["judgments"]] == ["confirm"]
    g2 = api.officer("ubkt.g2")  # an inspector of G2 sees nothing of G1
    assert api.client.get("/findings?unit=G1", headers=g2).status_code == 403
    assert api.client.get("/findings?unit=G1&period=2024-13", headers=inspector).status_code == 422


def test_findings_come_a_page_at_a_time_with_the_total(api) -> None:  # type: ignore[no-untyped-def]
    """GET /findings returned every finding of the unit at once (a province's could be
    thousands), and ran detection again for every request."""
    w = api.world
    gifts = [w.payout("DV001", "gift", 300_000, on=f"2024-09-0{d}") for d in (2, 3, 4)]
    member, inspector = api.member("DV001"), api.officer("ubkt")
    with at("2024-10-01"):
        for gift in gifts:
            r = api.client.post(
                "/me/disputes",
                json={"entry": gift.event_id, "reason": "not_received", "text": "Chưa nhận"},
                headers=member,
            )
            assert r.status_code == 201, r.text
    everything = api.client.get("/findings?unit=P&limit=1000", headers=inspector).json()
    ids = [f["id"] for f in everything["findings"]]
    assert len(ids) >= 4 and everything["total_findings"] == len(ids)
    page = api.client.get("/findings?unit=P&limit=2&offset=1", headers=inspector).json()
    assert [f["id"] for f in page["findings"]] == ids[1:3]
    assert (page["total_findings"], page["limit"], page["offset"]) == (len(ids), 2, 1)
    assert page["counts"] == everything["counts"]  # of them all, not of the page
    assert page["amount_at_stake"] == everything["amount_at_stake"]
    assert api.client.get("/findings?unit=P", headers=inspector).json()["limit"] == 200
    for bad in ("limit=0", "limit=1001", "offset=-1"):
        r = api.client.get(f"/findings?unit=P&{bad}", headers=inspector)
        assert r.status_code == 422, bad
        assert r.json()["problems"][0]["field"] == bad.split("=")[0]


def _inspector_of_g1(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """ubkt.g1: an inspector over G1 only, logged in."""
    from api.auth import Account, set_credential
    from tests.api.conftest import FAST, PASSWORD, _register
    from tests.support import officer_key

    with at("2024-06-20"):
        _register(api.world, officer_key("ubkt.g1"), "Hồ Văn Kiểm", "inspector", "G1")
    set_credential(api.ledger.engine, Account("officer", "ubkt.g1"), PASSWORD, hasher=FAST)
    return api.officer("ubkt.g1")


def test_after_a_transfer_a_dispute_goes_to_the_union_that_recorded_the_entry(api) -> None:  # type: ignore[no-untyped-def]
    from api.web import lookups
    from tests.support import officer_key

    w = api.world
    g1 = _inspector_of_g1(api)
    gift = w.payout("DV001", "gift", 300_000, on="2024-09-02")
    with at("2024-08-05"):
        dues = w.submit(
            "collection.dues",
            by=w.kt,
            unit="G1",
            effective_date="2024-08-05",
            body={
                "month": "2024-07",
                "lines": [{"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000}],
            },
        )
    with at("2024-09-20"):
        w.submit(
            "member.transfer",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-20",
            body={"member": "DV001", "to_unit": "G2"},
        )
    member = api.member("DV001")  # logged in after the transfer: a member of G2 now
    said = {}
    with at("2024-10-01"):
        for entry, reason in ((gift, "not_received"), (dues, "amount_differs")):
            r = api.client.post(
                "/me/disputes",
                json={"entry": entry.event_id, "reason": reason, "text": f"Sai: {reason}"},
                headers=member,
            )
            assert r.status_code == 201, r.text
            said[entry.event_id] = r.json()["event_id"]
    # Signed in the unit of the disputed entry, not in the member's current unit.
    assert {api.ledger.entry(d)["unit_code"] for d in said.values()} == {"G1"}
    report = api.client.get("/findings?unit=G1", headers=g1).json()
    disputes = {
        next(e for e in f["event_ids"] if e in said): f
        for f in report["findings"]
        if f["rule"] == "member_dispute"
    }
    assert {e: f["unit"] for e, f in disputes.items()} == {e: "G1" for e in said}
    g2 = api.client.get("/findings?unit=G2", headers=api.officer("ubkt.g2")).json()
    assert [f for f in g2["findings"] if f["rule"] == "member_dispute"] == []
    # The inspector over G1 judges the dues dispute in G1's name and reads the member's words.
    finding = disputes[dues.event_id]
    with at("2024-10-05"):
        item = w.item(
            "finding.resolve",
            by=officer_key("ubkt.g1"),
            unit=finding["unit"],
            body={
                "finding": finding["id"],
                "rule": "member_dispute",
                "decision": "dismiss",
                "note": "Đã đối chiếu bảng lương",
            },
        )
        r = api.client.post(f"/findings/{finding['id']}/resolution", json=item, headers=g1)
    assert r.status_code == 201, r.text
    seen = {d["entry"]: d["text"] for d in lookups.disputes(api.ledger, ["G1"])}
    assert seen == {gift.event_id: "Sai: not_received", dues.event_id: "Sai: amount_differs"}
    assert lookups.disputes(api.ledger, ["G2"]) == []


def test_a_former_member_of_a_dissolved_union_disputes_through_the_union_above(api) -> None:  # type: ignore[no-untyped-def]
    from api.auth import Account, set_credential
    from api.web import lookups
    from tests.api.conftest import FAST, PASSWORD, _register
    from tests.support import officer_key

    w = api.world
    with at("2024-06-20"):
        _register(w, officer_key("ubkt.d"), "Vũ Thị Duyên", "inspector", "D")
    set_credential(api.ledger.engine, Account("officer", "ubkt.d"), PASSWORD, hasher=FAST)
    gift = w.payout("DV003", "gift", 300_000, on="2024-09-02", unit="G2", by=w.kt2)
    with at("2024-09-20"):  # G2 merges into G1: its members move, then it is dissolved
        w.ledger.submit_batch(
            [
                w.item(
                    "member.transfer",
                    by=w.kt2,
                    unit="G2",
                    body={"member": "DV003", "to_unit": "G1"},
                ),
                w.item("unit.dissolve", by=w.admin, unit="G2", body={"reason": "sáp nhập"}),
            ]
        )
    member = api.member("DV003")
    with at("2024-10-01"):  # confirmed, then disputed (the other way round is refused)
        c = api.client.post("/me/receipts", json={"entry": gift.event_id}, headers=member)
        assert c.status_code == 201, c.text
        r = api.client.post(
            "/me/disputes",
            json={"entry": gift.event_id, "reason": "amount_differs", "text": "Chỉ nhận 200.000"},
            headers=member,
        )
        assert r.status_code == 201, r.text
    # Signed in the name of D, the union above the dissolved G2.
    assert [api.ledger.entry(x.json()["event_id"])["unit_code"] for x in (r, c)] == ["D", "D"]
    d = api.officer("ubkt.d")
    report = api.client.get("/findings?unit=D", headers=d).json()
    (finding,) = [f for f in report["findings"] if f["rule"] == "member_dispute"]
    assert (finding["unit"], finding["amount"]) == ("G2", 300_000)  # the entry's union
    with at("2024-10-05"):
        item = w.item(
            "finding.resolve",
            by=officer_key("ubkt.d"),
            unit="D",
            body={
                "finding": finding["id"],
                "rule": "member_dispute",
                "decision": "confirm",
                "note": "Phiếu chi ghi 300.000, đoàn viên nhận 200.000",
            },
        )
        judged = api.client.post(f"/findings/{finding['id']}/resolution", json=item, headers=d)
    assert judged.status_code == 201, judged.text
    after = api.client.get("/findings?unit=D", headers=d).json()
    assert [f["status"] for f in after["findings"] if f["id"] == finding["id"]] == ["confirmed"]
    assert [(x["entry"], x["text"]) for x in lookups.disputes(api.ledger, ["D"])] == [
        (gift.event_id, "Chỉ nhận 200.000")
    ]


def test_an_inspector_of_one_union_reads_no_other_unions_stale_judgments(api) -> None:  # type: ignore[no-untyped-def]
    """GET /findings?unit=G1 listed every stale judgment of the ledger: G1's inspector read the
    province inspector's note on a G2 officer."""
    from audit.detect import detect
    from tests.integration.test_detect_rules import register_officer

    w = api.world
    register_officer(w, "kt2.g2", "finance_officer", "G2")  # unlinked: a finding of G2
    [finding] = [
        f for f in detect(w.ctx).findings if f.rule == "unlinked_officer" and "kt2.g2" in f.people
    ]
    assert finding.unit == "G2"
    with at("2024-10-01"):
        w.submit(
            "finding.resolve",
            by=w.inspector,
            unit="G2",
            body={
                "finding": finding.id,
                "rule": "unlinked_officer",
                "decision": "confirm",
                "note": "Kế toán kt2.g2 giấu hồ sơ",
            },
        )
    w.join("CB9", unit="G2")
    with at("2024-10-02"):
        w.submit("officer.link_member", by=w.admin, body={"officer": "kt2.g2", "member": "CB9"})
    g1 = _inspector_of_g1(api)
    mine = api.client.get("/findings?unit=G1", headers=g1)
    assert mine.status_code == 200
    assert mine.json()["stale_judgments"] == {} and "giấu hồ sơ" not in mine.text
    province = api.client.get("/findings?unit=G2", headers=api.officer("ubkt")).json()
    assert [j["note"] for j in province["stale_judgments"][finding.id]] == [
        "Kế toán kt2.g2 giấu hồ sơ"
    ]


def _one_citizen_in_g1_and_g2(w) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """One citizen registered in G1 (DV101) and in G2 (DV301), paid Tết support by both."""
    w.join("DV101", cid="079199000888")
    w.join("DV301", unit="G2", cid="079199000888")
    mine = w.payout("DV101", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết")
    theirs = w.payout(
        "DV301", "tet_support", 900_000, on="2025-01-21", unit="G2", by=w.kt2, occasion="Tết"
    )
    return mine, theirs


def test_an_inspector_of_one_union_sees_another_unions_evidence_only_redacted(api) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = _one_citizen_in_g1_and_g2(api.world)
    province = api.client.get("/findings?unit=P&period=2025", headers=api.officer("ubkt")).json()
    (whole,) = [f for f in province["findings"] if f["rule"] == "duplicate_citizen_id"]
    assert {mine.event_id, theirs.event_id} <= set(whole["event_ids"])
    assert set(whole["people"]) == {"DV101", "DV301"} and not whole.get("outside_scope")
    assert whole["amount"] == 900_000  # the payouts of the number that drew least

    g1 = _inspector_of_g1(api)
    r = api.client.get("/findings?unit=G1&period=2025", headers=g1)
    assert r.status_code == 200
    (seen,) = [f for f in r.json()["findings"] if f["rule"] == "duplicate_citizen_id"]
    # nothing of G2's: not its event ids, member numbers, officers or amounts
    assert theirs.event_id not in r.text and "DV301" not in r.text and "kt.g2" not in r.text
    assert seen["id"] == whole["id"] and seen["outside_scope"] == ["G2"]
    assert "900.000" not in r.text and 900_000 not in [e["amount"] for e in seen["evidence"]]
    rows = {e["unit"]: e for e in seen["evidence"] if e["what"] == "payout.record"}
    assert rows["G2"] == {
        "event_id": None,
        "what": "payout.record",
        "on": "2025-01-21",
        "unit": "G2",
        "amount": None,
        "people": [],
        "note": "bút toán của G2, ngoài phạm vi xem",
        "note_en": "an entry of G2, outside this view",
        "context": False,
        "outside_scope": True,
    }
    assert (rows["G1"]["event_id"], rows["G1"]["amount"]) == (mine.event_id, 1_000_000)
    assert seen["people"] == ["DV101"] and seen["event_ids"] == [
        e["event_id"] for e in seen["evidence"] if e["event_id"]
    ]
    # the money at stake inside G1: the double payment detection puts on G2's entry is not G1's
    assert seen["amount"] == 0 and seen["stakes"] == {}
    assert "[ngoài phạm vi]" in seen["explanation_vi"] and "G2" in seen["explanation_vi"]
    assert "[outside this view]" in seen["explanation_en"]

    # and the other way round: G2's inspector sees G1's entries redacted, its own in full
    other = api.client.get("/findings?unit=G2&period=2025", headers=api.officer("ubkt.g2"))
    (theirs_seen,) = [f for f in other.json()["findings"] if f["rule"] == "duplicate_citizen_id"]
    assert theirs_seen["outside_scope"] == ["G1"] and theirs_seen["amount"] == 900_000
    assert mine.event_id not in other.text and "DV101" not in other.text
    assert "1.000.000" not in other.text and theirs.event_id in theirs_seen["event_ids"]

    # the province's judgment decides for both views; its note, which may name either union's
    # people, stays with the view of a unit it was signed inside
    with at("2025-02-01"):
        item = api.world.item(
            "finding.resolve",
            by=api.world.inspector,
            unit="P",
            body={
                "finding": whole["id"],
                "rule": "duplicate_citizen_id",
                "decision": "confirm",
                "note": "DV101 và DV301 là một người",
            },
        )
        r = api.client.post(
            f"/findings/{whole['id']}/resolution", json=item, headers=api.officer("ubkt")
        )
        assert r.status_code == 201, r.text
    again = api.client.get("/findings?unit=G1&period=2025", headers=g1)
    (judged,) = [f for f in again.json()["findings"] if f["id"] == whole["id"]]
    assert judged["status"] == "confirmed" and "DV301" not in again.text
    assert [(j["decision"], j["officer"], j["unit"]) for j in judged["judgments"]] == [
        ("confirm", "ubkt", "P")
    ]
    assert judged["judgments"][0]["note"].startswith("(ghi chú của kết luận ký cho đơn vị ngoài")
    province = api.client.get("/findings?unit=P&period=2025", headers=api.officer("ubkt"))
    (full,) = [f for f in province.json()["findings"] if f["id"] == whole["id"]]
    assert full["judgments"][0]["note"] == "DV101 và DV301 là một người"


def test_one_account_for_members_of_two_unions_is_seen_by_each_unions_inspector_redacted(
    api,
) -> None:  # type: ignore[no-untyped-def]
    w = api.world
    w.join("DV101")
    w.join("DV301", unit="G2")
    paid = {"payment_method": "bank"}
    mine = w.payout(
        "DV101",
        "hardship_sudden",
        2_000_000,
        on="2025-03-03",
        personal={"reason": "ốm", "payee_account": "VCB:0011223344"},
        **paid,
    )
    theirs = w.payout(
        "DV301",
        "hardship_sudden",
        1_500_000,
        on="2025-03-20",
        unit="G2",
        by=w.kt2,
        personal={"reason": "ốm", "payee_account": "VCB:0011223344"},
        **paid,
    )
    r = api.client.get("/findings?unit=G1&period=2025", headers=_inspector_of_g1(api))
    (seen,) = [f for f in r.json()["findings"] if f["rule"] == "shared_bank_account"]
    assert theirs.event_id not in r.text and "DV301" not in r.text and "1.500.000" not in r.text
    assert seen["people"] == ["DV101"] and seen["event_ids"] == [mine.event_id]
    assert seen["explanation_en"].endswith(
        "(1 entry of G2, outside this view: ids, amounts and people not shown; the amount at "
        "stake counts only what is inside.)"
    )
    assert "(DV101, [outside this view])" in seen["explanation_en"]
    assert "(Có 1 bút toán của G2, ngoài phạm vi xem" in seen["explanation_vi"]
