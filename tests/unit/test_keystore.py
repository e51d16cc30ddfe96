"""Tests for ledger.keystore: encrypted PKCS#8 files, permissions, names, signer secrecy."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.keystore import (
    KeyInfo,
    Keystore,
    KeystoreError,
    Signer,
    default_keystore_dir,
)
from ledger.signing import key_id, verify

PASS = "mật-khẩu-rất-dài"
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path) -> Keystore:
    return Keystore(tmp_path / "keys")


def test_create_writes_encrypted_pkcs8_with_private_permissions(store: Keystore) -> None:
    info = store.create("chu-tich.2025", PASS)
    pem_path = store.directory / "chu-tich.2025.pem"
    pub_path = store.directory / "chu-tich.2025.pub"
    text = pem_path.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "-----BEGIN PRIVATE KEY-----" not in text
    assert _mode(pem_path) == 0o600
    assert _mode(store.directory) == 0o700
    # Not loadable without the passphrase: really encrypted.
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(text.encode(), password=None)
    assert pub_path.read_text().strip() == info.public_key_b64
    assert info.name == "chu-tich.2025"
    assert len(base64.b64decode(info.public_key_b64)) == 32
    assert info.key_id == key_id(info.public_key)


def test_signer_signature_verifies_with_listed_public_key(store: Keystore) -> None:
    store.create("thu-quy", PASS)
    (listed,) = store.list()
    signer = store.load_signer("thu-quy", PASS)
    message = b'{"amount":120000}'
    signature = signer.sign(message)
    assert verify(base64.b64decode(listed.public_key_b64), message, signature) is True
    assert verify(base64.b64decode(listed.public_key_b64), message + b" ", signature) is False
    assert signer.key_id == listed.key_id
    assert signer.public_key == listed.public_key


def test_wrong_passphrase_refused(store: Keystore) -> None:
    store.create("thu-quy", PASS)
    with pytest.raises(KeystoreError) as err:
        store.load_signer("thu-quy", PASS + "x")
    assert str(err.value) == "Sai mật khẩu khóa / wrong passphrase for key thu-quy"
    with pytest.raises(KeystoreError, match="wrong passphrase for key thu-quy"):
        store.load_signer("thu-quy", "")


@pytest.mark.parametrize("passphrase", ["", "1234567"])
def test_short_or_empty_passphrase_refused(store: Keystore, passphrase: str) -> None:
    with pytest.raises(KeystoreError, match="passphrase"):
        store.create("a", passphrase)
    assert store.list() == []


def test_passphrase_of_exactly_eight_chars_accepted(store: Keystore) -> None:
    info = store.create("a", "12345678")
    assert store.load_signer("a", "12345678").key_id == info.key_id


def test_duplicate_name_refused_and_original_kept(store: Keystore) -> None:
    first = store.create("thu-quy", PASS)
    before = (store.directory / "thu-quy.pem").read_bytes()
    with pytest.raises(KeystoreError, match="key thu-quy already exists"):
        store.create("thu-quy", PASS)
    with pytest.raises(KeystoreError, match="already exists"):
        store.import_private("thu-quy", RFC_SECRET, PASS)
    assert (store.directory / "thu-quy.pem").read_bytes() == before
    assert store.public("thu-quy") == first


@pytest.mark.parametrize("name", ["", "a/b", "../x", "tên", "a b", "x" * 65, "a\n", "key*", "a\\b"])
def test_bad_names_refused(store: Keystore, name: str) -> None:
    with pytest.raises(KeystoreError, match="invalid key name"):
        store.create(name, PASS)


def test_name_of_64_chars_accepted(store: Keystore) -> None:
    name = "A" * 62 + "._"
    assert store.create(name, PASS).name == name


def test_repr_does_not_leak_private_key(store: Keystore) -> None:
    store.import_private("demo", RFC_SECRET, PASS)
    signer = store.load_signer("demo", PASS)
    text = repr(signer) + str(signer)
    assert RFC_SECRET.hex() not in text
    assert RFC_SECRET.hex().upper() not in text
    assert repr(RFC_SECRET) not in text
    assert base64.b64encode(RFC_SECRET).decode() not in text
    assert text.count(signer.key_id) == 2
    assert repr(signer) == f"Signer(key_id={signer.key_id!r})"


def test_signer_is_frozen(store: Keystore) -> None:
    store.import_private("demo", RFC_SECRET, PASS)
    signer = store.load_signer("demo", PASS)
    with pytest.raises(AttributeError):
        signer.key_id = "x"  # type: ignore[misc]


def test_import_private_known_vector(store: Keystore) -> None:
    info = store.import_private("demo", RFC_SECRET, PASS)
    assert info.public_key == RFC_PUBLIC
    assert info.key_id == key_id(RFC_PUBLIC)
    signer = store.load_signer("demo", PASS)
    assert isinstance(signer, Signer)
    assert signer.public_key == RFC_PUBLIC
    assert signer.sign(b"").hex().startswith("e5564300c360ac72")


def test_import_private_rejects_wrong_length(store: Keystore) -> None:
    with pytest.raises(KeystoreError, match="32 raw bytes"):
        store.import_private("demo", b"\x00" * 31, PASS)


def test_list_and_public(store: Keystore) -> None:
    assert store.list() == []
    before = datetime.now(UTC) - timedelta(seconds=5)
    b = store.create("b", PASS)
    a = store.import_private("a", RFC_SECRET, PASS)
    listed = store.list()
    assert [k.name for k in listed] == ["a", "b"]
    assert listed == [a, b]
    assert isinstance(listed[0], KeyInfo)
    assert store.public("a").public_key_b64 == base64.b64encode(RFC_PUBLIC).decode()
    assert before <= store.public("b").created <= datetime.now(UTC) + timedelta(seconds=5)
    assert store.public("b").created.tzinfo is not None


def test_missing_directory_lists_empty(tmp_path: Path) -> None:
    assert Keystore(tmp_path / "none").list() == []


def test_unknown_key_refused(store: Keystore) -> None:
    with pytest.raises(KeystoreError, match="key ghost not found"):
        store.public("ghost")
    with pytest.raises(KeystoreError, match="key ghost not found"):
        store.load_signer("ghost", PASS)


def test_replaced_public_file_detected(store: Keystore) -> None:
    store.create("thu-quy", PASS)
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    (store.directory / "thu-quy.pub").write_text(base64.b64encode(other).decode() + "\n")
    with pytest.raises(KeystoreError, match="does not match the private key"):
        store.load_signer("thu-quy", PASS)


def test_default_keystore_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PHUCLOI_HOME", str(tmp_path / "home"))
    assert default_keystore_dir() == tmp_path / "home" / "keys"
    monkeypatch.delenv("PHUCLOI_HOME")
    assert default_keystore_dir() == Path("~/.phucloi").expanduser() / "keys"
