"""C2SP signed notes, transparency-log checkpoints and Ed25519 witness cosignatures.

Implements, with Ed25519 via PyNaCl:

* c2sp.org/signed-note: a UTF-8 text ending in a newline, a blank line, then one or more
  lines ``"— <key name> <base64(4-byte key ID || signature)>\\n"`` (U+2014 EM DASH, space).
  Signature type 0x01 signs the note text itself (including its final newline, excluding
  the blank separator line and the signature lines).
* c2sp.org/tlog-checkpoint: the note text is ``origin\\nsize\\nbase64(root hash)\\n`` followed
  by optional non-empty extension lines.
* c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1`` (signature type 0x04): the signed
  message is ``"cosignature/v1\\ntime <T>\\n" + checkpoint text`` and the signature line value
  is base64(key ID || uint64 big-endian T || 64-byte Ed25519 signature).

Invariants:

* Key ID = SHA-256(key name || 0x0A || signature type byte || 32-byte public key)[:4]; the
  tuple (key name, key ID) identifies a key.  Verifier keys ("vkeys") are written
  ``<name>+<8 hex digits of key ID>+<base64(type byte || public key)>`` and a vkey whose key
  ID does not match its key is refused.
* Notes are valid UTF-8 with no ASCII control character other than newline; the text is
  separated from the signatures by the *last* blank line; key names are non-empty and
  contain neither Unicode spaces nor "+".  Anything else is a :class:`NoteError`.
* Base64 is the RFC 4648 standard alphabet with padding, decoded strictly: non-alphabet
  characters, missing padding and non-canonical encodings are refused.
* :func:`open_note` ignores signatures whose (name, key ID) matches no known key, verifies
  every signature line whose (name, key ID) does match (a failure rejects the whole note),
  and refuses a note that no known key signed.  At most :data:`MAX_SIGNATURES` lines are read.
* Every error raised here is a :class:`NoteError` (a ``ValueError``) with a message that
  says what was wrong; checkpoint syntax errors are the subclass :class:`CheckpointError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from nacl.exceptions import CryptoError
from nacl.signing import SigningKey, VerifyKey

__all__ = [
    "COSIGNATURE_V1_HEADER",
    "MAX_SIGNATURES",
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "CheckpointError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Note",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "Signature",
    "Signer",
    "Verifier",
    "add_signatures",
    "cosign",
    "cosignature_message",
    "key_id",
    "open_note",
    "parse_vkey",
    "sign_note",
    "split_note",
    "verify_cosignature",
]

SIG_TYPE_ED25519 = 0x01
SIG_TYPE_COSIGNATURE_V1 = 0x04
COSIGNATURE_V1_HEADER = "cosignature/v1"
MAX_SIGNATURES = 100
"""Signature lines read per note (the spec requires at least 16; Go's note package uses 100)."""

KEY_ID_SIZE = 4
PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
TIMESTAMP_SIZE = 8
MAX_TIMESTAMP = 2**63 - 1
MAX_TREE_SIZE = 2**64 - 1
ROOT_HASH_SIZE = 32

_SIG_PREFIX = "\u2014 "  # EM DASH, SPACE
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TREE_SIZE = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}\Z")


class NoteError(ValueError):
    """A note, signature line, key or checkpoint is malformed, or a signature is bad."""


class CheckpointError(NoteError):
    """A checkpoint body is not in c2sp.org/tlog-checkpoint form."""


# --------------------------------------------------------------------------------------------
# Encoding helpers


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64: alphabet, padding and canonical trailing bits are enforced."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if _b64encode(raw) != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise NoteError(f"key name must be a str, got {type(name).__name__}")
    if not name:
        raise NoteError("key name is empty")
    if "+" in name:
        raise NoteError(f"key name {name!r} contains '+'")
    if any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} contains a space")
    if _CONTROL.search(name):
        raise NoteError(f"key name {name!r} contains a control character")
    return name


