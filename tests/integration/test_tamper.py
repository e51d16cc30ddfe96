"""Tamper tests: an administrator edits the database directly; `audit verify` must say where.

Each test records the same story, signs a checkpoint that a witness cosigns, then tampers with
the rows as an attacker with full rights would (the append-only triggers dropped first) and
asserts the finding's check and its location (seq, event id, aggregate, version).
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from audit.export import export
from audit.findings import Finding, Report
from audit.log import cosign_latest, make_checkpoint
from audit.scan import event_leaf_hash
from audit.source import BundleSource, EventRow
from audit.verify import verify
from audit.witness import WitnessRefusal, read_witness_state
from ledger.domain.base import aggregate_id
from ledger.domain.policy import Policy
from ledger.signing import encode_b64
from tests.integration.test_audit_helpers import (
    Attacker,
    make_witness,
    signed_envelope,
    source_of,
    state_with_envelope,
    story,
)
from tests.integration.test_cli import cli
from tests.support import at, officer_key


@pytest.fixture
def scene(world, tmp_path):  # type: ignore[no-untyped-def]
    r = story(world)
    make_checkpoint(world.ctx.engine)
    witness = make_witness(tmp_path / "witness")
    cosign_latest(world.ctx.engine, witness)
    return world, r, witness


def run(world, witness=None, **kwargs) -> Report:  # type: ignore[no-untyped-def]
    views = [read_witness_state(witness.directory)] if witness is not None else []
    report = verify(
        source_of(world.ctx, chunk=kwargs.pop("chunk", 8192)),
        witnesses=views,
        workers=kwargs.pop("workers", 1),
    )
    for f in report.findings:  # said in Vietnamese too: what the inspectors read first
        assert f.message_vi and f.message_vi != f.message, f
    return report


def hits(report: Report, check: str) -> list[Finding]:
    return [f for f in report.findings if f.check == check]


def test_untouched_ledger_verifies(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    report = run(world, witness)
    assert report.ok, report.errors()
    assert report.findings == []
    assert report.tree_size == r["visit2"].seq + 1


def test_changed_amount_is_a_bad_signature_at_that_event(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    s = r["visit"].seq
    attacker.replace_in_event(s, b'\\"amount\\":500000', b'\\"amount\\":5000000')
    report = run(world, witness)
    assert report.exit_code == 1
    (bad,) = hits(report, "signature.invalid")
    assert (bad.seq, bad.event_id) == (s, r["visit"].event_id)
    assert bad.aggregate_id == str(aggregate_id("member", "DV001")) and bad.version == 2
    assert [f.seq for f in hits(report, "log.leaf_mismatch")] == [s]
    assert hits(report, "checkpoint.root") and hits(report, "witness.inconsistent")


def test_changed_signer_is_a_key_the_officer_never_had(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    s = r["visit2"].seq
    attacker.replace_in_event(s, b'\\"officer\\":\\"kt.g1\\"', b'\\"officer\\":\\"ct.g1\\"')
    attacker.sql("UPDATE ledger_entries SET signer = 'ct.g1' WHERE seq = :s", s=s)
    report = run(world, witness)
    (bad,) = hits(report, "signature.key")
    assert (bad.seq, bad.event_id) == (s, r["visit2"].event_id)
    assert "ct.g1" in bad.message and "unknown_key" in bad.message
    assert report.exit_code == 1


def test_deleted_event_and_entry_leave_a_gap_in_seq_and_versions(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    s = r["visit"].seq
    Attacker(world.ctx.engine).delete_event(s, entry_too=True)
    report = run(world, witness)
    (gap,) = hits(report, "log.seq_gap")
    assert gap.seq == s and f"before seq {s + 1}" in gap.message
    (versions,) = hits(report, "log.versions")  # DV001 jumps from version 1 to 3
    assert (versions.seq, versions.event_id, versions.version) == (
        r["visit2"].seq,
        r["visit2"].event_id,
        3,
    )
    (beyond,) = hits(report, "checkpoint.beyond_log")  # the signed tree had one more leaf
    assert "1 leaf before seq" in beyond.message and "truncated" not in beyond.message


def test_deleted_event_row_is_missing_at_its_entry(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    s = r["dues"].seq
    Attacker(world.ctx.engine).delete_event(s, entry_too=False)
    report = run(world, witness)
    (missing,) = hits(report, "log.event_missing")
    assert (missing.seq, missing.event_id) == (s, r["dues"].event_id)
    assert report.exit_code == 1


def _forged_payout(world, attacker: Attacker, template_seq: int):  # type: ignore[no-untyped-def]
    """A payout to DV003 signed with kt.g1's real key, written straight into the database."""
    item = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2024-12-20",
        body={"member": "DV003", "kind": "gift", "amount": 400_000, "occasion": "quà cuối năm"},
    )
    envelope = signed_envelope(item, "2024-12-20T03:00:00+00:00")
    envelope["ledger"] = {"status": "paid"}
    state = state_with_envelope(attacker.state(template_seq), envelope)
    member = str(aggregate_id("member", "DV003"))
    nid = attacker.insert_event(
        originator_id=member, version=3, topic="phucloi:member.PayoutRecorded", state=state
    )
    return item, envelope, member, nid, state


