"""The sequential half of verification: replay the log in order and check each event against
everything before it.

Design overview:
- The key registry is not trusted from anywhere but the log: officers and units are rebuilt
  from their own stored events, decoded with eventsourcing's JSON transcoder and applied to
  the real `Officer` / `Unit` aggregates (their state is a pure function of envelopes), in
  log order, so each signature is judged against the key and roles in force at that event's
  recorded instant, exactly as `Ledger._check_authority` judged it when it was recorded.
- Log checks are pure functions `(event, replay) -> findings` registered in LOG_CHECKS and
  run by one loop before the event is applied to the replay state.

Ed25519 verification of the officer's signature on each event is handed out: when
`Replay.deferred` is a list, the check appends (event, officer, public key) to it and goes on;
the caller verifies those in worker processes and reports a failure exactly as this check
would have (`signature_finding`). Nothing the replay keeps depends on that outcome.
Cosignatures (few) are verified here, because the chair's second signature changes state.

Invariants checked here: seq gap-free from 0; notification ids increasing; every aggregate's
versions 1, 2, 3… in log order; a valid signature by a key valid at the recorded instant, of
an officer holding one of the command type's roles over its unit (ancestors from replayed
units); cosignatures by a different officer holding the chair role; payouts that needed the
chair's second signature have one (inline, or a later approval); loan disbursements that
needed it, and every write-off, have one inline (a loan is never recorded pending); so do
expenses above the approval threshold (never recorded pending either), every union fee
decision (union_fee.relief) and every reversal of one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

import ledger.domain.findings
import ledger.domain.members  # noqa: F401  (registers the stored topics)
from audit.findings import ERROR, WARNING, Finding
from audit.merkle import CompactRange
from audit.scan import Scanned, stored_event, verify_sig
from ledger.authority import holds_role
from ledger.domain.catalogue import Role
from ledger.domain.commands import COMMANDS
from ledger.domain.money import format_dong
from ledger.domain.officers import Officer
from ledger.domain.policy import Policy, PolicyBook, resolve
from ledger.domain.units import Unit
from ledger.signing import decode_b64, key_id

CHAIR = frozenset({Role.chair})


def make_mapper() -> Mapper[Any]:
    """The same transcoder eventsourcing's Application uses (no cipher, no compressor)."""
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder)


