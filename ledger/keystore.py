"""Local keystore for officers' Ed25519 private keys.

Layout (one directory, mode ``0o700``)::

    <name>.pem   Ed25519 private key, *encrypted* PKCS#8 PEM, mode 0o600
    <name>.pub   base64 of the raw 32-byte public key (one line)

Invariants and why:

* A private key is never written unencrypted: PKCS#8 with
  ``BestAvailableEncryption(passphrase)``, so a copied laptop disk or backup does not hand
  out an officer's signing authority.  Passphrases shorter than 8 characters are refused.
* Private key bytes never leave this module except wrapped in a :class:`Signer`, whose
  ``repr`` hides them, so they do not end up in logs, tracebacks or debugger dumps.
* Files are created with ``O_CREAT | O_EXCL``: an existing key is never overwritten (losing
  a key would orphan every signature made with it being re-checkable against a *new* key).
* Names are restricted to ``[A-Za-z0-9._-]{1,64}``, so a name can never escape the
  directory (no ``/``) or smuggle odd characters into file names.
* When a signer is loaded, the public key derived from the private key must equal the
  ``.pub`` file; a mismatch means one of the files was replaced and is refused.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import signing

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "KeyInfo",
    "Keystore",
    "KeystoreError",
    "Signer",
    "default_keystore_dir",
]

MIN_PASSPHRASE_LENGTH = 8
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DIR_MODE = 0o700
_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644


class KeystoreError(Exception):
    """A keystore operation was refused; the message is bilingual (Vietnamese / English)."""


@dataclass(frozen=True)
class KeyInfo:
    """Public description of a stored key (no secret material)."""

    name: str
    key_id: str
    public_key_b64: str
    created: datetime

    @property
    def public_key(self) -> bytes:
        return signing.decode_b64(self.public_key_b64)


@dataclass(frozen=True)
class Signer:
    """Holds one officer's private key and signs with it; ``repr`` never shows the key."""

    key_id: str
    public_key: bytes
    _private_key: bytes = field(repr=False, compare=False)

    def sign(self, message: bytes) -> bytes:
        """Detached 64-byte Ed25519 signature of ``message``."""
        return signing.sign(self._private_key, message)

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r})"

    __str__ = __repr__


def default_keystore_dir() -> Path:
    """``$PHUCLOI_HOME/keys``, with ``PHUCLOI_HOME`` defaulting to ``~/.phucloi``."""
    home = os.environ.get("PHUCLOI_HOME") or "~/.phucloi"
    return Path(home).expanduser() / "keys"


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise KeystoreError(
            f"Tên khóa không hợp lệ / invalid key name {name!r}: "
            "use 1-64 characters from A-Z a-z 0-9 . _ -"
        )


