"""The witness cosigns only checkpoints consistent with the last one it cosigned."""

from __future__ import annotations

import hashlib
import json

import pytest

from audit.merkle import consistency_proof, leaf_hash, root_from_leaf_hashes
from audit.note import Checkpoint, Signer, add_signatures, verify_cosignature
from audit.witness import WitnessRefusal, read_history, read_witness_state
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
    assert "history.jsonl line 2: không phải JSON / not JSON" in str(refused.value)
    assert history.read_bytes() == damaged
    with pytest.raises(ValueError, match=r"history\.jsonl line 2: không phải JSON / not JSON"):
        read_witness_state(tmp_path)


def _history_line(tmp_path, number: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    lines = (tmp_path / "history.jsonl").read_text(encoding="utf-8").splitlines()
    return json.loads(lines[number - 1])  # type: ignore[no-any-return]


def test_a_state_edited_back_to_an_earlier_checkpoint_is_refused_as_a_rollback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """state.json edited back to what history.jsonl line 1 holds: the witness accepted
    `old_size 5` again and cosigned a fork of the 13 leaves it had cosigned."""
    w = make_witness(tmp_path)
    w.add_checkpoint(note(5), old_size=0, proof=[], log_vkey=vkey())
    w.add_checkpoint(note(13), old_size=5, proof=consistency_proof(LEAVES, 5, 13), log_vkey=vkey())
    path = tmp_path / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    first = _history_line(tmp_path, 1)
    state["logs"][ORIGIN].update(
        size=5, root_hash=first["root_hash"], note=first["note"], cosigned_at=first["cosigned_at"]
    )
    path.write_text(json.dumps(state), encoding="utf-8")
    edited = path.read_bytes()
    forked = [*LEAVES[:5], *(leaf_hash(f"other {i}".encode()) for i in range(15))]
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(
            note(13, forked), old_size=5, proof=consistency_proof(forked, 5, 13), log_vkey=vkey()
        )
    assert refused.value.code == "rollback" and refused.value.size == 13
    assert str(refused.value).startswith(f"{path} holds {ORIGIN} at 5 leaves")
    assert "history.jsonl line 2 records that this witness cosigned 13 leaves" in str(refused.value)
    assert path.read_bytes() == edited and len(read_history(tmp_path)) == 2
    # the same size with another root is a damaged state, not accepted either
    state["logs"][ORIGIN].update(size=13, root_hash=root_from_leaf_hashes(forked[:13]).hex())
    path.write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(WitnessRefusal) as refused:
        w.held(ORIGIN)
    assert refused.value.code == "damaged_state" and str(path) in str(refused.value)


def test_a_deleted_state_is_rebuilt_from_the_history_never_a_fresh_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With state.json deleted the witness started over (old size 0) and cosigned a fork of
    the size its own history.jsonl records."""
    w = make_witness(tmp_path)
    w.add_checkpoint(note(8), old_size=0, proof=[], log_vkey=vkey())
    (tmp_path / "state.json").unlink()
    held = w.held(ORIGIN)
    assert held is not None and (held.size, held.root_hash) == (
        8,
        root_from_leaf_hashes(LEAVES[:8]),
    )
    forked = [*LEAVES[:3], *(leaf_hash(f"other {i}".encode()) for i in range(17))]
    for old in (0, 8):
        with pytest.raises(WitnessRefusal) as refused:
            w.add_checkpoint(note(8, forked), old_size=old, proof=[], log_vkey=vkey())
        assert refused.value.code == ("conflict" if old == 0 else "fork")
    assert not (tmp_path / "state.json").exists()
    w.add_checkpoint(note(12), old_size=8, proof=consistency_proof(LEAVES, 8, 12), log_vkey=vkey())
    assert json.loads((tmp_path / "state.json").read_text())["logs"][ORIGIN]["size"] == 12
    assert [h.size for h in read_history(tmp_path)] == [8, 12]


def test_a_rebuilt_state_never_pins_a_log_key_other_than_the_one_its_history_knows(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    """A deleted state.json used to re-pin whatever log key was offered (the one the
    ledger's database holds), so a log re-signed under a new key was cosigned."""
    w = make_witness(tmp_path)
    w.add_checkpoint(note(4), old_size=0, proof=[], log_vkey=vkey())
    assert _history_line(tmp_path, 1)["log_vkey"] == vkey()
    (tmp_path / "state.json").unlink()
    other = Signer(ORIGIN, hashlib.sha256(b"attacker").digest())
    attempt = {
        "note": note(9, signer=other),
        "old_size": 4,
        "proof": consistency_proof(LEAVES, 4, 9),
        "log_vkey": other.verifier().vkey,
    }
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(**attempt)  # type: ignore[arg-type]
    assert refused.value.code == "wrong_log_key"
    # a history written before records carried the key: the held note must verify with it
    history = tmp_path / "history.jsonl"
    record = _history_line(tmp_path, 1)
    del record["log_vkey"]
    history.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(WitnessRefusal) as refused:
        w.add_checkpoint(**attempt)  # type: ignore[arg-type]
    assert refused.value.code == "wrong_log_key" and "was not signed by" in str(refused.value)
    w.add_checkpoint(note(9), old_size=4, proof=consistency_proof(LEAVES, 4, 9), log_vkey=vkey())
    assert read_witness_state(tmp_path).log_vkeys == {ORIGIN: vkey()}


def test_two_rounds_on_one_state_directory_never_roll_it_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """tlog-witness: check-and-persist is atomic. Two rounds at once (a cron job and an
    inspector) used to both read size 0; the slower one saved last and rolled the witness
    back from 13 to 8 leaves."""
    import fcntl
    import threading

    from audit.witness import Witness

    base = make_witness(tmp_path)
    entered, go = threading.Event(), threading.Event()

    class Slow:
        public_key = base.signer.public_key

        def sign(self, message: bytes) -> bytes:
            entered.set()
            go.wait(30)
            return base.signer.sign(message)  # type: ignore[no-any-return]

    slow = Witness(tmp_path, name=base.name, signer=Slow())
    outcome: dict[str, object] = {}

    def first() -> None:
        outcome["first"] = slow.add_checkpoint(note(8), old_size=0, proof=[], log_vkey=vkey())

    def second() -> None:
        try:
            base.add_checkpoint(note(13), old_size=0, proof=[], log_vkey=vkey())
            outcome["second"] = "cosigned"
        except WitnessRefusal as exc:
            outcome["second"] = exc.code

    a = threading.Thread(target=first, daemon=True)
    b = threading.Thread(target=second, daemon=True)
    a.start()
    try:
        assert entered.wait(30)
        # while the first round signs, the directory's lock is held: nobody may take it
        with open(tmp_path / "lock", "a") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                outcome["lock"] = "free"
            except BlockingIOError:
                outcome["lock"] = "held"
        b.start()
        b.join(1)  # gives the second round its chance to run ahead (it must wait for the lock)
    finally:
        go.set()
        a.join(30)
        if b.is_alive() or b.ident is not None:
            b.join(30)
    assert outcome["lock"] == "held"
    assert outcome["second"] == "conflict"  # it read the state after the first round saved
    held = base.held(ORIGIN)
    assert held is not None and held.size == 8
    assert [h.size for h in read_history(tmp_path)] == [8]
