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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import rfc8785

__all__ = ["MAX_SAFE_INT", "MIN_SAFE_INT", "CanonicalError", "canonical_bytes", "sha256_hex"]

MAX_SAFE_INT = 2**53 - 1
MIN_SAFE_INT = -(2**53 - 1)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class CanonicalError(ValueError):
    """The value cannot be canonicalized (float, unsafe integer, non-str key, non-JSON type)."""


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
                f"±(2**53 - 1): {value}"
            )
        return
    if isinstance(value, float):
        raise CanonicalError(
            f"float at {_display(path)} is not allowed (money is integer đồng): {value!r}"
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


def canonical_bytes(obj: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of ``obj``.

    Raises :class:`CanonicalError` (naming the JSON path) for floats, integers outside
    ±(2**53 - 1), non-str keys, non-JSON types and strings that are not valid Unicode
    (lone surrogates).
    """
    _check(obj, "")
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:  # e.g. lone surrogate in a string
        raise CanonicalError(f"cannot canonicalize value: {exc}") from exc


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()