@dataclass
class Replay:
    """Everything the replay knows after the events applied so far."""

    wanted_roots: set[int] = field(default_factory=set)
    mapper: Mapper[Any] = field(default_factory=make_mapper)
    officers: dict[str, Officer] = field(default_factory=dict)  # by aggregate id
    officer_codes: dict[str, str] = field(default_factory=dict)  # code -> aggregate id
    units: dict[str, Unit] = field(default_factory=dict)
    unit_codes: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    next_seq: int = 0
    last_nid: int = 0
    last_recorded: str = ""
    genesis_seq: int | None = None
    tree: CompactRange = field(default_factory=CompactRange)
    roots: dict[int, bytes] = field(default_factory=dict)
    awaiting_chair: dict[str, tuple[int, str | None, int | None, str | None, str | None]] = field(
        default_factory=dict
    )
    payout_makers: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    fee_reliefs: set[str] = field(default_factory=set)  # union_fee.relief event ids
    erased: set[str] = field(default_factory=set)  # the people whose erasure is in the log
    # member's person id -> the relatives they declared with keys of their own
    relative_keys: dict[str, list[str]] = field(default_factory=dict)
    signed_with: dict[tuple[str, str], list[tuple[int, str, str]]] = field(default_factory=dict)
    revocations: list[tuple[int, str, str]] = field(default_factory=list)  # seq, officer, key
    deferred: list[tuple[Scanned, str, bytes]] | None = None  # signatures left to the caller
    events_named: int = 0  # distinct stored events the log's entries name (see apply)
    _public: dict[str, bytes] = field(default_factory=dict)  # base64 -> raw public key
    _chains: dict[str, list[str]] = field(default_factory=dict)  # unit -> ancestors
    _books: dict[tuple[str, int], PolicyBook] = field(default_factory=dict)
    _at: datetime | None = None  # the instant of the event being checked

    # --- queries used by the checks --------------------------------------------------------

    def officer(self, code: str | None) -> Officer | None:
        aid = self.officer_codes.get(code or "")
        return self.officers.get(aid) if aid else None

    def unit(self, code: str) -> Unit | None:
        aid = self.unit_codes.get(code)
        return self.units.get(aid) if aid else None

    def ancestors(self, code: str) -> list[str]:
        """The unit and its parents up to the root (cached until a unit event is replayed)."""
        chain = self._chains.get(code)
        if chain is not None:
            return chain
        chain = []
        current: str | None = code
        while current is not None and current not in chain:
            chain.append(current)
            unit = self.unit(current)
            current = unit.parent if unit is not None else None
        self._chains[code] = chain
        return chain

    def policy(self, unit: str, on: date) -> Policy | None:
        books: list[PolicyBook | None] = []
        for code in self.ancestors(unit):
            u = self.unit(code)
            if u is None or not u.policies:
                books.append(None)
                continue
            cache_key = (code, len(u.policies))
            if cache_key not in self._books:
                self._books[cache_key] = PolicyBook.from_dict({"versions": u.policies})
            books.append(self._books[cache_key])
        return resolve(books, on)

    def public_key(self, encoded: str) -> bytes:
        raw = self._public.get(encoded)
        if raw is None:
            raw = self._public[encoded] = decode_b64(encoded)
        return raw

    # --- applying one event ----------------------------------------------------------------

    def apply(self, item: Scanned, leaf: bytes) -> list[Finding]:
        self.next_seq = item.seq + 1
        self.last_nid = item.notification_id
        if item.recorded_at and item.recorded_at > self.last_recorded:
            self.last_recorded = item.recorded_at
        if item.aggregate_id is not None and item.version is not None:
            last = self.versions.get(item.aggregate_id, 0)
            if item.leaf is not None and item.version == last + 1:
                self.events_named += 1  # a stored event no earlier entry named
            self.versions[item.aggregate_id] = max(item.version, last)
        self.tree.append(leaf)
        if self.tree.size in self.wanted_roots:
            self.roots[self.tree.size] = self.tree.root()
        extra = item.extra
        if extra is not None and "stored" in extra:
            return self.apply_registry(item)
        return []

    def apply_registry(self, item: Scanned) -> list[Finding]:
        assert item.extra is not None
        ev = item.extra["stored"]
        aid = item.aggregate_id or ""
        is_officer = ev.topic.startswith("phucloi:officer.")
        table = self.officers if is_officer else self.units
        if not is_officer:
            self._chains.clear()  # a unit registered, moved or dissolved: chains change
        try:
            domain_event: Any = self.mapper.to_domain_event(stored_event(ev))
            current = table.get(aid)
            if current is None:
                if not hasattr(domain_event, "originator_topic"):
                    raise ValueError("event for an aggregate that was never created")
                current = domain_event.mutate(None)
                table[aid] = current
                if is_officer:
                    self.officer_codes[current.code] = aid
                else:
                    self.unit_codes[current.code] = aid
            else:
                domain_event.apply(current)
            if item.type == "officer.revoke_key":
                body = item.extra.get("body", {})
                self.revocations.append((item.seq, body.get("officer"), body.get("key_id")))
        except Exception as exc:  # a tampered event must become a finding, never a crash
            return [
                Finding(
                    "registry.replay",
                    ERROR,
                    item.seq,
                    item.event_id,
                    item.aggregate_id,
                    item.version,
                    f"cannot replay this event into the key registry: {exc}",
                    f"không phát lại được bút toán này vào sổ đăng ký khóa: {exc}",
                )
            ]
        return []


def _f(item: Scanned, check: str, vi: str, en: str, severity: str = ERROR) -> Finding:
    """A finding on this event, said in Vietnamese (`vi`) and English (`en`)."""
    return Finding(
        check, severity, item.seq, item.event_id, item.aggregate_id, item.version, en, vi
    )


def _reason_vi(reason: str) -> str:
    """A key problem (`Officer.key_problem`) in Vietnamese, as the ledger refuses it."""
    from ledger.authority import REASONS

    return REASONS[reason][0] if reason in REASONS else reason


