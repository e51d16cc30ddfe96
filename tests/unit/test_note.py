"""Tests for audit.note: C2SP signed notes, checkpoints and Ed25519 cosignatures.

Key IDs and signed messages are recomputed here from the spec formulas with hashlib and
PyNaCl directly; the Go reference implementation's published example (golang.org/x/mod/sumdb/
note, key "PeterNeumann") and two published vkeys are used as known answers.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from nacl.signing import SigningKey, VerifyKey

from audit.merkle import EMPTY_ROOT, leaf_hash, root_from_leaf_hashes
from audit.note import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    CosignatureSigner,
    CosignatureVerifier,
    NoteError,
    Signature,
    Signer,
    Verifier,
    add_signatures,
    cosign,
    cosignature_message,
    key_id,
    open_note,
    parse_vkey,
    sign_note,
    split_note,
    verify_cosignature,
)

EM_DASH = "\u2014"

# golang.org/x/mod/sumdb/note example key and note (note_test.go / package docs).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_B64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # 0x01 || 32-byte seed
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG_LINE = (
    f"{EM_DASH} PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

LOG_NAME = "phucloi.example/ledger/cd-truong-thpt-1"
ROOT = hashlib.sha256(b"some root").digest()
TS = 1_700_000_000


def _seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def _spec_key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[
        :4
    ]


@pytest.fixture
def log_signer() -> Signer:
    return Signer(LOG_NAME, _seed("log"))


@pytest.fixture
def checkpoint_body() -> str:
    return Checkpoint(origin=LOG_NAME, size=42, root_hash=ROOT).body()


# --- key IDs and vkeys -----------------------------------------------------------------------


def test_key_id_is_spec_formula() -> None:
    sk = SigningKey(_seed("k"))
    pk = bytes(sk.verify_key)
    name = "witness.example/công-đoàn"
    s = Signer(name, sk)
    c = CosignatureSigner(name, sk)
    assert s.key_id == _spec_key_id(name, 0x01, pk)
    assert c.key_id == _spec_key_id(name, 0x04, pk)
    assert s.key_id != c.key_id
    assert key_id(name, pk) == s.key_id
    assert key_id(name, pk, sig_type=0x04) == c.key_id
    assert Verifier(name, pk).key_id == s.key_id
    assert CosignatureVerifier(name, sk.verify_key).key_id == c.key_id
    ed_b64 = base64.b64encode(bytes([0x01]) + pk).decode()
    cos_b64 = base64.b64encode(bytes([0x04]) + pk).decode()
    assert s.verifier().vkey == f"{name}+{s.key_id.hex()}+{ed_b64}"
    assert c.verifier().vkey == f"{name}+{c.key_id.hex()}+{cos_b64}"


def test_go_reference_example_byte_for_byte() -> None:
    material = base64.b64decode(GO_SKEY_B64)
    assert material[0] == 0x01
    signer = Signer("PeterNeumann", material[1:])
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.verifier().vkey == GO_VKEY
    note = sign_note(GO_TEXT, [signer])
    assert note == GO_TEXT + "\n" + GO_SIG_LINE
    opened = open_note(note.encode("utf-8"), [Verifier.from_vkey(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert [(s.name, s.key_id.hex()) for s in opened.signatures] == [("PeterNeumann", "c74f20a3")]
    assert opened.unverified == ()


def test_published_vkeys_parse_with_their_key_ids() -> None:
    cos = parse_vkey("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    assert isinstance(cos, CosignatureVerifier)
    assert cos.key_id.hex() == "da77ade7"
    assert cos.key_id == _spec_key_id("remora.n621.de", 0x04, cos.public_key)
    # The base64 key of this one contains "+" itself.
    ed = parse_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert type(ed) is Verifier
    assert ed.key_id.hex() == "7997405c"
    assert ed.vkey == "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",  # other key
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",  # bad base64
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # empty name
    ],
)
def test_bad_vkeys_refused(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_vkey(vkey)


def test_vkey_type_must_match_class() -> None:
    with pytest.raises(NoteError, match="signature type 0x04"):
        CosignatureVerifier.from_vkey(GO_VKEY)
    cos = CosignatureSigner("w", _seed("w")).verifier().vkey
    with pytest.raises(NoteError, match="signature type 0x01"):
        Verifier.from_vkey(cos)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "tab\there", "a\nb"])
def test_bad_key_names_refused(name: str) -> None:
    with pytest.raises(NoteError):
        Signer(name, _seed("x"))


def test_bad_key_material_refused() -> None:
    with pytest.raises(NoteError):
        Signer("n", b"\x00" * 31)
    with pytest.raises(NoteError):
        Verifier("n", b"\x00" * 33)


# --- signed notes ------------------------------------------------------------------------------


def test_round_trip_two_signers(log_signer: Signer) -> None:
    other = Signer("officer.example/ke-toan", _seed("officer"))
    body = "Sổ cái phúc lợi\nquỹ công đoàn\n"
    note = sign_note(body, [log_signer, other])
    assert note.startswith(body + "\n" + f"{EM_DASH} {LOG_NAME} ")
    assert note.count("\n") == 2 + 1 + 2
    # Each line is base64(key ID || Ed25519 signature over the UTF-8 body).
    for line, signer in zip(note.split("\n")[3:5], [log_signer, other], strict=True):
        raw = base64.b64decode(line.rsplit(" ", 1)[1])
        assert raw[:4] == signer.key_id
        VerifyKey(signer.public_key).verify(body.encode("utf-8"), raw[4:])
    opened = open_note(note, [log_signer.verifier(), other.verifier()])
    assert opened.text == body
    assert [s.name for s in opened.signatures] == [LOG_NAME, "officer.example/ke-toan"]
    assert split_note(note) == (body, opened.signatures)


def test_unknown_key_ignored(log_signer: Signer) -> None:
    stranger = Signer("stranger.example", _seed("stranger"))
    note = sign_note("hello\n", [stranger, log_signer])
    opened = open_note(note, [log_signer.verifier()])
    assert [s.name for s in opened.signatures] == [LOG_NAME]
    assert [s.name for s in opened.unverified] == ["stranger.example"]
    # Same name but a different key is a different key (different key ID): ignored too.
    impostor = Signer(LOG_NAME, _seed("impostor"))
    note2 = sign_note("hello\n", [impostor, log_signer])
    opened2 = open_note(note2, [log_signer.verifier()])
    assert [s.key_id for s in opened2.signatures] == [log_signer.key_id]
    assert [s.key_id for s in opened2.unverified] == [impostor.key_id]


def test_no_known_signature_refused(log_signer: Signer) -> None:
    note = sign_note("hello\n", [Signer("stranger.example", _seed("stranger"))])
    with pytest.raises(NoteError, match="not signed by any known key"):
        open_note(note, [log_signer.verifier()])
    with pytest.raises(NoteError, match="not signed by any known key"):
        open_note(note, [])


def test_altered_body_refused(log_signer: Signer) -> None:
    note = sign_note("amount 100000\n", [log_signer])
    tampered = note.replace("amount 100000", "amount 900000")
    with pytest.raises(NoteError, match="does not verify"):
        open_note(tampered, [log_signer.verifier()])


def test_altered_signature_refused(log_signer: Signer) -> None:
    note = sign_note("hello\n", [log_signer])
    text, (sig,) = split_note(note)
    bad = Signature(sig.name, sig.key_id, bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    with pytest.raises(NoteError, match="does not verify"):
        open_note(text + "\n" + bad.line(), [log_signer.verifier()])
    short = Signature(sig.name, sig.key_id, sig.signature[:-1])
    with pytest.raises(NoteError, match="does not verify"):
        open_note(text + "\n" + short.line(), [log_signer.verifier()])


def test_bad_signature_from_known_key_rejects_whole_note(log_signer: Signer) -> None:
    note = sign_note("hello\n", [log_signer])
    forged = Signer(LOG_NAME, _seed("log"))  # same key: valid signature, but over other text
    other_line = sign_note("bye\n", [forged]).split("\n\n", 1)[1]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note + other_line, [log_signer.verifier()])


def test_text_may_contain_blank_lines(log_signer: Signer) -> None:
    body = "para one\n\npara two\n\n"
    note = sign_note(body, [log_signer])
    assert open_note(note, [log_signer.verifier()]).text == body


@pytest.mark.parametrize(
    "note",
    [
        "hello\n",  # no signature block
        "hello\n\n",  # blank line but no signatures
        "hello\n\n\u2014 a AAAAAAA=",  # no final newline
        "hello\n\n-- a AAAAAAAA\n",  # ASCII dashes instead of EM DASH
        "hello\n\n\u2014 a\n",  # no signature value
        "hello\n\n\u2014 a !!!!\n",  # not base64
        "hello\n\n\u2014 a AAAAAAA\n",  # missing padding
        "hello\n\n\u2014 a AAAAAAB=\n",  # non-canonical trailing bits
        "hello\n\n\u2014 a AAAA\n",  # only 3 bytes: no room for key ID + signature
        "hello\n\n\u2014 a+b AAAAAAA=\n",  # '+' in key name
        "hel\rlo\n\n\u2014 a AAAAAAA=\n",  # control character
        "hello\n\n\u2014 a AAAAAAA=\n\n",  # blank line after the signatures
    ],
)
def test_malformed_notes_refused(note: str) -> None:
    with pytest.raises(NoteError):
        split_note(note)
    with pytest.raises(NoteError):
        open_note(note, [Signer("a", _seed("a")).verifier()])


def test_invalid_utf8_refused() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff\xfe\n\n\xe2\x80\x94 a AAAAAAA=\n", [])


def test_too_many_signatures_refused(log_signer: Signer) -> None:
    note = sign_note("hello\n", [log_signer])
    extra = [
        Signature(f"w{i}.example", i.to_bytes(4, "big"), b"\x00" * 64).line()
        for i in range(MAX_SIGNATURES)
    ]
    with pytest.raises(NoteError, match="more than 100"):
        open_note(note + "".join(extra), [log_signer.verifier()])
    opened = open_note(note + "".join(extra[:-1]), [log_signer.verifier()])
    assert len(opened.unverified) == MAX_SIGNATURES - 1


def test_sign_note_preconditions(log_signer: Signer) -> None:
    with pytest.raises(NoteError, match="end with a newline"):
        sign_note("no newline", [log_signer])
    with pytest.raises(NoteError, match="end with a newline"):
        sign_note("", [log_signer])
    with pytest.raises(NoteError, match="control character"):
        sign_note("a\tb\n", [log_signer])
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note("hello\n", [])
    with pytest.raises(NoteError, match="given twice"):
        sign_note("hello\n", [log_signer, Signer(LOG_NAME, _seed("log"))])


def test_ambiguous_verifiers_refused(log_signer: Signer) -> None:
    note = sign_note("hello\n", [log_signer])
    with pytest.raises(NoteError, match="two verifiers"):
        open_note(note, [log_signer.verifier(), log_signer.verifier()])


# --- checkpoints -----------------------------------------------------------------------------


def test_checkpoint_body_and_parse() -> None:
    cp = Checkpoint(origin=LOG_NAME, size=42, root_hash=ROOT)
    assert cp.body() == f"{LOG_NAME}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.parse(cp.body()) == cp
    ext = Checkpoint(origin=LOG_NAME, size=0, root_hash=EMPTY_ROOT, extensions=("x y", "z"))
    assert ext.extensions == ("x y", "z")
    assert ext.body() == (f"{LOG_NAME}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx y\nz\n")
    assert Checkpoint.parse(ext.body()) == ext


def test_checkpoint_of_merkle_root_signed_and_opened(log_signer: Signer) -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(11)]
    cp = Checkpoint(origin=LOG_NAME, size=11, root_hash=root_from_leaf_hashes(hashes))
    note = cp.sign([log_signer])
    opened = open_note(note, [log_signer.verifier()])
    assert Checkpoint.parse(opened.text) == cp


ROOT64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    "body",
    [
        f"{LOG_NAME}\n42\n{ROOT64}",  # no final newline
        f"{LOG_NAME}\n42\n",  # no root line
        f"\n42\n{ROOT64}\n",  # empty origin
        f"{LOG_NAME}\n042\n{ROOT64}\n",  # leading zero
        f"{LOG_NAME}\n-1\n{ROOT64}\n",
        f"{LOG_NAME}\n+1\n{ROOT64}\n",
        f"{LOG_NAME}\n 42\n{ROOT64}\n",
        f"{LOG_NAME}\n\u0664\u0662\n{ROOT64}\n",  # non-ASCII digits
        f"{LOG_NAME}\n{2**64}\n{ROOT64}\n",  # beyond uint64
        f"{LOG_NAME}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n",  # 31-byte root
        f"{LOG_NAME}\n42\n{ROOT64.rstrip('=')}\n",  # missing padding
        f"{LOG_NAME}\n42\n{ROOT64}\n\n",  # empty extension line
        f"{LOG_NAME}\n42\n{ROOT64}\next\n\n",
    ],
)
def test_bad_checkpoints_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


def test_checkpoint_constructor_checks() -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(origin="", size=1, root_hash=ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint(origin="a\nb", size=1, root_hash=ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint(origin="o", size=-1, root_hash=ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint(origin="o", size=True, root_hash=ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint(origin="o", size=1, root_hash=ROOT[:16])
    with pytest.raises(CheckpointError):
        Checkpoint(origin="o", size=1, root_hash=ROOT, extensions=("",))


# --- cosignatures -------------------------------------------------------------------------------


def test_cosignature_line_matches_spec_construction(checkpoint_body: str) -> None:
    sk = SigningKey(_seed("witness"))
    pk = bytes(sk.verify_key)
    name = "witness.example/w1"
    line = cosign(checkpoint_body, name=name, signing_key=sk, timestamp=TS)
    # Independent construction from c2sp.org/tlog-cosignature.
    message = f"cosignature/v1\ntime {TS}\n".encode() + checkpoint_body.encode()
    assert cosignature_message(checkpoint_body, TS) == message
    raw = _spec_key_id(name, 0x04, pk) + TS.to_bytes(8, "big") + sk.sign(message).signature
    assert line == f"{EM_DASH} {name} {base64.b64encode(raw).decode()}\n"
    assert len(raw) == 4 + 8 + 64


def test_cosignature_round_trip(log_signer: Signer, checkpoint_body: str) -> None:
    note = sign_note(checkpoint_body, [log_signer])
    w1 = SigningKey(_seed("w1"))
    w2 = SigningKey(_seed("w2"))
    lines = [
        cosign(checkpoint_body, name="w1.example", signing_key=w1, timestamp=TS),
        cosign(checkpoint_body, name="w2.example", signing_key=bytes(w2), timestamp=TS + 5),
    ]
    cosigned = add_signatures(note, lines)
    assert cosigned == note + "".join(lines)
    assert verify_cosignature(cosigned, name="w1.example", public_key=w1.verify_key) == TS
    assert verify_cosignature(cosigned, name="w2.example", public_key=bytes(w2.verify_key)) == (
        TS + 5
    )
    # The log's own verifier ignores the cosignatures; a cosignature verifier ignores the log.
    opened = open_note(cosigned, [log_signer.verifier()])
    assert [s.name for s in opened.unverified] == ["w1.example", "w2.example"]
    both = open_note(
        cosigned, [log_signer.verifier(), CosignatureVerifier("w1.example", w1.verify_key)]
    )
    assert [s.name for s in both.signatures] == [LOG_NAME, "w1.example"]


def test_cosignature_tamper_refused(log_signer: Signer, checkpoint_body: str) -> None:
    w = SigningKey(_seed("w"))
    line = cosign(checkpoint_body, name="w.example", signing_key=w, timestamp=TS)
    note = add_signatures(sign_note(checkpoint_body, [log_signer]), [line])
    # Altered checkpoint (tree size) in the body.
    tampered = note.replace("\n42\n", "\n43\n", 1)
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignature(tampered, name="w.example", public_key=w.verify_key)
    # Altered timestamp inside the signature line.
    sig = Signature.parse_line(line)
    moved = Signature(sig.name, sig.key_id, (TS + 1).to_bytes(8, "big") + sig.signature[8:])
    note2 = add_signatures(sign_note(checkpoint_body, [log_signer]), [moved.line()])
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignature(note2, name="w.example", public_key=w.verify_key)
    # Wrong key, or the right key asked for under another name: no known signature.
    with pytest.raises(NoteError, match="not signed by any known key"):
        verify_cosignature(note, name="w.example", public_key=SigningKey(_seed("x")).verify_key)
    with pytest.raises(NoteError, match="not signed by any known key"):
        verify_cosignature(note, name="other.example", public_key=w.verify_key)


def test_cosignature_and_plain_signature_not_interchangeable(checkpoint_body: str) -> None:
    sk = SigningKey(_seed("dual"))
    plain = sign_note(checkpoint_body, [Signer("dual.example", sk)])
    with pytest.raises(NoteError, match="not signed by any known key"):
        verify_cosignature(plain, name="dual.example", public_key=sk.verify_key)
    cos = sign_note(checkpoint_body, [CosignatureSigner("dual.example", sk, timestamp=TS)])
    with pytest.raises(NoteError, match="not signed by any known key"):
        open_note(cos, [Verifier("dual.example", sk.verify_key)])
    assert verify_cosignature(cos, name="dual.example", public_key=sk.verify_key) == TS


def test_cosignature_requires_checkpoint_and_valid_timestamp(checkpoint_body: str) -> None:
    sk = SigningKey(_seed("w"))
    with pytest.raises(CheckpointError):
        cosign("not a checkpoint\n", name="w", signing_key=sk, timestamp=TS)
    with pytest.raises(NoteError, match="timestamp"):
        cosign(checkpoint_body, name="w", signing_key=sk, timestamp=-1)
    with pytest.raises(NoteError, match="timestamp"):
        cosign(checkpoint_body, name="w", signing_key=sk, timestamp=2**63)
    assert cosign(checkpoint_body, name="w", signing_key=sk, timestamp=2**63 - 1)
    # A cosignature over a note whose text is not a checkpoint is refused by the verifier.
    note = sign_note("plain text\nnot\na checkpoint\n", [CosignatureSigner("w", sk, timestamp=1)])
    with pytest.raises(CheckpointError):
        verify_cosignature(note, name="w", public_key=sk.verify_key)


def test_cosignature_timestamp_above_int63_refused(checkpoint_body: str) -> None:
    sk = SigningKey(_seed("w"))
    big = 2**63
    message = f"cosignature/v1\ntime {big}\n".encode() + checkpoint_body.encode()
    v = CosignatureVerifier("w", sk.verify_key)
    forged = Signature("w", v.key_id, big.to_bytes(8, "big") + sk.sign(message).signature)
    note = checkpoint_body + "\n" + forged.line()
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignature(note, name="w", public_key=sk.verify_key)


def test_add_signatures_rules(log_signer: Signer, checkpoint_body: str) -> None:
    note = sign_note(checkpoint_body, [log_signer])
    w = SigningKey(_seed("w"))
    line = cosign(checkpoint_body, name="w.example", signing_key=w, timestamp=TS)
    once = add_signatures(note, [line])
    assert add_signatures(once, [line]) == once  # idempotent
    assert add_signatures(note, [line.rstrip("\n")]) == once  # newline optional
    later = cosign(checkpoint_body, name="w.example", signing_key=w, timestamp=TS + 60)
    with pytest.raises(NoteError, match="already has a different signature"):
        add_signatures(once, [later])
    with pytest.raises(NoteError):
        add_signatures(note, ["- w.example AAAAAAAA\n"])
    with pytest.raises(NoteError):
        add_signatures(checkpoint_body, [line])  # not a signed note
    assert add_signatures(note, []) == note
