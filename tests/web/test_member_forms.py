"""Member changes a finance office makes every month, from the web: a member joining, a
salary basis, leaving, a transfer to another union, a death, a relative declared and the
household's poverty status (`/web/finance/membership`), signed in the browser as `phucloi
members add` / `salary` / `leave` / `transfer` / `death` / `relative` / `household` sign them
and recorded through `/web/finance/submit`. Server side, with FastAPI's TestClient on the real
ledger (both backends)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ledger import clock
from tests.support import entries
from tests.web.conftest import Web, csrf_of


def _form(html: str, form_id: str) -> str:
    found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert found is not None, form_id
    return found.group(0)


def _labels(form: str) -> dict[str, str]:
    """Input name → its label's text."""
    ids = dict(re.findall(r'<label for="([^"]+)">([^<]+)</label>', form))
    names = re.findall(r'<(?:input|select)[^>]*id="([^"]+)"[^>]*name="([^"]+)"', form)
    return {name: ids[i] for i, name in names}


def _post(web: Web, client: Any, item: dict[str, Any]) -> Any:
    page = client.get("/web/finance/membership").text
    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    return client.post("/web/finance/submit", json=item, headers=headers)


def test_the_membership_page_has_the_salary_and_leaving_forms_in_vietnamese(web: Web) -> None:
    """Member changes were CLI/API only: the finance office had no page for them."""
    officer = web.login("kt.g1")
    r = officer.get("/web/finance/membership")
    assert r.status_code == 200
    salary = _form(r.text, "salary-form")
    assert 'data-sign="member.salary"' in salary and 'action="/web/finance/submit"' in salary
    assert _labels(salary) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "body.salary_basis": "Lương đóng đoàn phí mới (đồng)",
    }
    leave = _form(r.text, "leave-form")
    assert 'data-sign="member.leave"' in leave
    assert _labels(leave) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "body.reason": "Lý do thôi sinh hoạt",
    }
    # only the officer's own units are offered; the navigation leads here
    assert re.findall(r'<option value="([^"]+)"', salary) == ["G1"]
    assert re.search(r'<a href="/web/finance/membership"[^>]*>Đoàn viên</a>', r.text)


def test_a_salary_change_signed_in_the_browser_is_recorded(web: Web) -> None:
    """/web/finance/submit refused `member.salary` (422 on command.type)."""
    w = web.world
    officer = web.login("kt.g1")
    item = w.item(
        "member.salary",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV001", "salary_basis": 7_500_000},
    )
    r = _post(web, officer, item)
    assert r.status_code == 201, r.text
    assert r.json()["command_type"] == "member.salary"
    member = w.ledger.get_member("DV001")
    assert member is not None and member.salary_basis == 7_500_000


