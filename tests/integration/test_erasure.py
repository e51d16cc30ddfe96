"""What an erasure (Decree 13/2023) removes besides the data key, and what it reports.

On SQLite and PostgreSQL: the erased person's blind indexes leave the read model and
detection; the key's old copy leaves the database's storage; a key restored beside its
erasure is destroyed again; other members' records carrying the person's identifiers are
listed. Also: a new ledger file is private, and the inspection report's wording.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from audit.detect import detect
from audit.export import export
from audit.source import BundleSource
from audit.verify import verify
from ledger.bootstrap import open_ledger
from ledger.erasure import Link, erasure_links
from tests.integration.test_audit_helpers import source_of
from tests.support import at

CID = "079188123456"


def _erase(world, number: str, unit: str = "G1", on: str = "2025-01-10") -> None:  # type: ignore[no-untyped-def]
    with at(on):
        world.submit(
            "member.erase",
            by=world.admin,
            unit=unit,
            effective_date=on,
            body={"member": number, "reason": "Theo đơn"},
        )


def _blinds(world, number: str) -> tuple[str | None, ...]:  # type: ignore[no-untyped-def]
    with world.ctx.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT citizen_blind, bank_blind, household_blind FROM member_index "
                "WHERE member_number = :n"
            ),
            {"n": number},
        ).one()
    return tuple(row)


def test_an_erased_person_leaves_the_read_model_and_detection(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One citizen ID under two member numbers, both paid Tết support: rule 3 fires. Once
    one of them is erased, the read model holds none of their blind indexes (live and rebuilt
    alike, so verification stays clean on the database and on a bundle) and nothing links the
    erased record to the other one."""
    with at("2024-07-01"):
        world.submit(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": "DV1", "salary_basis": 6_000_000},
            personal={
                "full_name": "Nguyễn Thị Bí Mật",
                "date_of_birth": "1988-03-04",
                "citizen_id": CID,
                "bank_account": "VCB:0123456789012",
                "household": "HKXY777",
            },
        )
    world.join("DV2", unit="G2", cid=CID)
    with at("2024-07-02"):
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-02",
            body={"member": "DV1", "relative": "R1", "relation": "child"},
            personal={
                "full_name": "Lê Văn Con",
                "date_of_birth": "2015-05-05",
                "citizen_id": "079215000111",
            },
        )
    for number, unit in (("DV1", "G1"), ("DV2", "G2")):
        world.payout(
            number,
            "tet_support",
            500_000,
            on="2025-01-20",
            unit=unit,
            occasion="Tết Ất Tỵ",
            by=world.kt if unit == "G1" else world.kt2,
        )
    rules = {f.rule for f in detect(world.ctx).findings}
    assert "duplicate_citizen_id" in rules
    assert all(_blinds(world, "DV1"))

    _erase(world, "DV1", on="2025-02-01")

    assert _blinds(world, "DV1") == (None, None, None)
    assert _blinds(world, "DV2")[0] is not None  # the other member keeps theirs
    findings = detect(world.ctx).findings
    assert not [f for f in findings if "DV1" in f.people]
    source = source_of(world.ctx)
    live = verify(source, workers=1)
    assert live.ok, live.errors()
    assert [f.check for f in live.findings if f.check != "checkpoint.none"] == ["sealed.erased"]
    export(source, tmp_path / "bundle")
    offline = verify(BundleSource(tmp_path / "bundle"), workers=1)
    assert offline.ok
    assert [f.check for f in offline.findings if f.check != "checkpoint.none"] == []


def test_erasure_lists_other_members_records_carrying_the_persons_identifiers(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV3", cid="079190555666", bank="ACB:11223344")
    world.join("DV4", cid="079089777888")
    world.join("DV5", unit="G2", cid="079190555666")  # the same person, joined again elsewhere
    world.join("DV6", cid="079000000006")
    with at("2024-07-03"):
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-03",
            body={"member": "DV4", "relative": "V1", "relation": "spouse"},
            personal={
                "full_name": "Đặng Thị Xuân",
                "date_of_birth": "1990-07-07",
                "citizen_id": "079190555666",
            },
        )
    paid = world.payout(
        "DV4",
        "sickness_visit",
        400_000,
        on="2024-09-11",
        payment_method="bank",
        personal={"reason": "ốm", "payee_account": "ACB:11223344"},
    )
    world.payout(  # another account: not hers
        "DV6",
        "sickness_visit",
        400_000,
        on="2024-09-11",
        payment_method="bank",
        personal={"reason": "ốm", "payee_account": "ACB:99999999"},
    )
    links = erasure_links(world.ctx.engine, "DV3")
    assert links == [
        Link("DV4", "payout", "bank_account", paid.event_id),
        Link("DV4", "relative", "citizen_id", "V1"),
        Link("DV5", "member", "citizen_id"),
    ]
    assert erasure_links(world.ctx.engine, "DV6") == []
    _erase(world, "DV3")
    assert erasure_links(world.ctx.engine, "DV3") == []  # the indexes it used are gone


