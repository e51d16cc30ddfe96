"""Personal data: per-person keys, sealing, commitments and blind indexes.

Decree 13/2023/NĐ-CP (personal data protection) gives members the right to have their
personal data deleted.  The ledger, however, is append-only: events are immutable and
signed, and rewriting one would break the signature and the hash chain.  The two are
reconciled as follows.

Invariants:

* **Personal fields are NEVER signed in plaintext.**  For each personal field the officer
  signs a *commitment* ``SHA-256(salt || utf8(value))`` with a fresh random 16-byte salt.
  The salt makes the commitment hiding: a 12-digit citizen id has only 10**12 values and an
  unsalted hash would be reversed by brute force.
* The *opening* (value + salt) is stored **encrypted** with AES-256-GCM (:func:`seal`) under
  a per-person data key (:func:`new_data_key`) that is kept **outside** the events.
  Destroying that key (crypto-shredding) makes the person's sealed data unreadable in every
  copy of the events made without the key (export bundles never carry keys), while every
  commitment and signature keeps verifying. It does NOT reach a copy of the key itself: the
  keys are in the same database as the ciphertexts (``person_keys``), so a database backup
  taken before the erasure still decrypts the person (ledger.erasure, README "Personal
  data"). Data about the person sealed under ANOTHER member's key (declared as that member's
  relative before relatives had keys, that member's payee account) is not erased with them.
* A relative declared by a member has a data key of their own (``person_id`` from
  ``ledger.domain.base.relative_person_id``; the envelope says ``"sealed_under": "relative"``),
  so they can be erased alone (``member.erase_relative``); the member's erasure destroys it
  too. Relatives declared before that stay sealed under the member's key.
* The GCM associated data is ``b"phucloi-pii-v1|" + person_id``: a sealed blob moved to
  another person's record fails authentication.  Any authentication failure is reported as
  :class:`TamperedError` (a changed ciphertext is an audit finding, not a parse error);
  malformed text is a plain ``ValueError``.
* Lookups ("is this citizen id already a member?") use a *blind index*: HMAC-SHA256 under a
  separate index key over ``kind + "\\x00" + normalized value``, truncated to 128 bits.  The
  index key is not a per-person key, so it does not erase data; it only prevents anyone
  without it from testing guesses.  Values are normalized first so ``"079 123 456 789"`` and
  ``"079123456789"`` index equal, ``"VIETCOMBANK:…"`` and ``"970436:…"`` index as
  ``"VCB:…"`` (ledger.banks; an unknown bank is refused), ``"HK-0099"`` as ``"HK0099"``.
  An index is computed once, when its event is written: events written under an older
  normalisation keep theirs.
* Blind indexes are NOT erased.  They are written into the signed event's envelope
  (``envelope["blind"]``), which is immutable; the index key is in the same database
  (``ledger_secrets``).  An erasure clears the person's indexes from the ``member_index`` read
  model and detection ignores those recorded under their key, but whoever holds the database
  (or a backup) holds both the indexes and the key, and can test guesses of an erased
  person's citizen ID, bank account or household code: a CCCD has few enough values once the
  province and birth year are known to be found in seconds.  Database access and the index
  key must therefore be protected like the personal data itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.banks import canonical_bank
from ledger.signing import decode_b64, encode_b64
from ledger.textfiles import fold, hidden_characters

__all__ = [
    "BLIND_INDEX_KINDS",
    "DATA_KEY_BYTES",
    "SALT_BYTES",
    "TamperedError",
    "blind_index",
    "check_openings",
    "citizen_id_problem",
    "commit",
    "make_personal",
    "name_problem",
    "new_data_key",
    "new_salt",
    "normalize_bank_account",
    "normalize_citizen_id",
    "normalize_household",
    "normalize_indexed",
    "normalize_name",
    "relative_indexes",
    "seal",
    "unseal",
]

SALT_BYTES = 16
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
MIN_INDEX_KEY_BYTES = 16
SEAL_VERSION = "v1"
AAD_PREFIX = b"phucloi-pii-v1|"
BLIND_INDEX_KINDS = frozenset({"citizen_id", "bank_account", "household", "name", "name_dob"})
BLIND_INDEX_HEX_CHARS = 32

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]+")
MAX_BANK_TEXT = 100  # a bank's full name with its legal form fits


class TamperedError(Exception):
    """Sealed personal data failed authentication: changed, moved, or wrong key."""


# -- normalization -------------------------------------------------------------------------


def normalize_citizen_id(s: str) -> str:
    """Strip spaces, dots and dashes; require 12 digits (CCCD) or 9 digits (old CMND)."""
    digits = _SEPARATORS.sub("", s) if isinstance(s, str) else ""
    if not (_DIGITS.fullmatch(digits) and len(digits) in (9, 12)):
        raise ValueError(
            "số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND) / "
            "must be 12 digits (CCCD) or 9 digits (CMND)"
        )
    return digits


def normalize_bank_account(bank_code: str, number: str) -> str:
    """``"BANK:NUMBER"``: the bank as its one code in `ledger.banks` (a code, short or full
    name, or NAPAS BIN: ``vcb``, ``Vietcombank`` and ``970436`` are all ``VCB``), the number
    6-20 digits (spaces, dots and dashes ignored).

    A bank not in the table is refused: a spelling kept as typed would be a second account for
    rules 6 and 7, the very dodge the table closes.
    """
    typed = bank_code.strip() if isinstance(bank_code, str) else ""
    code = canonical_bank(typed) if len(typed) <= MAX_BANK_TEXT else None
    if code is None:
        raise ValueError(
            f"mã ngân hàng {typed[:MAX_BANK_TEXT]!r} không có trong danh mục ngân hàng "
            "(ghi mã, tên hoặc mã BIN NAPAS, ví dụ VCB, Vietcombank, 970436) / "
            f"{typed[:MAX_BANK_TEXT]!r} is not a Vietnamese bank the ledger knows "
            "(give its code, name or NAPAS BIN, e.g. VCB, Vietcombank, 970436)"
        )
    digits = _SEPARATORS.sub("", number) if isinstance(number, str) else ""
    if not (_DIGITS.fullmatch(digits) and 6 <= len(digits) <= 20):
        raise ValueError(
            "số tài khoản phải gồm 6-20 chữ số / the account number must be 6-20 digits"
        )
    return f"{code}:{digits}"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST_BIRTH = date(1900, 1, 1)
# Luật Căn cước 2023, art. 46: the 9-digit CMND ceased to be valid on 2025-01-01; from then on
# everyone is identified by the 12-digit personal identification number (the CCCD's).
CMND_VALID_UNTIL = date(2025, 1, 1)


def citizen_id_problem(normal: str, on: date) -> tuple[str, str] | None:
    """Why a (normalised) citizen ID cannot be registered on `on`, as (tiếng Việt, English): a
    9-digit CMND on or after 2025-01-01. A second registration of one person under the old
    number never meets the first under the new one, so rules keyed on the citizen ID (two
    unions, one person) would miss it."""
    if len(normal) == 9 and on >= CMND_VALID_UNTIL:
        return (
            "CMND 9 số hết giá trị từ 01/01/2025 (Luật Căn cước 2023): hãy nhập số định danh "
            "cá nhân 12 số (CCCD)",
            "a 9-digit CMND is no longer valid from 2025-01-01 (Identity Law 2023): enter the "
            "12-digit personal identification number (CCCD)",
        )
    return None


def birth_date_problem(value: Any, on: date) -> tuple[str, str] | None:
    """Why a date of birth cannot be right, as (tiếng Việt, English), or None.

    It must be a real YYYY-MM-DD date, not before 1900 and not after `on` (the command's
    effective date: nobody joins, or is registered as a relative, before being born).
    """
    try:
        born = (
            date.fromisoformat(value)
            if isinstance(value, str) and _ISO_DAY.fullmatch(value)
            else None
        )
    except ValueError:
        born = None
    if born is None:
        return (
            f"ngày sinh {value!r} không hợp lệ (YYYY-MM-DD)",
            f"date of birth {value!r} is not a YYYY-MM-DD date",
        )
    if born < EARLIEST_BIRTH:
        return (f"ngày sinh {value} trước năm 1900", f"date of birth {value} is before 1900")
    if born > on:
        return (
            f"ngày sinh {value} sau ngày hiệu lực {on.isoformat()}",
            f"date of birth {value} is after the effective date {on.isoformat()}",
        )
    return None


# Bộ luật Lao động 2019, điều 3 khoản 1: a worker is at least 15 (younger only in the few jobs the
# Labour Ministry lists, under conditions a union register does not record); a member
# younger on the day they join is a typo in the date of birth, or nobody's worker at all.
MEMBER_MIN_AGE = 15


def member_age_problem(value: Any, on: date) -> tuple[str, str] | None:
    """Why someone born on `value` (a valid date) cannot join a union on `on`, or None."""
    born = date.fromisoformat(value)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age >= MEMBER_MIN_AGE:
        return None
    return (
        f"ngày sinh {born:%d/%m/%Y}: đoàn viên mới {age} tuổi vào ngày kết nạp {on:%d/%m/%Y}, "
        f"chưa đủ {MEMBER_MIN_AGE} tuổi của người lao động",
        f"date of birth {born:%d/%m/%Y}: the member would be {age} on joining "
        f"({on:%d/%m/%Y}), under a worker's {MEMBER_MIN_AGE}",
    )


MAX_NAME = 200  # as a unit's or officer's name (ShortText)


def name_problem(value: Any) -> tuple[str, str] | None:
    """Why a person's full name cannot be sealed as typed, as (tiếng Việt, English), or None.

    A name is what inspectors search and compare: it must be NFC (Vietnamese typed on some
    keyboards arrives decomposed, "Lê" as L, e, U+0302, which then matches no other "Lê"), not
    blank, at most `MAX_NAME` characters, and hold no control character and no invisible
    format character (zero-width space, right-to-left override...), which would make two
    names that look the same differ, or a name shown differently from what was sealed.
    """
    if not isinstance(value, str) or not value.strip():
        return ("họ tên trống", "the name is empty")
    hidden = hidden_characters(value)
    if hidden:
        listed = ", ".join(hidden)
        return (
            f"họ tên chứa ký tự điều khiển hoặc ký tự ẩn ({listed})",
            f"the name holds control or invisible characters ({listed})",
        )
    if len(value) > MAX_NAME:
        return (f"họ tên dài quá {MAX_NAME} ký tự", f"the name is over {MAX_NAME} characters")
    if value != value.strip() or unicodedata.normalize("NFC", value) != value:
        return (
            "họ tên cần chuẩn hóa Unicode NFC, không có khoảng trắng ở đầu hay cuối",
            "normalise the name to Unicode NFC without leading or trailing spaces",
        )
    return None


# -- commitments ---------------------------------------------------------------------------


def new_salt() -> bytes:
    """Fresh random 16-byte salt for one commitment."""
    return os.urandom(SALT_BYTES)


def commit(value: str, salt: bytes) -> str:
    """Hex ``SHA-256(salt || utf8(value))``."""
    if not isinstance(value, str):
        raise TypeError(f"commit: value must be str, got {type(value).__name__}")
    if not isinstance(salt, bytes) or len(salt) != SALT_BYTES:
        raise ValueError(f"commit: salt must be {SALT_BYTES} bytes")
    return hashlib.sha256(salt + value.encode("utf-8")).hexdigest()


def make_personal(
    fields: Mapping[str, str],
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Split personal ``fields`` into the signed and the sealed part.

    Returns ``(commitments, openings)``: ``commitments`` (``{field: hex}``) go into the signed
    event; ``openings`` (``{field: {"value": v, "salt": b64}}``) are to be :func:`seal`-ed
    under the person's data key.  Each field gets its own fresh salt.
    """
    commitments: dict[str, str] = {}
    openings: dict[str, dict[str, str]] = {}
    for name, value in fields.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"personal field name must be a non-empty str, got {name!r}")
        if not isinstance(value, str):
            raise TypeError(f"personal field {name}: value must be str")
        salt = new_salt()
        commitments[name] = commit(value, salt)
        openings[name] = {"value": value, "salt": encode_b64(salt)}
    return commitments, openings