def _check_text_chars(text: str, what: str) -> bytes:
    """Encode ``text`` as UTF-8, refusing unencodable text and ASCII control characters."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError(f"{what} is not valid UTF-8 text") from exc
    m = _CONTROL.search(text)
    if m:
        raise NoteError(f"{what} contains control character U+{ord(m.group()):04X}")
    return raw


def _check_note_text(text: object) -> bytes:
    if not isinstance(text, str):
        raise NoteError(f"note text must be a str, got {type(text).__name__}")
    if not text.endswith("\n"):
        raise NoteError("note text must be non-empty and end with a newline")
    return _check_text_chars(text, "note text")


def _as_text(note: str | bytes) -> str:
    if isinstance(note, bytes | bytearray | memoryview):
        try:
            return bytes(note).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not valid UTF-8") from exc
    if isinstance(note, str):
        return note
    raise NoteError(f"note must be str or bytes, got {type(note).__name__}")


def _raw_public_key(public_key: VerifyKey | bytes) -> bytes:
    if isinstance(public_key, VerifyKey):
        return bytes(public_key)
    if isinstance(public_key, bytes | bytearray) and len(public_key) == PUBLIC_KEY_SIZE:
        return bytes(public_key)
    raise NoteError(f"public key must be a VerifyKey or {PUBLIC_KEY_SIZE} raw bytes")


def _signing_key(signing_key: SigningKey | bytes) -> SigningKey:
    if isinstance(signing_key, SigningKey):
        return signing_key
    if isinstance(signing_key, bytes | bytearray) and len(signing_key) == SEED_SIZE:
        return SigningKey(bytes(signing_key))
    raise NoteError(f"signing key must be a SigningKey or a {SEED_SIZE}-byte seed")


def _check_timestamp(timestamp: object) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise NoteError(f"timestamp must be an int, got {type(timestamp).__name__}")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"timestamp {timestamp} is outside 0..2^63-1")
    return timestamp


def key_id(name: str, public_key: bytes, *, sig_type: int = SIG_TYPE_ED25519) -> bytes:
    """SHA-256(name || 0x0A || sig_type || public_key)[:4], the C2SP recommended key ID."""
    _check_name(name)
    if not 0 <= sig_type <= 0xFF:
        raise NoteError(f"signature type {sig_type} is not a byte")
    material = name.encode("utf-8") + b"\n" + bytes([sig_type]) + bytes(public_key)
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


def _vkey(name: str, kid: bytes, sig_type: int, public_key: bytes) -> str:
    return f"{name}+{kid.hex()}+{_b64encode(bytes([sig_type]) + public_key)}"


# --------------------------------------------------------------------------------------------
# Signers and verifiers


@runtime_checkable
class NoteSigner(Protocol):
    """Anything that can add a signature line to a note."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes:
        """The signature bytes that follow the key ID in the signature line."""
        ...


@runtime_checkable
class NoteVerifier(Protocol):
    """Anything that can check a signature line of a note."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` (the bytes after the key ID) is valid for ``message``."""
        ...


class _NamedKey:
    """A note key's identity: its name, key ID and raw Ed25519 public key."""

    _name: str
    _key_id: bytes
    _public_key: bytes

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key


class _Ed25519Verifier(_NamedKey):
    """Shared code of the two Ed25519 verifiers; subclasses fix the signature type."""

    sig_type: int

    def __init__(self, name: str, public_key: VerifyKey | bytes) -> None:
        self._name = _check_name(name)
        self._public_key = _raw_public_key(public_key)
        self._verify_key = VerifyKey(self._public_key)
        self._key_id = key_id(name, self._public_key, sig_type=self.sig_type)

    @property
    def vkey(self) -> str:
        """``<name>+<key ID hex>+<base64(type || public key)>``."""
        return _vkey(self._name, self._key_id, self.sig_type, self._public_key)

    def _prepare(self, message: bytes, signature: bytes) -> tuple[bytes, bytes] | None:
        """(signed bytes, Ed25519 signature) for a signature line, or None if malformed."""
        raise NotImplementedError

    def verify(self, message: bytes, signature: bytes) -> bool:
        prepared = self._prepare(bytes(message), bytes(signature))
        if prepared is None:
            return False
        signed, sig = prepared
        try:
            self._verify_key.verify(signed, sig)
        except (CryptoError, ValueError, TypeError):
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey!r})"


class Verifier(_Ed25519Verifier):
    """Ed25519 note verifier (signature type 0x01): the signature is over the note text."""

    sig_type = SIG_TYPE_ED25519

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        v = parse_vkey(vkey)
        if not isinstance(v, Verifier):
            raise NoteError(f"vkey is not of signature type 0x{SIG_TYPE_ED25519:02x}")
        return v

    def _prepare(self, message: bytes, signature: bytes) -> tuple[bytes, bytes] | None:
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return None
        return message, signature


