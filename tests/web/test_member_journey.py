"""A member's own pages (`/web/me`, the dispute form) for a member whose relative's personal
data was erased and for a member who moved from one union to another, in both languages."""

from __future__ import annotations

import html
import re
from typing import Any

from audit.log import make_checkpoint
from tests.support import at
from tests.web.conftest import Web, csrf_of


def _text(page: str) -> str:
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def _row(page: str, event_id: str) -> str:
    found = re.search(rf'<tr id="e-{event_id}".*?</tr>', page, re.S)
    assert found is not None, event_id
    return _text(found.group(0))


def _erased_child(web: Web) -> str:
    """DV002's child C1, a payout to the child, then the child's data erased."""
    w = web.world
    with at("2024-08-01"):
        w.submit(
            "member.relative",
            by=w.kt,
            unit="G1",
            effective_date="2024-08-01",
            body={"member": "DV002", "relative": "C1", "relation": "child"},
            personal={"full_name": "Trần Bé Na", "date_of_birth": "2015-03-01"},
        )
    school = w.payout("DV002", "gift", 200_000, on="2024-09-05", relative="C1", occasion="Năm học")
    with at("2025-02-01"):
        w.submit(
            "member.erase_relative",
            by=w.admin,
            unit="G1",
            body={"member": "DV002", "relative": "C1", "reason": "Đơn số 7"},
        )
    make_checkpoint(w.ctx.engine)
    return str(school.event_id)


def test_a_payout_to_an_erased_relative_is_said_in_the_pages_language(web: Web) -> None:
    """The line read "(thân nhân: (đã xóa / erased))" on the Vietnamese page and "(relative:
    (đã xóa / erased))" on the English one: the API's bilingual marker shown as it is."""
    school = _erased_child(web)
    member = web.login("DV002")
    said: dict[str, Any] = {}
    for lang in ("vi", "en"):
        member.cookies.set("phucloi_lang", lang)
        said[lang] = (
            _row(member.get("/web/me").text, school),
            _text(member.get(f"/web/me/disputes/new?entry={school}").text),
        )
    row, form = said["vi"]
    assert row.startswith(
        "05/09/2024 Tặng quà — Năm học (thân nhân C1: (đã xóa dữ liệu cá nhân)) 200.000 đ"
    )
    assert "05/09/2024 · Tặng quà — Năm học (thân nhân C1: (đã xóa dữ liệu cá nhân))" in form
    row, form = said["en"]
    assert row.startswith(
        "05/09/2024 Gift — Năm học (relative C1: (personal data erased)) 200.000 đ"
    )
    assert "05/09/2024 · Gift — Năm học (relative C1: (personal data erased))" in form
    assert "erased)" not in said["vi"][0] and "đã xóa" not in said["en"][0]
    # a relative not erased is still named
    assert "Trần Bé Na" not in said["vi"][0]


def _moved(web: Web) -> dict[str, str]:
    """DV001, in G1 since 01/07/2024 (a gift on 02/09/2024), moves to G2 on 01/10/2024 and
    gets a gift there on 05/11/2024."""
    w = web.world
    with at("2024-10-01"):
        w.submit(
            "member.transfer",
            by=w.kt,
            unit="G1",
            effective_date="2024-10-01",
            body={"member": "DV001", "to_unit": "G2"},
        )
    there = w.payout("DV001", "gift", 250_000, on="2024-11-05", unit="G2", by=w.kt2)
    make_checkpoint(w.ctx.engine)
    return {"here": web.events["gift1"], "there": str(there.event_id)}


def test_a_member_who_moved_sees_which_union_recorded_each_line(web: Web) -> None:
    """After a transfer the page was headed with the new union's code only and listed the
    old union's entries under it, unnamed: "Kiểm tra" says the signed union matches the line,
    but no line said which union it was. The page now names both unions, when the member was
    in each, and the union of every line."""
    lines = _moved(web)
    units = {u: web.world.ledger.get_unit(u).name for u in ("G1", "G2")}
    member = web.login("DV001")
    page = member.get("/web/me").text
    facts = _text(
        re.search(r'<section class="card" aria-labelledby="me-h">.*?</dl>', page, re.S).group(0)
    )
    assert f"Công đoàn cơ sở G2 — {units['G2']}" in facts
    assert (
        f"Quá trình sinh hoạt G1 — {units['G1']}: 01/07/2024–30/09/2024; "
        f"G2 — {units['G2']}: từ 01/10/2024"
    ) in facts
    assert _row(page, lines["here"]).startswith("02/09/2024 Tặng quà — 2/9 · G1 300.000 đ")
    assert _row(page, lines["there"]).startswith("05/11/2024 Tặng quà — dịp · G2 250.000 đ")
    member.cookies.set("phucloi_lang", "en")
    page = member.get("/web/me").text
    facts = _text(
        re.search(r'<section class="card" aria-labelledby="me-h">.*?</dl>', page, re.S).group(0)
    )
    assert f"Grassroots union G2 — {units['G2']}" in facts
    assert (
        f"Unions G1 — {units['G1']}: 01/07/2024–30/09/2024; G2 — {units['G2']}: from 01/10/2024"
    ) in facts
    assert _row(page, lines["here"]).startswith("02/09/2024 Gift — 2/9 · G1 300.000 đ")


