"""The web pages with FastAPI's TestClient on the real ledger: sessions, CSRF, what each person
sees, signed commands posted from a page, the dues preview, formatting."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from api.throttle import LoginGuard, LoginSettings
from api.web import text
from audit.log import make_checkpoint
from ledger import clock
from ledger.signing import encode_b64
from ledger.tables import ledger_entries
from tests.support import at, officer_key
from tests.web.conftest import CSRF, PIN, Web, csrf_of

# --- formatting ----------------------------------------------------------------------------------


def test_amounts_dates_and_shares_are_written_the_vietnamese_way() -> None:
    assert text.money(1_250_000) == "1.250.000 đ"
    assert text.money(0) == "0 đ"
    assert text.money(None) == "—"
    assert text.day("2025-03-01") == "01/03/2025"
    assert text.day("2025-03-01T10:00:00+07:00") == "01/03/2025"
    assert text.month("2024-07") == "07/2024"
    # an instant is shown in Vietnam's time (UTC+7), whatever offset it was stored with
    assert text.moment("2026-11-22T11:24:26+00:00") == "22/11/2026 18:24"
    assert text.moment("2026-11-22T18:24:26+07:00") == "22/11/2026 18:24"
    assert text.day("2026-11-22T20:00:00+00:00") == "23/11/2026"
    assert text.moment("2026-11-22") == "22/11/2026" and text.moment(None) == ""
    assert text.percent(6000) == "60%"
    assert text.percent(6050) == "60,5%"
    assert text.percent(6050, "en") == "60.5%"
    assert text.percent(None) == "—"
    assert text.fold("  Nguyễn Đức Thắng ") == "nguyen duc thang"
    assert text.parse_day("05/10/2024") == date(2024, 10, 5)
    assert text.parse_day("2024-10-05") == date(2024, 10, 5)
    # d/m/yyyy as the command line's parse_day reads it; ASCII digits only
    assert text.parse_day("5/10/2024") == text.parse_day(" 05/10/2024 ") == date(2024, 10, 5)
    bad = ("31/02/2024", "10/05", "", "5/10/24", "005/10/2024", "٥/١٠/٢٠٢٤")
    assert [text.parse_day(v) for v in bad] == [None] * len(bad)
    assert text.label("welfare", "tet_support", "vi") == "Hỗ trợ Tết"
    assert text.label("welfare", "tet_support", "en") == "Tết support"


# --- sessions and CSRF ---------------------------------------------------------------------------


def _login_response(client: TestClient, who: str, secret: str, *, member: bool) -> Any:
    page = "/web/member/login" if member else "/web/login"
    token = CSRF.search(client.get(page).text).group(1)  # type: ignore[union-attr]
    return client.post(page, data={"username": who, "secret": secret, "csrf": token})


def test_the_session_cookie_is_httponly_strict_and_secure_over_tls(web: Web) -> None:
    plain = _login_response(web.client(), "kt.g1", "mật-khẩu-đủ-dài", member=False)
    cookie = next(c for c in plain.headers.get_list("set-cookie") if "phucloi_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/web" in cookie
    assert "Secure" not in cookie
    tls = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    secure = _login_response(tls, "DV001", PIN["DV001"], member=True)
    cookie = next(c for c in secure.headers.get_list("set-cookie") if "phucloi_session=" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert secure.headers["location"] == "/web/me"


def test_a_wrong_pin_says_nothing_about_which_part_was_wrong_and_is_rate_limited(
    web: Web,
) -> None:
    client = web.client()
    for _ in range(5):
        r = _login_response(client, "DV001", "000000", member=True)
        assert r.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu/PIN" in r.text
        assert "phucloi_session" not in r.headers.get("set-cookie", "")
    r = _login_response(client, "DV001", PIN["DV001"], member=True)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in r.text


def test_the_login_pages_and_the_api_share_the_limit_per_client_address(web: Web) -> None:
    services = web.app.state.services
    services.logins = LoginGuard(LoginSettings(client_failures=2, client_window=900))
    one = TestClient(web.app, follow_redirects=False, client=("203.0.113.7", 1))
    two = TestClient(web.app, follow_redirects=False, client=("198.51.100.9", 1))
    assert _login_response(one, "DV001", "000000", member=True).status_code == 401
    assert _login_response(one, "kt.g1", "sai mật khẩu", member=False).status_code == 401
    r = _login_response(one, "DV002", PIN["DV002"], member=True)  # another account, right PIN
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    assert "Quá nhiều lần đăng nhập sai từ địa chỉ này" in r.text
    api = one.post(
        "/auth/login", json={"kind": "member", "username": "DV002", "secret": PIN["DV002"]}
    )
    assert api.status_code == 429 and api.json()["code"] == "too_many_attempts"
    assert _login_response(two, "DV002", PIN["DV002"], member=True).status_code == 303


def test_forms_without_this_sessions_csrf_token_are_refused(web: Web) -> None:
    member = web.login("DV001")
    other = web.login("DV002")
    entry = web.events["gift1"]
    assert member.post("/web/me/receipts", data={"entry": entry}).status_code == 403
    wrong = csrf_of(other.get("/web/me").text)
    r = member.post("/web/me/receipts", data={"entry": entry, "csrf": wrong})
    assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.text
    officer = web.login("kt.g1")
    r = officer.post("/web/finance/submit", json={}, headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_refused"
    # A login form without the pre-login cookie's token (a cross-site form) is refused too.
    r = web.client().post("/web/login", data={"username": "kt.g1", "secret": "x", "csrf": "0" * 64})
    assert r.status_code == 403
    # Nothing was recorded by any of these.
    m = web.world.ledger.get_member("DV001")
    assert m.statements == []


def test_an_expired_session_goes_back_to_the_login_page(web: Web) -> None:
    member = web.login("DV001")
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        r = member.get("/web/me")
    assert r.status_code == 303
    assert r.headers["location"] == "/web/member/login?next=/web/me&expired=1"
    page = member.get(r.headers["location"])
    assert "Phiên đăng nhập đã hết hạn hoặc đã kết thúc; hãy đăng nhập lại." in page.text


def test_a_recorded_verification_shows_its_errors_in_the_pages_language(web: Web) -> None:
    from sqlalchemy import insert

    from audit.findings import Finding, Report
    from audit.runs import record_run
    from audit.tables import verification_runs

    engine = web.world.ctx.engine
    root = Finding(
        "checkpoint.root",
        "error",
        4,
        None,
        None,
        None,
        "checkpoint of size 5: the stored events no longer hash to the signed root",
        "checkpoint 5 lá: các bút toán đã lưu không còn băm ra gốc đã ký",
    )
    record_run(engine, Report(source="test", findings=[root]), origin="cli")
    inspector = web.login("ubkt")
    verdict = re.search(  # type: ignore[union-attr]
        r'id="last-verification">(.*?)</dd>', inspector.get("/web/inspector").text, re.S
    ).group(1)
    assert "checkpoint 5 lá: các bút toán đã lưu không còn băm ra gốc đã ký" in verdict
    assert "no longer hash" not in verdict
    # the check's code, with its name from the one table (audit.checks) beside it
    assert (
        '<code>checkpoint.root</code> <span class="check-name">(gốc Merkle khác gốc đã ký)'
        "</span>: checkpoint 5 lá"
    ) in verdict
    inspector.get("/web/lang/en", params={"next": "/web/inspector"})
    verdict = re.search(  # type: ignore[union-attr]
        r'id="last-verification">(.*?)</dd>', inspector.get("/web/inspector").text, re.S
    ).group(1)
    assert "checkpoint of size 5: the stored events no longer hash to the signed root" in verdict
    assert "băm ra" not in verdict
    assert "(Merkle root differs from the signed one)</span>" in verdict
    # a run recorded before findings carried Vietnamese: its English text is shown
    old = {k: v for k, v in root.as_dict().items() if k != "message_vi"}
    with engine.begin() as conn:
        conn.execute(
            insert(verification_runs).values(
                finished_at="2026-01-02T03:04:05+00:00",
                origin="cli",
                tree_size=5,
                root_hash=None,
                ok=False,
                events=5,
                errors=1,
                warnings=0,
                summary=json.dumps({"counts": {"error": 1}, "first_errors": [old]}),
            )
        )
    inspector.get("/web/lang/vi", params={"next": "/web/inspector"})
    page = inspector.get("/web/inspector")
    assert page.status_code == 200
    assert "the stored events no longer hash to the signed root" in page.text
    # when it ran: dd/mm/yyyy HH:MM in Vietnam's time, not the stored UTC instant
    assert "5 bút toán, cây 5, 02/01/2026 10:04 (cli)" in page.text
    assert "2026-01-02T03:04:05" not in page.text
    from api.web.inspector_pages import Verification

    web.app.state.__dict__["web_verification"] = Verification(  # as the page keeps it
        running=True, started_at="2026-11-22T11:24:26+00:00"
    )
    page = inspector.get("/web/inspector")
    assert "đang chạy từ 22/11/2026 18:24" in page.text


def test_the_inspectors_page_shows_the_latest_year_with_data_by_default_and_says_so(
    web: Web,
) -> None:
    """It showed the current year, so a ledger of last year's money had no findings there
    while `audit detect` listed them."""
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector", params={"unit": "P"}).text
    assert 'name="period" value="2024"' in page  # the fixture's money is in 2024
    assert "Đang xem kỳ 2024: năm gần nhất có số liệu thu chi (mặc định)." in page
    assert 'data-unit="G1"' in page  # the welfare chart of that year, not an empty one
    asked = inspector.get("/web/inspector", params={"unit": "P", "period": "2025"}).text
    assert 'name="period" value="2025"' in asked and "period-note" not in asked


def test_the_inspectors_chart_of_a_quarter_compares_with_the_yearly_target_for_reference(
    web: Web,
) -> None:
    """The chart of a quarter coloured its unions as meeting or missing the 60% target, a
    target set for a year: it now says the quarter's shares are for reference only."""
    inspector = web.login("ubkt")
    year = inspector.get("/web/inspector", params={"unit": "P", "period": "2024"}).text
    assert "so với mục tiêu năm" in year and 'id="chart-reference"' not in year
    quarter = inspector.get("/web/inspector", params={"unit": "P", "period": "2024-Q3"}).text
    assert 'data-unit="G1"' in quarter
    assert 'id="chart-reference"' in quarter
    assert "Tạm tính: mục tiêu tính cho cả năm" in quarter


