"""Only an officer's own key, valid and with the right role, can put an event in the log."""

from __future__ import annotations

import copy
import json

import pytest

from ledger.canonical import canonical_bytes
from ledger.client import cosign
from ledger.domain.errors import Conflict, InvalidCommand, LedgerError, SignatureRefused
from ledger.signing import decode_b64, verify
from tests.support import at, entries, officer_key


def test_a_command_altered_after_signing_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    item = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "2/9"},
    )
    forged = copy.deepcopy(item)
    forged["command"]["body"]["amount"] = 500_000
    with pytest.raises(SignatureRefused) as refused:
        world.ledger.submit(forged)
    assert refused.value.code == "bad_signature"
    assert world.ledger.get_member("DV001").payouts == {}


def test_a_stored_event_whose_command_is_edited_no_longer_verifies(world) -> None:  # type: ignore[no-untyped-def]
    """The ledger's operator cannot forge an officer's event: the signature covers the bytes."""
    world.join("DV001")
    r = world.payout("DV001", "gift", 300_000, on="2024-09-02")
    member = world.ledger.get_member("DV001")
    stored = next(
        e
        for e in world.ledger.repository.event_store.get(member.id)
        if json.loads(e.envelope["command"])["command_id"] == r.event_id
    )
    public = decode_b64(world.ledger.get_officer("kt.g1").keys[world.kt.key_id].public_key)
    signature = decode_b64(stored.envelope["signature"])
    assert verify(public, stored.envelope["command"].encode(), signature)
    edited = json.loads(stored.envelope["command"])
    edited["body"]["amount"] = 3_000_000
    assert not verify(public, canonical_bytes(edited), signature)


