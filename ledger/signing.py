"""Ed25519 signatures for officer-signed commands (PyNaCl / libsodium).

Why Ed25519: deterministic signatures (no per-signature randomness to get wrong), small keys
and signatures, and fast verification, which matters because an audit re-verifies every
event in the ledger.

Invariants:

* Keys are handled as raw 32-byte values; :func:`key_id` is the first 16 hex characters of
  SHA-256 over the raw public key, so the id is reproducible with nothing but ``hashlib``.
* :func:`verify` is a predicate: it returns ``False`` for a bad signature *and* for any
  malformed input (wrong lengths, non-bytes, invalid curve point).  An auditor walking the
  ledger must be able to record "signature invalid" as a finding, never crash on it.
* Base64 is the standard alphabet with padding, decoded strictly: characters outside the
  alphabet, missing padding, embedded whitespace and non-canonical encodings (non-zero
  trailing bits) are refused, so one byte string has exactly one textual form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

__all__ = [
    "PUBLIC_KEY_BYTES",
    "SIGNATURE_BYTES",
    "KeyFormatError",
    "decode_b64",
    "encode_b64",
    "key_id",
    "public_key_from_private",
    "public_key_from_text",
    "sign",
    "verify",
]

PUBLIC_KEY_BYTES = 32
PRIVATE_KEY_BYTES = 32
SIGNATURE_BYTES = 64

_HEX64 = re.compile(r"[0-9A-Fa-f]{64}\Z")


class KeyFormatError(ValueError):
    """A key (text or bytes) is not in a recognised Ed25519 form."""


def key_id(public_key: bytes) -> str:
    """First 16 hex chars of SHA-256(raw 32-byte public key)."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_BYTES:
        raise KeyFormatError(f"public key must be {PUBLIC_KEY_BYTES} raw bytes")
    return hashlib.sha256(public_key).hexdigest()[:16]


def _signing_key(private_key_raw32: bytes) -> SigningKey:
    if not isinstance(private_key_raw32, bytes) or len(private_key_raw32) != PRIVATE_KEY_BYTES:
        raise KeyFormatError(f"private key must be {PRIVATE_KEY_BYTES} raw bytes (seed)")
    return SigningKey(private_key_raw32)


def public_key_from_private(private_key_raw32: bytes) -> bytes:
    """Raw 32-byte public key for a raw 32-byte private key (seed)."""
    return bytes(_signing_key(private_key_raw32).verify_key)


def sign(private_key_raw32: bytes, message: bytes) -> bytes:
    """Detached 64-byte Ed25519 signature of ``message``."""
    return _signing_key(private_key_raw32).sign(message).signature


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True iff ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``.

    Never raises: garbage of any kind yields ``False``.
    """
    if not (
        isinstance(public_key, bytes)
        and isinstance(message, bytes)
        and isinstance(signature, bytes)
        and len(public_key) == PUBLIC_KEY_BYTES
        and len(signature) == SIGNATURE_BYTES
    ):
        return False
    try:
        VerifyKey(public_key).verify(message, signature)
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def encode_b64(b: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(b).decode("ascii")


def decode_b64(s: str) -> bytes:
    """Strictly decode standard padded base64; raise ``ValueError`` on anything else."""
    if not isinstance(s, str):
        raise ValueError(f"base64: expected str, got {type(s).__name__}")
    if not s.isascii():
        raise ValueError("base64: text contains non-ASCII characters")
    try:
        data = base64.b64decode(s, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"base64: invalid text ({exc})") from None
    if base64.b64encode(data).decode("ascii") != s:
        raise ValueError("base64: non-canonical encoding (padding or trailing bits)")
    return data


def public_key_from_text(s: str) -> bytes:
    """Parse an Ed25519 public key: raw base64 (44 chars), raw hex (64 chars) or PEM SPKI.

    Returns the 32 raw bytes; raises :class:`KeyFormatError` otherwise.
    """
    if not isinstance(s, str):
        raise KeyFormatError(f"public key text: expected str, got {type(s).__name__}")
    text = s.strip()
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        try:
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise KeyFormatError(f"public key PEM could not be parsed: {exc}") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise KeyFormatError(
                f"public key PEM holds a {type(loaded).__name__}, not an Ed25519 key"
            )
        return loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if _HEX64.match(text):
        return bytes.fromhex(text)
    if len(text) == 44:
        try:
            raw = decode_b64(text)
        except ValueError as exc:
            raise KeyFormatError(f"public key base64 is invalid: {exc}") from None
        if len(raw) == PUBLIC_KEY_BYTES:
            return raw
    raise KeyFormatError(
        "public key must be base64 (44 chars), hex (64 chars) of the raw 32-byte Ed25519 key, "
        "or a PEM '-----BEGIN PUBLIC KEY-----' block"
    )
