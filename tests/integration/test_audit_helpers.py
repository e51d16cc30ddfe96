"""Helpers shared by the audit and tamper tests (this module holds no tests).

`Attacker` opens the database directly, as an administrator with every right would: it drops
the append-only triggers first, then edits rows with plain SQL, bypassing the ledger's code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

from audit.source import DatabaseSource
from audit.witness import Witness
from ledger.keystore import signer_from_raw
from tests.support import World, at


def source_of(ctx: Any, *, chunk: int = 8192) -> DatabaseSource:
    return DatabaseSource(
        ctx.engine.url.render_as_string(hide_password=False), engine=ctx.engine, chunk=chunk
    )


def make_witness(directory: Path, name: str = "ubkt.bao") -> Witness:
    raw = hashlib.sha256(f"phucloi-test-witness:{name}".encode()).digest()
    return Witness(directory, name=name, signer=signer_from_raw(raw))


def story(w: World) -> dict[str, Any]:
    """A few months of a grassroots union: members, dues, welfare, an approval, an erasure."""
    r: dict[str, Any] = {}
    r["join1"] = w.join("DV001", salary=6_000_000)
    r["join2"] = w.join("DV002", unit="G2", salary=7_000_000)
    r["join3"] = w.join("DV003", salary=5_000_000)
    r["visit"] = w.payout(
        "DV001", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "sốt xuất huyết"}
    )
    with at("2024-10-05"):
        r["dues"] = w.submit(
            "collection.dues",
            by=w.kt,
            unit="G1",
            effective_date="2024-10-05",
            body={
                "month": "2024-09",
                "lines": [
                    {"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000},
                    {"member": "DV003", "salary_basis": 5_000_000, "amount": 50_000},
                ],
            },
        )
    r["big"] = w.payout(
        "DV003",
        "housing_repair",
        6_000_000,
        on="2024-11-02",
        occasion="sửa nhà sau hỏa hoạn",
        cosigner=w.chair,
        personal={"reason": "nhà bị cháy"},
    )
    r["visit2"] = w.payout(
        "DV001", "sickness_visit", 300_000, on="2024-12-01", personal={"reason": "cúm"}
    )
    return r


class Attacker:
    """Direct SQL on the ledger's database, triggers dropped first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.drop_triggers()

    def drop_triggers(self) -> None:
        tables = ("ledger_events", "ledger_entries", "checkpoints", "checkpoint_cosignatures")
        with self.engine.begin() as c:
            for t in tables:
                if self.dialect == "postgresql":
                    c.execute(text(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}"))
                    c.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}"))
                else:
                    c.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_update"))
                    c.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_delete"))

    def sql(self, statement: str, **params: Any) -> Any:
        with self.engine.begin() as c:
            return c.execute(text(statement), params)

    def entry(self, seq: int) -> dict[str, Any]:
        with self.engine.connect() as c:
            row = c.execute(text("SELECT * FROM ledger_entries WHERE seq = :s"), {"s": seq}).one()
        return dict(row._mapping)

    def seq_of(self, event_id: str) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(
                    text("SELECT seq FROM ledger_entries WHERE event_id = :e"), {"e": event_id}
                ).scalar_one()
            )

    def _id(self, originator_id: str) -> Any:
        return UUID(originator_id).hex if self.dialect == "sqlite" else originator_id

    def state(self, seq: int) -> bytes:
        e = self.entry(seq)
        with self.engine.connect() as c:
            return bytes(
                c.execute(
                    text(
                        "SELECT state FROM ledger_events WHERE originator_id = :i "
                        "AND originator_version = :v"
                    ),
                    {"i": self._id(e["originator_id"]), "v": e["originator_version"]},
                ).scalar_one()
            )

    def set_state(self, seq: int, state: bytes) -> None:
        e = self.entry(seq)
        self.sql(
            "UPDATE ledger_events SET state = :s WHERE originator_id = :i AND originator_version = :v",
            s=state,
            i=self._id(e["originator_id"]),
            v=e["originator_version"],
        )

    def replace_in_event(self, seq: int, old: bytes, new: bytes) -> None:
        state = self.state(seq)
        assert old in state, (old, state[:300])
        self.set_state(seq, state.replace(old, new, 1))

    def delete_event(self, seq: int, *, entry_too: bool) -> None:
        e = self.entry(seq)
        self.sql(
            "DELETE FROM ledger_events WHERE originator_id = :i AND originator_version = :v",
            i=self._id(e["originator_id"]),
            v=e["originator_version"],
        )
        if entry_too:
            self.sql("DELETE FROM ledger_entries WHERE seq = :s", s=seq)

    def insert_event(self, *, originator_id: str, version: int, topic: str, state: bytes) -> int:
        """Insert a stored event row; returns its notification id."""
        self.sql(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
            "VALUES (:i, :v, :t, :s)",
            i=self._id(originator_id),
            v=version,
            t=topic,
            s=state,
        )
        col = "rowid" if self.dialect == "sqlite" else "notification_id"
        with self.engine.connect() as c:
            return int(
                c.execute(
                    text(
                        f"SELECT {col} FROM ledger_events WHERE originator_id = :i "
                        "AND originator_version = :v"
                    ),
                    {"i": self._id(originator_id), "v": version},
                ).scalar_one()
            )

    def swap_entries(self, a: int, b: int) -> None:
        self.sql("UPDATE ledger_entries SET seq = -1 WHERE seq = :a", a=a)
        self.sql("UPDATE ledger_entries SET seq = :a WHERE seq = :b", a=a, b=b)
        self.sql("UPDATE ledger_entries SET seq = :b WHERE seq = -1", b=b)

    def truncate_from(self, seq: int) -> None:
        with self.engine.connect() as c:
            rows = c.execute(
                text("SELECT seq FROM ledger_entries WHERE seq >= :s ORDER BY seq DESC"),
                {"s": seq},
            ).all()
        for (s,) in rows:
            self.delete_event(int(s), entry_too=True)


def signed_envelope(item: dict[str, Any], recorded_at: str) -> dict[str, Any]:
    """The envelope the ledger would store for a signed item (no personal data)."""
    from ledger.canonical import canonical_bytes, sha256_hex

    message = canonical_bytes(item["command"])
    return {
        "command": message.decode(),
        "digest": sha256_hex(message),
        "signature": item["signature"],
        "recorded_at": recorded_at,
    }


def state_with_envelope(template: bytes, envelope: dict[str, Any]) -> bytes:
    state = json.loads(template)
    state["envelope"] = envelope
    state.pop("originator_topic", None)
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
