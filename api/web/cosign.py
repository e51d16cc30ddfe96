"""Spending that needs the chair's second signature, carried from the officer's browser to the
chair's.

An expense above the approval threshold needs the chair's cosignature inline: the ledger
never records one pending (ledger.handlers._unit_money). On the command line one machine
holds both keys (`record expense --cosign-as`); in the web the officer and the chair sign in
their own browsers, so the officer's signed item waits here until a chair cosigns it.

Invariants:
- The officer's signed expense is submitted to the ledger as any other command. Only when
  the ledger's sole objection is the missing second signature (`cosignatures` /
  `second_signature_required`, which the handler checks after the signature, key, role,
  unit, date and body) is the item held, exactly as signed, in `web_cosign_requests`, and the
  answer is 202 saying it waits for the chair. Any other refusal is answered as before and
  nothing is held. A held item is not in the ledger: no report, balance or finding sees it.
- A chair whose scopes cover the unit sees the held item on /web/chair; their browser signs
  the canonical bytes of the stored command itself, and the item with that cosignature goes
  to `Ledger.submit`, which verifies everything again (both signatures, the chair's role over
  the unit, maker != checker, the policy in force). A refusal by the ledger is shown to the
  chair and the item keeps waiting.
- A chair may refuse a held item with a note, and the officer who signed it may withdraw it;
  either ends it and nothing reaches the ledger. A chair's cosigning first claims the item
  (`waiting` -> `signing`, one conditional UPDATE) and only then sends it to the ledger;
  refusing and withdrawing close only a `waiting` item the same way. So of a cosignature and
  a withdrawal (or a refusal) made at the same moment exactly one wins and the other is told
  the item no longer waits: a withdrawal answered "not recorded" is never recorded after
  all. A refusal by the ledger puts the item back to `waiting`; a claim left by a server that
  died while signing counts as waiting again after `SIGNING_STALE`. These are the web's own records, not signed
  events. A held item whose command id is in the ledger is recorded, whatever its row says.
- Personal data sent in clear with a held item (a loan's purpose, `openings`) is kept only
  while it waits: recording, refusing or withdrawing it drops the openings from the row.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from api.errors import ApiError
from api.queries import original_receipt
from api.tables import web_cosign_requests as holds
from api.web import text
from ledger import clock
from ledger.application import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.money import format_dong
from ledger.tables import ledger_entries

# An expense above the approval threshold; a loan disbursement above it or overriding the
# policy's loan rule; every loan write-off (ledger.handlers._loan); every employer's union fee
# decision (ledger.handlers._fee_relief) and every reversal of one (ledger.handlers._reversal:
# the reversal of any other entry needs no chair, so the ledger records or refuses it at once
# and it is never held): none is ever recorded pending, all need the chair's signature inline.
HELD_TYPES: Final = frozenset(
    {"expense.record", "loan.disburse", "loan.write_off", "union_fee.relief", "reversal.record"}
)
NOTE_MAX: Final = 500
# A `signing` claim older than this was left by a server that died while sending the item to
# the ledger (a submit takes well under a second): the item waits again.
SIGNING_STALE: Final = timedelta(minutes=5)


def _still_waits() -> Any:
    """The rows a chair may still act on: waiting, or claimed by a cosigning that died."""
    stale = (clock.now() - SIGNING_STALE).isoformat()
    return (holds.c.status == "waiting") | (
        (holds.c.status == "signing") & (holds.c.decided_at < stale)
    )


def _waits(row: Any) -> bool:
    """`_still_waits` for a row already read."""
    stale = (clock.now() - SIGNING_STALE).isoformat()
    return bool(row.status == "waiting" or (row.status == "signing" and row.decided_at < stale))


def needs_only_the_chair(exc: LedgerError, item: dict[str, Any]) -> bool:
    """The ledger refused `item` for one reason only: the chair's second signature."""
    return (
        item["command"].get("type") in HELD_TYPES
        and not item.get("cosignatures")
        and len(exc.problems) == 1
        and exc.problems[0].field == "cosignatures"
        and exc.problems[0].code == "second_signature_required"
    )


def _threshold(ledger: Ledger, command: dict[str, Any]) -> int | None:
    policy = ledger.policy_for(command["unit"], date.fromisoformat(command["effective_date"]))
    return None if policy is None else policy.approval_threshold


