"""A member's saved receipt of one entry, and its check: the same steps as the browser's.

A receipt (`phucloi/receipt/v1`, JSON) is what `/web/me/receipt?entry=` gives a member to
keep: the line they were shown, the stored event (their own entries; a dues batch is the
union's and is not given), its leaf index and hash, the RFC 9162 inclusion proof and the
C2SP checkpoint note it leads to, with the witnesses' cosignature lines. `check_receipt` is
the server's verifier (`phucloi audit receipt FILE`); `static/merkle.js`'s `checkReceipt` is
the browser's (`/web/receipt`). Both take the receipt apart the same way and give the same
`reason` for the same receipt:

- `malformed` (with `field`): the text is not a receipt (a field missing or of another type);
- `entry`: the entry was changed: the event does not hash to the leaf, or the line does not
  say what was signed (`detail` names the first difference, as the member's page does);
- `signature`: the receipt's checkpoint is not signed by the log key the union published;
- `cosignature`: a cosignature line under a trusted witness's name and key ID does not verify
  (a line by a key not trusted is reported `unknown`, never counted);
- `proof`: the inclusion proof does not lead from the leaf to the checkpoint's signed root;
- `latest_signature`: the ledger's newest checkpoint is not signed by the published log key;
- `rewritten`: the newest checkpoint does not extend the receipt's tree (the consistency
  proof does not verify, the log is smaller now, or the same size with another root): the log
  was rewritten since the receipt was saved. (The browser also has `unavailable`: the newest
  checkpoint or the proof could not be fetched.)

The checks run in that order; the first failure is the verdict. Nothing here trusts the
server's word: the newest checkpoint is verified with the published key, and the consistency
proof the caller supplies is checked hash by hash.

A receipt's text is read strictly (`read_receipt`, as merkle.js `readReceipt`), so that
hand-written JSON that one language's parser would take and the other's refuse is refused by
both, naming the field: a key written twice in one object, a number written with a fraction
or an exponent (`1.0`, `3e5`: the format holds integers only) or beyond ±(2^53 − 1), and
base64 that is not canonical (whitespace, missing padding, stray trailing bits). `NaN` and
`Infinity` are not JSON.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.merkle import ProofError, verify_consistency, verify_inclusion
from audit.note import (
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    Verifier,
    open_note,
    split_note,
)
from ledger.leaf import leaf_bytes

FORMAT = "phucloi/receipt/v1"
# the line's fields the content check compares with what was signed
LINE_FIELDS = (
    "event_id",
    "command_type",
    "amount",
    "reversal_of",
    "unit_code",
    "effective_date",
    "key",
    "relative",
    "form",
    "detail",
)
# entries of the union's own (a dues batch holds other members' lines): no event is given
UNION_WIDE = frozenset({"collection.dues", "reversal.record"})
LOAN_KEYS = {"loan.disburse": "disburse", "loan.repay": "repay", "loan.write_off": "write_off"}
_HASH = re.compile(r"[0-9a-f]{64}\Z")
MAX_INT = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: the browser reads no larger integer

# What a verdict that does not hold says, in both languages, from one table:
# `phucloi audit receipt` prints it (Verdict.messages) and /web/receipt renders the same table
# into the page for web.js to fill in (`receipt_texts`), so the two say the same words. `lead`
# opens the sentence on the page; `reasons` by the verdict's reason; `differs` by what differs
# in an entry that was changed ({signed}: what was signed, {receipt}: what the receipt says,
# as people read them; the `_unsaid` forms when either is not a value to show).
RECEIPT_TEXTS: dict[str, Any] = {
    "lead": ("Biên nhận KHÔNG hợp lệ: ", "The receipt does NOT hold: "),
    "reasons": {
        "malformed": (
            "biên nhận không đúng dạng ({field}: {detail})",
            "the receipt is malformed ({field}: {detail})",
        ),
        "entry": (
            "nội dung bút toán trong biên nhận đã bị thay đổi: {differs}",
            "the entry in the receipt was changed: {differs}",
        ),
        "signature": (
            "chữ ký của điểm kiểm tra trong biên nhận sai (không khớp khóa công khai của sổ)",
            "the receipt's checkpoint signature is wrong (it does not verify with the log's "
            "public key)",
        ),
        "cosignature": (
            "chữ ký đồng ký của nhân chứng {witness} sai (giả mạo)",
            "the cosignature of witness {witness} is wrong (forged)",
        ),
        "proof": (
            "bằng chứng trong biên nhận sai: không dẫn từ bút toán tới gốc đã ký của điểm kiểm tra",
            "the receipt's proof is wrong: it does not lead from the entry to the checkpoint's "
            "signed root",
        ),
        "latest_signature": (
            "điểm kiểm tra mới nhất của sổ không có chữ ký hợp lệ của khóa công khai của sổ",
            "the log's newest checkpoint does not verify with the log's public key",
        ),
        "rewritten": (
            "sổ đã bị viết lại kể từ khi bạn lưu biên nhận: điểm kiểm tra mới nhất không nối tiếp "
            "cây của biên nhận",
            "the log was rewritten since the receipt was saved: the newest checkpoint does not "
            "extend the receipt's tree",
        ),
    },
    "differs": {
        "event": (
            "biên nhận không kèm nội dung đã ký của bút toán riêng của đoàn viên",
            "the receipt does not hold what was signed for the member's own entry",
        ),
        "leaf": (
            "nội dung bút toán kèm trong biên nhận không phải bút toán đã ghi vào sổ (không băm ra "
            "lá của biên nhận)",
            "the event in the receipt is not the logged entry (it does not hash to the receipt's "
            "leaf)",
        ),
        "type": (
            "loại bút toán đã ký khác loại ghi trong biên nhận",
            "the signed entry is of another kind than the receipt says",
        ),
        "member": (
            "bút toán đã ký không phải của đoàn viên ghi trong biên nhận",
            "the signed entry is not the receipt's member's",
        ),
        "amount": (
            "số tiền đã ký là {signed}, biên nhận ghi {receipt}",
            "the signed amount is {signed}; the receipt says {receipt}",
        ),
        "amount_unsaid": (
            "số tiền đã ký khác số tiền ghi trong biên nhận",
            "the signed amount is not the one the receipt says",
        ),
        "date": (
            "ngày đã ký là {signed}, biên nhận ghi {receipt}",
            "the signed date is {signed}; the receipt says {receipt}",
        ),
        "date_unsaid": (
            "ngày đã ký khác ngày ghi trong biên nhận",
            "the signed date is not the one the receipt says",
        ),
        "target": (
            "bút toán bị đảo đã ký khác bút toán ghi trong biên nhận, hoặc biên nhận không kèm nội "
            "dung đã ký của bút toán đó",
            "the signed reversal undoes another entry than the receipt says, or the receipt does "
            "not hold that entry's signed content",
        ),
        "unit": (
            "đơn vị đã ký khác đơn vị ghi trong biên nhận",
            "the signed union is not the one the receipt says",
        ),
        "kind": (
            "khoản đã ký khác khoản ghi trong biên nhận",
            "the signed kind is not the one the receipt says",
        ),
        "relative": (
            "người nhận đã ký khác người nhận ghi trong biên nhận",
            "the signed beneficiary is not the one the receipt says",
        ),
        "form": (
            "hình thức (tiền, hiện vật) đã ký khác hình thức ghi trong biên nhận",
            "the signed form (cash, in kind) is not the one the receipt says",
        ),
        "occasion": (
            "dịp chi đã ký khác dịp ghi trong biên nhận",
            "the signed occasion is not the one the receipt says",
        ),
        "loan": (
            "khoản vay đã ký khác khoản vay ghi trong biên nhận",
            "the signed loan is not the one the receipt says",
        ),
    },
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT


def differs_text(detail: str | None, values: dict[str, Any]) -> tuple[str, str]:
    """What differs in a changed entry, in both languages (RECEIPT_TEXTS["differs"]):
    `values` holds what was signed and what the receipt says of an amount or a date."""
    from ledger.domain.money import format_dong

    texts: dict[str, tuple[str, str]] = RECEIPT_TEXTS["differs"]
    signed, said = values.get("signed"), values.get("receipt")
    shown: dict[str, str] | None = None
    if detail == "amount" and isinstance(signed, int) and isinstance(said, int):
        if _is_int(signed) and _is_int(said):
            shown = {"signed": format_dong(signed), "receipt": format_dong(abs(said))}
    elif detail == "date" and isinstance(signed, str) and isinstance(said, str):
        shown = {"signed": _dmy(signed), "receipt": _dmy(said)}
    if detail in ("amount", "date") and shown is None:
        detail = f"{detail}_unsaid"
    if detail not in texts:
        return str(detail), str(detail)
    vi, en = texts[detail]
    return vi.format(**(shown or {})), en.format(**(shown or {}))


def _dmy(text: str) -> str:
    """`2025-01-15` written as people read it (`15/01/2025`), as web.js `dmy` writes it."""
    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\3/\2/\1", text)


class ReceiptError(ValueError):
    """The text is not a receipt: `field` names the part, `vi`/`en` say what is wrong."""

    def __init__(self, field: str, vi: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field, self.vi, self.en = field, vi, en


@dataclass(frozen=True)
class Receipt:
    member: str
    line: dict[str, Any]
    event: dict[str, Any] | None
    original: dict[str, Any] | None
    leaf_index: int
    leaf_hash: str
    tree_size: int
    path: list[str]
    checkpoint: str


@dataclass
class Verdict:
    ok: bool
    reason: str
    detail: str | None = None  # the line's field that differs (entry), the witness (cosignature)
    field: str | None = None  # the receipt's field (malformed)
    size: int | None = None  # the newest checkpoint's size
    from_size: int | None = None  # the receipt's tree size
    content: str | None = None  # "ok", or "union_wide" (a dues batch: its content not given)
    witnesses: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # a changed entry's amount or date: what was signed and what the receipt says ("signed",
    # "receipt"); a malformed receipt's problem in Vietnamese ("detail_vi")
    values: dict[str, Any] = dataclasses.field(default_factory=dict)

    def messages(self) -> tuple[str, str]:
        if self.ok:
            linked = self.size != self.from_size
            vi = (
                f"Biên nhận hợp lệ: bút toán có trong sổ, trong cây {self.from_size} bút toán "
                "của điểm kiểm tra đã ký"
                + (
                    f", và điểm kiểm tra mới nhất ({self.size} bút toán) nối tiếp cây đó"
                    if linked
                    else ", cũng là điểm kiểm tra mới nhất"
                )
                + "."
            )
            en = (
                f"The receipt holds: the entry is in the log, in the {self.from_size}-entry tree "
                "of the signed checkpoint"
                + (
                    f", and the newest checkpoint ({self.size} entries) extends that tree"
                    if linked
                    else ", which is also the newest checkpoint"
                )
                + "."
            )
            return vi, en
        vi, en = RECEIPT_TEXTS["reasons"][self.reason]
        differs = differs_text(self.detail, self.values) if self.reason == "entry" else ("", "")
        return (
            vi.format(
                field=self.field,
                detail=self.values.get("detail_vi", self.detail),
                witness=self.detail,
                differs=differs[0],
            ),
            en.format(
                field=self.field, detail=self.detail, witness=self.detail, differs=differs[1]
            ),
        )

    def as_dict(self) -> dict[str, Any]:
        vi, en = self.messages()
        return {
            "ok": self.ok,
            "reason": self.reason,
            "detail": self.detail,
            "field": self.field,
            "size": self.size,
            "from": self.from_size,
            "content": self.content,
            "witnesses": self.witnesses,
            "message_vi": vi,
            "message_en": en,
        }


# --- making one ----------------------------------------------------------------------------------


def make_receipt(
    line: dict[str, Any],
    *,
    member: str,
    checkpoint_note: str,
    original: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The receipt of a history line (api.queries.history_with_proofs) that has a proof;
    `original` is the line a reversal undoes (its event signs the amount)."""
    return {
        "receipt": FORMAT,
        "member": member,
        "entry": {k: line.get(k) for k in LINE_FIELDS},
        "event": line.get("event"),
        "original": None
        if original is None or original.get("event") is None
        else {
            "event_id": original["event_id"],
            "leaf_hash": original["leaf_hash"],
            "event": original["event"],
        },
        "leaf_index": line["leaf_index"],
        "leaf_hash": line["leaf_hash"],
        "proof": line["proof"],
        "checkpoint": checkpoint_note,
    }


