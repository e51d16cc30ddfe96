"""The API on the `world` fixture's ledger (both backends), with logins for every role.

Passwords and PINs are stored as real Argon2id hashes, made with light parameters so that
the many logins of these tests stay fast (the parameters live in each hash).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher

from api.app import create_app
from api.auth import Account, set_credential
from api.deps import ApiSettings
from ledger.client import OfficerSigner
from ledger.signing import encode_b64
from tests.support import World, at, officer_key

with warnings.catch_warnings():  # starlette's notice about httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "mật khẩu dài 123"
OFFICERS = {"admin": "admin", "finance": "kt.g1", "chair": "ct.g1", "inspector": "ubkt"}


@dataclass
class Api:
    world: World
    client: TestClient
    portal: OfficerSigner
    reporter: OfficerSigner
    pins: dict[str, str] = field(default_factory=dict)
    join_events: dict[str, str] = field(default_factory=dict)
    size: int = 0
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def ledger(self) -> Any:
        return self.world.ledger

    def login(self, kind: str, username: str, secret: str | None = None) -> dict[str, str]:
        key = (kind, username)
        if secret is None and key in self._tokens:
            return {"Authorization": f"Bearer {self._tokens[key]}"}
        secret = secret or (PASSWORD if kind == "officer" else self.pins[username])
        r = self.client.post(
            "/auth/login", json={"kind": kind, "username": username, "secret": secret}
        )
        assert r.status_code == 200, r.text
        self._tokens[key] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def officer(self, code: str) -> dict[str, str]:
        return self.login("officer", code)

    def member(self, number: str) -> dict[str, str]:
        return self.login("member", number)


def _register(world: World, signer: OfficerSigner, name: str, role: str, scope: str) -> None:
    world.submit(
        "officer.register",
        by=world.admin,
        body={
            "officer": signer.officer,
            "name": name,
            "public_key": encode_b64(signer.signer.public_key),
        },
    )
    world.submit(
        "officer.grant",
        by=world.admin,
        body={"officer": signer.officer, "role": role, "scope": scope},
    )


@pytest.fixture
def api(world: World) -> Any:
    portal, reporter = officer_key("portal"), officer_key("bc.p")
    with at("2024-06-20"):
        _register(world, portal, "Cổng thông tin đoàn viên", "portal", "*")
        _register(world, reporter, "Ngô Văn Báo", "reporter", "P")
        _register(world, officer_key("ubkt.g2"), "Đỗ Thị Hoa", "inspector", "G2")
    world.join("DV001")
    world.join("DV002")
    world.join("DV003", unit="G2")
    engine = world.ctx.engine
    for code in ("admin", "kt.g1", "ct.g1", "kt.g2", "ubkt", "ubkt.g2", "bc.p"):
        set_credential(engine, Account("officer", code), PASSWORD, hasher=FAST)
    pins = {"DV001": "111111", "DV002": "222222", "DV003": "333333"}
    for number, pin in pins.items():
        set_credential(engine, Account("member", number), pin, issued_by="kt.g1", hasher=FAST)
    app = create_app(world.ctx, portal=portal, settings=ApiSettings(hasher=FAST))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(world, client, portal, reporter, pins)
