"""Logging in: Argon2id hashes, refusals, the per-account and per-client rate limits, the
bound on password checks at once, token lifetime."""

from __future__ import annotations

import base64
import threading
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError

from api.app import create_app
from api.auth import Account, Tokens, failures, set_credential, stored_hash
from api.deps import ApiSettings
from api.throttle import LoginSettings, client_key, settings_problem
from ledger import clock
from tests.api.conftest import PASSWORD

with warnings.catch_warnings():  # starlette's notice about httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

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


# --- the process's login limits (api.throttle) ---------------------------------------------


class CountingHasher(PasswordHasher):
    """The tests' light Argon2id, counting every password check (the boundary: api.auth
    checks secrets with the server's hasher and nothing else)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checks = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.checks += 1
        return super().verify(hash, password)


class PeakHasher(CountingHasher):
    """Records how many checks run at once, from the server's threads. A check waits until
    one more than `limit` are running, or `hold` seconds, or `release` is set: checks that
    nothing bounds all overlap, so the peak shows the bound (no timing is asserted)."""

    def __init__(self, limit: int, hold: float) -> None:
        super().__init__()
        self.limit, self.hold = limit, hold
        self.running = self.peak = 0
        self.cond = threading.Condition()
        self.release = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.cond:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.cond.notify_all()
            self.cond.wait_for(
                lambda: self.running > self.limit or self.release.is_set(), timeout=self.hold
            )
        try:
            return super().verify(hash, password)
        finally:
            with self.cond:
                self.running -= 1
                self.cond.notify_all()

    def wait_running(self, n: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.running >= n, timeout=30)

    def let_go(self) -> None:
        with self.cond:
            self.release.set()
            self.cond.notify_all()


def _client(app: Any, host: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(host, 50000))


def _app(api: Any, hasher: PasswordHasher, **limits: int) -> Any:
    """Another app over the same ledger, with its own hasher and login limits."""
    settings = ApiSettings(hasher=hasher, login=LoginSettings(**limits))
    return create_app(api.world.ctx, settings=settings)


def _post(client: TestClient, kind: str, username: str, secret: str) -> Any:
    return client.post("/auth/login", json={"kind": kind, "username": username, "secret": secret})


def test_failed_logins_are_limited_per_client_address_before_the_secret_is_checked(api) -> None:  # type: ignore[no-untyped-def]
    hasher = CountingHasher()
    app = _app(api, hasher, client_failures=3, client_window=600)
    ct = Account("officer", "ct.g1")
    with _client(app, "203.0.113.7") as attacker, _client(app, "198.51.100.9") as other:
        with clock.frozen(T0):
            # Three failures under three accounts: no account reaches its own limit (5).
            for username in ("nobody1", "nobody2", "kt.g1"):
                assert _post(attacker, "officer", username, "sai mật khẩu").status_code == 401
            assert hasher.checks == 3
            refused = _post(attacker, "officer", "ct.g1", PASSWORD)  # even the right password
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "600"
            assert refused.json()["code"] == "too_many_attempts"
            assert refused.json()["message_vi"] == (
                "Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau 10 phút"
            )
            assert refused.json()["message_en"] == (
                "Too many failed logins from this address; try again in 10 minutes"
            )
            assert hasher.checks == 3  # refused before any hashing
            assert failures(api.ledger.engine, ct) == 0  # and before the account's count
            # Another address is not affected.
            assert _post(other, "officer", "ct.g1", PASSWORD).status_code == 200
            assert hasher.checks == 4
        with clock.frozen(T0 + timedelta(minutes=5)):
            r = _post(attacker, "officer", "ct.g1", PASSWORD)
            assert (r.status_code, r.headers["Retry-After"]) == (429, "300")
            assert hasher.checks == 4
        with clock.frozen(T0 + timedelta(minutes=10, seconds=1)):  # the window has passed
            assert _post(attacker, "officer", "ct.g1", PASSWORD).status_code == 200


def test_a_success_neither_counts_nor_clears_the_address_failures(api) -> None:  # type: ignore[no-untyped-def]
    hasher = CountingHasher()
    app = _app(api, hasher, client_failures=3, client_window=600)
    with (
        clock.frozen(T0),
        _client(app, "2001:db8:5::1") as one,
        _client(app, "2001:db8:5::2") as two,
    ):
        assert _post(one, "member", "DV002", "000001").status_code == 401
        assert _post(one, "member", "DV001", api.pins["DV001"]).status_code == 200
        assert _post(one, "member", "DV003", "000002").status_code == 401
        assert _post(two, "member", "DV001", api.pins["DV001"]).status_code == 200
        # The same IPv6 /64: one address's count.
        assert _post(two, "member", "DV002", "000003").status_code == 401
        checks = hasher.checks
        r = _post(one, "member", "DV001", api.pins["DV001"])
        assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        assert hasher.checks == checks


def test_password_checks_run_at_most_concurrency_at_once(api) -> None:  # type: ignore[no-untyped-def]
    hasher = PeakHasher(limit=2, hold=1.0)
    app = _app(api, hasher, concurrency=2, queue=16, client_failures=100)
    with _client(app, "203.0.113.8") as client:
        statuses: list[int] = []

        def attempt(i: int) -> None:
            statuses.append(_post(client, "member", f"X{i:05d}", "123456").status_code)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(7)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(statuses) == [401] * 7
    assert hasher.checks == 7
    assert hasher.peak == 2


def test_logins_beyond_the_queue_are_refused_at_once_as_busy(api) -> None:  # type: ignore[no-untyped-def]
    hasher = PeakHasher(limit=1, hold=60.0)
    app = _app(api, hasher, concurrency=1, queue=1, client_failures=100)
    gate = app.state.services.logins.gate
    with _client(app, "203.0.113.9") as client:
        results: dict[str, Any] = {}

        def attempt(name: str) -> None:
            results[name] = _post(client, "officer", name, "sai mật khẩu")

        first = threading.Thread(target=attempt, args=("nobody1",))
        first.start()
        hasher.wait_running(1)  # the one slot is taken
        second = threading.Thread(target=attempt, args=("nobody2",))
        second.start()
        for _ in range(3000):  # until it waits in the queue
            if gate.waiting:
                break
            threading.Event().wait(0.01)
        assert gate.waiting == 1
        busy = _post(client, "officer", "nobody3", "sai mật khẩu")
        hasher.let_go()
        first.join(timeout=60)
        second.join(timeout=60)
    assert busy.status_code == 503
    assert busy.json()["code"] == "busy"
    assert busy.headers["Retry-After"] == "5"
    assert "thử lại sau 5 giây" in busy.json()["message_vi"]
    assert [results[n].status_code for n in ("nobody1", "nobody2")] == [401, 401]
    assert hasher.checks == 2 and hasher.peak == 1
    # A refusal for a busy server is not a failure of the client.
    assert app.state.services.logins.clients.count("203.0.113.9") == 2


def test_client_addresses_and_settings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:5::1") == client_key("2001:db8:5:0:ffff::9") == "2001:db8:5::/64"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "unknown"
    assert client_key("testclient") == "testclient"
    monkeypatch.setenv("PHUCLOI_LOGIN_CLIENT_FAILURES", "7")
    monkeypatch.setenv("PHUCLOI_LOGIN_CONCURRENCY", "3")
    got = LoginSettings()
    assert (got.client_failures, got.concurrency, got.queue, got.client_window) == (7, 3, 16, 900)
    monkeypatch.delenv("PHUCLOI_LOGIN_CONCURRENCY")
    assert 1 <= LoginSettings().concurrency <= 4
    monkeypatch.setenv("PHUCLOI_LOGIN_QUEUE", "-1")
    with pytest.raises(ValidationError) as caught:
        LoginSettings()
    assert settings_problem(caught.value).startswith("PHUCLOI_LOGIN_QUEUE: ")
