"""What a finance office does in the browser beyond payouts, dues and other income: reverse an
entry, record the 2% union fee and remittances upward; the reports form's refusals; the
site's icon. Server side, with FastAPI's TestClient on the real ledger (both backends)."""

from __future__ import annotations

from tests.web.conftest import Web

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