def _opening_matches(commitment: Any, opening: Any) -> bool:
    if not isinstance(commitment, str) or not isinstance(opening, Mapping):
        return False
    value, salt_text = opening.get("value"), opening.get("salt")
    if not isinstance(value, str) or not isinstance(salt_text, str):
        return False
    try:
        salt = decode_b64(salt_text)
        expected = commit(value, salt)
    except ValueError:
        return False
    return hmac.compare_digest(expected, commitment.lower())


def check_openings(commitments: Mapping[str, str], openings: Mapping[str, Any]) -> list[str]:
    """Sorted names of fields whose opening does not match its commitment.

    A field present on only one side, or with a malformed opening, is a mismatch.  An empty
    list means every commitment is opened correctly.
    """
    bad: list[str] = []
    for name in sorted(set(commitments) | set(openings), key=str):
        present = name in commitments and name in openings
        if not (present and _opening_matches(commitments[name], openings[name])):
            bad.append(name)
    return bad


# -- sealing -------------------------------------------------------------------------------


def new_data_key() -> bytes:
    """Fresh random 32-byte per-person data key (AES-256)."""
    return os.urandom(DATA_KEY_BYTES)


def _aead(data_key: bytes) -> AESGCM:
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_BYTES:
        raise ValueError(f"data key must be {DATA_KEY_BYTES} bytes (AES-256)")
    return AESGCM(data_key)