# --- the log checks ------------------------------------------------------------------------


def check_sequence(item: Scanned, r: Replay) -> list[Finding]:
    if item.seq == r.next_seq:
        return []
    if item.seq > r.next_seq:
        span = f"{r.next_seq}" if item.seq == r.next_seq + 1 else f"{r.next_seq}–{item.seq - 1}"
        return [
            Finding(
                "log.seq_gap",
                ERROR,
                r.next_seq,
                None,
                None,
                None,
                f"log sequence number(s) {span} missing before seq {item.seq}: entries were "
                "deleted",
                f"thiếu số thứ tự {span} trước seq {item.seq}: các mục sổ cái đã bị xóa",
            )
        ]
    return [
        _f(
            item,
            "log.seq_gap",
            f"số thứ tự {item.seq} bị lặp lại",
            f"sequence number {item.seq} repeats",
        )
    ]


def check_notification_order(item: Scanned, r: Replay) -> list[Finding]:
    if item.notification_id > r.last_nid:
        return []
    return [
        _f(
            item,
            "log.order",
            f"lưu sai thứ tự: notification id {item.notification_id} sau {r.last_nid} "
            "(bút toán bị đổi chỗ hoặc chèn thêm?)",
            f"stored out of order: notification id {item.notification_id} after "
            f"{r.last_nid} (events swapped or inserted?)",
        )
    ]


def check_versions(item: Scanned, r: Replay) -> list[Finding]:
    if item.aggregate_id is None or item.version is None:
        return []
    last = r.versions.get(item.aggregate_id, 0)
    if item.version == last + 1:
        return []
    if item.version <= last:
        vi = f"phiên bản {item.version} đứng sau phiên bản {last} của cùng một đối tượng"
        en = f"version {item.version} comes after version {last} of the same aggregate"
    else:
        vi = f"thiếu các phiên bản {last + 1}–{item.version - 1} của đối tượng này"
        en = f"versions {last + 1}–{item.version - 1} of this aggregate are missing"
    return [_f(item, "log.versions", vi, en)]


# Concurrent writers stamp each item as they check it and store in commit order, so an
# entry may be stamped up to a batch's checking time before the one stored just before it
# (ledger.application, careful batches). A back-dated insertion is hours or days off.
RECORDED_ORDER_SLACK = timedelta(minutes=10)


def check_recorded_order(item: Scanned, r: Replay) -> list[Finding]:
    if item.recorded_at is None or item.recorded_at >= r.last_recorded:
        return []
    try:
        gap = datetime.fromisoformat(r.last_recorded) - datetime.fromisoformat(item.recorded_at)
    except (TypeError, ValueError):
        gap = RECORDED_ORDER_SLACK * 2  # a stamp that does not read is not excused
    if gap <= RECORDED_ORDER_SLACK:
        return []
    return [
        _f(
            item,
            "log.recorded_order",
            f"ghi lúc {item.recorded_at}, trước bút toán liền trước ({r.last_recorded}): "
            "chèn lùi ngày?",
            f"recorded at {item.recorded_at}, before the previous event ({r.last_recorded}): "
            "back-dated insertion?",
            WARNING,
        )
    ]


def _signature_ok(item: Scanned, officer: Officer, r: Replay) -> bool:
    """The signature's verdict, or True for now when it is deferred to the caller."""
    if item.signature_ok is not None:
        return item.signature_ok
    key = officer.keys.get(item.key_id or "")
    if key is None:
        return False
    public = r.public_key(key.public_key)
    if r.deferred is not None:
        r.deferred.append((item, officer.code, public))
        return True
    return verify_sig(public, item.message, item.signature)


def signature_finding(item: Scanned, officer_code: str) -> Finding:
    return _f(
        item,
        "signature.invalid",
        f"chữ ký của {officer_code} không khớp với lệnh đã lưu",
        f"{officer_code}'s signature does not verify over the stored command",
    )