def test_a_member_leaving_signed_in_the_browser_is_recorded(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    today = clock.today_vn()
    item = w.item(
        "member.leave",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002", "reason": "Nghỉ việc"},
    )
    r = _post(web, officer, item)
    assert r.status_code == 201, r.text
    member = w.ledger.get_member("DV002")
    assert member is not None and member.left_on == today


def test_a_refused_member_change_says_why_in_vietnamese_and_stores_nothing(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    before = entries(w)
    # DV201 is G2's: leaving from G1 is refused on the unit
    wrong_unit = w.item(
        "member.leave",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV201", "reason": "Nghỉ việc"},
    )
    r = _post(web, officer, wrong_unit)
    assert r.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [
        ("unit", "DV201 không sinh hoạt tại G1")
    ]
    assert entries(w) == before
    # a salary dated before the member joined (01/07/2024)
    early = w.item(
        "member.salary",
        by=w.kt,
        unit="G1",
        effective_date="2024-06-30",
        body={"member": "DV001", "salary_basis": 7_000_000},
    )
    r = _post(web, officer, early)
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [p["field"] for p in problems] == ["effective_date"]
    assert problems[0]["message_vi"] == "ngày hiệu lực trước ngày kết nạp 01/07/2024"
    assert entries(w) == before
    member = w.ledger.get_member("DV001")
    assert member is not None and member.salary_basis == 6_000_000 and member.left_on is None


def test_the_membership_page_does_not_record_other_member_commands(web: Web) -> None:
    """Only the member changes the page offers are admitted: a transfer or an erasure signed
    elsewhere is not recorded through it."""
    w = web.world
    officer = web.login("kt.g1")
    before = entries(w)
    item = w.item(
        "member.erase",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV001", "reason": "Đơn số 1"},
    )
    r = _post(web, officer, item)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "command.type"
    assert entries(w) == before


# --- a member joining, with their personal data ---------------------------------------------------

JOIN_PERSONAL = {
    "full_name": "Lê Thị Hồng",
    "citizen_id": "079190001234",
    "date_of_birth": "1990-05-17",
    "bank_account": "VCB:0011001234567",
    "household": "HK0099",
}


def test_the_join_form_asks_for_the_personal_data_and_offers_the_ledgers_banks(web: Web) -> None:
    """No member could join from the web."""
    from ledger.banks import BANKS

    officer = web.login("kt.g1")
    join = _form(officer.get("/web/finance/membership").text, "join-form")
    assert 'data-sign="member.join"' in join
    # the joining date next to the date of birth says which it is
    assert _labels(join) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày kết nạp (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "personal.full_name": "Họ tên",
        "personal.citizen_id": "Số CCCD (12 số)",
        "personal.date_of_birth": "Ngày sinh (dd/mm/yyyy)",
        "body.salary_basis": "Lương đóng đoàn phí (đồng)",
        "personal.bank_account": "Số tài khoản (không bắt buộc)",
        "personal.household": "Mã hộ gia đình (không bắt buộc)",
    }
    # the ledger's refusals name openings.X: each input says which it answers for
    for name in ("full_name", "citizen_id", "date_of_birth", "bank_account", "household"):
        assert re.search(rf'name="personal\.{name}" data-field="openings\.{name}"', join)
    # the bank is one of ledger.banks' codes: what normalize_bank_account signs
    bank = re.search(r'<select id="join-bank">(.*?)</select>', join, re.S)
    assert bank is not None
    assert re.findall(r'<option value="([^"]*)"', bank.group(1)) == ["", *(b.code for b in BANKS)]


def test_a_member_joining_signed_in_the_browser_is_recorded_with_their_sealed_data(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    item = w.item(
        "member.join",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV010", "salary_basis": 6_500_000},
        personal=JOIN_PERSONAL,
    )
    r = _post(web, officer, item)
    assert r.status_code == 201, r.text
    member = w.ledger.get_member("DV010")
    assert member is not None and member.salary_basis == 6_500_000
    assert member.current_unit() == "G1"
    revealed = w.ledger.reveal("DV010")
    assert {k: revealed[k] for k in JOIN_PERSONAL} == JOIN_PERSONAL


def test_a_join_with_personal_data_not_normalised_is_refused_and_stores_nothing(
    web: Web,
) -> None:
    """A browser that signed a citizen ID as typed ("079 190.001-234") would make a second
    blind index for one person: the ledger refuses it, naming the opening."""
    from ledger.privacy import make_personal

    w = web.world
    officer = web.login("kt.g1")
    before = entries(w)
    typed = {**JOIN_PERSONAL, "citizen_id": "079 190.001-234"}
    commitments, openings = make_personal(typed)
    item = w.item(
        "member.join",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV011", "salary_basis": 6_500_000, "personal": commitments},
    )
    item["openings"] = openings
    r = _post(web, officer, item)
    assert r.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [
        ("openings.citizen_id", "cần chuẩn hóa thành 079190001234")
    ]
    assert entries(w) == before and w.ledger.get_member("DV011") is None


# --- a transfer, a death, a relative, the household's status ---------------------------------------


def test_the_membership_page_has_the_transfer_death_relative_and_household_forms(
    web: Web,
) -> None:
    """These were CLI/API only (`phucloi members transfer/death/relative/household`)."""
    officer = web.login("kt.g1")
    page = officer.get("/web/finance/membership").text
    transfer = _form(page, "transfer-form")
    assert 'data-sign="member.transfer"' in transfer
    assert _labels(transfer) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày chuyển (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "body.to_unit": "Chuyển đến công đoàn",
    }
    # the member's unit is one of the officer's; the union moved to is any active one
    assert re.findall(r'<option value="([^"]+)"', _form(page, "transfer-form"))[:1] == ["G1"]
    to = re.search(r'<select id="transfer-to"[^>]*>(.*?)</select>', transfer, re.S)
    assert to is not None
    assert re.findall(r'<option value="([^"]*)"', to.group(1)) == ["", "D", "G1", "G2", "P"]
    death = _form(page, "death-form")
    assert 'data-sign="member.death"' in death
    assert _labels(death) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày mất (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
    }
    relative = _form(page, "relative-form")
    assert 'data-sign="member.relative"' in relative
    assert _labels(relative) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày khai báo (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "body.relative": "Mã thân nhân, ví dụ R1",
        "body.relation": "Quan hệ",
        "personal.full_name": "Họ tên thân nhân",
        "personal.date_of_birth": "Ngày sinh thân nhân (dd/mm/yyyy)",
        "personal.citizen_id": "Số CCCD của thân nhân (không bắt buộc)",
    }
    for name in ("full_name", "date_of_birth", "citizen_id"):
        assert re.search(rf'name="personal\.{name}" data-field="openings\.{name}"', relative)
    assert re.findall(
        r'<option value="([^"]*)">([^<]*)<', relative.split("relative-relation")[2]
    ) == [
        ("", "— chọn quan hệ —"),  # nothing chosen for the officer
        ("child", "Con"),
        ("parent", "Cha, mẹ"),
        ("spouse", "Vợ, chồng"),
    ]
    household = _form(page, "household-form")
    assert 'data-sign="member.household"' in household
    assert _labels(household) == {
        "unit": "Đơn vị",
        "effective_date": "Ngày áp dụng (dd/mm/yyyy)",
        "body.member": "Mã đoàn viên",
        "personal.household_status": "Hoàn cảnh hộ gia đình",
    }
    assert 'data-field="openings.household_status"' in household
    assert re.findall(r'<option value="([^"]*)">([^<]*)<', household) == [
        ("G1", "G1 — CĐCS Công ty May Sông Bé"),
        ("", "— chọn hoàn cảnh —"),  # nothing chosen for the officer
        ("none", "Không thuộc diện nghèo"),
        ("near_poor", "Hộ cận nghèo"),
        ("poor", "Hộ nghèo"),
    ]


def test_a_transfer_signed_in_the_browser_is_recorded(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    today = clock.today_vn()
    item = w.item(
        "member.transfer",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002", "to_unit": "G2"},
    )
    r = _post(web, officer, item)
    assert r.status_code == 201, r.text
    assert r.json()["command_type"] == "member.transfer"
    member = w.ledger.get_member("DV002")
    assert member is not None and member.current_unit() == "G2"
    assert tuple(member.spans[-1]) == (today, "G2")


def test_a_death_signed_in_the_browser_is_recorded(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    today = clock.today_vn()
    item = w.item(
        "member.death", by=w.kt, unit="G1", effective_date=today, body={"member": "DV002"}
    )
    r = _post(web, officer, item)
    assert r.status_code == 201, r.text
    member = w.ledger.get_member("DV002")
    assert member is not None and member.died_on == today


RELATIVE_PERSONAL = {
    "full_name": "Nguyễn Văn Bình",
    "date_of_birth": "2015-03-05",
    "citizen_id": "079215001234",
}


def test_a_relative_and_a_household_status_signed_in_the_browser_are_recorded_sealed(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    today = clock.today_vn()
    relative = w.item(
        "member.relative",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002", "relative": "R1", "relation": "child"},
        personal=RELATIVE_PERSONAL,
    )
    r = _post(web, officer, relative)
    assert r.status_code == 201, r.text
    household = w.item(
        "member.household",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002"},
        personal={"household_status": "near_poor"},
    )
    r = _post(web, officer, household)
    assert r.status_code == 201, r.text
    member = w.ledger.get_member("DV002")
    assert member is not None and member.relatives == {"R1": "child"}
    revealed = w.ledger.reveal("DV002")
    assert revealed["household_status"] == "near_poor"
    assert revealed["relatives"]["R1"] == RELATIVE_PERSONAL


def test_refused_transfers_deaths_relatives_and_households_store_nothing(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")
    today = clock.today_vn()
    w.submit(
        "member.relative",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV001", "relative": "R1", "relation": "spouse"},
        personal={"full_name": "Trần Thị Hoa", "date_of_birth": "1991-02-03"},
    )
    before = entries(w)
    cases = [
        (
            "member.transfer",
            today,
            {"member": "DV001", "to_unit": "G1"},
            None,
            ("body.to_unit", "đơn vị chuyển đến trùng đơn vị cũ"),
        ),
        (
            "member.transfer",
            today + timedelta(days=1),
            {"member": "DV001", "to_unit": "G2"},
            None,
            (
                "effective_date",
                f"ngày chuyển sinh hoạt {today + timedelta(days=1):%d/%m/%Y} sau hôm nay "
                f"({today:%d/%m/%Y}): chỉ ghi khi đã xảy ra",
            ),
        ),
        (
            "member.leave",
            today + timedelta(days=1),
            {"member": "DV001", "reason": "Nghỉ hưu"},
            None,
            (
                "effective_date",
                f"ngày thôi sinh hoạt {today + timedelta(days=1):%d/%m/%Y} sau hôm nay "
                f"({today:%d/%m/%Y}): chỉ ghi khi đã xảy ra",
            ),
        ),
        (
            "member.death",
            today + timedelta(days=1),
            {"member": "DV001"},
            None,
            (
                "effective_date",
                f"ngày mất {today + timedelta(days=1):%d/%m/%Y} sau hôm nay "
                f"({today:%d/%m/%Y}): chỉ ghi khi đã xảy ra",
            ),
        ),
        (
            "member.relative",
            today,
            {"member": "DV001", "relative": "R1", "relation": "child"},
            RELATIVE_PERSONAL,
            ("body.relative", "mã thân nhân đã tồn tại"),
        ),
        (
            "member.household",
            today,
            {"member": "DV001"},
            {"household_status": "rich"},
            (
                "openings.household_status",
                "hoàn cảnh gia đình phải là một trong: none, near_poor, poor",
            ),
        ),
    ]
    for type_, on, body, personal, refusal in cases:
        item = w.item(type_, by=w.kt, unit="G1", effective_date=on, body=body, personal=personal)
        r = _post(web, officer, item)
        assert r.status_code == 422, (type_, r.text)
        assert [(p["field"], p["message_vi"]) for p in r.json()["problems"]] == [refusal]
    assert entries(w) == before
    member = w.ledger.get_member("DV001")
    assert member is not None
    assert (member.current_unit(), member.died_on, member.relatives) == (
        "G1",
        None,
        {"R1": "spouse"},
    )
    assert "household_status" not in w.ledger.reveal("DV001")
