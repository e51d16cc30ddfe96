"""`phucloi audit prove`, `audit consistency` and `audit verify --witness-key` as an inspector
types them: a size that cannot be asked for is a usage error (exit 2) naming the option or
argument; a proof by default is against a signed checkpoint, never silently the unsigned head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit.log import log_size, make_checkpoint
from tests.integration.test_audit_helpers import story
from tests.integration.test_cli import cli


def test_sizes_that_cannot_be_proved_are_usage_errors_naming_them(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    home, db = tmp_path / "home", database_url
    r = story(world)
    visit = r["visit"]
    make_checkpoint(world.ctx.engine)
    size = log_size(world.ctx.engine)
    for given, message in [
        ("0", "--size 0: kích thước cây phải ≥ 1 / the tree size must be at least 1"),
        ("-1", "--size -1: kích thước cây phải ≥ 1 / the tree size must be at least 1"),
        (str(visit.seq), f"--size {visit.seq}: bút toán {visit.event_id} là lá {visit.seq}"),
        (str(visit.seq - 1), f"--size {visit.seq - 1}: bút toán {visit.event_id} là lá"),
        (str(size + 1), f"--size {size + 1}: sổ cái chỉ có {size} lá / the log has only {size}"),
    ]:
        for json_flag in ("", " --json"):
            res = cli(home, db, f"audit prove {visit.event_id} --size {given}{json_flag}")
            assert res.exit_code == 2, (given, res.output)
            assert f"Lỗi / Error: {message}" in res.stderr, (given, res.stderr)
            if int(given) > 0 and int(given) <= visit.seq:
                assert f"the event is leaf {visit.seq}: --size must be more than" in res.stderr
            assert "Traceback" not in res.output
            if json_flag:  # --json: the refusal on stdout too, in the API's error shape
                said = json.loads(res.stdout)
                assert (said["ok"], said["code"]) == (False, "usage")
                assert said["message"].startswith(message.split(" / ")[0])
            else:
                assert res.stdout == ""
    for old, new, message in [
        (5000, 1000, "OLD 5000 > NEW 1000: OLD không được lớn hơn NEW / OLD must not exceed NEW"),
        (0, size, "OLD 0: kích thước cũ phải ≥ 1 / the older size must be at least 1"),
        (-3, size, "OLD -3: kích thước cũ phải ≥ 1"),
        (1, size + 1, f"NEW {size + 1}: sổ cái chỉ có {size} lá / the log has only {size} leaves"),
        (size, size + 1, f"NEW {size + 1}: sổ cái chỉ có {size} lá"),
    ]:
        res = cli(home, db, f"audit consistency --json -- {old} {new}")
        assert res.exit_code == 2, (old, new, res.output)
        assert f"Lỗi / Error: {message}" in res.stderr, (old, new, res.stderr)
        assert json.loads(res.stdout)["code"] == "usage" and "Traceback" not in res.output
    proof = json.loads(cli(home, db, f"audit consistency --json 1 {size}").stdout)
    assert (proof["size1"], proof["size2"]) == (1, size)
    # on screen: bilingual labels, one hash a line (it printed size1: …, proof: ['93b6…', …])
    shown = cli(home, db, f"audit consistency 1 {size}")
    assert shown.exit_code == 0, shown.output
    assert [" ".join(line.split()) for line in shown.stdout.splitlines()] == [
        f"Cây 1 lá là phần đầu của cây {size} lá, bằng chứng đã kiểm tra / the tree of 1 leaves "
        f"is a prefix of the tree of {size} leaves, proof checked",
        f"gốc cũ / old root (1 lá): {proof['root1']}",
        "cây cũ / old tree (1 lá): KHÔNG phải checkpoint đã ký / NOT a signed checkpoint",
        f"gốc mới / new root ({size} lá): {proof['root2']}",
        f"cây mới / new tree ({size} lá): checkpoint đã ký, gốc đã ký là gốc này / signed "
        "checkpoint, its signed root is this root",
        *(f"bằng chứng / proof [{i}]: {h}" for i, h in enumerate(proof["proof"])),
    ]
    ok = cli(home, db, f"audit prove {visit.event_id} --size {size} --json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["leaf_index"] == visit.seq


def test_a_proof_by_default_is_against_the_latest_signed_checkpoint(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    home, db = tmp_path / "home", database_url
    r = story(world)
    visit = r["visit"]
    res = cli(home, db, f"audit prove {visit.event_id} --json")
    assert res.exit_code == 1, res.output
    vi = (
        "chưa có checkpoint nào được ký: ký bằng `phucloi audit checkpoint` (hoặc dùng --size N "
        "để chứng minh theo một kích thước cây chưa ký)"
    )
    en = (
        "no checkpoint has been signed yet: sign one with `phucloi audit checkpoint` (or give "
        "--size N to prove against an unsigned tree size)"
    )
    assert json.loads(res.stdout) == {
        "proved": False,
        "refusal": "no_checkpoint",
        "message": f"{vi} / {en}",
        "message_vi": vi,
        "message_en": en,
    }
    assert res.stderr == f"Lỗi / Error: {vi} / {en}\n"
    # an event id the log does not hold: said in both languages too
    for json_flag in ("", " --json"):
        res = cli(home, db, f"audit prove nonexistent{json_flag}")
        assert res.exit_code == 1, res.output
        assert res.stderr == (
            "Lỗi / Error: sổ cái không có bút toán nonexistent / no event nonexistent in the log\n"
        )
    assert json.loads(res.stdout)["refusal"] == "unknown_event"
    signed_size = make_checkpoint(world.ctx.engine)[0]
    late = world.join("DV010", on="2025-01-06")  # recorded after the checkpoint
    head = log_size(world.ctx.engine)
    assert late.seq == signed_size == head - 1

    res = cli(home, db, f"audit prove {visit.event_id} --json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert (got["leaf_index"], got["tree_size"], got["signed_checkpoint"]) == (
        visit.seq,
        signed_size,
        True,
    )
    # the event after the checkpoint used to be proved against the unsigned head, silently
    for json_flag in ("", " --json"):
        res = cli(home, db, f"audit prove {late.event_id}{json_flag}")
        assert res.exit_code == 1, res.output
        assert (
            f"Lỗi / Error: bút toán {late.event_id} (lá {late.seq}) ghi sau checkpoint mới nhất "
            f"({signed_size} lá): chưa có checkpoint đã ký nào bao gồm nó; chạy `phucloi audit "
            "checkpoint` (hoặc dùng --size N để chứng minh theo một kích thước cây chưa ký) / "
        ) in res.stderr
        assert (
            f"event {late.event_id} (leaf {late.seq}) was recorded after the latest checkpoint "
            f"({signed_size} leaves): it is not yet covered by a signed checkpoint; run "
            "`phucloi audit checkpoint`"
        ) in res.stderr
    assert json.loads(res.stdout)["refusal"] == "not_checkpointed"
    # asked for explicitly, an unsigned size is proved and said to be unsigned
    res = cli(home, db, f"audit prove {late.event_id} --size {head} --json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert (got["leaf_index"], got["tree_size"], got["signed_checkpoint"]) == (
        late.seq,
        head,
        False,
    )
    res = cli(home, db, f"audit prove {late.event_id} --size {head}")
    assert res.exit_code == 0 and "NOT a signed checkpoint" in res.stdout, res.output
    make_checkpoint(world.ctx.engine)
    res = cli(home, db, f"audit prove {late.event_id}")
    assert res.exit_code == 0 and f"signed at {head} leaves" in res.stdout, res.output
    assert f"leaf {late.seq} of {head}" in res.stdout


def _verify(home: Path, db: str, *args: str) -> tuple[int, dict[str, Any]]:
    res = cli(home, db, "audit verify --json --workers 1", *args)
    assert "Traceback" not in res.output
    return res.exit_code, json.loads(res.stdout)


def _checks(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [
        (f["check"], f["severity"], f["seq"])
        for f in report["findings"]
        if f["check"].startswith("checkpoint.")
    ]


def test_a_witness_pinned_by_its_key_must_have_cosigned_the_latest_checkpoint(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    from audit.log import cosign_latest
    from tests.integration.test_audit_helpers import make_witness

    home, db = tmp_path / "home", database_url
    story(world)
    bao = make_witness(tmp_path / "bao", "ubkt.bao")
    other = make_witness(tmp_path / "other", "ubkt.lan")  # a valid key that cosigned nothing
    code, report = _verify(home, db, "--witness-key", bao.vkey)
    assert code == 1 and _checks(report) == [
        ("checkpoint.none", "warning", None),
        ("checkpoint.not_cosigned", "error", None),
    ]
    first = make_checkpoint(world.ctx.engine)[0]
    cosign_latest(world.ctx.engine, bao)
    code, report = _verify(home, db, "--witness-key", bao.vkey)
    assert code == 0 and _checks(report) == []
    # the key used to give only a warning, exit 0
    code, report = _verify(home, db, "--witness-key", other.vkey)
    assert code == 1 and _checks(report) == [
        ("checkpoint.unwitnessed", "warning", 0),
        ("checkpoint.not_cosigned", "error", first - 1),
    ]
    (error,) = [f for f in report["findings"] if f["severity"] == "error"]
    assert error["message"].startswith(
        "witness ubkt.lan, pinned by its key, did not cosign the latest checkpoint: the "
        f"latest checkpoint (size {first}) has no valid cosignature by it"
    )
    code, report = _verify(home, db, "--witness-key", bao.vkey, "--witness-key", other.vkey)
    assert code == 1 and [c for c, s, _ in _checks(report) if s == "error"] == [
        "checkpoint.not_cosigned"
    ]
    # a newer checkpoint the pinned witness has not cosigned (yet) is an error too …
    world.join("DV010", on="2025-01-06")
    second = make_checkpoint(world.ctx.engine)[0]
    code, report = _verify(home, db, "--witness-key", bao.vkey)
    assert second - 1 == first
    assert code == 1 and _checks(report) == [
        ("checkpoint.not_cosigned", "error", first),
        ("checkpoint.unwitnessed", "warning", first),
    ]
    # … while without --witness-key an unwitnessed checkpoint stays a warning
    code, report = _verify(home, db, "--witness-state", str(tmp_path / "bao"))
    assert code == 0 and _checks(report) == [("checkpoint.unwitnessed", "warning", first)]
    # plain verify warns too, the witness being known from the earlier stored cosignature
    # (it used to say nothing: only witnesses pinned by key counted)
    code, report = _verify(home, db)
    assert code == 0 and _checks(report) == [("checkpoint.unwitnessed", "warning", first)]
    # the witness keys the union configured are what plain verify trusts
    res = cli(home, db, "audit verify --json --workers 1", PHUCLOI_WITNESS_KEYS=bao.vkey)
    assert res.exit_code == 1 and _checks(json.loads(res.stdout)) == [
        ("checkpoint.not_cosigned", "error", first),
        ("checkpoint.unwitnessed", "warning", first),
    ]
    res = cli(home, db, "audit verify --workers 1", PHUCLOI_WITNESS_KEYS="ubkt.bao+00+AQ")
    assert res.exit_code == 2 and res.stderr.startswith(
        "Lỗi / Error: PHUCLOI_WITNESS_KEYS: 'ubkt.bao+00+AQ' không phải khóa kiểm của nhân "
        "chứng / is not a witness verifier key"
    )
    cosign_latest(world.ctx.engine, bao)
    code, report = _verify(home, db, "--witness-key", bao.vkey)
    assert code == 0 and _checks(report) == []
    res = cli(home, db, "audit verify --workers 1 --witness-key", other.vkey)
    assert res.exit_code == 1 and "checkpoint.not_cosigned" in res.stdout


def test_verification_findings_are_said_in_vietnamese_first_and_recorded_so(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    from audit.runs import last_run

    home, db = tmp_path / "home", database_url
    story(world)
    res = cli(home, db, "audit verify --workers 1")
    assert res.exit_code == 0, res.output
    (row,) = [line for line in res.stdout.splitlines() if "checkpoint.none" in line]
    assert "chưa có checkpoint nào được ký: sổ cái chưa được bảo vệ" in row
    # the check's code with its Vietnamese name (audit.checks) beside it
    assert "checkpoint.none (chưa có checkpoint nào được ký)" in " ".join(res.stdout.split())
    assert row.index("chưa có checkpoint") < res.stdout.index("no checkpoint has been signed")
    res = cli(home, db, "audit verify --workers 1 --json")
    (none,) = json.loads(res.stdout)["findings"]
    assert none["message"].startswith("no checkpoint has been signed: the log is not yet")
    assert none["message_vi"].startswith("chưa có checkpoint nào được ký: sổ cái chưa được")
    # the recorded run keeps both texts of each error, for the inspectors' page
    code, _ = _verify(home, db, "--witness-key", make_witness_key(tmp_path), "--record")
    assert code == 1
    run = last_run(world.ctx.engine)
    assert run is not None
    (error,) = run["summary"]["first_errors"]
    assert error["check"] == "checkpoint.not_cosigned"
    assert error["message"].startswith("witness ubkt.lan, pinned by its key, did not cosign")
    assert error["message_vi"].startswith(
        "nhân chứng ubkt.lan, được ghim bằng khóa, chưa đồng ký checkpoint mới nhất"
    )


def make_witness_key(tmp_path: Path) -> str:
    from tests.integration.test_audit_helpers import make_witness

    return str(make_witness(tmp_path / "lan", "ubkt.lan").vkey)


def _rewrite_leaf(world: Any, seq: int) -> None:
    """An administrator rewrites one stored leaf (triggers dropped), as the QA's T2 did with
    the event, its entry and its leaf column together."""
    import hashlib

    from tests.integration.test_audit_helpers import Attacker

    forged = hashlib.sha256(b"rewritten").hexdigest()
    Attacker(world.ctx.engine).sql(
        "UPDATE ledger_entries SET leaf_hash = :h WHERE seq = :s", h=forged, s=seq
    )


def test_a_proof_is_checked_against_the_signed_root_and_carries_the_signed_note(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """`audit prove` said "signed" and exited 0 whenever a checkpoint row of that size existed,
    though it built the proof and its root from the leaf column; `audit consistency` said
    "proof checked" without looking at any signed root."""
    from audit.log import stored_log_vkey
    from audit.merkle import verify_inclusion
    from audit.note import Checkpoint, Verifier, open_note

    home, db = tmp_path / "home", database_url
    r = story(world)
    visit = r["visit"]
    size, root, _note, _ = make_checkpoint(world.ctx.engine)
    got = json.loads(cli(home, db, f"audit prove {visit.event_id} --json").stdout)
    vkey = stored_log_vkey(world.ctx.engine)
    assert vkey is not None
    # the note alone is enough to check the proof: its signature, then its root
    signed = Checkpoint.parse(open_note(got["checkpoint"], [Verifier.from_vkey(vkey)]).text)
    assert (signed.size, signed.root_hash.hex(), got["root_hash"]) == (size, root, root)
    verify_inclusion(
        leaf_hash=bytes.fromhex(got["leaf_hash"]),
        index=got["leaf_index"],
        size=got["tree_size"],
        proof=[bytes.fromhex(h) for h in got["path"]],
        root=signed.root_hash,
    )
    shown = cli(home, db, f"audit consistency --json 2 {size}")
    both_ = json.loads(shown.stdout)
    assert (both_["signed_checkpoint1"], both_["signed_checkpoint2"]) == (False, True)
    assert both_["checkpoint1"] is None and both_["checkpoint2"].startswith(signed.origin)
    screen = cli(home, db, f"audit consistency 2 {size}").stdout
    assert "KHÔNG phải checkpoint đã ký / NOT a signed checkpoint" in screen
    assert "signed checkpoint, its signed root is this root" in screen

    _rewrite_leaf(world, 1)
    en = f"the stored leaves no longer hash to signed checkpoint {size}"
    vi = f"các lá đã lưu không còn băm ra checkpoint đã ký {size} lá"
    for json_flag in ("", " --json"):
        res = cli(home, db, f"audit prove {visit.event_id}{json_flag}")
        assert res.exit_code == 1, res.output
        assert res.stderr.startswith(f"Lỗi / Error: {vi}") and en in res.stderr
    refusal = json.loads(res.stdout)
    assert (refusal["proved"], refusal["refusal"]) == (False, "checkpoint_mismatch")
    assert refusal["message_vi"].startswith(vi) and refusal["message_en"].startswith(en)
    # an unsigned size is still proved, and said to be unsigned
    res = cli(home, db, f"audit prove {visit.event_id} --size {size - 1} --json")
    assert res.exit_code == 0 and json.loads(res.stdout)["signed_checkpoint"] is False
    for old, new in [(2, size), (size, size)]:
        res = cli(home, db, f"audit consistency --json {old} {new}")
        assert res.exit_code == 1, res.output
        assert json.loads(res.stdout)["refusal"] == "checkpoint_mismatch"
        assert en in res.stderr
    assert cli(home, db, f"audit consistency 1 {size - 1}").exit_code == 0


def test_a_checkpoint_note_that_does_not_verify_is_not_a_signed_checkpoint(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    from tests.integration.test_audit_helpers import Attacker

    home, db = tmp_path / "home", database_url
    r = story(world)
    size = make_checkpoint(world.ctx.engine)[0]
    # the row's root and note edited together (the note's signature no longer verifies)
    Attacker(world.ctx.engine).sql(
        "UPDATE checkpoints SET note = replace(note, :a, :b) WHERE size = :s",
        a=f"\n{size}\n",
        b=f"\n{size}\n\n",
        s=size,
    )
    res = cli(home, db, f"audit prove {r['visit'].event_id} --json")
    assert res.exit_code == 1, res.output
    got = json.loads(res.stdout)
    assert got["refusal"] == "checkpoint_signature"
    assert got["message_en"].startswith(f"checkpoint {size}: its note does not verify")


def test_checkpoint_and_witness_refusals_are_bilingual_and_given_as_json(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """`audit checkpoint --json` printed nothing on stdout when it refused, its reason in
    English only; `audit witness` refusals were English, `--json` had only `message`."""
    from ledger.keystore import Keystore
    from tests.integration.test_audit_helpers import Attacker
    from tests.integration.test_cli import PASSPHRASE

    home, db = tmp_path / "home", database_url
    r = story(world)
    Keystore(home / "keys").create("ubkt.bao", PASSPHRASE)
    res = cli(home, db, "audit witness --name ubkt.bao --json")
    assert res.exit_code == 1, res.output
    # the refusal's code with its name (audit.checks)
    vi = "từ chối đồng ký (unprovable — không lập được bằng chứng): sổ cái chưa có checkpoint nào"
    en = "refused to cosign (unprovable — cannot be proved): the ledger has no checkpoint yet"
    assert json.loads(res.stdout) == {
        "cosigned": False,
        "refusal": "unprovable",
        "message": f"{vi} / {en}",
        "message_vi": vi,
        "message_en": en,
    }
    assert res.stderr == f"Lỗi / Error: {vi} / {en}\n"
    size = make_checkpoint(world.ctx.engine)[0]
    assert cli(home, db, "audit witness --name ubkt.bao").exit_code == 0
    Attacker(world.ctx.engine).truncate_from(r["big"].seq)
    res = cli(home, db, "audit checkpoint --json")
    assert res.exit_code == 1, res.output
    got = json.loads(res.stdout)
    left = r["big"].seq
    assert (got["created"], got["refusal"]) == (False, "truncated")
    assert got["message_vi"] == (
        f"từ chối ký checkpoint: sổ cái có {left} lá nhưng đã có checkpoint {size} lá: sổ cái "
        "bị cắt cụt"
    )
    assert got["message_en"] == (
        f"checkpoint refused: the log has {left} leaves but checkpoint {size} exists: truncated"
    )
    assert res.stderr == f"Lỗi / Error: {got['message']}\n"
    # the attacker signs a shorter checkpoint: the witness refuses to go back, in both languages
    Attacker(world.ctx.engine).sql("DELETE FROM checkpoint_cosignatures")
    Attacker(world.ctx.engine).sql("DELETE FROM checkpoints")
    make_checkpoint(world.ctx.engine)
    res = cli(home, db, "audit witness --name ubkt.bao --json")
    got = json.loads(res.stdout)
    assert res.exit_code == 1 and got["refusal"] == "rollback"
    assert got["message_vi"].startswith(
        "từ chối đồng ký (rollback — sổ cái hoặc trạng thái bị quay lui): từ chối:"
    )
    assert got["message_vi"].endswith(f"lùi từ {size} về {left} lá")
    assert got["message_en"].endswith(f"went back from {size} to {left} leaves")
    # a witness state that cannot be used, for audit verify: said in both languages
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "history.jsonl").write_text("{\n", encoding="utf-8")
    res = cli(home, db, "audit verify --witness-state", str(bad))
    assert res.exit_code == 2
    assert " ".join(res.stderr.split()).startswith(
        f"Lỗi / Error: --witness-state {bad}: không dùng được trạng thái nhân chứng / cannot "
        f"use the witness state: {bad / 'history.jsonl'} line 1: không phải JSON / not JSON"
    )


def test_verify_says_times_in_vietnam_time_and_json_keeps_them_iso(
    world: Any, database_url: str, tmp_path: Path
) -> None:
    """A signature after a back-dated revocation: the text output gives when it was signed in
    Vietnam's time and the revocation's date as dd/mm/yyyy; `--json` keeps the ISO instant."""
    from datetime import datetime

    from ledger import clock
    from tests.support import at

    home, db = tmp_path / "home", database_url
    r = story(world)
    with at("2025-01-10"):
        world.submit(
            "officer.revoke_key",
            by=world.admin,
            effective_date="2024-12-01",
            body={"officer": "kt.g1", "key_id": world.kt.key_id, "reason": "máy tính bị mất cắp"},
        )
    recorded = world.ledger.entry(r["visit2"].event_id)["recorded_at"]
    instant = datetime.fromisoformat(recorded)
    assert instant.utcoffset() is not None and instant.utcoffset().total_seconds() == 0
    local = instant.astimezone(clock.VIETNAM)
    assert local.hour != instant.hour  # the two clocks differ, so the test tells them apart
    said = local.strftime("%d/%m/%Y %H:%M:%S" if local.second else "%d/%m/%Y %H:%M")

    res = cli(home, db, "audit verify --workers 1")
    assert res.exit_code == 1, res.output
    # the table's message column, its wrapped lines joined
    cells = [line.split("│")[4] for line in res.stdout.splitlines() if line.count("│") == 5]
    text = " ".join(" ".join(cells).split())
    assert f"ký bởi kt.g1 bằng khóa {world.kt.key_id} lúc {said}, vào hoặc sau" in text
    assert f"signed by kt.g1 with key {world.kt.key_id} on {said}, on or after" in text
    assert "thu hồi (01/12/2024;" in text and "revocation from 01/12/2024" in text
    assert recorded not in res.stdout and "+00:00" not in res.stdout and "2024-12-01" not in text

    res = cli(home, db, "audit verify --workers 1 --json")
    (revoked,) = [
        f for f in json.loads(res.stdout)["findings"] if f["check"] == "signature.revoked"
    ]
    assert f"lúc {recorded}," in revoked["message_vi"] and "(2024-12-01;" in revoked["message_vi"]
    assert f"on {recorded}," in revoked["message"]
