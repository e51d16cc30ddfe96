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
