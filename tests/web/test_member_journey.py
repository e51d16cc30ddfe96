"""A member's own pages (`/web/me`, the dispute form) for a member whose relative's personal
data was erased and for a member who moved from one union to another, in both languages."""

from __future__ import annotations

import html
import re
from typing import Any

from audit.log import make_checkpoint
from tests.support import at
from tests.web.conftest import Web


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
