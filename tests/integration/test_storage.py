"""The database itself refuses edits; personal data can be erased; writers race safely."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from ledger import clock
from ledger.bootstrap import open_ledger
from ledger.domain.errors import Conflict, LedgerError, PolicyViolation, SignatureRefused
from ledger.signing import decode_b64, encode_b64, verify
from tests.support import at, officer_key


@pytest.mark.parametrize("table", ["ledger_events", "ledger_entries"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET topic = 'x'", "DELETE FROM {t}"])
def test_stored_events_cannot_be_updated_or_deleted_in_the_database(
    world,
    table: str,
    statement: str,  # type: ignore[no-untyped-def]
) -> None:
    with world.ctx.engine.connect() as conn:
        count = conn.scalar(text(f"SELECT count(*) FROM {table}"))
    assert count > 0
    with pytest.raises(Exception, match="append-only"), world.ctx.engine.begin() as conn:
        conn.execute(text(statement.format(t=table)))
    with world.ctx.engine.connect() as conn:
        assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == count


def test_erasure_destroys_personal_data_but_amounts_and_signatures_stay(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001", cid="079123456789", bank="VCB:0071000123456")
    r = world.payout(
        "DV001", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "ung thư"}
    )
    assert world.ledger.reveal("DV001")["citizen_id"] == "079123456789"
    member = world.ledger.get_member("DV001")
    blind_before = member.blind["citizen_id"]
    with at("2025-01-10"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV001", "reason": "yêu cầu xóa dữ liệu (NĐ 13/2023)"},
        )
    assert world.ledger.reveal("DV001") is None
    member = world.ledger.get_member("DV001")
    assert member.erased and member.payouts[r.event_id].amount == 500_000
    assert member.blind == {}  # detection no longer matches the erased person with others
    with world.ctx.engine.connect() as conn:
        row = conn.execute(
            text("SELECT citizen_blind, bank_blind FROM member_index WHERE member_number = 'DV001'")
        ).one()
    assert tuple(row) == (None, None)
    # what erasure does not reach (README, "Personal data"): the signed join keeps its index
    [join] = [e for e in world.ledger.repository.event_store.get(member.id)][:1]
    assert join.envelope["blind"]["citizen_id"] == blind_before
    officer = world.ledger.get_officer("kt.g1")
    for ev in world.ledger.repository.event_store.get(member.id):
        cmd = ev.envelope["command"]
        assert "079123456789" not in cmd and "ung thư" not in cmd
        signer = officer if '"kt.g1"' in cmd else world.ledger.get_officer("admin")
        key = next(iter(signer.keys.values()))
        assert verify(
            decode_b64(key.public_key), cmd.encode(), decode_b64(ev.envelope["signature"])
        )
    with pytest.raises(Exception) as after:  # no new personal data for an erased person
        world.payout("DV001", "sickness_visit", 500_000, on="2025-02-10", personal={"reason": "x"})
    assert after.value.problems[0].code == "erased"  # type: ignore[attr-defined]


def test_an_erasure_by_another_process_takes_effect_here_at_once(world, database_url) -> None:  # type: ignore[no-untyped-def]
    """A server that opened a person's data before an erasure made elsewhere (the CLI) reads
    them as erased at its next look at the log, and seals nothing more for them. The key is
    destroyed in the erasure's own transaction: a refused batch destroys none."""
    world.join("DV001", cid="079123456789")
    world.join("DV002", cid="079123456780")
    world.payout("DV001", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "ốm"})
    assert world.ledger.reveal("DV001")["citizen_id"] == "079123456789"  # key cached here

    def erase(number: str) -> dict:  # type: ignore[type-arg]
        return world.item(
            "member.erase", by=world.admin, unit="G1", body={"member": number, "reason": "NĐ 13"}
        )

    def keys() -> dict[str, bool]:
        with world.ctx.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT m.member_number, k.data_key IS NOT NULL FROM person_keys k "
                    "JOIN member_index m ON m.member_id = k.person_id"
                )
            ).all()
        return {number: bool(present) for number, present in rows}

    cli = open_ledger(database_url)
    try:
        with at("2025-01-10"):
            bad = world.item(
                "payout.record",
                by=world.kt,
                unit="G1",
                body={"member": "NOBODY", "kind": "gift", "amount": 1, "occasion": "x"},
            )
            with pytest.raises(LedgerError):
                cli.ledger.submit_batch([erase("DV002"), bad])
            assert keys() == {"DV001": True, "DV002": True}
            cli.ledger.submit(erase("DV001"))
        assert keys() == {"DV001": False, "DV002": True}
    finally:
        cli.close()
    assert world.ledger.reveal("DV001") is None
    assert world.ledger.reveal("DV002")["citizen_id"] == "079123456780"
    with pytest.raises(Exception) as after:
        world.payout("DV001", "sickness_visit", 500_000, on="2025-02-10", personal={"reason": "x"})
    assert after.value.problems[0].code == "erased"  # type: ignore[attr-defined]