def test_the_english_switch_keeps_vietnamese_amounts_and_dates(web: Web) -> None:
    member = web.login("DV001")
    r = member.get("/web/lang/en", params={"next": "/web/me"})
    assert r.status_code == 303 and r.headers["location"] == "/web/me"
    page = member.get("/web/me").text
    assert "<h1>My welfare history</h1>" in page and 'lang="en"' in page
    assert "300.000 đ" in page and "02/09/2024" in page
    assert (
        member.get("/web/lang/en", params={"next": "https://evil.example/"}).headers["location"]
        == "/web/"
    )


def test_the_language_switch_comes_back_to_the_same_page_and_query(web: Web) -> None:
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector", params={"unit": "G1", "period": "2024-Q3"}).text
    link = re.search(r'<a href="([^"]+)" lang="en" id="lang-switch">', page)
    assert link is not None
    assert link.group(1) == "/web/lang/en?next=/web/inspector%3Funit%3DG1%26period%3D2024-Q3"
    r = inspector.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 303
    assert r.headers["location"] == "/web/inspector?unit=G1&period=2024-Q3"
    page = inspector.get(r.headers["location"]).text
    assert 'lang="en"' in page and 'name="period" value="2024-Q3"' in page


# --- what a member sees ----------------------------------------------------------------------------


def _event_ids(html: str) -> set[str]:
    return set(re.findall(r'<tr id="e-[^"]+" data-event="([^"]+)"', html))


def test_a_member_sees_their_own_entries_and_nobody_elses(web: Web) -> None:
    ev = web.events
    member = web.login("DV001")
    page = member.get("/web/me").text
    assert _event_ids(page) == {ev["gift1"], ev["dues"]}
    assert "300.000 đ" in page and "60.000 đ" in page  # the gift, and DV001's own dues line
    for other in ("400.000 đ", "70.000 đ", "500.000 đ", "DV002", "DV201", ev["gift2"], ev["gift3"]):
        assert other not in page
    # No parameter can name another member.
    assert _event_ids(member.get("/web/me", params={"member": "DV002"}).text) == _event_ids(page)
    r = member.get("/web/me/disputes/new", params={"entry": ev["gift2"]})
    assert r.status_code == 404 and "400.000" not in r.text and "DV002" not in r.text
    token = csrf_of(page)
    r = member.post("/web/me/receipts", data={"entry": ev["gift2"], "csrf": token})
    assert r.status_code == 422 and "không có trong lịch sử" in r.text
    assert web.world.ledger.get_member("DV002").statements == []


def test_a_reversal_in_a_members_history_is_not_said_to_be_paid_out(web: Web) -> None:
    """The reversal of a payout showed "-300.000 đ · Đã chi" (paid out) on the member's page."""
    w = web.world
    back = w.submit(
        "reversal.record",
        by=w.kt,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"target": web.events["gift1"], "reason": "ghi nhầm"},
    )
    page = web.login("DV001").get("/web/me").text
    rows = dict(re.findall(r'<tr id="e-[^"]+" data-event="([^"]+)"[^>]*>(.*?)</tr>', page, re.S))
    status = {
        event: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[3])).strip()
        for event, row in rows.items()
        for cells in [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    }
    assert status[web.events["gift1"]] == "Đã chi · đã đảo"
    assert status[back.event_id].startswith("Đã ghi")
    assert "-300.000 đ" in rows[back.event_id]


def test_a_member_confirms_receipt_and_disputes_and_the_inspector_reads_it(web: Web) -> None:
    ev = web.events
    member = web.login("DV001")
    token = csrf_of(member.get("/web/me").text)
    r = member.post("/web/me/receipts", data={"entry": ev["gift1"], "csrf": token})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/web/me?done=confirmed&receipt=")
    assert r.headers["location"].endswith(f"#e-{ev['gift1']}")
    form = member.get("/web/me/disputes/new", params={"entry": ev["dues"]})
    assert form.status_code == 200 and "60.000 đ" in form.text
    r = member.post(
        "/web/me/disputes",
        data={
            "entry": ev["dues"],
            "reason": "amount_differs",
            "text": "Tôi chỉ bị trừ 50.000 đ",
            "csrf": token,
        },
    )
    assert r.status_code == 303
    page = member.get("/web/me?done=disputed").text
    assert "Bạn đã xác nhận nhận" in page and "Bạn đã phản ánh" in page
    statements = web.world.ledger.get_member("DV001").statements
    assert [(s["kind"], s["entry"], s["reason"]) for s in statements] == [
        ("confirm", ev["gift1"], None),
        ("dispute", ev["dues"], "amount_differs"),
    ]
    inspector = web.login("ubkt").get("/web/inspector", params={"unit": "P", "period": "2024"})
    assert inspector.status_code == 200
    assert "Tôi chỉ bị trừ 50.000 đ" in inspector.text
    assert "Số tiền nhận được khác" in inspector.text


REQUEST_ID = re.compile(r'name="request_id" value="([0-9a-f-]{36})"')


def test_a_dispute_form_sent_twice_records_one_dispute_and_answers_with_its_receipt(
    web: Web,
) -> None:
    """The form sent no request_id, so a double submit got "dispute already open" instead of
    the original receipt. It now carries one, made when the form is rendered."""
    member = web.login("DV001")
    entry = web.events["gift1"]
    form = member.get("/web/me/disputes/new", params={"entry": entry}).text
    request_id = REQUEST_ID.search(form).group(1)  # type: ignore[union-attr]
    again = member.get("/web/me/disputes/new", params={"entry": entry}).text
    assert REQUEST_ID.search(again).group(1) != request_id  # type: ignore[union-attr]
    data = {
        "csrf": csrf_of(form),
        "entry": entry,
        "reason": "not_received",
        "text": "Tôi chưa nhận quà",
        "request_id": request_id,
    }
    first = member.post("/web/me/disputes", data=data)
    second = member.post("/web/me/disputes", data=data)  # a double click, a reload of the post
    expected = f"/web/me?done=disputed&receipt={request_id}#e-{entry}"
    assert (first.status_code, first.headers["location"]) == (303, expected)
    assert (second.status_code, second.headers["location"]) == (303, expected)
    statements = web.world.ledger.get_member("DV001").statements
    assert [(s["kind"], s["event_id"]) for s in statements] == [("dispute", request_id)]
    page = member.get(expected).text
    assert "Đã ghi phản ánh của bạn" in page
    assert f'id="receipt">Biên nhận: bút toán <code>{request_id}</code>' in page
    # the same id for another statement is refused, naming the field; nothing more is stored
    other = data | {"reason": "other"}
    r = member.post("/web/me/disputes", data=other)
    assert r.status_code == 409 and "request_id" in r.text
    r = member.post("/web/me/disputes", data=data | {"request_id": "abc"})
    assert r.status_code == 422 and "Mã biểu mẫu" in r.text
    assert len(web.world.ledger.get_member("DV001").statements) == 1
    # a receipt that is not one of the member's own statements is not shown
    page = member.get("/web/me", params={"done": "disputed", "receipt": web.events["gift2"]})
    assert 'id="receipt"' not in page.text


def test_a_receipt_confirmation_sent_twice_is_recorded_once_with_one_receipt(web: Web) -> None:
    member = web.login("DV001")
    entry = web.events["gift1"]
    page = member.get("/web/me").text
    row = page[page.index(f'id="e-{entry}"') :]
    form = row[row.index('action="/web/me/receipts"') : row.index("</form>")]
    request_id = REQUEST_ID.search(form).group(1)  # type: ignore[union-attr]
    data = {"csrf": csrf_of(page), "entry": entry, "request_id": request_id}
    first = member.post("/web/me/receipts", data=data)
    second = member.post("/web/me/receipts", data=data)  # not 422 already_confirmed
    expected = f"/web/me?done=confirmed&receipt={request_id}#e-{entry}"
    assert (first.status_code, first.headers["location"]) == (303, expected)
    assert (second.status_code, second.headers["location"]) == (303, expected)
    statements = web.world.ledger.get_member("DV001").statements
    assert [(s["kind"], s["event_id"]) for s in statements] == [("confirm", request_id)]
    assert f"<code>{request_id}</code>" in member.get(expected).text


def test_a_member_reads_the_outcome_of_their_dispute_and_the_reply_never_the_note(web: Web) -> None:
    from audit.detect import detect

    member = web.login("DV001")
    token = csrf_of(member.get("/web/me").text)
    data = {"entry": web.events["gift1"], "reason": "not_received", "text": "Chưa nhận"}
    assert member.post("/web/me/disputes", data=data | {"csrf": token}).status_code == 303
    page = member.get("/web/me").text
    assert 'data-status="open"' in page and "Ủy ban kiểm tra đang xem xét." in page
    [finding] = [f for f in detect(web.world.ctx).findings if f.rule == "member_dispute"]
    form = web.login("ubkt").get(f"/web/inspector/findings/{finding.id}", params={"unit": "P"})
    assert 'name="body.reply"' in form.text and "không đọc ghi chú ở trên" in form.text
    web.world.submit(
        "finding.resolve",
        by=web.world.inspector,
        unit="G1",
        body={
            "finding": finding.id,
            "rule": "member_dispute",
            "decision": "dismiss",
            "note": "Phiếu chi có chữ ký nhận hộ của DV002",
            "reply": "Quà đã được giao, có chữ ký người nhận hộ",
        },
    )
    page = member.get("/web/me").text
    today = text.day(clock.today_vn())
    assert 'data-status="dismissed"' in page
    assert f"Ủy ban kiểm tra bác bỏ phản ánh ngày {today}." in page
    assert "Quà đã được giao, có chữ ký người nhận hộ" in page
    assert "Phiếu chi" not in page and "DV002" not in page


