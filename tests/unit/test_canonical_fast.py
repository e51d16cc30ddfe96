"""The fast canonical path (C json encoder) is byte-identical to `rfc8785`, or steps aside.

`canonical_bytes` must equal `reference_bytes` (the `rfc8785` package behind the same checks)
on every input: the same bytes when both succeed, the same refusal when the reference refuses.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.canonical import (
    MAX_SAFE_INT,
    MIN_SAFE_INT,
    CanonicalError,
    _fast,
    canonical_bytes,
    reference_bytes,
)

# Every code point, surrogates included (they must be refused, never encoded).
ANY_CHAR = st.characters(codec=None, categories=None)
TEXT = st.one_of(
    st.text(max_size=12),  # hypothesis' default mix: ASCII, controls, BMP, astral
    st.text(alphabet=ANY_CHAR, max_size=6),
    st.text(alphabet=st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u00e9\u1ec5'), max_size=6),
    st.text(alphabet=st.characters(min_codepoint=0xE000, max_codepoint=0x1F64F), max_size=4),
)
INTS = st.one_of(
    st.integers(min_value=MIN_SAFE_INT, max_value=MAX_SAFE_INT),
    st.integers(min_value=-10, max_value=10),
    st.sampled_from([MAX_SAFE_INT, MIN_SAFE_INT, MAX_SAFE_INT + 1, MIN_SAFE_INT - 1, 2**64]),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=6),
    ),
    max_leaves=40,
)


def outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", fn(value)
    except CanonicalError as exc:
        return "refused", str(exc)
    except UnicodeEncodeError:  # rfc8785 lets this escape for a lone surrogate in a key
        return "unicode", None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
def test_fast_path_equals_rfc8785_on_random_values(value: Any) -> None:
    assert outcome(canonical_bytes, value) == outcome(reference_bytes, value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, SCALARS, min_size=2, max_size=12))
def test_key_order_is_the_reference_order(value: dict[str, Any]) -> None:
    assert outcome(canonical_bytes, value) == outcome(reference_bytes, value)


def test_large_seeded_corpus_of_command_shaped_values() -> None:
    """20,000 command-like objects with Vietnamese text, controls and escapes."""
    rng = random.Random(8785)
    alphabet = 'aăâbcdđeêghiklmnoôơpqrstuưvxyÀÁẢÃẠàáảãạỳýỷỹỵ"\\/\n\t\x01\x7f €😀\u2028'

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))

    for _ in range(20_000):
        value = {
            "type": "payout.record",
            "body": {
                "amount": rng.randint(MIN_SAFE_INT, MAX_SAFE_INT),
                "member": text(),
                "lines": [{text(): rng.choice([None, True, False, text()])} for _ in range(3)],
                "nested": {"a": [rng.randint(-5, 5), text(), {"z": None}]},
            },
            text(): text(),
        }
        assert canonical_bytes(value) == reference_bytes(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ufb33": 2},  # astral key: UTF-16 order differs from code points
        {"a": 1.5},  # float: refused with its path
        {"a": MAX_SAFE_INT + 1},  # unsafe integer
        {1: "x"},  # non-str key
        {"s": "\ud800"},  # lone surrogate
        {"a": (1, 2.0)},
    ],
)
def test_values_outside_the_fast_path_take_the_reference_path(value: Any) -> None:
    assert _fast(value) is None
    assert outcome(canonical_bytes, value) == outcome(reference_bytes, value)


def test_fast_path_is_taken_for_a_dues_batch_and_matches() -> None:
    lines = [
        {"member": f"M{i:06d}", "salary_basis": 5_000_000 + i, "amount": 50_000}
        for i in range(5000)
    ]
    value = {"body": {"month": "2025-01", "lines": lines}, "type": "collection.dues"}
    fast = _fast(value)
    assert fast is not None
    assert fast == reference_bytes(value)
    assert json.loads(fast) == value


def test_subclasses_and_mappings_are_left_to_the_reference() -> None:
    class Text(str):
        pass

    assert _fast({"a": Text("x")}) is None
    assert _fast({"a": True}) == b'{"a":true}'