def test_two_officers_paying_the_same_tet_at_once_exactly_one_succeeds(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """Real concurrent writers, each with its own connection pool, on one database.

    Writer A pauses inside its transaction (after its event is inserted, before commit) until
    writer B has loaded the member and started its own save: B decided on stale state and
    loses on the aggregate version, is checked again on the stored state and is refused by
    the rule it raced against (Tết once per lunar year), as if it had come just after A.
    """
    world.join("DV001")
    a_inside = threading.Event()
    b_loaded = threading.Event()

    def pause(tx, metas) -> None:  # type: ignore[no-untyped-def]  # a fake at the boundary
        a_inside.set()
        b_loaded.wait(timeout=10)

    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    ctx_a.ledger.projectors.append(pause)
    item_a = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2025-01-20",
        body={
            "member": "DV001",
            "kind": "tet_support",
            "amount": 1_000_000,
            "occasion": "Tết Ất Tỵ",
        },
    )
    item_b = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2025-01-21",
        body={
            "member": "DV001",
            "kind": "tet_support",
            "amount": 1_000_000,
            "occasion": "Tết Ất Tỵ",
        },
    )
    results: dict[str, object] = {}

    def writer_a() -> None:
        try:
            results["a"] = ctx_a.ledger.submit(item_a)
        except Exception as exc:
            results["a"] = exc

    def writer_b() -> None:
        a_inside.wait(timeout=10)
        original_get = ctx_b.ledger._get

        def get_then_signal(*args, **kwargs):  # type: ignore[no-untyped-def]
            agg = original_get(*args, **kwargs)
            if args[2] == "member":
                b_loaded.set()
            return agg

        ctx_b.ledger._get = get_then_signal  # type: ignore[method-assign]
        try:
            results["b"] = ctx_b.ledger.submit(item_b)
        except Exception as exc:
            results["b"] = exc
        finally:
            b_loaded.set()

    try:
        threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        ctx_a.close()
        ctx_b.close()
    assert not isinstance(results["a"], Exception), results["a"]
    assert isinstance(results["b"], PolicyViolation), results["b"]
    assert [p.code for p in results["b"].problems] == ["over_count"]
    payouts = world.ledger.get_member("DV001").payouts
    assert [p.event_id for p in payouts.values()] == [results["a"].event_id]
    # B retried is refused by the same rule, and still nothing of it is stored.
    with pytest.raises(PolicyViolation):
        world.ledger.submit(item_b)


