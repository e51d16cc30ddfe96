"""The per-event half of verification: what can be checked of one stored event on its own.

For each row it recomputes the RFC 9162 leaf hash from the stored bytes, checks the ledger
entry against the event it names, decodes the envelope (once: the replay and the read-model
rebuild reuse what is decoded here), checks the digests and, when the data keys are at hand,
that sealed personal data still authenticates. Ed25519 verification of the officers'
signatures is done by `verify_signatures`, in worker processes, on work the sequential replay
hands out (audit.replay decides which key must have signed, from the registry as replayed).

Invariants:
- Row checks are pure functions of (decoded row, context) registered in ROW_CHECKS; a check
  returns findings, never raises on bad data.
- A signature whose key the context does not know is not judged here (state `None`): the
  sequential replay (audit.replay) judges it against the key registry as replayed.
- `Scanned` is what the sequential replay needs of an event, nothing more.
- What crosses to a worker process is compact: a key table, then (key index, signed bytes,
  signature text) per event; what comes back is the indices that do not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

from audit.findings import ERROR, WARNING, Finding
from audit.source import EventRow, LogRow
from ledger.domain.base import SEALED_UNDER_RELATIVE, aggregate_id, relative_person_id
from ledger.leaf import leaf_bytes
from ledger.privacy import TamperedError, unseal

REGISTRY_TOPICS = (
    "phucloi:officer.",
    "phucloi:unit.Registered",
    "phucloi:unit.Moved",
    "phucloi:unit.Renamed",
    "phucloi:unit.Dissolved",
    "phucloi:unit.PolicyAdopted",
)


class Scanned(NamedTuple):
    seq: int
    leaf: bytes | None  # recomputed from the stored event; None when the event is missing
    aggregate_id: str | None
    version: int | None
    notification_id: int  # the entry's
    recorded_at: str | None
    event_id: str
    type: str | None
    signer: str | None
    key_id: str | None
    scope_unit: str | None
    signature_ok: bool | None  # None: key not given to the scan, judged by the replay
    cosigs: tuple[tuple[str, str, bool | None], ...]
    extra: dict[str, Any] | None
    message: bytes = b""  # the exact signed command text
    signature: Any = None  # the envelope's signature (base64 text), unchecked


@dataclass
class ScanContext:
    keys: dict[str, bytes]  # key id -> raw public key
    data_keys: dict[str, bytes | None] | None = None
    counters: dict[str, int] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # stored originator id -> normalised


def normalised_id(stored_id: str) -> str:
    """The aggregate id as ledger_entries writes it: str(UUID)."""
    return str(UUID(str(stored_id)))


def event_leaf_hash(ev: EventRow, *, aggregate: str | None = None) -> bytes:
    data = leaf_bytes(
        topic=ev.topic,
        originator_id=aggregate or normalised_id(ev.originator_id),
        version=ev.originator_version,
        state=ev.state,
    )
    return hashlib.sha256(b"\x00" + data).digest()


def stored_event(ev: EventRow) -> Any:
    from eventsourcing.persistence import StoredEvent

    return StoredEvent(
        originator_id=UUID(str(ev.originator_id)),
        originator_version=ev.originator_version,
        topic=ev.topic,
        state=ev.state,
    )


def verify_sig(public_key: bytes, message: bytes, signature_b64: Any) -> bool:
    try:
        sig = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False
    if len(sig) != 64 or len(public_key) != 32:
        return False
    try:
        crypto_sign_open(sig + message, public_key)
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (tampered data must not crash)."""
    return value if isinstance(value, dict) else {}


def scope_unit(cmd: dict[str, Any]) -> str | None:
    """The unit whose role the signer needs (as Ledger._scope_unit decides at write time)."""
    kind = cmd.get("type")
    body = _obj(cmd.get("body"))
    if kind == "unit.register":
        return body.get("parent")
    if kind in ("officer.grant", "officer.revoke_role"):
        scope = body.get("scope")
        return None if scope == "*" else scope
    return cmd.get("unit")


def _f(check: str, e: Any, vi: str, en: str, *, aid: str | None, severity: str = ERROR) -> Finding:
    """A finding on entry `e`, said in Vietnamese (`vi`) and English (`en`)."""
    return Finding(
        check, severity, e.seq, e.event_id, aid or e.originator_id, e.originator_version, en, vi
    )


