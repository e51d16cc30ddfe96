"""How the API reads request bodies (api.body): repeated keys, content type, deep nesting."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, table

from ledger.tables import EVENTS_TABLE, ledger_entries
from tests.support import at

JSON = {"content-type": "application/json"}


def rows(api: Any) -> tuple[int, int]:
    """(ledger_events, ledger_entries) row counts."""
    with api.ledger.engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(table(EVENTS_TABLE)))
        entries = conn.scalar(select(func.count()).select_from(ledger_entries))
    return int(events or 0), int(entries or 0)


def _gift(api: Any, amount: int = 200_000) -> dict[str, Any]:
    return api.world.item(  # type: ignore[no-any-return]
        "payout.record",
        by=api.world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body={"member": "DV001", "kind": "gift", "amount": amount, "occasion": "Quốc khánh"},
    )


def test_a_repeated_key_is_refused_naming_it_and_its_path(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = rows(api)
    with at("2024-09-02"):
        item = _gift(api)  # signed over amount 200,000: the last value
        text = json.dumps(item, ensure_ascii=False)
        twice = text.replace('"amount": 200000', '"amount": 100000, "amount": 200000')
        assert twice != text
        r = api.client.post("/payouts", content=twice.encode(), headers=kt | JSON)
        assert r.status_code == 422, r.text
        error = r.json()
        assert error["code"] == "invalid_json"
        assert error["message_vi"] == (
            "Nội dung yêu cầu không phải JSON hợp lệ: khóa 'amount' xuất hiện hai lần "
            "trong một đối tượng, tại command.body.amount"
        )
        assert error["message_en"] == (
            "The request body is not valid JSON: the key 'amount' appears twice in one "
            "object, at command.body.amount"
        )
        assert [(p["field"], p["code"]) for p in error["problems"]] == [
            ("command.body.amount", "invalid_json")
        ]
        assert rows(api) == before
        # at the top of the body, and in a member's request
        twice = text.replace('"signature":', '"signature": "x", "signature":', 1)
        r = api.client.post("/payouts", content=twice.encode(), headers=kt | JSON)
        assert r.status_code == 422 and r.json()["problems"][0]["field"] == "signature"
        r = api.client.post(
            "/auth/login",
            content=b'{"kind": "member", "kind": "officer", "username": "x", "secret": "y"}',
            headers=JSON,
        )
        assert r.status_code == 422 and r.json()["problems"][0]["field"] == "kind"
        assert rows(api) == before
        # the same item without the repetition is recorded
        r = api.client.post("/payouts", content=text.encode(), headers=kt | JSON)
        assert r.status_code == 201, r.text
        assert api.ledger.get_member("DV001").payouts[r.json()["event_id"]].amount == 200_000


def test_a_body_that_is_not_sent_as_json_is_refused_saying_so(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = rows(api)
    with at("2024-09-02"):
        text = json.dumps(_gift(api)).encode()
        for headers in ({}, {"content-type": "text/plain"}, {"content-type": "application/xml"}):
            r = api.client.post("/payouts", content=text, headers=kt | headers)
            assert r.status_code == 415, (headers, r.text)
            error = r.json()
            assert error["code"] == "unsupported_media_type"
            assert error["message_vi"] == (
                "Nội dung yêu cầu phải là JSON: cần tiêu đề Content-Type: application/json"
            )
            assert error["message_en"] == (
                "The request body must be JSON: send the header Content-Type: application/json"
            )
            assert [p["field"] for p in error["problems"]] == ["Content-Type"]
        assert rows(api) == before
        # a JSON subtype and a charset are JSON
        ok = api.client.post(
            "/payouts",
            content=text,
            headers=kt | {"content-type": "application/json; charset=utf-8"},
        )
        assert ok.status_code == 201, ok.text


def test_a_body_nested_too_deeply_is_invalid_json(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    before = rows(api)
    for deep in (b"[" * 5_000 + b"]" * 5_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000):
        r = api.client.post("/payouts", content=deep, headers=kt | JSON)
        assert r.status_code == 422, r.text
        error = r.json()
        assert error["code"] == "invalid_json"
        assert error["message_vi"] == (
            "Nội dung yêu cầu không phải JSON hợp lệ: dữ liệu JSON lồng quá sâu"
        )
        assert (
            error["message_en"]
            == "The request body is not valid JSON: the JSON is nested too deeply"
        )
        assert [p["field"] for p in error["problems"]] == ["body"]
    r = api.client.post("/payouts", content=b'{"command": "\xff\xfe"}', headers=kt | JSON)
    assert r.status_code == 422 and r.json()["code"] == "invalid_json"
    assert r.json()["message_en"].endswith("UTF-8 encoded JSON is expected")
    assert rows(api) == before