def check_authority(item: Scanned, r: Replay) -> list[Finding]:
    if item.type is None:
        return []  # undecodable: already a finding
    if item.type == "ledger.genesis":
        return _check_genesis(item, r)
    spec = COMMANDS.get(item.type)
    if spec is None:
        return [
            _f(
                item,
                "signature.type",
                f"loại lệnh không xác định {item.type!r}",
                f"unknown command type {item.type!r}",
            )
        ]
    officer = r.officer(item.signer)
    if officer is None:
        return [
            _f(
                item,
                "signature.officer",
                f"ký bởi {item.signer!r}, không phải cán bộ đã đăng ký vào thời điểm đó",
                f"signed by {item.signer!r}, not a registered officer at that time",
            )
        ]
    at = _instant(item)
    if at is None:
        return [
            _f(
                item,
                "signature.time",
                f"recorded_at {item.recorded_at!r} không phải là thời điểm",
                f"recorded_at {item.recorded_at!r} is not a time",
            )
        ]
    found = []
    reason = officer.key_problem(item.key_id or "", at=at)
    if reason is not None:
        found.append(
            _f(
                item,
                "signature.key",
                f"khóa {item.key_id} của {officer.code} không thể ký lúc {item.recorded_at}: "
                f"{_reason_vi(reason)}",
                f"{officer.code}'s key {item.key_id} could not "
                f"sign at {item.recorded_at}: {reason}",
            )
        )
    else:
        r.signed_with.setdefault((officer.code, item.key_id or ""), []).append(
            (item.seq, item.recorded_at or "", item.event_id)
        )
    if reason is None and not _signature_ok(item, officer, r):
        found.append(signature_finding(item, officer.code))
    if not holds_role(officer, spec.roles, unit=item.scope_unit, at=at, ancestors=r.ancestors):
        roles = ", ".join(sorted(role.value for role in spec.roles))
        found.append(
            _f(
                item,
                "signature.role",
                f"{officer.code} không giữ vai trò nào ({roles}) đối với "
                f"{item.scope_unit or 'toàn bộ sổ cái'} lúc {item.recorded_at}",
                f"{officer.code} held no role ({roles}) over "
                f"{item.scope_unit or 'the whole ledger'} at {item.recorded_at}",
            )
        )
    return found


def _check_genesis(item: Scanned, r: Replay) -> list[Finding]:
    if r.genesis_seq is not None or item.seq != 0:
        return [
            _f(
                item,
                "signature.genesis",
                "bút toán khởi tạo (genesis) thứ hai hoặc đặt sai chỗ",
                "a second or misplaced genesis event",
            )
        ]
    r.genesis_seq = item.seq
    body = (item.extra or {}).get("body", {})
    try:
        public = decode_b64(body.get("public_key", ""))
        own = key_id(public)
    except (ValueError, TypeError):
        return [
            _f(
                item,
                "signature.genesis",
                "bút toán khởi tạo không mang khóa công khai hợp lệ",
                "genesis carries no valid public key",
            )
        ]
    if item.signer != body.get("officer") or item.key_id != own:
        return [
            _f(
                item,
                "signature.genesis",
                "bút toán khởi tạo không do chính quản trị viên mà nó nêu tự ký",
                "genesis is not self-signed by the admin it names",
            )
        ]
    ok = item.signature_ok
    if ok is None:
        ok = verify_sig(public, item.message, item.signature)
    if ok:
        return []
    return [
        _f(
            item,
            "signature.invalid",
            "chữ ký của bút toán khởi tạo không hợp lệ",
            "the genesis signature does not verify",
        )
    ]


def _instant(item: Scanned) -> datetime | None:
    try:
        return datetime.fromisoformat(item.recorded_at or "")
    except ValueError:
        return None


