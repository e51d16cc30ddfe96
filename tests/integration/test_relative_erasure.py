"""Erasing one relative on their own (Decree 13/2023, `member.erase_relative`).

On SQLite and PostgreSQL: a relative declared since relatives have data keys of their own is
erased alone; their fields read as erased in every read (the member's record and history,
the API's, the command line's), their citizen ID leaves detection, and `audit verify` passes
on the database and on an export bundle, while the member and the other relatives keep their
data and every amount still verifies. A relative declared before (sealed under the member's
key) is refused with the reason and what to do; the member's erasure still erases both
kinds. A changed ciphertext of a relative is still a finding, erased or not.
"""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import text

from api import queries
from audit.export import export
from audit.scan import event_leaf_hash
from audit.source import BundleSource, EventRow
from audit.verify import verify
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.domain.base import relative_person_id
from ledger.domain.errors import LedgerError
from ledger.erasure import Link, relative_erasure_links
from ledger.projections.queries.history import ERASED
from tests.integration.test_audit_helpers import Attacker, source_of
from tests.support import at, entries

CHILD_CID = "079215000111"
SPOUSE_CID = "079190000222"


def _relative(world, number: str, code: str, relation: str, name: str, cid: str | None) -> None:  # type: ignore[no-untyped-def]
    personal = {"full_name": name, "date_of_birth": "2000-05-05"}
    if cid:
        personal["citizen_id"] = cid
    with at("2024-07-02"):
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-02",
            body={"member": number, "relative": code, "relation": relation},
            personal=personal,
        )


def _erase_relative(world, number: str, code: str, on: str = "2025-02-01"):  # type: ignore[no-untyped-def]
    with at(on):
        return world.submit(
            "member.erase_relative",
            by=world.admin,
            unit="G1",
            effective_date=on,
            body={"member": number, "relative": code, "reason": "Đơn số 12/2025"},
        )