def hold(ledger: Ledger, item: dict[str, Any]) -> dict[str, Any]:
    """Keep the officer's signed `item` for a chair; the 202 answer. The same item posted
    again (a double click) is the same request; its command id with other content is 409."""
    command = item["command"]
    text = json.dumps(item, ensure_ascii=False, sort_keys=True)
    try:
        with ledger.engine.begin() as conn:
            if command["type"] == "reversal.record":
                _serialise_reversals(conn)
            row = _row(conn, command["command_id"])
            if row is None and command["type"] == "reversal.record":
                _one_reversal_waits(conn, command["body"]["target"])
            if row is None:
                conn.execute(
                    insert(holds).values(
                        command_id=command["command_id"],
                        command_type=command["type"],
                        unit=command["unit"],
                        officer=command["signer"]["officer"],
                        item=text,
                        held_at=clock.now().isoformat(),
                        status="waiting",
                    )
                )
    except IntegrityError:
        # The same command id held meanwhile by another request (a double click reaching
        # two server workers): answered as if it had come after it.
        with ledger.engine.connect() as conn:
            row = _row(conn, command["command_id"])
        if row is None:
            raise
    if row is not None and (row.item != text or row.status != "waiting"):
        raise ApiError(
            409,
            "command_id_reused",
            "Mã lệnh này đã được gửi chờ Chủ tịch ký, với nội dung khác hoặc đã kết thúc",
            "This command id was already sent to the chair, with other content or closed",
            field="command.command_id",
        )
    what_vi, what_en = _what(command, _threshold(ledger, command), _undone(ledger, command))
    return {
        "held": True,
        "command_id": command["command_id"],
        "status": "waiting",
        "message_vi": f"Đã ký, đang chờ Chủ tịch ký duyệt: {what_vi} chưa được ghi vào sổ "
        "cho đến khi Chủ tịch ký.",
        "message_en": f"Signed, waiting for the chair's signature: {what_en} is not in the "
        "ledger until the chair signs it.",
    }


# pg_advisory_xact_lock key held while a reversal is held ("phucloi" + "rv" in ASCII).
REVERSAL_HOLD_LOCK = 0x7068_7563_6C6F_7276


def _serialise_reversals(conn: Connection) -> None:
    """One reversal held at a time, across workers, until its transaction ends: the look for
    a reversal of the same decision already waiting and the insert are one step (two
    different reversals of one decision sent at once were both held). PostgreSQL: an
    advisory lock; SQLite: the database's write lock, taken before the look."""
    if conn.dialect.name == "postgresql":
        conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": REVERSAL_HOLD_LOCK})
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _one_reversal_waits(conn: Connection, target: str) -> None:
    """Refuse holding a second reversal of a decision while one already waits for a chair
    (a second click, another tab): the chair would be asked twice to undo one decision."""
    if target in _reversals_waiting(conn):
        raise ApiError(
            409,
            "reversal_waiting",
            "Đã có lệnh đảo quyết định này đang chờ Chủ tịch ký (xem trang Bút toán tôi đã "
            "ghi); rút lại lệnh đó nếu muốn ký lại",
            "A reversal of this decision already waits for the chair (see What I recorded); "
            "withdraw it to sign again",
            field="body.target",
        )


def _target(item_text: str) -> str | None:
    target = json.loads(item_text)["command"].get("body", {}).get("target")
    return str(target) if target else None


def _reversals_waiting(conn: Connection) -> dict[str, str]:
    """Held reversals waiting for (or being signed by) a chair and not in the ledger yet:
    the decision each undoes (its event id) -> the held command id."""
    rows = conn.execute(
        select(holds.c.command_id, holds.c.item).where(
            holds.c.command_type == "reversal.record",
            holds.c.status.in_(("waiting", "signing")),
        )
    ).all()
    recorded = _in_ledger(conn, [r.command_id for r in rows])
    return {
        target: r.command_id
        for r in rows
        if r.command_id not in recorded and (target := _target(r.item)) is not None
    }


def waiting_reversals(ledger: Ledger) -> dict[str, str]:
    """The decisions whose reversal waits for a chair: target event id -> held command id."""
    with ledger.engine.connect() as conn:
        return _reversals_waiting(conn)


