"""What a finance office does in the browser beyond payouts, dues and other income: reverse an
entry, record the 2% union fee and remittances upward; the reports form's refusals; the
site's icon. Server side, with FastAPI's TestClient on the real ledger (both backends)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from audit.log import make_checkpoint
from ledger import clock
from ledger.signing import encode_b64
from ledger.tables import ledger_entries
from tests.support import at, officer_key
from tests.web.conftest import Web, csrf_of


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the site's icon ------------------------------------------------------------------------------


def test_the_site_icon_is_served_where_browsers_ask_for_it(web: Web) -> None:
    """Every page logged a 404 for /favicon.ico in the browser's console."""
    client = web.client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg") and b"<script" not in icon.content
    page = client.get("/web/login").text
    assert '<link rel="icon" href="/web/static/favicon.svg" type="image/svg+xml">' in page
    named = client.get("/web/static/favicon.svg")
    assert named.status_code == 200 and named.content == icon.content


# --- reports: a refusal is said on the form, once, keeping what was typed -------------------------


def _download(client: Any, **params: str) -> Any:
    return client.get("/web/reports/download", params=params)


def test_a_bad_report_period_is_said_once_on_its_form_which_keeps_the_input(web: Web) -> None:
    """It opened an error page ("Mã lỗi: invalid_request (422)") with the message twice and
    lost what was typed."""
    make_checkpoint(web.world.ctx.engine)
    officer = web.login("kt.g1")
    r = _download(officer, unit="G1", kind="monthly", period="2025-13", format="csv")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "Mã lỗi" not in html and "invalid_request" not in html
    said = "Kỳ báo cáo phải là một tháng (2025-03)"
    assert html.count(said) == 1
    form = re.search(r'<form[^>]*id="form-monthly".*?</form>', html, re.S)
    assert form is not None and said in form.group(0)
    assert re.search(
        r'<input id="m-period" name="period" value="2025-13" aria-invalid="true"', form.group(0)
    )
    assert '<option value="csv" selected>CSV</option>' in form.group(0)
    assert '<option value="G1" selected>' in form.group(0)
    # the other forms keep their defaults and say nothing
    annual = re.search(r'<form[^>]*id="form-annual".*?</form>', html, re.S)
    assert annual is not None and "aria-invalid" not in annual.group(0)
    assert "selected" not in annual.group(0)

    english = web.login("kt.g1")
    english.cookies.set("phucloi_lang", "en")
    en = _download(english, unit="G1", kind="annual", period="2025-03", format="json")
    assert en.status_code == 422
    assert _text(en.text).count("The period must be a year (2025)") == 1
    assert 'id="a-period" name="period" value="2025-03" aria-invalid="true"' in en.text


def test_a_report_without_a_checkpoint_is_refused_on_the_form_saying_why(web: Web) -> None:
    officer = web.login("kt.g1")
    r = _download(officer, unit="G1", kind="structure", period="2024", format="json")
    assert r.status_code == 404
    form = re.search(r'<form[^>]*id="form-structure".*?</form>', r.text, re.S)
    assert form is not None
    said = _text(form.group(0))
    assert "Không tính được báo cáo" in said and "checkpoint" in said
    assert 'value="2024"' in form.group(0) and '<option value="json" selected>' in form.group(0)
    assert "Mã lỗi" not in r.text


