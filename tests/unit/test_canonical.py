"""Tests for ledger.canonical: RFC 8785 output, and refusal of floats / unsafe ints / bad keys."""

from __future__ import annotations

import hashlib
import json

import pytest

from ledger.canonical import MAX_SAFE_INT, CanonicalError, canonical_bytes, sha256_hex


def test_key_order_by_utf16_code_units() -> None:
    obj = {"\u20ac": 1, "\r": 2, "1": 3, "\u00f6": 4}
    assert canonical_bytes(obj) == '{"\\r":2,"1":3,"ö":4,"€":1}'.encode()


def test_rfc8785_sorting_example_surrogates_sort_before_bmp_private_use() -> None:
    # RFC 8785 §3.2.3: U+1F600 (UTF-16 D83D DE00) sorts before U+FB33 although its code
    # point is larger; U+0080 sorts between "1" and "ö".
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = canonical_bytes(obj)
    keys = list(json.loads(out).keys())
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert out.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


def test_rfc8785_string_and_literals_example() -> None:
    # RFC 8785 §3.2.2 input (the float "numbers" member omitted: floats are refused here).
    source = '{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    source += ' "literals": [null, true, false]}'
    obj = json.loads(source)
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonical_bytes(obj) == expected.encode("utf-8")


def test_nested_objects_sorted_and_compact() -> None:
    obj = {"b": {"z": [1, {"y": None, "x": True}], "a": "x"}, "a": -5}
    assert canonical_bytes(obj) == b'{"a":-5,"b":{"a":"x","z":[1,{"x":true,"y":null}]}}'


def test_unicode_kept_as_utf8_not_escaped() -> None:
    out = canonical_bytes({"tên": "Nguyễn Văn Ánh"})
    assert out == '{"tên":"Nguyễn Văn Ánh"}'.encode()
    assert b"\\u" not in out


def test_tuple_is_array_and_safe_int_bounds_accepted() -> None:
    assert canonical_bytes((1, 2)) == b"[1,2]"
    assert canonical_bytes([MAX_SAFE_INT, -MAX_SAFE_INT]) == b"[9007199254740991,-9007199254740991]"


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        ({"body": {"amount": 1.5}}, "body.amount"),
        ({"body": {"lines": [{"amount": 0}, {"amount": 2.0}]}}, "body.lines[1].amount"),
        ({"a b": 0.1}, '["a b"]'),
        (3.0, "$ (root)"),
    ],
)
def test_float_refused_with_path(obj: object, path: str) -> None:
    with pytest.raises(CanonicalError) as err:
        canonical_bytes(obj)
    assert f"float at {path} " in str(err.value)


def test_nan_refused() -> None:
    with pytest.raises(CanonicalError, match="float at x"):
        canonical_bytes({"x": float("nan")})


@pytest.mark.parametrize("n", [2**53, -(2**53), 10**30])
def test_big_int_refused_with_path(n: int) -> None:
    with pytest.raises(CanonicalError, match=r"integer at body\.amount .*safe range"):
        canonical_bytes({"body": {"amount": n}})


def test_bool_not_range_checked_and_serialized_as_literal() -> None:
    assert canonical_bytes({"ok": True, "no": False}) == b'{"no":false,"ok":true}'


def test_non_str_key_refused() -> None:
    with pytest.raises(CanonicalError, match=r"object key at body must be str, got int: 1"):
        canonical_bytes({"body": {1: "x"}})


def test_non_json_type_refused() -> None:
    with pytest.raises(CanonicalError, match=r"value at when has non-JSON type bytes"):
        canonical_bytes({"when": b"x"})


def test_lone_surrogate_refused() -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes({"s": "\ud800"})


def test_canonical_error_is_value_error() -> None:
    assert issubclass(CanonicalError, ValueError)


def test_sha256_hex() -> None:
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
