"""The API under simultaneous requests, as two server workers see them: two apps, each on
its own opened ledger (its own connections and aggregate cache), one database."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from api.app import create_app
from api.deps import ApiSettings
from ledger.bootstrap import open_ledger
from ledger.canonical import canonical_bytes, sha256_hex
from ledger.tables import ledger_entries
from tests.api.conftest import FAST, TestClient
from tests.support import at


def _all_at_once(calls: list[Any]) -> list[Any]:
    """Run every call on its own thread, released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _stored(api: Any, event_id: str) -> int:
    with api.ledger.engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(ledger_entries)
                .where(ledger_entries.c.event_id == event_id)
            )
        )


def _two_workers(api: Any, database_url: str) -> Any:
    other = open_ledger(database_url)
    app = create_app(other, settings=ApiSettings(hasher=FAST))
    return other, TestClient(app, raise_server_exceptions=False)


def test_one_command_sent_many_times_at_once_is_stored_once_with_one_receipt(
    api: Any, database_url: str
) -> None:
    """A client that retries on a timeout may have its request in flight several times, on
    different workers: every copy gets the same receipt, and the event is stored once."""
    kt = api.officer("kt.g1")
    other, second = _two_workers(api, database_url)
    try:
        with second, at("2025-03-07"):
            item = api.world.item(
                "payout.record",
                by=api.world.kt,
                unit="G1",
                effective_date="2025-03-07",
                body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "8/3"},
            )
            clients = [api.client, second] * 4
            replies = _all_at_once(
                [lambda c=c: c.post("/payouts", json=item, headers=kt) for c in clients]
            )
    finally:
        other.close()
    assert [r.status_code for r in replies] == [201] * 8, [r.text for r in replies]
    assert len({r.text for r in replies}) == 1
    assert Counter(r.headers.get("idempotent-replayed") for r in replies) == {"true": 7, None: 1}
    assert _stored(api, item["command"]["command_id"]) == 1


def test_one_command_id_with_two_contents_at_once_stores_one_of_them(
    api: Any, database_url: str
) -> None:
    """The same id signed over two different payouts, sent together to two workers: one is
    stored, every copy of it answered 201 with its receipt, every copy of the other 409
    `command_id_reused`."""
    kt = api.officer("kt.g1")
    other, second = _two_workers(api, database_url)
    try:
        with second, at("2025-03-07"):
            first = api.world.item(
                "payout.record",
                by=api.world.kt,
                unit="G1",
                effective_date="2025-03-07",
                body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "8/3"},
            )
            cid = first["command"]["command_id"]
            rival = api.world.item(
                "payout.record",
                by=api.world.kt,
                unit="G1",
                effective_date="2025-03-07",
                body={"member": "DV002", "kind": "gift", "amount": 300_000, "occasion": "8/3"},
                command_id=cid,
            )
            sends = [(api.client, first), (second, rival)] * 2 + [
                (second, first),
                (api.client, rival),
            ]
            replies = _all_at_once(
                [lambda c=c, i=i: c.post("/payouts", json=i, headers=kt) for c, i in sends]
            )
    finally:
        other.close()
    assert _stored(api, cid) == 1
    stored = api.ledger.entry(cid)["command_digest"]
    for (_, sent), reply in zip(sends, replies, strict=True):
        if sha256_hex(canonical_bytes(sent["command"])) == stored:
            assert (reply.status_code, reply.json()["digest"]) == (201, stored)
        else:
            assert (reply.status_code, reply.json()["code"]) == (409, "command_id_reused")
