"""The audit trail as an inspector uses it: checkpoints, a witness, proofs, verify, export."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from audit.export import ExportError, export
from audit.log import (
    LogError,
    StoredTree,
    cosign_latest,
    leaf_hashes,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
    stored_log_vkey,
)
from audit.merkle import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from audit.note import Checkpoint, CosignatureVerifier, Verifier, open_note
from audit.source import BundleSource
from audit.verify import verify
from audit.witness import read_witness_state
from ledger.cli.audit_cli import audit_app
from ledger.cli.audit_cli import export as export_command
from ledger.cli.common import PhucloiGroup, begin
from tests.integration.test_audit_helpers import make_witness, source_of, story
from tests.support import at


def test_checkpoints_are_witnessed_and_prove_inclusion_and_consistency(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = world.ctx.engine
    r = story(world)
    size1, root1, _, created = make_checkpoint(engine)
    assert created and size1 == r["visit2"].seq + 1
    assert make_checkpoint(engine)[3] is False  # nothing new: no second checkpoint
    witness = make_witness(tmp_path / "w")
    first = cosign_latest(engine, witness)
    assert (first.old_size, first.size) == (0, size1)
    world.join("DV004", on="2025-01-06")
    size2, root2, _, _ = make_checkpoint(engine)
    second = cosign_latest(engine, witness)
    assert (second.old_size, second.size) == (size1, size2) and size2 == size1 + 1

    # The stored note is a standard C2SP checkpoint with the log's signature and the cosignature.
    note = source_of(world.ctx).checkpoints()[-1].note
    opened = open_note(
        note,
        [Verifier.from_vkey(stored_log_vkey(engine)), CosignatureVerifier.from_vkey(witness.vkey)],
    )
    assert len(opened.signatures) == 2
    body = Checkpoint.parse(opened.text)
    assert (body.size, body.root_hash.hex()) == (size2, root2)
    assert body.origin.startswith("phucloi.vn/ledger/")

    proof = prove_inclusion(engine, r["visit"].event_id)
    assert (proof.index, proof.size, proof.leaf_hash.hex()) == (
        r["visit"].seq,
        size2,
        r["visit"].leaf_hash,
    )
    verify_inclusion(
        leaf_hash=proof.leaf_hash,
        index=proof.index,
        size=proof.size,
        proof=proof.path,
        root=bytes.fromhex(root2),
    )
    for i in range(len(proof.path)):  # every hash of the path counts, not only its ends
        bad = list(proof.path)
        bad[i] = bytes(32)
        with pytest.raises(ProofError):
            verify_inclusion(
                leaf_hash=proof.leaf_hash,
                index=proof.index,
                size=proof.size,
                proof=bad,
                root=bytes.fromhex(root2),
            )
    path = prove_consistency(engine, size1, size2)
    verify_consistency(
        size1=size1, size2=size2, root1=bytes.fromhex(root1), root2=bytes.fromhex(root2), proof=path
    )

    report = verify(source_of(world.ctx), witnesses=[read_witness_state(witness.directory)])
    assert report.ok and report.findings == []
    assert (report.tree_size, report.root_hash) == (size2, root2)
    assert report.facts["witnessed_size"] == size2


def test_bundle_gives_the_same_verdict_offline_and_erasure_is_not_a_failure(
    world, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    r = story(world)
    with at("2025-02-01"):
        world.submit(
            "member.erase",
            by=world.admin,
            unit="G1",
            body={"member": "DV003", "reason": "yêu cầu xóa (NĐ 13/2023)"},
        )
    make_checkpoint(world.ctx.engine)
    source = source_of(world.ctx, chunk=7)
    live = verify(source, workers=1)
    assert live.ok, live.errors()
    (erased,) = live.findings
    assert (erased.check, erased.severity) == ("sealed.erased", "info")
    # DV001's and DV002's joins and DV001's two visits open; DV003's join and repair do not.
    assert (live.facts["unsealed"], live.facts["erased"]) == (4, 2)
    manifest = export(source, tmp_path / "bundle")
    assert manifest["log_entries"] == live.tree_size == r["visit2"].seq + 2
    assert len(manifest["log_files"]) == 4
    assert "person_keys" not in json.dumps(manifest)
    offline = verify(BundleSource(tmp_path / "bundle"), workers=1)
    assert offline.ok and offline.findings == []
    assert (offline.tree_size, offline.root_hash) == (live.tree_size, live.root_hash)
    registry = json.loads((tmp_path / "bundle" / "registry.json").read_text())
    assert {o["officer"] for o in registry["officers"]} == {
        "admin",
        "kt.g1",
        "ct.g1",
        "kt.g2",
        "ubkt",
    }


def test_bundle_of_a_tampered_ledger_fails_the_same_way(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_audit_helpers import Attacker

    r = story(world)
    make_checkpoint(world.ctx.engine)
    Attacker(world.ctx.engine).replace_in_event(
        r["visit"].seq, b'\\"amount\\":500000', b'\\"amount\\":5000000'
    )
    live = verify(source_of(world.ctx), workers=1)
    export(source_of(world.ctx), tmp_path / "b")
    offline = verify(BundleSource(tmp_path / "b"), workers=1)
    assert live.exit_code == offline.exit_code == 1
    assert live.errors() == offline.errors()


def test_an_export_that_fails_leaves_no_bundle(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    story(world)
    make_checkpoint(world.ctx.engine)
    source = source_of(world.ctx, chunk=3)
    read = source.read_chunk
    calls = []

    def failing(ref):  # type: ignore[no-untyped-def]
        calls.append(ref)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")  # as a full disk would
        return read(ref)

    source.read_chunk = failing  # type: ignore[method-assign]
    exports = tmp_path / "exports"
    out = exports / "bundle"
    with pytest.raises(OSError, match="No space left"):
        export(source, out)
    assert len(calls) == 2 and list(exports.iterdir()) == []  # no bundle, no partial files
    out.mkdir()  # an empty directory may receive the bundle
    source.read_chunk = read  # type: ignore[method-assign]
    assert export(source, out)["log_entries"] > 3
    assert (out / "MANIFEST.json").is_file() and list(exports.iterdir()) == [out]
    with pytest.raises(ExportError, match="exists and is not an empty directory"):
        export(source, out)
    with pytest.raises(ExportError, match="cannot create the directory"):
        export(source, out / "MANIFEST.json" / "bundle")  # below a file


def test_an_export_reports_its_progress_chunk_by_chunk(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`phucloi export` wrote a bundle of a large ledger for minutes without a word: export
    now reports each chunk of the log, then the read models, for the command's progress bar."""
    story(world)
    source = source_of(world.ctx, chunk=3)
    chunks = len(source.chunks())
    assert chunks > 2
    calls: list[tuple[int, int]] = []
    manifest = export(source, tmp_path / "bundle", lambda done, total: calls.append((done, total)))
    assert calls == [(done, chunks + 1) for done in range(chunks + 2)]
    assert len(manifest["log_files"]) == chunks