def _undone(ledger: Ledger, command: dict[str, Any]) -> dict[str, Any] | None:
    """For a held reversal, the employer's fee decision it undoes: the decision's body, its
    event id, unit and date, and whether it is still standing (None if it is not one)."""
    if command["type"] != "reversal.record":
        return None
    target = str(command["body"].get("target", ""))
    entry = ledger.entry(target)
    if entry is None or entry["command_type"] != "union_fee.relief":
        return None
    unit = ledger.get_unit(entry["unit_code"])
    standing = getattr(unit, "fee_reliefs", {})
    body = standing.get(target) or getattr(unit, "fee_reliefs_reversed", {}).get(target)
    if body is None:
        return None
    return {
        "event_id": target,
        "unit": entry["unit_code"],
        "on": str(entry["effective_date"])[:10],
        "standing": target in standing,
        "body": body,
    }


def _what(
    command: dict[str, Any], threshold: int | None, undone: dict[str, Any] | None = None
) -> tuple[str, str]:
    """What a held command is, in Vietnamese and English, with why it waits."""
    body = command["body"]
    if command["type"] == "union_fee.relief":
        return text.relief_words(body)
    if command["type"] == "reversal.record":
        if undone is None:
            return (
                f"lệnh đảo bút toán {body['target'][:8]}",
                f"the reversal of {body['target'][:8]}",
            )
        vi, en = text.relief_words(undone["body"])
        return f"lệnh đảo {vi}", f"the reversal of {en}"
    amount = body["amount"]
    above_vi = above_en = ""
    if threshold is not None and amount > threshold:
        above_vi = f" (vượt ngưỡng {format_dong(threshold)})"
        above_en = f" (above the threshold of {format_dong(threshold)})"
    if command["type"] == "loan.disburse":
        if body.get("override"):
            above_vi += " (vượt quy chế, Chủ tịch cho phép)"
            above_en += " (overriding the policy, the chair's to allow)"
        return (
            f"khoản vay {body['loan']} cho {body['member']}, {format_dong(amount)}{above_vi}",
            f"the loan {body['loan']} to {body['member']} of {format_dong(amount)}{above_en}",
        )
    if command["type"] == "loan.write_off":
        return (
            f"xóa nợ {format_dong(amount)} của khoản vay {body['loan']} ({body['member']})",
            f"writing off {format_dong(amount)} of the loan {body['loan']} ({body['member']})",
        )
    return (
        f"khoản chi {format_dong(amount)}{above_vi}",
        f"the spending of {format_dong(amount)}{above_en}",
    )


def _row(conn: Connection, command_id: str) -> Any:
    return conn.execute(select(holds).where(holds.c.command_id == command_id)).first()


def _in_ledger(conn: Connection, command_ids: list[str]) -> set[str]:
    if not command_ids:
        return set()
    found = conn.execute(
        select(ledger_entries.c.event_id).where(ledger_entries.c.event_id.in_(command_ids))
    ).scalars()
    return set(found)


def _describe(ledger: Ledger, row: Any, recorded: set[str]) -> dict[str, Any]:
    item = json.loads(row.item)
    command = item["command"]
    body = command["body"]
    undone = _undone(ledger, command)
    if undone is not None:
        # a held reversal is described by the decision it undoes
        return _describe_reversal(row, recorded, command, undone)
    return _held(row, recorded, command) | {
        "category": body.get("category"),
        "amount": body.get("amount"),
        "description": body.get("description", ""),
        "document_ref": body.get("document_ref"),
        "type": command["type"],
        "member": body.get("member"),
        "loan": body.get("loan"),
        "fund": body.get("fund"),
        "term_months": body.get("term_months"),
        "interest_bp": body.get("interest_bp", 0),
        "justification": (body.get("override") or {}).get("justification"),
        # a write-off's reason is signed in clear; a disbursement's purpose is sealed personal
        # data, shown to the chair from the opening the officer's browser sent with it
        "reason": body.get("reason") or (item.get("openings", {}).get("reason") or {}).get("value"),
        "employer": body.get("employer"),
        "relief_kind": body.get("kind") if command["type"] == "union_fee.relief" else None,
        "from_month": body.get("from_month"),
        "to_month": body.get("to_month"),
        "rate_bp": body.get("rate_bp"),
        "decision_number": body.get("decision_number"),
        "issuer": body.get("issuer"),
        "months": _months(body) if command["type"] == "union_fee.relief" else None,
        "words": text.relief_words(body) if command["type"] == "union_fee.relief" else None,
        "command": command,
    }


