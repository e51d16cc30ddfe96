"""Canonical JSON bytes (RFC 8785, JSON Canonicalization Scheme) for hashing and signing.

Every signed command and every hash-chained event is reduced to bytes by
:func:`canonical_bytes`.  A signature is only meaningful if signer and verifier derive
*exactly* the same bytes from the same logical value, on any machine, in any language, years
later.  JCS gives that: object members sorted by UTF-16 code units, no insignificant
whitespace, strings as UTF-8 with minimal escaping, numbers in ECMAScript form.

Invariants enforced here (before the value is handed to ``rfc8785``):

* **No floats anywhere.**  Money is integer đồng; a float in a ledger value is always a bug
  (rounding, ``0.1 + 0.2``) and JCS number formatting of floats is a notorious source of
  cross-implementation disagreement.  The error names the JSON path (``body.amount``) so the
  caller can find the offending field.
* **Integers within the I-JSON safe range** ``-(2**53 - 1) .. 2**53 - 1`` (RFC 7493).  Larger
  integers are silently rounded by JavaScript and other IEEE-754 consumers, so two verifiers
  could disagree on what was signed.
* **Object keys are ``str``.**  ``json.dumps`` would quietly coerce ``1`` to ``"1"``, making
  ``{1: x}`` and ``{"1": x}`` collide; we refuse instead.
* Only JSON types are accepted: ``dict``, ``list``/``tuple``, ``str``, ``int``, ``bool``,
  ``None``.  Anything else (``Decimal``, ``datetime``, ``bytes``...) must be converted
  explicitly by the caller, so the encoding is a visible decision, not an accident.

Speed: a value made only of plain ``dict``/``list``/``tuple``/``str``/``int``/``bool``/``None``
whose object keys contain no character above U+FFFF is encoded by the C ``json`` encoder
(sorted keys, no whitespace, no ASCII escaping). For such values that output is byte for byte
the RFC 8785 output: keys without astral characters sort the same by code point as by UTF-16
code unit, both escape exactly ``"``, ``\\`` and U+0000..U+001F (short forms, else lower-case
``\\u00xx``), and safe integers print the same. Anything else (astral keys, subclasses, a
Mapping that is not a dict, a string that is not valid Unicode) goes through ``rfc8785``.
``tests/unit/test_canonical_fast.py`` checks the equality on a large randomised corpus.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import rfc8785

__all__ = [
    "MAX_SAFE_INT",
    "MIN_SAFE_INT",
    "CanonicalError",
    "DuplicateKey",
    "canonical_bytes",
    "loads_strict",
    "reference_bytes",
    "sha256_hex",
]

MAX_SAFE_INT = 2**53 - 1
MIN_SAFE_INT = -(2**53 - 1)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class CanonicalError(ValueError):
    """The value cannot be canonicalized (float, unsafe integer, non-str key, non-JSON type).

    `path` is where (dotted, "" for the root); `vi` the Vietnamese message (str() is English).
    """

    def __init__(self, en: str, *, path: str = "", vi: str | None = None) -> None:
        super().__init__(en)
        self.path = path
        self.vi = vi or en


def _child_path(path: str, key: str) -> str:
    if _IDENT.match(key):
        return f"{path}.{key}" if path else key
    quoted = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{quoted}"]'


def _display(path: str) -> str:
    return path or "$ (root)"


def _check(value: Any, path: str) -> None:
    # bool is a subclass of int: test it first so True/False are not range-checked as ints.
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not MIN_SAFE_INT <= value <= MAX_SAFE_INT:
            raise CanonicalError(
                f"integer at {_display(path)} is outside the I-JSON safe range "
                f"±(2**53 - 1): {value}",
                path=path,
                vi=f"số nguyên tại {_display(path)} vượt giới hạn an toàn ±(2**53 - 1): {value}",
            )
        return
    if isinstance(value, float):
        raise CanonicalError(
            f"float at {_display(path)} is not allowed (money is integer đồng): {value!r}",
            path=path,
            vi=f"không nhận số thập phân tại {_display(path)} (tiền là số nguyên đồng): {value!r}",
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(
                    f"object key at {_display(path)} must be str, got {type(key).__name__}: {key!r}"
                )
            _check(item, _child_path(path, key))
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise CanonicalError(f"value at {_display(path)} has non-JSON type {type(value).__name__}")


class DuplicateKey(CanonicalError):
    """A JSON text names one key twice in an object (RFC 8785 section 3.1 and I-JSON, RFC 7493
    section 2.3, require refusing it): `key` is the name, `path` where it is repeated."""

    def __init__(self, key: str, path: str) -> None:
        super().__init__(
            f"the key {key!r} appears twice in one object, at {path}",
            path=path,
            vi=f"khóa {key!r} xuất hiện hai lần trong một đối tượng, tại {path}",
        )
        self.key = key


class _Repeated(dict):  # type: ignore[type-arg]
    """An object in which `repeated` was named more than once (found after parsing)."""

    repeated = ""


def loads_strict(text: str | bytes) -> Any:
    """`json.loads`, refusing an object that names a key twice (`DuplicateKey`, with the JSON
    path of the repeated key) instead of keeping the last value. Other errors are json's own
    (`json.JSONDecodeError`, `UnicodeDecodeError`, `RecursionError` for deep nesting)."""
    seen_repeat = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal seen_repeat
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        names: set[str] = set()
        out = _Repeated(obj)
        for key, _ in items:
            if key in names:
                out.repeated = key
                break
            names.add(key)
        seen_repeat = True
        return out

    value = json.loads(text, object_pairs_hook=pairs)
    if seen_repeat:
        # The first repeated key in document order, with its path (no recursion: the value
        # may be nested as deep as the parser allowed).
        stack: list[tuple[Any, str]] = [(value, "")]
        while stack:
            node, path = stack.pop()
            if isinstance(node, _Repeated):
                raise DuplicateKey(node.repeated, _display(_child_path(path, node.repeated)))
            if isinstance(node, dict):
                stack.extend((v, _child_path(path, k)) for k, v in reversed(node.items()))
            elif isinstance(node, list):
                stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node))))
    return value


def _astral(key: str) -> bool:
    """True if `key` has a character outside the BMP (its UTF-16 order differs)."""
    return not key.isascii() and max(key) > "\uffff"


def _plain(value: Any) -> bool:
    """True if `value` may take the fast path (see the module docstring); never raises.

    Scalars inside containers are tested inline: a dues batch is tens of thousands of
    small objects, and a call per leaf would cost more than the encoding itself.
    """
    t = type(value)
    if t is dict:
        for key in value:
            if type(key) is not str or _astral(key):
                return False
        items: Any = value.values()
    elif t is list or t is tuple:
        items = value
    elif t is str or t is bool or value is None:
        return True
    elif t is int:
        return bool(MIN_SAFE_INT <= value <= MAX_SAFE_INT)
    else:
        return False
    for item in items:
        ti = type(item)
        if ti is str or ti is bool or item is None:
            continue
        if ti is int:
            if not MIN_SAFE_INT <= item <= MAX_SAFE_INT:
                return False
            continue
        if not _plain(item):
            return False
    return True


def _fast(value: Any) -> bytes | None:
    """The C encoder's output for a plain value, or None to take the rfc8785 path."""
    try:
        if not _plain(value):
            return None
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.encode("utf-8")  # a lone surrogate fails here: rfc8785 names it
    except (RecursionError, UnicodeEncodeError, ValueError):
        return None


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of ``obj``.

    Raises :class:`CanonicalError` (naming the JSON path) for floats, integers outside
    ±(2**53 - 1), non-str keys, non-JSON types and strings that are not valid Unicode
    (lone surrogates).
    """
    fast = _fast(obj)
    if fast is not None:
        return fast
    return reference_bytes(obj)


def reference_bytes(obj: Any) -> bytes:
    """`canonical_bytes` through the `rfc8785` package alone (the fast path's reference)."""
    _check(obj, "")
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:  # e.g. lone surrogate in a string
        raise CanonicalError(f"cannot canonicalize value: {exc}") from exc


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()
