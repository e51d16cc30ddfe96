"""Members see their own entries with proofs, and what they say becomes signed events."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from api.app import create_app
from audit.log import cosign_latest, make_checkpoint
from audit.merkle import verify_inclusion
from audit.note import verify_cosignature
from ledger.domain.errors import InvalidCommand
from ledger.leaf import leaf_bytes
from ledger.tables import ledger_entries
from tests.api.conftest import TestClient
from tests.integration.test_audit_helpers import make_witness
from tests.support import at


def _entries(api: Any, command_type: str) -> int:
    with api.ledger.engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(ledger_entries)
                .where(ledger_entries.c.command_type == command_type)
            )
        )


def _family(api: Any) -> dict[str, Any]:
    """DV001 with a child; a gift to DV001, one to the child for school, one to DV002."""
    w = api.world
    with at("2024-08-01"):
        w.submit(
            "member.relative",
            by=w.kt,
            unit="G1",
            effective_date="2024-08-01",
            body={"member": "DV001", "relative": "C1", "relation": "child"},
            personal={"full_name": "Trần Bé Na", "date_of_birth": "2015-03-01"},
        )
    return {
        "gift": w.payout("DV001", "gift", 300_000, on="2024-09-02"),
        "school": w.payout(
            "DV001", "gift", 400_000, on="2024-09-05", relative="C1", occasion="Năm học"
        ),
        "other": w.payout("DV002", "gift", 300_000, on="2024-09-02"),
    }


def test_my_history_has_my_and_my_relatives_entries_each_provable(api, tmp_path) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    size, root, note, _ = make_checkpoint(api.ledger.engine)
    me = api.member("DV001")
    h = api.client.get("/me/history", headers=me).json()
    assert h["member"] == "DV001" and h["name"] == "Đoàn viên DV001"
    by_event = {ln["event_id"]: ln for ln in h["lines"]}
    assert set(by_event) == {events["gift"].event_id, events["school"].event_id}
    school = by_event[events["school"].event_id]
    assert (school["beneficiary"], school["beneficiary_name"], school["amount"]) == (
        "C1",
        "Trần Bé Na",
        400_000,
    )
    assert h["years"]["2024"]["welfare"] == 700_000
    assert h["checkpoint"] == {"size": size, "root_hash": root, "note": note}
    for ln in h["lines"]:
        entry = api.ledger.entry(ln["event_id"])
        assert (ln["leaf_index"], ln["leaf_hash"]) == (entry["seq"], entry["leaf_hash"])
        proof = ln["proof"]
        assert proof["tree_size"] == size
        verify_inclusion(
            leaf_hash=bytes.fromhex(ln["leaf_hash"]),
            index=ln["leaf_index"],
            size=size,
            proof=[bytes.fromhex(p) for p in proof["path"]],
            root=bytes.fromhex(root),
        )
    # Each line of the member's own entries carries the stored event: its leaf hash is the
    # line's, and what was signed names the member and the amount shown.
    for ln in h["lines"]:
        ev = ln["event"]
        stored = base64.b64decode(ev["state"])
        leaf = leaf_bytes(
            topic=ev["topic"],
            originator_id=ev["originator_id"],
            version=ev["version"],
            state=stored,
        )
        assert hashlib.sha256(b"\x00" + leaf).hexdigest() == ln["leaf_hash"]
        signed = json.loads(json.loads(stored)["envelope"]["command"])
        assert (signed["body"]["member"], signed["body"]["amount"]) == ("DV001", ln["amount"])
    assert events["other"].event_id not in str(h)
    # The same checkpoint is served as the signed note, and a newer entry has no proof yet.
    assert api.client.get("/audit/checkpoint", headers=me).text == note
    # Once a witness cosigns, a member gets its line too (C2SP: appended to the note), in
    # both places, and it verifies: the witness saw the same tree.
    witness = make_witness(tmp_path / "witness")
    line = cosign_latest(api.ledger.engine, witness).line
    served = api.client.get("/audit/checkpoint", headers=me).text
    assert served == note + line
    assert api.client.get("/me/history", headers=me).json()["checkpoint"]["note"] == served
    assert verify_cosignature(served, name="ubkt.bao", public_key=witness.signer.public_key) > 0
    api.world.payout("DV001", "gift", 200_000, on="2024-10-20", occasion="20/10")
    newest = api.client.get("/me/history", headers=me).json()["lines"][-1]
    assert newest["leaf_hash"] is not None and newest["proof"] is None
    # A dues batch is the union's entry, holding other members' lines: never sent.
    with at("2024-11-05"):
        dues = api.world.submit(
            "collection.dues",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-11-05",
            body={
                "month": "2024-10",
                "lines": [
                    {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
                    {"member": "DV002", "salary_basis": 9_000_000, "amount": 90_000},
                ],
            },
        )
    lines = api.client.get("/me/history", headers=me).json()["lines"]
    [mine] = [ln for ln in lines if ln["event_id"] == dues.event_id]
    assert (mine["amount"], mine["event"]) == (60_000, None)
    assert "90000" not in json.dumps(lines) and "DV002" not in json.dumps(lines)


def test_a_relative_erased_through_the_api_reads_as_erased_on_the_portal(api) -> None:  # type: ignore[no-untyped-def]
    """`member.erase_relative` on POST /members: admin only; then the member's own history
    (the portal's) and the officers' record show the child as erased, the member as before."""
    events = _family(api)
    w = api.world
    body = {"member": "DV001", "relative": "C1", "reason": "Đơn số 7"}
    with at("2025-02-01"):
        by_officer = w.item("member.erase_relative", by=w.kt, unit="G1", body=body)
        r = api.client.post("/members", json=by_officer, headers=api.officer("kt.g1"))
        assert r.status_code == 403, r.text
        assert _entries(api, "member.erase_relative") == 0
        item = w.item("member.erase_relative", by=w.admin, unit="G1", body=body)
        r = api.client.post("/members", json=item, headers=api.officer("admin"))
        assert r.status_code == 201, r.text
        h = api.client.get("/me/history", headers=api.member("DV001")).json()
        r = api.client.get("/members/DV001", headers=api.officer("kt.g1"))
    assert h["name"] == "Đoàn viên DV001"
    school = next(ln for ln in h["lines"] if ln["event_id"] == events["school"].event_id)
    assert (school["beneficiary"], school["beneficiary_name"], school["amount"]) == (
        "C1",
        "(đã xóa / erased)",
        400_000,
    )
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["name"] == "Đoàn viên DV001"
    assert record["relatives"] == [
        {"code": "C1", "relation": "child", "name": None, "erased": True}
    ]


def test_a_dispute_and_a_receipt_become_events_in_the_members_data(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    me = api.member("DV001")
    with at("2024-10-01"):
        r = api.client.post(
            "/me/disputes",
            json={
                "entry": events["gift"].event_id,
                "reason": "amount_differs",
                "text": "Tôi chỉ nhận được 200.000 đ",
            },
            headers=me,
        )
        assert r.status_code == 201, r.text
        dispute = r.json()
        assert dispute["command_type"] == "member.dispute"
        r = api.client.post("/me/receipts", json={"entry": events["school"].event_id}, headers=me)
        assert r.status_code == 201, r.text
        again = api.client.post(
            "/me/receipts", json={"entry": events["school"].event_id}, headers=me
        )
        assert again.status_code == 422 and again.json()["problems"][0]["code"] == (
            "already_confirmed"
        )
        # receiving what one's own open dispute says is wrong contradicts it: refused (409)
        # until the committee judges the dispute, as the member's page offers no button then
        contradicting = api.client.post(
            "/me/receipts", json={"entry": events["gift"].event_id}, headers=me
        )
        assert contradicting.status_code == 409, contradicting.text
        problem_ = contradicting.json()["problems"][0]
        assert (problem_["field"], problem_["code"]) == ("entry", "dispute_open")
        assert problem_["message_vi"].endswith(
            "xác nhận đã nhận sau khi Ủy ban kiểm tra kết luận phản ánh"
        )
    entry = api.ledger.entry(dispute["event_id"])
    assert (entry["signer"], entry["unit_code"]) == ("portal", "G1")
    assert api.ledger.reveal("DV001")["text"] == "Tôi chỉ nhận được 200.000 đ"  # sealed
    h = api.client.get("/me/history", headers=me).json()
    assert [(s["kind"], s["entry"], s["reason"]) for s in h["statements"]] == [
        ("dispute", events["gift"].event_id, "amount_differs"),
        ("confirm", events["school"].event_id, None),
    ]
    lines = {ln["event_id"]: ln["statements"] for ln in h["lines"]}
    assert lines[events["gift"].event_id] == ["dispute"]
    assert lines[events["school"].event_id] == ["confirm"]
    inspector = api.officer("ubkt")
    seen = api.client.get("/members/DV001", headers=inspector).json()["statements"]
    assert [s["kind"] for s in seen] == ["dispute", "confirm"]


def test_a_member_cannot_dispute_another_members_entry(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    me = api.member("DV001")
    with at("2024-10-01"):
        r = api.client.post(
            "/me/disputes",
            json={"entry": events["other"].event_id, "reason": "not_mine", "text": "x"},
            headers=me,
        )
        assert r.status_code == 422
        # the member's request field, not the path in the portal's signed command
        assert [(p["field"], p["code"]) for p in r.json()["problems"]] == [
            ("entry", "not_in_history")
        ]
        assert r.json()["problems"][0]["message_vi"] == (
            "bút toán không có trong lịch sử của đoàn viên này"
        )
        assert "DV002" not in r.text
        r = api.client.post(
            "/me/disputes",
            json={"entry": events["gift"].event_id, "reason": "lost", "text": ""},
            headers=me,
        )
        assert r.status_code == 422
        assert {p["field"] for p in r.json()["problems"]} == {"reason", "text"}
        # only spaces, an invisible character, control characters: nothing said, nothing stored
        for text in ["   ", "\u200b", "\x1b[31mđỏ\x07", "\x7f"]:
            r = api.client.post(
                "/me/disputes",
                json={"entry": events["gift"].event_id, "reason": "other", "text": text},
                headers=me,
            )
            assert r.status_code == 422, text
            assert [p["field"] for p in r.json()["problems"]] == ["text"], text
    assert _entries(api, "member.dispute") == 0


def test_without_the_portal_key_statements_are_refused_plainly(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    app = create_app(api.world.ctx)  # no portal signer
    with TestClient(app, raise_server_exceptions=False) as client:
        token = client.post(
            "/auth/login", json={"kind": "member", "username": "DV001", "secret": "111111"}
        ).json()["access_token"]
        r = client.post(
            "/me/receipts",
            json={"entry": events["gift"].event_id},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 503 and r.json()["code"] == "portal_not_configured"
    assert _entries(api, "member.confirm_receipt") == 0


def test_an_officers_inclusion_proof_says_whether_its_tree_is_a_signed_checkpoint(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    size, root, _note, _ = make_checkpoint(api.ledger.engine)
    later = api.world.payout("DV002", "gift", 100_000, on="2024-09-06")
    kt = api.officer("kt.g1")
    covered = api.client.get(f"/audit/inclusion/{events['gift'].event_id}", headers=kt).json()
    assert (covered["tree_size"], covered["root_hash"], covered["signed_checkpoint"]) == (
        size,
        root,
        True,
    )
    head = api.client.get(f"/audit/inclusion/{later.event_id}", headers=kt).json()
    assert head["tree_size"] == size + 1 and head["signed_checkpoint"] is False
    nobody = "00000000-0000-4000-8000-000000000000"
    r = api.client.get(f"/audit/inclusion/{nobody}", headers=kt)
    assert r.status_code == 404 and r.json()["code"] == "event_not_found"
    assert r.json()["message_vi"] == f"Không tìm thấy bút toán: sổ cái không có bút toán {nobody}"
    r = api.client.get(f"/audit/inclusion/{later.event_id}?size={size + 5}", headers=kt)
    assert r.status_code == 422 and "sổ cái chỉ có" in r.json()["message_vi"]


def test_a_member_sees_the_outcome_of_their_dispute_and_the_reply_not_the_note(api) -> None:  # type: ignore[no-untyped-def]
    from tests.support import officer_key

    events = _family(api)
    gift = events["gift"].event_id
    me = api.member("DV001")
    with at("2024-10-01"):
        r = api.client.post(
            "/me/disputes",
            json={"entry": gift, "reason": "not_received", "text": "Tôi chưa nhận quà"},
            headers=me,
        )
        assert r.status_code == 201, r.text
    dispute = r.json()["event_id"]

    def mine() -> dict[str, Any]:
        h = api.client.get("/me/history", headers=me).json()
        (s,) = [s for s in h["statements"] if s["kind"] == "dispute"]
        return s

    opened = mine()
    assert (opened["status"], opened["judged_on"], opened["reply"]) == ("open", None, None)
    # The finding detection reports for it is the one the member's view follows.
    inspector = api.officer("ubkt")
    report = api.client.get("/findings?unit=G1", headers=inspector).json()
    assert [f["id"] for f in report["findings"] if dispute in f["event_ids"]] == [opened["finding"]]

    def judge(by, unit: str, decision: str, day: str, **extra: str) -> None:  # type: ignore[no-untyped-def]
        with at(day):
            api.world.submit(
                "finding.resolve",
                by=by,
                unit=unit,
                body={
                    "finding": opened["finding"],
                    "rule": "member_dispute",
                    "decision": decision,
                    **extra,
                },
            )

    note = "Kế toán xác nhận quà đã giao cho DV002 nhận hộ"  # names someone else
    reply = "Quà đã giao cho người nhận hộ; đã đề nghị công đoàn giao lại cho bạn"
    judge(api.world.inspector, "G1", "dismiss", "2024-10-05", note=note, reply=reply)
    judged = mine()
    assert (judged["status"], judged["judged_on"], judged["reply"]) == (
        "dismissed",
        "2024-10-05",
        reply,
    )
    # A judgment signed for another union decides nothing, as in detection.
    judge(officer_key("ubkt.g2"), "G2", "confirm", "2024-10-06", note="x", reply="Sai")
    assert mine()["status"] == "dismissed"
    judge(api.world.inspector, "G1", "confirm", "2024-10-07", note="Xem lại: chưa giao")
    later = mine()
    assert (later["status"], later["judged_on"], later["reply"]) == (
        "confirmed",
        "2024-10-07",
        None,
    )
    history = api.client.get("/me/history", headers=me).text
    assert "DV002" not in history and "Kế toán xác nhận" not in history


def test_only_inspectors_see_who_disputed_what_in_a_members_record(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    me = api.member("DV001")
    with at("2024-10-01"):
        for path, body in (
            ("/me/disputes", {"entry": events["gift"].event_id, "reason": "amount_differs"}),
            ("/me/receipts", {"entry": events["school"].event_id}),
        ):
            text = {"text": "Tôi chỉ nhận 200.000 đ"} if "reason" in body else {}
            r = api.client.post(path, json=body | text, headers=me)
            assert r.status_code == 201, r.text
    seen = {
        code: api.client.get("/members/DV001", headers=api.officer(code)).json()["statements"]
        for code in ("kt.g1", "ct.g1", "admin", "ubkt")
    }
    for code in ("kt.g1", "ct.g1", "admin"):  # the officers complained about, and the registry
        assert [(s["kind"], s["entry"]) for s in seen[code]] == [
            ("confirm", events["school"].event_id)
        ], code
        assert "amount_differs" not in str(seen[code])
    assert [(s["kind"], s["reason"]) for s in seen["ubkt"]] == [
        ("dispute", "amount_differs"),
        ("confirm", None),
    ]


def test_a_dispute_text_refused_says_why_in_vietnamese_and_in_english(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    me = api.member("DV001")
    with at("2024-10-01"):
        said = {}
        for text in ("   ", "Tôi\x00 chưa nhận", "\x1b[31mđỏ"):
            r = api.client.post(
                "/me/disputes",
                json={"entry": events["gift"].event_id, "reason": "other", "text": text},
                headers=me,
            )
            assert r.status_code == 422, text
            (p,) = r.json()["problems"]
            said[text] = (p["field"], p["message_vi"], p["message_en"])
    assert said == {
        "   ": (
            "text",
            "cần có nội dung: đang để trống hoặc chỉ có khoảng trắng",
            "must say something: it is empty or only spaces",
        ),
        "Tôi\x00 chưa nhận": (
            "text",
            "không được chứa ký tự NUL",
            "must not contain NUL characters",
        ),
        "\x1b[31mđỏ": (
            "text",
            "không được chứa ký tự điều khiển",
            "must not contain control characters",
        ),
    }
    # The same for the ledger's own checks of a signed command (a body string with a NUL,
    # a signing time without its zone).
    item = api.world.item(
        "payout.record",
        by=api.world.kt,
        unit="G1",
        body={"member": "DV001", "kind": "gift", "amount": 100_000, "occasion": "a\x00b"},
    )
    r = api.client.post("/payouts", json=item, headers=api.officer("kt.g1"))
    (p,) = r.json()["problems"]
    assert (r.status_code, p["field"], p["message_vi"], p["message_en"]) == (
        422,
        "command",
        "body.occasion: không được chứa ký tự NUL",
        "body.occasion: must not contain NUL characters",
    )
    with pytest.raises(InvalidCommand) as bad:
        api.ledger.submit(
            {**item, "command": {**item["command"], "signed_at": "2024-10-01T10:00:00"}}
        )
    (p,) = bad.value.problems
    assert (p.field, p.vi, p.en) == (
        "signed_at",
        "phải có múi giờ",
        "must include a time zone offset",
    )


def test_hidden_characters_in_a_dispute_or_a_payout_are_refused_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    """A zero-width space or a right-to-left override in free text is a 422 naming the field
    the caller typed it in, and nothing is stored."""
    from tests.integration.test_bad_input import table_rows

    events = _family(api)
    me, kt = api.member("DV001"), api.officer("kt.g1")
    before = table_rows(api.world)
    with at("2024-10-01"):
        r = api.client.post(
            "/me/disputes",
            json={
                "entry": events["gift"].event_id,
                "reason": "other",
                "text": "Tôi chưa nhận\r\n\u202eđồng 000.003",
            },
            headers=me,
        )
        assert r.status_code == 422, r.text
        assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [
            ("text", "chứa ký tự điều khiển hoặc ký tự ẩn (U+202E); chỉ được xuống dòng")
        ]
        item = api.world.item(
            "payout.record",
            by=api.world.kt,
            unit="G1",
            body={
                "member": "DV001",
                "kind": "gift",
                "amount": 100_000,
                "occasion": "Quốc\u200b khánh",
            },
        )
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422, r.text
        assert [(p["field"], p["message_en"]) for p in r.json()["problems"]] == [
            (
                "body.occasion",
                "holds control characters, invisible characters or line breaks (U+200B)",
            )
        ]
    assert table_rows(api.world) == before


def _rows(api: Any) -> tuple[int, int]:
    """(ledger_events, ledger_entries) row counts."""
    from sqlalchemy import table

    from ledger.tables import EVENTS_TABLE

    with api.ledger.engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(table(EVENTS_TABLE)))
        entries = conn.scalar(select(func.count()).select_from(ledger_entries))
    return int(events or 0), int(entries or 0)


def test_a_retried_dispute_is_not_filed_twice(api) -> None:  # type: ignore[no-untyped-def]
    events = _family(api)
    gift, school = events["gift"].event_id, events["school"].event_id
    me = api.member("DV001")
    said = {"entry": gift, "reason": "not_received", "text": "Tôi chưa nhận quà"}
    with at("2024-10-01"):
        first = api.client.post("/me/disputes", json=said, headers=me)
        assert first.status_code == 201, first.text
        before = _rows(api)
        # a double click, or a retry without a request id: refused, naming the open dispute
        for body in (said, said | {"reason": "amount_differs", "text": "Thiếu tiền"}):
            r = api.client.post("/me/disputes", json=body, headers=me)
            assert r.status_code == 409, r.text
            error = r.json()
            assert error["code"] == "dispute_open"
            since = (
                f"ngày 01/10/2024 (mã {first.json()['event_id']}), Ủy ban kiểm tra chưa kết luận"
            )
            assert error["message_vi"] == (
                f"Phản ánh đang chờ xử lý: đoàn viên đã phản ánh bút toán này {since}"
            )
            assert error["message_en"] == (
                "A dispute is still open: the member already disputed this entry on "
                f"01/10/2024 (event {first.json()['event_id']}), not yet judged by the "
                "inspection committee"
            )
            assert [(p["field"], p["code"]) for p in error["problems"]] == [
                ("entry", "dispute_open")
            ]
        assert _rows(api) == before
        # with a request id, a retry after a lost answer gets the original receipt
        request_id = "5b0c4d9e-8f3a-4c1b-9e2d-7a6f5e4d3c2b"
        once = {"entry": school, "reason": "not_mine", "text": "Con tôi không học trường này"}
        r = api.client.post("/me/disputes", json=once | {"request_id": request_id}, headers=me)
        assert r.status_code == 201 and r.json()["event_id"] == request_id, r.text
        assert "Idempotent-Replayed" not in r.headers
        original, before = r.json(), _rows(api)
    with at("2024-10-02"):  # the retry comes the next day
        again = api.client.post("/me/disputes", json=once | {"request_id": request_id}, headers=me)
        assert again.status_code == 201, again.text
        assert again.json() == original and again.headers["Idempotent-Replayed"] == "true"
        # the same id for another statement is refused, naming it
        r = api.client.post(
            "/me/receipts", json={"entry": gift, "request_id": request_id}, headers=me
        )
        assert r.status_code == 409 and r.json()["code"] == "request_id_reused"
        assert r.json()["message_vi"] == (
            "Mã yêu cầu (request_id) đã dùng cho một yêu cầu khác: hãy tạo mã mới"
        )
        assert [p["field"] for p in r.json()["problems"]] == ["request_id"]
        assert _rows(api) == before
    assert _entries(api, "member.dispute") == 2
    # once the inspectors have judged it, the member may dispute the entry again
    finding = next(
        s["finding"]
        for s in api.client.get("/me/history", headers=me).json()["statements"]
        if s["kind"] == "dispute" and s["entry"] == gift
    )
    with at("2024-10-05"):
        api.world.submit(
            "finding.resolve",
            by=api.world.inspector,
            unit="G1",
            body={
                "finding": finding,
                "rule": "member_dispute",
                "decision": "dismiss",
                "note": "Đã giao",
            },
        )
        # a receipt confirmation (now that no dispute of it is open) replays the same way
        receipt_id = "0e1d2c3b-4a59-4687-9a6b-5c4d3e2f1a0b"
        r = api.client.post(
            "/me/receipts", json={"entry": gift, "request_id": receipt_id}, headers=me
        )
        assert r.status_code == 201, r.text
        confirmed = r.json()
        r = api.client.post(
            "/me/receipts", json={"entry": gift, "request_id": receipt_id}, headers=me
        )
        assert r.status_code == 201 and r.json() == confirmed
        assert r.headers["Idempotent-Replayed"] == "true"
        r = api.client.post("/me/disputes", json=said | {"text": "Vẫn chưa nhận"}, headers=me)
        assert r.status_code == 201, r.text
    assert _entries(api, "member.dispute") == 3
    assert _entries(api, "member.confirm_receipt") == 1


def test_an_inclusion_proof_is_refused_when_the_leaves_no_longer_hash_to_the_signed_root(
    api,
) -> None:  # type: ignore[no-untyped-def]
    """`/audit/inclusion` said `signed_checkpoint: true` whenever a checkpoint row of that size
    existed, with a root computed from the (rewritten) leaf column."""
    import hashlib

    from audit.note import Checkpoint, split_note
    from tests.integration.test_audit_helpers import Attacker

    events = _family(api)
    size, root, _note, _ = make_checkpoint(api.ledger.engine)
    kt = api.officer("kt.g1")
    got = api.client.get(f"/audit/inclusion/{events['gift'].event_id}", headers=kt).json()
    assert Checkpoint.parse(split_note(got["checkpoint"])[0]).root_hash.hex() == root
    Attacker(api.ledger.engine).sql(
        "UPDATE ledger_entries SET leaf_hash = :h WHERE seq = 0",
        h=hashlib.sha256(b"rewritten").hexdigest(),
    )
    r = api.client.get(f"/audit/inclusion/{events['gift'].event_id}", headers=kt)
    assert r.status_code == 409 and r.json()["code"] == "checkpoint_mismatch"
    assert r.json()["message_en"].startswith(
        f"the stored leaves no longer hash to signed checkpoint {size}"
    )
    assert "không còn băm ra checkpoint đã ký" in r.json()["message_vi"]
