"""Loans from the web's finance pages: repayments, disbursements and write-offs.

Loans were command line and API only: a finance office working in the browser could not
record a repayment, a disbursement or a write-off. /web/finance/loans lists the union's open
loans with a repayment form each; a disbursement above the approval threshold or overriding
the policy, and every write-off, wait for the chair's signature (api.web.cosign), never in
the ledger until the chair cosigns them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.tables import web_cosign_requests
from ledger.client import cosign
from ledger.tables import ledger_entries
from tests.support import at
from tests.web.conftest import Web, csrf_of

ON = "2025-01-15"
JSON = {"Accept": "application/json"}
LOAN = {"member": "DV001", "loan": "L1"}


def _lend(
    web: Web,
    amount: int = 3_000_000,
    *,
    member: str = "DV001",
    loan: str = "L1",
    on: str = "2025-01-10",
) -> str:
    w = web.world
    with at(on):
        return str(
            w.submit(
                "loan.disburse",
                by=w.kt,
                unit="G1",
                effective_date=on,
                body={"member": member, "loan": loan, "fund": "tro_von"}
                | {"amount": amount, "term_months": 12},
                personal={"reason": "sửa nhà"},
            ).event_id
        )


def _item(web: Web, type_: str, body: dict[str, Any], on: str = ON, **kw: Any) -> dict[str, Any]:
    with at(ON):
        return web.world.item(type_, by=web.world.kt, unit="G1", effective_date=on, body=body, **kw)


def _post(client: Any, payload: dict[str, Any]) -> Any:
    token = csrf_of(client.get("/web/finance/loans").text)
    with at(ON):
        return client.post(
            "/web/finance/submit", json=payload, headers={"X-CSRF-Token": token, **JSON}
        )


def _held_rows(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(web_cosign_requests)).scalar())


def _held_item(web: Web, command_id: str) -> str:
    with web.world.ctx.engine.connect() as conn:
        t = web_cosign_requests
        return str(conn.execute(select(t.c.item).where(t.c.command_id == command_id)).scalar())


def _entries(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger_entries)).scalar())


def _outstanding(web: Web) -> int:
    member = web.world.ledger.get_member("DV001")
    return int(member.loans["L1"].outstanding)


def test_the_loans_page_lists_open_loans_and_records_a_repayment(web: Web) -> None:
    lent = _lend(web)
    _lend(web, 1_000_000, member="DV002", loan="L2")
    w = web.world
    with at("2025-01-12"):
        w.submit(
            "loan.repay",
            by=w.kt,
            unit="G1",
            body={"member": "DV002", "loan": "L2", "amount": 1_000_000},
        )
    officer = web.login("kt.g1")
    page = officer.get("/web/finance/loans")
    assert page.status_code == 200
    html = page.text
    assert f'id="loan-{lent}"' in html and f'id="repay-{lent}"' in html
    assert "3.000.000 đ" in html and "L2" not in html  # a repaid loan is not listed
    assert 'data-sign="loan.repay"' in html

    done = _post(officer, _item(web, "loan.repay", LOAN | {"amount": 1_200_000}))
    assert done.status_code == 201, done.text
    assert _outstanding(web) == 1_800_000
    assert "1.200.000 đ" in officer.get("/web/finance/loans").text  # repaid so far
    assert "1.800.000 đ" in officer.get("/web/finance/loans").text  # outstanding


def test_a_repayment_the_ledger_refuses_is_said_in_vietnamese_and_nothing_is_stored(
    web: Web,
) -> None:
    _lend(web)
    officer = web.login("kt.g1")
    before = _entries(web)
    over = _post(officer, _item(web, "loan.repay", LOAN | {"amount": 3_500_000}))
    assert over.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in over.json()["problems"]] == [
        ("body.amount", "vượt dư nợ 3.000.000 đ")
    ]
    early = _post(officer, _item(web, "loan.repay", LOAN | {"amount": 500_000}, on="2025-01-05"))
    assert early.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in early.json()["problems"]] == [
        ("effective_date", "ngày hiệu lực trước ngày của bút toán gốc (10/01/2025)")
    ]
    assert _outstanding(web) == 3_000_000 and _held_rows(web) == 0
    assert _entries(web) == before


def test_another_unions_loans_are_not_listed(web: Web) -> None:
    lent = _lend(web)
    other = web.login("kt.g2")
    page = other.get("/web/finance/loans")
    assert page.status_code == 200
    assert f'id="loan-{lent}"' not in page.text and 'id="no-loans"' in page.text


def _cosignature(item: dict[str, Any], by: Any) -> dict[str, str]:
    return dict(cosign(item, by=by)["cosignatures"][0])


def _chair_post(client: Any, path: str, payload: dict[str, Any]) -> Any:
    token = csrf_of(client.get("/web/chair").text)
    with at(ON):
        return client.post(path, json=payload, headers={"X-CSRF-Token": token, **JSON})


def _disburse(web: Web, amount: int, **body: Any) -> dict[str, Any]:
    return _item(
        web,
        "loan.disburse",
        LOAN | {"fund": "tro_von", "amount": amount, "term_months": 24} | body,
        personal={"reason": "sửa nhà sau bão"},
    )


def test_a_disbursement_at_the_threshold_is_recorded_from_the_loans_page(web: Web) -> None:
    officer = web.login("kt.g1")
    page = officer.get("/web/finance/loans").text
    assert 'data-sign="loan.disburse"' in page and 'name="body.term_months"' in page
    done = _post(officer, _disburse(web, 5_000_000))
    assert done.status_code == 201, done.text
    assert _outstanding(web) == 5_000_000 and _held_rows(web) == 0


def test_a_disbursement_above_the_threshold_waits_for_the_chair_who_cosigns_it(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    item = _disburse(web, 8_000_000)
    command_id = item["command"]["command_id"]
    held = _post(officer, item)
    assert held.status_code == 202, held.text
    assert held.json()["message_vi"] == (
        "Đã ký, đang chờ Chủ tịch ký duyệt: khoản vay L1 cho DV001, 8.000.000 đ "
        "(vượt ngưỡng 5.000.000 đ) chưa được ghi vào sổ cho đến khi Chủ tịch ký."
    )
    assert w.ledger.entry(command_id) is None and "L1" not in w.ledger.get_member("DV001").loans
    assert 'id="no-loans"' in officer.get("/web/finance/loans").text  # not a loan yet
    assert "Giải ngân vay — DV001, L1" in officer.get("/web/finance").text

    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert f'id="s-{command_id}"' in page
    assert "Giải ngân vay — DV001, L1: 8.000.000 đ — G1" in page
    assert "sửa nhà sau bão" in page  # the purpose the chair approves
    assert "<dd>Quỹ trợ vốn</dd>" in page
    assert "sửa nhà sau bão" in _held_item(web, command_id)
    done = _chair_post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": _cosignature(item, w.chair)},
    )
    assert done.status_code == 201, done.text
    assert w.ledger.entry(command_id) is not None and _outstanding(web) == 8_000_000
    assert "sửa nhà sau bão" not in _held_item(web, command_id)  # in clear only while waiting
    assert f'id="s-{command_id}"' not in chair.get("/web/chair").text


def test_an_override_of_the_loan_rule_waits_for_the_chair_and_other_refusals_do_not(
    web: Web,
) -> None:
    w = web.world
    _lend(web, 1_000_000, loan="L0", on="2025-01-02")
    officer = web.login("kt.g1")
    no_reason = _item(
        web, "loan.disburse", LOAN | {"fund": "tro_von", "amount": 1_000_000, "term_months": 6}
    )
    refused = _post(officer, no_reason)  # a second loan this year and no purpose: refused
    assert refused.status_code == 422 and _held_rows(web) == 0
    unknown = _post(officer, _disburse(web, 9_000_000, member="DV999"))
    assert unknown.status_code == 404 and _held_rows(web) == 0

    item = _disburse(web, 1_000_000, override={"justification": "Chủ tịch cho vay lần hai: bão"})
    held = _post(officer, item)
    assert held.status_code == 202, held.text
    assert "(vượt quy chế, Chủ tịch cho phép)" in held.json()["message_vi"]
    chair = web.login("ct.g1")
    assert "Chủ tịch cho vay lần hai: bão" in chair.get("/web/chair").text
    done = _chair_post(
        chair,
        "/web/chair/cosign",
        {"command_id": item["command"]["command_id"], "cosignature": _cosignature(item, w.chair)},
    )
    assert done.status_code == 201, done.text
    assert _outstanding(web) == 1_000_000


def test_a_write_off_always_waits_for_the_chair_and_is_recorded_once_cosigned(web: Web) -> None:
    w = web.world
    lent = _lend(web)
    officer = web.login("kt.g1")
    page = officer.get("/web/finance/loans").text
    assert f'id="writeoff-{lent}"' in page and 'data-sign="loan.write_off"' in page

    over = _post(officer, _item(web, "loan.write_off", LOAN | {"amount": 4_000_000, "reason": "x"}))
    assert over.status_code == 422 and _held_rows(web) == 0  # any other refusal: nothing waits
    assert [p["message_vi"] for p in over.json()["problems"]] == ["vượt dư nợ 3.000.000 đ"]

    item = _item(web, "loan.write_off", LOAN | {"amount": 3_000_000, "reason": "đoàn viên mất"})
    command_id = item["command"]["command_id"]
    held = _post(officer, item)
    assert held.status_code == 202, held.text
    assert held.json()["message_vi"] == (
        "Đã ký, đang chờ Chủ tịch ký duyệt: xóa nợ 3.000.000 đ của khoản vay L1 (DV001) "
        "chưa được ghi vào sổ cho đến khi Chủ tịch ký."
    )
    assert w.ledger.entry(command_id) is None and _outstanding(web) == 3_000_000
    assert "Xóa nợ vay — DV001, L1" in officer.get("/web/finance").text

    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert "Xóa nợ vay — DV001, L1: 3.000.000 đ — G1" in page and "đoàn viên mất" in page
    done = _chair_post(
        chair,
        "/web/chair/cosign",
        {"command_id": command_id, "cosignature": _cosignature(item, w.chair)},
    )
    assert done.status_code == 201, done.text
    assert w.ledger.entry(command_id) is not None and _outstanding(web) == 0
    assert f'id="loan-{lent}"' not in officer.get("/web/finance/loans").text  # nothing owed


def test_a_withdrawn_loan_keeps_no_purpose_in_clear(web: Web) -> None:
    officer = web.login("kt.g1")
    item = _disburse(web, 8_000_000)
    command_id = item["command"]["command_id"]
    assert _post(officer, item).status_code == 202
    token = csrf_of(officer.get("/web/finance").text)
    with at(ON):
        gone = officer.post(
            "/web/finance/withdraw",
            json={"command_id": command_id},
            headers={"X-CSRF-Token": token, **JSON},
        )
    assert gone.status_code == 200, gone.text
    assert "sửa nhà sau bão" not in _held_item(web, command_id)
    assert "Đã rút lại" in officer.get("/web/finance").text


def test_a_borrower_who_moved_away_is_listed_by_number_without_the_name(web: Web) -> None:
    w = web.world
    lent = _lend(web)
    officer = web.login("kt.g1")
    assert "DV001 — Đoàn viên DV001" in officer.get("/web/finance/loans").text
    with at("2025-01-12"):
        w.submit(
            "member.transfer",
            by=w.kt,
            unit="G1",
            body={"member": "DV001", "to_unit": "G2"},
            effective_date="2025-01-12",
        )
    page = officer.get("/web/finance/loans").text
    assert f'id="loan-{lent}"' in page  # G1 lent it: still G1's to collect
    assert "Đoàn viên DV001" not in page


def test_a_chair_refuses_a_write_off_and_the_loan_still_owes(web: Web) -> None:
    lent = _lend(web)
    officer = web.login("kt.g1")
    item = _item(web, "loan.write_off", LOAN | {"amount": 1_000_000, "reason": "khó khăn"})
    command_id = item["command"]["command_id"]
    assert _post(officer, item).status_code == 202
    chair = web.login("ct.g1")
    refused = _chair_post(
        chair, "/web/chair/refuse", {"command_id": command_id, "note": "Chưa đủ hồ sơ"}
    )
    assert refused.status_code == 200, refused.text
    assert web.world.ledger.entry(command_id) is None and _outstanding(web) == 3_000_000
    assert "Chưa đủ hồ sơ" in officer.get("/web/finance").text
    assert f'id="loan-{lent}"' in officer.get("/web/finance/loans").text


# --- the borrower, the cap and the interest before signing -----------------------------------


def _allowance(client: Any, member: str, on: str = ON) -> Any:
    with at(ON):
        return client.get(
            "/web/finance/loan-allowance", params={"member": member, "on": on}, headers=JSON
        )


def test_the_disbursement_form_finds_the_borrower_and_asks_the_interest(web: Web) -> None:
    """The borrower was typed by number with nothing to confirm who it is, and interest was
    not asked (every web loan had 0). The borrower is now chosen from the members' search
    (name and union shown), and the interest is asked as `--interest-bp` takes it, 0 by
    default."""
    officer = web.login("kt.g1")
    page = officer.get("/web/finance/loans").text
    assert 'id="disburse-member-search" data-field="body.member" type="search"' in page
    assert 'type="hidden" id="disburse-member" name="body.member"' in page
    assert 'name="body.interest_bp" data-int data-max="5000"' in page
    assert 'value="0"' in page.split('id="disburse-interest"')[1].split(">")[0]
    with at(ON):
        found = officer.get("/web/finance/members", params={"q": "DV00"}).json()["members"]
    assert [(m["member"], m["name"], m["unit"]) for m in found] == [
        ("DV001", "Đoàn viên DV001", "G1"),
        ("DV002", "Đoàn viên DV002", "G1"),
    ]


def test_the_policys_loan_cap_and_what_the_borrower_owes_are_said_before_signing(
    web: Web,
) -> None:
    officer = web.login("kt.g1")
    fresh = _allowance(officer, "DV001")
    assert fresh.status_code == 200, fresh.text
    a = fresh.json()
    assert (a["unit"], a["policy"], a["allowed"]) == ("G1", "2024-07", True)
    assert (a["per_payout_cap"], a["per_year_cap"], a["max_count"]) == (50_000_000, None, 1)
    assert (a["used"], a["used_count"], a["outstanding"], a["open_loans"]) == (0, 0, 0, 0)
    assert a["approval_threshold"] == 5_000_000 and a["requires_reason"] is True
    rows = {r["vi"]: r["value"] for r in a["rows"]}
    assert rows["Mức vay tối đa mỗi lần"] == "50.000.000 đ"
    assert rows["Dư nợ hiện tại của người vay"] == "0 đ (0 khoản vay)"

    _lend(web, 3_000_000)  # L1, 10/01/2025
    w = web.world
    with at("2025-01-12"):
        w.submit("loan.repay", by=w.kt, unit="G1", body=LOAN | {"amount": 1_000_000})
    a = _allowance(officer, "DV001").json()
    assert (a["used"], a["used_count"], a["outstanding"], a["open_loans"]) == (
        3_000_000,
        1,
        2_000_000,
        1,
    )
    rows = {r["en"]: r["value"] for r in a["rows"]}
    assert rows["The borrower owes now"] == "2.000.000 đ (1 khoản vay)"
    assert rows["Lent in this window"] == "3.000.000 đ (1)"
    assert rows["Counting window"] == "01/01/2025–31/12/2025"


def test_the_loan_allowance_refuses_a_member_outside_the_units_and_a_bad_date(web: Web) -> None:
    officer = web.login("kt.g1")
    other = _allowance(officer, "DV201")  # a member of G2
    assert other.status_code == 404 and other.json()["problems"][0]["field"] == "member"
    bad = _allowance(officer, "DV001", on="31/02/2025")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "on"
    left = _allowance(officer, "DV001", on="2024-01-01")  # before DV001 joined
    assert left.status_code == 200 and left.json()["allowed"] is False


def test_a_held_loan_shows_the_chair_its_interest(web: Web) -> None:
    officer = web.login("kt.g1")
    item = _disburse(web, 8_000_000, interest_bp=150)
    assert _post(officer, item).status_code == 202
    page = web.login("ct.g1").get("/web/chair").text
    assert '<dd data-interest="150">1,5% (150 điểm cơ bản)</dd>' in page
    refused = _post(officer, _disburse(web, 8_000_000, interest_bp=6_000, loan="L9"))
    assert refused.status_code == 422 and _held_rows(web) == 1
    assert [p["field"] for p in refused.json()["problems"]] == ["body.interest_bp"]


# --- held items are named for what they are ---------------------------------------------------


def _withdraw(client: Any, command_id: str) -> Any:
    token = csrf_of(client.get("/web/finance").text)
    with at(ON):
        return client.post(
            "/web/finance/withdraw",
            json={"command_id": command_id},
            headers={"X-CSRF-Token": token, **JSON},
        )


def test_messages_about_a_held_loan_or_write_off_name_it_not_spending(web: Web) -> None:
    """Withdrawing a held loan said "khoản chi không được ghi vào sổ", and one already closed
    "Khoản chi này không còn chờ…": a loan or a write-off is not spending."""
    _lend(web)
    officer = web.login("kt.g1")
    loan = _disburse(web, 8_000_000, member="DV002", loan="L2")
    loan_id = loan["command"]["command_id"]
    assert _post(officer, loan).status_code == 202

    stranger = _withdraw(web.login("kt.g2"), loan_id)
    assert stranger.status_code == 403
    assert stranger.json()["message_vi"] == "Chỉ người đã ký khoản vay mới rút lại được"
    assert stranger.json()["message_en"] == "Only the officer who signed the loan can withdraw it"

    gone = _withdraw(officer, loan_id)
    assert gone.status_code == 200
    assert gone.json()["message_vi"] == "Đã rút lại: khoản vay không được ghi vào sổ."
    assert gone.json()["message_en"] == "Withdrawn: the loan is not recorded."
    again = _withdraw(officer, loan_id)
    assert again.status_code == 409
    assert again.json()["message_vi"] == (
        "Khoản vay này không còn chờ Chủ tịch ký (đã được ghi, đang được ký, từ chối hoặc rút lại)"
    )
    assert again.json()["message_en"] == (
        "The loan no longer waits for the chair (recorded, being signed, refused or withdrawn)"
    )

    write_off = _item(web, "loan.write_off", LOAN | {"amount": 1_000_000, "reason": "khó khăn"})
    write_off_id = write_off["command"]["command_id"]
    assert _post(officer, write_off).status_code == 202
    chair = web.login("ct.g1")
    refused = _chair_post(chair, "/web/chair/refuse", {"command_id": write_off_id, "note": "Chưa"})
    assert refused.status_code == 200
    assert refused.json()["message_vi"] == "Đã từ chối: khoản xóa nợ không được ghi vào sổ."
    assert refused.json()["message_en"] == "Refused: the write-off is not recorded."
    late = _chair_post(
        chair,
        "/web/chair/cosign",
        {"command_id": write_off_id, "cosignature": _cosignature(write_off, web.world.chair)},
    )
    assert late.status_code == 409
    assert late.json()["message_vi"].startswith("Khoản xóa nợ này không còn chờ Chủ tịch ký")
    missing = _withdraw(officer, "00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["message_vi"] == (
        "Không có khoản nào chờ Chủ tịch ký với mã lệnh này trong đơn vị của bạn"
    )


# --- a disbursement with repayments is not offered for reversal -------------------------------


def _reverse_cell(html: str, event_id: str) -> str:
    row = html.split(f'<tr data-event="{event_id}">')[1].split("</tr>")[0]
    return row.split('data-label="Sửa sai">')[1]


def test_a_disbursement_with_repayments_offers_no_reversal_but_says_why(web: Web) -> None:
    """The officer's list and the union's entries offered "Đảo bút toán" on a disbursement
    that has repayments, which the ledger refuses (reverse them first)."""
    lent = _lend(web)
    w = web.world
    with at("2025-01-12"):
        repaid = str(
            w.submit("loan.repay", by=w.kt, unit="G1", body=LOAN | {"amount": 1_000_000}).event_id
        )
    officer = web.login("kt.g1")
    for page in ("/web/finance", "/web/finance/entries"):
        html = officer.get(page).text
        cell = _reverse_cell(html, lent)
        assert f'id="reverse-{lent}"' not in html, page
        assert 'data-kept-by="repaid"' in cell
        assert "Đã có khoản trả nợ: đảo các khoản trả nợ trước" in cell
        assert f'id="reverse-{repaid}"' in html, page  # the repayment is reversed first

    with at("2025-01-13"):
        w.submit("reversal.record", by=w.kt, unit="G1", body={"target": repaid, "reason": "nhầm"})
    html = officer.get("/web/finance/entries").text
    assert f'id="reverse-{lent}"' in html and "data-kept-by" not in html
    with at("2025-01-14"):  # the reversal the page now offers is one the ledger records
        w.submit("reversal.record", by=w.kt, unit="G1", body={"target": lent, "reason": "nhầm"})
    assert w.ledger.get_member("DV001").loans["L1"].outstanding == 0


def test_an_erased_borrower_reads_as_erased_on_the_loans_page_and_in_the_member_search(
    web: Web,
) -> None:
    """`members show` says "[đã xóa / erased]"; the officer's pages said nothing (the loans
    page) or "(không có tên)" (the borrower and payout search), as if the name were missing."""
    w = web.world
    lent = _lend(web, member="DV002")
    officer = web.login("kt.g1")
    with at("2025-01-12"):
        w.submit(
            "member.erase",
            by=w.admin,
            unit="G1",
            effective_date="2025-01-12",
            body={"member": "DV002", "reason": "Đơn số 14/2025"},
        )
    page = officer.get("/web/finance/loans").text
    row = page[page.index(f'id="loan-{lent}"') :]
    assert row.split("</td>")[0].endswith("DV002 — (đã xóa dữ liệu cá nhân)")
    assert "DV002 (đã xóa dữ liệu cá nhân) — L1" in page
    found = officer.get("/web/finance/members", params={"q": "DV00"}).json()["members"]
    assert [(m["member"], m["name"], m["erased"]) for m in found] == [
        ("DV001", "Đoàn viên DV001", False),
        ("DV002", None, True),
    ]
    officer.cookies.set("phucloi_lang", "en")
    assert "DV002 (personal data erased) — L1" in officer.get("/web/finance/loans").text
