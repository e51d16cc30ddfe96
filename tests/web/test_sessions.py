"""Ending web sessions on the server: logging out, or a new PIN or password, refuses the
session cookie's token from then on, even a copy of it, in pages and in the API alike. A session
slides while the pages are used, up to 8 hours after the login (by the ledger clock)."""

from __future__ import annotations

from datetime import timedelta
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


# --- a sliding session ---------------------------------------------------------------------------


def _session_cookie(response: Any) -> str | None:
    """The session cookie a response sets, as sent (None when it sets none)."""
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    return found[0] if found else None


def _credential(web: Web) -> list[Any]:
    from sqlalchemy import select

    from api.tables import api_credentials

    with web.world.ctx.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(api_credentials)).all()]


def test_a_session_slides_while_the_person_uses_the_pages(web: Web) -> None:
    """Sessions lasted 15 minutes from the login however busy the person was: a member
    reading their history for 20 minutes was sent to log in again."""
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen(t0):
        member = web.login("DV001")
        first = member.cookies[SESSION_COOKIE]
    stored = _credential(web)
    with clock.frozen(t0 + timedelta(seconds=30)):  # within a minute: the cookie is kept
        page = member.get("/web/me")
        assert page.status_code == 200 and _session_cookie(page) is None
        token = csrf_of(page.text)
    with clock.frozen(t0 + timedelta(minutes=10)):  # later: a new cookie, 15 minutes from now
        page = member.get("/web/me")
        assert page.status_code == 200
        cookie = _session_cookie(page)
        assert cookie is not None
        assert "Max-Age=900" in cookie and "Path=/web" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert member.cookies[SESSION_COOKIE] != first
    assert _credential(web) == stored  # nothing written to the database for it
    with clock.frozen(t0 + timedelta(minutes=24)):  # past the login's first 15 minutes
        page = member.get("/web/me")
        assert page.status_code == 200, page.headers.get("location")
        # a form shown before the refresh still posts: its CSRF token is the login's
        entry = web.events["gift1"]
        r = member.post("/web/me/receipts", data={"entry": entry, "csrf": token})
        assert r.status_code == 303 and r.headers["location"].startswith("/web/me?done=confirmed")
        # the first cookie, copied before, was not extended
        assert _holding(web, first).get("/web/me").status_code == 303
    # idle for more than 15 minutes after the last page: the session has ended
    with clock.frozen(t0 + timedelta(minutes=24 + 16)):
        r = member.get("/web/me")
        assert r.status_code == 303
        assert r.headers["location"] == "/web/member/login?next=/web/me&expired=1"


def test_a_sliding_session_ends_eight_hours_after_the_login_however_busy(web: Web) -> None:
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen(t0):
        officer = web.login("kt.g1")
    for minutes in range(10, 8 * 60, 10):  # a page every 10 minutes, a whole working day
        with clock.frozen(t0 + timedelta(minutes=minutes)):
            r = officer.get("/web/finance")
            assert r.status_code == 200, minutes
    with clock.frozen(t0 + timedelta(hours=7, minutes=59)):
        r = officer.get("/web/finance")
        assert r.status_code == 200
        assert _session_cookie(r) is None  # already at the cap: no new cookie
    with clock.frozen(t0 + timedelta(hours=8)):
        r = officer.get("/web/finance")
        assert r.status_code == 303
        assert r.headers["location"] == "/web/login?next=/web/finance&expired=1"
        again = web.login("kt.g1")  # a new login starts a new 8 hours
        assert again.get("/web/finance").status_code == 200


def test_an_api_bearer_token_does_not_slide(web: Web) -> None:
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen(t0):
        token = web.login("DV001").cookies[SESSION_COOKIE]
    api = web.client()
    with clock.frozen(t0 + timedelta(minutes=10)):
        r = _bearer(api, token)
        assert r.status_code == 200 and _session_cookie(r) is None
    with clock.frozen(t0 + timedelta(minutes=15)):
        r = _bearer(api, token)
        assert r.status_code == 401 and r.json()["code"] == "token_expired"