def _family(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """DV1 with a child R1 and a spouse R2, each paid a benefit; their payout ids."""
    world.join("DV1", cid="079188123456")
    _relative(world, "DV1", "R1", "child", "Lê Văn Con", CHILD_CID)
    _relative(world, "DV1", "R2", "spouse", "Phạm Thị Vợ", SPOUSE_CID)
    paid = {}
    for code, amount in (("R1", 300_000), ("R2", 400_000)):
        paid[code] = world.payout(
            "DV1",
            "children_support",
            amount,
            on="2024-09-10",
            relative=code,
            occasion="hỗ trợ gia đình khó khăn",
            personal={"reason": "khó khăn"},
        ).event_id
    return paid


def _key(world, person: str) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """(row exists, key still held) for a person."""
    with world.ctx.engine.connect() as conn:
        row = conn.execute(
            text("SELECT data_key, erased_at FROM person_keys WHERE person_id = :p"),
            {"p": person},
        ).first()
    return (row is not None, row is not None and row.data_key is not None)


def test_a_relative_erased_alone_reads_as_erased_and_the_rest_stays(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    paid = _family(world)
    member_id = str(world.ledger.get_member("DV1").id)
    child = str(relative_person_id("DV1", "R1"))
    spouse = str(relative_person_id("DV1", "R2"))
    assert _key(world, child) == _key(world, spouse) == (True, True)  # keys of their own
    before = world.ledger.reveal("DV1")
    assert before["relatives"]["R1"]["full_name"] == "Lê Văn Con"

    _erase_relative(world, "DV1", "R1")

    assert _key(world, child) == (True, False)
    assert _key(world, spouse) == _key(world, member_id) == (True, True)
    data = world.ledger.reveal("DV1")
    assert data["full_name"] == "Đoàn viên DV1" and data["citizen_id"] == "079188123456"
    assert sorted(data["relatives"]) == ["R2"]
    assert data["relatives"]["R2"]["citizen_id"] == SPOUSE_CID
    assert data["erased_relatives"] == ["R1"]
    assert "Lê Văn Con" not in json.dumps(data, ensure_ascii=False)

    # the member's record and history, as the API (and the portal's /me) give them
    record = queries.member(world.ledger, "DV1")
    assert record["name"] == "Đoàn viên DV1" and record["erased"] is False
    assert record["relatives"] == [
        {"code": "R1", "relation": "child", "name": None, "erased": True},
        {"code": "R2", "relation": "spouse", "name": "Phạm Thị Vợ", "erased": False},
    ]
    history = queries.history(world.ledger, "DV1")
    names = {ln["event_id"]: ln["beneficiary_name"] for ln in history["lines"]}
    assert names == {paid["R1"]: ERASED, paid["R2"]: "Phạm Thị Vợ"}
    assert history["name"] == "Đoàn viên DV1"
    # amounts and signatures are untouched
    member = world.ledger.get_member("DV1")
    assert member.payouts[paid["R1"]].amount == 300_000
    assert member.relatives_erased == {"R1"} and member.relatives == {
        "R1": "child",
        "R2": "spouse",
    }

    # another process (a fresh ledger object) reads the same
    source = source_of(world.ctx)
    live = verify(source, workers=1)
    assert live.ok, live.errors()
    assert [f.check for f in live.findings if f.check != "checkpoint.none"] == ["sealed.erased"]
    assert live.facts["erased"] == 1  # R1's declaration only
    export(source, tmp_path / "bundle")
    offline = verify(BundleSource(tmp_path / "bundle"), workers=1)
    assert offline.ok, offline.errors()
    assert [f.check for f in offline.findings if f.check != "checkpoint.none"] == []
    assert (offline.tree_size, offline.root_hash) == (live.tree_size, live.root_hash)


def test_an_erased_relative_leaves_detection_and_the_others_stay(world) -> None:  # type: ignore[no-untyped-def]
    """kt.b (member DV20) pays DV21 and DV22, who both declared DV20 as their relative R1:
    self-dealing through the relative's citizen ID, twice. Once DV21's R1 is erased alone,
    only DV22's link remains, and DV21's own data stays."""
    from tests.integration.test_detect_rules import found, register_officer

    world.join("DV20", cid="079190000020")
    world.join("DV21", cid="079190000021")
    world.join("DV22", cid="079190000022")
    for number in ("DV21", "DV22"):
        _relative(world, number, "R1", "spouse", "Đoàn viên DV20", "079190000020")
    kt_b = register_officer(world, "kt.b", "finance_officer", "G1", member="DV20")
    paid = {
        number: world.payout(
            number, "sickness_visit", 500_000, on="2024-09-04", by=kt_b, personal={"reason": "sốt"}
        ).event_id
        for number in ("DV21", "DV22")
    }
    assert {f.people: f.event_ids for f in found(world, "self_dealing")} == {
        ("DV21", "kt.b"): (paid["DV21"],),
        ("DV22", "kt.b"): (paid["DV22"],),
    }
    # before erasing, the administrator is told of the other records with that citizen ID
    assert relative_erasure_links(world.ctx.engine, "DV21", "R1") == [
        Link("DV20", "member", "citizen_id"),
        Link("DV22", "relative", "citizen_id", "R1"),
    ]

    _erase_relative(world, "DV21", "R1")

    assert [(f.event_ids, f.people) for f in found(world, "self_dealing")] == [
        ((paid["DV22"],), ("DV22", "kt.b"))
    ]
    assert world.ledger.reveal("DV21")["citizen_id"] == "079190000021"
    assert world.ledger.reveal("DV22")["relatives"]["R1"]["citizen_id"] == "079190000020"
    # DV20's own erasure no longer lists the erased declaration as a record left behind
    from ledger.erasure import erasure_links

    assert erasure_links(world.ctx.engine, "DV20") == [Link("DV22", "relative", "citizen_id", "R1")]
    report = verify(source_of(world.ctx), workers=1)
    assert report.ok, report.errors()


def test_erasing_the_member_still_erases_their_relatives(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _family(world)
    child = str(relative_person_id("DV1", "R1"))
    spouse = str(relative_person_id("DV1", "R2"))
    _erase_relative(world, "DV1", "R1", on="2025-01-05")
    with at("2025-02-01"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV1", "reason": "Đơn số 13/2025"},
        )
    assert _key(world, child) == _key(world, spouse) == (True, False)
    assert world.ledger.reveal("DV1") is None
    report = verify(source_of(world.ctx), workers=1)
    assert report.ok, report.errors()
    # no "key destroyed without an erasure" for the relatives: the member's erasure covers them
    assert [f.check for f in report.findings if f.check != "checkpoint.none"] == ["sealed.erased"]
    assert report.facts["erased"] == 5  # the join, both declarations, both payout reasons


def test_a_relative_declared_before_own_keys_is_refused_with_what_to_do(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    world.join("DV1", cid="079188123456")
    with monkeypatch.context() as m:
        m.setattr(Ledger, "RELATIVE_KEYS", False)  # as the ledger wrote relatives before
        _relative(world, "DV1", "R0", "parent", "Nguyễn Văn Cha", "079160000333")
    _relative(world, "DV1", "R1", "child", "Lê Văn Con", CHILD_CID)
    assert _key(world, str(relative_person_id("DV1", "R0"))) == (False, False)
    stored = entries(world)
    with pytest.raises(LedgerError) as refused:
        _erase_relative(world, "DV1", "R0")
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("body.relative", "sealed_under_member")
    assert "sealed under member DV1's key and cannot be erased alone" in problem.en
    assert "phucloi members erase" in problem.en and "phucloi members erase" in problem.vi
    for code, why in (("R9", "unknown_relative"), ("R1", None)):
        if why is None:
            _erase_relative(world, "DV1", code)
            with pytest.raises(LedgerError) as again:
                _erase_relative(world, "DV1", code)
            assert again.value.problems[0].code == "already_erased"
        else:
            with pytest.raises(LedgerError) as unknown:
                _erase_relative(world, "DV1", code)
            assert unknown.value.problems[0].code == why
    assert entries(world) == stored + 1  # R1's erasure only
    data = world.ledger.reveal("DV1")
    assert data["relatives"]["R0"]["full_name"] == "Nguyễn Văn Cha"  # still readable
    assert data["erased_relatives"] == ["R1"]
    # a finance officer may not erase: admin only
    with pytest.raises(LedgerError) as role, at("2025-02-02"):
        world.submit(
            "member.erase_relative",
            by=world.kt,
            unit="G1",
            body={"member": "DV1", "relative": "R0", "reason": "Đơn"},
        )
    assert role.value.status == 403
    # the member's erasure takes the old-style relative with it
    with at("2025-02-03"):
        world.submit(
            "member.erase", by=world.admin, unit="G1", body={"member": "DV1", "reason": "Đơn"}
        )
    assert world.ledger.reveal("DV1") is None
    assert verify(source_of(world.ctx), workers=1).ok


def _sealed_seq(world, number: str, code: str) -> int:  # type: ignore[no-untyped-def]
    with world.ctx.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT seq FROM ledger_entries WHERE command_type = 'member.relative' "
                "AND originator_id = :m ORDER BY seq"
            ),
            {"m": str(world.ledger.get_member(number).id)},
        ).all()
    attacker = Attacker(world.ctx.engine)
    for (seq,) in rows:
        cmd = json.loads(json.loads(attacker.state(seq))["envelope"]["command"])
        if cmd["body"]["relative"] == code:
            return int(seq)
    raise AssertionError(code)


def _flip_ciphertext(attacker: Attacker, seq: int, *, rewrite_leaf: bool) -> None:
    sealed = json.loads(attacker.state(seq))["envelope"]["sealed"]
    version, nonce, body = sealed.split(".")
    raw = bytearray(base64.b64decode(body))
    raw[3] ^= 0x01
    changed = f"{version}.{nonce}.{base64.b64encode(bytes(raw)).decode()}"
    attacker.replace_in_event(seq, sealed.encode(), changed.encode())
    if rewrite_leaf:
        e = attacker.entry(seq)
        ev = EventRow(
            e["originator_id"], e["originator_version"], e["topic"], attacker.state(seq), 0
        )
        attacker.sql(
            "UPDATE ledger_entries SET leaf_hash = :h WHERE seq = :s",
            h=event_leaf_hash(ev).hex(),
            s=seq,
        )


def test_a_relatives_changed_ciphertext_is_a_finding_erased_or_not(world) -> None:  # type: ignore[no-untyped-def]
    _family(world)
    _erase_relative(world, "DV1", "R1")
    attacker = Attacker(world.ctx.engine)
    erased, kept = _sealed_seq(world, "DV1", "R1"), _sealed_seq(world, "DV1", "R2")
    # R2's key is held: the changed ciphertext fails authentication under it, even with
    # the leaf hash rewritten to match
    _flip_ciphertext(attacker, kept, rewrite_leaf=True)
    # R1's key is gone: as for an erased member, the stored bytes no longer hash to the leaf
    _flip_ciphertext(attacker, erased, rewrite_leaf=False)
    report = verify(source_of(world.ctx), workers=1)
    assert not report.ok
    errors = {(f.check, f.seq) for f in report.findings if f.severity == "error"}
    assert ("sealed.tampered", kept) in errors
    assert erased in {seq for _check, seq in errors}


def test_a_relatives_key_restored_beside_its_erasure_is_destroyed_at_open(
    world, database_url, capsys
) -> None:  # type: ignore[no-untyped-def]
    _family(world)
    child = str(relative_person_id("DV1", "R1"))
    key = world.ctx.vault.key_for(child)
    assert key is not None
    _erase_relative(world, "DV1", "R1")
    with world.ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE person_keys SET data_key = :k WHERE person_id = :p"),
            {"k": key, "p": child},
        )
    report = verify(source_of(world.ctx), workers=1)
    assert [(f.check, f.aggregate_id) for f in report.findings if f.severity == "error"] == [
        ("erasure.not_done", child)
    ]
    world.ctx.close()
    capsys.readouterr()
    again = open_ledger(database_url)
    try:
        assert "destroyed 1 data key" in capsys.readouterr().err
        assert again.vault.key_for(child) is None
        assert again.ledger.reveal("DV1")["erased_relatives"] == ["R1"]
        assert again.vault.key_for(str(relative_person_id("DV1", "R2"))) is not None
        assert verify(source_of(again), workers=1).ok
    finally:
        again.close()


def test_the_destroyed_relative_key_leaves_the_database_storage(
    world, backend, database_url
) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    _family(world)
    key = world.ctx.vault.key_for(str(relative_person_id("DV1", "R1")))
    assert key is not None
    _erase_relative(world, "DV1", "R1")
    if backend == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///"))
        wal = Path(f"{path}-wal")
        assert key not in path.read_bytes()
        assert not wal.exists() or key not in wal.read_bytes()
        return
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


def test_members_erase_relative_on_the_command_line(world, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_cli import cli, keys_for_world, ok

    _family(world)
    world.join("DV5", unit="G2", cid=CHILD_CID)  # the grown child, a member now
    world.ctx.close()
    home = tmp_path / "home"
    keys_for_world(home, "admin")
    out = ok(
        cli(
            home,
            database_url,
            "members erase-relative DV1 R1 --unit G1 --as admin --reason",
            "Đơn 12",
        )
    )
    assert "thân nhân R1 (DV1) / relative's data: đã xóa (erased)" in out.stdout
    assert "DV5: hồ sơ đoàn viên — cùng số CCCD / member record, same citizen ID" in out.stdout
    shown = ok(cli(home, database_url, "members show DV1 --json"))
    relatives = {r["code"]: r for r in json.loads(shown.stdout)["relatives"]}
    assert relatives["R1"]["full_name"] is None and relatives["R1"]["erased"] is True
    assert relatives["R2"]["full_name"] == "Phạm Thị Vợ" and relatives["R2"]["erased"] is False
    table = ok(cli(home, database_url, "members show DV1"))
    assert "[đã xóa / erased]" in table.stdout and "Phạm Thị Vợ" in table.stdout
    assert "Lê Văn Con" not in table.stdout
    history = ok(cli(home, database_url, "history DV1"))
    assert "R1 (đã xóa / erased)" in history.stdout and "R2 Phạm Thị Vợ" in history.stdout
    again = cli(
        home, database_url, "members erase-relative DV1 R1 --unit G1 --as admin --reason", "Đơn"
    )
    assert again.exit_code != 0
    assert "body.relative" in again.output and "already been erased" in again.output
    assert ok(cli(home, database_url, "audit verify")).exit_code == 0


def test_another_process_reads_the_relative_as_erased_at_its_next_look(world, database_url) -> None:  # type: ignore[no-untyped-def]
    """A running server that opened (and cached) the relative's key before the erasure."""
    _family(world)
    server = open_ledger(database_url)
    try:
        assert server.ledger.reveal("DV1")["relatives"]["R1"]["full_name"] == "Lê Văn Con"
        _erase_relative(world, "DV1", "R1")
        data = server.ledger.reveal("DV1")
        assert data["erased_relatives"] == ["R1"] and sorted(data["relatives"]) == ["R2"]
        with at("2025-03-01"):
            world.submit(
                "member.erase", by=world.admin, unit="G1", body={"member": "DV1", "reason": "Đơn"}
            )
        assert server.ledger.reveal("DV1") is None
        assert server.vault.key_for(str(relative_person_id("DV1", "R2"))) is None
    finally:
        server.close()