def test_an_unknown_or_foreign_unit_in_the_report_address_is_said_on_its_form(web: Web) -> None:
    """A unit typed into the download address that the ledger does not hold opened a 403
    error page ("Không có quyền tại đơn vị G9"), as if it were someone else's."""
    make_checkpoint(web.world.ctx.engine)
    officer = web.login("kt.g1")
    r = _download(officer, unit="G9", kind="annual", period="2024", format="csv")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html") and "Mã lỗi" not in r.text
    form = re.search(r'<form[^>]*id="form-annual".*?</form>', r.text, re.S)
    assert form is not None
    said = _text(form.group(0))
    assert said.count("Không có đơn vị G9 trong sổ cái") == 1
    assert re.search(r'<select id="a-unit" name="unit" required aria-invalid="true"', form.group(0))
    assert 'value="2024"' in form.group(0) and '<option value="csv" selected>' in form.group(0)
    # a unit that exists but is not the officer's is refused on the form too, 403
    other = _download(officer, unit="G2", kind="annual", period="2024", format="csv")
    assert other.status_code == 403 and "Mã lỗi" not in other.text
    form = re.search(r'<form[^>]*id="form-annual".*?</form>', other.text, re.S)
    assert form is not None and "Không có quyền báo cáo đơn vị G2" in _text(form.group(0))
    # the inspector (every unit) gets the same words for the unknown unit
    inspector = web.login("ubkt")
    r = _download(inspector, unit="G9", kind="monthly", period="2024-09", format="csv")
    assert r.status_code == 404 and "Không có đơn vị G9 trong sổ cái" in _text(r.text)


# --- reversing an entry (bút toán đảo) ------------------------------------------------------------


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-event="([^"]+)">(.*?)</tr>', html, re.S))


def _cells(row: str) -> list[str]:
    return [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _reversal(web: Web, by: Any, target: str, *, unit: str = "G1", reason: str = "ghi nhầm"):  # type: ignore[no-untyped-def]
    return web.world.item(
        "reversal.record",
        by=by,
        unit=unit,
        effective_date=clock.today_vn(),
        body={"target": target, "reason": reason},
    )


def _entries(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ledger_entries)))


def test_an_officer_reverses_an_entry_from_what_they_recorded(web: Web) -> None:
    """The web could record money but not correct it: no reversal form, and the page's
    endpoint refused `reversal.record` (422 on command.type)."""
    w, gift = web.world, web.events["gift1"]
    officer = web.login("kt.g1")
    page = officer.get("/web/finance").text
    form = re.search(rf'<form[^>]*id="reverse-{gift}"[^>]*>', page)
    assert form is not None
    assert 'data-sign="reversal.record"' in form.group(0) and 'data-unit="G1"' in form.group(0)
    assert f'data-fixed=\'{{"target": "{gift}"}}\'' in form.group(0)
    assert "Lý do đảo" in _rows(page)[gift] and "Đảo bút toán" in _rows(page)[gift]
    # the dues batch is money too; another officer's payout is not in this list
    assert f'id="reverse-{web.events["dues"]}"' in page
    assert web.events["gift3"] not in page

    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    item = _reversal(web, w.kt, gift)
    r = officer.post("/web/finance/submit", json=item, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["command_type"] == "reversal.record"
    reversal = r.json()["event_id"]

    after = officer.get("/web/finance").text
    rows = _rows(after)
    assert _cells(rows[gift])[4] == "Đã đảo"  # it said "Đã chi" (paid) after the reversal
    assert f'id="reverse-{gift}"' not in after  # reversed once only
    back = _cells(rows[reversal])
    assert back[1] == "Đảo bút toán" and back[3] == "-300.000 đ" and back[4] == "Đã ghi"
    assert f"đảo {gift[:8]}" in back[5]
    assert f'id="reverse-{reversal}"' not in after  # a reversal is not reversed from here
    history = web.login("DV001").get("/web/me").text
    assert reversal in history

    # a second reversal of the same entry: the ledger's refusal, in Vietnamese, nothing stored
    before = _entries(web)
    again = officer.post(
        "/web/finance/submit", json=_reversal(web, w.kt, gift, reason="lần nữa"), headers=headers
    )
    assert again.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in again.json()["problems"]] == [
        ("body.target", "bút toán đã được đảo")
    ]
    assert _entries(web) == before


