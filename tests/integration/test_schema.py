"""Alembic owns the schema: the migrated database matches the SQLAlchemy tables exactly, and
the latest migration goes down and up again on both backends."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import inspect, text

from ledger import schema
from ledger.tables import metadata


def test_migrations_create_exactly_the_tables_the_code_declares(ctx) -> None:  # type: ignore[no-untyped-def]
    def only_ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        # eventsourcing's own events table and alembic's bookkeeping are not in our metadata.
        return not (type_ == "table" and name in ("ledger_events", "alembic_version"))

    with ctx.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"include_object": only_ours})
        assert compare_metadata(mc, metadata) == []
    assert schema.current_revision(ctx.engine) == schema.head_revision()


def _migrate(engine, direction: str, target: str) -> None:  # type: ignore[no-untyped-def]
    cfg = schema.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, target)


def test_the_session_generation_migration_goes_down_and_up_keeping_credentials(ctx) -> None:  # type: ignore[no-untyped-def]
    from api.auth import Account, end_sessions, login, session_generation, set_credential

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    kt = Account("officer", "kt.g1")
    set_credential(ctx.engine, kt, "mật khẩu dài 123", hasher=fast)
    end_sessions(ctx.engine, kt)
    assert session_generation(ctx.engine, kt) == 1

    _migrate(ctx.engine, "downgrade", "0006")
    columns = {c["name"] for c in inspect(ctx.engine).get_columns("api_credentials")}
    assert "session_generation" not in columns and "secret_hash" in columns
    with ctx.engine.connect() as conn:  # the credential itself survives
        assert conn.execute(text("SELECT account FROM api_credentials")).scalars().all() == [
            "officer:kt.g1"
        ]

    _migrate(ctx.engine, "upgrade", "head")
    assert schema.current_revision(ctx.engine) == schema.head_revision()
    assert session_generation(ctx.engine, kt) == 0  # existing rows start at 0
    assert login(ctx.engine, kt, "mật khẩu dài 123") == 0
    set_credential(ctx.engine, kt, "mật khẩu mới 4567", hasher=fast)
    assert session_generation(ctx.engine, kt) == 1


def test_the_unit_parents_migration_fills_the_tree_over_time_from_the_log(  # type: ignore[no-untyped-def]
    world, database_url: str
) -> None:
    from ledger.bootstrap import open_ledger
    from tests.support import at

    with at("2025-07-01"):
        world.submit("unit.move", by=world.admin, unit="G2", body={"parent": "P"})

    def tree(engine) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:  # type: ignore[no-untyped-def]
        with engine.connect() as conn:
            parents = conn.execute(
                text("SELECT code, from_date, parent FROM proj_unit_parents ORDER BY code, seq")
            ).all()
            units = conn.execute(text("SELECT code, parent FROM proj_units ORDER BY code")).all()
        return [tuple(map(str, r)) for r in parents], [tuple(map(str, r)) for r in units]

    before = tree(world.ctx.engine)
    assert [r for r in before[0] if r[0] == "G2"] == [
        ("G2", "2024-06-01", "D"),
        ("G2", "2025-07-01", "P"),
    ]
    _migrate(world.ctx.engine, "downgrade", "0007")
    assert "proj_unit_parents" not in inspect(world.ctx.engine).get_table_names()
    _migrate(world.ctx.engine, "upgrade", "head")
    assert tree(world.ctx.engine) == ([], [])  # until the ledger opens again
    again = open_ledger(database_url)  # the `units` projection catches up from the log
    try:
        assert tree(again.engine) == before
    finally:
        again.close()


def test_read_only_commands_on_an_older_schema_say_so_and_change_nothing(
    world, database_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """`audit verify` never migrates; on a ledger made by the previous version it crashed with
    a traceback (no such table proj_unit_parents). It now exits 2 saying what to do, and the
    schema is left as it was; once another command has opened the ledger, it verifies."""
    from typer.testing import CliRunner

    from ledger.cli.main import app

    _migrate(world.ctx.engine, "downgrade", "0007")
    world.ctx.close()
    runner = CliRunner()
    env = {"PHUCLOI_HOME": str(tmp_path)}
    for command_ in (["audit", "verify"], ["export", "--out", str(tmp_path / "b")]):
        r = runner.invoke(app, ["--db", database_url, *command_], env=env)
        assert r.exit_code == 2, (command_, r.output)
        assert "lược đồ cũ (0007)" in r.output and "phucloi projections status" in r.output
        assert "Traceback" not in r.output
    from ledger.bootstrap import open_ledger

    engine = open_ledger(database_url)
    try:
        assert schema.current_revision(engine.engine) == schema.head_revision()
    finally:
        engine.close()
    r = runner.invoke(app, ["--db", database_url, "audit", "verify"], env=env)
    assert r.exit_code == 0 and "lược đồ cũ" not in r.output, r.output


_OPENER = """
import pathlib, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

marker = pathlib.Path(sys.argv[2])


@event.listens_for(Engine, "before_cursor_execute")
def mark(conn, cursor, statement, *args):
    if "pg_advisory_xact_lock" in statement or statement == "BEGIN IMMEDIATE":
        marker.touch()  # about to wait for the process migrating


from ledger import schema
from ledger.bootstrap import open_ledger

