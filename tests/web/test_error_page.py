"""The refusal page says a form's one problem once.

A member's statement form with a value the form does not offer was refused with the problem
as the headline and again below it ("Lý do: Chưa gửi được — Lý do: ..."), in both languages.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.web.conftest import Web, csrf_of


def _alert(html: str) -> str:
    found = re.search(r'<div class="notice error" role="alert">(.*?)</div>', html, re.S)
    assert found is not None, html
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.mark.parametrize(
    ("lang", "said"),
    [("vi", "Chưa gửi được — Lý do"), ("en", "Not sent — Reason")],
)
def test_a_refused_forms_one_problem_is_said_once(web: Web, lang: str, said: str) -> None:
    member = web.login("DV001")
    member.cookies.set("phucloi_lang", lang)
    page = member.get(f"/web/me/disputes/new?entry={web.events['gift1']}").text
    answer = member.post(
        "/web/me/disputes",
        data={
            "csrf": csrf_of(page),
            "entry": web.events["gift1"],
            "reason": "no_such_reason",
            "text": "x",
        },
    )
    assert answer.status_code == 422, answer.text
    alert = _alert(answer.text)
    assert alert.count(said) == 1, alert
    assert "<li>" not in answer.text.split('role="alert"')[1].split("</div>")[0]
    # the error code is still there, and the JSON answer keeps its problems for scripts
    assert "invalid_request" in alert
    json = member.post(
        "/web/me/disputes",
        data={"csrf": csrf_of(page), "entry": web.events["gift1"], "reason": "no_such_reason"},
        headers={"Accept": "application/json"},
    )
    assert json.status_code == 422
    assert [p["field"] for p in json.json()["problems"]] == ["reason"]