# --- the row checks ------------------------------------------------------------------------


@dataclass(slots=True)
class Decoded:
    """One row as the row checks see it."""

    row: LogRow
    aid: str | None = None
    leaf: bytes | None = None
    envelope: dict[str, Any] | None = None
    command: dict[str, Any] | None = None
    message: bytes = b""


def check_event_present(d: Decoded, ctx: ScanContext) -> list[Finding]:
    if d.row.event is None:
        return [
            _f(
                "log.event_missing",
                d.row.entry,
                "mục sổ cái nêu một bút toán đã lưu không tồn tại (đã bị xóa?)",
                "the entry names a stored event that does not exist (deleted?)",
                aid=None,
            )
        ]
    return []


def check_entry_matches_event(d: Decoded, ctx: ScanContext) -> list[Finding]:
    e, ev = d.row.entry, d.row.event
    if ev is None or d.aid is None:
        return []
    cmd, env = d.command, d.envelope
    if cmd is not None and env is not None:
        signer = _obj(cmd.get("signer"))
        if (
            e.topic,
            e.notification_id,
            e.event_id,
            e.command_type,
            e.signer,
            e.unit_code,
            e.effective_date,
            e.recorded_at,
            e.command_digest,
        ) == (
            ev.topic,
            ev.notification_id,
            cmd.get("command_id"),
            cmd.get("type"),
            signer.get("officer"),
            cmd.get("unit"),
            cmd.get("effective_date"),
            env.get("recorded_at"),
            env.get("digest"),
        ):
            return []  # the usual case, in one comparison
    bad: list[str] = []
    if e.topic != ev.topic:
        bad.append(f"topic {e.topic!r} ≠ {ev.topic!r}")
    if e.notification_id != ev.notification_id:
        bad.append(f"notification id {e.notification_id} ≠ {ev.notification_id}")
    if cmd is not None and env is not None:
        signer = _obj(cmd.get("signer"))
        for name, entry_value, event_value in (
            ("event_id", e.event_id, cmd.get("command_id")),
            ("command_type", e.command_type, cmd.get("type")),
            ("signer", e.signer, signer.get("officer")),
            ("unit_code", e.unit_code, cmd.get("unit")),
            ("effective_date", e.effective_date, cmd.get("effective_date")),
            ("recorded_at", e.recorded_at, env.get("recorded_at")),
            ("command_digest", e.command_digest, env.get("digest")),
        ):
            if entry_value != event_value:
                bad.append(f"{name} {entry_value!r} ≠ {event_value!r}")
    if not bad:
        return []
    return [
        _f(
            "log.entry_mismatch",
            e,
            "mục sổ cái khác với bút toán đã lưu: " + "; ".join(bad),
            "ledger entry differs from the stored event: " + "; ".join(bad),
            aid=d.aid,
        )
    ]


def check_leaf_hash(d: Decoded, ctx: ScanContext) -> list[Finding]:
    e = d.row.entry
    if d.leaf is None or d.leaf.hex() == e.leaf_hash:
        return []
    return [
        _f(
            "log.leaf_mismatch",
            e,
            "các byte của bút toán đã lưu không băm ra lá đã ghi lúc ghi sổ (bút toán bị sửa sau "
            "khi ghi)",
            "the stored event's bytes do not hash to the leaf "
            "written when it was recorded (event changed after recording)",
            aid=d.aid,
        )
    ]


def check_decodes(d: Decoded, ctx: ScanContext) -> list[Finding]:
    if d.row.event is not None and d.command is None:
        return [
            _f(
                "event.undecodable",
                d.row.entry,
                "bút toán đã lưu không phải phong bì phucloi có chữ ký",
                "the stored event is not a signed phucloi envelope",
                aid=d.aid,
            )
        ]
    return []


def check_digest(d: Decoded, ctx: ScanContext) -> list[Finding]:
    if d.envelope is None:
        return []
    if hashlib.sha256(d.message).hexdigest() != d.envelope.get("digest"):
        return [
            _f(
                "event.digest",
                d.row.entry,
                "digest của phong bì không phải SHA-256 của văn bản lệnh đã ký",
                "the envelope's digest is not the SHA-256 of the signed command text",
                aid=d.aid,
            )
        ]
    return []


