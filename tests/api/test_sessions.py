"""Ending sessions before they expire: a new password or PIN refuses the account's tokens
issued before (401 `session_ended`), and only that account's; a new login works at once, even
within the same second; tokens from before sessions could be ended are refused."""

from __future__ import annotations

import json
from typing import Any

from api.auth import Account, _b64, set_credential
from api.tables import api_credentials
from ledger import clock
from tests.api.conftest import FAST, PASSWORD

NEW_PASSWORD = "mật khẩu mới sau khi mất máy"


def _login(api: Any, kind: str, username: str, secret: str) -> dict[str, str]:
    r = api.client.post("/auth/login", json={"kind": kind, "username": username, "secret": secret})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _me(api: Any, headers: dict[str, str]) -> Any:
    return api.client.get("/auth/me", headers=headers)


def _window_passes(api: Any) -> None:
    """The server reuses an account's grants for `grants_max_age` (1 s): let that pass, as a
    change made by another process (`phucloi officers password`) is seen after it."""
    svc = api.client.app.state.services
    for key, (read_at, principal) in list(svc.grants.items()):
        svc.grants[key] = (read_at - 60.0, principal)


def _assert_ended(r: Any) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == "Bearer"
    body = r.json()
    assert body["code"] == "session_ended"
    assert body["message_vi"].startswith("Phiên đăng nhập đã kết thúc")
    assert "log in again" in body["message_en"]


def test_a_new_password_ends_that_officers_tokens_and_nobody_elses(api) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen(clock.now()):  # the new login comes in the same second as the change
        stolen = _login(api, "officer", "kt.g1", PASSWORD)
        chair = _login(api, "officer", "ct.g1", PASSWORD)
        member = _login(api, "member", "DV001", "111111")
        assert _me(api, stolen).status_code == 200
        assert api.client.get("/members/DV001", headers=stolen).status_code == 200

        set_credential(api.ledger.engine, Account("officer", "kt.g1"), NEW_PASSWORD, hasher=FAST)
        _window_passes(api)
        _assert_ended(_me(api, stolen))
        _assert_ended(api.client.get("/members/DV001", headers=stolen))
        assert _me(api, chair).json()["subject"] == "ct.g1"  # other accounts keep theirs
        assert _me(api, member).json()["subject"] == "DV001"

        fresh = _login(api, "officer", "kt.g1", NEW_PASSWORD)
        assert _me(api, fresh).json()["subject"] == "kt.g1"
        assert api.client.get("/members/DV001", headers=fresh).status_code == 200
        _assert_ended(_me(api, stolen))  # the new session does not revive the old one


def test_a_new_pin_ends_that_members_tokens_and_nobody_elses(api) -> None:  # type: ignore[no-untyped-def]
    dv1 = _login(api, "member", "DV001", "111111")
    dv2 = _login(api, "member", "DV002", "222222")
    officer = _login(api, "officer", "kt.g1", PASSWORD)
    assert api.client.get("/me/history", headers=dv1).status_code == 200

    # as `phucloi members pin DV001 --as kt.g1` does
    set_credential(
        api.ledger.engine, Account("member", "DV001"), "654321", issued_by="kt.g1", hasher=FAST
    )
    _window_passes(api)
    _assert_ended(api.client.get("/me/history", headers=dv1))
    assert api.client.get("/me/history", headers=dv2).status_code == 200
    assert _me(api, officer).status_code == 200
    again = _login(api, "member", "DV001", "654321")
    assert api.client.get("/me/history", headers=again).status_code == 200


def test_a_new_session_is_never_answered_from_the_old_sessions_grants(api) -> None:  # type: ignore[no-untyped-def]
    """The grants are remembered per account and session generation: the new session is read
    afresh at once, and the old one is refused once its remembered grants have aged."""
    stolen = _login(api, "officer", "kt.g1", PASSWORD)
    assert _me(api, stolen).status_code == 200
    set_credential(api.ledger.engine, Account("officer", "kt.g1"), NEW_PASSWORD, hasher=FAST)
    fresh = _login(api, "officer", "kt.g1", NEW_PASSWORD)
    assert _me(api, fresh).status_code == 200  # not answered from the old session's entry
    _window_passes(api)
    _assert_ended(_me(api, stolen))
    assert _me(api, fresh).status_code == 200


def test_tokens_without_a_session_generation_are_refused(api) -> None:  # type: ignore[no-untyped-def]
    """A genuine token in the format of before sessions could be ended (no "gen" claim, the
    server's own key) is refused as an ended session, not accepted for its last minutes."""
    tokens = api.client.app.state.services.tokens
    now = int(clock.now().timestamp())
    payload = {"sub": "officer:kt.g1", "iat": now, "exp": now + 600}
    body = "v1." + _b64(json.dumps(payload, separators=(",", ":")).encode())
    old = f"{body}.{_b64(tokens._mac(body))}"
    _assert_ended(_me(api, {"Authorization": f"Bearer {old}"}))
    forged = {**payload, "gen": True}  # only a whole number counts (the MAC is the server's)
    body = "v1." + _b64(json.dumps(forged, separators=(",", ":")).encode())
    _assert_ended(_me(api, {"Authorization": f"Bearer {body}.{_b64(tokens._mac(body))}"}))