ctx = open_ledger(sys.argv[1])
print(schema.current_revision(ctx.engine), len(ctx.ledger.officers()))
ctx.close()
"""


def test_a_process_opening_the_ledger_while_another_migrates_it_waits_and_opens_it(  # type: ignore[no-untyped-def]
    blank_database_url: str, tmp_path
) -> None:
    """Two processes opening a ledger whose schema is behind (here: an empty database), e.g.
    a command run while another starts after an upgrade of phucloi, both ran the migrations:
    all but one failed on the other's half-made tables ("duplicate key value violates
    unique constraint pg_type_typname_nsp_index", "table already exists"; on SQLite, whose
    migrations were not one transaction, "not a phucloi ledger"). This process migrates and
    stops in the middle; the other must wait for it and then open the current schema."""
    import os
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    from sqlalchemy import event

    from ledger.bootstrap import make_engine, private_sqlite_file
    from ledger.config import parse_database_url

    database_url = blank_database_url
    target = parse_database_url(database_url)
    if target.sqlite_path:
        private_sqlite_file(Path(target.sqlite_path))
    engine = make_engine(target)
    halfway, release = threading.Event(), threading.Event()

    @event.listens_for(engine, "after_cursor_execute")
    def pause(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "CREATE TABLE ledger_entries" in statement:
            halfway.set()
            release.wait(timeout=120)

    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            schema.upgrade(engine)
        except BaseException as exc:
            failures.append(exc)

    migrating = threading.Thread(target=migrate)
    migrating.start()
    try:
        assert halfway.wait(timeout=120)
        marker = tmp_path / "waiting"
        other = subprocess.Popen(
            [sys.executable, "-c", _OPENER, database_url, str(marker)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PHUCLOI_HOME": str(tmp_path / "home")},
        )

        def other_waits() -> bool:
            if marker.exists() or other.poll() is not None:
                return True
            if target.sqlite_path:
                return False
            with engine.connect() as conn:  # the other process blocked on a lock
                return bool(
                    conn.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND pid <> pg_backend_pid() AND "
                            "wait_event_type = 'Lock'"
                        )
                    )
                )

        deadline = time.monotonic() + 120
        while not other_waits() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        release.set()
        migrating.join(timeout=120)
    out, err = other.communicate(timeout=120)
    engine.dispose()
    assert failures == []
    assert other.returncode == 0, err[-2000:]
    assert out.split() == [schema.head_revision(), "0"]


def test_relatives_keys_are_tied_to_their_member_again_after_0011_goes_down_and_up(  # type: ignore[no-untyped-def]
    world,
) -> None:
    """0011's downgrade drops `person_keys.member_id` (the phucloi of 0010 has no such
    column); upgrading again left the keys of relatives declared since with none, so the
    member's erasure no longer destroyed them and the relative's name and date of birth
    stayed readable after the member was erased (Decree 13/2023). The upgrade ties every
    relative's own key to its member again, from the declarations in the log."""
    from ledger.domain.base import relative_person_id
    from tests.support import at

    world.join("DV001")
    world.join("DV002")
    with at("2024-08-01"):
        for member, code in (("DV001", "C1"), ("DV002", "C2")):
            world.submit(
                "member.relative",
                by=world.kt,
                unit="G1",
                effective_date="2024-08-01",
                body={"member": member, "relative": code, "relation": "child"},
                personal={"full_name": f"Con {code}", "date_of_birth": "2015-03-01"},
            )

    def keys() -> dict[str, tuple[str | None, bool]]:
        with world.ctx.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT person_id, member_id, data_key IS NULL FROM person_keys")
            ).all()
        people = {
            str(relative_person_id(m, c)): f"{m}/{c}" for m, c in (("DV001", "C1"), ("DV002", "C2"))
        }
        return {
            people[str(r[0])]: (r[1] and str(r[1]), bool(r[2])) for r in rows if str(r[0]) in people
        }

    tied = keys()
    assert tied["DV001/C1"][0] == str(world.ledger.get_member("DV001").id)
    _migrate(world.ctx.engine, "downgrade", "0010")
    _migrate(world.ctx.engine, "upgrade", "head")
    assert keys() == tied
    with at("2025-03-02"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV001", "reason": "yêu cầu xóa (NĐ 13/2023)"},
        )
    after = keys()
    assert after["DV001/C1"][1] is True  # destroyed with the member's key
    assert after["DV002/C2"] == tied["DV002/C2"]  # another member's relative keeps theirs


def test_a_ledger_stamped_by_the_placeholder_migrations_0004_and_0005_upgrades(  # type: ignore[no-untyped-def]
    world, database_url: str
) -> None:
    """0004 and 0005 were first empty placeholders: a ledger made by that phucloi is stamped
    0005 without the login tables and the report index. Upgrading it stopped with "cannot open
    the database: relation api_credentials does not exist" (0007 alters that table). 0006
    now makes what the placeholders left out, and the ledger opens with every table."""
    from sqlalchemy import inspect

    from ledger.bootstrap import open_ledger

    world.join("DV001")
    paid = world.payout("DV001", "tet_support", 1_000_000, on="2025-01-20", occasion="Tết Ất Tỵ")
    _migrate(world.ctx.engine, "downgrade", "0003")
    _migrate(world.ctx.engine, "stamp", "0005")  # what the placeholders' phucloi left
    world.ctx.close()
    assert "api_credentials" not in inspect(world.ctx.engine).get_table_names()
    again = open_ledger(database_url)
    try:
        assert schema.current_revision(again.engine) == schema.head_revision()
        tables = set(inspect(again.engine).get_table_names())
        assert {"api_credentials", "api_login_attempts", "verification_runs"} <= tables
        indexes = {i["name"] for i in inspect(again.engine).get_indexes("proj_money_lines")}
        assert "ix_proj_money_lines_report" in indexes
        assert again.ledger.entry(paid.event_id)["command_type"] == "payout.record"
    finally:
        again.close()
