"""A member's dispute reaches the inspection committee as a finding, which an inspector judges
with a signed command."""

from __future__ import annotations

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