def test_a_writer_that_missed_another_writers_event_decides_again_on_the_stored_state(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """B has seen the whole log, then A revokes the officer's role: B must not trust its cache.

    B's next write skips the look at the log (optimistic) and touches only the member, not
    the officer A changed, so no aggregate version can catch it. The write finds the log
    longer than B knew, rolls back, and B decides again on what is stored: the payout is
    refused for the revoked role, and nothing of B's first attempt is kept.
    """
    world.join("DV001")
    world.join("DV002")
    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)

    def gift(member: str) -> dict:  # type: ignore[type-arg]
        return world.item(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-07",
            body={"member": member, "kind": "gift", "amount": 300_000, "occasion": "8/3"},
        )

    try:
        with at("2025-03-07"):
            first_b = ctx_b.ledger.submit(gift("DV002"))  # B now knows the whole log
            assert ctx_b.ledger.get_member("DV001").payouts == {}
            revoked = ctx_a.ledger.submit(
                world.item(
                    "officer.revoke_role",
                    by=world.admin,
                    body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
                )
            )
            with pytest.raises(SignatureRefused) as refused:
                ctx_b.ledger.submit(gift("DV001"))
            # B's cache now follows the log: its next write lands right after A's.
            again_b = ctx_b.ledger.submit(
                world.item(
                    "officer.grant",
                    by=world.admin,
                    body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
                )
            )
    finally:
        ctx_a.close()
        ctx_b.close()
    assert refused.value.code == "role_not_allowed"
    assert world.ledger.get_member("DV001").payouts == {}
    assert (first_b.seq + 1, revoked.seq + 1) == (revoked.seq, again_b.seq)


def test_a_refused_batch_leaves_no_personal_data_key_behind(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.application import BatchRefused
    from ledger.tables import person_keys

    def keys() -> int:
        with world.ctx.engine.connect() as conn:
            return len(conn.execute(person_keys.select()).all())

    before = keys()
    join = world.item(
        "member.join",
        by=world.kt,
        unit="G1",
        effective_date="2024-08-01",
        body={"member": "DV050", "salary_basis": 6_000_000},
        personal={
            "full_name": "Võ Thị Hoa",
            "date_of_birth": "1995-02-03",
            "citizen_id": "079195000123",
        },
    )
    bad = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2024-08-02",
        body={"member": "DV050", "kind": "gift", "amount": 0, "occasion": "x"},
    )
    with pytest.raises(BatchRefused):
        world.ledger.submit_batch([join, bad])
    assert keys() == before
    assert world.ledger.get_member("DV050") is None
    world.ledger.submit(join)  # the same join alone is stored, with its key
    assert keys() == before + 1
    assert world.ledger.reveal("DV050")["full_name"] == "Võ Thị Hoa"


