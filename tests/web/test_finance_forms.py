"""What a finance office does in the browser beyond payouts, dues and other income: reverse an
entry, record the 2% union fee and remittances upward; the reports form's refusals; the
site's icon. Server side, with FastAPI's TestClient on the real ledger (both backends)."""

from __future__ import annotations

import re
from typing import Any

from audit.log import make_checkpoint
from tests.web.conftest import Web


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