def test_a_reversal_from_the_web_keeps_the_apis_role_and_unit_checks(web: Web) -> None:
    w, gift = web.world, web.events["gift1"]
    before = _entries(web)
    # a chair may not record one (the API's /reversals is the finance officer's too)
    chair = web.login("ct.g1")
    token = csrf_of(chair.get("/web/chair").text)
    refused = chair.post(
        "/web/finance/submit",
        json=_reversal(web, w.chair, gift),
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert refused.status_code == 403
    # another union's finance officer: not over G1, and not by naming their own unit
    other = web.login("kt.g2")
    headers = {
        "X-CSRF-Token": csrf_of(other.get("/web/finance").text),
        "Accept": "application/json",
    }
    at_g1 = other.post("/web/finance/submit", json=_reversal(web, w.kt2, gift), headers=headers)
    assert at_g1.status_code == 403
    at_g2 = other.post(
        "/web/finance/submit", json=_reversal(web, w.kt2, gift, unit="G2"), headers=headers
    )
    assert at_g2.status_code == 422
    assert at_g2.json()["problems"][0]["field"] == "unit"
    assert at_g2.json()["problems"][0]["code"] == "wrong_unit"
    assert _entries(web) == before


def test_pending_refused_and_non_money_entries_offer_no_reversal(web: Web) -> None:
    w = web.world
    today = clock.today_vn()
    pending = w.submit(
        "payout.record",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={
            "member": "DV002",
            "kind": "gift",
            "amount": 100_000,
            "occasion": "Sinh nhật",
            "await_approval": True,
        },
    )
    salary = w.submit(
        "member.salary",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002", "salary_basis": 7_000_000},
    )
    page = web.login("kt.g1").get("/web/finance").text
    assert _cells(_rows(page)[pending.event_id])[4] == "Chờ Chủ tịch duyệt"
    assert f'id="reverse-{pending.event_id}"' not in page
    assert f'id="reverse-{salary.event_id}"' not in page
    assert f'id="reverse-{web.events["gift1"]}"' in page


# --- the union's entries: another officer's entry is reversed in the web --------------------------


def _colleague(web: Web) -> Any:
    """kt.g1b: a second finance officer of G1 (who will leave)."""
    w, colleague = web.world, officer_key("kt.g1b")
    with at("2024-06-02", 9):
        w.submit(
            "officer.register",
            by=w.admin,
            body={
                "officer": "kt.g1b",
                "name": "Đỗ Văn Tâm",
                "public_key": encode_b64(colleague.signer.public_key),
            },
        )
        w.submit(
            "officer.grant",
            by=w.admin,
            body={"officer": "kt.g1b", "role": "finance_officer", "scope": "G1"},
        )
    return colleague


def _leaves(web: Web, officer: str) -> None:
    web.world.submit(
        "officer.revoke_role",
        by=web.world.admin,
        body={"officer": officer, "role": "finance_officer", "scope": "G1"},
    )


def test_an_entry_a_colleague_who_left_recorded_is_reversed_from_the_unions_entries(
    web: Web,
) -> None:
    """Reversal was offered only on the officer's own entries: a payout recorded by another
    finance officer of the union (one who has since left) could not be corrected in the web."""
    w = web.world
    colleague = _colleague(web)
    theirs = w.payout("DV002", "gift", 250_000, on="2024-09-05", by=colleague, occasion="Trung thu")
    _leaves(web, "kt.g1b")
    officer = web.login("kt.g1")
    assert theirs.event_id not in officer.get("/web/finance").text  # only one's own there
    r = officer.get("/web/finance/entries")
    assert r.status_code == 200
    page = r.text
    assert 'href="/web/finance/entries"' in page  # in the finance officer's navigation
    rows = _rows(page)
    assert _cells(rows[theirs.event_id])[:7] == [
        "05/09/2024",
        "Chi phúc lợi",
        "G1",
        "250.000 đ",
        "Đã chi",
        "kt.g1b",
        theirs.event_id[:8],
    ]
    assert _cells(rows[web.events["gift1"]])[5] == "kt.g1"  # everyone's, one's own too
    form = re.search(rf'<form[^>]*id="reverse-{theirs.event_id}"[^>]*>', page)
    assert form is not None
    assert 'data-sign="reversal.record"' in form.group(0) and 'data-unit="G1"' in form.group(0)
    assert f'data-fixed=\'{{"target": "{theirs.event_id}"}}\'' in form.group(0)
    assert web.events["gift3"] not in page  # G2's: not a unit of kt.g1

    headers = {"X-CSRF-Token": csrf_of(page), "Accept": "application/json"}
    done = officer.post(
        "/web/finance/submit", json=_reversal(web, w.kt, theirs.event_id), headers=headers
    )
    assert done.status_code == 201, done.text
    after = officer.get("/web/finance/entries").text
    rows = _rows(after)
    assert _cells(rows[theirs.event_id])[4] == "Đã đảo"
    assert f'id="reverse-{theirs.event_id}"' not in after
    back = _cells(rows[done.json()["event_id"]])
    assert (back[1], back[3], back[4], back[5]) == ("Đảo bút toán", "-250.000 đ", "Đã ghi", "kt.g1")
    assert f'id="reverse-{done.json()["event_id"]}"' not in after


def test_the_unions_entries_offer_no_reversal_the_ledger_would_refuse(web: Web) -> None:
    """Pending and refused payouts, a reversed entry and a reversal are listed without it."""
    w = web.world
    colleague = _colleague(web)
    today = clock.today_vn()

    def large(amount: int) -> Any:
        return w.submit(
            "payout.record",
            by=colleague,
            unit="G1",
            effective_date=today,
            body={
                "member": "DV001",
                "kind": "gift",
                "amount": amount,
                "occasion": "Sinh nhật",
                "await_approval": True,
            },
        )

    pending, refused = large(100_000), large(120_000)
    w.submit(
        "approval.decide",
        by=w.chair,
        unit="G1",
        effective_date=today,
        body={"target": refused.event_id, "target_digest": refused.digest, "decision": "refuse"},
    )
    reversal = w.submit(
        "reversal.record",
        by=colleague,
        unit="G1",
        effective_date=today,
        body={"target": web.events["gift2"], "reason": "ghi nhầm"},
    )
    page = web.login("kt.g1").get("/web/finance/entries").text
    rows = _rows(page)
    assert _cells(rows[pending.event_id])[4] == "Chờ Chủ tịch duyệt"
    assert _cells(rows[refused.event_id])[4] == "Bị từ chối"
    assert _cells(rows[web.events["gift2"]])[4] == "Đã đảo"
    for entry in (pending.event_id, refused.event_id, web.events["gift2"], reversal.event_id):
        assert f'id="reverse-{entry}"' not in page
    assert f'id="reverse-{web.events["gift1"]}"' in page


def test_the_unions_entries_are_searched_and_paginated(web: Web) -> None:
    w = web.world
    officer = web.login("kt.g1")

    def found(**query: str) -> list[str]:
        r = officer.get("/web/finance/entries", params=query)
        assert r.status_code == 200, r.text
        return list(_rows(r.text))

    gift1, gift2, dues = web.events["gift1"], web.events["gift2"], web.events["dues"]
    assert found() == [dues, gift2, gift1]
    assert found(member="DV002") == [dues, gift2]  # a line of the dues batch is DV002's
    assert found(member="DV002", period="09/2024") == [gift2]
    assert found(amount="300.000") == [gift1]
    assert found(amount="130000 đ") == [dues]
    assert found(period="05/08/2024") == [dues]
    assert found(period="5/8/2024") == [dues]  # d/m/yyyy, as the command line reads it
    assert found(period="2024-Q3") == [dues, gift2, gift1]
    assert found(period="2025") == []
    assert found(member="DV201") == []  # G2's member: not in kt.g1's units

    # more than a page: 50 a page, newest first, the search kept in the links
    with at("2024-10-01"):
        for n in range(50):
            w.submit(
                "collection.other",
                by=w.kt,
                unit="G1",
                effective_date="2024-10-01",
                body={"source": "donation", "amount": 10_000 + n, "description": f"Ủng hộ {n}"},
            )
    first = officer.get("/web/finance/entries", params={"period": "2024"}).text
    assert len(_rows(first)) == 50 and dues not in first
    assert 'href="/web/finance/entries?period=2024&amp;page=2"' in first
    second = officer.get("/web/finance/entries", params={"period": "2024", "page": "2"}).text
    assert list(_rows(second)) == [dues, gift2, gift1]
    assert 'href="/web/finance/entries?period=2024&amp;page=1"' in second
    assert "page=3" not in second


def test_a_bad_search_of_the_unions_entries_names_the_field(web: Web) -> None:
    officer = web.login("kt.g1")
    for query, field, said in (
        ({"amount": "1.5"}, "q-amount", "Số tiền: phải là số đồng nguyên, ví dụ 1.500.000"),
        (
            {"period": "2025-13"},
            "q-period",
            "Ngày hoặc kỳ: phải là một ngày (dd/mm/yyyy) hoặc một kỳ (2025, 03/2025, 2025-Q1)",
        ),
    ):
        r = officer.get("/web/finance/entries", params=query)
        assert r.status_code == 422
        assert _text(r.text).count(said) == 1
        value = next(iter(query.values()))
        assert f'id="{field}" name="{next(iter(query))}"' in r.text
        assert re.search(
            rf'id="{field}"[^>]*value="{re.escape(value)}" aria-invalid="true"', r.text
        )
        assert "<tr data-event" not in r.text


def test_a_bad_page_or_several_bad_fields_are_each_said_on_the_search_form(web: Web) -> None:
    """A page that is not one (`page=abc`, `-1`, a number past any int) answered the generic
    422 error page, and of several bad fields only the first was said."""
    officer = web.login("kt.g1")
    for page in ("abc", "-1", "0", "999999999999999999999", "100001", "²"):
        r = officer.get("/web/finance/entries", params={"period": "2024", "page": page})
        assert r.status_code == 422, page
        said = _text(r.text)
        assert "Mã lỗi" not in said and 'id="entries-search"' in r.text
        assert said.count("Trang: phải là một số nguyên từ 1 đến 100.000") == 1, page
        assert 'id="q-period" name="period" maxlength="16" value="2024">' in r.text
        assert "<tr data-event" not in r.text
    r = officer.get(
        "/web/finance/entries",
        params={"member": "DV" * 17, "amount": "1,5", "period": "13/2025", "page": "x"},
    )
    assert r.status_code == 422
    items = re.findall(r'<li data-field="(\w+)">([^<]*)</li>', r.text)
    assert items == [
        ("member", "Mã đoàn viên: tối đa 32 ký tự"),
        ("amount", "Số tiền: phải là số đồng nguyên, ví dụ 1.500.000"),
        (
            "period",
            "Ngày hoặc kỳ: phải là một ngày (dd/mm/yyyy) hoặc một kỳ (2025, 03/2025, 2025-Q1)",
        ),
        ("page", "Trang: phải là một số nguyên từ 1 đến 100.000"),
    ]
    for field in ("q-member", "q-amount", "q-period"):
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), field
    english = web.login("kt.g1")
    english.cookies.set("phucloi_lang", "en")
    r = english.get("/web/finance/entries", params={"amount": "abc", "page": "-1"})
    assert r.status_code == 422
    assert re.findall(r'<li data-field="(\w+)">([^<]*)</li>', r.text) == [
        ("amount", "Amount: must be whole đồng, e.g. 1.500.000"),
        ("page", "Page: must be a whole number from 1 to 100,000"),
    ]
    ok = officer.get("/web/finance/entries", params={"page": "1"})
    assert ok.status_code == 200 and "entries-refusal" not in ok.text


