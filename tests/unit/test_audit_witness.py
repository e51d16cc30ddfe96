"""The witness cosigns only checkpoints consistent with the last one it cosigned."""

from __future__ import annotations

import hashlib
import json

import pytest

from audit.merkle import consistency_proof, leaf_hash, root_from_leaf_hashes
from audit.note import Checkpoint, Signer, add_signatures, verify_cosignature
from audit.witness import WitnessRefusal, read_witness_state
from tests.integration.test_audit_helpers import make_witness

ORIGIN = "phucloi.vn/ledger/test"
LOG = Signer(ORIGIN, hashlib.sha256(b"log key").digest())
LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(20)]


def note(size: int, leaves: list[bytes] = LEAVES, signer: Signer = LOG) -> str:
    return Checkpoint(ORIGIN, size, root_from_leaf_hashes(leaves[:size])).sign([signer])


def vkey() -> str:
    return LOG.verifier().vkey


def test_first_checkpoint_then_consistent_growth_are_cosigned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = make_witness(tmp_path)
    line = w.add_checkpoint(note(5), old_size=0, proof=[], log_vkey=vkey(), timestamp=1_700_000_000)
    cosigned = add_signatures(note(5), [line])
    assert (
        verify_cosignature(cosigned, name=w.name, public_key=w.signer.public_key) == 1_700_000_000
    )
    proof = consistency_proof(LEAVES, 5, 13)
    w.add_checkpoint(note(13), old_size=5, proof=proof, log_vkey=vkey())
    held = w.held(ORIGIN)
    assert held is not None and (held.size, held.root_hash) == (
        13,
        root_from_leaf_hashes(LEAVES[:13]),
    )
    view = read_witness_state(tmp_path)
    assert [h.size for h in view.held] == [5, 13] and view.log_vkeys == {ORIGIN: vkey()}
    assert json.loads((tmp_path / "state.json").read_text())["logs"][ORIGIN]["size"] == 13


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("stale_old_size", "conflict"),
        ("rollback", "rollback"),
        ("fork", "fork"),
        ("rewritten_history", "inconsistent"),
        ("bad_proof_hash", "inconsistent"),
        ("foreign_signature", "bad_note"),
    ],
)
def test_any_inconsistency_is_refused_and_the_state_never_moves(tmp_path, case, code) -> None:  # type: ignore[no-untyped-def]
    w = make_witness(tmp_path)
    w.add_checkpoint(note(8), old_size=0, proof=[], log_vkey=vkey())
    rewritten = [*LEAVES[:3], leaf_hash(b"forged"), *LEAVES[4:]]
    attempt = {
        "stale_old_size": lambda: w.add_checkpoint(
            note(12), old_size=5, proof=consistency_proof(LEAVES, 5, 12), log_vkey=vkey()
        ),
        "rollback": lambda: w.add_checkpoint(note(6), old_size=8, proof=[], log_vkey=vkey()),
        "fork": lambda: w.add_checkpoint(note(8, rewritten), old_size=8, proof=[], log_vkey=vkey()),
        "rewritten_history": lambda: w.add_checkpoint(
            note(12, rewritten),
            old_size=8,
            proof=consistency_proof(rewritten, 8, 12),
            log_vkey=vkey(),
        ),
        "bad_proof_hash": lambda: w.add_checkpoint(
            note(12),
            old_size=8,
            proof=[bytes(32), *consistency_proof(LEAVES, 8, 12)[1:]],
            log_vkey=vkey(),
        ),
        "foreign_signature": lambda: w.add_checkpoint(
            note(12, signer=Signer(ORIGIN, bytes(32))),
            old_size=8,
            proof=consistency_proof(LEAVES, 8, 12),
            log_vkey=vkey(),
        ),
    }[case]
    with pytest.raises(WitnessRefusal) as refused:
        attempt()
    assert refused.value.code == code
    held = w.held(ORIGIN)
    assert held is not None and (held.size, held.root_hash) == (
        8,
        root_from_leaf_hashes(LEAVES[:8]),
    )
    assert [h.size for h in read_witness_state(tmp_path).held] == [8]


def test_a_pinned_log_key_cannot_be_swapped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = make_witness(tmp_path)
    w.add_checkpoint(note(4), old_size=0, proof=[], log_vkey=vkey())
    other = Signer(ORIGIN, hashlib.sha256(b"attacker").digest())
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(
            note(9, signer=other),
            old_size=4,
            proof=consistency_proof(LEAVES, 4, 9),
            log_vkey=other.verifier().vkey,
        )
    assert refused.value.code == "wrong_log_key"


@pytest.mark.parametrize("damage", [b"{", b"[]", b'{"name": "x"}', b"\xff\xfe\x00"])
def test_a_damaged_state_is_a_refusal_and_is_left_as_it_is(tmp_path, damage) -> None:  # type: ignore[no-untyped-def]
    w = make_witness(tmp_path)
    w.add_checkpoint(note(5), old_size=0, proof=[], log_vkey=vkey())
    state = tmp_path / "state.json"
    state.write_bytes(damage)
    proof = consistency_proof(LEAVES, 5, 13)
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(note(13), old_size=5, proof=proof, log_vkey=vkey())
    assert refused.value.code == "damaged_state" and "restore it from a backup" in str(
        refused.value
    )
    assert state.read_bytes() == damage  # never overwritten: the backup is still worth restoring


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("size", "abc", ".size"),
        ("size", None, ".size"),
        ("size", -1, ".size"),
        ("root_hash", "zz", ".root_hash"),
        ("note", 5, ".note"),
        ("log_vkey", None, ".log_vkey"),
        ("log_vkey", "phucloi.vn/ledger/test+0badc0de+AQID", ".log_vkey"),
    ],
)
def test_an_edited_field_of_the_state_is_a_refusal_naming_it(tmp_path, field, value, named) -> None:  # type: ignore[no-untyped-def]
    """A hand-edited state.json (a size as text, a root that is not hex, a field removed) used
    to crash with a TypeError or KeyError in `audit witness` and `audit verify`."""
    w = make_witness(tmp_path)
    w.add_checkpoint(note(5), old_size=0, proof=[], log_vkey=vkey())
    path = tmp_path / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    if value is None:
        del state["logs"][ORIGIN][field]
    else:
        state["logs"][ORIGIN][field] = value
    path.write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(
            note(13), old_size=5, proof=consistency_proof(LEAVES, 5, 13), log_vkey=vkey()
        )
    assert refused.value.code == "damaged_state" and named in str(refused.value)
    with pytest.raises(ValueError, match=f"logs\\['{ORIGIN}'\\]\\{named}"):
        read_witness_state(tmp_path)  # what `audit verify --witness-state` reads (exit 2)


def test_a_damaged_history_line_is_a_refusal_naming_its_line_and_is_not_appended_to(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    """A witness whose history.jsonl had a broken line went on cosigning and appended after
    it; `audit verify --witness-state` then stopped on a bare JSON error naming no file."""
    w = make_witness(tmp_path)
    w.add_checkpoint(note(5), old_size=0, proof=[], log_vkey=vkey())
    history = tmp_path / "history.jsonl"
    damaged = history.read_bytes() + b'{"origin": 5\n'
    history.write_bytes(damaged)
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(
            note(13), old_size=5, proof=consistency_proof(LEAVES, 5, 13), log_vkey=vkey()
        )
    assert refused.value.code == "damaged_state"
    assert "history.jsonl line 2: not JSON" in str(refused.value)
    assert history.read_bytes() == damaged
    with pytest.raises(ValueError, match=r"history\.jsonl line 2: not JSON"):
        read_witness_state(tmp_path)