def test_an_empty_dispute_is_refused_saying_why_in_vietnamese(web: Web) -> None:
    member = web.login("DV001")
    token = csrf_of(member.get("/web/me").text)
    data = {"entry": web.events["gift1"], "reason": "other", "text": "   ", "csrf": token}
    r = member.post("/web/me/disputes", data=data)
    assert r.status_code == 422
    assert "cần có nội dung: đang để trống hoặc chỉ có khoảng trắng" in r.text
    assert "must say something" not in r.text
    assert web.world.ledger.get_member("DV001").statements == []


def test_a_dispute_as_long_as_the_form_allows_is_recorded_with_its_line_breaks(web: Web) -> None:
    # The textarea's maxlength="2000" counts a line break as one character, but the browser
    # posts it as CRLF (Chromium: 10 typed characters with two line breaks arrive as 12).
    typed = ("Tôi chưa nhận khoản này." + "\n") * 80
    typed = typed[:2000]
    assert len(typed) == 2000 and typed.count("\n") == 80
    member = web.login("DV001")
    token = csrf_of(member.get("/web/me").text)
    data = {
        "entry": web.events["gift1"],
        "reason": "not_received",
        "text": typed.replace("\n", "\r\n"),  # what the browser sends
        "csrf": token,
    }
    r = member.post("/web/me/disputes", data=data)
    assert r.status_code == 303
    [said] = web.world.ledger.get_member("DV001").statements
    assert (said["kind"], said["entry"]) == ("dispute", web.events["gift1"])
    inspector = web.login("ubkt").get("/web/inspector", params={"unit": "P", "period": "2024"})
    assert typed.strip().split("\n")[0] in inspector.text
    # Beyond what the form allows, the refusal says why in Vietnamese and nothing is stored.
    data["text"] = "a" * 2001
    data["entry"] = web.events["dues"]
    r = member.post("/web/me/disputes", data=data)
    assert r.status_code == 422
    assert "quá dài (tối đa 2000 ký tự)" in r.text and "String should have" not in r.text
    assert len(web.world.ledger.get_member("DV001").statements) == 1


def test_a_member_of_a_dissolved_union_disputes_and_the_union_above_judges_it(web: Web) -> None:
    w = web.world
    with at("2024-10-01"):  # G2 merges into G1: its member moves, then it is dissolved
        w.ledger.submit_batch(
            [
                w.item(
                    "member.transfer",
                    by=w.kt2,
                    unit="G2",
                    body={"member": "DV201", "to_unit": "G1"},
                ),
                w.item("unit.dissolve", by=w.admin, unit="G2", body={"reason": "sáp nhập"}),
            ]
        )
    member = web.login("DV201")
    token = csrf_of(member.get("/web/me").text)
    r = member.post(
        "/web/me/disputes",
        data={
            "entry": web.events["gift3"],
            "reason": "not_received",
            "text": "Chưa nhận",
            "csrf": token,
        },
    )
    assert r.status_code == 303, r.text
    [statement] = w.ledger.get_member("DV201").statements
    assert w.ledger.entry(statement["event_id"])["unit_code"] == "D"
    inspector = web.login("ubkt")
    overview = inspector.get("/web/inspector", params={"unit": "D", "period": "2024"}).text
    assert "Chưa nhận" in overview
    from audit.detect import detect

    [finding] = [f for f in detect(w.ctx).findings if f.rule == "member_dispute"]
    assert finding.unit == "G2" and f"/web/inspector/findings/{finding.id}" in overview
    page = inspector.get(
        f"/web/inspector/findings/{finding.id}", params={"unit": "D", "period": "2024"}
    ).text
    # The judgment is signed in the name of D: G2 records nothing any more.
    assert 'data-sign="finding.resolve" data-unit="D"' in page


def test_a_members_loan_lines_are_named_and_their_money_said_as_the_cli_says_it(web: Web) -> None:
    w = web.world
    loan = {"member": "DV001", "loan": "L1"}
    moves = {}
    for day, type_, body, cosigner in (
        (
            "2024-09-02",
            "loan.disburse",
            {"fund": "cep", "amount": 3_000_000, "term_months": 12},
            w.chair,
        ),
        ("2024-10-02", "loan.repay", {"amount": 417_000}, None),
        (
            "2024-11-02",
            "loan.write_off",
            {"amount": 2_583_000, "reason": "mất khả năng trả"},
            w.chair,
        ),
    ):
        with at(day):
            moves[type_] = w.submit(
                type_,
                by=w.kt,
                unit="G1",
                body=loan | body,
                personal={"reason": "sửa nhà"} if type_ == "loan.disburse" else None,
                cosigner=cosigner,
            ).event_id
    page = web.login("DV001").get("/web/me").text

    def cells(event_id: str) -> list[str]:
        row = re.search(rf'<tr id="e-{event_id}".*?</tr>', page, re.S)
        assert row is not None
        found = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
        return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in found[:4]]

    assert cells(moves["loan.disburse"])[1:] == ["Giải ngân vay — L1", "3.000.000 đ", "Đã chi"]
    assert cells(moves["loan.repay"])[1:] == ["Trả nợ vay — L1", "417.000 đ", "Đã đóng"]
    assert cells(moves["loan.write_off"])[1:] == ["Xóa nợ vay — L1", "2.583.000 đ", "Đã ghi"]


# --- finance officer ---------------------------------------------------------------------------


def _today_payout(web: Web, by: Any, amount: int, **body: Any) -> dict[str, Any]:
    return web.world.item(
        "payout.record",
        by=by,
        unit="G1",
        effective_date=clock.today_vn(),
        body={"member": "DV001", "kind": "gift", "amount": amount, "occasion": "Sinh nhật", **body},
    )


def test_a_payout_signed_in_the_browser_is_recorded_and_refusals_are_in_vietnamese(
    web: Web,
) -> None:
    w = web.world
    officer = web.login("kt.g1")
    token = csrf_of(officer.get("/web/finance/payout").text)
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}

    item = _today_payout(web, w.kt, 200_000)
    r = officer.post("/web/finance/submit", json=item, headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "paid"
    again = officer.post("/web/finance/submit", json=item, headers=headers)
    assert again.json()["event_id"] == r.json()["event_id"]
    assert again.headers["idempotent-replayed"] == "true"

    over = officer.post(
        "/web/finance/submit", json=_today_payout(web, w.kt, 800_000), headers=headers
    )
    assert over.status_code == 422
    assert over.json()["message_vi"] == "Quy chế chi tiêu nội bộ không cho phép"
    assert over.json()["problems"][0]["message_vi"] == (
        "800.000 đ vượt mức tối đa mỗi lần 500.000 đ"
    )
    foreign = officer.post(
        "/web/finance/submit", json=_today_payout(web, w.kt2, 100_000), headers=headers
    )
    assert foreign.status_code == 403 and foreign.json()["code"] == "signer_not_caller"
    approval = w.item(
        "approval.decide",
        by=w.kt,
        unit="G1",
        body={"target": r.json()["event_id"], "target_digest": "0" * 64, "decision": "approve"},
    )
    wrong_page = officer.post("/web/finance/submit", json=approval, headers=headers)
    assert wrong_page.status_code == 422
    assert wrong_page.json()["problems"][0]["field"] == "command.type"

    listed = officer.get("/web/finance").text
    assert r.json()["event_id"][:8] in listed and "200.000 đ" in listed
    history = web.login("DV001").get("/web/me").text
    assert r.json()["event_id"] in _event_ids(history)
    assert "800.000" not in history


def test_what_i_recorded_names_every_type_in_vietnamese_and_income_as_collected(
    web: Web,
) -> None:
    """Member changes showed as raw type names, and dues, repayments and reversals as "Đã chi"
    (paid out)."""
    w = web.world
    today = clock.today_vn()
    month = f"{today:%Y-%m}"
    gift = w.ledger.submit(_today_payout(web, w.kt, 100_000))
    dues = w.submit(
        "collection.dues",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={
            "month": month,
            "lines": [{"member": "DV002", "salary_basis": 6_000_000, "amount": 30_000}],
        },
    )
    back = w.submit(
        "reversal.record",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"target": gift.event_id, "reason": "ghi nhầm"},
    )
    salary = w.submit(
        "member.salary",
        by=w.kt,
        unit="G1",
        effective_date=today,
        body={"member": "DV002", "salary_basis": 7_000_000},
    )
    page = web.login("kt.g1").get("/web/finance").text
    rows = dict(re.findall(r'<tr data-event="([^"]+)">(.*?)</tr>', page, re.S))
    cells = {
        event: [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for event, row in rows.items()
    }
    assert cells[gift.event_id][1] == "Chi phúc lợi" and cells[gift.event_id][4] == "Đã đảo"
    assert cells[dues.event_id][1] == "Thu đoàn phí" and cells[dues.event_id][4] == "Đã thu"
    assert cells[back.event_id][1] == "Đảo bút toán" and cells[back.event_id][4] == "Đã ghi"
    assert cells[salary.event_id][1] == "Đổi lương đóng đoàn phí"
    assert cells[salary.event_id][4] == "Đã ghi"
    assert "member." not in page and "collection." not in page


def test_every_command_type_has_a_label(web: Web) -> None:
    from ledger.domain.commands import COMMANDS

    assert sorted(set(COMMANDS) - set(text.COMMAND_TYPES)) == []


def test_member_search_and_allowance_stay_inside_the_officers_units(web: Web) -> None:
    officer = web.login("kt.g1")
    found = officer.get("/web/finance/members", params={"q": "doan vien dv00"}).json()["members"]
    assert [(m["member"], m["name"], m["unit"]) for m in found] == [
        ("DV001", "Đoàn viên DV001", "G1"),
        ("DV002", "Đoàn viên DV002", "G1"),
    ]
    assert officer.get("/web/finance/members", params={"q": "DV201"}).json()["members"] == []
    data = officer.get(
        "/web/finance/allowance", params={"member": "DV001", "kind": "gift", "on": "2024-12-01"}
    ).json()
    assert (data["per_payout_cap"], data["used"], data["used_count"], data["max_count"]) == (
        500_000,
        300_000,
        1,
        5,
    )
    assert data["approval_threshold"] == 5_000_000
    assert {
        "vi": "Đã dùng trong kỳ",
        "en": "Used in this window",
        "value": "300.000 đ (1)",
    } in data["rows"]
    r = officer.get(
        "/web/finance/allowance", params={"member": "DV201", "kind": "gift", "on": "2024-12-01"}
    )
    assert r.status_code == 404


def test_the_payout_allowance_shows_the_instalments_of_one_occasion(web: Web) -> None:
    """Where the form shows the policy's caps and count, it shows `max_per_occasion` when the
    union's rules set it (the ledger refuses a payout beyond it); nothing when they do not."""
    officer = web.login("kt.g1")
    params = {"member": "DV001", "kind": "gift", "on": "2024-12-01"}
    data = officer.get("/web/finance/allowance", params=params).json()
    assert data["max_per_occasion"] is None
    assert not any(r["en"] == "Most instalments per occasion" for r in data["rows"])
    web.world.adopt(
        "G1", "2024-11-20", effective_from="2024-11-01", welfare__gift__max_per_occasion=2
    )
    data = officer.get("/web/finance/allowance", params=params).json()
    assert data["max_per_occasion"] == 2
    assert {
        "vi": "Số đợt tối đa cho một dịp",
        "en": "Most instalments per occasion",
        "value": "2 (cùng nội dung dịp chi)",
    } in data["rows"]


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _entries(web: Web) -> int:
    with web.world.ctx.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ledger_entries)))