def _valid_cosigners(item: Scanned, r: Replay) -> tuple[list[str], list[Finding]]:
    valid: list[str] = []
    found: list[Finding] = []
    at = _instant(item)
    material = {c.get("key_id"): c for c in (item.extra or {}).get("cosig_material", [])}
    for i, (code, kid, ok) in enumerate(item.cosigs):
        where = f"cosignatures[{i}] by {code}"
        where_vi = f"cosignatures[{i}] của {code}"
        cosigner = r.officer(code)
        if cosigner is None or at is None:
            found.append(
                _f(
                    item,
                    "cosignature.officer",
                    f"{where_vi}: không phải cán bộ đã đăng ký",
                    f"{where}: not a registered officer",
                )
            )
            continue
        reason = cosigner.key_problem(kid, at=at)
        if reason is not None:
            found.append(
                _f(
                    item,
                    "cosignature.key",
                    f"{where_vi}: khóa {kid}: {_reason_vi(reason)}",
                    f"{where}: key {kid}: {reason}",
                )
            )
            continue
        if ok is None:
            c = material.get(kid, {})
            ok = verify_sig(
                r.public_key(cosigner.keys[kid].public_key), item.message, c.get("signature")
            )
        if not ok:
            found.append(
                _f(
                    item,
                    "cosignature.invalid",
                    f"{where_vi}: chữ ký không hợp lệ",
                    f"{where}: does not verify",
                )
            )
            continue
        if code == item.signer:
            found.append(
                _f(
                    item,
                    "cosignature.same_officer",
                    f"{where_vi}: người lập và người duyệt là cùng một cán bộ",
                    f"{where}: maker and checker are the same officer",
                )
            )
            continue
        if not holds_role(cosigner, CHAIR, unit=item.scope_unit, at=at, ancestors=r.ancestors):
            found.append(
                _f(
                    item,
                    "cosignature.role",
                    f"{where_vi}: không phải Chủ tịch của {item.scope_unit}",
                    f"{where}: not chair over {item.scope_unit}",
                )
            )
            continue
        valid.append(code)
    return valid, found


def check_cosignatures_and_approvals(item: Scanned, r: Replay) -> list[Finding]:
    found: list[Finding] = []
    valid: list[str] = []
    if item.cosigs:
        valid, found = _valid_cosigners(item, r)
    extra = item.extra or {}
    if item.type == "payout.record":
        r.payout_makers[item.event_id] = (item.signer, extra.get("digest"))
        if extra.get("status") == "paid" and not valid and _needs_chair(extra, r):
            r.awaiting_chair[item.event_id] = (
                item.seq,
                item.aggregate_id,
                item.version,
                item.signer,
                extra.get("digest"),
            )
    elif item.type == "loan.write_off" and not valid:
        found.append(
            _f(
                item,
                "loan.second_signature",
                "xóa nợ không có chữ ký thứ hai của Chủ tịch",
                "a write-off without the chair's second signature",
            )
        )
    elif item.type == "union_fee.relief":
        r.fee_reliefs.add(item.event_id)
        if not valid:
            found.append(
                _f(
                    item,
                    "fee_relief.second_signature",
                    "quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn không có chữ ký "
                    "thứ hai của Chủ tịch",
                    "a union fee exemption, reduction or suspension without the chair's second "
                    "signature",
                )
            )
    elif item.type == "reversal.record" and not valid and extra.get("target") in r.fee_reliefs:
        found.append(
            _f(
                item,
                "fee_relief.second_signature",
                "đảo quyết định miễn, giảm, tạm dừng đóng kinh phí công đoàn không có chữ ký thứ "
                "hai của Chủ tịch",
                "a union fee decision reversed without the chair's second signature",
            )
        )
    elif item.type == "loan.disburse" and not valid and _needs_chair(extra, r):
        found.append(
            _f(
                item,
                "loan.second_signature",
                "giải ngân vay vượt ngưỡng phê duyệt hoặc vượt quy chế mà không có chữ ký thứ hai "
                "của Chủ tịch",
                "a disbursement above the approval threshold or overriding the policy without "
                "the chair's second signature",
            )
        )
    elif item.type == "expense.record" and not valid and _needs_chair(extra, r):
        found.append(_expense_without_chair(item, extra, r))
    elif item.type == "approval.decide" and extra.get("decision") == "approve":
        target = str(extra.get("target"))
        maker, digest = r.payout_makers.get(target, (None, None))
        if maker is None:
            found.append(
                _f(
                    item,
                    "approval.target",
                    f"duyệt {target}, không phải một khoản chi đã ghi",
                    f"approves {target}, not a recorded payout",
                )
            )
        elif maker == item.signer:
            found.append(
                _f(
                    item,
                    "approval.same_officer",
                    "người lập tự duyệt khoản chi của mình",
                    "the maker approved their own payout",
                )
            )
        elif digest != extra.get("target_digest"):
            found.append(
                _f(
                    item,
                    "approval.digest",
                    "duyệt nội dung khác với nội dung khoản chi",
                    "approves other bytes than the payout's",
                )
            )
        else:
            r.awaiting_chair.pop(target, None)
    return found