def test_a_member_who_never_moved_reads_their_union_once(web: Web) -> None:
    page = web.login("DV002").get("/web/me").text
    name = web.world.ledger.get_unit("G1").name
    assert f"Công đoàn cơ sở G1 — {name}" in _text(page)
    assert "Quá trình sinh hoạt" not in page
    assert _row(page, web.events["gift2"]).startswith("02/09/2024 Tặng quà — 2/9 400.000 đ")


def _dispute(member: Any, entry: str) -> Any:
    page = member.get(f"/web/me/disputes/new?entry={entry}").text
    request_id = re.search(r'name="request_id" value="([^"]+)"', page)
    form = {"csrf": csrf_of(page), "entry": entry, "reason": "not_received", "text": "Chưa nhận"}
    return member.post(
        "/web/me/disputes",
        data=form | {"request_id": request_id.group(1) if request_id else ""},
    )


def test_an_entry_whose_dispute_is_open_is_not_offered_for_another(web: Web) -> None:
    """While a dispute waited for the inspection committee, the entry still offered "Phản
    ánh": the member typed their complaint again and the ledger refused it (409), the English
    refusal writing the day as 2024-09-10. Now the entry says it is being looked into, the
    form says so instead of asking, and once judged the member may dispute it again."""
    from audit.detect import detect

    entry = web.events["gift1"]
    member = web.login("DV001")
    with at("2024-09-10"):
        assert _dispute(member, entry).status_code == 303
    row = _row(member.get("/web/me").text, entry)
    assert "Ủy ban kiểm tra đang xem xét." in row and "Phản ánh" not in row.replace(
        "Bạn đã phản ánh", ""
    )
    form = member.get(f"/web/me/disputes/new?entry={entry}").text
    assert 'id="dispute-form"' not in form
    assert (
        "Bạn đã phản ánh khoản này ngày 10/09/2024; Ủy ban kiểm tra đang xem xét. Khi có kết "
        "luận, bạn có thể phản ánh lại nếu cần."
    ) in _text(form)
    member.cookies.set("phucloi_lang", "en")
    form = member.get(f"/web/me/disputes/new?entry={entry}").text
    assert (
        "You disputed this entry on 10/09/2024; the inspection committee is looking into it. "
        "Once it has decided, you may dispute it again if need be."
    ) in _text(form)
    # a post all the same (a form left open in another tab) is refused, the day written as
    # people write it
    page = member.get("/web/me").text
    answer = member.post(
        "/web/me/disputes",
        data={"csrf": csrf_of(page), "entry": entry, "reason": "other", "text": "Lần nữa"},
    )
    assert answer.status_code == 409
    assert "the member already disputed this entry on 10/09/2024" in _text(answer.text)
    assert len(web.world.ledger.get_member("DV001").statements) == 1
    # judged: offered again
    [finding] = [f for f in detect(web.world.ctx).findings if f.rule == "member_dispute"]
    web.world.submit(
        "finding.resolve",
        by=web.world.inspector,
        unit="G1",
        body={"finding": finding.id, "rule": "member_dispute", "decision": "dismiss"}
        | {"note": "Đã giao", "reply": "Quà đã được giao"},
    )
    member.cookies.set("phucloi_lang", "vi")
    row = _row(member.get("/web/me").text, entry)
    assert "Ủy ban kiểm tra bác bỏ phản ánh ngày" in row and row.endswith("Phản ánh")
    assert 'id="dispute-form"' in member.get(f"/web/me/disputes/new?entry={entry}").text


def test_the_inspector_reads_a_disputes_period_as_people_write_it(web: Web) -> None:
    """The finding a member's dispute opens showed its period as a key, "Kỳ 2024-09"."""
    from audit.detect import detect

    with at("2024-09-10"):
        assert _dispute(web.login("DV001"), web.events["gift1"]).status_code == 303
    [finding] = [f for f in detect(web.world.ctx).findings if f.rule == "member_dispute"]
    inspector = web.login("ubkt")
    said = {}
    for lang in ("vi", "en"):
        inspector.cookies.set("phucloi_lang", lang)
        page = inspector.get(f"/web/inspector/findings/{finding.id}", params={"unit": "P"})
        said[lang] = _text(page.text)
    assert "Kỳ Tháng 09/2024" in said["vi"] and "2024-09" not in said["vi"]
    assert "Period Month 09/2024" in said["en"] and "2024-09" not in said["en"]


