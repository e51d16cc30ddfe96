"""Build and sign commands exactly as the ledger verifies them (CLI, tests, HTTP clients).

How any client signs (a browser with WebCrypto does the same):
1. Build the command object: {"schema": "phucloi/command/v1", "type", "command_id" (a new
   UUID), "unit", "effective_date" (YYYY-MM-DD), "signer": {"officer", "key_id"},
   "signed_at" (ISO 8601 with offset), "body"}. Money is integer đồng.
   Every text is in Unicode NFC ("Tết" composed, as the ledger requires).
2. For each personal field, normalise the value (texts in NFC), draw a 16-byte random salt,
   and put hex(SHA-256(salt ‖ UTF-8 value)) under body.personal; keep {value, salt(base64)}
   aside as the field's opening.
3. Sign the RFC 8785 canonical JSON bytes of the command with Ed25519.
4. Send {"command", "signature" (base64), "openings", "cosignatures": []}.
A chair cosigns by signing the same canonical bytes and appending
{"officer", "key_id", "signature"} to "cosignatures".
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger import clock
from ledger.canonical import canonical_bytes
from ledger.domain.commands import SCHEMA
from ledger.keystore import Signer
from ledger.privacy import (
    make_personal,
    normalize_bank_account,
    normalize_citizen_id,
    normalize_household,
)
from ledger.signing import encode_b64


@dataclass(frozen=True)
class OfficerSigner:
    """An officer's code and an unlocked key from their keystore."""

    officer: str
    signer: Signer

    @property
    def key_id(self) -> str:
        return self.signer.key_id


def normalise_personal(field: str, value: str) -> str:
    if field == "citizen_id":
        return normalize_citizen_id(value)
    if field in ("bank_account", "payee_account"):
        bank, _, number = value.partition(":")
        return normalize_bank_account(bank, number)
    if field == "household":
        return normalize_household(value)
    # NFC: "Lê" typed decomposed is the same name, "Tết" the same reason (the ledger checks)
    return unicodedata.normalize("NFC", value).strip()


def nfc(value: Any) -> Any:
    """`value` with every text in it in Unicode NFC (lists and objects walked): what a client
    signs, as the ledger refuses a decomposed free text (`ledger.domain.commands.NOT_NFC`)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value


def build(
    type_: str,
    *,
    by: OfficerSigner,
    body: dict[str, Any],
    unit: str | None = None,
    effective_date: date | str | None = None,
    personal: dict[str, str] | None = None,
    command_id: str | None = None,
) -> dict[str, Any]:
    """A signed item ready for `Ledger.submit` / POST; the body's texts are signed in NFC."""
    body = nfc(body)
    openings: dict[str, dict[str, str]] = {}
    if personal:
        values = {k: normalise_personal(k, v) for k, v in personal.items() if v is not None}
        commitments, openings = make_personal(values)
        body["personal"] = {**body.get("personal", {}), **commitments}
    eff = effective_date or clock.today_vn()
    command: dict[str, Any] = {
        "schema": SCHEMA,
        "type": type_,
        "command_id": command_id or str(uuid.uuid4()),
        "effective_date": eff.isoformat() if isinstance(eff, date) else eff,
        "signer": {"officer": by.officer, "key_id": by.key_id},
        "signed_at": _iso(clock.now()),
        "body": body,
    }
    if unit is not None:
        command["unit"] = unit
    item: dict[str, Any] = {
        "command": command,
        "signature": encode_b64(by.signer.sign(canonical_bytes(command))),
    }
    if openings:
        item["openings"] = openings
    return item


def cosign(item: dict[str, Any], *, by: OfficerSigner) -> dict[str, Any]:
    """Add a chair's second signature over the same canonical bytes."""
    signature = encode_b64(by.signer.sign(canonical_bytes(item["command"])))
    cosigs = [
        *item.get("cosignatures", []),
        {"officer": by.officer, "key_id": by.key_id, "signature": signature},
    ]
    return {**item, "cosignatures": cosigs}


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds")