class CosignatureVerifier(_Ed25519Verifier):
    """Ed25519 ``cosignature/v1`` verifier (signature type 0x04) for witness cosignatures.

    ``message`` is the checkpoint text; ``signature`` is uint64 timestamp || Ed25519 signature.
    """

    sig_type = SIG_TYPE_COSIGNATURE_V1

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        v = parse_vkey(vkey)
        if not isinstance(v, CosignatureVerifier):
            raise NoteError(f"vkey is not of signature type 0x{SIG_TYPE_COSIGNATURE_V1:02x}")
        return v

    def _prepare(self, message: bytes, signature: bytes) -> tuple[bytes, bytes] | None:
        if len(signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
            return None
        timestamp = int.from_bytes(signature[:TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        return _cosignature_message_bytes(message, timestamp), signature[TIMESTAMP_SIZE:]


class _Ed25519Signer(_NamedKey):
    """Shared code of the two Ed25519 signers; subclasses fix the signature type."""

    sig_type: int

    def __init__(self, name: str, signing_key: SigningKey | bytes) -> None:
        self._name = _check_name(name)
        self._signing_key = _signing_key(signing_key)
        self._public_key = bytes(self._signing_key.verify_key)
        self._key_id = key_id(name, self._public_key, sig_type=self.sig_type)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, key_id={self._key_id.hex()})"


class Signer(_Ed25519Signer):
    """Ed25519 note signer (signature type 0x01)."""

    sig_type = SIG_TYPE_ED25519

    def sign(self, message: bytes) -> bytes:
        return self._signing_key.sign(bytes(message)).signature

    def verifier(self) -> Verifier:
        return Verifier(self._name, self._public_key)


class CosignatureSigner(_Ed25519Signer):
    """Ed25519 ``cosignature/v1`` signer (signature type 0x04).

    ``timestamp`` fixes the cosignature time (POSIX seconds); ``None`` uses the current time
    at each :meth:`sign` call.
    """

    sig_type = SIG_TYPE_COSIGNATURE_V1

    def __init__(
        self, name: str, signing_key: SigningKey | bytes, *, timestamp: int | None = None
    ) -> None:
        super().__init__(name, signing_key)
        self._timestamp = None if timestamp is None else _check_timestamp(timestamp)

    def sign(self, message: bytes) -> bytes:
        ts = int(time.time()) if self._timestamp is None else self._timestamp
        signed = _cosignature_message_bytes(bytes(message), ts)
        return ts.to_bytes(TIMESTAMP_SIZE, "big") + self._signing_key.sign(signed).signature

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._public_key)


def parse_vkey(vkey: str) -> Verifier | CosignatureVerifier:
    """Parse ``<name>+<hex key ID>+<base64(type || key)>`` into a :class:`Verifier`.

    Type 0x01 gives a :class:`Verifier`, type 0x04 a :class:`CosignatureVerifier`.  The key ID
    in the text must equal the one computed from the name and key.
    """
    if not isinstance(vkey, str):
        raise NoteError(f"vkey must be a str, got {type(vkey).__name__}")
    parts = vkey.split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3:
        raise NoteError("vkey must have the form <name>+<key id>+<base64 key>")
    name, kid_hex, key64 = parts
    _check_name(name)
    if not _KEY_ID_HEX.match(kid_hex):
        raise NoteError("vkey key ID must be 8 hex digits")
    material = _b64decode(key64, "vkey key")
    if len(material) != 1 + PUBLIC_KEY_SIZE:
        raise NoteError(f"vkey key must be a type byte and {PUBLIC_KEY_SIZE} bytes")
    sig_type, public_key = material[0], material[1:]
    cls: type[Verifier] | type[CosignatureVerifier]
    if sig_type == SIG_TYPE_ED25519:
        cls = Verifier
    elif sig_type == SIG_TYPE_COSIGNATURE_V1:
        cls = CosignatureVerifier
    else:
        raise NoteError(f"vkey has unsupported signature type 0x{sig_type:02x}")
    verifier = cls(name, public_key)
    if verifier.key_id != bytes.fromhex(kid_hex):
        raise NoteError("vkey key ID does not match its name and key")
    return verifier


# --------------------------------------------------------------------------------------------
# Notes


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, 4-byte key ID, and the signature bytes after the ID."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise NoteError(f"key ID must be {KEY_ID_SIZE} bytes")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise NoteError("signature must be non-empty bytes")

    def line(self) -> str:
        """The signature line, including its final newline."""
        return f"{_SIG_PREFIX}{self.name} {_b64encode(self.key_id + self.signature)}\n"

    @classmethod
    def parse_line(cls, line: str) -> Signature:
        """Parse one signature line (with or without its final newline)."""
        if not isinstance(line, str):
            raise NoteError(f"signature line must be a str, got {type(line).__name__}")
        body = line[:-1] if line.endswith("\n") else line
        if "\n" in body or _CONTROL.search(body):
            raise NoteError("signature line contains a newline or control character")
        if not body.startswith(_SIG_PREFIX):
            raise NoteError("signature line does not start with an em dash and a space")
        name, sep, sig64 = body[len(_SIG_PREFIX) :].partition(" ")
        if not sep:
            raise NoteError("signature line has no space between key name and signature")
        _check_name(name)
        raw = _b64decode(sig64, f"signature by {name!r}")
        if len(raw) <= KEY_ID_SIZE:
            raise NoteError(f"signature by {name!r} is too short")
        return cls(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True)
class Note:
    """An opened note: its text, the signatures verified by known keys, and the others."""

    text: str
    signatures: tuple[Signature, ...]
    unverified: tuple[Signature, ...] = field(default=())


def split_note(note: str | bytes) -> tuple[str, tuple[Signature, ...]]:
    """Syntax-check a signed note and split it into (text, signatures); verifies nothing."""
    msg = _as_text(note)
    _check_text_chars(msg, "note")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    if not block:
        raise NoteError("note has no signature lines")
    if not block.endswith("\n"):
        raise NoteError("note does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signature lines")
    return text, tuple(Signature.parse_line(line) for line in lines)


def sign_note(body: str, signers: Iterable[NoteSigner]) -> str:
    """Sign ``body`` (the note text, ending in a newline) with each signer, in order."""
    message = _check_note_text(body)
    lines: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for signer in signers:
        ident = (_check_name(signer.name), bytes(signer.key_id))
        if len(ident[1]) != KEY_ID_SIZE:
            raise NoteError(f"signer {signer.name!r} has a key ID that is not {KEY_ID_SIZE} bytes")
        if ident in seen:
            raise NoteError(f"signer {signer.name!r} ({ident[1].hex()}) given twice")
        seen.add(ident)
        lines.append(Signature(ident[0], ident[1], bytes(signer.sign(message))).line())
    if not lines:
        raise NoteError("a note needs at least one signer")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return body + "\n" + "".join(lines)


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> Note:
    """Parse a signed note and verify it against the known keys ``verifiers``.

    Signatures whose (name, key ID) matches no verifier are ignored (returned as
    ``unverified``).  Raises :class:`NoteError` if the note is malformed, if any signature
    from a known key fails to verify, or if no known key signed the note.
    """
    text, sigs = split_note(note)
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for v in verifiers:
        ident = (v.name, bytes(v.key_id))
        if ident in known:
            raise NoteError(f"two verifiers share key name {v.name!r} and ID {ident[1].hex()}")
        known[ident] = v
    message = text.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for sig in sigs:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not verifier.verify(message, sig.signature):
            raise NoteError(
                f"signature by known key {sig.name!r} ({sig.key_id.hex()}) does not verify"
            )
        if sig not in verified:
            verified.append(sig)
    if not verified:
        raise NoteError("note is not signed by any known key")
    return Note(text=text, signatures=tuple(verified), unverified=tuple(unverified))


def add_signatures(note_text: str | bytes, new_signature_lines: Iterable[str]) -> str:
    """Append signature lines to a signed note (e.g. witness cosignatures).

    Nothing is verified here.  A line identical to one already present is skipped; a line
    with the same (name, key ID) as an existing but different signature is refused, so an
    existing signature is never silently replaced.
    """
    text, existing = split_note(note_text)
    sigs = list(existing)
    for line in new_signature_lines:
        sig = Signature.parse_line(line)
        if sig in sigs:
            continue
        if any((s.name, s.key_id) == (sig.name, sig.key_id) for s in sigs):
            raise NoteError(
                f"note already has a different signature by {sig.name!r} ({sig.key_id.hex()})"
            )
        sigs.append(sig)
    if len(sigs) > MAX_SIGNATURES:
        raise NoteError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(s.line() for s in sigs)


# --------------------------------------------------------------------------------------------
# Checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A c2sp.org/tlog-checkpoint note body: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise CheckpointError("checkpoint origin must be a non-empty str")
        if "\n" in self.origin or _CONTROL.search(self.origin):
            raise CheckpointError("checkpoint origin contains a newline or control character")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise CheckpointError("checkpoint size must be an int")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"checkpoint size {self.size} is outside 0..2^64-1")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {ROOT_HASH_SIZE} bytes")
        extensions = tuple(self.extensions)
        for ext in extensions:
            if not isinstance(ext, str) or not ext:
                raise CheckpointError("checkpoint extension lines must be non-empty str")
            if "\n" in ext or _CONTROL.search(ext):
                raise CheckpointError("checkpoint extension contains a newline or control char")
        object.__setattr__(self, "extensions", extensions)
        try:
            self.body().encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CheckpointError("checkpoint is not valid UTF-8 text") from exc

    def body(self) -> str:
        """The note text: origin, size, base64 root hash, extension lines, each + newline."""
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint note text (not the signatures) strictly."""
        if not isinstance(body, str):
            raise CheckpointError(f"checkpoint body must be a str, got {type(body).__name__}")
        if not body.endswith("\n"):
            raise CheckpointError("checkpoint body must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint body needs origin, size and root hash lines")
        origin, size_text, root64, *extensions = lines
        if not origin:
            raise CheckpointError("checkpoint origin line is empty")
        if not _TREE_SIZE.match(size_text):
            raise CheckpointError(f"checkpoint size {size_text!r} is not a canonical decimal")
        try:
            root = _b64decode(root64, "checkpoint root hash")
        except NoteError as exc:
            raise CheckpointError(str(exc)) from exc
        if any(not ext for ext in extensions):
            raise CheckpointError("checkpoint extension lines must be non-empty")
        return cls(origin=origin, size=int(size_text), root_hash=root, extensions=tuple(extensions))

    def sign(self, signers: Iterable[NoteSigner]) -> str:
        """The signed note for this checkpoint."""
        return sign_note(self.body(), signers)


# --------------------------------------------------------------------------------------------
# Cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1)


def _cosignature_message_bytes(checkpoint_body: bytes, timestamp: int) -> bytes:
    return f"{COSIGNATURE_V1_HEADER}\ntime {timestamp}\n".encode("ascii") + checkpoint_body


def cosignature_message(checkpoint_body: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 cosigner signs: header line, time line, checkpoint text."""
    Checkpoint.parse(checkpoint_body)
    _check_timestamp(timestamp)
    return _cosignature_message_bytes(checkpoint_body.encode("utf-8"), timestamp)


