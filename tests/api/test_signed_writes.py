"""Writes over HTTP carry the officer's own signature; the server verifies, never signs."""

from __future__ import annotations

import copy
import dataclasses
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.client import PATHS, ApiClient, ApiRefused
from api.deps import ApiSettings
from api.routes.records import WRITES
from ledger.tables import ledger_entries
from tests.api.conftest import FAST, TestClient
from tests.support import at


def _count(api: Any) -> int:
    with api.ledger.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ledger_entries)))


def _gift(
    api: Any, *, amount: int = 300_000, member: str = "DV001", by: Any = None, **extra: Any
) -> Any:
    body = {"member": member, "kind": "gift", "amount": amount, "occasion": "Quốc khánh 2/9"}
    return api.world.item(
        "payout.record",
        by=by or api.world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body=body | extra,
    )


def test_a_signed_payout_is_recorded_and_shows_in_the_members_history(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    with at("2024-09-02"):
        item = _gift(api)
        r = api.client.post("/payouts", json=item, headers=kt)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["event_id"] == item["command"]["command_id"]
    assert receipt["command_type"] == "payout.record" and receipt["status"] == "paid"
    assert len(receipt["leaf_hash"]) == 64
    row = api.ledger.entry(receipt["event_id"])
    assert (row["seq"], row["leaf_hash"], row["signer"]) == (
        receipt["seq"],
        receipt["leaf_hash"],
        "kt.g1",
    )
    history = api.client.get("/members/DV001/history", headers=kt).json()
    gifts = [ln for ln in history["lines"] if ln["event_id"] == receipt["event_id"]]
    assert [(g["amount"], g["key"], g["status"]) for g in gifts] == [(300_000, "gift", "paid")]
    assert history["years"]["2024"]["welfare"] == 300_000


def test_a_tampered_command_is_refused_and_nothing_is_stored(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = _count(api)
    with at("2024-09-02"):
        item = _gift(api)
        item["command"]["body"]["amount"] = 3_000_000  # changed after signing
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 401
        assert r.json()["code"] == "bad_signature"
        assert r.json()["problems"][0]["field"] == "signature"
        assert r.json()["message_vi"] and r.json()["message_en"]
        unsigned = copy.deepcopy(_gift(api))
        del unsigned["signature"]
        r = api.client.post("/payouts", json=unsigned, headers=kt)
        assert r.status_code == 422
        assert [p["field"] for p in r.json()["problems"]] == ["signature"]
        garbage = _gift(api) | {"signature": "AAAA"}
        assert api.client.post("/payouts", json=garbage, headers=kt).status_code == 401
    assert _count(api) == before


def test_a_command_signed_by_another_officer_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    before = _count(api)
    kt2 = api.officer("kt.g2")  # logged in as G2's finance officer ...
    with at("2024-09-02"):
        item = _gift(api)  # ... posting a command kt.g1 signed
        r = api.client.post("/payouts", json=item, headers=kt2)
    assert r.status_code == 403
    assert r.json()["code"] == "signer_not_caller"
    assert r.json()["problems"][0]["field"] == "command.signer.officer"
    assert _count(api) == before
    # Signed by kt.g2 itself, over G1 where kt.g2 holds no role: the ledger refuses (403).
    with at("2024-09-02"):
        r = api.client.post("/payouts", json=_gift(api, by=api.world.kt2), headers=kt2)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    assert _count(api) == before


def test_a_retry_gets_the_same_response_and_a_reused_id_is_a_conflict(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    with at("2024-09-02"):
        item = _gift(api)
        first = api.client.post("/payouts", json=item, headers=kt)
    with at("2024-09-03"):
        again = api.client.post("/payouts", json=item, headers=kt)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        other = _gift(api, amount=200_000)
        other["command"]["command_id"] = item["command"]["command_id"]
        r = api.client.post("/payouts", json=other, headers=kt)
    assert r.status_code == 409 and r.json()["code"] == "command_id_reused"
    member = api.client.get("/members/DV001", headers=kt).json()
    assert [p["amount"] for p in member["payouts"]] == [300_000]


def test_an_over_cap_payout_is_refused_with_the_rule_in_both_languages(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = _count(api)
    with at("2024-09-02"):
        r = api.client.post("/payouts", json=_gift(api, amount=600_000), headers=kt)
    assert r.status_code == 422
    error = r.json()
    assert error["code"] == "over_payout_cap"
    assert error["message_vi"] == "Quy chế chi tiêu nội bộ không cho phép"
    assert error["message_en"] == "Refused by the union's spending rules"
    (p,) = error["problems"]
    assert (p["field"], p["code"]) == ("body.amount", "over_payout_cap")
    assert "500.000" in p["message_vi"]
    assert _count(api) == before


def test_an_expense_above_the_threshold_without_the_chair_is_refused_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = _count(api)
    body = {"category": "welfare", "amount": 120_000_000, "description": "Mua quà Tết"}

    def expense(**kw: Any) -> Any:
        item = api.world.item(
            "expense.record",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body=body,
            **kw,
        )
        return api.client.post("/expenses", json=item, headers=kt)

    with at("2024-09-02"):
        r = expense()
    assert r.status_code == 422, r.text
    (p,) = r.json()["problems"]
    assert (p["field"], p["code"]) == ("cosignatures", "second_signature_required")
    assert "vượt ngưỡng duyệt 5.000.000 đ" in p["message_vi"]
    assert "needs the chair's second signature" in p["message_en"]
    assert _count(api) == before
    with at("2024-09-02"):
        r = expense(cosigner=api.world.chair)
    assert r.status_code == 201, r.text
    assert _count(api) == before + 1


def test_a_union_fee_decision_needs_the_chair_and_its_rate_when_reduced(api) -> None:  # type: ignore[no-untyped-def]
    """An employer's reduction of the 2% fee (Law 50/2024/QH15), posted by the finance
    officer: refused naming the field without its rate or without the chair's cosignature,
    nothing stored; recorded with both."""
    kt = api.officer("kt.g1")
    before = _count(api)
    body = {
        "employer": "Công ty May Sông Bé",
        "kind": "reduced",
        "from_month": "2024-08",
        "to_month": "2024-12",
        "decision_number": "45/QĐ-LĐLĐ",
        "issuer": "LĐLĐ tỉnh Bình Dương",
    }

    def relief(extra: dict[str, Any], **kw: Any) -> Any:
        item = api.world.item(
            "union_fee.relief",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-08-01",
            body=body | extra,
            **kw,
        )
        return api.client.post("/collections/union-fee-reliefs", json=item, headers=kt)

    with at("2024-09-02"):
        r = relief({}, cosigner=api.world.chair)
        assert r.status_code == 422, r.text
        assert [p["field"] for p in r.json()["problems"]] == ["body.rate_bp"], r.json()
        r = relief({"rate_bp": 100})
        assert r.status_code == 422, r.text
        assert [p["field"] for p in r.json()["problems"]] == ["cosignatures"]
        assert _count(api) == before
        r = relief({"rate_bp": 100}, cosigner=api.world.chair)
    assert r.status_code == 201, r.text
    assert r.json()["command_type"] == "union_fee.relief"
    assert _count(api) == before + 1
    # recorded by mistake: POST /reversals undoes it, the chair cosigning as for the decision
    undo = {"target": r.json()["event_id"], "reason": "ghi nhầm tỷ lệ"}

    def reversal(**kw: Any) -> Any:
        item = api.world.item(
            "reversal.record",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body=undo,
            **kw,
        )
        return api.client.post("/reversals", json=item, headers=kt)

    with at("2024-09-02"):
        r = reversal()
        assert r.status_code == 422, r.text
        assert [p["code"] for p in r.json()["problems"]] == ["second_signature_required"]
        assert _count(api) == before + 1
        r = reversal(cosigner=api.world.chair)
    assert r.status_code == 201, r.text
    assert api.world.ledger.get_unit("G1").fee_reliefs == {}


def test_each_route_takes_only_its_command_types(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    with at("2024-09-02"):
        r = api.client.post("/expenses", json=_gift(api), headers=kt)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "command.type"
    assert {t: w.path for w in WRITES for t in w.types} == PATHS  # the client's route table


def test_bad_fields_are_named(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    with at("2024-09-02"):
        item = _gift(api)
        item["command"]["body"]["amount"] = 1.5
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422
        assert r.json()["problems"][0]["field"] == "body.amount"
        item = _gift(api)
        item["command"]["body"]["occasion"] = "Tết\x00"
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422 and "body.occasion" in r.text
        item = _gift(api)
        item["command"]["command_id"] = "not-a-uuid"
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422
        assert r.json()["problems"][0]["field"] == "command.command_id"
        r = api.client.post(
            "/payouts", content=b"{not json", headers=kt | {"content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["code"] == "invalid_json"
        assert r.json()["message_vi"] == "Nội dung yêu cầu không phải JSON hợp lệ (ký tự thứ 1)"
        assert [p["field"] for p in r.json()["problems"]] == ["body"]
        (bad,) = r.json()["problems"]  # Vietnamese throughout: not "JSON decode error" there
        assert bad["message_vi"] == "không đọc được JSON (ký tự thứ 1)"
        assert bad["message_en"].startswith("JSON decode error (at character 1)")
        for unreadable in (b'{"command": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000):
            r = api.client.post(
                "/payouts", content=unreadable, headers=kt | {"content-type": "application/json"}
            )
            assert 400 <= r.status_code < 500 and r.json()["code"] in ("invalid_json", "too_deep")
            assert "cần JSON" in r.json()["message_vi"] or "lồng quá sâu" in r.json()["message_vi"]


def test_a_chair_approves_a_large_payout_from_the_queue(api) -> None:  # type: ignore[no-untyped-def]
    w = api.world
    kt, chair = api.officer("kt.g1"), api.officer("ct.g1")
    with at("2024-10-01"):
        item = w.item(
            "payout.record",
            by=w.kt,
            unit="G1",
            effective_date="2024-10-01",
            body={
                "member": "DV002",
                "kind": "housing_repair",
                "amount": 20_000_000,
                "occasion": "Sửa nhà sau bão",
                "await_approval": True,
            },
            personal={"reason": "Bão làm tốc mái nhà"},  # sealed personal data, via openings
        )
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        (queued,) = api.client.get("/approvals/pending?unit=G1", headers=chair).json()
        assert (queued["event_id"], queued["member"], queued["amount"]) == (
            item["command"]["command_id"],
            "DV002",
            20_000_000,
        )
        decision = w.item(
            "approval.decide",
            by=w.chair,
            unit="G1",
            effective_date="2024-10-01",
            body={
                "target": queued["event_id"],
                "target_digest": queued["target_digest"],
                "decision": "approve",
            },
        )
        r = api.client.post("/approvals", json=decision, headers=chair)
        assert r.status_code == 201, r.text
        assert api.client.get("/approvals/pending?unit=G1", headers=chair).json() == []
    (payout,) = api.client.get("/members/DV002", headers=chair).json()["payouts"]
    assert (payout["status"], payout["approver"]) == ("paid", "ct.g1")


def test_the_python_client_signs_and_posts(api) -> None:  # type: ignore[no-untyped-def]
    client = ApiClient("http://testserver")
    client.http = api.client  # the TestClient is an httpx.Client bound to the app
    client.login_officer("kt.g1", "mật khẩu dài 123")
    with at("2024-11-20"):
        receipt = client.record(
            "payout.record",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-11-20",
            body={"member": "DV001", "kind": "gift", "amount": 250_000, "occasion": "20/11"},
        )
        item = client.sign(
            "collection.other",
            by=api.world.kt,
            unit="G1",
            effective_date="2024-11-20",
            body={"source": "donation", "amount": 5_000_000, "description": "Ủng hộ của công ty"},
        )
        assert client.post_signed(item) == client.post_signed(item)  # a retry is safe
    assert receipt["status"] == "paid"
    assert client.get("/units/G1/ratios", period="2024-11")["income"]["total"] == 5_000_000
    try:
        client.get("/members/DV003")
    except ApiRefused as refused:
        # another union's member is as unknown to this officer as a number never used
        assert (refused.status, refused.code) == (404, "member_not_found")
    else:
        raise AssertionError("G2's member was served to G1's finance officer")
    with at("2024-11-21"), pytest.raises(ApiRefused) as refused_write:
        client.record(
            "payout.record",
            by=api.world.kt,
            unit="G1",
            effective_date="2000-01-20",
            body={"member": "DV001", "kind": "gift", "amount": 250_000, "occasion": "1/6"},
        )
    # what a program's author sees: the reason and the field, not only "the command is invalid"
    lines = str(refused_write.value).splitlines()
    assert lines[0] == "HTTP 422: Lệnh không hợp lệ / The command is invalid"
    assert lines[1].startswith("  - command.effective_date: ngày hiệu lực 20/01/2000 trước ngày")
    assert lines[1].endswith("(before_unit)")


def test_a_database_refusing_the_write_is_503_saying_nothing_was_stored(api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A full disk answered 500 "internal error": the client could not tell a retry was safe.
    The storage is faked to fail the way SQLite does when the disk is full."""
    from eventsourcing.persistence import OperationalError

    from ledger.store import PostgresLedgerRecorder, SQLiteLedgerRecorder

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database or disk is full")

    kt = api.officer("kt.g1")
    with api.world.ctx.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(ledger_entries))
    monkeypatch.setattr(SQLiteLedgerRecorder, "_insert_events", full)
    monkeypatch.setattr(PostgresLedgerRecorder, "insert_events", full)
    with at("2024-09-02"):
        r = api.client.post("/payouts", json=_gift(api), headers=kt)
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    said = r.json()
    assert said["code"] == "storage_unavailable"
    assert "(database or disk is full)" in said["message_en"]
    assert "NOT stored" in said["message_en"]
    monkeypatch.undo()
    with api.world.ctx.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ledger_entries)) == before


def test_an_oversized_body_is_refused_before_it_is_read_in_full(api) -> None:  # type: ignore[no-untyped-def]
    app = create_app(api.world.ctx, settings=ApiSettings(max_body_bytes=2000, hasher=FAST))
    with TestClient(app, raise_server_exceptions=False) as client:
        kt = {"Authorization": api.officer("kt.g1")["Authorization"]}
        with at("2024-09-02"):
            item = _gift(api, document_ref="x" * 150)  # about 1,200 bytes in all
            assert client.post("/payouts", json=item, headers=kt).status_code == 201
            r = client.post("/payouts", json=_gift(api, document_ref="x" * 3000), headers=kt)
            assert r.status_code == 413 and r.json()["code"] == "too_large"
            chunks = (part for part in (b'{"command": {"body": "', b"x" * 3000, b'"}}'))
            r = client.post(
                "/payouts", content=chunks, headers=kt | {"content-type": "application/json"}
            )
            assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_a_write_waiting_for_the_writer_lock_holds_up_no_other_request(api) -> None:  # type: ignore[no-untyped-def]
    """Small writes may run on the event loop, but never wait there for the ledger's lock.

    Another thread holds the lock; a payout arrives and waits for it (in the thread pool);
    meanwhile the server still answers. Were the payout waiting on the event loop, the
    health check would hang until the lock is released.
    """
    kt = api.officer("kt.g1")
    ledger = api.ledger
    svc = api.client.app.state.services
    # The officer's grants stay remembered, so the request needs the lock only to write.
    svc.settings = dataclasses.replace(svc.settings, grants_max_age=3600.0)
    assert api.client.get("/members/DV001", headers=kt).status_code == 200
    holding, release, entered = threading.Event(), threading.Event(), threading.Event()
    submit = ledger.submit

    def submit_and_tell(item: Any) -> Any:  # a probe: says when the write reached the ledger
        entered.set()
        return submit(item)

    def hold() -> None:
        with ledger.writer_if_free() as free:
            assert free
            holding.set()
            release.wait(30)

    replies: dict[str, Any] = {}
    with at("2024-09-02"):
        item = _gift(api)
        holder = threading.Thread(target=hold)
        holder.start()
        assert holding.wait(10)
        ledger.submit = submit_and_tell
        try:
            poster = threading.Thread(
                target=lambda: replies.update(
                    post=api.client.post("/payouts", json=item, headers=kt)
                )
            )
            poster.start()
            assert entered.wait(10)  # the payout is inside Ledger.submit, waiting for the lock
            checker = threading.Thread(
                target=lambda: replies.update(health=api.client.get("/health"))
            )
            checker.start()
            checker.join(20)
            answered_while_held = "health" in replies and "post" not in replies
        finally:
            release.set()
            holder.join(30)
            poster.join(30)
            del ledger.submit
    assert answered_while_held
    assert replies["health"].status_code == 200
    assert replies["post"].status_code == 201, replies["post"].text
    assert ledger.entry(item["command"]["command_id"]) is not None


def test_after_the_database_drops_every_connection_one_request_is_refused_not_one_per_pooled_connection(  # type: ignore[no-untyped-def]
    api, backend
) -> None:
    """A PostgreSQL restart killed the event store's five pooled connections, and the next
    requests met them one by one: 503, 503, 503... each asking the client to wait 30 s. The
    first refusal now replaces every dead connection in the pool."""
    if backend != "postgresql":
        pytest.skip("SQLite has no connections to lose")
    import psycopg

    kt = api.officer("kt.g1")
    with at("2024-09-02"):
        for amount in range(100_000, 100_005):
            assert (
                api.client.post("/payouts", json=_gift(api, amount=amount), headers=kt).status_code
                == 201
            )
        # Under concurrent load the pool holds several idle connections; hold four at once.
        pool = api.ledger.recorder.datastore.pool
        held = [pool.getconn() for _ in range(4)]
        for conn in held:
            pool.putconn(conn)
        dbname = api.ledger.engine.url.database
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            killed = c.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            ).fetchone()
        assert killed is not None and killed[0] >= 2
        before = _count(api)
        statuses = [
            (
                api.client.post(
                    "/payouts", json=_gift(api, member="DV002", amount=200_000 + i), headers=kt
                )
                if i % 2
                else api.client.get("/members/DV002/history", headers=kt)
            )
            for i in range(8)
        ]
    first = statuses[0].json() if statuses[0].status_code == 503 else None
    statuses = [r.status_code for r in statuses]
    assert statuses[1:] == [201, 200] * 3 + [201], statuses
    if first is not None:  # a read that met the dead connection wrote nothing
        assert first["code"] == "storage_unavailable"
        assert "nothing was written" in first["message_en"]
        assert "NOT stored" not in first["message_en"]
    assert _count(api) == before + statuses.count(201)
