"""Tests for ledger.privacy: commitments, sealing, blind indexes and normalization."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ledger.privacy import (
    TamperedError,
    blind_index,
    check_openings,
    commit,
    make_personal,
    new_data_key,
    new_salt,
    normalize_bank_account,
    normalize_citizen_id,
    normalize_household,
    seal,
    unseal,
)

SALT = bytes(range(16))
INDEX_KEY = b"k" * 32
PERSON = "member-0001"


# -- normalization -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("079123456789", "079123456789"),
        ("079 123 456 789", "079123456789"),
        ("079.123.456.789", "079123456789"),
        ("079-123-456-789", "079123456789"),
        ("  123 456 789 ", "123456789"),
    ],
)
def test_normalize_citizen_id(raw: str, expected: str) -> None:
    assert normalize_citizen_id(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345678", "1234567890", "0791234567890", "07912345678a", "٠٧٩١٢٣٤٥٦٧٨٩"]
)
def test_normalize_citizen_id_errors(raw: str) -> None:
    with pytest.raises(ValueError) as err:
        normalize_citizen_id(raw)
    assert str(err.value) == (
        "số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND) / "
        "must be 12 digits (CCCD) or 9 digits (CMND)"
    )


def test_normalize_bank_account() -> None:
    assert normalize_bank_account("vcb", "0011 0045 6789") == "VCB:001100456789"
    assert normalize_bank_account(" Techcombank ", "190-3333-4444-55") == "TCB:1903333444455"
    assert normalize_bank_account("mb", "123456") == "MB:123456"


@pytest.mark.parametrize(
    "bank",
    [
        "VCB",
        "vcb",
        "VIETCOMBANK",
        "Vietcombank",
        "970436",
        "Ngân hàng TMCP Ngoại thương Việt Nam",
        "NGAN HANG TMCP NGOAI THUONG VIET NAM",
        "ngoại thương",
        "VC B",
    ],
)
def test_every_spelling_of_one_bank_is_one_account(bank: str) -> None:
    """A bank typed as its code, name or NAPAS BIN is one account: typed three ways it was
    three, and rules 6 and 7 missed money routed into one account."""
    assert normalize_bank_account(bank, "0011001234567") == "VCB:0011001234567"
    assert blind_index(INDEX_KEY, kind="bank_account", value=f"{bank}:0011001234567") == (
        blind_index(INDEX_KEY, kind="bank_account", value="VCB:0011001234567")
    )


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("VietinBank", "ICB"),
        ("CTG", "ICB"),
        ("970415", "ICB"),
        ("BIDV", "BIDV"),
        ("970418", "BIDV"),
        ("Agribank", "VBA"),
        ("Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", "VBA"),
        ("Sacombank", "STB"),
        ("MBBank", "MB"),
        ("Quân đội", "MB"),
        ("LienVietPostBank", "LPB"),
        ("LPBank", "LPB"),
        ("Ngân hàng TM TNHH MTV Dầu Khí Toàn Cầu", "GPB"),
        ("Á Châu", "ACB"),
    ],
)
def test_banks_are_known_by_code_name_ticker_and_bin(typed: str, code: str) -> None:
    assert normalize_bank_account(typed, "123456") == f"{code}:123456"


def test_every_bank_code_and_bin_names_its_own_bank() -> None:
    from ledger.banks import BANKS, canonical_bank

    assert len(BANKS) >= 20
    assert len({b.code for b in BANKS}) == len({b.bin for b in BANKS}) == len(BANKS)
    for bank in BANKS:
        assert canonical_bank(bank.code) == canonical_bank(bank.bin) == bank.code
        assert canonical_bank(bank.name) == bank.code
        assert normalize_bank_account(bank.code, "123456") == f"{bank.code}:123456"


@pytest.mark.parametrize(
    ("bank", "number", "message"),
    [
        ("V", "123456", "mã ngân hàng 'V' không có"),
        ("ABCDEFGHIJKL", "123456", "mã ngân hàng 'ABCDEFGHIJKL' không có"),
        ("VIETCOMBANKK", "123456", "mã ngân hàng 'VIETCOMBANKK' không có"),
        ("970499", "123456", "mã ngân hàng '970499' không có"),
        ("", "123456", "mã ngân hàng '' không có"),
        ("VCB" * 40, "123456", "mã ngân hàng 'VCBVCB"),
        ("VCB", "12345", "số tài khoản phải gồm 6-20 chữ số"),
        ("VCB", "1" * 21, "số tài khoản phải gồm 6-20 chữ số"),
        ("VCB", "12345a", "số tài khoản phải gồm 6-20 chữ số"),
    ],
)
def test_normalize_bank_account_errors(bank: str, number: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}"):
        normalize_bank_account(bank, number)


def test_an_unknown_bank_is_refused_in_both_languages() -> None:
    with pytest.raises(ValueError) as err:
        normalize_bank_account("XYZBANK", "123456")
    assert str(err.value) == (
        "mã ngân hàng 'XYZBANK' không có trong danh mục ngân hàng (ghi mã, tên hoặc mã BIN "
        "NAPAS, ví dụ VCB, Vietcombank, 970436) / 'XYZBANK' is not a Vietnamese bank the ledger "
        "knows (give its code, name or NAPAS BIN, e.g. VCB, Vietcombank, 970436)"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HK0099", "HK0099"),
        ("HK-0099", "HK0099"),
        ("hk 0099", "HK0099"),
        ("HK.00/99", "HK0099"),
        ("123/45", "12345"),
    ],
)
def test_normalize_household_drops_separators(raw: str, expected: str) -> None:
    """HK-0099 and HK0099 were two households, so an officer's husband registered without the
    dash was not tied to her."""
    assert normalize_household(raw) == expected


@pytest.mark.parametrize("raw", ["", "-", "./-", "HK_0099", "H" * 41])
def test_normalize_household_errors(raw: str) -> None:
    with pytest.raises(
        ValueError, match=r"^mã hộ gồm 1–40 chữ, số, '/', '\.' hoặc '-' / must be 1–40 letters"
    ):
        normalize_household(raw)


# -- commitments ---------------------------------------------------------------------------


def test_commit_is_sha256_of_salt_then_utf8_value() -> None:
    value = "Nguyễn Thị Hoa"
    assert commit(value, SALT) == hashlib.sha256(SALT + value.encode("utf-8")).hexdigest()
    assert commit(value, SALT) != commit(value, bytes(16))
    assert commit(value, SALT) != commit(value + " ", SALT)


def test_commit_rejects_bad_salt() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        commit("x", b"short")


def test_new_salt_and_data_key_are_random_and_sized() -> None:
    assert len(new_salt()) == 16
    assert new_salt() != new_salt()
    assert len(new_data_key()) == 32
    assert new_data_key() != new_data_key()


def test_make_personal_round_trip() -> None:
    fields = {"full_name": "Trần Văn Nam", "citizen_id": "079123456789"}
    commitments, openings = make_personal(fields)
    assert set(commitments) == set(openings) == set(fields)
    for name, value in fields.items():
        opening = openings[name]
        assert opening["value"] == value
        salt = base64.b64decode(opening["salt"])
        assert len(salt) == 16
        assert commitments[name] == hashlib.sha256(salt + value.encode()).hexdigest()
        assert value not in commitments[name]
    assert openings["full_name"]["salt"] != openings["citizen_id"]["salt"]
    assert check_openings(commitments, openings) == []


def test_make_personal_same_value_gives_different_commitments() -> None:
    first, _ = make_personal({"citizen_id": "079123456789"})
    second, _ = make_personal({"citizen_id": "079123456789"})
    assert first["citizen_id"] != second["citizen_id"]


def test_check_openings_detects_mismatches() -> None:
    commitments, openings = make_personal({"a": "1", "b": "2", "c": "3"})
    tampered = {k: dict(v) for k, v in openings.items()}
    tampered["a"]["value"] = "9"
    tampered["b"]["salt"] = base64.b64encode(bytes(16)).decode()
    assert check_openings(commitments, tampered) == ["a", "b"]


def test_check_openings_missing_extra_and_malformed_are_mismatches() -> None:
    commitments, openings = make_personal({"a": "1", "b": "2"})
    missing = {"a": openings["a"]}
    assert check_openings(commitments, missing) == ["b"]
    extra = {**openings, "z": {"value": "x", "salt": openings["a"]["salt"]}}
    assert check_openings(commitments, extra) == ["z"]
    malformed = {"a": {"value": "1", "salt": "not base64!"}, "b": "2"}
    assert check_openings(commitments, malformed) == ["a", "b"]
    assert check_openings({}, {}) == []


# -- sealing -------------------------------------------------------------------------------


def test_seal_unseal_round_trip() -> None:
    key = new_data_key()
    payload = {"full_name": {"value": "Lê Thị Ánh", "salt": "AAAA"}, "n": 3}
    sealed = seal(key, person_id=PERSON, payload=payload)
    version, nonce, _body = sealed.split(".")
    assert version == "v1"
    assert len(base64.b64decode(nonce)) == 12
    assert "Ánh" not in sealed
    assert unseal(key, person_id=PERSON, sealed=sealed) == payload
    # Fresh nonce every time.
    assert seal(key, person_id=PERSON, payload=payload) != sealed


def _flip_ciphertext_byte(sealed: str, index: int) -> str:
    version, nonce, body = sealed.split(".")
    raw = bytearray(base64.b64decode(body))
    raw[index] ^= 0x01
    return f"{version}.{nonce}.{base64.b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("index", [0, 5, -1])
def test_flipped_ciphertext_byte_is_tampered(index: int) -> None:
    key = new_data_key()
    sealed = seal(key, person_id=PERSON, payload={"citizen_id": "079123456789"})
    with pytest.raises(TamperedError, match="failed authentication"):
        unseal(key, person_id=PERSON, sealed=_flip_ciphertext_byte(sealed, index))


def test_wrong_person_id_is_tampered() -> None:
    key = new_data_key()
    sealed = seal(key, person_id=PERSON, payload={"citizen_id": "079123456789"})
    with pytest.raises(TamperedError):
        unseal(key, person_id="member-0002", sealed=sealed)


def test_wrong_key_is_tampered() -> None:
    sealed = seal(new_data_key(), person_id=PERSON, payload={"x": "y"})
    with pytest.raises(TamperedError):
        unseal(new_data_key(), person_id=PERSON, sealed=sealed)


@pytest.mark.parametrize(
    "sealed",
    [
        "",
        "v1.AAAA",
        "v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA==",
        "v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA==",
        "v1.AAAAAAAAAAAAAAAA.!!!!",
        "v1.AAAAAAAAAAAAAAAA.AAAA",
    ],
)
def test_malformed_sealed_text_is_value_error(sealed: str) -> None:
    with pytest.raises(ValueError, match="sealed"):
        unseal(new_data_key(), person_id=PERSON, sealed=sealed)


def test_tampered_error_is_not_value_error() -> None:
    assert not issubclass(TamperedError, ValueError)


def test_seal_rejects_bad_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal(b"k" * 16, person_id=PERSON, payload={})


# -- blind index ---------------------------------------------------------------------------


def test_blind_index_normalizes_citizen_id() -> None:
    spaced = blind_index(INDEX_KEY, kind="citizen_id", value="079 123 456 789")
    plain = blind_index(INDEX_KEY, kind="citizen_id", value="079123456789")
    assert spaced == plain
    expected = hmac.new(INDEX_KEY, b"citizen_id\x00079123456789", hashlib.sha256).hexdigest()
    assert plain == expected[:32]
    assert len(plain) == 32


def test_blind_index_differs_across_kinds_and_keys() -> None:
    cid = blind_index(INDEX_KEY, kind="citizen_id", value="079123456789")
    other_key = blind_index(b"j" * 32, kind="citizen_id", value="079123456789")
    assert cid != other_key
    bank = blind_index(INDEX_KEY, kind="bank_account", value="vcb:079123456789")
    assert bank == blind_index(INDEX_KEY, kind="bank_account", value="VCB:0791 2345 6789")
    expected = hmac.new(INDEX_KEY, b"bank_account\x00VCB:079123456789", hashlib.sha256)
    assert bank == expected.hexdigest()[:32]
    assert bank != cid


def test_blind_index_errors() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        blind_index(INDEX_KEY, kind="phone", value="0901234567")
    with pytest.raises(ValueError, match="số định danh phải gồm 12 chữ số"):
        blind_index(INDEX_KEY, kind="citizen_id", value="12")
    with pytest.raises(ValueError, match="BANK:NUMBER"):
        blind_index(INDEX_KEY, kind="bank_account", value="001100456789")
    with pytest.raises(ValueError, match="index key"):
        blind_index(b"short", kind="citizen_id", value="079123456789")


def test_a_relatives_name_is_indexed_without_case_tone_marks_or_extra_spaces() -> None:
    from ledger.privacy import relative_indexes

    key = b"k" * 32
    a = relative_indexes(key, "Nguyễn Minh An", "2018-05-01")
    assert a == relative_indexes(key, "NGUYEN  MINH AN", "2018-05-01")
    other_day = relative_indexes(key, "Nguyễn Minh An", "2018-05-02")
    assert other_day["relative_name"] == a["relative_name"]
    assert other_day["relative_name_dob"] != a["relative_name_dob"]
    assert relative_indexes(key, "Nguyễn Minh Ân", "2018-05-01") == a  # tone marks folded
    assert (
        relative_indexes(key, "Nguyễn Minh Anh", "2018-05-01")["relative_name"]
        != (a["relative_name"])
    )