def test_personal_data_for_an_unknown_member_is_reported_as_not_found(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.domain.errors import NotFound

    with pytest.raises(NotFound) as missing:
        world.payout(
            "DV404", "sickness_visit", 500_000, on="2024-09-10", personal={"reason": "cúm"}
        )
    assert missing.value.problems[0].field == "body.member"


def test_an_impossible_date_of_birth_is_refused_naming_the_field(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.domain.errors import LedgerError

    def join(number: str, born: str):  # type: ignore[no-untyped-def]
        with at("2024-08-01"):
            return world.submit(
                "member.join",
                by=world.kt,
                unit="G1",
                effective_date="2024-08-01",
                body={"member": number, "salary_basis": 6_000_000},
                personal={"full_name": number, "date_of_birth": born, "citizen_id": "079190000070"},
            )

    keys = "SELECT count(*) FROM person_keys"
    before = _counts(world, keys)
    for born, why in [
        ("2024-08-02", "after the effective date 2024-08-01"),
        ("01/02/1990", "is not a YYYY-MM-DD date"),
        ("1990-02-30", "is not a YYYY-MM-DD date"),
        ("1899-12-31", "is before 1900"),
    ]:
        with pytest.raises(LedgerError) as refused:
            join("DV070", born)
        (p,) = refused.value.problems
        assert (p.field, p.code) == ("openings.date_of_birth", "invalid_value")
        assert why in p.en and born in p.vi
    # a member is a worker, 15 at least on joining (Labour Code 2019, art. 3(1)): a child's
    # date of birth on a member was a typo, or a ghost, and was recorded
    for born, age in [("2024-08-01", 0), ("2009-08-02", 14)]:
        with pytest.raises(LedgerError) as refused:
            join("DV070", born)
        (p,) = refused.value.problems
        assert (p.field, p.code) == ("openings.date_of_birth", "invalid_value")
        day = f"{born[8:]}/{born[5:7]}/{born[:4]}"
        assert p.vi == (
            f"ngày sinh {day}: đoàn viên mới {age} tuổi vào ngày kết nạp 01/08/2024, "
            "chưa đủ 15 tuổi của người lao động"
        )
    assert _counts(world, keys) == before  # nothing stored, not even a data key
    assert join("DV070", "2009-08-01").status == "recorded"  # 15 that very day


def test_a_bank_account_signed_without_normalising_is_refused_with_a_message(
    world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Another program signs the opening as typed (no client-side normalisation): the ledger
    names the field and the expected form, never a Python error."""
    from ledger import client
    from ledger.domain.errors import LedgerError

    monkeypatch.setattr(client, "normalise_personal", lambda field, value: value)
    keys = "SELECT count(*) FROM person_keys"
    before = _counts(world, keys)
    for bank, why in [
        ("nope", "expected 'BANK:NUMBER'"),
        ("VCB:12:34", "expected 'BANK:NUMBER'"),
        ("VCB:12", "number must be 6-20 digits"),
        ("XYZBANK:0011223344", "'XYZBANK' is not a Vietnamese bank the ledger knows"),
    ]:
        with pytest.raises(LedgerError) as refused:
            world.join("DV071", bank=bank)
        (p,) = refused.value.problems
        assert (p.field, p.code) == ("openings.bank_account", "invalid_value")
        assert why in p.en and "argument" not in p.en
    # A known bank under another name is one account: the ledger asks for its one code.
    with pytest.raises(LedgerError) as refused:
        world.join("DV071", bank="VIETCOMBANK:0011223344")
    (p,) = refused.value.problems
    assert (p.field, p.code, p.en) == (
        "openings.bank_account",
        "not_normalised",
        "normalise to VCB:0011223344",
    )
    assert _counts(world, keys) == before


def test_money_is_not_recorded_ahead_of_its_date_but_a_policy_may_be(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.domain.errors import LedgerError
    from ledger.domain.policy import load_default_book

    world.join("DV080", on="2024-08-01")
    before = _counts(world, "SELECT count(*) FROM proj_money_lines")
    body = {"member": "DV080", "kind": "sickness_visit", "amount": 300_000, "occasion": "ốm"}
    with at("2024-09-10", hour=23), pytest.raises(LedgerError) as refused:
        world.submit(  # 23:00 in Việt Nam on the 10th: the 11th has not begun
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-11",
            body=body,
            personal={"reason": "cúm"},
        )
    (p,) = refused.value.problems
    assert (p.field, p.code) == ("command.effective_date", "in_the_future")
    assert "2024-09-11 is after today (2024-09-10)" in p.en
    assert _counts(world, "SELECT count(*) FROM proj_money_lines") == before
    paid = world.payout(
        "DV080", "sickness_visit", 300_000, on="2024-09-11", personal={"reason": "cúm"}
    )
    assert paid.status == "paid"
    version = dict(load_default_book().to_dict()["versions"][-1], effective_from="2025-01-01")
    with at("2024-09-11"):  # a policy adopted in September for next January
        adopted = world.submit(
            "policy.adopt",
            by=world.admin,
            unit="G1",
            effective_date="2025-01-01",
            body={"policy": version},
        )
    assert adopted.status == "recorded"


def test_a_household_code_is_blind_indexed_so_shared_households_can_be_found(world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from ledger.tables import member_index

    for number, household in [("DV061", "hk 0123/45"), ("DV062", "HK0123/45"), ("DV063", "HK999")]:
        with at("2024-08-01"):
            world.submit(
                "member.join",
                by=world.kt,
                unit="G1",
                effective_date="2024-08-01",
                body={"member": number, "salary_basis": 6_000_000},
                personal={
                    "full_name": number,
                    "date_of_birth": "1990-01-01",
                    "citizen_id": f"0791900000{number[-2:]}",
                    "household": household,
                },
            )
    with world.ctx.engine.connect() as conn:
        rows = dict(
            conn.execute(select(member_index.c.member_number, member_index.c.household_blind)).all()
        )
    assert rows["DV061"] == rows["DV062"] != rows["DV063"]
    assert world.ledger.reveal("DV061")["household"] == "HK012345"


def test_a_batch_of_thousands_of_members_is_stored_in_one_transaction(world) -> None:  # type: ignore[no-untyped-def]
    """A big import (about 10 MB of events) used to stall for good in PostgreSQL pipeline mode."""
    items = [
        world.item(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": f"B{i:05d}", "salary_basis": 6_000_000},
            personal={
                "full_name": f"Người {i}",
                "date_of_birth": "1990-01-01",
                "citizen_id": f"0791{i:08d}",
            },
        )
        for i in range(5000)
    ]
    done: dict[str, object] = {}

    def run() -> None:
        with at("2024-07-01"):
            done["receipts"] = world.ledger.submit_batch(items)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=180)
    assert not worker.is_alive(), "the batch did not finish within 3 minutes"
    receipts = done["receipts"]
    assert len(receipts) == 5000  # type: ignore[arg-type]
    seqs = sorted(r.seq for r in receipts)  # type: ignore[attr-defined]
    assert seqs == list(range(seqs[0], seqs[0] + 5000))


def _counts(world, third: str) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """Stored events, ledger entries, and what `third` counts."""
    with world.ctx.engine.connect() as conn:
        return tuple(
            conn.scalar(text(sql))
            for sql in (
                "SELECT count(*) FROM ledger_events",
                "SELECT count(*) FROM ledger_entries",
                third,
            )
        )


def test_a_batch_of_joins_asks_once_for_keys_and_still_refuses_a_member_stored_elsewhere(
    world, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    """A batch of joins looks its members and data keys up in one query each (it asked
    twice per member, about 1 ms each on PostgreSQL): a member that another process stored
    is still refused on its line, and the rest are stored with their own keys."""
    from sqlalchemy import event

    from ledger.application import BatchRefused

    def join(number: str, i: int) -> dict:
        return world.item(
            "member.join",
            by=world.kt,
            unit="G1",
            effective_date="2024-07-01",
            body={"member": number, "salary_basis": 6_000_000},
            personal={
                "full_name": f"Người {i}",
                "date_of_birth": "1990-01-01",
                "citizen_id": f"0792{i:08d}",
            },
        )

    items = [join(f"J{i:03d}", i) for i in range(40)]
    other = open_ledger(database_url)  # another process: this one has not seen its entry
    try:
        with at("2024-07-01"):
            other.ledger.submit(join("J017", 99))  # its own command, not the batch's
    finally:
        other.close()

    asked: list[str] = []

    @event.listens_for(world.ctx.engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "person_keys" in statement:
            asked.append(statement)

    with at("2024-07-01"), pytest.raises(BatchRefused) as refused:
        world.ledger.submit_batch(items)
    lines = [(p.field, p.code) for p in refused.value.problems]
    assert lines == [("line 18: body.member", "member_exists")]
    assert world.ledger.get_member("J000") is None  # nothing of the batch stored

    asked.clear()
    rest = items[:17] + items[18:]
    with at("2024-07-01"):
        receipts = world.ledger.submit_batch(rest)
    event.remove(world.ctx.engine, "before_cursor_execute", count)
    assert len(receipts) == 39
    assert len(asked) == 1, asked
    assert world.ledger.reveal("J000")["full_name"] == "Người 0"
    assert world.ledger.reveal("J039")["full_name"] == "Người 39"
    assert world.ledger.reveal("J017")["full_name"] == "Người 99"


def test_a_projection_write_failing_at_commit_stores_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the hook's writes are pipelined and their errors arrive with the COMMIT:
    the failure must still reach the caller and roll back the event, its leaf and every row."""
    world.join("DV060")

    def counts() -> tuple[int, ...]:
        return _counts(world, "SELECT count(*) FROM proj_money_lines")

    def clash(tx, metas) -> None:  # type: ignore[no-untyped-def]
        # two rows under one tracker name: the primary key refuses the second
        tx.executemany(
            "INSERT INTO projection_tracking (name, last_seq) VALUES (:n, :s)",
            [{"n": "clash", "s": 1}, {"n": "clash", "s": 2}],
        )

    before = counts()
    world.ledger.projectors.append(clash)
    try:
        # an integrity error in the save is answered as a write conflict, on both backends
        with pytest.raises(Conflict):
            world.payout(
                "DV060", "sickness_visit", 400_000, on="2024-09-12", personal={"reason": "cúm"}
            )
    finally:
        world.ledger.projectors.remove(clash)
    assert counts() == before
    with world.ctx.engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT count(*) FROM projection_tracking WHERE name = 'clash'")) == 0
        )
    r = world.payout(
        "DV060", "sickness_visit", 400_000, on="2024-09-12", personal={"reason": "cúm"}
    )  # the same, now fine
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert world.ledger.get_member("DV060").payouts[r.event_id].amount == 400_000


def test_a_hook_that_fails_after_some_writes_stores_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL runs BEGIN and COMMIT as statements of the write's pipeline: when the hook
    raises after some of its writes were sent, COMMIT must never follow, and the connection
    must serve the next write."""
    world.join("DV061")

    class ProjectorFailed(Exception):
        pass

    def fails(tx, metas) -> None:  # type: ignore[no-untyped-def]
        tx.execute(
            "INSERT INTO projection_tracking (name, last_seq) VALUES (:n, :s)",
            {"n": "half", "s": 1},
        )
        raise ProjectorFailed("the projector stopped half-way")

    def counts() -> tuple[int, ...]:
        return _counts(world, "SELECT count(*) FROM projection_tracking WHERE name = 'half'")

    before = counts()
    world.ledger.projectors.append(fails)
    try:
        with pytest.raises(ProjectorFailed, match="half-way"):
            world.payout(
                "DV061", "sickness_visit", 300_000, on="2024-09-12", personal={"reason": "sốt"}
            )
    finally:
        world.ledger.projectors.remove(fails)
    assert counts() == before
    r = world.payout(
        "DV061", "sickness_visit", 300_000, on="2024-09-12", personal={"reason": "sốt"}
    )
    assert counts() == (before[0] + 1, before[1] + 1, 0)
    assert world.ledger.get_member("DV061").payouts[r.event_id].amount == 300_000


def _written_after(ledger, write) -> None:  # type: ignore[no-untyped-def]
    """Make another writer's `write()` land between `ledger`'s checks of its next batch and
    that batch's save (what another process can do at any moment), once."""
    original = ledger._store

    def store(*args, **kwargs):  # type: ignore[no-untyped-def]
        ledger._store = original
        write()
        return original(*args, **kwargs)

    ledger._store = store


def _gift(world, member: str, day: str = "2025-03-07") -> dict:  # type: ignore[no-untyped-def,type-arg]
    return world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date=day,
        body={"member": member, "kind": "gift", "amount": 300_000, "occasion": "8/3"},
    )


def test_a_role_revoked_while_a_careful_batch_is_checked_refuses_the_batch(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """B checks a payout (the careful way, after seeing others write), then A revokes the
    signer's role and commits, then B saves. B's checks read the officer, which B does not
    change, so no aggregate version catches it; B used to store a payout signed without the
    role, which `audit verify` then reports for ever. B must check again and refuse."""
    world.join("DV001")
    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    try:
        with at("2025-03-07"):
            revoke = world.item(
                "officer.revoke_role",
                by=world.admin,
                body={"officer": "kt.g1", "role": "finance_officer", "scope": "G1"},
            )
            _written_after(ctx_b.ledger, lambda: ctx_a.ledger.submit(revoke))
            ctx_b.ledger._careful_batches = 10
            with pytest.raises(SignatureRefused) as refused:
                ctx_b.ledger.submit(_gift(world, "DV001"))
    finally:
        ctx_a.close()
        ctx_b.close()
    assert refused.value.code == "role_not_allowed"
    assert world.ledger.get_member("DV001").payouts == {}
    assert world.ledger.get_officer("kt.g1").scopes("finance_officer", at=clock.now()) == []


def test_one_key_registered_by_two_writers_at_once_is_refused_for_the_second(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """Two writers register two officer codes with one public key at the same moment. Each
    checked the registry before the other wrote; both used to be stored, so one person
    could be maker and checker."""
    key = encode_b64(officer_key("shared").signer.public_key)

    def register(code: str) -> dict:  # type: ignore[type-arg]
        return world.item(
            "officer.register",
            by=world.admin,
            body={"officer": code, "name": "Cán bộ " + code, "public_key": key},
        )

    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    try:
        with at("2025-03-07"):
            first = register("x1")
            _written_after(ctx_b.ledger, lambda: ctx_a.ledger.submit(first))
            ctx_b.ledger._careful_batches = 10
            with pytest.raises(LedgerError) as refused:
                ctx_b.ledger.submit(register("x2"))
    finally:
        ctx_a.close()
        ctx_b.close()
    [p] = refused.value.problems  # type: ignore[attr-defined]
    assert (p.field, p.code) == ("body.public_key", "key_of_another_officer")
    assert world.ledger.get_officer("x1") is not None
    assert world.ledger.get_officer("x2") is None


def test_an_unrelated_write_between_checks_and_save_costs_no_second_check(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """A stands for any other process: it records another member's payout while B's
    careful batch is between its checks and its save. B's checks read nothing A wrote, so B
    is saved on its first attempt; checking again for every unrelated write starved large
    imports under steady traffic ("busy"). B's entry may then be stamped a moment before
    A's, which `audit verify` tolerates (audit.replay.RECORDED_ORDER_SLACK)."""
    world.join("DV001")
    world.join("DV002")
    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    attempts: list[bool] = []
    original = ctx_b.ledger._attempt

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        attempts.append(kwargs["optimistic"])
        return original(*args, **kwargs)

    ctx_b.ledger._attempt = counted  # type: ignore[method-assign]
    try:  # the real clock: A's entry is stamped after B's
        _written_after(ctx_b.ledger, lambda: ctx_a.ledger.submit(_gift(world, "DV002")))
        ctx_b.ledger._careful_batches = 10
        b = ctx_b.ledger.submit(_gift(world, "DV001"))
    finally:
        ctx_a.close()
        ctx_b.close()
    assert attempts == [False]
    assert list(world.ledger.get_member("DV001").payouts) == [b.event_id]
    assert len(world.ledger.get_member("DV002").payouts) == 1


def test_two_writes_to_one_union_at_once_are_both_recorded(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """A union's dues and its spending are events of one record (the unit): with two server
    workers, a dues batch saved by one while the other was between its checks and its save of
    an expense made the expense lose on the record's version, and its officer got 409
    "another officer wrote to the same record, reload and try again" for a valid expense.
    It is checked again on the new state instead and recorded, as it is in one process."""
    world.join("DV001")
    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    with at("2025-03-07"):
        dues = world.item(
            "collection.dues",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-07",
            body={
                "month": "2025-03",
                "lines": [{"member": "DV001", "salary_basis": 6_000_000, "amount": 60_000}],
            },
        )
        expense = world.item(
            "expense.record",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-07",
            body={"category": "movement", "amount": 200_000, "description": "Hội thao"},
        )
    try:
        ctx_b.ledger.submit(_gift(world, "DV001"))  # B has seen the log: it knows the unit
        _written_after(ctx_b.ledger, lambda: ctx_a.ledger.submit(dues))
        ctx_b.ledger._careful_batches = 10  # B has seen others write: the careful way
        spent = ctx_b.ledger.submit(expense)
    finally:
        ctx_a.close()
        ctx_b.close()
    stored = world.ledger.entry(expense["command"]["command_id"])
    assert stored is not None and (stored["seq"], stored["command_type"]) == (
        spent.seq,
        "expense.record",
    )
    assert world.ledger.entry(dues["command"]["command_id"])["seq"] == spent.seq - 1
    unit = world.ledger.get_unit("G1")
    assert (dues["command"]["command_id"] in unit.money, spent.event_id in unit.money) == (
        True,
        True,
    )


def test_a_batch_kept_stale_by_other_writers_is_refused_as_busy_not_stored(
    world,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """Rechecks are bounded: a batch that other writers keep invalidating gets a clear
    "try again" conflict, and nothing of it is stored."""
    world.join("DV001")
    ctx_a, ctx_b = open_ledger(database_url), open_ledger(database_url)
    toggles = iter(range(100))

    def change_the_officer() -> None:
        kind = "officer.revoke_role" if next(toggles) % 2 == 0 else "officer.grant"
        ctx_a.ledger.submit(
            world.item(
                kind,
                by=world.admin,
                body={"officer": "kt.g2", "role": "finance_officer", "scope": "G2"},
            )
        )
        _written_after(ctx_b.ledger, change_the_officer)  # and again before the next save

    try:
        with at("2025-03-07"):
            _written_after(ctx_b.ledger, change_the_officer)
            ctx_b.ledger._careful_batches = 10
            with pytest.raises(Conflict) as busy:
                ctx_b.ledger.submit(_gift(world, "DV001"))
    finally:
        ctx_a.close()
        ctx_b.close()
    assert busy.value.code == "concurrent_write"
    assert "thử lại" in busy.value.vi and "try again" in busy.value.en
    assert next(toggles) == ctx_b.ledger.RECHECKS  # one change before each careful attempt
    assert world.ledger.get_member("DV001").payouts == {}


def test_processes_opening_the_ledger_at_once_all_open_it(world, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Opening runs eventsourcing's DDL; on PostgreSQL two opens at once failed with "tuple
    concurrently updated" (a command exited 2 saying it could not open the database)."""
    failures: list[str] = []
    opened: list[int] = []

    def open_and_read() -> None:
        try:
            ctx = open_ledger(database_url)
            try:
                opened.append(len(ctx.ledger.officers()))
            finally:
                ctx.close()
        except Exception as exc:
            failures.append(repr(exc))

    for _ in range(3):
        threads = [threading.Thread(target=open_and_read) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert failures == []
    assert opened == [len(world.ledger.officers())] * 18


def test_an_old_nine_digit_cmnd_is_refused_from_2025(world) -> None:  # type: ignore[no-untyped-def]
    """A second registration of one person under the old 9-digit CMND never met the first
    under the 12-digit CCCD, so `duplicate_citizen_id` missed it; the CMND ceased to be valid
    on 2025-01-01. A registration dated before then may still carry it."""
    from ledger.domain.errors import LedgerError

    def join(number: str, on: str, cid: str):  # type: ignore[no-untyped-def]
        with at(on):
            return world.submit(
                "member.join",
                by=world.kt,
                unit="G1",
                effective_date=on,
                body={"member": number, "salary_basis": 6_000_000},
                personal={"full_name": number, "date_of_birth": "1990-01-01", "citizen_id": cid},
            )

    keys = "SELECT count(*) FROM person_keys"
    before = _counts(world, keys)
    with pytest.raises(LedgerError) as refused:
        join("DV071", "2025-01-01", "079 100 001")
    (p,) = refused.value.problems
    assert (p.field, p.code) == ("openings.citizen_id", "cmnd_expired")
    assert p.vi.startswith("CMND 9 số hết giá trị từ 01/01/2025")
    assert _counts(world, keys) == before
    assert join("DV071", "2024-12-31", "079100001").status == "recorded"
    with at("2025-03-01"), pytest.raises(LedgerError) as relative:
        world.submit(
            "member.relative",
            by=world.kt,
            unit="G1",
            effective_date="2025-03-01",
            body={"member": "DV071", "relative": "R1", "relation": "parent"},
            personal={"full_name": "Cha", "date_of_birth": "1950-01-01", "citizen_id": "079100002"},
        )
    assert [(p.field, p.code) for p in relative.value.problems] == [
        ("openings.citizen_id", "cmnd_expired")
    ]
