"""Logging in: Argon2id hashes, refusals, the per-account rate limit, token lifetime."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from api.auth import Account, Tokens, failures, set_credential, stored_hash
from ledger import clock
from tests.api.conftest import PASSWORD

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def _login(api: Any, kind: str, username: str, secret: str) -> Any:
    return api.client.post(
        "/auth/login", json={"kind": kind, "username": username, "secret": secret}
    )


def test_the_password_is_stored_only_as_an_argon2id_hash(api) -> None:  # type: ignore[no-untyped-def]
    engine = api.ledger.engine
    set_credential(engine, Account("officer", "kt.g1"), "một mật khẩu mới 456")
    hashed = stored_hash(engine, Account("officer", "kt.g1"))
    assert hashed is not None
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    # Neither the password nor its base64 form is in the hash (a short piece like "456" can
    # turn up in random base64 by chance, so the whole secret is what is looked for).
    secret = "một mật khẩu mới 456"
    assert secret not in hashed
    assert base64.b64encode(secret.encode()).decode().rstrip("=") not in hashed
    assert _login(api, "officer", "kt.g1", "một mật khẩu mới 456").status_code == 200
    assert _login(api, "officer", "kt.g1", PASSWORD).status_code == 401  # the old one is gone
    r = _login(api, "member", "DV001", "111111")
    assert r.status_code == 200
    body = r.json()
    assert body["account"] == {
        "kind": "member",
        "subject": "DV001",
        "roles": [{"role": "member", "scope": "G1"}],
    }
    assert body["token_type"] == "bearer"


def test_wrong_secrets_and_unknown_accounts_get_the_same_refusal(api) -> None:  # type: ignore[no-untyped-def]
    refusals = [
        _login(api, "officer", "kt.g1", "wrong password"),
        _login(api, "officer", "nobody", "wrong password"),
        _login(api, "member", "DV001", "000000"),
        _login(api, "officer", "DV001", "111111"),  # a member's PIN is not an officer login
        _login(api, "officer", "portal", "anything"),  # the portal never logs in
    ]
    assert [r.status_code for r in refusals] == [401] * 5
    assert {r.json()["code"] for r in refusals} == {"login_failed"}
    assert {r.json()["message_vi"] for r in refusals} == {"Sai tên đăng nhập hoặc mật khẩu/PIN"}
    assert refusals[0].headers["WWW-Authenticate"] == "Bearer"
    r = _login(api, "officer", "kt.g1", "x" * 201)
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "secret"


def test_failed_logins_are_rate_limited_per_account(api) -> None:  # type: ignore[no-untyped-def]
    kt = Account("officer", "kt.g1")
    with clock.frozen(T0):
        for _ in range(5):
            assert _login(api, "officer", "kt.g1", "sai mật khẩu").status_code == 401
        assert failures(api.ledger.engine, kt) == 5
        locked = _login(api, "officer", "kt.g1", PASSWORD)  # even the right password
        assert locked.status_code == 429
        assert locked.json()["code"] == "too_many_attempts"
        assert locked.headers["Retry-After"] == "900"
        assert _login(api, "officer", "ct.g1", PASSWORD).status_code == 200  # others unaffected
    with clock.frozen(T0 + timedelta(minutes=10)):
        locked = _login(api, "officer", "kt.g1", PASSWORD)
        assert (locked.status_code, locked.headers["Retry-After"]) == (429, "300")
    with clock.frozen(T0 + timedelta(minutes=15, seconds=1)):
        assert _login(api, "officer", "kt.g1", PASSWORD).status_code == 200
        assert failures(api.ledger.engine, kt) == 0  # a success clears the failures
    with clock.frozen(T0 + timedelta(minutes=20)):
        for _ in range(5):  # members' PINs are limited the same way
            assert _login(api, "member", "DV002", "999999").status_code == 401
        assert _login(api, "member", "DV002", "222222").status_code == 429


def test_a_token_lives_fifteen_minutes(api) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen(T0):
        r = _login(api, "officer", "ct.g1", PASSWORD)
        token = r.json()["access_token"]
        assert r.json()["expires_at"] == "2025-03-01T02:15:00+00:00"
    headers = {"Authorization": f"Bearer {token}"}
    with clock.frozen(T0 + timedelta(minutes=14, seconds=59)):
        assert api.client.get("/auth/me", headers=headers).json()["subject"] == "ct.g1"
    with clock.frozen(T0 + timedelta(minutes=15)):
        r = api.client.get("/auth/me", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_forged_and_foreign_tokens_are_refused(api) -> None:  # type: ignore[no-untyped-def]
    token = api.officer("kt.g1")["Authorization"].removeprefix("Bearer ")
    head, _payload, mac = token.split(".")
    admin = Tokens(b"\x00" * 32).issue(Account("officer", "admin"), 0)[0]  # another server's key
    forged_payload = admin.split(".")[1]
    for bad in (f"{head}.{forged_payload}.{mac}", admin, token[:-2], "v1.x.y", "garbage", ""):
        r = api.client.get("/auth/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, bad
        assert r.json()["code"] in ("bad_token", "not_authenticated")


def test_a_revoked_role_takes_effect_at_once(api) -> None:  # type: ignore[no-untyped-def]
    kt, admin = api.officer("kt.g1"), api.officer("admin")
    assert api.client.get("/members/DV001", headers=kt).status_code == 200
    revoke = api.world.item(
        "officer.revoke_role",
        by=api.world.admin,
        body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
    )
    assert api.client.post("/officers", json=revoke, headers=admin).status_code == 201
    r = api.client.get("/members/DV001", headers=kt)  # the same, still valid token
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    assert api.client.get("/auth/me", headers=kt).json()["roles"] == []


def test_a_role_revoked_elsewhere_takes_effect_within_the_grants_max_age(api) -> None:  # type: ignore[no-untyped-def]
    """Revoked on the command line (another process, not through this server): the server
    still answers from the grants it read less than `grants_max_age` ago, then reads again."""
    from dataclasses import replace

    svc = api.client.app.state.services
    svc.settings = replace(svc.settings, grants_max_age=60.0)  # a window no test run outlasts
    kt = api.officer("kt.g1")
    assert api.client.get("/members/DV001", headers=kt).status_code == 200
    api.world.submit(  # straight into the ledger, as `phucloi officers revoke-role` does
        "officer.revoke_role",
        by=api.world.admin,
        body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
    )
    r = api.client.get("/members/DV001", headers=kt)  # within the window: the grants read before
    assert r.status_code == 200
    for account, (read_at, principal) in list(svc.grants.items()):  # the window passes
        svc.grants[account] = (read_at - 60.0, principal)
    r = api.client.get("/members/DV001", headers=kt)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