def test_the_destroyed_key_leaves_the_sqlite_files(world, backend, database_url) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("the PostgreSQL side is the next test")
    world.join("DV1", cid=CID)
    key = world.ctx.vault.key_for(world.ledger.get_member("DV1").id.__str__())
    assert key is not None
    path = Path(database_url.removeprefix("sqlite:///"))
    with open(path, "rb") as main, open(f"{path}-wal", "rb") as wal:
        assert key in main.read() + wal.read()
    _erase(world, "DV1")
    wal_path = Path(f"{path}-wal")
    assert key not in path.read_bytes()
    assert not wal_path.exists() or key not in wal_path.read_bytes()


def test_the_destroyed_key_leaves_the_postgresql_heap(world, backend) -> None:  # type: ignore[no-untyped-def]
    if backend != "postgresql":
        pytest.skip("the SQLite side is the previous test")
    world.join("DV1", cid=CID)
    key = world.ctx.vault.key_for(str(world.ledger.get_member("DV1").id))
    assert key is not None
    _erase(world, "DV1")
    with world.ctx.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        pages = conn.scalar(text("SELECT pg_relation_size('person_keys') / 8192"))
        hits = conn.scalar(
            text(
                "SELECT count(*) FROM generate_series(0, :last) AS blkno, "
                "heap_page_items(get_raw_page('person_keys', blkno::int)) AS t "
                "WHERE t.t_data IS NOT NULL AND position(:key IN t.t_data) > 0"
            ),
            {"last": pages - 1, "key": key},
        )
    assert hits == 0


def test_a_key_restored_beside_its_erasure_is_destroyed_at_open(
    world, database_url, capsys
) -> None:  # type: ignore[no-untyped-def]
    """A database holding both the erasure and the key (a key table restored from an older
    backup): `audit verify` reports it, and the next open destroys the key."""
    world.join("DV1", cid=CID)
    person = str(world.ledger.get_member("DV1").id)
    key = world.ctx.vault.key_for(person)
    _erase(world, "DV1")
    with world.ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE person_keys SET data_key = :k WHERE person_id = :p"),
            {"k": key, "p": person},
        )
    report = verify(source_of(world.ctx), workers=1)
    assert [f.check for f in report.findings if f.severity == "error"] == ["erasure.not_done"]
    world.ctx.close()
    capsys.readouterr()
    again = open_ledger(database_url)
    try:
        assert "destroyed 1 data key" in capsys.readouterr().err
        assert again.vault.key_for(person) is None
        assert again.ledger.reveal("DV1") is None
        assert verify(source_of(again), workers=1).ok
    finally:
        again.close()


def test_a_new_ledger_file_is_private_and_an_open_one_warns(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    try:
        home = tmp_path / "home"
        ctx = open_ledger(f"sqlite:///{home / 'phucloi.db'}")
        try:
            with ctx.engine.begin() as conn:
                conn.execute(text("SELECT count(*) FROM person_keys"))
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [home, *home.iterdir()]}
        finally:
            ctx.close()
        assert modes["home"] == 0o700
        assert modes["phucloi.db"] == 0o600
        assert modes.get("phucloi.db-wal", 0o600) == 0o600
        assert modes.get("phucloi.db-shm", 0o600) == 0o600
        assert "readable by other users" not in capsys.readouterr().err
        (home / "phucloi.db").chmod(0o644)
        open_ledger(f"sqlite:///{home / 'phucloi.db'}").close()
        err = capsys.readouterr().err
        assert "mode 0644 and is readable by other users" in err and "chmod 600" in err
    finally:
        os.umask(old)


def test_the_server_access_log_leaves_out_query_strings(capsys) -> None:  # type: ignore[no-untyped-def]
    """`phucloi serve`'s logging: a finance officer's member search by name reaches no log."""
    import logging
    import logging.config

    from ledger.cli.serve_cli import log_config

    logging.config.dictConfig(log_config())
    access = logging.getLogger("uvicorn.access")
    try:
        access.info(  # as uvicorn's h11 and httptools protocols log a request
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:41334",
            "GET",
            "/web/finance/members?q=B%c3%ad+M%e1%ba%adt",
            "1.1",
            200,
        )
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:41334", "GET", "/health", "1.1", 200)
    finally:
        for handler in list(access.handlers):
            access.removeHandler(handler)
    out = capsys.readouterr().out
    assert '"GET /web/finance/members HTTP/1.1" 200' in out
    assert '"GET /health HTTP/1.1" 200' in out
    assert "q=" not in out and "B%c3%ad" not in out