def test_signer_must_hold_the_role_over_the_unit(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    with pytest.raises(SignatureRefused) as refused:  # G2's finance officer pays in G1
        world.payout("DV001", "gift", 300_000, on="2024-09-02", by=world.kt2)
    assert refused.value.code == "role_not_allowed"
    with pytest.raises(SignatureRefused):  # a chair cannot record payouts (maker-checker)
        world.payout("DV001", "gift", 300_000, on="2024-09-02", by=world.chair)


def test_unknown_rotated_and_revoked_keys_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.signing import encode_b64

    world.join("DV001")
    stranger = officer_key("kt.g1-stolen-laptop")  # claims to be kt.g1 with another key
    from ledger.client import OfficerSigner

    impostor = OfficerSigner("kt.g1", stranger.signer)
    with pytest.raises(SignatureRefused) as unknown:
        world.payout("DV001", "gift", 100_000, on="2024-09-02", by=impostor)
    assert unknown.value.code == "unknown_key"

    new = officer_key("kt.g1-2025")
    with at("2025-01-02"):
        world.submit(
            "officer.rotate_key",
            by=world.admin,
            body={"officer": "kt.g1", "public_key": encode_b64(new.signer.public_key)},
        )
    with pytest.raises(SignatureRefused) as retired:
        world.payout("DV001", "gift", 100_000, on="2025-01-05")
    assert retired.value.code == "retired_key"
    rotated = OfficerSigner("kt.g1", new.signer)
    assert world.payout("DV001", "gift", 100_000, on="2025-01-05", by=rotated).status == "paid"

    with at("2025-02-01"):
        world.submit(
            "officer.revoke_key",
            by=world.admin,
            effective_date="2025-01-20",
            body={"officer": "kt.g1", "key_id": new.key_id, "reason": "mất máy tính"},
        )
    with pytest.raises(SignatureRefused) as revoked:
        world.payout("DV001", "gift", 100_000, on="2025-02-03", by=rotated)
    assert revoked.value.code == "revoked_key"


def test_same_command_id_is_idempotent_and_different_content_conflicts(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    item = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body={"member": "DV001", "kind": "gift", "amount": 300_000, "occasion": "2/9"},
    )
    first = world.ledger.submit(item)
    again = world.ledger.submit(item)
    assert (again.event_id, again.seq, again.leaf_hash) == (
        first.event_id,
        first.seq,
        first.leaf_hash,
    )
    assert again.duplicate is True
    assert len(world.ledger.get_member("DV001").payouts) == 1
    other = world.item(
        "payout.record",
        by=world.kt,
        unit="G1",
        effective_date="2024-09-02",
        body={"member": "DV001", "kind": "gift", "amount": 200_000, "occasion": "2/9"},
        command_id=first.event_id,
    )
    with pytest.raises(Conflict) as conflict:
        world.ledger.submit(other)
    assert (conflict.value.code, conflict.value.status) == ("command_id_reused", 409)


def test_maker_cannot_cosign_own_payout(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    with pytest.raises(SignatureRefused) as same:
        world.payout(
            "DV001",
            "housing_repair",
            15_000_000,
            on="2024-09-02",
            personal={"reason": "bão"},
            cosigner=world.kt,
        )
    assert (same.value.code, same.value.status) == ("same_maker_checker", 403)
    assert [p.field for p in same.value.problems] == ["cosignatures[0]"]
    before = entries(world)
    twice = cosign(
        world.item(
            "payout.record",
            by=world.kt,
            unit="G1",
            effective_date="2024-09-02",
            body={
                "member": "DV001",
                "kind": "housing_repair",
                "amount": 15_000_000,
                "occasion": "dịp",
            },
            personal={"reason": "bão"},
            cosigner=world.chair,
        ),
        by=world.chair,
    )
    with at("2024-09-02"), pytest.raises(InvalidCommand) as duplicate:
        world.ledger.submit(twice)
    assert [(p.field, p.code) for p in duplicate.value.problems] == [
        ("cosignatures[1]", "duplicate_cosigner")
    ]
    assert entries(world) == before
    with pytest.raises(Exception) as missing:
        world.payout(
            "DV001", "housing_repair", 15_000_000, on="2024-09-02", personal={"reason": "bão"}
        )
    assert missing.value.problems[0].code == "second_signature_required"  # type: ignore[attr-defined]
    ok = world.payout(
        "DV001",
        "housing_repair",
        15_000_000,
        on="2024-09-02",
        personal={"reason": "bão"},
        cosigner=world.chair,
    )
    assert ok.status == "paid"


def test_genesis_happens_once(world) -> None:  # type: ignore[no-untyped-def]
    from ledger.signing import encode_b64

    usurper = officer_key("usurper")
    with pytest.raises(SignatureRefused) as refused:
        world.submit(
            "ledger.genesis",
            by=usurper,
            body={
                "officer": "usurper",
                "name": "X",
                "public_key": encode_b64(usurper.signer.public_key),
            },
        )
    assert refused.value.code == "genesis_exists"


def test_one_key_is_never_registered_under_two_officer_codes(world) -> None:  # type: ignore[no-untyped-def]
    """With kt.g1's key registered again as "kt.x" and kt.x made chair, one person signed a
    40.000.000 payout as maker and checker, and verification and detection said nothing."""
    from ledger.domain.errors import InvalidCommand
    from ledger.signing import encode_b64
    from tests.support import entries

    shared = encode_b64(world.kt.signer.public_key)
    before = entries(world)
    with at("2024-08-01"), pytest.raises(InvalidCommand) as twice:
        world.submit(
            "officer.register",
            by=world.admin,
            body={"officer": "kt.x", "name": "Trần Thị X", "public_key": shared},
        )
    [p] = twice.value.problems
    assert (p.field, p.code) == ("body.public_key", "key_of_another_officer")
    assert "kt.g1" in p.en
    with at("2024-08-01"), pytest.raises(InvalidCommand) as rotated:
        world.submit(
            "officer.rotate_key", by=world.admin, body={"officer": "ct.g1", "public_key": shared}
        )
    assert [(p.field, p.code) for p in rotated.value.problems] == [
        ("body.public_key", "key_of_another_officer")
    ]
    # Two new officers with one key in the same batch: the second is refused.
    fresh = encode_b64(officer_key("new").signer.public_key)
    batch = [
        world.item(
            "officer.register",
            by=world.admin,
            body={"officer": code, "name": code, "public_key": fresh},
        )
        for code in ("a.1", "a.2")
    ]
    with at("2024-08-01"), pytest.raises(LedgerError) as batched:
        world.ledger.submit_batch(batch)
    assert [(p.field, p.code) for p in batched.value.problems] == [
        ("line 2: body.public_key", "key_of_another_officer")
    ]
    assert entries(world) == before
    # The same 32 bytes in a non-canonical spelling (a trailing bit set): refused as a value,
    # not a crash in the registry check (it was a Python traceback, an HTTP 500).
    canonical = encode_b64(officer_key("other").signer.public_key)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    odd = canonical[:42] + alphabet[alphabet.index(canonical[42]) + 1] + "="
    for type_, body in (
        ("officer.register", {"officer": "nc.1", "name": "X", "public_key": odd}),
        ("officer.rotate_key", {"officer": "ct.g1", "public_key": odd}),
    ):
        with at("2024-08-01"), pytest.raises(LedgerError) as noncanonical:
            world.submit(type_, by=world.admin, body=body)
        assert [p.field for p in noncanonical.value.problems] == ["body.public_key"], type_
    assert entries(world) == before
    with at("2024-08-01"):  # an officer's own new key is still fine
        new = officer_key("kt.g1-2025")
        world.submit(
            "officer.rotate_key",
            by=world.admin,
            body={"officer": "kt.g1", "public_key": encode_b64(new.signer.public_key)},
        )
    assert entries(world) == before + 1


def test_a_cosigner_without_the_chairs_role_is_named_at_the_cosignature(world) -> None:  # type: ignore[no-untyped-def]
    world.join("DV001")
    with pytest.raises(SignatureRefused) as refused:
        world.payout(
            "DV001",
            "housing_repair",
            8_000_000,
            on="2024-09-02",
            personal={"reason": "nhà dột"},
            cosigner=world.kt2,  # G2's finance officer: no chair over G1
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("cosignatures[0]", "role_not_allowed")
    ]
    assert "kt.g2" in refused.value.en