def _aad(person_id: str) -> bytes:
    if not isinstance(person_id, str) or not person_id:
        raise ValueError("person_id must be a non-empty str")
    return AAD_PREFIX + person_id.encode("utf-8")


def seal(data_key: bytes, *, person_id: str, payload: dict[str, Any]) -> str:
    """Encrypt ``payload`` for ``person_id``: ``"v1.<b64 nonce>.<b64 ciphertext+tag>"``."""
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, got {type(payload).__name__}")
    aead = _aead(data_key)
    aad = _aad(person_id)
    plaintext = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = aead.encrypt(nonce, plaintext, aad)
    return f"{SEAL_VERSION}.{encode_b64(nonce)}.{encode_b64(ciphertext)}"


def unseal(data_key: bytes, *, person_id: str, sealed: str) -> dict[str, Any]:
    """Decrypt text from :func:`seal`.

    Raises :class:`TamperedError` if authentication fails (ciphertext changed, blob moved to
    another ``person_id``, or wrong key) and ``ValueError`` if ``sealed`` is malformed.
    """
    aead = _aead(data_key)
    aad = _aad(person_id)
    if not isinstance(sealed, str):
        raise ValueError(f"sealed: expected str, got {type(sealed).__name__}")
    parts = sealed.split(".")
    if len(parts) != 3 or parts[0] != SEAL_VERSION:
        raise ValueError(f"sealed: expected '{SEAL_VERSION}.<nonce>.<ciphertext>'")
    try:
        nonce = decode_b64(parts[1])
        ciphertext = decode_b64(parts[2])
    except ValueError as exc:
        raise ValueError(f"sealed: {exc}") from None
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"sealed: nonce must be {NONCE_BYTES} bytes")
    if len(ciphertext) < 16:
        raise ValueError("sealed: ciphertext shorter than the 16-byte GCM tag")
    try:
        plaintext = aead.decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise TamperedError(
            f"Dữ liệu cá nhân đã bị thay đổi hoặc sai khóa / sealed personal data for "
            f"{person_id} failed authentication (tampered, moved, or wrong key)"
        ) from None
    payload = json.loads(plaintext.decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("sealed: payload is not a JSON object")
    return payload


# -- blind index ---------------------------------------------------------------------------


_HOUSEHOLD = re.compile(r"^[A-Z0-9/.-]{1,40}$")
_HOUSEHOLD_SEPARATORS = re.compile(r"[\s/.\-]")


def normalize_household(s: str) -> str:
    """A household registration code (e.g. số sổ hộ khẩu / mã hộ): upper case, without the
    spaces, '/', '.' and '-' people type into it (``HK-0099`` and ``hk 0099`` are ``HK0099``),
    as a citizen ID without its separators."""
    typed = re.sub(r"\s+", "", s).upper() if isinstance(s, str) else ""
    value = _HOUSEHOLD_SEPARATORS.sub("", typed)
    if not (_HOUSEHOLD.match(typed) and value):
        raise ValueError(
            "mã hộ gồm 1–40 chữ, số, '/', '.' hoặc '-' / "
            "must be 1–40 letters, digits, '/', '.' or '-'"
        )
    return value


def normalize_name(s: str) -> str:
    """A person's name as a relative's blind index compares it: without case, tone marks
    or extra spaces, đ as d (``Nguyễn  Văn An`` and ``NGUYEN VAN AN`` are one)."""
    value = " ".join(fold(s).split()) if isinstance(s, str) else ""
    if not value:
        raise ValueError("họ tên trống / the name is empty")
    return value


def relative_indexes(index_key: bytes, full_name: str, date_of_birth: str) -> dict[str, str]:
    """The blind indexes of a declared relative's name, and of its name with its date of
    birth (``relative_name``, ``relative_name_dob`` of the envelope's ``blind``): how
    detection (rule 4) recognises one relative declared again under another code without a
    citizen ID, never reading the name."""
    return {
        "relative_name": blind_index(index_key, kind="name", value=full_name),
        "relative_name_dob": blind_index(
            index_key, kind="name_dob", value=f"{full_name}|{date_of_birth}"
        ),
    }


def normalize_indexed(kind: str, value: str) -> str:
    """The normal form of a blind-indexed value of `kind`; ValueError naming what is wrong."""
    if kind == "citizen_id":
        return normalize_citizen_id(value)
    if kind == "bank_account":
        if not isinstance(value, str) or value.count(":") != 1:
            raise ValueError("cần dạng 'MÃ_NGÂN_HÀNG:SỐ_TÀI_KHOẢN' / expected 'BANK:NUMBER'")
        bank_code, number = value.split(":")
        return normalize_bank_account(bank_code, number)
    if kind == "household":
        return normalize_household(value)
    if kind == "name":
        return normalize_name(value)
    if kind == "name_dob":
        name, _, born = value.rpartition("|") if isinstance(value, str) else ("", "", "")
        return f"{normalize_name(name)}|{date.fromisoformat(born).isoformat()}"
    raise ValueError(f"blind index kind must be one of {sorted(BLIND_INDEX_KINDS)}, got {kind!r}")


def blind_index(index_key: bytes, *, kind: str, value: str) -> str:
    """HMAC-SHA256(index_key, kind + "\\x00" + normalized value), first 32 hex chars.

    ``kind`` is ``"citizen_id"`` or ``"bank_account"`` (value ``"BANK:NUMBER"``).
    """
    if not isinstance(index_key, bytes) or len(index_key) < MIN_INDEX_KEY_BYTES:
        raise ValueError(f"index key must be at least {MIN_INDEX_KEY_BYTES} bytes")
    normalized = normalize_indexed(kind, value)
    message = (kind + "\x00" + normalized).encode("utf-8")
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()[:BLIND_INDEX_HEX_CHARS]
