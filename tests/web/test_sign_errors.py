"""The browser's signing refusals (static/phucloi-sign.js) in the page's language.

An English page showed "Could not sign: Chưa có khóa ký trên thiết bị này": the refusals of
the signing script were Vietnamese only. They follow the page's `<meta name="lang">` (as
web.js does) and keep both versions (`message_vi`, `message_en`) for web.js to choose from.

One page in Chromium, served from memory (no server, no ledger): the script alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "phucloi-sign.js"
ORIGIN = "http://localhost:8765"

# Each refusal: (message_vi, message_en, message) as the script gives them.
PROBE = """async () => {
  const caught = async (f) => {
    try { await f(); return null; } catch (e) { return [e.message_vi, e.message_en, e.message]; }
  };
  return {
    float: await caught(() => phucloiSign.canonicalize({ body: { amount: 1.5 } })),
    kind: await caught(() => phucloiSign.canonicalize({ when: BigInt(1) })),
    sign: await caught(() => phucloiSign.signCommand("kt.nokey", { type: "payout.record", body: {} })),
    cosign: await caught(() => phucloiSign.cosignCommand("kt.nokey", { command: {} })),
  };
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI requires it", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _said(page: Any, lang: str) -> dict[str, list[str]]:
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="lang" content="{lang}"><script src="/static/phucloi-sign.js"></script>'
        "</head><body></body></html>"
    )
    page.unroute("**/*")
    page.route(
        "**/*",
        lambda route: route.fulfill(
            status=200,
            content_type="application/javascript; charset=utf-8"
            if route.request.url.endswith(".js")
            else "text/html; charset=utf-8",
            body=SCRIPT.read_text(encoding="utf-8") if route.request.url.endswith(".js") else html,
        ),
    )
    page.goto(f"{ORIGIN}/{lang}")
    said = page.evaluate(PROBE)
    assert isinstance(said, dict)
    return said


def test_signing_refusals_speak_the_pages_language(page: Any) -> None:
    english, vietnamese = _said(page, "en"), _said(page, "vi")
    no_key = ["Chưa có khóa ký trên thiết bị này", "No signing key on this device yet"]
    for said in (english, vietnamese):
        assert said["float"][:2] == [
            "$.body.amount: chỉ nhận số nguyên (đồng)",
            "$.body.amount: whole numbers only (đồng)",
        ]
        assert said["kind"][:2] == [
            "$.when: kiểu dữ liệu không hợp lệ",
            "$.when: a value of a type commands cannot hold",
        ]
        assert said["sign"][:2] == no_key and said["cosign"][:2] == no_key
    # the message itself is the page's language
    assert [english[k][2] for k in ("float", "sign", "cosign")] == [
        "$.body.amount: whole numbers only (đồng)",
        *no_key[1:] * 2,
    ]
    assert [vietnamese[k][2] for k in ("float", "sign", "cosign")] == [
        "$.body.amount: chỉ nhận số nguyên (đồng)",
        *no_key[:1] * 2,
    ]
