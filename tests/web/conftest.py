"""Fixtures of the web interface's tests: the test world behind the app, people who can log in.

Passwords and PINs are hashed with a cheap Argon2id setting here (the production default is
slow by design); everything else is the real app on the real ledger of the `world` fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Account, set_credential
from ledger.signing import encode_b64
from tests.support import at, officer_key

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "mật-khẩu-đủ-dài"
PIN = {"DV001": "111111", "DV002": "222222", "DV201": "333333"}
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Web:
    world: Any
    app: Any
    events: dict[str, str] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def login(self, who: str) -> TestClient:
        """A browser logged in as an officer code or a member number."""
        client = self.client()
        member = who in PIN
        page = "/web/member/login" if member else "/web/login"
        form = client.get(page)
        assert form.status_code == 200
        token = CSRF.search(form.text).group(1)
        done = client.post(
            page,
            data={"username": who, "secret": PIN[who] if member else PASSWORD, "csrf": token},
        )
        assert done.status_code == 303, done.text
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


def populate(world: Any) -> dict[str, str]:
    """Three members, a few payouts, one dues month; event ids by a short name."""
    world.join("DV001")
    world.join("DV002")
    world.join("DV201", unit="G2")
    ids = {
        "gift1": world.payout("DV001", "gift", 300_000, on="2024-09-02", occasion="2/9").event_id,
        "gift2": world.payout("DV002", "gift", 400_000, on="2024-09-02", occasion="2/9").event_id,
        "gift3": world.payout(
            "DV201", "gift", 500_000, on="2024-09-03", unit="G2", by=world.kt2, occasion="2/9"
        ).event_id,
    }
    with at("2024-08-05"):
        ids["dues"] = world.submit(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2024-08-05",
            body={
                "month": "2024-07",
                "lines": [
                    {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
                    {"member": "DV002", "salary_basis": 7_000_000, "amount": 70_000},
                ],
            },
        ).event_id
    return ids


def register_reporter(world: Any) -> None:
    """bc.p: a reporter over the province (the test world has none)."""
    reporter = officer_key("bc.p")
    with at("2024-06-02", 9):
        world.submit(
            "officer.register",
            by=world.admin,
            body={
                "officer": "bc.p",
                "name": "Võ Thị Báo",
                "public_key": encode_b64(reporter.signer.public_key),
            },
        )
        world.submit(
            "officer.grant",
            by=world.admin,
            body={"officer": "bc.p", "role": "reporter", "scope": "P"},
        )


@pytest.fixture
def web(world) -> Web:  # type: ignore[no-untyped-def]
    portal = world.register_portal()
    register_reporter(world)
    events = populate(world)
    engine = world.ctx.engine
    for code in ("admin", "kt.g1", "ct.g1", "kt.g2", "ubkt", "bc.p"):
        set_credential(engine, Account("officer", code), PASSWORD, hasher=FAST)
    for number, pin in PIN.items():
        set_credential(engine, Account("member", number), pin, hasher=FAST)
    return Web(world, create_app(world.ctx, portal=portal), events)
