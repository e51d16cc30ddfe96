"""Ending web sessions on the server: logging out, or a new PIN or password, refuses the
session cookie's token from then on, even a copy of it, in pages and in the API alike."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.auth import Account, set_credential
from api.web.session import SESSION_COOKIE
from ledger import clock
from tests.web.conftest import FAST, Web, csrf_of

JSON = {"Accept": "application/json"}


def _holding(web: Web, token: str) -> TestClient:
    """A browser holding a copy of a session cookie (a stolen one, say)."""
    thief = web.client()
    thief.cookies.set(SESSION_COOKIE, token)
    return thief


def _assert_ended(web: Web, token: str, page: str, login_page: str) -> None:
    r = _holding(web, token).get(page)
    assert r.status_code == 303 and r.headers["location"].startswith(login_page)
    r = _holding(web, token).get(page, headers=JSON)  # what the page scripts get
    assert r.status_code == 401 and r.json()["code"] == "session_ended"


def _bearer(client: TestClient, token: str) -> Any:
    return client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_logging_out_ends_the_session_on_the_server_not_only_in_the_browser(web: Web) -> None:
    with clock.frozen(clock.now()):  # logging in again within the same second must work
        member = web.login("DV001")
        token = member.cookies[SESSION_COOKIE]
        thief = _holding(web, token)
        other = web.login("DV002")
        officer = web.login("kt.g1")
        assert thief.get("/web/me").status_code == 200
        assert _bearer(thief, token).json()["subject"] == "DV001"

        out = member.post("/web/logout", data={"csrf": csrf_of(member.get("/web/me").text)})
        assert out.status_code == 303 and out.headers["location"] == "/web/member/login"
        _assert_ended(web, token, "/web/me", "/web/member/login")
        r = _bearer(thief, token)  # the same token as an API bearer token
        assert r.status_code == 401 and r.json()["code"] == "session_ended"
        assert other.get("/web/me").status_code == 200  # other accounts keep their sessions
        assert officer.get("/web/finance").status_code == 200

        again = web.login("DV001")
        assert again.get("/web/me").status_code == 200
        _assert_ended(web, token, "/web/me", "/web/member/login")  # still ended


def test_an_officer_logging_out_ends_their_session(web: Web) -> None:
    officer = web.login("kt.g1")
    token = officer.cookies[SESSION_COOKIE]
    chair = web.login("ct.g1")
    assert _holding(web, token).get("/web/finance").status_code == 200
    out = officer.post("/web/logout", data={"csrf": csrf_of(officer.get("/web/finance").text)})
    assert out.status_code == 303 and out.headers["location"] == "/web/login"
    _assert_ended(web, token, "/web/finance", "/web/login")
    assert chair.get("/web/chair").status_code == 200


def test_a_new_pin_or_password_ends_that_accounts_web_sessions_only(web: Web) -> None:
    member, other, officer = web.login("DV001"), web.login("DV002"), web.login("kt.g1")
    assert member.get("/web/me").status_code == 200
    tokens = {who: c.cookies[SESSION_COOKIE] for who, c in (("DV001", member), ("kt.g1", officer))}
    engine = web.world.ctx.engine
    # as `phucloi members pin DV001 --as kt.g1` does
    set_credential(engine, Account("member", "DV001"), "987654", issued_by="kt.g1", hasher=FAST)
    _assert_ended(web, tokens["DV001"], "/web/me", "/web/member/login")
    assert other.get("/web/me").status_code == 200
    assert officer.get("/web/finance").status_code == 200
    # as `phucloi officers password kt.g1` does
    set_credential(engine, Account("officer", "kt.g1"), "một mật khẩu mới hẳn", hasher=FAST)
    _assert_ended(web, tokens["kt.g1"], "/web/finance", "/web/login")
    assert other.get("/web/me").status_code == 200