def _expense_without_chair(item: Scanned, extra: dict[str, Any], r: Replay) -> Finding:
    """An expense above the threshold of the policy in force on its effective date, recorded
    without the chair's valid cosignature (the ledger refuses one since expenses came under
    maker-checker; an older or forged client could still write it)."""
    amount, threshold = extra.get("amount"), None
    try:
        policy = r.policy(str(extra.get("unit") or ""), date.fromisoformat(extra["effective_date"]))
        threshold = policy.approval_threshold if policy is not None else None
    except (ValueError, TypeError, KeyError):
        pass
    if isinstance(amount, int) and threshold is not None:
        money, limit = format_dong(amount), format_dong(threshold)
        vi = f"khoản chi hoạt động {money} vượt ngưỡng phê duyệt {limit}"
        en = f"an expense of {money} above the approval threshold of {limit}"
    else:
        vi, en = (
            "khoản chi hoạt động vượt ngưỡng phê duyệt",
            "an expense above the approval threshold",
        )
    return _f(
        item,
        "expense.second_signature",
        f"{vi} mà không có chữ ký thứ hai của Chủ tịch",
        f"{en} without the chair's second signature",
    )


def _needs_chair(extra: dict[str, Any], r: Replay) -> bool:
    if extra.get("overridden") or extra.get("override"):
        return True
    try:
        on = date.fromisoformat(extra.get("effective_date") or "")
        policy = r.policy(extra.get("unit") or "", on)
        return policy is not None and policy.needs_second_signature(int(extra.get("amount") or 0))
    except (ValueError, TypeError):
        return True


def revoked_after_the_fact(r: Replay) -> list[Finding]:
    """Signatures made before a revocation was recorded, on or after its effective date.

    A stolen key is revoked from a date that may be in the past (ledger.domain.officers): the
    ledger accepted those signatures when they came, the inspector must still see them.
    """
    from ledger.clock import local_date

    found = []
    for rev_seq, code, kid in r.revocations:
        officer = r.officer(code)
        key = officer.keys.get(kid) if officer is not None else None
        if key is None or key.revoked_from is None:
            continue
        for seq, recorded, event_id in r.signed_with.get((code, kid), []):
            if seq < rev_seq and local_date(datetime.fromisoformat(recorded)) >= key.revoked_from:
                found.append(
                    Finding(
                        "signature.revoked",
                        ERROR,
                        seq,
                        event_id,
                        None,
                        None,
                        f"signed by {code} with key {kid} on {recorded}, on or after the key's "
                        f"revocation from {key.revoked_from} (recorded at seq {rev_seq})",
                        f"ký bởi {code} bằng khóa {kid} lúc {recorded}, vào hoặc sau ngày khóa bị "
                        f"thu hồi ({key.revoked_from}; việc thu hồi ghi ở seq {rev_seq})",
                    )
                )
    return found


LOG_CHECKS: list[Callable[[Scanned, Replay], list[Finding]]] = [
    check_sequence,
    check_notification_order,
    check_versions,
    check_recorded_order,
    check_authority,
    check_cosignatures_and_approvals,
]


def replay_one(item: Scanned, r: Replay) -> list[Finding]:
    found: list[Finding] = []
    for check in LOG_CHECKS:
        result = check(item, r)
        if result:
            found.extend(result)
    if item.extra and item.type in ("member.erase", "member.erase_relative"):
        person = item.extra["person"]
        r.erased.add(person)
        r.erased.update(r.relative_keys.get(person, ()))  # a member's relatives go with them
    elif item.extra and item.type == "member.relative":
        r.relative_keys.setdefault(item.extra["member"], []).append(item.extra["person"])
    leaf = item.leaf if item.leaf is not None else b"\x00" * 32
    found.extend(r.apply(item, leaf))
    return found
