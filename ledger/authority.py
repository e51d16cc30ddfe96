"""Who may sign what: signature, key validity and role scope checks at write time.

Invariants:
- The message signed is exactly `canonical_bytes(command)` (RFC 8785); the ledger verifies
  it against the officer's registered key before anything else, so the ledger's operator
  cannot forge or alter an officer's command.
- A signature counts only if the key was registered, not retired, not revoked on the
  recording date, and the officer held one of the command type's roles over the command's
  unit (a role on a unit covers its descendants; scope "*" covers the whole ledger).
- A cosignature (maker-checker) must come from a *different* officer holding the chair role
  over the unit, over the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger.domain.catalogue import Role
from ledger.domain.errors import SignatureRefused, problem
from ledger.domain.officers import Officer
from ledger.signing import decode_b64, verify

REASONS = {
    "unknown_key": ("khóa không thuộc cán bộ này", "the key is not registered to this officer"),
    "revoked_key": ("khóa đã bị thu hồi", "the key has been revoked"),
    "retired_key": ("khóa đã được thay thế", "the key was replaced by a newer one"),
    "key_not_yet_valid": ("khóa chưa có hiệu lực", "the key is not valid yet"),
}


def refuse(
    code: str, vi: str, en: str, field_: str = "signature", *, status: int = 401
) -> SignatureRefused:
    """The signer's own signature or key refused (401), or, with `status`, another refusal
    of who signed: a cosignature that does not hold (422), maker = checker (403)."""
    return SignatureRefused(
        code=code, vi=vi, en=en, problems=[problem(field_, code, vi, en)], status=status
    )


def check_signature(
    officer: Officer | None,
    *,
    key_id: str,
    message: bytes,
    signature_b64: str,
    at: datetime,
    field_: str = "signature",
) -> None:
    """The signer's signature (`field_` "signature": refused with 401) or a cosignature
    (`field_` "cosignatures[i]": refused with 422, a fault of the request's content, not of
    the caller's credentials; an unknown cosigner is named at "cosignatures[i].officer")."""
    cosignature = field_ != "signature"
    status = 422 if cosignature else 401
    if officer is None:
        raise refuse(
            "unknown_officer",
            "cán bộ ký không tồn tại",
            "the signing officer is unknown",
            f"{field_}.officer" if cosignature else "command.signer.officer",
            status=status,
        )
    reason = officer.key_problem(key_id, at=at)
    if reason is not None:
        vi, en = REASONS[reason]
        raise refuse(
            reason, f"{officer.code}: {vi}", f"{officer.code}: {en}", field_, status=status
        )
    try:
        signature = decode_b64(signature_b64)
    except ValueError:
        raise refuse(
            "bad_signature",
            "chữ ký không đúng định dạng base64",
            "the signature is not valid base64",
            field_,
            status=status,
        ) from None
    public_key = decode_b64(officer.keys[key_id].public_key)
    if not verify(public_key, message, signature):
        raise refuse(
            "bad_signature",
            "chữ ký không khớp với nội dung lệnh",
            "the signature does not match the command",
            field_,
            status=status,
        )


def holds_role(
    officer: Officer,
    roles: frozenset[Role] | set[Role],
    *,
    unit: str | None,
    at: datetime,
    ancestors: Callable[[str], list[str]],
) -> bool:
    """True if the officer held one of `roles` over `unit` (None: the whole ledger) at `at`."""
    chain = ancestors(unit) if unit is not None else []
    for role in roles:
        for scope in officer.scopes(role.value, at=at):
            if scope == "*" or scope in chain:
                return True
    return False


def role_refusal(
    officer: Officer, roles: Any, unit: str | None, field: str = "command.signer"
) -> SignatureRefused:
    """The signer (or, with `field` "cosignatures[i]", a cosigner) holds none of `roles`."""
    names = ", ".join(sorted(r.label_vi for r in roles)) or "—"
    where = unit or "toàn sổ cái"
    return SignatureRefused(
        code="role_not_allowed",
        vi=f"{officer.code} không có vai trò ({names}) tại {where}",
        en=f"{officer.code} holds no role ({', '.join(sorted(r.value for r in roles))}) "
        f"over {unit or 'the whole ledger'}",
        problems=[
            problem(
                field,
                "role_not_allowed",
                f"không đủ quyền tại {where}",
                f"not allowed over {where}",
            )
        ],
        status=403,
    )