SCRATCH_HOLDER = """
import sys, time
from audit.verify import scratch_directory
from ledger.cli.common import exit_on_sigterm
exit_on_sigterm()  # what every `phucloi` command does first (ledger.cli.common.begin)
with scratch_directory() as d:
    open(d + "/live.db", "wb").write(b"read models with blind indexes")
    print(d, flush=True)
    time.sleep(60)
"""


def test_sigterm_removes_a_verifications_scratch_copy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRATCH_HOLDER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    scratch = Path(proc.stdout.readline().strip())
    assert (scratch / "live.db").exists() and scratch.parent == tmp_path
    assert scratch.name.startswith(f"phucloi-verify-{proc.pid}-")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_a_command_run_in_process_puts_the_previous_sigterm_handler_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A program running `phucloi` commands in its own process (the tests, a scheduler) keeps
    its own SIGTERM handling once the command returns: a handler left raising SystemExit made
    the test runner ignore the signal that should stop it."""
    import signal

    from typer.testing import CliRunner

    from ledger.cli.main import app

    before = signal.getsignal(signal.SIGTERM)
    result = CliRunner(env={"PHUCLOI_HOME": str(tmp_path)}).invoke(app, ["keys", "list"])
    assert result.exit_code == 0, result.output
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_dead_runs_scratch_directory_is_removed_by_the_next_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from audit.verify import remove_stale_scratch

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"phucloi-verify-{gone.pid}-abc123"
    running = tmp_path / f"phucloi-verify-{os.getpid()}-def456"
    other = tmp_path / "phucloi-verify-xyz"  # not named by a process: left alone
    for d in (stale, running, other):
        d.mkdir()
        (d / "live.db").write_bytes(b"x")
    assert remove_stale_scratch(str(tmp_path)) == [str(stale)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name])


def test_relatives_recorded_under_an_erased_members_key_leave_detection(world) -> None:  # type: ignore[no-untyped-def]
    """kt.b (member DV20) pays DV21, who declared DV20 as a relative: self-dealing through
    the relative's citizen ID. Once DV21 is erased, that relative's index (in DV21's signed
    event) no longer links anyone."""
    from tests.integration.test_detect_rules import found, register_officer

    world.join("DV20", cid="079190000020")
    world.join("DV21", cid="079190000021")
    with at("2024-07-02"):
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-02",
            body={"member": "DV21", "relative": "R1", "relation": "spouse"},
            personal={
                "full_name": "Đoàn viên DV20",
                "date_of_birth": "1990-01-01",
                "citizen_id": "079190000020",
            },
        )
    kt_b = register_officer(world, "kt.b", "finance_officer", "G1", member="DV20")
    paid = world.payout(
        "DV21", "sickness_visit", 500_000, on="2024-09-04", by=kt_b, personal={"reason": "sốt"}
    )
    assert [(f.event_ids, f.people) for f in found(world, "self_dealing")] == [
        ((paid.event_id,), ("DV21", "kt.b"))
    ]
    _erase(world, "DV21")
    assert found(world, "self_dealing") == []


def test_members_erase_tells_the_administrator_what_it_does_not_reach(  # type: ignore[no-untyped-def]
    world, database_url, tmp_path
) -> None:
    from tests.integration.test_cli import cli, keys_for_world, ok

    world.join("DV3", cid="079190555666")
    world.join("DV5", unit="G2", cid="079190555666")
    home = tmp_path / "home"
    keys_for_world(home, "admin")
    out = ok(cli(home, database_url, "members erase DV3 --unit G1 --as admin --reason", "Đơn 12"))
    assert "đã xóa (erased)" in out.stdout
    assert "NOT erased" in out.stdout
    assert "DV5: hồ sơ đoàn viên — cùng số CCCD / member record, same citizen ID" in out.stdout


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("members erase", "--reason"),
        ("members leave", "--reason"),
        ("record loan write-off", "--reason"),
        ("record reversal", "--reason"),
        ("record payout", "--override"),
        ("record approve", "--note"),
    ],
)
def test_free_text_signed_in_clear_says_so_in_its_help(command: str, option: str) -> None:
    from typer.testing import CliRunner

    from ledger.cli.main import app

    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if option in x)
    assert "Ký công khai, không xóa được" in line and "signed in clear and permanent" in line