def _held(row: Any, recorded: set[str], command: dict[str, Any]) -> dict[str, Any]:
    """What every held item shows: who held it when, its state, and the command's date."""
    return {
        "command_id": row.command_id,
        "unit": row.unit,
        "officer": row.officer,
        "held_at": row.held_at,
        "status": "recorded"
        if row.command_id in recorded
        else "waiting"
        if row.status == "signing" and _waits(row)
        else row.status,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "note": row.note,
        "effective_date": command["effective_date"],
    }


def _describe_reversal(
    row: Any, recorded: set[str], command: dict[str, Any], undone: dict[str, Any]
) -> dict[str, Any]:
    decision = undone["body"]
    return _held(row, recorded, command) | {
        "type": command["type"],
        "amount": None,
        "category": None,
        "description": "",
        "reason": command["body"].get("reason"),
        "target": undone["event_id"],
        "target_unit": undone["unit"],
        "target_on": undone["on"],
        "target_standing": undone["standing"],
        "employer": decision["employer"],
        "relief_kind": decision["kind"],
        "from_month": decision["from_month"],
        "to_month": decision["to_month"],
        "rate_bp": decision.get("rate_bp"),
        "decision_number": decision["decision_number"],
        "issuer": decision["issuer"],
        "months": _months(decision),
        "words": text.relief_words(decision),
        "command": command,
    }


def _months(body: dict[str, Any]) -> int:
    """How many months a fee decision covers, both ends included."""
    first, last = body["from_month"], body["to_month"]
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1


def waiting(ledger: Ledger, units: set[str] | None) -> list[dict[str, Any]]:
    """Held items waiting for a chair of `units` (None: every unit), oldest first, each with
    the approval threshold of its unit on its date."""
    query = select(holds).where(_still_waits()).order_by(holds.c.held_at)
    if units is not None:
        query = query.where(holds.c.unit.in_(sorted(units)))
    with ledger.engine.connect() as conn:
        rows = conn.execute(query).all()
        recorded = _in_ledger(conn, [r.command_id for r in rows])
    items = [_describe(ledger, r, recorded) for r in rows if r.command_id not in recorded]
    for it in items:
        it["threshold"] = _threshold(ledger, it["command"])
    return items


def of_officer(ledger: Ledger, officer: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """What `officer` sent to a chair, newest first, with where each one stands."""
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(holds)
            .where(holds.c.officer == officer)
            .order_by(holds.c.held_at.desc())
            .limit(limit)
        ).all()
        recorded = _in_ledger(conn, [r.command_id for r in rows])
    return [_describe(ledger, r, recorded) for r in rows]


# What a held item is called in the messages about it, by its command type (Vietnamese,
# English): a loan or a write-off is not "spending" (khoản chi).
HELD_NAMES: Final = {
    "expense.record": ("khoản chi", "the spending"),
    "loan.disburse": ("khoản vay", "the loan"),
    "loan.write_off": ("khoản xóa nợ", "the write-off"),
    "union_fee.relief": ("quyết định", "the decision"),
    "reversal.record": ("lệnh đảo quyết định", "the reversal of the decision"),
}
HELD_ANY: Final = ("khoản", "the item")


def held_name(command_type: str) -> tuple[str, str]:
    """How the messages name a held item of `command_type` (Vietnamese, English)."""
    return HELD_NAMES.get(command_type, HELD_ANY)


def _open(conn: Connection, command_id: str, units: set[str] | None) -> Any:
    """The held item a chair of `units` may act on, else 404 (another union's item is not
    said to exist, nor what it is) or 409 (it was already decided), naming what was held."""
    row = _row(conn, command_id)
    if row is None or (units is not None and row.unit not in units):
        raise ApiError(
            404,
            "not_found",
            "Không có khoản nào chờ Chủ tịch ký với mã lệnh này trong đơn vị của bạn",
            "Nothing with this command id waits for the chair's signature in your units",
            field="command_id",
        )
    if not _waits(row) or _in_ledger(conn, [command_id]):
        raise _not_waiting(row.command_type)
    return row


def _not_waiting(command_type: str) -> ApiError:
    vi, the = held_name(command_type)
    return ApiError(
        409,
        "not_waiting",
        f"{vi.capitalize()} này không còn chờ Chủ tịch ký (đã được ghi, đang được ký, từ chối "
        "hoặc rút lại)",
        f"{the.capitalize()} no longer waits for the chair (recorded, being signed, refused or "
        "withdrawn)",
        field="command_id",
    )