def sealed_for(cmd: dict[str, Any], env: dict[str, Any]) -> str:
    """The person whose key an event's sealed data is under (and whose id is its GCM
    associated data): the member's, or a relative's own when the envelope says so."""
    body = _obj(cmd.get("body"))
    number = str(body.get("member", ""))
    if cmd.get("type") == "member.relative" and env.get("sealed_under") == SEALED_UNDER_RELATIVE:
        return str(relative_person_id(number, str(body.get("relative", ""))))
    return str(aggregate_id("member", number))


def check_sealed(d: Decoded, ctx: ScanContext) -> list[Finding]:
    env, cmd = d.envelope, d.command
    if env is None or cmd is None or "sealed" not in env:
        return []
    sealed = env["sealed"]
    e = d.row.entry
    if not isinstance(sealed, str) or sealed.count(".") != 2 or not sealed.startswith("v1."):
        return [
            _f(
                "sealed.malformed",
                e,
                "dữ liệu cá nhân niêm phong không phải khối AES-GCM v1",
                "sealed personal data is not a v1 AES-GCM blob",
                aid=d.aid,
            )
        ]
    if ctx.data_keys is None:
        return []
    person = sealed_for(cmd, env)
    if person not in ctx.data_keys:
        return [
            _f(
                "sealed.no_key",
                e,
                f"không có dòng khóa dữ liệu cho người {person} (không còn giữ, cũng không ghi là "
                "đã xóa)",
                f"no data key row for person {person} (neither held nor erased)",
                aid=d.aid,
                severity=WARNING,
            )
        ]
    key = ctx.data_keys[person]
    if key is None:
        ctx.counters["erased"] = ctx.counters.get("erased", 0) + 1
        return []  # erased personal data is not a failure
    try:
        unseal(key, person_id=person, sealed=sealed)
    except TamperedError:
        return [
            _f(
                "sealed.tampered",
                e,
                "dữ liệu cá nhân niêm phong không qua được xác thực AES-GCM: bản mã đã bị sửa",
                "sealed personal data fails AES-GCM authentication: the ciphertext was changed",
                aid=d.aid,
            )
        ]
    except ValueError as exc:
        return [
            _f(
                "sealed.malformed",
                e,
                f"dữ liệu cá nhân niêm phong: {exc}",
                f"sealed personal data: {exc}",
                aid=d.aid,
            )
        ]
    ctx.counters["unsealed"] = ctx.counters.get("unsealed", 0) + 1
    return []


ROW_CHECKS: list[Callable[[Decoded, ScanContext], list[Finding]]] = [
    check_event_present,
    check_leaf_hash,
    check_decodes,
    check_entry_matches_event,
    check_digest,
    check_sealed,
]


# --- the scan loop -------------------------------------------------------------------------


def _decode(d: Decoded, ctx: ScanContext) -> None:
    ev = d.row.event
    assert ev is not None
    aid = ctx.ids.get(ev.originator_id)
    if aid is None:
        try:
            aid = normalised_id(ev.originator_id)
        except ValueError:
            return
        ctx.ids[ev.originator_id] = aid
    d.aid = aid
    d.leaf = event_leaf_hash(ev, aggregate=aid)
    try:
        # orjson: strict JSON (RFC 8259) and valid UTF-8 only, several times faster than json;
        # the ledger only ever stores such text (ledger.canonical), anything else is a finding.
        env = orjson.loads(ev.state)["envelope"]
        text = env["command"]
        cmd = orjson.loads(text)
        if not isinstance(cmd, dict) or not isinstance(env, dict):
            return
        message = text.encode()
    except (ValueError, KeyError, TypeError):  # JSONDecodeError, UnicodeError are ValueErrors
        return
    d.envelope, d.command, d.message = env, cmd, message