def test_a_reversal_form_names_its_entry_and_says_a_missing_reason_in_the_pages_language(
    web: Web,
) -> None:
    """A refusal about the entry (body.target: "bút toán đã được đảo") was listed with no
    label, the entry id being no input; an empty reason was stopped by the browser's own
    bubble in the browser's language. The form now names its entry (data-entry: web.js says
    such a refusal of it) and carries the reason's message (data-missing: setCustomValidity)."""
    gift = web.events["gift1"]
    for path in ("/web/finance", "/web/finance/entries"):
        page = web.login("kt.g1").get(path).text
        form = re.search(rf'<form[^>]*id="reverse-{gift}"[^>]*>', page)
        assert form is not None
        assert f'data-entry="Bút toán {gift[:8]} (Chi phúc lợi, 300.000 đ, 02/09/2024)"' in (
            form.group(0)
        )
        reason = re.search(rf'<input id="rv-reason-{gift}"[^>]*>', page)
        assert reason is not None and "required" in reason.group(0)
        assert 'data-missing="Hãy nhập lý do đảo bút toán."' in reason.group(0)
    english = web.login("kt.g1")
    english.cookies.set("phucloi_lang", "en")
    page = english.get("/web/finance/entries").text
    assert f'data-entry="Entry {gift[:8]} (Welfare payout, 300.000 đ, 02/09/2024)"' in page
    assert 'data-missing="Enter the reason for the reversal."' in page