def _cli() -> typer.Typer:
    """The root group as `ledger.cli.main` registers the audit commands."""
    app = typer.Typer(cls=PhucloiGroup)

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(None, "--db")) -> None:
        begin(ctx, db)

    app.add_typer(audit_app, name="audit")
    app.command("export")(export_command)
    return app


def test_cli_checkpoint_witness_verify_export(world, database_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ledger.keystore import Keystore

    r = story(world)
    monkeypatch.setenv("PHUCLOI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PHUCLOI_PASSPHRASE", "mật khẩu dài đủ")
    Keystore(tmp_path / "home" / "keys").create("ubkt.bao", "mật khẩu dài đủ")
    app, runner = _cli(), CliRunner()

    def call(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--db", database_url, *args])
        return result.exit_code, result.output

    code, out = call("audit", "checkpoint", "--json")
    assert code == 0 and json.loads(out)["created"] is True
    assert json.loads(out)["log_vkey"] == stored_log_vkey(world.ctx.engine)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, out = call("audit", "witness", "--name", "ubkt.bao", "--state", str(blocker / "w"))
    assert code == 2 and f"--state {blocker / 'w'}: không ghi được" in out, out
    for bad in ("", "phucloi"):  # an empty key pinned nothing and went on as if none was given
        code, out = call("audit", "witness", "--name", "ubkt.bao", "--log-key", bad)
        assert code == 2 and (
            f"--log-key {bad!r}: không phải khóa kiểm hợp lệ, cần dạng <tên>+<mã khóa>+<khóa "
            "base64> / not a verifier key: vkey must have the form"
        ) in " ".join(out.split()), out
        code, out = call("audit", "verify", "--log-key", bad)
        assert code == 2 and f"--log-key {bad!r}: " in out, out
    code, out = call("audit", "verify", "--witness-key", "")
    assert code == 2 and "--witness-key '': " in out, out
    code, out = call("audit", "witness", "--name", "ubkt.bao", "--json")
    assert code == 0, out
    assert json.loads(out)["cosigned"] is True
    code, out = call("export", "--out", str(blocker / "bundle"))
    assert code == 2 and "--out: " in out and "cannot create the directory" in out, out
    state = tmp_path / "home" / "witness" / "ubkt.bao"
    code, out = call("audit", "verify", "--json", "--witness-state", str(state))
    assert code == 0, out
    report = json.loads(out)
    assert report["ok"] and report["facts"]["witnessed_size"] == report["tree_size"]
    from audit.runs import last_run

    assert last_run(world.ctx.engine) is None  # verifying records nothing unless asked
    code, out = call("audit", "verify", "--json", "--record")
    assert code == 0, out
    run = last_run(world.ctx.engine)
    assert run is not None
    assert (run["ok"], run["origin"], run["tree_size"], run["events"], run["errors"]) == (
        True,
        "cli",
        report["tree_size"],
        report["events"],
        0,
    )
    code, out = call("export", "--out", str(tmp_path / "bundle"))
    assert code == 0, out
    code, out = call("audit", "verify", "--bundle", str(tmp_path / "bundle"))
    assert code == 0 and "OK" in out, out
    code, out = call("audit", "verify", "--bundle", str(tmp_path / "nowhere"))
    assert code == 2 and "MANIFEST.json" in out
    code, out = call("audit", "verify", "--bundle", str(tmp_path / "bundle"), "--record")
    assert code == 2 and "--record" in out
    code, out = call("audit", "prove", "00000000-0000-0000-0000-000000000000")
    assert code == 1
    code, out = call("audit", "prove", r["visit"].event_id)
    assert code == 0, out
    # every hash labelled in Vietnamese and English, in one column (path[10] too)
    hashes = [line for line in out.splitlines() if re.fullmatch(r"  .+: +[0-9a-f]{64}", line)]
    assert hashes[0].startswith("  mã băm lá / leaf hash: ")
    assert hashes[1].startswith("  gốc / root (")
    assert all(line.split(":")[0].strip() for line in hashes)
    assert len({len(line) for line in hashes}) == 1 and len(hashes) >= 3
    code, out = call("audit", "prove", r["visit"].event_id, "--size", "999999")
    assert code == 2 and "--size 999999: " in out and "the log has only" in out, out
    code, out = call("audit", "prove", r["visit"].event_id, "--size", str(r["visit"].seq))
    assert code == 2 and f"--size must be more than {r['visit'].seq}" in out, out


def test_signatures_after_a_back_dated_key_revocation_are_findings(world) -> None:  # type: ignore[no-untyped-def]
    """A stolen key is revoked from the day it was stolen; what it signed since is reported."""
    r = story(world)
    with at("2025-01-10"):
        world.submit(
            "officer.revoke_key",
            by=world.admin,
            effective_date="2024-12-01",
            body={"officer": "kt.g1", "key_id": world.kt.key_id, "reason": "máy tính bị mất cắp"},
        )
    report = verify(source_of(world.ctx), workers=1)
    revoked = [f for f in report.findings if f.check == "signature.revoked"]
    assert [(f.seq, f.event_id) for f in revoked] == [(r["visit2"].seq, r["visit2"].event_id)]
    assert report.exit_code == 1


def test_proofs_read_from_the_database_by_block_equal_proofs_from_every_leaf(world) -> None:  # type: ignore[no-untyped-def]
    engine = world.ctx.engine
    story(world)
    hashes = leaf_hashes(engine)

    class TwoLeafBlocks(StoredTree):
        BLOCK = 2  # so this small ledger spans several levels of kept roots

    for size in range(1, len(hashes) + 1):
        tree = TwoLeafBlocks(engine)
        assert tree.root(size) == root_from_leaf_hashes(hashes[:size])
        for index in range(size):
            assert tree.inclusion(index, size) == inclusion_proof(hashes, index, size)
        for old in range(1, size + 1):
            assert tree.consistency(old, size) == consistency_proof(hashes, old, size)
    with pytest.raises(LogError, match="no leaf"):
        TwoLeafBlocks(engine).root(len(hashes) + 1)


def test_a_batch_is_stored_in_the_order_of_its_items_and_verifies(world) -> None:  # type: ignore[no-untyped-def]
    """An import whose third line is signed by an officer granted on its second line, and a
    dues line for a member joined earlier in the file. The signer and the unit were touched
    by later lines before: their events used to be stored first, so the log showed an
    expense signed before its signer's role, and verify failed on a batch the ledger had
    accepted."""
    from ledger.signing import encode_b64
    from tests.support import officer_key

    treasurer = officer_key("tq.g1")
    with at("2025-01-05"):
        world.submit(
            "officer.register",
            by=world.admin,
            body={
                "officer": "tq.g1",
                "name": "Lê Thu Hà",
                "public_key": encode_b64(treasurer.signer.public_key),
            },
        )
        items = [
            world.item(
                "member.join",
                by=world.kt,
                unit="G1",
                body={"member": "DV009", "salary_basis": 5_000_000},
                personal={
                    "full_name": "Hồ Văn Mạnh",
                    "date_of_birth": "1992-01-01",
                    "citizen_id": "079123450070",
                },
            ),
            world.item(
                "officer.grant",
                by=world.admin,
                body={"officer": "tq.g1", "role": "finance_officer", "scope": "G1"},
            ),
            world.item(
                "expense.record",
                by=treasurer,
                unit="G1",
                body={"category": "administration", "amount": 12_000, "description": "Bút"},
            ),
            world.item(
                "collection.dues",
                by=world.kt,
                unit="G1",
                body={
                    "month": "2025-01",
                    "lines": [{"member": "DV009", "salary_basis": 5_000_000, "amount": 50_000}],
                },
            ),
        ]
        receipts = world.ledger.submit_batch(items)
    first = receipts[0].seq
    assert [r.seq for r in receipts] == [first, first + 1, first + 2, first + 3]
    assert [r.command_type for r in receipts] == [
        "member.join",
        "officer.grant",
        "expense.record",
        "collection.dues",
    ]
    make_checkpoint(world.ctx.engine)
    report = verify(source_of(world.ctx), workers=1)
    assert [(f.check, f.seq) for f in report.findings if f.severity != "info"] == []


def test_a_witness_of_another_log_is_an_error_not_a_pass(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`--witness-state` of a witness that never saw this log (another ledger, or this one
    re-created under a new log key) used to pass with only 'unwitnessed': the one check
    meant to anchor the log was skipped."""
    from ledger.bootstrap import open_ledger
    from tests.support import World

    story(world)
    make_checkpoint(world.ctx.engine)
    other_ctx = open_ledger(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        World.build(other_ctx)
        make_checkpoint(other_ctx.engine)
        witness = make_witness(tmp_path / "w")
        cosign_latest(other_ctx.engine, witness)  # the other ledger is all it ever saw
    finally:
        other_ctx.close()
    report = verify(source_of(world.ctx), witnesses=[read_witness_state(tmp_path / "w")])
    assert [f.check for f in report.errors()] == ["witness.other_log"]
    assert report.exit_code == 1


def test_an_entry_stamped_a_moment_before_the_one_before_it_is_concurrency_not_back_dating(
    world,
) -> None:  # type: ignore[no-untyped-def]
    """Concurrent writers stamp each item as they check it and store in commit order, so
    stamps may go back by a batch's checking time; only a larger gap is worth a warning."""
    from datetime import UTC, datetime

    from ledger import clock

    world.join("DV001")

    def gift(when: datetime, occasion: str):  # type: ignore[no-untyped-def]
        with clock.frozen(when):
            return world.submit(
                "payout.record",
                by=world.kt,
                unit="G1",
                effective_date="2025-03-07",
                body={"member": "DV001", "kind": "gift", "amount": 100_000, "occasion": occasion},
            )

    gift(datetime(2025, 3, 7, 9, 0, 30, tzinfo=UTC), "a")
    gift(datetime(2025, 3, 7, 9, 0, 2, tzinfo=UTC), "b")  # 28 s earlier: a concurrent writer
    report = verify(source_of(world.ctx), workers=1)
    assert [f.check for f in report.findings if f.check == "log.recorded_order"] == []
    back = gift(datetime(2025, 3, 7, 8, 0, 0, tzinfo=UTC), "c")  # an hour earlier: back-dated?
    report = verify(source_of(world.ctx), workers=1)
    [late] = [f for f in report.findings if f.check == "log.recorded_order"]
    assert late.seq == back.seq


def test_a_published_log_key_exposes_a_replaced_key_that_re_signed_the_checkpoints(  # type: ignore[no-untyped-def]
    world, database_url, tmp_path, monkeypatch
) -> None:
    """Whoever administers the database can replace the ledger's checkpoint key and re-sign
    every checkpoint after rewriting the log: checked with the key the database holds, that
    passed. With the key the union published in PHUCLOI_LOG_KEY, `audit verify`, proofs and
    the inspectors' page check with that one instead, and the re-signed checkpoint fails."""
    import os

    from api.web.inspector_pages import Verification, _run_verification, _status
    from audit.log import log_key_in_use, signed_checkpoint
    from tests.integration.test_audit_helpers import Attacker

    story(world)
    engine = world.ctx.engine
    monkeypatch.delenv("PHUCLOI_LOG_KEY", raising=False)
    monkeypatch.delenv("PHUCLOI_WITNESS_KEYS", raising=False)
    make_checkpoint(engine)
    published = stored_log_vkey(engine)
    assert log_key_in_use(engine).vkey == published
    monkeypatch.setenv("PHUCLOI_LOG_KEY", published)
    assert log_key_in_use(engine).problem is None
    assert _status(world.ctx)["checkpoint"]["signed"] is True

    attacker = Attacker(engine)
    attacker.sql("DELETE FROM checkpoint_cosignatures")
    attacker.sql("DELETE FROM checkpoints")
    attacker.sql(
        "UPDATE ledger_secrets SET value = :v WHERE name = 'checkpoint_key'", v=os.urandom(32)
    )
    size = make_checkpoint(engine)[0]
    forged = stored_log_vkey(engine)
    assert forged != published and forged.split("+")[0] == published.split("+")[0]

    app, runner = _cli(), CliRunner()

    def checks(*args: str) -> tuple[int, list[str]]:
        result = runner.invoke(app, ["--db", database_url, "audit", "verify", "--json", *args])
        found = json.loads(result.output)["findings"]
        return result.exit_code, [f["check"] for f in found if f["severity"] == "error"]

    monkeypatch.delenv("PHUCLOI_LOG_KEY")
    assert checks() == (0, [])  # the database's own key vouches for its own checkpoint
    assert _status(world.ctx)["checkpoint"]["signed"] is True
    monkeypatch.setenv("PHUCLOI_LOG_KEY", published)
    code, errors = checks()
    assert code == 1 and "checkpoint.signature" in errors, errors
    assert checks("--log-key", forged) == (0, [])  # the option still wins over the variable
    status = _status(world.ctx)
    assert status["log_vkey"] == published and status["checkpoint"]["signed"] is False
    assert f"khóa của sổ trong cơ sở dữ liệu ({forged}) khác khóa đã công bố" in (
        status["log_key_problem"] or ""
    )
    state = Verification(running=True)
    _run_verification(world.ctx, state)
    assert state.failure is None and "checkpoint.signature" in [e["check"] for e in state.errors]
    with pytest.raises(LogError) as refused:
        signed_checkpoint(engine, size)
    assert refused.value.code == "checkpoint_signature"

    monkeypatch.setenv("PHUCLOI_LOG_KEY", "not-a-key")
    result = runner.invoke(app, ["--db", database_url, "audit", "verify"])
    assert result.exit_code == 2 and "PHUCLOI_LOG_KEY: 'not-a-key' không phải khóa kiểm" in (
        " ".join(result.output.split())
    )


def test_the_report_of_a_ledger_without_units_says_what_it_covers(ctx) -> None:  # type: ignore[no-untyped-def]
    """`Phạm vi:` was followed by nothing on a ledger with no unit yet."""
    from audit.report_html import build_report, render_html

    html = render_html(build_report(ctx, verify=False))
    assert "Phạm vi: <strong>toàn bộ sổ cái (chưa có đơn vị nào)</strong>" in html
    assert 'Số phát hiện</th><td class="num">0</td>' in html


@pytest.mark.parametrize("workers", [1, 2])
def test_verify_while_officers_record_finds_no_error_and_covers_what_it_compared(
    world, workers: int
) -> None:  # type: ignore[no-untyped-def]
    """The inspection committee verifies (the web page, `audit verify`) while officers keep
    recording. Verification read the log as it was when it began and the read models as they
    were at the end: each payout recorded meanwhile was an error, `projection.row ...: row not
    produced by any stored event (added by hand?)`, a false alarm of tampering. The read
    models are now compared with the log up to the head of the very same snapshot."""
    story(world)
    source = source_of(world.ctx, chunk=7)
    chunks = source.chunks()
    read = source.read_chunk
    written: list[str] = []

    def read_then_someone_records(ref):  # type: ignore[no-untyped-def]
        rows = read(ref)
        if ref == chunks[-1] and not written:  # the log as verification began is read
            receipt = world.payout(
                "DV001",
                "gift",
                300_000,
                on="2025-03-07",
                occasion="8/3",
                personal={"reason": "8/3"},
            )
            written.append(receipt.event_id)
        return rows

    source.read_chunk = read_then_someone_records  # type: ignore[method-assign]
    report = verify(source, workers=workers)
    assert written
    assert [f.check for f in report.errors()] == []
    # the log as it began, and the payout too when the read models were read after it
    assert report.tree_size in (chunks[-1][1] + 1, chunks[-1][1] + 2)


def test_a_bundle_exported_while_officers_record_verifies(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`export` wrote the log as it was when it began and the read models (and the count of
    stored events) as they were at the end: a payout recorded meanwhile made a bundle whose
    verification failed (`projection.row`: a row no event of the bundle produced, and the
    manifest's event count). The bundle is now of one moment, whole."""
    story(world)
    source = source_of(world.ctx, chunk=7)
    read = source.read_chunk
    written: list[str] = []

    def read_then_someone_records(ref):  # type: ignore[no-untyped-def]
        rows = read(ref)
        if not written:
            receipt = world.payout(
                "DV001",
                "gift",
                300_000,
                on="2025-03-07",
                occasion="8/3",
                personal={"reason": "8/3"},
            )
            written.append(receipt.event_id)
        return rows

    source.read_chunk = read_then_someone_records  # type: ignore[method-assign]
    manifest = export(source, tmp_path / "bundle")
    assert written
    report = verify(BundleSource(tmp_path / "bundle"), workers=1)
    assert [f.check for f in report.errors()] == []
    assert report.tree_size == manifest["log_entries"] == manifest["stored_events"]
    assert world.ledger.entry(written[0])["seq"] == manifest["log_entries"]  # the next one