# --- reading one ---------------------------------------------------------------------------------


class _Number:
    """A number the receipt format does not hold (a fraction, an exponent, too large)."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Object(dict[str, Any]):
    """A JSON object that remembers its members in order, a key written twice included."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _integer(text: str) -> int | _Number:
    digits = text.lstrip("-")
    if len(digits) > 16 or int(digits) > MAX_INT:
        return _Number(text)
    return int(text)


def _well_formed(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _first_problem(value: Any, where: str) -> ReceiptError | None:
    """The first strictness problem in document order (merkle.js readReceipt's order)."""
    if isinstance(value, _Number):
        return _no(
            where,
            f"phải là số nguyên viết không có phần thập phân hay số mũ, trong khoảng ±{MAX_INT}",
            f"must be a whole number written without a fraction or exponent, within ±{MAX_INT}",
        )
    if isinstance(value, str) and not _well_formed(value):
        return _no(
            where,
            "có ký tự Unicode không hợp lệ (nửa cặp thay thế)",
            "holds an invalid Unicode character (a lone surrogate)",
        )
    if isinstance(value, _Object):
        seen: set[str] = set()
        for key, item in value.pairs:
            at = key if where == "receipt" else f"{where}.{key}"
            if not _well_formed(key):
                return _first_problem(key, at)
            if key in seen:
                return _no(
                    at, "có hai lần trong cùng một đối tượng", "is written twice in one object"
                )
            seen.add(key)
            problem = _first_problem(item, at)
            if problem is not None:
                return problem
    if isinstance(value, list):
        for i, item in enumerate(value):
            problem = _first_problem(item, f"{where}[{i}]")
            if problem is not None:
                return problem
    return None


def read_receipt(text: str) -> Any:
    """The JSON of a receipt's text, read strictly (see the module docstring): ValueError when
    it is not JSON, ReceiptError naming the first field written in a way the format refuses."""
    value = json.loads(
        text,
        object_pairs_hook=_Object,
        parse_float=_Number,
        parse_int=_integer,
        parse_constant=_constant,
    )
    problem = _first_problem(value, "receipt")
    if problem is not None:
        raise problem
    return value


def b64_strict(text: str) -> bytes:
    """Canonical standard base64 (audit.note reads notes the same way), else ValueError."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def _no(where: str, vi: str, en: str) -> ReceiptError:
    return ReceiptError(where, vi, en)


def _int(value: Any, where: str, *, least: int = 0) -> int:
    if type(value) is not int or value < least or value > MAX_INT:
        raise _no(where, f"phải là số nguyên ≥ {least}", f"must be an integer ≥ {least}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _no(where, "phải là chuỗi ký tự", "must be a string")
    return value


def _hash(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _HASH.match(value):
        raise _no(
            where,
            "phải là mã băm SHA-256 (64 chữ số hex thường)",
            "must be a SHA-256 hash (64 lower-case hex digits)",
        )
    return value


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _no(where, "phải là một đối tượng JSON", "must be a JSON object")
    return value


def _event(value: Any, where: str) -> dict[str, Any]:
    ev = _obj(value, where)
    _str(ev.get("topic"), f"{where}.topic")
    _str(ev.get("originator_id"), f"{where}.originator_id")
    _int(ev.get("version"), f"{where}.version")
    state = _str(ev.get("state"), f"{where}.state")
    try:
        b64_strict(state)
    except (binascii.Error, ValueError):
        raise _no(
            f"{where}.state",
            "không phải base64 chuẩn (không khoảng trắng, đủ dấu =)",
            "is not canonical base64 (no whitespace, padded with =)",
        ) from None
    return ev


def parse_receipt(data: Any) -> Receipt:
    """The receipt in `data` (parsed JSON), or ReceiptError naming the first field that is
    missing or of another type (static/merkle.js parseReceipt checks the same, in order)."""
    top = _obj(data, "receipt")
    if top.get("receipt") != FORMAT:
        raise _no("receipt", f"phải là {FORMAT!r}", f"must be {FORMAT!r}")
    member = _str(top.get("member"), "member")
    line = _obj(top.get("entry"), "entry")
    _str(line.get("event_id"), "entry.event_id")
    _str(line.get("command_type"), "entry.command_type")
    _int(line.get("amount"), "entry.amount", least=-(10**15))
    _str(line.get("effective_date"), "entry.effective_date")
    event = None if top.get("event") is None else _event(top["event"], "event")
    original = None
    if top.get("original") is not None:
        original = _obj(top["original"], "original")
        _hash(original.get("leaf_hash"), "original.leaf_hash")
        _event(original.get("event"), "original.event")
    leaf_index = _int(top.get("leaf_index"), "leaf_index")
    leaf_hash = _hash(top.get("leaf_hash"), "leaf_hash")
    proof = _obj(top.get("proof"), "proof")
    tree_size = _int(proof.get("tree_size"), "proof.tree_size", least=1)
    path = proof.get("path")
    if not isinstance(path, list):
        raise _no("proof.path", "phải là một danh sách", "must be a list")
    hashes = [_hash(h, f"proof.path[{i}]") for i, h in enumerate(path)]
    note = _str(top.get("checkpoint"), "checkpoint")
    return Receipt(member, line, event, original, leaf_index, leaf_hash, tree_size, hashes, note)


# --- the content: what was signed against the line ------------------------------------------------

_UNDEFINED = object()  # a key absent from a JSON object (JavaScript's undefined, not null)


def _get(obj: dict[str, Any], key: str) -> Any:
    return obj.get(key, _UNDEFINED)


def _signed(event: dict[str, Any], leaf_hash: str) -> dict[str, Any] | None:
    """The signed command of a stored event that hashes to `leaf_hash`, else None."""
    import hashlib

    state = b64_strict(event["state"])
    data = leaf_bytes(
        topic=event["topic"],
        originator_id=event["originator_id"],
        version=event["version"],
        state=state,
    )
    if hashlib.sha256(b"\x00" + data).hexdigest() != leaf_hash:
        return None
    try:  # as merkle.js `signed`: UTF-8 (a BOM refused), JSON without NaN, a command object
        envelope = json.loads(state.decode("utf-8"), parse_constant=_constant)["envelope"]
        command = envelope["command"]
        if not isinstance(command, str):
            return None
        command = json.loads(command, parse_constant=_constant)
    except (ValueError, KeyError, TypeError):
        return None
    return command if isinstance(command, dict) else None


def content_problem(
    event: dict[str, Any], line: dict[str, Any], member: str, original: dict[str, Any] | None
) -> str | None:
    """None when the stored event hashes to the line's leaf and says what the line says;
    else the first difference, named as static/merkle.js checkContent names it."""
    command = _signed(event, line["leaf_hash"])
    if command is None:
        return "leaf"
    body: dict[str, Any] = command["body"] if isinstance(command.get("body"), dict) else {}
    if _get(command, "type") != _get(line, "command_type"):
        return "type"
    if _get(line, "unit_code") != _get(command, "unit"):
        return "unit"
    if line.get("reversal_of"):
        if _get(body, "target") != _get(line, "reversal_of"):
            return "target"
        undone = _signed(original["event"], original["leaf_hash"]) if original is not None else None
        if undone is None or _get(undone, "command_id") != _get(line, "reversal_of"):
            return "target"
        if _get(line, "effective_date") != _get(undone, "effective_date"):
            return "date"
        undone_body: dict[str, Any] = undone["body"] if isinstance(undone.get("body"), dict) else {}
        if _get(undone_body, "amount") != -line["amount"]:
            return "amount"
        return None
    if _get(line, "effective_date") != _get(command, "effective_date"):
        return "date"
    if _get(body, "member") != member:
        return "member"
    if command.get("type") == "payout.record":
        if _get(body, "kind") != _get(line, "key"):
            return "kind"
        if body.get("relative") != line.get("relative"):
            return "relative"
        if (body.get("form") or "cash") != (line.get("form") or "cash"):
            return "form"
        if _get(body, "occasion") != _get(line, "detail"):
            return "occasion"
    elif command.get("type") in LOAN_KEYS:
        if LOAN_KEYS[command["type"]] != _get(line, "key"):
            return "kind"
        if _get(body, "loan") != _get(line, "detail"):
            return "loan"
    amount = _get(body, "amount")
    if amount != abs(line["amount"]):
        return "amount"
    return None


def _differing(r: Receipt, problem: str) -> dict[str, Any]:
    """A changed amount or date: what was signed ("signed": the entry's own command, or for a
    reversal the undone entry's, which is what it is checked against) and what the receipt
    says ("receipt"), as merkle.js checkContent gives them to web.js."""
    if problem not in ("amount", "date") or r.event is None:
        return {}
    command = _signed(r.event, r.leaf_hash)
    if r.line.get("reversal_of"):
        original = r.original
        command = _signed(original["event"], original["leaf_hash"]) if original else None
    if command is None:
        return {}
    if problem == "date":
        return {"signed": command.get("effective_date"), "receipt": r.line.get("effective_date")}
    body = command.get("body")
    return {
        "signed": body.get("amount") if isinstance(body, dict) else None,
        "receipt": r.line.get("amount"),
    }


# --- signatures -----------------------------------------------------------------------------------


def _opened(note: str, log_vkey: str | None) -> Checkpoint | None:
    """The checkpoint a note signs with the log key, or None."""
    if not log_vkey:
        return None
    try:
        return Checkpoint.parse(open_note(note, [Verifier.from_vkey(log_vkey)]).text)
    except (NoteError, ValueError):
        return None


def cosignatures(note: str, witness_vkeys: Sequence[str]) -> list[dict[str, str]]:
    """Each cosignature line of a note: `verified` with a trusted witness key, `forged` when
    it names a trusted key (name and key ID) and does not verify, `unknown` otherwise. The
    log's own signature line is not listed."""
    try:
        text, signatures = split_note(note)
    except NoteError:
        return []
    trusted: dict[tuple[str, bytes], CosignatureVerifier] = {}
    for vkey in witness_vkeys:
        try:
            witness = CosignatureVerifier.from_vkey(vkey)
        except (NoteError, ValueError):
            continue
        trusted[(witness.name, witness.key_id)] = witness
    out = []
    for sig in signatures:
        # a log signature (type 0x01) is 64 bytes; a cosignature/v1 is 8 + 64
        if len(sig.signature) != 72:
            continue
        v = trusted.get((sig.name, sig.key_id))
        if v is None:
            status = "unknown"
        else:
            status = "verified" if v.verify(text.encode(), sig.signature) else "forged"
        out.append({"name": sig.name, "key_id": sig.key_id.hex(), "status": status})
    return out


# --- the check ------------------------------------------------------------------------------------


def check_receipt(
    data: Any,
    *,
    log_vkey: str | None,
    witness_vkeys: Sequence[str],
    latest_note: str | None,
    consistency: Callable[[int, int], list[bytes]],
) -> Verdict:
    """The verdict on a receipt (parsed JSON) against the newest checkpoint `latest_note`,
    the published `log_vkey` and the trusted witness keys; `consistency(old, new)` gives the
    RFC 9162 consistency proof between two sizes (from the ledger; checked here)."""
    try:
        r = parse_receipt(data)
    except ReceiptError as exc:
        return Verdict(
            False, "malformed", detail=exc.en, field=exc.field, values={"detail_vi": exc.vi}
        )
    verdict = Verdict(False, "entry", from_size=r.tree_size)
    line = {**r.line, "leaf_hash": r.leaf_hash}
    # 1. the entry: the event hashes to the leaf and says what the line says
    if r.event is None:
        if r.line["command_type"] not in UNION_WIDE:
            verdict.detail = "event"
            return verdict
        verdict.content = "union_wide"
    else:
        problem = content_problem(r.event, line, r.member, r.original)
        if problem is not None:
            verdict.detail = problem
            verdict.values = _differing(r, problem)
            return verdict
        verdict.content = "ok"
    # 2. the receipt's checkpoint, signed by the published log key; 3. its cosignatures
    checkpoint = _opened(r.checkpoint, log_vkey)
    if checkpoint is None:
        verdict.reason = "signature"
        return verdict
    verdict.witnesses = cosignatures(r.checkpoint, witness_vkeys)
    forged = [w for w in verdict.witnesses if w["status"] == "forged"]
    if forged:
        verdict.reason, verdict.detail = "cosignature", forged[0]["name"]
        return verdict
    # 4. the inclusion proof leads from the leaf to the signed root
    try:
        if r.tree_size != checkpoint.size:
            raise ProofError("the proof is for another tree size than the checkpoint")
        verify_inclusion(
            leaf_hash=bytes.fromhex(r.leaf_hash),
            index=r.leaf_index,
            size=r.tree_size,
            proof=[bytes.fromhex(h) for h in r.path],
            root=checkpoint.root_hash,
        )
    except ProofError:
        verdict.reason = "proof"
        return verdict
    # 5. the newest checkpoint, signed too, extends the receipt's tree
    latest = _opened(latest_note, log_vkey) if latest_note is not None else None
    if latest_note is None:
        verdict.reason = "rewritten"
        return verdict
    if latest is None:
        verdict.reason = "latest_signature"
        return verdict
    forged = [w for w in cosignatures(latest_note, witness_vkeys) if w["status"] == "forged"]
    if forged:
        verdict.reason, verdict.detail = "cosignature", forged[0]["name"]
        return verdict
    verdict.size = latest.size
    if latest.size < checkpoint.size:
        verdict.reason = "rewritten"
        return verdict
    try:
        steps = consistency(checkpoint.size, latest.size) if latest.size > checkpoint.size else []
        verify_consistency(
            size1=checkpoint.size,
            size2=latest.size,
            root1=checkpoint.root_hash,
            root2=latest.root_hash,
            proof=steps,
        )
    except (ProofError, ValueError, LookupError):
        verdict.reason = "rewritten"
        return verdict
    verdict.ok, verdict.reason = True, "ok"
    return verdict


def check_receipt_text(
    text: str,
    *,
    log_vkey: str | None,
    witness_vkeys: Sequence[str],
    latest_note: str | None,
    consistency: Callable[[int, int], list[bytes]],
) -> Verdict:
    """`check_receipt` of a receipt's text, read strictly (`read_receipt`): text that is not
    JSON, or JSON the format refuses, is `malformed` naming the field (merkle.js
    `checkReceiptText`)."""
    try:
        data = read_receipt(text)
    except ReceiptError as exc:
        return Verdict(
            False, "malformed", detail=exc.en, field=exc.field, values={"detail_vi": exc.vi}
        )
    except ValueError:
        return Verdict(
            False,
            "malformed",
            detail="is not JSON",
            field="receipt",
            values={"detail_vi": "không phải JSON"},
        )
    return check_receipt(
        data,
        log_vkey=log_vkey,
        witness_vkeys=witness_vkeys,
        latest_note=latest_note,
        consistency=consistency,
    )