def _extra(
    topic: str, cmd: dict[str, Any], env: dict[str, Any], ev: EventRow
) -> dict[str, Any] | None:
    kind = cmd.get("type")
    body = _obj(cmd.get("body"))
    if topic.startswith(REGISTRY_TOPICS):
        return {"stored": ev, "body": body}
    if kind in ("payout.record", "loan.disburse"):  # what maker-checker is judged on
        verdict = _obj(env.get("ledger"))
        extra = {
            "amount": body.get("amount"),
            "effective_date": cmd.get("effective_date"),
            "unit": cmd.get("unit"),
            "overridden": bool(verdict.get("overridden")),
            "override": body.get("override") is not None,
        }
        if kind == "payout.record":
            extra |= {"status": verdict.get("status", "paid"), "digest": env.get("digest")}
        return extra
    if kind == "expense.record":  # above the threshold, the chair cosigns inline
        return {
            "amount": body.get("amount"),
            "effective_date": cmd.get("effective_date"),
            "unit": cmd.get("unit"),
        }
    if kind == "approval.decide":
        return {k: body.get(k) for k in ("target", "target_digest", "decision")}
    if kind == "reversal.record":  # a union fee decision's needs the chair
        return {"target": body.get("target")}
    if kind == "member.erase":
        return {"person": str(aggregate_id("member", str(body.get("member", ""))))}
    if kind == "member.erase_relative":
        number, code = str(body.get("member", "")), str(body.get("relative", ""))
        return {"person": str(relative_person_id(number, code))}
    if kind == "member.relative" and env.get("sealed_under") == SEALED_UNDER_RELATIVE:
        # a relative with a key of their own: the member's erasure destroys it too
        member = str(aggregate_id("member", str(body.get("member", ""))))
        return {"person": sealed_for(cmd, env), "member": member}
    return None


def scan_rows(
    rows: list[LogRow], ctx: ScanContext, *, decoded: list[Decoded] | None = None
) -> tuple[list[Scanned], list[Finding]]:
    """Row checks of every row; what the replay needs of each (and, into `decoded`, the
    decoded rows whose envelope and command could be read, for the read-model rebuild)."""
    out: list[Scanned] = []
    findings: list[Finding] = []
    keys = ctx.keys
    for row in rows:
        e = row.entry
        d = Decoded(row)
        if row.event is not None:
            _decode(d, ctx)
            if d.aid is None:
                findings.append(
                    _f(
                        "event.undecodable",
                        e,
                        "mã originator đã lưu không phải UUID",
                        "the stored originator id is not a UUID",
                        aid=None,
                    )
                )
        for check in ROW_CHECKS:
            found = check(d, ctx)
            if found:
                findings.extend(found)
        cmd, env = d.command, d.envelope
        if cmd is None or env is None:
            out.append(
                Scanned(
                    e.seq,
                    d.leaf,
                    d.aid,
                    e.originator_version,
                    e.notification_id,
                    None,
                    e.event_id,
                    None,
                    None,
                    None,
                    None,
                    False,
                    (),
                    None,
                )
            )
            continue
        if decoded is not None:
            decoded.append(d)
        signer = _obj(cmd.get("signer"))
        key_id = str(signer.get("key_id"))
        public = keys.get(key_id) if keys else None
        event = row.event
        assert event is not None
        extra = _extra(event.topic, cmd, env, event)
        sig_ok = None if public is None else verify_sig(public, d.message, env.get("signature"))
        cosigs: list[tuple[str, str, bool | None]] = []
        listed = env.get("cosignatures") or ()
        for c in listed if isinstance(listed, list | tuple) else (listed,):
            if not isinstance(c, dict):
                cosigs.append(("", "", False))
                continue
            cpub = keys.get(str(c.get("key_id")))
            if cpub is None:
                extra = dict(extra or {})
                extra.setdefault("cosig_material", []).append(c)
            cosigs.append(
                (
                    str(c.get("officer")),
                    str(c.get("key_id")),
                    None if cpub is None else verify_sig(cpub, d.message, c.get("signature")),
                )
            )
        out.append(
            Scanned(
                e.seq,
                d.leaf,
                d.aid,
                row.event.originator_version,  # type: ignore[union-attr]
                e.notification_id,
                env.get("recorded_at"),
                e.event_id,
                cmd.get("type"),
                signer.get("officer"),
                key_id,
                scope_unit(cmd),
                sig_ok,
                tuple(cosigs),
                extra,
                d.message,
                env.get("signature"),
            )
        )
    return out, findings


# --- worker processes ----------------------------------------------------------------------


def verify_signatures(
    keys: list[bytes], jobs: list[tuple[int, bytes, Any]]
) -> tuple[list[int], float]:
    """Indices of the jobs (key index, signed bytes, signature) that do not verify, and the
    CPU seconds spent. Runs in a worker process: nothing but PyNaCl is needed here."""
    started = time.process_time()
    bad = [i for i, (k, message, sig) in enumerate(jobs) if not verify_sig(keys[k], message, sig)]
    return bad, time.process_time() - started