def test_an_api_logout_ends_every_token_of_the_account_and_no_other(api) -> None:  # type: ignore[no-untyped-def]
    """A program holding a bearer token had no way to end it: only the web pages logged out."""
    with clock.frozen(clock.now()):
        phone = _login(api, "member", "DV001", "111111")
        laptop = _login(api, "member", "DV001", "111111")
        other = _login(api, "officer", "kt.g1", PASSWORD)
        assert api.client.get("/me/history", headers=laptop).status_code == 200

        r = api.client.post("/auth/logout", headers=phone)
        assert (r.status_code, r.json()["status"]) == (200, "logged_out")
        _assert_ended(_me(api, phone))
        _assert_ended(api.client.get("/me/history", headers=laptop))  # no window: same process
        assert api.client.post("/auth/logout", headers=phone).status_code == 401
        assert _me(api, other).json()["subject"] == "kt.g1"

        again = _login(api, "member", "DV001", "111111")  # in the same second
        assert api.client.get("/me/history", headers=again).json()["member"] == "DV001"


def test_revoking_an_officers_key_ends_that_officers_sessions_and_nobody_elses(api) -> None:  # type: ignore[no-untyped-def]
    """A key is revoked because it was lost, usually with the device holding the officer's
    open sessions: those end with the revocation, through the API or the command line."""
    lost = _login(api, "officer", "kt.g1", PASSWORD)
    chair = _login(api, "officer", "ct.g1", PASSWORD)
    member = _login(api, "member", "DV001", "111111")
    assert api.client.get("/members/DV001", headers=lost).status_code == 200
    revoke = api.world.item(
        "officer.revoke_key",
        by=api.world.admin,
        body={"officer": "kt.g1", "key_id": api.world.kt.key_id, "reason": "mất máy tính"},
    )
    r = api.client.post("/officers", json=revoke, headers=api.officer("admin"))
    assert r.status_code == 201, r.text
    _assert_ended(api.client.get("/members/DV001", headers=lost))  # no window: this process
    assert _me(api, chair).json()["subject"] == "ct.g1"
    assert _me(api, member).json()["subject"] == "DV001"
    # The password stays: on another device the officer logs in again and can read.
    again = _login(api, "officer", "kt.g1", PASSWORD)
    assert api.client.get("/members/DV001", headers=again).status_code == 200

    # Revoked straight in the ledger, as `phucloi officers revoke-key` does.
    chair_device = _login(api, "officer", "ct.g1", PASSWORD)
    api.world.submit(
        "officer.revoke_key",
        by=api.world.admin,
        body={"officer": "ct.g1", "key_id": api.world.chair.key_id, "reason": "lộ khóa"},
    )
    _window_passes(api)
    _assert_ended(_me(api, chair_device))
    _assert_ended(_me(api, chair))
    assert _me(api, again).json()["subject"] == "kt.g1"


def test_erasing_a_members_data_deletes_their_login(api) -> None:  # type: ignore[no-untyped-def]
    dv1 = _login(api, "member", "DV001", "111111")
    dv2 = _login(api, "member", "DV002", "222222")
    assert api.client.get("/me/history", headers=dv1).status_code == 200
    api.world.submit(  # as `phucloi members erase DV001` does
        "member.erase", by=api.world.admin, unit="G1", body={"member": "DV001", "reason": "NĐ 13"}
    )
    _window_passes(api)
    _assert_ended(api.client.get("/me/history", headers=dv1))
    r = api.client.post(
        "/auth/login", json={"kind": "member", "username": "DV001", "secret": "111111"}
    )
    assert r.status_code == 401, r.text
    assert api.client.get("/me/history", headers=dv2).status_code == 200
    with api.ledger.engine.connect() as conn:
        rows = conn.execute(
            api_credentials.select().where(api_credentials.c.account == "member:DV001")
        ).all()
    assert rows == []  # the PIN's hash went with the personal data


def test_erasing_through_the_api_ends_the_session_at_once(api) -> None:  # type: ignore[no-untyped-def]
    dv2 = _login(api, "member", "DV002", "222222")
    erase = api.world.item(
        "member.erase", by=api.world.admin, unit="G1", body={"member": "DV002", "reason": "NĐ 13"}
    )
    r = api.client.post("/members", json=erase, headers=api.officer("admin"))
    assert r.status_code == 201, r.text
    _assert_ended(api.client.get("/me/history", headers=dv2))  # no window: this process
