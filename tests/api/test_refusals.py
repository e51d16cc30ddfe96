"""Refusals say what is wrong in each language, with the status a client can act on."""

from __future__ import annotations

from typing import Any

from ledger.client import cosign
from tests.api.test_request_bodies import rows
from tests.support import at


def test_a_bad_period_is_said_in_each_language_separately(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    r = api.client.get("/units/G1/ratios?period=lunar-0001", headers=kt)
    assert r.status_code == 422, r.text
    error = r.json()
    assert error["message_vi"] == (
        "Kỳ báo cáo không hợp lệ: Năm âm lịch 1 nằm ngoài bảng ngày Tết 2000–2060"
    )
    assert error["message_en"] == (
        "Invalid period: lunar year 1 is outside the Tết table 2000–2060"
    )
    assert [p["field"] for p in error["problems"]] == ["period"]
    r = api.client.get("/units/G1/ratios?period=2025-13", headers=kt)
    assert r.status_code == 422
    assert r.json()["message_vi"] == "Kỳ báo cáo không hợp lệ: Tháng không hợp lệ (01–12)"
    assert r.json()["message_en"] == "Invalid period: month must be 01–12 in period '2025-13'"
    r = api.client.get("/findings?unit=G1&period=lunar-2099", headers=api.officer("ubkt"))
    assert r.status_code == 422
    assert r.json()["message_vi"] == (
        "Kỳ báo cáo không hợp lệ: Năm âm lịch 2099 nằm ngoài bảng ngày Tết 2000–2060"
    )
    assert r.json()["message_en"] == (
        "Invalid period: lunar year 2099 is outside the Tết table 2000–2060"
    )


def test_a_malformed_path_code_is_refused_before_authorisation_without_echoing_it(api) -> None:  # type: ignore[no-untyped-def]
    kt = api.officer("kt.g1")
    for path, name in (
        ("/members/DV001%0A", "number"),
        ("/members/DV001%0A/history", "number"),
        ("/units/G1%00/members", "unit"),
        ("/units/G2%0A/members", "unit"),  # another union's: not a 403 either
        ("/units/G1%0A/ratios?period=2025", "unit"),
        ("/findings?unit=G1%1B", "unit"),
    ):
        who = api.officer("ubkt") if path.startswith("/findings") else kt
        r = api.client.get(path, headers=who)
        assert r.status_code == 422, (path, r.text)
        error = r.json()
        assert error["code"] == "invalid_request", path
        assert [p["field"] for p in error["problems"]] == [name], path
        assert "\n" not in r.text and "\x00" not in r.text and "\x1b" not in r.text, path
        assert "\\n" not in r.text and "\\u0000" not in r.text and "\\u001b" not in r.text, path
    r = api.client.get("/members/DV001%0A", headers=kt)
    assert r.json()["message_vi"] == (
        "number: số đoàn viên không hợp lệ (chỉ gồm chữ, số, '.', '_', '-')"
    )
    assert r.json()["message_en"] == (
        "number: not a valid member number (letters, digits, '.', '_' and '-' only)"
    )
    # well-formed codes are still authorised and looked up as before
    assert api.client.get("/members/DV001", headers=kt).status_code == 200
    assert api.client.get("/members/DV999", headers=kt).status_code == 404
    assert api.client.get("/units/G2/members", headers=kt).status_code == 403


def test_every_answer_to_a_caller_with_credentials_is_not_stored_in_caches(api) -> None:  # type: ignore[no-untyped-def]
    events = api.world.payout("DV001", "gift", 300_000, on="2024-09-02")
    kt, me, inspector = api.officer("kt.g1"), api.member("DV001"), api.officer("ubkt")
    for path, who in (
        ("/me/history", me),
        ("/members/DV001", kt),
        ("/members/DV001/history", kt),
        ("/audit/export", inspector),
        (f"/audit/inclusion/{events.event_id}", kt),
        ("/units/G2/members", kt),  # a refusal too
    ):
        r = api.client.get(path, headers=who)
        assert r.headers.get("cache-control") == "no-store", (path, r.status_code)
    r = api.client.post(
        "/auth/login", json={"kind": "member", "username": "DV001", "secret": "111111"}
    )
    assert r.status_code == 200 and r.headers.get("cache-control") is None  # no credentials
    # the web pages keep their own header, sent once
    page = api.client.get("/web/login")
    assert page.headers.get_list("cache-control") in ([], ["no-store"])


def _repair(api: Any) -> dict[str, Any]:
    return api.world.item(  # type: ignore[no-any-return]
        "payout.record",
        by=api.world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body={"member": "DV001", "kind": "housing_repair", "amount": 15_000_000, "occasion": "bão"},
        personal={"reason": "bão làm tốc mái"},
    )


def test_a_refused_cosignature_is_not_an_authentication_failure(api) -> None:  # type: ignore[no-untyped-def]
    w, kt = api.world, api.officer("kt.g1")
    before = rows(api)
    with at("2024-09-02"):
        # maker = checker: 403 naming the cosignature, no WWW-Authenticate
        r = api.client.post("/payouts", json=cosign(_repair(api), by=w.kt), headers=kt)
        assert r.status_code == 403, r.text
        assert "www-authenticate" not in r.headers
        error = r.json()
        assert error["code"] == "same_maker_checker"
        assert (error["message_vi"], error["message_en"]) == (
            "người lập và người duyệt là một người",
            "maker and checker are the same officer",
        )
        assert [(p["field"], p["code"]) for p in error["problems"]] == [
            ("cosignatures[0]", "same_maker_checker")
        ]
        # a chair's cosignature over other bytes: 422 at the cosignature
        item = cosign(_repair(api), by=w.chair)
        item["cosignatures"][0]["signature"] = cosign(_repair(api), by=w.chair)["cosignatures"][0][
            "signature"
        ]
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422, r.text
        assert "www-authenticate" not in r.headers
        assert r.json()["code"] == "bad_signature"
        assert r.json()["message_vi"] == "chữ ký không khớp với nội dung lệnh"
        assert r.json()["message_en"] == "the signature does not match the command"
        assert [p["field"] for p in r.json()["problems"]] == ["cosignatures[0]"]
        # an unknown cosigner is named at the cosignature, not at the command's signer
        item = cosign(_repair(api), by=w.chair)
        item["cosignatures"][0]["officer"] = "ct.khong-co"
        r = api.client.post("/payouts", json=item, headers=kt)
        assert r.status_code == 422 and r.json()["code"] == "unknown_officer"
        assert [p["field"] for p in r.json()["problems"]] == ["cosignatures[0].officer"]
        # the same chair twice: 422 at the second
        twice = cosign(cosign(_repair(api), by=w.chair), by=w.chair)
        r = api.client.post("/payouts", json=twice, headers=kt)
        assert r.status_code == 422, r.text
        error = r.json()
        assert [(p["field"], p["code"]) for p in error["problems"]] == [
            ("cosignatures[1]", "duplicate_cosigner")
        ]
        assert error["problems"][0]["message_vi"] == "ct.g1 đã ký duyệt lệnh này ở chữ ký trước"
        assert error["problems"][0]["message_en"] == "ct.g1 already cosigned this command above"
        assert rows(api) == before
        # the officer's own bad signature stays a 401 (README)
        bad = _repair(api)
        bad["command"]["body"]["amount"] = 14_000_000
        assert api.client.post("/payouts", json=bad, headers=kt).status_code == 401
        assert rows(api) == before
        ok = api.client.post("/payouts", json=cosign(_repair(api), by=w.chair), headers=kt)
        assert ok.status_code == 201, ok.text


def test_linking_an_officer_to_a_member_refuses_naming_the_field_and_stores_nothing(api) -> None:  # type: ignore[no-untyped-def]
    from tests.support import entries

    w, admin = api.world, api.officer("admin")

    def link(member: str) -> Any:
        item = w.item(
            "officer.link_member", by=w.admin, body={"officer": "kt.g1", "member": member}
        )
        return api.client.post("/officers", json=item, headers=admin)

    before = entries(w)
    with at("2024-10-01"):
        r = link("DV999")
        assert r.status_code == 404, r.text
        assert [p["field"] for p in r.json()["problems"]] == ["body.member"]
        assert "DV999" in r.json()["message_vi"] and "DV999" in r.json()["message_en"]
        r = link("DV 1")
        assert r.status_code == 422, r.text
        assert [p["field"] for p in r.json()["problems"]] == ["body.member"]
        assert entries(w) == before
        assert link("DV001").status_code == 201
        r = link("DV002")
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert (problem["field"], problem["code"]) == ("body.member", "member_linked")
    assert problem["message_en"] == (
        "officer kt.g1 is already linked to member DV001: a link cannot be changed "
        "(register a new officer code)"
    )
    assert entries(w) == before + 1
    officers = api.client.get("/officers", headers=admin).json()
    assert next(o["member"] for o in officers if o["code"] == "kt.g1") == "DV001"


def test_a_membership_change_or_a_union_dated_after_today_is_a_422(api) -> None:  # type: ignore[no-untyped-def]
    w = api.world
    before = rows(api)
    with at("2024-09-02"):
        move = w.item(
            "member.transfer",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-03",
            body={"member": "DV001", "to_unit": "G2"},
        )
        r = api.client.post("/members", json=move, headers=api.officer("kt.g1"))
        assert r.status_code == 422, r.text
        assert [(p["field"], p["code"]) for p in r.json()["problems"]] == [
            ("effective_date", "in_the_future")
        ]
        (problem,) = r.json()["problems"]
        assert problem["message_en"].startswith("the date of transfer 2024-09-03 is after today")
        unit = w.item(
            "unit.register",
            by=w.admin,
            effective_date="2024-09-03",
            body={"code": "G3", "name": "CĐCS Điện tử", "level": "Cơ sở", "parent": "D"},
        )
        r = api.client.post("/units", json=unit, headers=api.officer("admin"))
        assert r.status_code == 422, r.text
        (problem,) = r.json()["problems"]
        assert problem["message_vi"].startswith("ngày thành lập đơn vị 03/09/2024 sau hôm nay")
    assert rows(api) == before


def test_figures_of_a_period_not_begun_are_refused_naming_the_period(api) -> None:  # type: ignore[no-untyped-def]
    """`GET /units/G1/ratios?period=2030` answered 200 with zeros for a year nothing can be
    recorded in yet; like the report forms it is refused, 422 on `period`."""
    kt = api.officer("kt.g1")
    with at("2025-03-15"):
        for path in ("ratios", "rollup", "beneficiaries"):
            r = api.client.get(f"/units/G1/{path}?period=2026", headers=kt)
            assert r.status_code == 422, (path, r.text)
            error = r.json()
            assert error["message_vi"].startswith("Năm 2026 chưa bắt đầu (bắt đầu 01/01/2026")
            assert error["message_en"].startswith("Year 2026 has not begun")
            assert [p["field"] for p in error["problems"]] == ["period"]
        assert api.client.get("/units/G1/ratios?period=2025", headers=kt).status_code == 200
        assert api.client.get("/units/G1/ratios?period=2025-03", headers=kt).status_code == 200


def test_a_malformed_citizen_id_bank_account_or_household_is_said_in_each_language(api) -> None:  # type: ignore[no-untyped-def]
    """A client's own signing (no `ledger.client` normalisation) committing a citizen ID of
    11 digits was refused with one message holding both languages, English first and the
    raw field name inside ("citizen_id: must be 12 digits … / số định danh …"), as both its
    Vietnamese and its English."""
    from ledger.privacy import make_personal

    w = api.world
    before = rows(api)
    said = {}
    for field, value in (
        ("citizen_id", "07919000011"),
        ("bank_account", "XYZ:0123456789"),
        ("household", "HK#1"),
    ):
        personal = {
            "full_name": "Lê Văn An",
            "citizen_id": "079190000111",
            "date_of_birth": "1990-01-01",
        } | {field: value}
        commitments, openings = make_personal(personal)
        item = w.item(
            "member.join",
            by=w.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": "DV900", "salary_basis": 6_000_000, "personal": commitments},
        ) | {"openings": openings}
        with at("2024-07-01"):
            r = api.client.post("/members", json=item, headers=api.officer("kt.g1"))
        assert r.status_code == 422, r.text
        [problem] = r.json()["problems"]
        assert problem["field"] == f"openings.{field}"
        said[field] = (problem["message_vi"], problem["message_en"])
    assert said == {
        "citizen_id": (
            "số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)",
            "must be 12 digits (CCCD) or 9 digits (CMND)",
        ),
        "bank_account": (
            "mã ngân hàng 'XYZ' không có trong danh mục ngân hàng (ghi mã, tên hoặc mã BIN "
            "NAPAS, ví dụ VCB, Vietcombank, 970436)",
            "'XYZ' is not a Vietnamese bank the ledger knows (give its code, name or NAPAS "
            "BIN, e.g. VCB, Vietcombank, 970436)",
        ),
        "household": (
            "mã hộ gồm 1–40 chữ, số, '/', '.' hoặc '-'",
            "must be 1–40 letters, digits, '/', '.' or '-'",
        ),
    }
    assert rows(api) == before


def test_a_body_not_an_object_or_a_lone_surrogate_is_said_in_vietnamese(api) -> None:  # type: ignore[no-untyped-def]
    """The Vietnamese of these refusals was pydantic's English in brackets: "giá trị không hợp
    lệ (Input should be a valid dictionary or object to extract fields from)"."""
    me = api.member("DV001")
    before = rows(api)
    headers = me | {"Content-Type": "application/json"}
    r = api.client.post("/me/disputes", content=b"[1, 2]", headers=headers)
    assert r.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [
        ("body", "phải là một đối tượng JSON")
    ]
    bad = b'{"entry": "00000000-0000-4000-8000-000000000000", "reason": "\\ud800", "text": "x"}'
    r = api.client.post("/me/disputes", content=bad, headers=headers)
    assert r.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [
        ("reason", "phải là chuỗi Unicode hợp lệ (không có surrogate lẻ)")
    ]
    assert rows(api) == before