# --- the 2% union fee and remittances upward ------------------------------------------------------


def test_the_fee_page_offers_the_union_fee_and_remittance_forms(web: Web) -> None:
    """The endpoint took collection.union_fee and remittance.record, but no page had a form."""
    officer = web.login("kt.g1")
    r = officer.get("/web/finance/fees")
    assert r.status_code == 200
    page = r.text
    assert 'data-sign="collection.union_fee"' in page and 'data-sign="remittance.record"' in page
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', page)
    for label in (
        "Tháng lương (mm/yyyy)",
        "Doanh nghiệp đóng kinh phí",
        "Quỹ lương đóng BHXH (đồng)",
        "Số tiền kinh phí (đồng)",
        "Nộp cho tháng (mm/yyyy)",
        "Khoản nộp",
        "Công đoàn cấp trên nhận",
    ):
        assert label in labels
    assert 'id="fee-due"' in page  # the due amount, asked of /web/finance/fee-due
    uppers = re.search(r'<select id="remit-to"[^>]*>(.*?)</select>', page, re.S)
    assert uppers is not None
    assert re.findall(r'<option value="([^"]+)">', uppers.group(1)) == ["D", "P"]
    assert 'href="/web/finance/fees"' in page  # in the finance officer's navigation


def test_the_union_fee_and_a_remittance_signed_on_the_page_are_recorded_or_refused(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    headers = {
        "X-CSRF-Token": csrf_of(officer.get("/web/finance/fees").text),
        "Accept": "application/json",
    }
    today = clock.today_vn()
    month = f"{today:%Y-%m}"

    def post(type_: str, body: dict[str, Any]) -> Any:
        item = w.item(type_, by=w.kt, unit="G1", effective_date=today, body=body)
        return officer.post("/web/finance/submit", json=item, headers=headers)

    fee = {"month": month, "payroll": 50_000_000, "employer": "Công ty May Sông Bé"}
    before = _entries(web)
    over = post("collection.union_fee", {**fee, "amount": 1_000_001})
    assert over.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in over.json()["problems"]] == [
        (
            "body.amount",
            "1.000.001 đ nhiều hơn kinh phí phải nộp trên quỹ lương (1.000.000 đ); "
            "phần thừa ghi là thu khác",
        )
    ]
    upward = {"month": month, "kind": "union_fee", "amount": 300_000}
    sideways = post("remittance.record", {**upward, "to_unit": "G2"})
    assert sideways.status_code == 422
    assert [(p["field"], p["message_vi"]) for p in sideways.json()["problems"]] == [
        ("body.to_unit", "G2 không phải công đoàn cấp trên của G1")
    ]
    assert _entries(web) == before

    ok = post("collection.union_fee", {**fee, "amount": 1_000_000})
    assert ok.status_code == 201, ok.text
    sent = post("remittance.record", {**upward, "to_unit": "D"})
    assert sent.status_code == 201, sent.text
    rows = _rows(officer.get("/web/finance").text)
    assert _cells(rows[ok.json()["event_id"]])[1:5] == [
        "Thu kinh phí 2%",
        "G1",
        "1.000.000 đ",
        "Đã thu",
    ]
    assert _cells(rows[sent.json()["event_id"]])[1:5] == [
        "Nộp cấp trên",
        "G1",
        "300.000 đ",
        "Đã nộp cấp trên",  # it said "Đã chi" (paid out)
    ]


