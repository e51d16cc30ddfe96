"""Login sessions that a ledger event ends, in the event's own transaction.

The login credentials (`api_credentials`, created by the same migrations as the ledger) belong
to the API layer (api.auth), but two ledger events end logins whatever recorded them (the
command line, the API, a batch):
- `officer.revoke_key`: a key is revoked because it was lost or leaked, usually with the
  device that also holds the officer's open sessions. Every session of the officer ends
  (the account's session generation grows, as on logout); the password stays, so the
  officer logs in again on another device.
- `member.erase`: the member's personal data is erased and the member record is closed to
  every later command. The member's login (PIN hash and sessions) is deleted with it; no new
  PIN can be issued to an erased member.
Done in the hook, like the erasure of the data key (ledger.vault), so no process can see the
event committed and the session still open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.entries import EntryMeta
from ledger.store import Tx

END_SESSIONS = (
    "UPDATE api_credentials SET session_generation = session_generation + 1 "
    "WHERE account = :account"
)
DELETE_LOGIN = "DELETE FROM api_credentials WHERE account = :account"


def ended_accounts(metas: Sequence[EntryMeta]) -> tuple[list[str], list[str]]:
    """(accounts whose sessions end, accounts whose login is deleted) for these events."""
    ended, deleted = [], []
    for m in metas:
        if m.command_type == "officer.revoke_key":
            ended.append(f"officer:{m.command['body']['officer']}")
        elif m.command_type == "member.erase":
            deleted.append(f"member:{m.command['body']['member']}")
    return ended, deleted


def session_ender() -> Callable[[Tx, Sequence[EntryMeta]], None]:
    """A hook step: end the sessions of officers whose key is revoked, delete the login of
    members whose data is erased."""

    def write(tx: Tx, metas: Sequence[EntryMeta]) -> None:
        ended, deleted = ended_accounts(metas)
        tx.executemany(END_SESSIONS, [{"account": a} for a in ended])
        tx.executemany(DELETE_LOGIN, [{"account": a} for a in deleted])

    return write
