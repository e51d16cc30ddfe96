"""A process killed mid-write or mid-rebuild leaves no half-applied read model (both backends).

The "kill" is `os._exit` in a subprocess at the chosen moment: no exception handler, no
rollback by the program, exactly what a power cut or `kill -9` does to the client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ledger.projections.queries.ratios import unit_figures
from ledger.projections.rebuild import rebuild, status
from tests.integration.test_projections import rows, story
from tests.support import at

ROOT = Path(__file__).resolve().parents[2]

KILL_INSIDE_WRITE = textwrap.dedent(
    """
    import json, os, sys
    from ledger.bootstrap import open_ledger
    ctx = open_ledger(sys.argv[1])
    def killed(tx, metas):  # runs after every read model was updated, before commit
        os._exit(17)
    ctx.ledger.projectors.append(killed)
    ctx.ledger.submit(json.loads(open(sys.argv[2]).read()))
    """
)

KILL_INSIDE_REBUILD = textwrap.dedent(
    """
    import dataclasses, os, sys
    from ledger.bootstrap import open_ledger
    from ledger.projections import registry
    from ledger.projections.rebuild import rebuild
    ctx = open_ledger(sys.argv[1])
    calls = []
    def apply(tx, metas, _inner=registry.PROJECTIONS[-1].apply):
        _inner(tx, metas)
        calls.append(len(metas))
        if len(calls) == 3:
            os._exit(18)
    last = dataclasses.replace(registry.PROJECTIONS[-1], apply=apply)
    registry.PROJECTIONS = (*registry.PROJECTIONS[:-1], last)
    rebuild(ctx.ledger, chunk=4)
    """
)


def run(script: str, *args: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=ROOT, capture_output=True, timeout=120
    )
    return done.returncode


def test_killed_between_event_and_commit_counts_nothing_and_the_retry_counts_once(
    world,
    database_url: str,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    story(world)
    item = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2025-03-22",
        body={"member": "DV002", "kind": "gift", "amount": 400_000, "occasion": "8/3"},
    )
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item))
    before = rows(world.ctx)
    welfare_before = unit_figures(world.ledger, "G1", "2025-03").welfare

    assert run(KILL_INSIDE_WRITE, database_url, str(path)) == 17

    assert world.ledger.entry(item["command"]["command_id"]) is None
    assert rows(world.ctx) == before
    assert all(s.behind == 0 for s in status(world.ledger))
    receipt = world.ledger.submit(item)  # the officer retries the same signed command
    assert not receipt.duplicate
    assert world.ledger.submit(item).duplicate  # and once more: already there
    assert unit_figures(world.ledger, "G1", "2025-03").welfare == welfare_before + 400_000
    with world.ctx.engine.connect() as conn:
        lines = conn.execute(
            text("SELECT COUNT(*) FROM proj_money_lines WHERE event_id = :e"),
            {"e": receipt.event_id},
        ).scalar()
    assert lines == 1
    after = rows(world.ctx)
    rebuild(world.ledger)
    assert rows(world.ctx) == after


def test_killed_in_the_middle_of_a_rebuild_leaves_the_previous_rows(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    story(world)
    before = rows(world.ctx)
    tracking = [(s.name, s.last_seq) for s in status(world.ledger)]

    assert run(KILL_INSIDE_REBUILD, database_url) == 18

    assert rows(world.ctx) == before
    assert [(s.name, s.last_seq) for s in status(world.ledger)] == tracking
    world.payout("DV001", "gift", 200_000, on="2025-03-08", occasion="8/3")  # writes go on
    after = rows(world.ctx)
    rebuild(world.ledger)
    assert rows(world.ctx) == after


KILL_INSIDE_LARGE_BATCH = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from ledger.bootstrap import open_ledger
    from ledger.store import PostgresLedgerRecorder
    PostgresLedgerRecorder.PIPELINE_MAX_BYTES = 1024  # a large import's own path
    ctx = open_ledger(sys.argv[1])
    inside, read = Path(sys.argv[3]), Path(sys.argv[4])
    def killed(tx, metas):  # every row of the batch written, not committed
        inside.touch()
        deadline = time.monotonic() + 60
        while not read.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os._exit(17)
    ctx.ledger.projectors.append(killed)
    ctx.ledger.submit(json.loads(open(sys.argv[2]).read()))
    """
)


def test_a_dues_import_killed_before_its_commit_is_never_seen_in_part(
    world,
    database_url: str,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """A month's dues for 300 members, one batch (the large-batch path on PostgreSQL): the
    process is killed (as `kill -9`) after every row of it was written and before the commit.
    A reader looking at that moment and after sees none of it: no entry, no event, no money
    line, no change in the unit; the officer's retry records it whole, once."""
    numbers = [f"M{i:03d}" for i in range(300)]
    with at("2024-07-01"):
        world.ledger.submit_batch(
            [
                world.item(
                    "member.join",
                    by=world.kt,
                    unit="G1",
                    effective_date="2024-07-01",
                    body={"member": n, "salary_basis": 6_000_000},
                    personal={
                        "full_name": f"Đoàn viên {n}",
                        "date_of_birth": "1990-01-01",
                        "citizen_id": f"0794{i:08d}",
                    },
                )
                for i, n in enumerate(numbers)
            ]
        )
    with at("2025-03-10"):
        dues = world.item(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-10",
            body={
                "month": "2025-03",
                "lines": [
                    {"member": n, "salary_basis": 6_000_000, "amount": 60_000} for n in numbers
                ],
            },
        )
    path, inside, read = tmp_path / "dues.json", tmp_path / "inside", tmp_path / "read"
    path.write_text(json.dumps(dues))
    command_id = dues["command"]["command_id"]

    def seen() -> tuple[Any, ...]:
        with world.ctx.engine.connect() as conn:
            counts = tuple(
                conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                for t in ("ledger_entries", "ledger_events", "proj_money_lines")
            )
        return (
            *counts,
            world.ledger.entry(command_id),
            command_id in world.ledger.get_unit("G1").money,
        )

    before = seen()
    projections = rows(world.ctx)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILL_INSIDE_LARGE_BATCH,
            database_url,
            str(path),
            str(inside),
            str(read),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not inside.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert inside.exists(), child.communicate(timeout=60)[1][-2000:]
        during = seen()  # while the batch is written and not committed
    finally:
        read.touch()
        child.wait(timeout=120)
    assert child.returncode == 17
    assert during == before
    assert seen() == before
    assert rows(world.ctx) == projections
    receipt = world.ledger.submit(dues)  # the officer runs the same import again
    assert not receipt.duplicate
    after = seen()
    assert after[:3] == (before[0] + 1, before[1] + 1, before[2] + 300)
    assert after[4] is True