def cosign(
    checkpoint_body: str, *, name: str, signing_key: SigningKey | bytes, timestamp: int
) -> str:
    """A ``cosignature/v1`` signature line (with final newline) over a checkpoint text."""
    Checkpoint.parse(checkpoint_body)
    signer = CosignatureSigner(name, signing_key, timestamp=timestamp)
    sig = signer.sign(checkpoint_body.encode("utf-8"))
    return Signature(signer.name, signer.key_id, sig).line()


def verify_cosignature(note_text: str | bytes, *, name: str, public_key: VerifyKey | bytes) -> int:
    """Verify the cosignature by (``name``, ``public_key``) on a checkpoint note.

    Returns its timestamp (POSIX seconds).  Raises :class:`NoteError` if the note is
    malformed, its text is not a checkpoint, the cosigner did not sign it, or any line by
    this cosigner does not verify.  Other signatures are ignored (not verified).  If the
    cosigner signed more than once (all lines valid), the first line's timestamp is returned.
    """
    verifier = CosignatureVerifier(name, public_key)
    try:
        note = open_note(note_text, [verifier])
    except NoteError as exc:
        raise NoteError(f"cosignature by {name!r}: {exc}") from exc
    Checkpoint.parse(note.text)
    return int.from_bytes(note.signatures[0].signature[:TIMESTAMP_SIZE], "big")