def test_a_crafted_dispute_is_refused_naming_the_field_in_words_and_stores_nothing(
    web: Web,
) -> None:
    """A reason longer than the form's field, posted by hand, was answered with pydantic's
    English words inside the Vietnamese ("giá trị không hợp lệ (String should have at most 40
    characters)"), unlike the API's refusals; and a text over 4000 characters was said to be
    over 4000 while the form allows 2000."""
    entry = web.events["gift1"]
    member = web.login("DV001")
    csrf = csrf_of(member.get("/web/me").text)
    as_json = {"Accept": "application/json"}
    with at("2024-09-10"):
        r = member.post(
            "/web/me/disputes",
            data={"csrf": csrf, "entry": entry, "reason": "x" * 41, "text": "Chưa nhận"},
            headers=as_json,
        )
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_request"
        assert [(p["field"], p["message_vi"], p["message_en"]) for p in r.json()["problems"]] == [
            ("reason", "quá dài (tối đa 40 ký tự)", "String should have at most 40 characters")
        ]
        page = member.post(
            "/web/me/disputes",
            data={"csrf": csrf, "entry": entry, "reason": "other", "text": "a" * 4001},
        )
        assert page.status_code == 422
        said = _text(page.text)
        assert "Nội dung phản ánh: quá dài (tối đa 2000 ký tự)" in said
        assert "4000" not in said and "String should" not in said
    assert web.world.ledger.get_member("DV001").statements == []


def test_a_payout_whose_dispute_is_open_is_not_offered_for_confirmation(web: Web) -> None:
    """A member who said a payout never reached them was still offered "Xác nhận đã nhận"
    beside "Ủy ban kiểm tra đang xem xét.": one click and their record said both that it
    did not arrive and that it did. Once the committee has judged, it is offered again."""
    from audit.detect import detect

    entry = web.events["gift1"]
    member = web.login("DV001")
    assert "Xác nhận đã nhận" in _row(member.get("/web/me").text, entry)
    with at("2024-09-10"):
        assert _dispute(member, entry).status_code == 303
    row = _row(member.get("/web/me").text, entry)
    assert "Ủy ban kiểm tra đang xem xét." in row and "Xác nhận đã nhận" not in row
    [finding] = [f for f in detect(web.world.ctx).findings if f.rule == "member_dispute"]
    web.world.submit(
        "finding.resolve",
        by=web.world.inspector,
        unit="G1",
        body={"finding": finding.id, "rule": "member_dispute", "decision": "dismiss"}
        | {"note": "Đã giao", "reply": "Quà đã được giao"},
    )
    assert "Xác nhận đã nhận" in _row(member.get("/web/me").text, entry)


def test_the_checkpoint_size_is_written_with_the_thousands_dot(web: Web, monkeypatch: Any) -> None:
    """The member's page said "Điểm kiểm tra gần nhất của sổ: 30484 bút toán." where every
    other count reads 30.484 (the inspectors' page, the command line)."""
    from api import queries

    make_checkpoint(web.world.ctx.engine)
    real = queries.history_with_proofs

    def with_a_large_log(ledger: Any, number: str) -> Any:
        history = real(ledger, number)
        history["checkpoint"] = history["checkpoint"] | {"size": 30484}
        return history

    monkeypatch.setattr(queries, "history_with_proofs", with_a_large_log)
    page = _text(web.login("DV001").get("/web/me").text)
    assert "Điểm kiểm tra gần nhất của sổ: 30.484 bút toán." in page


def test_a_dispute_text_over_the_form_parsers_limit_is_a_page_in_vietnamese(web: Web) -> None:
    """A text over 1 MB (pasted, or posted by hand) was answered with the API's JSON and
    Starlette's English as the Vietnamese: "Field exceeded maximum size of 1024KB."."""
    entry = web.events["gift1"]
    member = web.login("DV001")
    csrf = csrf_of(member.get("/web/me").text)
    with at("2024-09-10"):
        r = member.post(
            "/web/me/disputes",
            data={"csrf": csrf, "entry": entry, "reason": "other", "text": "a" * (1 << 20 | 1)},
        )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    said = _text(r.text)
    assert "Một ô của biểu mẫu quá lớn (tối đa 1 MB); không có gì được ghi" in said
    assert "Field exceeded" not in said
    assert web.world.ledger.get_member("DV001").statements == []
