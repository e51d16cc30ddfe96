"""The commands that give people access: portal key, members' PINs, officers' passwords,
and `phucloi serve` itself, run as a real server process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from api.auth import Account, stored_hash
from ledger.tables import ledger_entries
from tests.integration.test_cli import PASSPHRASE, as_json, cli, keys_for_world, ok

PORTAL_PASSPHRASE = "cong-doan-vien-2025"


def _entries(ctx: Any) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ledger_entries)))


def test_portal_pin_and_password_commands(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    keys_for_world(home, "admin", "kt.g1")
    world.join("DV001")
    world.join("DV003", unit="G2")
    env = {"PHUCLOI_PORTAL_PASSPHRASE": PORTAL_PASSPHRASE}

    out = as_json(cli(home, database_url, "portal init --as admin --json", **env))
    assert (home / "keys" / "portal.pem").exists()
    assert [r["command_type"] for r in out["receipts"]] == ["officer.register", "officer.grant"]
    portal = world.ledger.get_officer("portal")
    assert portal.scopes("portal", at=portal.roles[0].granted_at) == ["*"]
    before = _entries(world.ctx)
    again = ok(cli(home, database_url, "portal init --as admin", **env))
    assert "already registered" in again.stdout and _entries(world.ctx) == before
    # another passphrase for the existing key said "already registered" too, and `serve` then
    # refused to start with it
    wrong = cli(home, database_url, "portal init --as admin", PHUCLOI_PORTAL_PASSPHRASE="khac")
    assert wrong.exit_code == 2 and "PHUCLOI_PORTAL_PASSPHRASE: " in wrong.output
    assert "would not start" in " ".join(wrong.output.split()) and _entries(world.ctx) == before

    issued = as_json(cli(home, database_url, "members pin DV001 --as kt.g1 --json"))
    assert issued["member"] == "DV001" and len(issued["pin"]) == 6 and issued["pin"].isdigit()
    hashed = stored_hash(world.ctx.engine, Account("member", "DV001"))
    assert hashed is not None and hashed.startswith("$argon2id$") and issued["pin"] not in hashed
    refused = cli(home, database_url, "members pin DV003 --as kt.g1")  # DV003 is in G2
    assert refused.exit_code == 2 and "G2" in refused.output
    assert cli(home, database_url, "members pin DV404 --as kt.g1").exit_code == 1
    # Erasing a member's personal data deletes their login, and no new PIN is issued.
    ok(cli(home, database_url, "members erase DV001 --unit G1 --reason 'NĐ 13' --as admin"))
    assert stored_hash(world.ctx.engine, Account("member", "DV001")) is None
    erased = cli(home, database_url, "members pin DV001 --as kt.g1")
    assert erased.exit_code == 2 and "erased" in erased.output
    assert stored_hash(world.ctx.engine, Account("member", "DV001")) is None

    # Setting a password takes a key: the officer's own, or an admin's (it set anyone's).
    new = {"PHUCLOI_NEW_PASSWORD": "mật-khẩu-kế-toán"}
    anyone = cli(home, database_url, "officers password ct.g1", **new)
    assert anyone.exit_code == 2 and "--as" in anyone.output
    assert stored_hash(world.ctx.engine, Account("officer", "ct.g1")) is None
    other = cli(home, database_url, "officers password ct.g1 --as kt.g1", **new)
    assert other.exit_code == 2 and "only ct.g1 themself or an admin" in other.output
    assert stored_hash(world.ctx.engine, Account("officer", "ct.g1")) is None
    ok(cli(home, database_url, "officers password kt.g1 --as kt.g1", **new))
    assert stored_hash(world.ctx.engine, Account("officer", "kt.g1")).startswith("$argon2id$")
    ok(cli(home, database_url, "officers password ct.g1 --as admin", **new))
    assert stored_hash(world.ctx.engine, Account("officer", "ct.g1")).startswith("$argon2id$")
    # An admin of one union sets passwords of officers inside it only: never the province
    # inspector's or the global admin's (they would log in as them).
    from tests.integration.test_detect_rules import register_officer

    register_officer(world, "adm.g1", "admin", "G1")
    keys_for_world(home, "adm.g1")
    for target in ("ubkt", "admin"):
        over = cli(home, database_url, f"officers password {target} --as adm.g1", **new)
        assert over.exit_code == 2 and "scope covers every role" in over.output, target
        assert stored_hash(world.ctx.engine, Account("officer", target)) is None
    before = stored_hash(world.ctx.engine, Account("officer", "kt.g1"))
    ok(cli(home, database_url, "officers password kt.g1 --as adm.g1", **new))
    assert stored_hash(world.ctx.engine, Account("officer", "kt.g1")) != before
    short = cli(
        home, database_url, "officers password kt.g1 --as admin", PHUCLOI_NEW_PASSWORD="ngắn"
    )
    assert short.exit_code == 2 and "10" in short.output
    assert cli(home, database_url, "officers password nobody --as admin").exit_code == 1
    portal_login = cli(
        home, database_url, "officers password portal --as admin", PHUCLOI_NEW_PASSWORD="x" * 12
    )
    assert portal_login.exit_code == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_phucloi_serve_answers_a_member_over_loopback(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    keys_for_world(home, "admin", "kt.g1")
    world.join("DV001")
    gift = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    env = {"PHUCLOI_PORTAL_PASSPHRASE": PORTAL_PASSPHRASE}
    ok(cli(home, database_url, "portal init --as admin", **env))
    pin = as_json(cli(home, database_url, "members pin DV001 --as kt.g1 --json"))["pin"]
    port = _free_port()
    environment = {
        **os.environ,
        "PHUCLOI_HOME": str(home),
        "PHUCLOI_PASSPHRASE": PASSPHRASE,
        **env,
    }
    environment.pop("PHUCLOI_DATABASE_URL", None)
    phucloi = Path(sys.executable).with_name("phucloi")
    server = subprocess.Popen(
        [
            str(phucloi),
            "--db",
            database_url,
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        with httpx.Client(base_url=base) as http:
            login = http.post(
                "/auth/login", json={"kind": "member", "username": "DV001", "secret": pin}
            )
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            lines = http.get("/me/history", headers=headers).json()["lines"]
            assert [ln["event_id"] for ln in lines] == [gift.event_id]
            r = http.post("/me/receipts", json={"entry": gift.event_id}, headers=headers)
            assert r.status_code == 201, r.text
            assert http.get("/docs").status_code == 200
            # A new PIN from the command line (another process) ends the member's session on
            # the running server, within the second its grants are remembered for.
            new_pin = as_json(cli(home, database_url, "members pin DV001 --as kt.g1 --json"))
            for _ in range(50):
                r = http.get("/me/history", headers=headers)
                if r.status_code != 200:
                    break
                time.sleep(0.1)
            assert r.status_code == 401 and r.json()["code"] == "session_ended", r.text
            login = http.post(
                "/auth/login",
                json={"kind": "member", "username": "DV001", "secret": new_pin["pin"]},
            )
            assert login.status_code == 200, login.text
            fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert http.get("/me/history", headers=fresh).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert world.ledger.get_member("DV001").statements[0]["kind"] == "confirm"


def test_phucloi_serve_refuses_a_bad_login_limit_before_starting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli(tmp_path / "home", None, "serve --port 1", PHUCLOI_LOGIN_QUEUE="nhiều")
    assert result.exit_code == 2
    assert "PHUCLOI_LOGIN_QUEUE: cần là số nguyên" in result.output
    assert "must be an integer within bounds" in result.output
    assert not (tmp_path / "home").exists()  # no ledger opened, nothing started


def test_phucloi_serve_refuses_a_bad_public_limit_before_starting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli(tmp_path / "home", None, "serve --port 1", PHUCLOI_PUBLIC_REQUESTS="0")
    assert result.exit_code == 2
    assert "PHUCLOI_PUBLIC_REQUESTS: cần là số nguyên trong giới hạn (requests 1–1000000" in (
        result.output
    )
    assert not (tmp_path / "home").exists()