def cosign(
    ledger: Ledger, chair: str, units: set[str] | None, command_id: str, cosignature: dict
) -> dict[str, Any]:
    """Send the held item with the chair's cosignature to the ledger; the receipt."""
    if cosignature.get("officer") != chair:
        raise ApiError(
            403,
            "signer_not_caller",
            f"Chữ ký thứ hai của {cosignature.get('officer')}, không phải người đang đăng nhập "
            f"({chair})",
            f"The second signature is {cosignature.get('officer')}'s, not the logged-in "
            f"officer's ({chair})",
            field="cosignatures[0].officer",
        )
    claimed = clock.now().isoformat()
    with ledger.engine.begin() as conn:
        row = _open(conn, command_id, units)
        # Claim it first: a withdrawal or refusal from now on is told it no longer waits.
        done = conn.execute(
            update(holds)
            .where(holds.c.command_id == command_id, _still_waits())
            .values(status="signing", decided_by=chair, decided_at=claimed)
        )
        if done.rowcount != 1:  # withdrawn, refused or claimed since `_open` read it
            raise _not_waiting(row.command_type)
    item = json.loads(row.item) | {"cosignatures": [cosignature]}
    try:
        receipt = ledger.submit(item)  # every check again, both signatures included
    except BaseException:
        with ledger.engine.begin() as conn:  # refused (or failed): it waits again
            conn.execute(
                update(holds)
                .where(
                    holds.c.command_id == command_id,
                    holds.c.status == "signing",
                    holds.c.decided_at == claimed,
                    holds.c.decided_by == chair,
                )
                .values(status="waiting", decided_by=None, decided_at=None)
            )
        raise
    with ledger.engine.begin() as conn:
        conn.execute(
            update(holds)
            .where(holds.c.command_id == command_id)
            .values(
                status="recorded",
                decided_by=chair,
                decided_at=clock.now().isoformat(),
                item=_without_openings(row.item),
            )
        )
    return original_receipt(ledger, receipt)


def _without_openings(text: str) -> str:
    """The held item without its personal data in clear (a loan's purpose): kept here only
    while the item waits, since once recorded it is sealed in the ledger (and erasable
    there), and once refused or withdrawn nothing needs it."""
    item = json.loads(text)
    item.pop("openings", None)
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def refuse(ledger: Ledger, chair: str, units: set[str] | None, command_id: str, note: str) -> str:
    """Refuse the held item; its command type."""
    return _close(ledger, command_id, "refused", chair, note, units=units)


def withdraw(ledger: Ledger, officer: str, command_id: str) -> str:
    """Withdraw the held item `officer` signed; its command type."""
    return _close(ledger, command_id, "withdrawn", officer, None, maker=officer)


def closed_message(command_type: str, status: str) -> dict[str, str]:
    """The answer to a refusal or a withdrawal, naming what was held."""
    vi, the = held_name(command_type)
    done_vi, done_en = {
        "refused": ("Đã từ chối", "Refused"),
        "withdrawn": ("Đã rút lại", "Withdrawn"),
    }[status]
    return {
        "status": status,
        "message_vi": f"{done_vi}: {vi} không được ghi vào sổ.",
        "message_en": f"{done_en}: {the} is not recorded.",
    }


def _close(
    ledger: Ledger,
    command_id: str,
    status: str,
    who: str,
    note: str | None,
    *,
    units: set[str] | None = None,
    maker: str | None = None,
) -> str:
    with ledger.engine.begin() as conn:
        row = _open(conn, command_id, units)
        vi, the = held_name(row.command_type)
        if maker is not None and row.officer != maker:
            raise ApiError(
                403,
                "not_the_maker",
                f"Chỉ người đã ký {vi} mới rút lại được",
                f"Only the officer who signed {the} can withdraw it",
                field="command_id",
            )
        done = conn.execute(
            update(holds)
            .where(holds.c.command_id == command_id, _still_waits())
            .values(
                status=status,
                decided_by=who,
                decided_at=clock.now().isoformat(),
                note=note,
                item=_without_openings(row.item),
            )
        )
        if done.rowcount != 1:
            raise ApiError(
                409,
                "not_waiting",
                f"{vi.capitalize()} này không còn chờ Chủ tịch ký",
                f"{the.capitalize()} no longer waits for the chair",
                field="command_id",
            )
    return str(row.command_type)
