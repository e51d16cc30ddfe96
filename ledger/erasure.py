"""What an erasure (`member.erase`, `member.erase_relative`, Decree 13/2023) does beyond its
event, and what it cannot do.

The erasure itself is crypto-shredding (ledger.privacy): the event and the destruction of the
person's data key (`person_keys.data_key` set to NULL, ledger.vault.Vault.key_eraser) commit
in one transaction, and the member-index read model clears the person's blind indexes
(ledger.entries.ERASE_BLINDS). A member's erasure destroys the keys of the relatives they
declared too; a relative's erasure only that relative's key (relatives declared before
relatives had keys of their own are sealed under the member's key and cannot be erased
alone). This module adds:

- `scrub_storage`: after the erasure has committed, the old copy of the key is pushed out of
  the database's storage: on SQLite a `wal_checkpoint(TRUNCATE)` (the main file's page with
  the key is overwritten and the WAL emptied; connections run with `secure_delete=FAST`, so
  the freed bytes in the page are zeroed); on PostgreSQL a `VACUUM person_keys` (VACUUM
  cannot run in a transaction, so on an autocommit connection) removes the dead tuple that
  still held the key. Neither reaches copies made before: PostgreSQL WAL segments and their
  archives, and every backup taken before the erasure (README, "Personal data").
- `reapply_erasures`: a database that holds both an erasure event and that person's key (a
  backup restored together with a key table from elsewhere, a hand-edited table) has the key
  destroyed when the ledger opens; `audit verify` reports it too (`erasure.not_done`).
- `erasure_links` / `relative_erasure_links`: the OTHER records that carry the person's
  citizen ID or bank account (found through the blind indexes, before the erasure clears
  them). Erasure does not reach them: they are sealed under another person's key (a relative
  declared by another member, the payee account of another member's payout, a member record
  of the person's own), so the administrator is told. Records already erased are left out.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from ledger.domain.base import SEALED_UNDER_RELATIVE, relative_person_id
from ledger.tables import EVENTS_TABLE

# Through the partial indexes of the erasures (ledger.tables): cheap at every open.
_ERASED_MEMBERS = "SELECT originator_id FROM ledger_entries WHERE command_type = 'member.erase'"
_ERASED_RELATIVES_OF = (
    "SELECT originator_id FROM ledger_entries WHERE command_type = 'member.erase_relative'"
)
# an erased member's key, or the key of a relative they declared
ERASED_WITH_KEY = (
    "SELECT person_id FROM person_keys WHERE data_key IS NOT NULL AND "
    f"(person_id IN ({_ERASED_MEMBERS}) OR member_id IN ({_ERASED_MEMBERS}))"
)
# the relatives' keys still held of members one of whose relatives was erased
RELATIVE_KEYS_HELD = (
    "SELECT person_id FROM person_keys WHERE data_key IS NOT NULL AND "
    f"member_id IN ({_ERASED_RELATIVES_OF})"
)
RELATIVE_ERASED_TOPIC = "phucloi:member.RelativeErased"
CHECKPOINT_TIMEOUT = 5.0  # seconds a checkpoint waits for a busy database


def scrub_storage(engine: Engine) -> None:
    """Push destroyed keys out of the database's own storage (see the module docstring).

    Best effort: on SQLite a reader holding an old snapshot (a long `audit verify` in another
    process) keeps the checkpoint from finishing; the next checkpoint does it.
    """
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return
        raw = sqlite3.connect(path, timeout=CHECKPOINT_TIMEOUT)
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:
            pass  # busy or locked: the next checkpoint copies the page
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM person_keys")


def reapply_erasures(engine: Engine) -> list[str]:
    """Destroy the data key of every person whose erasure is in the log; their ids.

    Reads through a partial index of the erasures (`ix_ledger_entries_erasures`): cheap
    enough to run at every open, and it writes only when there is something to destroy.
    """
    with engine.connect() as conn:
        found = [str(r[0]) for r in conn.execute(text(ERASED_WITH_KEY))]
        held = {str(r[0]) for r in conn.execute(text(RELATIVE_KEYS_HELD))}
        if held:
            found += sorted((held & erased_relatives(conn)) - set(found))
    if not found:
        return []
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE person_keys SET data_key = NULL, erased_at = :now "
                "WHERE person_id = :person_id"
            ),
            [{"person_id": p, "now": now} for p in found],
        )
    scrub_storage(engine)
    sys.stderr.write(
        f"Cảnh báo: đã hủy {len(found)} khóa dữ liệu cá nhân còn sót của người đã có bút toán "
        "xóa dữ liệu (cơ sở dữ liệu được khôi phục?) / warning: destroyed "
        f"{len(found)} data key(s) of people whose erasure is in the log (a restored "
        "database?)\n"
    )
    return found


def _stored_ids(conn: Connection, member_ids: list[str]) -> list[Any]:
    """Aggregate ids as eventsourcing stores them: PostgreSQL's uuid, SQLite's hex."""
    if conn.dialect.name == "postgresql":
        return [UUID(m) for m in member_ids]
    return [UUID(m).hex for m in member_ids]


def erased_relatives(conn: Connection, member_ids: list[str] | None = None) -> set[str]:
    """The person ids of the relatives erased on their own (`member.erase_relative`), of
    every member or of `member_ids`: read from those few events themselves."""
    if member_ids is None:
        member_ids = sorted({str(r[0]) for r in conn.execute(text(_ERASED_RELATIVES_OF))})
    out: set[str] = set()
    query = text(
        f"SELECT state FROM {EVENTS_TABLE} WHERE topic = :topic AND originator_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(member_ids), 500):
        part = _stored_ids(conn, member_ids[start : start + 500])
        for (state,) in conn.execute(query, {"topic": RELATIVE_ERASED_TOPIC, "ids": part}):
            envelope = json.loads(bytes(state))["envelope"]
            body = json.loads(envelope["command"])["body"]
            out.add(str(relative_person_id(body["member"], body["relative"])))
    return out


@dataclass(frozen=True)
class Link:
    """Another member's record that carries the person's citizen ID or bank account."""

    member: str  # the other member's number
    record: str  # "member" (their own registration), "relative" or "payout"
    field: str  # "citizen_id" or "bank_account"
    ref: str = ""  # the relative's code, or the payout's event id

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    def describe(self) -> str:
        what = {
            "member": ("hồ sơ đoàn viên", "member record"),
            "relative": ("thân nhân", "relative"),
            "payout": ("khoản chi (tài khoản nhận)", "payout (payee account)"),
        }[self.record]
        field = {"citizen_id": ("số CCCD", "citizen ID"), "bank_account": ("tài khoản", "account")}
        vi_f, en_f = field[self.field]
        ref = f" {self.ref}" if self.ref else ""
        return f"{self.member}: {what[0]}{ref} — cùng {vi_f} / {what[1]}{ref}, same {en_f}"


RELATIVE_TOPIC = "phucloi:member.RelativeAdded"
PAYOUT_TOPIC = "phucloi:member.PayoutRecorded"


def _contains(dialect: str) -> str:
    if dialect == "postgresql":
        return "position(convert_to(:needle, 'UTF8') IN state) > 0"
    return "instr(state, :needle) > 0"


def erasure_links(engine: Engine, number: str) -> list[Link]:
    """The other members' records carrying member `number`'s citizen ID or bank account.

    Read through the blind indexes while they are still in `member_index` (before the
    erasure), so call it before submitting `member.erase`. One scan of the relatives' and
    payouts' stored events, restricted by the index value itself.
    """
    with engine.connect() as conn:
        own = conn.execute(
            text(
                "SELECT member_id, citizen_blind, bank_blind FROM member_index "
                "WHERE member_number = :n"
            ),
            {"n": number},
        ).first()
        if own is None:
            return []
        finder = _LinkFinder(conn, skip_member=number)
        finder.find("citizen_id", own.citizen_blind)
        finder.find("bank_account", own.bank_blind)
    return finder.sorted()


def relative_erasure_links(engine: Engine, number: str, relative: str) -> list[Link]:
    """The records carrying the citizen ID of member `number`'s relative `relative` other
    than that declaration: a member record of their own, the same person declared by another
    member (or by this one under another code). Call it before `member.erase_relative`."""
    with engine.connect() as conn:
        member_id = conn.execute(
            text("SELECT member_id FROM member_index WHERE member_number = :n"), {"n": number}
        ).scalar_one_or_none()
        if member_id is None:
            return []
        blind = None
        rows = conn.execute(
            text(f"SELECT state FROM {EVENTS_TABLE} WHERE topic = :topic AND originator_id = :id"),
            {"topic": RELATIVE_TOPIC, "id": _stored_ids(conn, [str(member_id)])[0]},
        )
        for (state,) in rows:
            envelope = json.loads(bytes(state))["envelope"]
            if json.loads(envelope["command"])["body"].get("relative") == relative:
                blind = (envelope.get("blind") or {}).get("citizen_id")
        finder = _LinkFinder(conn, skip_relative=(number, relative))
        finder.find("citizen_id", blind)
    return finder.sorted()


class _LinkFinder:
    """The records (other than the one being erased) that carry one blind index, leaving out
    those already erased: an erased member's own record (its indexes are cleared), what was
    sealed under an erased member's key, a relative erased on their own."""

    def __init__(
        self,
        conn: Connection,
        *,
        skip_member: str | None = None,
        skip_relative: tuple[str, str] | None = None,
    ) -> None:
        self.conn = conn
        self.skip_member = skip_member
        self.skip_relative = skip_relative
        self.links: set[Link] = set()
        self.numbers: dict[str, str | None] = {}
        self._erased: tuple[set[str], set[str]] | None = None

    def number_of(self, member_id: str) -> str | None:
        if member_id not in self.numbers:
            self.numbers[member_id] = self.conn.execute(
                text("SELECT member_number FROM member_index WHERE member_id = :id"),
                {"id": member_id},
            ).scalar_one_or_none()
        return self.numbers[member_id]

    def erased(self) -> tuple[set[str], set[str]]:
        """(erased members' ids, erased relatives' person ids), read once."""
        if self._erased is None:
            members = {str(r[0]) for r in self.conn.execute(text(_ERASED_MEMBERS))}
            self._erased = (members, erased_relatives(self.conn))
        return self._erased

    def find(self, field: str, blind: str | None) -> None:
        if not blind:
            return
        conn = self.conn
        column = "citizen_blind" if field == "citizen_id" else "bank_blind"
        for r in conn.execute(
            text(f"SELECT member_number FROM member_index WHERE {column} = :b"), {"b": blind}
        ):
            if r.member_number != self.skip_member:
                self.links.add(Link(r.member_number, "member", field))
        topic, key = (
            (RELATIVE_TOPIC, "citizen_id")
            if field == "citizen_id"
            else (PAYOUT_TOPIC, "payee_account")
        )
        rows = conn.execute(
            text(
                "SELECT originator_id, state FROM ledger_events WHERE topic = :topic "
                f"AND {_contains(conn.dialect.name)}"
            ),
            {"topic": topic, "needle": blind},
        )
        for originator, state in rows:
            envelope: dict[str, Any] = json.loads(bytes(state))["envelope"]
            if (envelope.get("blind") or {}).get(key) != blind:
                continue
            member_id = str(UUID(str(originator)))  # SQLite: hex, no dashes
            other = self.number_of(member_id)
            if other is None or other == self.skip_member:
                continue
            cmd = json.loads(envelope["command"])
            erased_members, erased_relatives_ = self.erased()
            if member_id in erased_members:
                continue  # sealed under that member's key, destroyed
            if field == "citizen_id":
                code = cmd["body"].get("relative")
                if (other, code) == self.skip_relative:
                    continue
                own_key = envelope.get("sealed_under") == SEALED_UNDER_RELATIVE
                if own_key and str(relative_person_id(other, code)) in erased_relatives_:
                    continue
                self.links.add(Link(other, "relative", field, code))
            else:
                self.links.add(Link(other, "payout", field, cmd["command_id"]))

    def sorted(self) -> list[Link]:
        return sorted(self.links, key=lambda k: (k.member, k.record, k.field, k.ref))
