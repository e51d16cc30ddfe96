"""Tests for ledger.signing: Ed25519 sign/verify, key ids, strict base64, key text parsing."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.signing import (
    KeyFormatError,
    decode_b64,
    encode_b64,
    key_id,
    public_key_from_private,
    public_key_from_text,
    sign,
    verify,
)

# RFC 8032 §7.1, TEST 1 (empty message).
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
    "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
SEED = bytes(range(32))
MESSAGE = b'{"amount":500000,"kind":"dues.paid"}'


def test_rfc8032_vector() -> None:
    assert public_key_from_private(RFC_SECRET) == RFC_PUBLIC
    assert sign(RFC_SECRET, b"") == RFC_SIGNATURE
    assert verify(RFC_PUBLIC, b"", RFC_SIGNATURE) is True


def test_sign_verify_round_trip() -> None:
    public = public_key_from_private(SEED)
    signature = sign(SEED, MESSAGE)
    assert len(signature) == 64
    assert verify(public, MESSAGE, signature) is True
    assert sign(SEED, MESSAGE) == signature  # Ed25519 is deterministic


@pytest.mark.parametrize("index", [0, 17, -1])
def test_one_byte_change_in_message_fails(index: int) -> None:
    public = public_key_from_private(SEED)
    signature = sign(SEED, MESSAGE)
    changed = bytearray(MESSAGE)
    changed[index] ^= 0x01
    assert verify(public, bytes(changed), signature) is False


@pytest.mark.parametrize("index", [0, 31, 32, 63])
def test_one_byte_change_in_signature_fails(index: int) -> None:
    public = public_key_from_private(SEED)
    signature = bytearray(sign(SEED, MESSAGE))
    signature[index] ^= 0x01
    assert verify(public, MESSAGE, bytes(signature)) is False


def test_wrong_public_key_fails() -> None:
    signature = sign(SEED, MESSAGE)
    assert verify(RFC_PUBLIC, MESSAGE, signature) is False


@pytest.mark.parametrize(
    ("public", "message", "signature"),
    [
        (b"", MESSAGE, b"\x00" * 64),
        (b"\x00" * 31, MESSAGE, b"\x00" * 64),
        (b"\xff" * 32, MESSAGE, b"\xff" * 64),
        (RFC_PUBLIC, MESSAGE, b"short"),
        (RFC_PUBLIC, MESSAGE, b"\x00" * 65),
        ("not bytes", MESSAGE, b"\x00" * 64),
        (RFC_PUBLIC, "not bytes", RFC_SIGNATURE),
        (RFC_PUBLIC, b"", None),
    ],
)
def test_verify_garbage_returns_false(public: object, message: object, signature: object) -> None:
    assert verify(public, message, signature) is False  # type: ignore[arg-type]


def test_key_id_matches_independent_hashlib() -> None:
    public = public_key_from_private(SEED)
    expected = hashlib.sha256(public).hexdigest()[:16]
    assert key_id(public) == expected
    assert key_id(public) == key_id(bytes(public))
    assert len(key_id(public)) == 16
    assert key_id(RFC_PUBLIC) == hashlib.sha256(RFC_PUBLIC).hexdigest()[:16]
    assert key_id(RFC_PUBLIC) != key_id(public)


def test_key_id_rejects_wrong_length() -> None:
    with pytest.raises(KeyFormatError, match="32 raw bytes"):
        key_id(b"\x00" * 31)


def test_sign_rejects_wrong_private_length() -> None:
    with pytest.raises(KeyFormatError, match="32 raw bytes"):
        sign(b"\x00" * 64, MESSAGE)


def test_b64_round_trip_and_standard_alphabet() -> None:
    data = bytes([0xFB, 0xFF, 0xBF, 0x00])
    text = encode_b64(data)
    assert text == "+/+/AA=="
    assert decode_b64(text) == data


@pytest.mark.parametrize(
    "bad",
    ["AA", "A===", "-_-_AA==", "AA==\n", " AAAA", "AB==", "héllo=="],
)
def test_b64_strict_decode_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="base64"):
        decode_b64(bad)


def test_b64_decode_refuses_non_str() -> None:
    with pytest.raises(ValueError, match="expected str"):
        decode_b64(b"AAAA")  # type: ignore[arg-type]


def test_public_key_from_text_base64() -> None:
    text = base64.b64encode(RFC_PUBLIC).decode()
    assert len(text) == 44
    assert public_key_from_text(text) == RFC_PUBLIC
    assert public_key_from_text(f"  {text}\n") == RFC_PUBLIC


def test_public_key_from_text_hex() -> None:
    assert public_key_from_text(RFC_PUBLIC.hex()) == RFC_PUBLIC
    assert public_key_from_text(RFC_PUBLIC.hex().upper()) == RFC_PUBLIC


def test_public_key_from_text_pem() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    text = pem.decode()
    assert text.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key_from_text(text) == RFC_PUBLIC


def test_public_key_from_text_refuses_non_ed25519_pem() -> None:
    pem = (
        generate_private_key(SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(KeyFormatError, match="not an Ed25519 key"):
        public_key_from_text(pem)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "zz" * 32,
        RFC_PUBLIC.hex()[:-2],
        base64.b64encode(RFC_PUBLIC[:31]).decode(),
        base64.b64encode(RFC_PUBLIC + b"\x00").decode(),
        "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----",
    ],
)
def test_public_key_from_text_refuses_garbage(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_text(bad)


def test_key_format_error_is_value_error() -> None:
    assert issubclass(KeyFormatError, ValueError)