def test_the_fee_due_shown_is_by_the_policy_of_the_payroll_months_first_day(web: Web) -> None:
    """The form's hint used the policy in force today, the ledger the one in force on the
    payroll month's first day: with a rate changed this month, a fee for last month's
    payroll was shown as over the limit the ledger applies (or under it)."""
    w = web.world
    today = clock.today_vn()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    w.adopt(
        "G1",
        f"{today}",
        version="G1-1pct",
        effective_from=f"{this_month}",
        union_fee_rate_bp=100,
    )
    officer = web.login("kt.g1")

    def due(month: str) -> Any:
        r = officer.get(
            "/web/finance/fee-due", params={"unit": "G1", "month": month, "payroll": 45_000_000}
        )
        assert r.status_code == 200, r.text
        return r.json()

    assert due(f"{last_month:%Y-%m}") == {
        "unit": "G1",
        "month": f"{last_month:%Y-%m}",
        "on": f"{last_month:%d/%m/%Y}",
        "policy": "2025-07",
        "rate_bp": 200,
        "due": 900_000,
    }
    now = due(f"{this_month:%Y-%m}")
    assert (now["policy"], now["rate_bp"], now["due"]) == ("G1-1pct", 100, 450_000)
    # the ledger agrees: last month's payroll takes the 2% shown, this month's no more than 1%
    headers = {
        "X-CSRF-Token": csrf_of(officer.get("/web/finance/fees").text),
        "Accept": "application/json",
    }

    def record(month: Any, amount: int) -> Any:
        body = {
            "month": f"{month:%Y-%m}",
            "payroll": 45_000_000,
            "employer": "Công ty May Sông Bé",
            "amount": amount,
        }
        item = w.item("collection.union_fee", by=w.kt, unit="G1", effective_date=today, body=body)
        return officer.post("/web/finance/submit", json=item, headers=headers)

    assert record(this_month, 450_001).status_code == 422
    assert record(last_month, 900_000).status_code == 201


