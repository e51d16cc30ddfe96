"""A small union world for tests: a province, a district, two grassroots unions, officers.

Keys are derived deterministically from names so failures are reproducible. The world is
built "in" June 2024 (the ledger clock is frozen), before the default policy versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ledger import clock
from ledger.bootstrap import Context
from ledger.client import OfficerSigner, build, cosign
from ledger.domain.policy import load_default_book
from ledger.keystore import signer_from_raw
from ledger.signing import encode_b64

BUILT_AT = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


def officer_key(name: str) -> OfficerSigner:
    raw = hashlib.sha256(f"phucloi-test-key:{name}".encode()).digest()
    return OfficerSigner(name, signer_from_raw(raw))


def at(day: str, hour: int = 10) -> Any:
    """Freeze the ledger clock on a Vietnamese calendar day (for readable tests)."""
    d = date.fromisoformat(day)
    return clock.frozen(datetime(d.year, d.month, d.day, hour, tzinfo=clock.VIETNAM))


@dataclass
class World:
    ctx: Context
    admin: OfficerSigner
    kt: OfficerSigner  # kế toán of G1
    chair: OfficerSigner  # chủ tịch of G1
    kt2: OfficerSigner  # kế toán of G2
    inspector: OfficerSigner
    members: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger(self):  # type: ignore[no-untyped-def]
        return self.ctx.ledger

    @classmethod
    def build(cls, ctx: Context) -> World:
        w = cls(
            ctx,
            officer_key("admin"),
            officer_key("kt.g1"),
            officer_key("ct.g1"),
            officer_key("kt.g2"),
            officer_key("ubkt"),
        )
        with clock.frozen(BUILT_AT):
            w.submit(
                "ledger.genesis",
                by=w.admin,
                body={
                    "officer": "admin",
                    "name": "Quản trị viên",
                    "public_key": encode_b64(w.admin.signer.public_key),
                },
            )
            for code, name, level, parent in [
                ("P", "LĐLĐ tỉnh Bình Dương", "Tỉnh", None),
                ("D", "Công đoàn KCN VSIP", "Cấp trên trực tiếp cơ sở", "P"),
                ("G1", "CĐCS Công ty May Sông Bé", "Cơ sở", "D"),
                ("G2", "CĐCS Công ty Gỗ Thuận An", "Cơ sở", "D"),
            ]:
                w.submit(
                    "unit.register",
                    by=w.admin,
                    body={"code": code, "name": name, "level": level, "parent": parent},
                )
            for version in load_default_book().to_dict()["versions"]:
                w.submit(
                    "policy.adopt",
                    by=w.admin,
                    unit="P",
                    effective_date=version["effective_from"],
                    body={"policy": version},
                )
            for off, name, role, scope in [
                (w.kt, "Nguyễn Thị Lan", "finance_officer", "G1"),
                (w.chair, "Trần Văn Hùng", "chair", "G1"),
                (w.kt2, "Lê Thị Mai", "finance_officer", "G2"),
                (w.inspector, "Phạm Quốc Bảo", "inspector", "P"),
            ]:
                w.submit(
                    "officer.register",
                    by=w.admin,
                    body={
                        "officer": off.officer,
                        "name": name,
                        "public_key": encode_b64(off.signer.public_key),
                    },
                )
                w.submit(
                    "officer.grant",
                    by=w.admin,
                    body={"officer": off.officer, "role": role, "scope": scope},
                )
        return w

    def register_portal(self) -> OfficerSigner:
        """Register the members' portal (role `portal` over the whole ledger); its signer."""
        portal = officer_key("portal")
        with at("2024-06-02", 9):
            self.submit(
                "officer.register",
                by=self.admin,
                body={
                    "officer": "portal",
                    "name": "Cổng thông tin đoàn viên",
                    "public_key": encode_b64(portal.signer.public_key),
                },
            )
            self.submit(
                "officer.grant",
                by=self.admin,
                body={"officer": "portal", "role": "portal", "scope": "*"},
            )
        return portal

    def link_officers(self) -> None:
        """Give the officers who handle money (kt.g1, ct.g1, kt.g2) their own member records
        (CB1, CB2, CB3) and link them, as a union's officers are its members: without it
        `unlinked_officer` reports each of them."""
        for number, officer, unit in (
            ("CB1", self.kt, "G1"),
            ("CB2", self.chair, "G1"),
            ("CB3", self.kt2, "G2"),
        ):
            self.join(number, unit=unit)
            with at("2024-07-01"):
                self.submit(
                    "officer.link_member",
                    by=self.admin,
                    body={"officer": officer.officer, "member": number},
                )

    def item(
        self,
        type_: str,
        *,
        by: OfficerSigner,
        body: dict[str, Any],
        unit: str | None = None,
        effective_date: Any = None,
        personal: dict[str, str] | None = None,
        cosigner: OfficerSigner | None = None,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        item = build(
            type_,
            by=by,
            body=body,
            unit=unit,
            effective_date=effective_date,
            personal=personal,
            command_id=command_id,
        )
        return cosign(item, by=cosigner) if cosigner else item

    def submit(self, type_: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.ledger.submit(self.item(type_, **kwargs))

    def adopt(self, unit: str, recorded_on: str, **changes: Any) -> Any:
        """Adopt for `unit` the default policy's first version with `changes` (they must
        give `effective_from`; `a__b=v` sets a nested field), recorded on `recorded_on`."""
        version = load_default_book().to_dict()["versions"][0]
        for path, value in changes.items():
            target = version
            *parents, leaf = path.split("__")
            for part in parents:
                target = target[part]
            target[leaf] = value
        with at(recorded_on):
            return self.submit(
                "policy.adopt",
                by=self.admin,
                unit=unit,
                effective_date=version["effective_from"],
                body={"policy": version},
            )

    def join(
        self,
        number: str,
        *,
        unit: str = "G1",
        on: str = "2024-07-01",
        salary: int = 6_000_000,
        cid: str | None = None,
        bank: str | None = None,
        by: OfficerSigner | None = None,
    ):  # type: ignore[no-untyped-def]
        personal = {
            "full_name": f"Đoàn viên {number}",
            "date_of_birth": "1990-01-01",
            "citizen_id": cid or f"0791{abs(hash(number)) % 10**8:08d}",
        }
        if bank:
            personal["bank_account"] = bank
        with at(on):
            return self.submit(
                "member.join",
                by=by or (self.kt if unit == "G1" else self.kt2),
                unit=unit,
                effective_date=on,
                body={"member": number, "salary_basis": salary},
                personal=personal,
            )

    def payout(
        self,
        number: str,
        kind: str,
        amount: int,
        *,
        on: str,
        unit: str = "G1",
        occasion: str = "dịp",
        by: OfficerSigner | None = None,
        **extra: Any,
    ):  # type: ignore[no-untyped-def]
        body = {"member": number, "kind": kind, "amount": amount, "occasion": occasion}
        cosigner = extra.pop("cosigner", None)
        personal = extra.pop("personal", None)
        body.update(extra)
        with at(on):
            return self.submit(
                "payout.record",
                by=by or self.kt,
                unit=unit,
                effective_date=on,
                body=body,
                cosigner=cosigner,
                personal=personal,
            )


def entries(world: World) -> int:
    """How many events the ledger holds: a refused command must leave it unchanged."""
    from sqlalchemy import func, select

    from ledger.tables import ledger_entries

    with world.ctx.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ledger_entries)) or 0)