def _preview(client: TestClient, token: str, name: str, data: bytes, month: str = "2024-09") -> Any:
    return client.post(
        "/web/finance/dues/preview",
        data={"unit": "G1", "month": month, "effective_date": "2024-10-05", "csrf": token},
        files={"payroll": (name, data, "application/octet-stream")},
    )


def test_the_dues_preview_shows_every_line_and_its_errors_and_stores_nothing(web: Web) -> None:
    officer = web.login("kt.g1")
    token = csrf_of(officer.get("/web/finance/dues").text)
    before = _entries(web)
    bad = _csv(
        "Mã đoàn viên;Lương đóng BHXH;Đoàn phí",
        "DV001;6.000.000;",
        "DV002;7000000.5;",
        "DV999;5.000.000;",
        "DV001;6.000.000;",
        "DV201;5.000.000;",
        "DV002;7.000.000;65.000",
    )
    r = _preview(officer, token, "luong.csv", bad)
    assert r.status_code == 422
    rows = dict(re.findall(r'data-row="(\d+)">(.*?)</tr>', r.text, re.S))
    assert set(rows) == {"2", "3", "4", "5", "6", "7"}
    assert "✓" in rows["2"] and "60.000 đ" in rows["2"]
    assert "phải là số nguyên đồng" in rows["3"]
    assert "không có đoàn viên DV999" in rows["4"]
    assert "DV001 xuất hiện hai lần" in rows["5"]
    assert "không sinh hoạt tại G1 trong tháng" in rows["6"]
    assert "đoàn phí phải là 70.000 đ theo quy chế 2024-07" in rows["7"]
    assert 'id="dues-batch"' not in r.text and 'id="dues-sign"' not in r.text
    assert _entries(web) == before

    book = Workbook()
    sheet = book.active
    sheet.append(["member", "salary_basis"])
    sheet.append(["DV001", 6_000_000])
    sheet.append(["DV002", 7_000_000.0])
    buffer = io.BytesIO()
    book.save(buffer)
    good = _preview(officer, token, "luong.xlsx", buffer.getvalue())
    assert good.status_code == 200
    batch = json.loads(re.search(r'id="dues-batch">(.*?)</script>', good.text).group(1))  # type: ignore[union-attr]
    assert batch == {
        "unit": "G1",
        "month": "2024-09",
        "effective_date": "2024-10-05",
        "lines": [
            {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
            {"member": "DV002", "salary_basis": 7_000_000, "amount": 70_000},
        ],
        "rows": [2, 3],  # the file's rows, not signed: a refusal at signing names them
    }
    assert _entries(web) == before

    # What the browser then signs and posts: one batch, every line stored.
    with at("2024-10-05"):
        item = web.world.item(
            "collection.dues",
            by=web.world.kt,
            unit=batch["unit"],
            effective_date=batch["effective_date"],
            body={"month": batch["month"], "lines": batch["lines"]},
        )
        r = officer.post(
            "/web/finance/submit",
            json=item,
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
    assert r.status_code == 201
    assert _entries(web) == before + 1
    assert "Đoàn phí tháng 09/2024" in web.login("DV002").get("/web/me").text


def test_the_dues_month_is_typed_mm_yyyy_as_on_the_fee_page(web: Web) -> None:
    officer = web.login("kt.g1")
    form = officer.get("/web/finance/dues").text
    assert "Tháng đóng (mm/yyyy)" in form and "YYYY-MM" not in form
    token = csrf_of(form)
    payroll = _csv("Mã đoàn viên;Lương đóng BHXH", "DV001;6.000.000")
    for typed in ("09/2024", "9/2024", "2024-09"):
        r = _preview(officer, token, "luong.csv", payroll, month=typed)
        assert r.status_code == 200, (typed, r.text)
        batch = json.loads(re.search(r'id="dues-batch">(.*?)</script>', r.text).group(1))  # type: ignore[union-attr]
        assert batch["month"] == "2024-09"
    r = _preview(officer, token, "luong.csv", payroll, month="13/2024")
    assert r.status_code == 422
    assert "Tháng đóng phải có dạng mm/yyyy, ví dụ 03/2025" in r.text
    assert 'value="13/2024"' in r.text  # what was typed is kept


def test_a_file_that_is_not_a_payroll_is_refused_as_a_whole(web: Web) -> None:
    officer = web.login("kt.g1")
    token = csrf_of(officer.get("/web/finance/dues").text)
    r = _preview(officer, token, "x.csv", _csv("name,age", "An,30"))
    assert r.status_code == 422 and "Thiếu cột: mã đoàn viên, lương đóng BHXH" in r.text
    r = _preview(
        officer, token, "x.csv", _csv("Mã đoàn viên,Lương đóng BHXH,Lương đóng BHXH", "DV001,1,2")
    )
    assert r.status_code == 422 and (
        "Không rõ cột nào là lương đóng BHXH: cột 2 &#39;Lương đóng BHXH&#39; và cột 3" in r.text
    )
    r = _preview(officer, token, "x.xlsx", b"PK not really a zip")
    assert r.status_code == 422 and "Không đọc được tệp XLSX" in r.text
    legacy = _csv("Mã đoàn viên,Lương đóng BHXH", "DV001,6.000.000").replace(b"\xc3\xa3", b"\xe3")
    r = _preview(officer, token, "x.csv", legacy)  # 'ã' of the header as one 8-bit byte
    assert r.status_code == 422 and "Tệp CSV phải mã hóa UTF-8 (dòng 1)" in r.text
    huge = _csv("Mã đoàn viên,Lương đóng BHXH", "DV001,6.000.000", "DV002," + "1" * 131_073)
    r = _preview(officer, token, "x.csv", huge)  # a cell beyond the csv module's limit
    assert r.status_code == 422 and "Tệp CSV hỏng ở dòng 3" in r.text
    # Excel's "Unicode Text" (UTF-16 with a BOM, tabs) is read like CSV UTF-8: a good preview.
    text = "Mã đoàn viên\tLương đóng BHXH\nDV001\t6.000.000\n".encode("utf-16")
    r = _preview(officer, token, "luong.txt", text)
    assert r.status_code == 200 and "60.000 đ" in r.text
    r = officer.post(
        "/web/finance/dues/preview",
        data={"unit": "G2", "month": "2024-09", "effective_date": "2024-10-05", "csrf": token},
        files={"payroll": ("luong.csv", _csv("member,salary_basis", "DV201,5000000"), "text/csv")},
    )
    assert r.status_code == 403


# --- chair and inspector ---------------------------------------------------------------------------


def test_a_chair_sees_the_pending_payout_with_its_policy_and_approves_it(web: Web) -> None:
    w = web.world
    pending = w.payout(
        "DV002",
        "housing_repair",
        8_000_000,
        on="2024-10-10",
        occasion="Sửa nhà",
        await_approval=True,
        personal={"reason": "Nhà dột"},
    )
    assert pending.status == "pending"
    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    assert f'id="p-{pending.event_id}"' in page
    assert "8.000.000 đ" in page and "20.000.000 đ" in page and "5.000.000 đ" in page
    assert "400.000 đ" in page  # the member's earlier gift, beside the decision
    token = csrf_of(page)
    with at("2024-10-11"):
        item = w.item(
            "approval.decide",
            by=w.chair,
            unit="G1",
            effective_date="2024-10-11",
            body={
                "target": pending.event_id,
                "target_digest": pending.digest,
                "decision": "approve",
            },
        )
        r = chair.post(
            "/web/chair/submit",
            json=item,
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
    assert r.status_code == 201
    assert w.ledger.get_member("DV002").payouts[pending.event_id].status == "paid"
    assert "Không có gì chờ Chủ tịch ký duyệt" in chair.get("/web/chair").text
    # the empty page does not speak of payouts only: loans, write-offs, fee decisions wait here
    chair.cookies.set("phucloi_lang", "en")
    english = chair.get("/web/chair").text.replace("&#39;", "'")
    assert "Nothing is waiting for the chair's signature: no payout, loan" in english


def test_a_chair_is_told_a_pending_payout_goes_over_the_rules_and_why(web: Web) -> None:
    """The card showed the caps but not that the payout was over one, nor the officer's
    signed justification: approving it, the chair let the override through unknowingly."""
    pending = web.world.payout(
        "DV002",
        "sickness_visit",
        1_800_000,
        on="2024-10-10",
        occasion="Nằm viện",
        await_approval=True,
        personal={"reason": "Mổ"},
        override={"justification": "Phẫu thuật, BCH đồng ý"},
    )
    assert pending.status == "pending"
    chair = web.login("ct.g1")
    page = chair.get("/web/chair").text
    card = page[page.index(f'id="p-{pending.event_id}"') :]
    card = card[: card.index("</section>")]
    assert "Vượt quy chế: vượt mức mỗi lần 1.000.000 đ" in card
    assert "Lý do vượt quy chế" in card and "Phẫu thuật, BCH đồng ý" in card
    chair.cookies.set("phucloi_lang", "en")
    english = chair.get("/web/chair").text
    assert "Over the policy: over the per-payout cap of 1.000.000 đ" in english

    plain = web.world.payout(
        "DV001", "housing_repair", 8_000_000, on="2024-10-10", occasion="Sửa nhà",
        await_approval=True, personal={"reason": "Nhà dột"},
    )  # fmt: skip
    chair.cookies.set("phucloi_lang", "vi")
    page = chair.get("/web/chair").text
    card = page[page.index(f'id="p-{plain.event_id}"') :]
    assert "Vượt quy chế" not in card[: card.index("</section>")]


def test_a_chair_sees_whom_a_pending_payout_goes_to_a_relative_by_name_and_relation(
    web: Web,
) -> None:
    """A payout to a member's relative read on the chair's card as the member's own: the
    card never said who receives it."""
    with at("2024-07-02"):
        web.world.submit(
            "member.relative",
            by=web.world.kt,
            unit="G1",
            effective_date="2024-07-02",
            body={"member": "DV002", "relative": "R1", "relation": "child"},
            personal={"full_name": "Trần Bé Na", "date_of_birth": "2015-05-05"},
        )
    to_child = web.world.payout(
        "DV002", "bereavement", 3_500_000, on="2024-10-10", occasion="Tang con",
        await_approval=True, relative="R1", override={"justification": "BCH đồng ý"},
    )  # fmt: skip
    own = web.world.payout(
        "DV001", "housing_repair", 8_000_000, on="2024-10-10", occasion="Sửa nhà",
        await_approval=True, personal={"reason": "Nhà dột"},
    )  # fmt: skip
    chair = web.login("ct.g1")

    def paid_to(page: str, event_id: str) -> str:
        card = page[page.index(f'id="p-{event_id}"') :]
        found = re.search(r'<dd class="beneficiary">(.*?)</dd>', card[: card.index("</section>")])
        assert found is not None
        return found.group(1)

    page = chair.get("/web/chair").text
    assert paid_to(page, to_child.event_id) == "thân nhân R1 — Trần Bé Na (Con)"
    assert paid_to(page, own.event_id) == "đoàn viên (bản thân)"
    chair.cookies.set("phucloi_lang", "en")
    english = chair.get("/web/chair").text
    assert paid_to(english, to_child.event_id) == "relative R1 — Trần Bé Na (Child)"


def test_an_inspector_drills_into_a_finding_and_judges_it(web: Web) -> None:
    w = web.world
    w.join("DV003", cid="079199000777")
    w.join("DV202", unit="G2", cid="079199000777")
    w.payout("DV003", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết")
    second = w.payout(
        "DV202", "tet_support", 1_000_000, on="2025-01-21", unit="G2", by=w.kt2, occasion="Tết"
    )
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector", params={"unit": "P", "period": "2025"}).text
    found = re.search(r'data-finding="(F-[0-9a-f]{16})" data-rule="duplicate_citizen_id"', page)
    assert found is not None
    finding = found.group(1)
    detail = inspector.get(
        f"/web/inspector/findings/{finding}", params={"unit": "P", "period": "2025"}
    )
    assert detail.status_code == 200 and second.event_id[:8] in detail.text
    # the rule by its name, not its code alone, and where the finding stands
    assert (
        '<dd id="rule">3. Một CCCD đăng ký ở hai công đoàn (<code>duplicate_citizen_id</code>)'
        in detail.text
    )
    assert '<dd id="status" data-status="open">Chưa xử lý</dd>' in detail.text
    # the severity in the words of the report and `audit detect` ("cao"), not "Nghiêm trọng"
    assert "<dd>Cao</dd>" in detail.text and "Nghiêm trọng" not in detail.text
    event = inspector.get(f"/web/inspector/events/{second.event_id}")
    assert event.status_code == 200 and "tet_support" in event.text
    token = csrf_of(detail.text)
    with at("2025-02-01"):
        item = w.item(
            "finding.resolve",
            by=w.inspector,
            unit="G2",
            effective_date="2025-02-01",
            body={
                "finding": finding,
                "rule": "duplicate_citizen_id",
                "decision": "confirm",
                "note": "Cùng một người",
            },
        )
        r = inspector.post(
            "/web/inspector/submit",
            json=item,
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
    assert r.status_code == 201
    page = inspector.get(
        f"/web/inspector/findings/{finding}", params={"unit": "P", "period": "2025"}
    )
    assert '<dd id="status" data-status="confirmed">Đã xác nhận</dd>' in page.text
    # the judgment's time in Vietnam (not its date alone), who signed it and for which unit
    judgment = re.search(r'<ul id="judgments"><li data-judgment="[^"]+">(.*?)</li>', page.text)
    assert judgment is not None
    assert re.sub(r"<[^>]+>", "", judgment.group(1)) == (
        "01/02/2025 10:00 · ký bởi ubkt cho G2: xác nhận vi phạm — Cùng một người"
    )
    inspector.get("/web/lang/en", params={"next": "/web/inspector"})
    english = inspector.get(
        f"/web/inspector/findings/{finding}", params={"unit": "P", "period": "2025"}
    ).text
    assert "3. One citizen ID registered in two unions (<code>" in english
    assert (
        '01/02/2025 10:00</time> · signed by <strong class="signer">ubkt</strong> for G2:'
        in english
    )
    assert inspector.get("/web/inspector/findings/F-0000000000000000").status_code == 404


def _inspector_of(web: Web, code: str, unit: str) -> TestClient:
    """An inspector over `unit` only, registered and logged in."""
    from api.auth import Account, set_credential
    from tests.web.conftest import FAST, PASSWORD

    w = web.world
    signer = officer_key(code)
    with at("2024-06-20"):
        w.submit(
            "officer.register",
            by=w.admin,
            body={
                "officer": code,
                "name": "Hồ Văn Kiểm",
                "public_key": encode_b64(signer.signer.public_key),
            },
        )
        w.submit(
            "officer.grant",
            by=w.admin,
            body={"officer": code, "role": "inspector", "scope": unit},
        )
    set_credential(w.ctx.engine, Account("officer", code), PASSWORD, hasher=FAST)
    return web.login(code)


def test_an_inspector_of_one_union_reads_another_unions_evidence_only_redacted(web: Web) -> None:
    w = web.world
    w.join("DV101", cid="079199000888")
    w.join("DV301", unit="G2", cid="079199000888")
    mine = w.payout("DV101", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết")
    theirs = w.payout(
        "DV301", "tet_support", 900_000, on="2025-01-21", unit="G2", by=w.kt2, occasion="Tết"
    )
    inspector = _inspector_of(web, "ubkt.g1", "G1")
    overview = inspector.get("/web/inspector", params={"period": "2025"}).text
    found = re.search(r'data-finding="(F-[0-9a-f]{16})" data-rule="duplicate_citizen_id"', overview)
    assert found is not None and "DV301" not in overview and "900.000" not in overview
    page = inspector.get(f"/web/inspector/findings/{found.group(1)}", params={"period": "2025"})
    assert page.status_code == 200
    text = page.text
    # G1's own payout in full, G2's by its date, type and unit only
    assert mine.event_id[:8] in text and "1.000.000 đ" in text
    assert theirs.event_id[:8] not in text and "DV301" not in text and "kt.g2" not in text
    assert "900.000" not in text
    rows = re.findall(r'<tr class="outside">(.*?)</tr>', text, re.S)
    # DV301's registration and payout: each by its date, type and unit
    assert ["01/07/2024" in rows[0], "21/01/2025" in rows[1]] == [True, True]
    for row in rows:
        assert ">G2<" in row and "bút toán của G2, ngoài phạm vi xem" in row
        assert "ngoài phạm vi</span>" in row and "/web/inspector/events/" not in row
    assert 'id="outside-scope"' in text and "Một số bút toán thuộc G2" in text
    # the finding's period as the pages write one, not its key (2025-01)
    assert '<dd id="period">Tháng 01/2025</dd>' in text
    # the finding is G2's (DV301's registration is the second): G1's inspector cannot judge it,
    # and is told who does instead of a form whose signature would be refused
    assert 'id="resolve-form"' not in text
    assert "Dấu hiệu này thuộc G2, ngoài phạm vi của bạn" in text
    # the whole picture for an inspection committee over both unions
    full = web.login("ubkt").get(
        f"/web/inspector/findings/{found.group(1)}", params={"unit": "D", "period": "2025"}
    )
    assert theirs.event_id[:8] in full.text and "DV301" in full.text
    assert 'class="outside"' not in full.text and 'id="outside-scope"' not in full.text
    assert 'id="resolve-form"' in full.text and 'id="not-yours"' not in full.text


def test_an_inspector_downloads_the_inspection_report_of_their_unit(web: Web) -> None:
    w = web.world
    w.join("DV101", cid="079199000888")
    w.join("DV301", unit="G2", cid="079199000888")
    mine = w.payout("DV101", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết")
    theirs = w.payout(
        "DV301", "tet_support", 900_000, on="2025-01-21", unit="G2", by=w.kt2, occasion="Tết"
    )
    inspector = _inspector_of(web, "ubkt.g1", "G1")
    overview = inspector.get("/web/inspector", params={"period": "2025"}).text
    link = re.search(r'<a id="report-download" href="([^"]+)">([^<]+)</a>', overview)
    assert link is not None and link.group(2) == "Tải báo cáo kiểm tra của G1 (HTML)"
    assert link.group(1) == "/web/inspector/report?unit=G1&amp;period=2025"
    r = inspector.get("/web/inspector/report", params={"unit": "G1", "period": "2025"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="bao-cao-kiem-tra-G1-2025.html"'
    )
    assert (
        "Phạm vi: <strong>G1</strong>" in r.text and "3. Một CCCD đăng ký ở hai công đoàn" in r.text
    )
    assert mine.event_id in r.text and "1.000.000 đ" in r.text
    # another union's entries as on the pages: by date, type and unit only
    assert theirs.event_id not in r.text and "DV301" not in r.text and "900.000" not in r.text
    assert "<td>bút toán của G2, ngoài phạm vi xem</td>" in r.text
    assert inspector.get("/web/inspector/report", params={"unit": "G2"}).status_code == 403
    bad = inspector.get("/web/inspector/report", params={"unit": "G1", "period": "2025-13"})
    assert bad.status_code == 422 and "Kỳ không hợp lệ" in bad.text


def test_the_web_report_states_the_verification_it_relies_on(web: Web) -> None:
    """The downloaded report said "--no-verify. Chạy phucloi audit verify": advice for a shell,
    not for the inspector on the web page, and no word of the run the page shows."""
    from sqlalchemy import text as sql

    from audit.findings import Finding, Report
    from audit.runs import last_run, record_run

    w = web.world
    w.join("DV101")
    w.join("DV301", unit="G2")
    theirs = w.payout("DV301", "gift", 300_000, on="2025-01-21", unit="G2", by=w.kt2)
    inspector = _inspector_of(web, "ubkt.g1", "G1")

    def verdict() -> str:
        r = inspector.get("/web/inspector/report", params={"unit": "G1", "period": "2025"})
        assert r.status_code == 200
        found = re.search(r'<h2 id="kiem-tra-chu-ky">.*?(?=<h2)', r.text, re.S)
        assert found is not None
        return " ".join(found.group(0).split())

    text = verdict()
    assert "--no-verify" not in text and "phucloi" not in text
    assert (
        "Chưa có lần xác minh toàn bộ nào được ghi lại, nên báo cáo này chưa có kết quả kiểm tra "
        "chữ ký và cây Merkle: bấm «Chạy xác minh toàn bộ» trên trang Kiểm tra, chờ kết quả rồi "
        "tải lại báo cáo."
    ) in text
    with w.ctx.engine.connect() as conn:
        events = conn.execute(sql("SELECT count(*) FROM ledger_events")).scalar_one()
    revoked = Finding("signature.revoked", "error", 9, theirs.event_id, None, None, "k", "k")
    root = Finding("checkpoint.root", "error", 4, None, None, None, "root moved", "gốc đã đổi")
    report = Report(source="test", events=events, root_hash="ab12", findings=[revoked, root])
    record_run(w.ctx.engine, report, origin="web")
    run = last_run(w.ctx.engine)
    assert run is not None
    when = datetime.fromisoformat(run["finished_at"]).astimezone(clock.VIETNAM)
    when = f"{when:%d/%m/%Y %H:%M}"
    text = verdict()
    assert (
        "Báo cáo này không chạy lại kiểm tra; kết quả của lần xác minh toàn bộ gần nhất đã ghi "
        f"lại, lúc {when} (chạy từ trang Kiểm tra): KHÔNG ĐẠT: 2 lỗi, trong đó 1 lỗi về bút "
        f"toán ngoài phạm vi báo cáo ({events} bút toán, gốc Merkle <code>ab12</code>). Danh "
        "sách lỗi xem trên trang Kiểm tra."
    ) in text
    assert 'id="chua-xac-minh"' not in text and "phucloi" not in text
    # an entry recorded after the run is not covered by it, and the report says so
    w.payout("DV101", "gift", 300_000, on="2025-01-22")
    assert (
        "1 bút toán ghi sau lần xác minh đó chưa được kiểm tra: bấm «Chạy xác minh toàn bộ» "
        "trên trang Kiểm tra, chờ kết quả rồi tải lại báo cáo."
    ) in verdict()


def test_a_union_level_finding_says_it_has_no_entries_instead_of_an_empty_table(
    web: Web,
) -> None:
    w = web.world
    with at("2024-09-15"):
        w.submit(
            "expense.record",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-15",
            body={"category": "administration", "amount": 10_000_000, "description": "hội nghị"},
            cosigner=w.chair,
        )
    inspector = web.login("ubkt")
    overview = inspector.get("/web/inspector", params={"unit": "G1", "period": "2024"}).text
    found = re.search(r'data-finding="(F-[0-9a-f]{16})" data-rule="union_ratios"', overview)
    assert found is not None
    page = inspector.get(
        f"/web/inspector/findings/{found.group(1)}", params={"unit": "G1", "period": "2024"}
    ).text
    assert '<table class="stack" id="evidence">' not in page
    assert '<p id="no-evidence">Dấu hiệu về cả công đoàn trong kỳ' in page
    assert '<dd id="period">Năm 2024</dd>' in page


def test_a_unions_inspector_reads_the_ledgers_verdict_and_only_their_own_errors(web: Web) -> None:
    from sqlalchemy import insert

    from audit.findings import Finding, Report
    from audit.runs import record_run
    from audit.tables import verification_runs

    w, events = web.world, web.events

    def revoked(event: str, officer: str) -> Finding:
        text = f"ký bởi {officer} bằng khóa k1 lúc 2024-09-03T03:00:00+00:00"
        return Finding("signature.revoked", "error", 9, event, None, None, text, text)

    root = Finding("checkpoint.root", "error", 4, None, None, None, "root moved", "gốc đã đổi")
    findings = [revoked(events["gift1"], "kt.g1"), revoked(events["gift3"], "kt.g2"), root]
    record_run(w.ctx.engine, Report(source="test", findings=findings), origin="cli")
    g1 = _inspector_of(web, "ubkt.g1", "G1")
    page = g1.get("/web/inspector").text
    verdict = re.search(r'id="last-verification">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "KHÔNG ĐẠT</strong> (3 lỗi)" in verdict  # the whole ledger's verdict
    assert "ký bởi kt.g1 bằng khóa k1 lúc 03/09/2024 10:00" in verdict and "gốc đã đổi" in verdict
    assert "kt.g2" not in verdict
    assert (
        '<p class="notice" id="errors-outside">1 lỗi trong số đó thuộc bút toán của G2, ngoài G1: '
        "không liệt kê ở đây.</p>"
    ) in verdict
    province = web.login("ubkt").get("/web/inspector", params={"unit": "P"}).text
    assert "ký bởi kt.g2" in province and 'id="errors-outside"' not in province
    # another union's many errors do not crowd out this union's: the run keeps the first
    # errors of each union, and counts the rest
    many = [revoked(events["gift3"], "kt.g2")] * 25 + [root, revoked(events["gift1"], "kt.g1")]
    record_run(w.ctx.engine, Report(source="test", findings=many), origin="cli")
    verdict = re.search(
        r'id="last-verification">(.*?)</dd>', g1.get("/web/inspector").text, re.S
    ).group(1)  # type: ignore[union-attr]
    assert "KHÔNG ĐẠT</strong> (27 lỗi)" in verdict
    assert "gốc đã đổi" in verdict and "ký bởi kt.g1" in verdict and "kt.g2" not in verdict
    assert (
        '<p class="notice" id="errors-outside">25 lỗi trong số đó thuộc bút toán của G2, ngoài G1: '
        "không liệt kê ở đây.</p>"
    ) in verdict
    assert 'id="errors-cut"' not in verdict  # both of G1's are listed
    province = web.login("ubkt").get("/web/inspector", params={"unit": "P"}).text
    assert province.count('data-check="signature.revoked"') == 21  # 20 of G2's, G1's one
    assert (
        "Liệt kê 22 trong 27 lỗi (lần chạy lưu 20 lỗi đầu tiên của mỗi công đoàn); xem đủ bằng "
        "phucloi audit verify."
    ) in province
    # a run recorded before errors were kept per union kept the first 20: the page says kept
    with w.ctx.engine.begin() as conn:
        conn.execute(
            insert(verification_runs).values(
                finished_at="2026-01-02T03:04:05+00:00",
                origin="cli",
                tree_size=5,
                root_hash=None,
                ok=False,
                events=5,
                errors=26,
                warnings=0,
                summary=json.dumps(
                    {"counts": {"error": 26}, "first_errors": [f.as_dict() for f in many[:20]]}
                ),
            )
        )
    page = g1.get("/web/inspector").text
    assert "Lần chạy lưu 20 lỗi đầu tiên trong 26; xem đủ bằng phucloi audit verify." in page


def test_a_unions_inspector_opens_the_policy_of_the_union_above_not_a_siblings(
    web: Web,
) -> None:
    w = web.world
    above = w.adopt("D", "2024-12-05", version="D-1", effective_from="2024-12-05")
    sibling = w.adopt("G2", "2024-12-06", version="G2-1", effective_from="2024-12-06")
    inspector = _inspector_of(web, "ubkt.g1", "G1")
    page = inspector.get(f"/web/inspector/events/{above.event_id}")
    assert page.status_code == 200 and "D-1" in page.text  # G1 is held to D's version
    # G2's own version and G2's payout are another union's entries
    assert inspector.get(f"/web/inspector/events/{sibling.event_id}").status_code == 404
    assert inspector.get(f"/web/inspector/events/{web.events['gift3']}").status_code == 404


def test_detection_is_kept_for_each_unit_read_until_the_log_grows(web: Web) -> None:
    """Two inspectors reading pages in turn (a union's and the province's) reuse the detection of
    the log as it stands; a new entry makes both run again."""
    province, union = web.login("ubkt"), _inspector_of(web, "ubkt.g1", "G1")
    for _ in range(2):
        assert province.get("/web/inspector", params={"unit": "P", "period": "2024"}).is_success
        assert union.get("/web/inspector", params={"period": "2024"}).is_success
    kept = web.app.state.detections
    assert sorted((unit, period) for _head, unit, period in kept) == [
        ("G1", "2024"),
        ("P", "2024"),
    ]
    first = {key: id(report) for key, report in kept.items()}
    union.get("/web/inspector", params={"period": "2024"})
    assert {key: id(report) for key, report in kept.items()} == first  # the same reports
    web.world.payout("DV001", "gift", 200_000, on="2024-10-20", occasion="20/10")
    union.get("/web/inspector", params={"period": "2024"})
    assert [(unit, period) for _head, unit, period in kept] == [("G1", "2024")]
    assert next(iter(kept))[0] > next(iter(first))[0]  # of the grown log


def test_reports_are_downloaded_for_units_in_scope_once_a_checkpoint_exists(web: Web) -> None:
    officer = web.login("kt.g1")
    params = {"unit": "G1", "kind": "monthly", "period": "2024-09", "format": "json"}
    assert officer.get("/web/reports/download", params=params).status_code == 404
    make_checkpoint(web.world.ctx.engine)
    r = officer.get("/web/reports/download", params=params)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="phu-luc-01_G1_2024-09.json"'
    assert json.loads(r.content)["rows"]
    xlsx = officer.get("/web/reports/download", params={**params, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert officer.get("/web/reports/download", params={**params, "unit": "G2"}).status_code == 403
    no_unit = officer.get("/web/reports/download", params={**params, "unit": ""})
    assert no_unit.status_code == 422 and "Hãy chọn đơn vị báo cáo" in no_unit.text
    structure = officer.get(
        "/web/reports/download",
        params={"unit": "G1", "kind": "structure", "period": "2024", "format": "csv"},
    )
    assert structure.status_code == 200  # exactly `phucloi report structure --out x.csv`
    from ledger.domain.periods import parse_period
    from ledger.reports.export import structure_to_csv
    from ledger.reports.structure import spending_structure

    year = spending_structure(web.world.ledger, "G1", parse_period("2024"))
    assert structure.content == structure_to_csv(year)
    assert "\r\nTổng chi;G1;CĐCS Công ty May Sông Bé;" in structure.content.decode("utf-8-sig")
    assert ";Số tiền (đồng);Chi phúc lợi (đồng)\r\n" in structure.content.decode("utf-8-sig")


def test_the_reports_page_and_its_files_say_a_period_not_over_is_provisional(web: Web) -> None:
    """A period not over, typed in, gives files that say so; the page offers the latest
    complete month and year first (it offered the current ones, not over)."""
    make_checkpoint(web.world.ctx.engine)
    notice = "Số liệu tạm tính, kỳ báo cáo chưa kết thúc"
    with at("2025-03-15"):
        officer = web.login("kt.g1")
        page = officer.get("/web/reports")
        assert 'id="m-period" name="period" value="2025-02"' in page.text
        assert 'id="a-period" name="period" value="2024"' in page.text
        assert 'id="s-period" name="period" value="2024"' in page.text
        assert 'id="reports-provisional"' not in page.text  # both are over
        params = {"unit": "G1", "kind": "monthly", "period": "2025-03", "format": "csv"}
        csv = officer.get("/web/reports/download", params=params)
        assert f"Kỳ báo cáo: Tháng 03/2025 (2025-03) — {notice}" in csv.content.decode("utf-8-sig")
        as_json = officer.get("/web/reports/download", params={**params, "format": "json"})
        assert json.loads(as_json.content)["period_status"]["state"] == "open"
        # a month not begun is refused, as on the command line
        params = {**params, "period": "2025-04"}
        later = officer.get("/web/reports/download", params=params)
        assert later.status_code == 422 and "Tháng 04/2025 chưa bắt đầu" in later.text
    with at("2025-04-01"):
        officer = web.login("kt.g1")
        page = officer.get("/web/reports")
        assert 'id="m-period" name="period" value="2025-03"' in page.text
        params = {"unit": "G1", "kind": "monthly", "period": "2025-03", "format": "json"}
        over = officer.get("/web/reports/download", params=params)
        assert json.loads(over.content)["provisional"] is False


def test_the_reports_page_says_its_periods_are_provisional_at_an_earlier_checkpoint(
    web: Web, monkeypatch: Any
) -> None:
    """The latest checkpoint was signed before the month offered ended: its files hold
    only what was recorded by then, and the page says so before anyone downloads."""
    from datetime import UTC, datetime

    import audit.log

    class SignedOn20February(datetime):  # the checkpoint's signing clock (not the ledger's)
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return datetime(2025, 2, 20, 3, tzinfo=UTC)

    monkeypatch.setattr(audit.log, "datetime", SignedOn20February)
    make_checkpoint(web.world.ctx.engine)
    monkeypatch.undo()
    with at("2025-03-15"):
        page = web.login("kt.g1").get("/web/reports").text
    assert 'id="reports-provisional"' in page
    assert (
        "Tháng 02/2025: Số liệu tạm tính, kỳ báo cáo chưa kết thúc (kỳ đến hết ngày 28/02/2025, "
        "checkpoint ký ngày 20/02/2025)" in page
    )
    assert "Năm 2024:" not in page  # over when the checkpoint was signed


def test_an_inspector_runs_a_full_verification_and_reads_its_verdict(web: Web) -> None:
    import time

    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector").text
    assert "chưa có lần xác minh nào được ghi lại" in page
    r = inspector.post("/web/inspector/verify", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    for _ in range(600):  # wait for the background run (a bound, not a speed assertion)
        page = inspector.get("/web/inspector").text
        if "đang chạy từ" not in page:
            break
        time.sleep(0.1)
    verdict = re.search(r'id="last-verification">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "ĐẠT: mọi kiểm tra đều đúng" in verdict
    assert f"{_entries(web)} bút toán" in verdict
    assert "(web)" in verdict  # recorded (audit.runs), so every server process shows it


# --- QA report 5 --------------------------------------------------------------------------------


def test_a_form_post_after_the_session_ended_goes_to_the_login_page_not_json(web: Web) -> None:
    """A dispute posted after the member's session ended showed the API's raw JSON and lost
    the text. A form post now goes to the login page, which says nothing was done, and then
    back to the form it came from (the page script keeps the text: test_browser)."""
    member = web.login("DV001")
    entry = web.events["gift1"]
    form = f"/web/me/disputes/new?entry={entry}"
    token = csrf_of(member.get(form).text)
    other = web.login("DV001")  # the member logs out on another device
    other.post("/web/logout", data={"csrf": csrf_of(other.get("/web/me").text)})
    referer = {"Referer": f"http://testserver{form}"}
    data = {"csrf": token, "entry": entry, "reason": "other", "text": "Tôi chưa nhận"}
    r = member.post("/web/me/disputes", data=data, headers=referer)
    assert r.status_code == 303
    assert r.headers["location"] == (
        "/web/member/login?next=/web/me/disputes/new%3Fentry%3D" + entry + "&expired=post"
    )
    login = member.get(r.headers["location"])
    assert "Thao tác vừa rồi CHƯA được thực hiện" in login.text
    # The browser dropped the expired cookie: the post is sent to log in, not refused as CSRF.
    fresh = web.client()
    r = fresh.post("/web/me/receipts", data={"csrf": token, "entry": entry})
    assert (r.status_code, r.headers["location"]) == (
        303,
        "/web/member/login?next=/web/me&expired=post",
    )
    # A page script (Accept: application/json) still gets 401 JSON, naming the login page.
    r = fresh.post("/web/finance/submit", json={}, headers={"Accept": "application/json"})
    assert (r.status_code, r.json()["login"]) == (401, "/web/login")
    assert web.world.ledger.get_member("DV001").statements == []


def test_unknown_web_addresses_and_language_switches_after_a_post_are_pages(web: Web) -> None:
    officer = web.login("kt.g1")
    r = officer.get("/web/abc")
    assert (r.status_code, r.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert "Không có trang này" in r.text and "There is no such page" in r.text
    assert 'href="/web/"' in r.text
    # A GET of an address that is only posted to (the language switch used to land there).
    r = officer.get("/web/finance/dues/preview")
    assert (r.status_code, r.headers["location"]) == (303, "/web/finance/dues")
    token = csrf_of(officer.get("/web/finance/dues").text)
    page = _preview(officer, token, "luong.csv", b"member,salary_basis\nDV001,6000000\n")
    switch = re.search(r'href="([^"]+)" lang="en" id="lang-switch"', page.text)
    assert switch is not None and switch.group(1) == "/web/lang/en?next=/web/finance/dues"


def test_the_verification_button_keeps_the_unit_and_period(web: Web) -> None:
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector?unit=G1&period=2024").text
    r = inspector.post(
        "/web/inspector/verify", data={"csrf": csrf_of(page), "unit": "G1", "period": "2024"}
    )
    assert (r.status_code, r.headers["location"]) == (
        303,
        "/web/inspector?unit=G1&period=2024#verification",
    )
    assert 'name="period" value="2024"' in page and 'name="unit" value="G1"' in page


def test_the_event_page_shows_vietnam_time_and_a_payouts_state_today(web: Web) -> None:
    world = web.world
    world.join("DV009")
    with at("2024-09-10", 9):
        pending = world.submit(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-10",
            body={
                "member": "DV009",
                "kind": "gift",
                "amount": 300_000,
                "occasion": "x",
                "await_approval": True,
            },
        )
        world.submit(
            "approval.decide",
            by=world.chair,
            unit="G1",
            body={
                "target": pending.event_id,
                "target_digest": pending.digest,
                "decision": "approve",
            },
        )
    page = web.login("ubkt").get(f"/web/inspector/events/{pending.event_id}").text
    assert re.search(r"<dt>Ghi lúc</dt><dd>10/09/2024 \d\d:\d\d</dd>", page)
    assert '<dd id="state-now">Đã chi (Chủ tịch ct.g1)</dd>' in page
    assert "Kết quả của sổ khi ghi" in page


def test_waits_counts_and_times_are_said_as_people_read_them() -> None:
    from api.auth import RateLimited

    assert RateLimited(894).vi == "Đăng nhập sai quá nhiều lần; thử lại sau 15 phút"
    assert RateLimited(40).vi == "Đăng nhập sai quá nhiều lần; thử lại sau 40 giây"
    assert text.count(4301) == "4.301"
    assert (
        text.instants("ký bởi kt.G27 lúc 2025-09-15T07:00:00+00:00.")
        == "ký bởi kt.G27 lúc 15/09/2025 14:00."
    )


def test_the_member_search_says_a_members_status_in_vietnamese(web: Web) -> None:
    world = web.world
    with at("2024-10-01"):
        world.submit(
            "member.death",
            by=world.kt,
            unit="G1",
            effective_date="2024-10-01",
            body={"member": "DV002"},
        )
    found = web.login("kt.g1").get("/web/finance/members", params={"q": "DV002"}).json()
    assert [(m["member"], m["status_label"]) for m in found["members"]] == [("DV002", "đã từ trần")]


def test_the_inspectors_page_shows_which_key_cosigned_and_whether_it_verifies(
    web: Web, tmp_path: Any, monkeypatch: Any
) -> None:
    """The page listed the `witness` and `cosigned_at` columns, which nothing verifies: a
    cosignature made with a fresh key under the real witness's name showed as that witness."""
    from audit.log import cosign_latest, make_checkpoint, store_cosignature
    from audit.witness import Witness
    from ledger.keystore import signer_from_raw
    from tests.integration.test_audit_helpers import make_witness

    engine = web.world.ctx.engine
    size = make_checkpoint(engine)[0]
    bao = make_witness(tmp_path / "bao")
    cosign_latest(engine, bao)
    impostor = Witness(tmp_path / "fake", name="ubkt.bao", signer=signer_from_raw(bytes(32)))
    line = cosign_latest(engine, impostor).line
    assert line.startswith("— ubkt.bao ")
    store_cosignature(engine, size=size, line=line, vkey=impostor.vkey)  # idempotent

    def cosignatures() -> str:
        page = web.login("ubkt").get("/web/inspector").text
        return re.search(r'id="cosignatures">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]

    monkeypatch.delenv("PHUCLOI_WITNESS_KEYS", raising=False)
    shown = cosignatures()
    assert shown.count('data-status="unchecked"') == 2
    assert "Chưa cấu hình khóa nhân chứng nào (PHUCLOI_WITNESS_KEYS)" in shown
    assert f"<code>{bao.key_id.hex()}</code>" in shown
    assert f"<code>{impostor.key_id.hex()}</code>" in shown
    monkeypatch.setenv("PHUCLOI_WITNESS_KEYS", bao.vkey)
    shown = cosignatures()
    assert re.findall(r'data-status="(\w+)">ubkt.bao, mã khóa <code>(\w+)</code>', shown) == sorted(
        [("verified", bao.key_id.hex()), ("unknown_key", impostor.key_id.hex())],
        key=lambda s: s[1],
    )
    assert "không nằm trong các khóa nhân chứng đã cấu hình" in shown
    assert "Kiểm tra theo các khóa nhân chứng đã cấu hình (PHUCLOI_WITNESS_KEYS): <code" in shown
    # the page's verification checks against the same keys: a configured witness that did
    # not cosign the latest checkpoint fails it, as `audit verify --witness-key` would
    from api.web.inspector_pages import Verification, _run_verification

    lan = make_witness(tmp_path / "lan", "ubkt.lan")
    for keys, errors in [(bao.vkey, []), (lan.vkey, ["checkpoint.not_cosigned"])]:
        monkeypatch.setenv("PHUCLOI_WITNESS_KEYS", keys)
        state = Verification(running=True)
        _run_verification(web.world.ctx, state)
        assert state.failure is None and [e["check"] for e in state.errors] == errors


def test_a_findings_evidence_says_when_each_event_was_recorded(web: Web) -> None:
    """A payout to a member who had left: the leave recorded ten days later, dated before it.
    The finding page showed the dates the entries take effect, not when they were recorded,
    which is what shows the back-dating."""
    w = web.world
    w.join("DV9", on="2024-07-01")
    payout = w.payout("DV9", "gift", 300_000, on="2024-09-10", occasion="quà 2/9")
    with at("2024-09-20", 15):
        leave = w.submit(
            "member.leave",
            by=w.kt,
            unit="G1",
            effective_date="2024-09-05",
            body={"member": "DV9", "reason": "nghỉ việc"},
        )
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector", params={"unit": "P", "period": "2024"}).text
    found = re.search(r'data-finding="(F-[0-9a-f]{16})" data-rule="inactive_beneficiary"', page)
    assert found is not None
    detail = inspector.get(
        f"/web/inspector/findings/{found.group(1)}", params={"unit": "P", "period": "2024"}
    ).text
    rows = re.findall(r"<tr><td data-label=\"Ngày\">(.*?)</tr>", detail, re.S)
    recorded = {
        re.search(r"/web/inspector/events/([0-9a-f-]{36})", row).group(1): (  # type: ignore[union-attr]
            row.split("</td>")[0],
            re.search(r'class="recorded">([^<]*)</td>', row).group(1),  # type: ignore[union-attr]
        )
        for row in rows
    }
    assert "Ghi vào sổ lúc" in detail
    assert recorded[leave.event_id] == ("05/09/2024", "20/09/2024 15:00")
    units = {
        re.search(r"/web/inspector/events/([0-9a-f-]{36})", row).group(1): re.search(  # type: ignore[union-attr]
            r'class="unit">([^<]*)</td>', row
        ).group(1)  # type: ignore[union-attr]
        for row in rows
    }
    assert units[leave.event_id] == "G1"  # the rule gives no unit: the entry's own
    assert recorded[payout.event_id] == ("10/09/2024", "10/09/2024 10:00")


def test_the_inspectors_page_gives_the_money_at_stake_and_says_when_it_shows_only_some(
    web: Web, monkeypatch: Any
) -> None:
    """The page listed the findings without their total, which `audit detect`, the report and
    the demo give, and cut the list at 200 without saying so."""
    from api.web import inspector_pages
    from audit.detect import detect
    from ledger.domain.money import format_dong

    w = web.world
    for number in ("DV8", "DV9"):
        w.join(number, on="2024-07-01")
        w.payout(number, "gift", 300_000, on="2024-09-10", occasion="quà 2/9")
        with at("2024-09-20", 15):
            w.submit(
                "member.leave",
                by=w.kt,
                unit="G1",
                effective_date="2024-09-05",
                body={"member": number, "reason": "nghỉ việc"},
            )
    report = detect(w.ctx, unit="P", period="2024")
    assert len(report.findings) >= 2 and report.money_at_stake() >= 600_000
    inspector = web.login("ubkt")
    page = inspector.get("/web/inspector", params={"unit": "P", "period": "2024"}).text
    total = re.search(r'<p id="findings-total">(.*?)</p>', page, re.S)
    assert total is not None
    assert "Số tiền liên quan, mỗi bút toán tính một lần" in total.group(1)
    assert f"<strong>{format_dong(report.money_at_stake())}</strong>" in total.group(1)
    assert "findings-cut" not in page
    monkeypatch.setattr(inspector_pages, "FINDINGS_SHOWN", 1)
    page = inspector.get("/web/inspector", params={"unit": "P", "period": "2024"}).text
    assert page.count("data-finding=") == 1
    assert (
        f"Chỉ hiện 1 dấu hiệu nghiêm trọng nhất trong {len(report.findings)}: thu hẹp đơn vị"
        in page
    )


def test_a_dispute_on_the_inspectors_page_leads_to_its_finding_and_says_its_outcome(
    web: Web,
) -> None:
    """The disputes were listed for every unit of the inspector's scope whatever unit the
    page was asked for, with no outcome and no way to the finding where one judges and
    replies."""
    from audit.detect import detect

    member = web.login("DV001")
    token = csrf_of(member.get("/web/me").text)
    data = {"entry": web.events["gift1"], "reason": "not_received", "text": "Chưa nhận quà"}
    assert member.post("/web/me/disputes", data=data | {"csrf": token}).status_code == 303
    [finding] = [f for f in detect(web.world.ctx).findings if f.rule == "member_dispute"]
    inspector = web.login("ubkt")

    def outcome(unit: str, period: str) -> str | None:
        page = inspector.get("/web/inspector", params={"unit": unit, "period": period}).text
        assert ("Chưa nhận quà" in page) == (unit != "G2")  # G1's dispute is not G2's
        cell = re.search(r'<td data-label="Kết luận" class="dispute-outcome"(.*?)</td>', page, re.S)
        return None if cell is None else re.sub(r"\s+", " ", cell.group(1))

    link = f'<a href="/web/inspector/findings/{finding.id}?unit=P&amp;period=2024">'
    assert (
        outcome("P", "2024")
        == f' data-status="open">{link}Chưa xử lý: xem, kết luận và trả lời</a>'
    )
    assert outcome("G2", "2024") is None  # G1's dispute is not G2's
    assert outcome("P", "2023") == ">ngoài kỳ đang xem"
    web.world.submit(
        "finding.resolve",
        by=web.world.inspector,
        unit="G1",
        body={
            "finding": finding.id,
            "rule": "member_dispute",
            "decision": "dismiss",
            "note": "Có chữ ký nhận",
        },
    )
    assert (
        outcome("P", "2024")
        == f' data-status="dismissed">{link}Đã bác bỏ: xem, kết luận và trả lời</a>'
    )


def test_on_a_ledger_without_money_the_inspectors_page_says_why_it_shows_this_year(
    world: Any,
) -> None:
    """With no money recorded the page chose this year but said it was "the latest year with
    money recorded"."""
    from api.app import create_app
    from api.auth import Account, set_credential
    from tests.web.conftest import FAST, PASSWORD, Web

    set_credential(world.ctx.engine, Account("officer", "ubkt"), PASSWORD, hasher=FAST)
    web = Web(world, create_app(world.ctx, portal=world.register_portal()), {})
    page = web.login("ubkt").get("/web/inspector", params={"unit": "P"})
    assert page.status_code == 200
    year = clock.today_vn().year
    assert f'name="period" value="{year}"' in page.text
    assert (
        f"Đang xem kỳ {year}: sổ chưa ghi khoản thu chi nào, nên xem năm nay (mặc định)."
        in page.text
    )
    assert "năm gần nhất có số liệu thu chi" not in page.text


def test_the_last_verification_says_when_it_lists_only_its_first_errors(web: Web) -> None:
    """The page said "KHÔNG ĐẠT (53 lỗi)" and listed 20 without saying the rest were left out."""
    from audit.findings import Report, finding
    from audit.runs import FIRST_ERRORS, record_run

    errors = [
        finding("signature.invalid", f"bad signature {i}", message_vi=f"chữ ký sai {i}", seq=i)
        for i in range(FIRST_ERRORS + 3)
    ]
    record_run(web.world.ctx.engine, Report(source="test", findings=errors), origin="cli")
    page = web.login("ubkt").get("/web/inspector").text
    verdict = re.search(r'id="last-verification">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert f"({FIRST_ERRORS + 3} lỗi)" in verdict
    assert verdict.count('data-check="signature.invalid"') == FIRST_ERRORS
    assert (
        f"Liệt kê {FIRST_ERRORS} trong {FIRST_ERRORS + 3} lỗi (lần chạy lưu {FIRST_ERRORS} lỗi "
        "đầu tiên của mỗi công đoàn); xem đủ bằng phucloi audit verify."
    ) in verdict
