"""The fast ingest path changes nothing a user can see: same checks, same rows, same refusals.

Covers what `benchmarks/ingest.py` made faster: per-batch caching of expected dues, members
read without joining the unit of work, totals summed per group, positional binding on
SQLite, the SQLite connection settings and the GC pause around a batch.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest

from ledger.domain.errors import InvalidCommand
from ledger.entries import EntryMeta
from ledger.store import Tx
from tests.support import at


def dues(world: Any, month: str, lines: list[tuple[str, int, int]], *, on: str) -> Any:
    with at(on):
        return world.submit(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date=on,
            body={
                "month": month,
                "lines": [{"member": m, "salary_basis": s, "amount": a} for m, s, a in lines],
            },
        )


def dues_totals(world: Any) -> dict[str, tuple[int, int]]:
    with world.ledger.transaction() as tx:
        rows = tx.fetchall(
            "SELECT period, amount, lines FROM proj_unit_totals WHERE unit_code = 'G1' "
            "AND flow = 'income' AND key = 'dues' ORDER BY period"
        )
    return {r["period"]: (int(r["amount"]), int(r["lines"])) for r in rows}


def test_dues_lines_sharing_a_salary_are_each_checked_and_summed(world: Any) -> None:
    for number in ("A1", "A2", "A3"):
        world.join(number, salary=6_000_000, on="2024-07-01")
    world.join("B1", salary=5_000_000, on="2024-07-01")
    # 1% of salary under the 2024-07 policy: 60,000 and 50,000 đồng.
    with pytest.raises(InvalidCommand) as refused:
        dues(
            world,
            "2024-08",
            [
                ("A1", 6_000_000, 60_000),
                ("A2", 6_000_000, 59_999),
                ("A3", 6_000_000, 60_000),
                ("B1", 5_000_000, 60_000),
            ],
            on="2024-08-28",
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("body.lines[1].amount", "dues_amount"),
        ("body.lines[3].amount", "dues_amount"),
    ]
    assert dues_totals(world) == {}  # nothing stored
    dues(
        world,
        "2024-08",
        [
            ("A1", 6_000_000, 60_000),
            ("A2", 6_000_000, 60_000),
            ("A3", 6_000_000, 60_000),
            ("B1", 5_000_000, 50_000),
        ],
        on="2024-08-28",
    )
    # 2024-08-28 is nearer Tết 2025 (29/01/2025) than Tết 2024 (10/02/2024).
    assert dues_totals(world) == {"2024-08": (230_000, 4), "lunar-2025": (230_000, 4)}
    with pytest.raises(InvalidCommand) as again:
        dues(world, "2024-08", [("A3", 6_000_000, 60_000)], on="2024-08-29")
    assert [(p.field, p.code) for p in again.value.problems] == [
        ("body.lines[0].member", "dues_already_collected")
    ]


def test_a_member_joined_in_the_same_batch_pays_dues_in_it(world: Any) -> None:
    with at("2024-07-01"):
        joined = world.item(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": "C1", "salary_basis": 6_000_000},
            personal={
                "full_name": "Đoàn viên C1",
                "date_of_birth": "1990-01-01",
                "citizen_id": "079100000001",
            },
        )
        paid = world.item(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={
                "month": "2024-07",
                "lines": [{"member": "C1", "salary_basis": 6_000_000, "amount": 60_000}],
            },
        )
        world.ledger.submit_batch([joined, paid])
    assert dues_totals(world)["2024-07"] == (60_000, 1)


def test_gc_is_paused_while_a_batch_runs_and_restored_after(world: Any) -> None:
    seen: list[bool] = []

    def spy(tx: Tx, metas: Sequence[EntryMeta]) -> None:
        seen.append(gc.isenabled())

    world.ledger.projectors.append(spy)
    assert gc.isenabled()
    world.join("D1", on="2024-07-01")
    assert seen == [False] and gc.isenabled()
    with pytest.raises(InvalidCommand):
        world.join("D1", on="2024-07-01")  # already exists: refused
    assert gc.isenabled()
    gc.disable()
    try:
        world.join("D2", on="2024-07-01")
        assert not gc.isenabled()  # a caller's own choice is left as it was
    finally:
        gc.enable()


def test_sqlite_event_store_runs_wal_with_synchronous_normal(world: Any, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite connection settings")
    with world.ledger.transaction() as tx:
        assert str(tx.scalar("PRAGMA journal_mode")).lower() == "wal"
        assert tx.scalar("PRAGMA synchronous") == 1  # NORMAL
        assert tx.scalar("PRAGMA cache_size") == -65536


def test_tx_binds_named_parameters_by_position_on_sqlite() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    tx = Tx(conn.cursor(), dialect="sqlite")
    tx.execute("CREATE TABLE t (a TEXT, b INTEGER, c INTEGER)")
    tx.executemany(
        "INSERT INTO t (a, b, c) VALUES (:a, :b, :b + :c)",
        [{"c": 1, "b": 10, "a": "x", "unused": 0}, {"a": "y:z", "b": 20, "c": 2}],
    )
    tx.execute("INSERT INTO t (a, b, c) VALUES ('12:30', :b, 0)", {"b": 30})
    tx.executemany("INSERT INTO t (a, b, c) VALUES (:a, :a, :a)", [])
    assert tx.fetchall("SELECT a, b, c FROM t ORDER BY b") == [
        {"a": "x", "b": 10, "c": 11},
        {"a": "y:z", "b": 20, "c": 22},
        {"a": "12:30", "b": 30, "c": 0},
    ]
    assert tx.scalar("SELECT COUNT(*) FROM t WHERE b > :low", {"low": 15}) == 2