def test_forged_event_outside_the_log_is_found(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    _, _, member, _, _ = _forged_payout(world, attacker, r["visit2"].seq)
    report = run(world, witness)
    (forged,) = hits(report, "log.unlogged_event")
    assert (forged.aggregate_id, forged.version) == (member, 3)
    assert report.exit_code == 1


def test_forged_event_appended_to_the_log_is_found(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    item, envelope, member, nid, state = _forged_payout(world, attacker, r["visit2"].seq)
    seq = r["visit2"].seq + 1
    leaf = event_leaf_hash(EventRow(member, 3, "phucloi:member.PayoutRecorded", state, nid))
    attacker.sql(
        "INSERT INTO ledger_entries (seq, event_id, command_type, unit_code, signer, "
        "originator_id, originator_version, notification_id, topic, recorded_at, "
        "effective_date, command_digest, leaf_hash) VALUES (:seq, :e, 'payout.record', 'G1', "
        "'kt.g1', :m, 3, :nid, 'phucloi:member.PayoutRecorded', :at, :eff, :d, :leaf)",
        seq=seq,
        e=item["command"]["command_id"],
        m=member,
        nid=nid,
        at=envelope["recorded_at"],
        eff="2024-12-20",
        d=envelope["digest"],
        leaf=leaf.hex(),
    )
    report = run(world, witness)
    assert report.exit_code == 1
    # The ledger's own write path never saw it: its read models miss the payout …
    assert any("proj_money_lines" in f.message for f in hits(report, "projection.row"))
    # … and no witness ever cosigned a tree containing it.
    (unwitnessed,) = hits(report, "checkpoint.unwitnessed")
    assert unwitnessed.seq == seq


def test_swapped_events_break_order_and_versions(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    a, b = r["join1"].seq, r["visit"].seq  # DV001 version 1 and version 2
    Attacker(world.ctx.engine).swap_entries(a, b)
    report = run(world, witness)
    versions = hits(report, "log.versions")
    assert [(f.seq, f.event_id) for f in versions] == [
        (a, r["visit"].event_id),
        (b, r["join1"].event_id),
    ]
    assert [f.seq for f in hits(report, "log.order")] == [a + 1, b]
    assert hits(report, "checkpoint.root")


def test_truncated_tail_contradicts_checkpoints_and_the_witness(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    engine = world.ctx.engine
    attacker = Attacker(engine)
    cut = r["big"].seq
    attacker.truncate_from(cut)
    report = run(world, witness)
    (beyond,) = hits(report, "checkpoint.beyond_log")
    assert beyond.seq == cut and f"{cut}–{cut + 1}" in beyond.message
    # A thorough attacker also removes the checkpoints and signs a new, shorter one …
    attacker.sql("DELETE FROM checkpoint_cosignatures")
    attacker.sql("DELETE FROM checkpoints")
    assert make_checkpoint(engine)[0] == cut
    report = run(world, witness)
    assert hits(report, "checkpoint.beyond_log") == []
    (truncated,) = hits(report, "witness.truncated")  # … but the witness remembers.
    assert truncated.seq == cut and report.exit_code == 1
    # And the witness itself, shown the new checkpoint, refuses to roll back.
    with pytest.raises(WitnessRefusal) as refusal:
        cosign_latest(engine, witness)
    assert refusal.value.code == "rollback" and refusal.value.size == cut + 2


def test_replaced_officer_key_breaks_the_admin_signature_over_it(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    with world.ctx.engine.connect() as c:
        from sqlalchemy import text

        seq = (
            c.execute(
                text(
                    "SELECT seq FROM ledger_entries WHERE command_type = 'officer.register' "
                    "ORDER BY seq"
                )
            )
            .scalars()
            .first()
        )
    real = encode_b64(world.kt.signer.public_key).encode()
    fake = encode_b64(officer_key("attacker").signer.public_key).encode()
    attacker.replace_in_event(seq, real, fake)
    report = run(world, witness)
    (register,) = hits(report, "signature.invalid")
    assert register.seq == seq
    assert register.aggregate_id == str(aggregate_id("officer", "kt.g1"))
    # Every later event kt.g1 signed with the real key is now signed by a key not registered.
    assert r["join1"].seq in [f.seq for f in hits(report, "signature.key")]


def test_projection_row_edited_by_hand_is_named(scene) -> None:  # type: ignore[no-untyped-def]
    world, _, witness = scene
    Attacker(world.ctx.engine).sql(
        "UPDATE member_index SET salary_basis = 1 WHERE member_number = 'DV001'"
    )
    report = run(world, witness)
    (row,) = hits(report, "projection.row")
    assert "member_index[member_number=DV001]" in row.message
    assert "salary_basis live 1 ≠ rebuilt 6000000" in row.message
    assert report.exit_code == 1


def test_changed_ciphertext_fails_authentication(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    s = r["join3"].seq
    state = attacker.state(s)
    sealed = json.loads(state)["envelope"]["sealed"]
    version, nonce, body = sealed.split(".")
    raw = bytearray(base64.b64decode(body))
    raw[3] ^= 0x01
    changed = f"{version}.{nonce}.{base64.b64encode(bytes(raw)).decode()}"
    attacker.replace_in_event(s, sealed.encode(), changed.encode())
    e = attacker.entry(s)  # the attacker even rewrites the leaf hash to match
    ev = EventRow(e["originator_id"], e["originator_version"], e["topic"], attacker.state(s), 0)
    attacker.sql(
        "UPDATE ledger_entries SET leaf_hash = :h WHERE seq = :s",
        h=event_leaf_hash(ev).hex(),
        s=s,
    )
    report = run(world, witness)
    (tampered,) = hits(report, "sealed.tampered")
    assert (tampered.seq, tampered.event_id) == (s, r["join3"].event_id)
    assert hits(report, "log.leaf_mismatch") == []
    assert hits(report, "checkpoint.root")  # the signed root still catches it


def test_removed_second_signature_is_found_at_the_payout(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    attacker = Attacker(world.ctx.engine)
    s = r["big"].seq
    state = json.loads(attacker.state(s))
    del state["envelope"]["cosignatures"]
    attacker.set_state(s, json.dumps(state, separators=(",", ":")).encode())
    report = run(world, witness)
    (missing,) = hits(report, "payout.second_signature")
    assert (missing.seq, missing.event_id) == (s, r["big"].event_id)


def test_removed_second_signature_is_found_at_the_loan_and_the_write_off(scene) -> None:  # type: ignore[no-untyped-def]
    """A loan above the threshold, and every write-off, carry the chair's signature inline."""
    world, _r, witness = scene
    body = {"member": "DV001", "loan": "L1"}
    with at("2024-12-05"):
        lent = world.submit(
            "loan.disburse",
            by=world.kt,
            unit="G1",
            body=body | {"fund": "tro_von", "amount": 8_000_000, "term_months": 12},
            personal={"reason": "chữa bệnh"},
            cosigner=world.chair,
        )
        forgiven = world.submit(
            "loan.write_off",
            by=world.kt,
            unit="G1",
            body=body | {"amount": 1_000_000, "reason": "hoàn cảnh khó khăn"},
            cosigner=world.chair,
        )
    assert hits(run(world), "loan.second_signature") == []
    attacker = Attacker(world.ctx.engine)
    for s in (lent.seq, forgiven.seq):
        state = json.loads(attacker.state(s))
        del state["envelope"]["cosignatures"]
        attacker.set_state(s, json.dumps(state, separators=(",", ":")).encode())
    report = run(world, witness)
    assert [(f.seq, f.event_id) for f in hits(report, "loan.second_signature")] == [
        (lent.seq, lent.event_id),
        (forgiven.seq, forgiven.event_id),
    ]
    assert report.exit_code == 1


def test_an_expense_above_the_threshold_without_the_chair_is_found_live_and_in_the_bundle(
    world, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The ledger refuses an expense above the approval threshold without the chair's
    cosignature, but `audit verify` did not check it: one written by an older client (the
    ledger before that rule) or with the cosignature stripped from the stored event passed.
    The threshold is the one of the signed policy in force on the expense's date."""
    # G1's own version from 2025: threshold 10.000.000 đ (P's is 5.000.000 đ)
    world.adopt(
        "G1", "2024-12-01", version="G1-2025", effective_from="2025-01-01", approval_threshold=10**7
    )

    def expense(on: str, amount: int, cosigner=None):  # type: ignore[no-untyped-def]
        with at(on):
            return world.submit(
                "expense.record",
                by=world.kt,
                unit="G1",
                body={"category": "welfare", "amount": amount, "description": "Quà Tết"},
                cosigner=cosigner,
            )

    cosigned = expense("2024-12-10", 8_000_000, world.chair)
    with monkeypatch.context() as m:  # the ledger as it was before expenses needed the chair
        m.setattr(Policy, "needs_second_signature", lambda self, amount: False)
        unsigned = expense("2024-12-12", 8_000_000)
    below_2025 = expense("2025-01-10", 8_000_000)  # G1's 2025 threshold: no chair needed
    assert below_2025.status == "recorded"

    def second_signatures(report: Report) -> list[tuple[int | None, str | None, str, str]]:
        return [
            (f.seq, f.event_id, f.message, f.message_vi)
            for f in hits(report, "expense.second_signature")
        ]

    said = [
        (
            unsigned.seq,
            unsigned.event_id,
            "an expense of 8.000.000 đ above the approval threshold of 5.000.000 đ without "
            "the chair's second signature",
            "khoản chi hoạt động 8.000.000 đ vượt ngưỡng phê duyệt 5.000.000 đ mà không có "
            "chữ ký thứ hai của Chủ tịch",
        )
    ]
    live = run(world)
    assert [f.check for f in live.errors()] == ["expense.second_signature"]
    assert second_signatures(live) == said and live.exit_code == 1
    export(source_of(world.ctx), tmp_path / "bundle")  # the inspectors' offline copy
    offline = verify(BundleSource(tmp_path / "bundle"), workers=1)
    assert offline.errors() == live.errors() and offline.exit_code == 1
    res = cli(tmp_path / "home", None, f"audit verify --bundle {tmp_path / 'bundle'} --json")
    assert res.exit_code == 1
    assert [
        (f["check"], f["seq"], f["message_vi"])
        for f in json.loads(res.stdout)["findings"]
        if f["severity"] == "error"
    ] == [("expense.second_signature", unsigned.seq, said[0][3])]

    # a dishonest client strips the chair's signature from the stored cosigned expense
    attacker = Attacker(world.ctx.engine)
    state = json.loads(attacker.state(cosigned.seq))
    del state["envelope"]["cosignatures"]
    attacker.set_state(cosigned.seq, json.dumps(state, separators=(",", ":")).encode())
    stripped = second_signatures(run(world))
    assert [(seq, event_id) for seq, event_id, _, _ in stripped] == [
        (cosigned.seq, cosigned.event_id),
        (unsigned.seq, unsigned.event_id),
    ]


def test_parallel_verification_gives_the_same_findings(scene) -> None:  # type: ignore[no-untyped-def]
    world, r, witness = scene
    Attacker(world.ctx.engine).replace_in_event(
        r["visit"].seq, b'\\"amount\\":500000', b'\\"amount\\":5000000'
    )
    one = run(world, witness, chunk=4, workers=1)
    two = run(world, witness, chunk=4, workers=2)
    assert two.facts["workers"] == 2
    assert two.findings == one.findings and two.root_hash == one.root_hash
    assert hashlib.sha256(repr(one.findings).encode()).digest()  # findings are plain values


def test_detect_with_verify_keeps_every_check_a_tampered_event_fails(scene) -> None:  # type: ignore[no-untyped-def]
    """A changed amount fails three checks at one event (digest or leaf, signature...); each
    used to get the same finding id (rule + event ids), and detect kept only the first."""
    from audit.detect import detect

    world, r, _ = scene
    Attacker(world.ctx.engine).replace_in_event(
        r["visit"].seq, b'\\"amount\\":500000', b'\\"amount\\":5000000'
    )
    report = run(world)
    checks = {f.check for f in report.errors() if f.event_id == r["visit"].event_id}
    assert {"signature.invalid", "log.leaf_mismatch"} <= checks
    found = detect(world.ctx, verification=report).findings
    named = {
        f.explanation_en.split("(")[1].split(" — ")[0]
        for f in found
        if f.rule == "signature_problem" and r["visit"].event_id in f.event_ids
    }
    assert named == checks
    assert len({f.id for f in found}) == len(found)
    # each check named beside its code (audit.checks), in the explanation's language
    (invalid,) = [
        f for f in found if "(signature.invalid — chữ ký không hợp lệ)" in f.explanation_vi
    ]
    assert "(signature.invalid — signature does not verify)" in invalid.explanation_en
    assert "ví dụ: chữ ký của kt.g1 không khớp với lệnh đã lưu" in invalid.explanation_vi
    assert "ví dụ: chữ ký của" not in invalid.explanation_en


@pytest.mark.parametrize("column, value", [("originator_version", "'x'"), ("seq", "'abc'")])
def test_text_where_the_ledger_stores_an_integer_is_named_not_a_crash(
    scene, backend, column, value
) -> None:  # type: ignore[no-untyped-def]
    """SQLite keeps any type in any column: an editor's text in an integer column crashed
    verification with a Python ValueError. PostgreSQL refuses such a write itself."""
    world, r, witness = scene
    s = r["visit"].seq
    attacker = Attacker(world.ctx.engine)
    edit = f"UPDATE ledger_entries SET {column} = {value} WHERE seq = :s"
    if backend == "postgresql":
        with pytest.raises(Exception, match=r"invalid input syntax for type (integer|bigint)"):
            attacker.sql(edit, s=s)
        assert run(world, witness).ok
        return
    attacker.sql(edit, s=s)
    for workers in (1, 2):
        report = run(world, witness, workers=workers)
        assert report.exit_code == 1
        (bad,) = hits(report, "store.unreadable")
        assert "ledger_entries rowid " in bad.message
        assert f", {column}: holds text where the ledger stores integer" in bad.message


def test_a_checkpoint_root_that_no_longer_holds_names_the_range_of_the_change(world) -> None:  # type: ignore[no-untyped-def]
    """`checkpoint.root` was located at the failing checkpoint's last leaf (size − 1), where
    an inspector finds nothing wrong; the change is after the last checkpoint whose root
    still holds, up to the end of the first one that fails."""
    r = story(world)
    first = make_checkpoint(world.ctx.engine)[0]
    late = world.join("DV010", on="2025-01-06")
    world.join("DV011", on="2025-01-07")
    second = make_checkpoint(world.ctx.engine)[0]
    assert late.seq == first and second == first + 2
    attacker = Attacker(world.ctx.engine)
    attacker.replace_in_event(late.seq, b"2025-01-06", b"2025-01-05")
    report = run(world)
    (root,) = hits(report, "checkpoint.root")
    assert (root.seq, root.seq_end) == (first, second - 1)
    assert root.where() == f"seq {first}–{second - 1}"
    assert f"an event at seq {first}–{second - 1} was changed" in root.message
    assert f"after checkpoint {first}, whose root still holds" in root.message
    assert f"khoảng seq {first}–{second - 1}" in root.message_vi
    # a change before the first checkpoint: both fail, each from seq 0
    attacker.replace_in_event(late.seq, b"2025-01-05", b"2025-01-06")
    attacker.replace_in_event(r["visit"].seq, b'\\"amount\\":500000', b'\\"amount\\":5000000')
    report = run(world)
    assert [(f.seq, f.seq_end) for f in hits(report, "checkpoint.root")] == [
        (0, first - 1),
        (0, second - 1),
    ]


def test_an_edited_witness_record_is_a_finding_about_the_witness_not_the_log(scene) -> None:  # type: ignore[no-untyped-def]
    """An edited root in the witness's history.jsonl made verify say "the log was rewritten",
    though the log-signed note in that same line shows the log intact."""
    world, _r, witness = scene
    history = witness.directory / "history.jsonl"
    record = json.loads(history.read_text(encoding="utf-8"))
    record["root_hash"] = "29" + record["root_hash"][2:]
    history.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = run(world, witness)
    assert hits(report, "witness.inconsistent") == []
    (damaged,) = hits(report, "witness.record")
    assert damaged.message.startswith(f"witness ubkt.bao, {history} line 1: its record of ")
    assert "does not match the log-signed checkpoint it holds" in damaged.message
    assert "no evidence about the log" in damaged.message
    assert "không phải bằng chứng về sổ cái" in damaged.message_vi
    assert [f.check for f in report.findings] == ["witness.record"]


def test_a_witness_directory_without_its_state_is_checked_from_its_history(scene) -> None:  # type: ignore[no-untyped-def]
    """A witness directory with history.jsonl but no state.json was a usage error (exit 2,
    "no witness state") instead of being checked."""
    world, r, witness = scene
    (witness.directory / "state.json").unlink()
    view = read_witness_state(witness.directory)
    assert view.vkey is None and [h.size for h in view.held] == [r["visit2"].seq + 1]
    assert run(world, witness).findings == []
    Attacker(world.ctx.engine).truncate_from(r["big"].seq)
    (truncated,) = hits(run(world, witness), "witness.truncated")
    assert truncated.seq == r["big"].seq
