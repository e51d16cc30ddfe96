"""What an erasure (`member.erase`, Decree 13/2023) does beyond its event, and what it cannot do.

The erasure itself is crypto-shredding (ledger.privacy): the event and the destruction of the
person's data key (`person_keys.data_key` set to NULL, ledger.vault.Vault.key_eraser) commit
in one transaction, and the member-index read model clears the person's blind indexes
(ledger.entries.ERASE_BLINDS). This module adds:

- `scrub_storage`: after the erasure has committed, the old copy of the key is pushed out of
  the database's storage: on SQLite a `wal_checkpoint(TRUNCATE)` (the main file's page with
  the key is overwritten and the WAL emptied; connections run with `secure_delete=FAST`, so
  the freed bytes in the page are zeroed); on PostgreSQL a `VACUUM person_keys` (VACUUM
  cannot run in a transaction, so on an autocommit connection) removes the dead tuple that
  still held the key. Neither reaches copies made before: PostgreSQL WAL segments and their
  archives, and every backup taken before the erasure (README, "Personal data").
- `reapply_erasures`: a database that holds both a `member.erase` event and that person's
  key (a backup restored together with a key table from elsewhere, a hand-edited table) has
  the key destroyed when the ledger opens; `audit verify` reports it too (`erasure.not_done`).
- `erasure_links`: the OTHER members' records that carry the person's citizen ID or bank
  account (found through the blind indexes, before the erasure clears them). Erasure does not
  reach them: they are sealed under the other member's key (a relative declared by another
  member, the payee account of another member's payout), so the administrator is told.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

ERASED_WITH_KEY = (
    "SELECT person_id FROM person_keys WHERE data_key IS NOT NULL AND person_id IN "
    "(SELECT originator_id FROM ledger_entries WHERE command_type = 'member.erase')"
)
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
    links: list[Link] = []
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
        numbers: dict[str, str | None] = {}

        def number_of(member_id: str) -> str | None:
            if member_id not in numbers:
                numbers[member_id] = conn.execute(
                    text("SELECT member_number FROM member_index WHERE member_id = :id"),
                    {"id": member_id},
                ).scalar_one_or_none()
            return numbers[member_id]

        for field, column, blind, topic, key in (
            ("citizen_id", "citizen_blind", own.citizen_blind, RELATIVE_TOPIC, "citizen_id"),
            ("bank_account", "bank_blind", own.bank_blind, PAYOUT_TOPIC, "payee_account"),
        ):
            if not blind:
                continue
            for r in conn.execute(
                text(
                    f"SELECT member_number FROM member_index WHERE {column} = :b "
                    "AND member_number <> :n ORDER BY member_number"
                ),
                {"b": blind, "n": number},
            ):
                links.append(Link(r.member_number, "member", field))
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
                other = number_of(str(UUID(str(originator))))  # SQLite: hex, no dashes
                if other is None or other == number:
                    continue
                cmd = json.loads(envelope["command"])
                ref = cmd["body"].get("relative") if field == "citizen_id" else cmd["command_id"]
                links.append(
                    Link(other, "relative" if field == "citizen_id" else "payout", field, ref)
                )
    return sorted(set(links), key=lambda k: (k.member, k.record, k.field, k.ref))