def _check_new_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or not passphrase:
        raise KeystoreError("Mật khẩu khóa không được để trống / passphrase must not be empty")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise KeystoreError(
            f"Mật khẩu khóa phải có ít nhất {MIN_PASSPHRASE_LENGTH} ký tự / "
            f"passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters"
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` exclusively with ``mode`` and write ``data``; never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed/widened the requested mode
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


class Keystore:
    """Directory of passphrase-encrypted Ed25519 private keys."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"Keystore({str(self.directory)!r})"

    def _pem(self, name: str) -> Path:
        return self.directory / f"{name}.pem"

    def _pub(self, name: str) -> Path:
        return self.directory / f"{name}.pub"

    def _ensure_dir(self) -> None:
        home = self.directory.parent  # $PHUCLOI_HOME: it holds the ledger file too
        if not home.exists():
            home.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            os.chmod(home, _DIR_MODE)
        self.directory.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self.directory, _DIR_MODE)

    # -- writing -------------------------------------------------------------------------

    def check_new(self, name: str, passphrase: str) -> None:
        """Refuse (`KeystoreError`) what `create(name, passphrase)` would refuse for its name
        or passphrase, writing nothing: to check before doing anything else."""
        _check_name(name)
        _check_new_passphrase(passphrase)

    def create(self, name: str, passphrase: str) -> KeyInfo:
        """Generate a new key ``name`` encrypted with ``passphrase``."""
        self.check_new(name, passphrase)
        return self._store(name, Ed25519PrivateKey.generate(), passphrase)

    def import_private(self, name: str, raw32: bytes, passphrase: str) -> KeyInfo:
        """Store an existing raw 32-byte private key (seed); for tests and demos."""
        _check_name(name)
        _check_new_passphrase(passphrase)
        if not isinstance(raw32, bytes) or len(raw32) != 32:
            raise KeystoreError("Khóa bí mật phải dài 32 byte / private key must be 32 raw bytes")
        return self._store(name, Ed25519PrivateKey.from_private_bytes(raw32), passphrase)

    def _store(self, name: str, key: Ed25519PrivateKey, passphrase: str) -> KeyInfo:
        self._ensure_dir()
        pem_path, pub_path = self._pem(name), self._pub(name)
        if pem_path.exists() or pub_path.exists():
            raise KeystoreError(f"Khóa {name} đã tồn tại / key {name} already exists")
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )
        public_raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        try:
            _write_new(pem_path, pem, _PRIVATE_MODE)
        except FileExistsError:
            raise KeystoreError(f"Khóa {name} đã tồn tại / key {name} already exists") from None
        try:
            _write_new(
                pub_path, (signing.encode_b64(public_raw) + "\n").encode("ascii"), _PUBLIC_MODE
            )
        except BaseException:
            with contextlib.suppress(OSError):
                pem_path.unlink()
            raise
        return self.public(name)

    def discard(self, name: str) -> None:
        """Delete a key this run created and never used (a refused `init`): both files."""
        _check_name(name)
        for path in (self._pem(name), self._pub(name)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # -- reading -------------------------------------------------------------------------

    def public(self, name: str) -> KeyInfo:
        """Public information about key ``name``."""
        _check_name(name)
        pem_path, pub_path = self._pem(name), self._pub(name)
        if not pem_path.is_file() or not pub_path.is_file():
            raise KeystoreError(f"Không tìm thấy khóa {name} / key {name} not found")
        text = pub_path.read_text(encoding="ascii").strip()
        try:
            public_raw = signing.decode_b64(text)
        except ValueError as exc:
            raise KeystoreError(
                f"Tệp khóa công khai {name} bị hỏng / public key file for {name} is corrupt: {exc}"
            ) from None
        if len(public_raw) != signing.PUBLIC_KEY_BYTES:
            raise KeystoreError(
                f"Tệp khóa công khai {name} bị hỏng / public key file for {name} is corrupt"
            )
        created = datetime.fromtimestamp(pem_path.stat().st_mtime, tz=UTC)
        return KeyInfo(
            name=name, key_id=signing.key_id(public_raw), public_key_b64=text, created=created
        )

    def list(self) -> list[KeyInfo]:
        """All keys in the store, sorted by name (missing directory → empty list)."""
        if not self.directory.is_dir():
            return []
        infos: list[KeyInfo] = []
        for pem_path in sorted(self.directory.glob("*.pem")):
            name = pem_path.name[: -len(".pem")]
            if _NAME.fullmatch(name) and self._pub(name).is_file():
                infos.append(self.public(name))
        return infos

    def load_signer(self, name: str, passphrase: str) -> Signer:
        """Decrypt key ``name`` with ``passphrase`` and return a :class:`Signer`."""
        info = self.public(name)
        pem = self._pem(name).read_bytes()
        wrong = KeystoreError(f"Sai mật khẩu khóa / wrong passphrase for key {name}")
        if not isinstance(passphrase, str) or not passphrase:
            raise wrong
        try:
            key = serialization.load_pem_private_key(pem, password=passphrase.encode("utf-8"))
        except (ValueError, TypeError):
            raise wrong from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeystoreError(
                f"Khóa {name} không phải Ed25519 / key {name} is not an Ed25519 key"
            )
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        public_raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if public_raw != info.public_key:
            raise KeystoreError(
                f"Khóa công khai {name} không khớp khóa bí mật / public key file for {name} "
                "does not match the private key"
            )
        return Signer(key_id=info.key_id, public_key=public_raw, _private_key=raw)


def signer_from_raw(raw32: bytes) -> Signer:
    """A signer for a raw private key held in memory (tests, the demo's generated officers)."""
    public = signing.public_key_from_private(raw32)
    return Signer(signing.key_id(public), public, raw32)