def test_the_fee_due_is_asked_only_for_the_officers_units_and_a_real_month(web: Web) -> None:
    officer = web.login("kt.g1")
    asks = {"Accept": "application/json"}  # as the page's script asks
    other = officer.get(
        "/web/finance/fee-due", params={"unit": "G2", "month": "2024-09"}, headers=asks
    )
    assert other.status_code == 403
    assert [p["field"] for p in other.json()["problems"]] == ["unit"]
    for month in ("2024-13", "09/2024", "2024-9", ""):
        bad = officer.get(
            "/web/finance/fee-due", params={"unit": "G1", "month": month}, headers=asks
        )
        assert bad.status_code == 422, month
        assert [p["field"] for p in bad.json()["problems"]] == ["month"]
        assert bad.json()["message_vi"] == "Tháng lương phải có dạng mm/yyyy, ví dụ 03/2025"


def test_a_report_period_not_begun_is_refused_on_its_form(web: Web) -> None:
    """A year or month not begun downloaded a form of zeros: nothing can be recorded in it
    yet. It is refused (422) on the form that was sent, naming the period."""
    make_checkpoint(web.world.ctx.engine)
    with at("2025-03-15"):
        officer = web.login("kt.g1")
        r = _download(officer, unit="G1", kind="annual", period="2026", format="json")
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        form = re.search(r'<form[^>]*id="form-annual".*?</form>', r.text, re.S)
        assert form is not None
        assert "Năm 2026 chưa bắt đầu (bắt đầu 01/01/2026, hôm nay 15/03/2025)" in _text(
            form.group(0)
        )
        assert 'id="a-period" name="period" value="2026" aria-invalid="true"' in form.group(0)
        english = web.login("kt.g1")
        english.cookies.set("phucloi_lang", "en")
        en = _download(english, unit="G1", kind="monthly", period="2025-04", format="csv")
        assert en.status_code == 422
        assert "Month 04/2025 has not begun (it begins on 01/04/2025, today 15/03/2025)" in _text(
            en.text
        )
        current = _download(officer, unit="G1", kind="monthly", period="2025-03", format="json")
        assert current.status_code == 200
