"""The key vault: per-person data keys and the ledger's blind-index key, outside the events.

Invariants:
- A person's data key is created once (when they join, or when a member declares them as a
  relative) and only ever deleted (erasure); after erasure `key_for` returns None and every
  sealed field of that person reads as erased.
- A relative's key row names the declaring member (`person_keys.member_id`): the member's
  erasure destroys it with the member's own key, in the same statement.
- The blind-index key is created once per ledger, in the transaction of the first batch that
  records a blind index (never by a refused one); blind indexes let inspectors match one
  citizen ID or bank account across members without decrypting anything. It stays after
  erasures, and so do the indexes in the signed events (ledger.privacy): whoever holds this
  database can test guesses of an erased person's identifiers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from ledger.domain.base import relative_person_id
from ledger.entries import StaleHead
from ledger.store import Tx
from ledger.tables import ledger_secrets, person_keys

INDEX_KEY = "blind_index_key"
INDEX_KEY_NOTE = "HMAC key for blind indexes"
_SELECT_SECRET = "SELECT value FROM ledger_secrets WHERE name = :name"
# The commands that destroy data keys (in their own transaction: `Vault.key_eraser`).
ERASURE_TYPES = frozenset({"member.erase", "member.erase_relative"})


def erased_people(metas: Iterable[Any]) -> list[str]:
    """The person ids whose keys the erasures among `metas` (ledger.entries.EntryMeta)
    destroy by name: each erased member (their relatives' keys go with theirs, found by
    `person_keys.member_id`) and each relative erased on their own."""
    out: list[str] = []
    for m in metas:
        if m.command_type == "member.erase":
            out.append(str(m.aggregate_id))
        elif m.command_type == "member.erase_relative":
            body = m.command["body"]
            out.append(str(relative_person_id(body["member"], body["relative"])))
    return out


class Vault:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._index_key: bytes | None = None
        self._cache: dict[str, bytes | None] = {}
        self._owners: dict[str, str] = {}  # a relative's person id -> the member's

    def stored_index_key(self) -> bytes | None:
        """The blind-index key, or None while no recorded event has used one yet.

        The key is created by the first batch that computes a blind index, and stored in
        that batch's own transaction (`index_key_writer`): a refused batch leaves none."""
        if self._index_key is None:
            with self.engine.connect() as conn:
                value = conn.scalar(
                    select(ledger_secrets.c.value).where(ledger_secrets.c.name == INDEX_KEY)
                )
            if value is not None:
                self._index_key = bytes(value)
        return self._index_key

    def index_key_writer(self, key: bytes | None) -> Callable[[Tx, Sequence[Any]], None]:
        """A hook step that stores a new blind-index key (`key`, when the batch made one) in
        the events' own transaction. Another writer that stored one first (both saw none)
        sends the batch round again (`StaleHead`): its indexes were computed with a key the
        ledger will not keep."""

        def write(tx: Tx, metas: Sequence[Any]) -> None:
            if key is None:
                return
            stored = tx.scalar(_SELECT_SECRET, {"name": INDEX_KEY})
            if stored is None:
                tx.execute(
                    "INSERT INTO ledger_secrets (name, value, note) VALUES (:name, :value, :note)",
                    {"name": INDEX_KEY, "value": key, "note": INDEX_KEY_NOTE},
                )
            elif bytes(stored) != key:
                raise StaleHead("the blind-index key was stored by another writer meanwhile")

        return write

    def secret(self, name: str, *, note: str, size: int = 32) -> bytes:
        """A named ledger secret, created on first use (race-safe)."""
        with self.engine.begin() as conn:
            value = conn.scalar(select(ledger_secrets.c.value).where(ledger_secrets.c.name == name))
            if value is None:
                value = secrets.token_bytes(size)
                conn.execute(
                    insert(ledger_secrets)
                    .values(name=name, value=value, note=note)
                    .prefix_with("OR IGNORE")
                    if conn.dialect.name == "sqlite"
                    else _pg_insert_ignore(name, value, note)
                )
                value = conn.scalar(
                    select(ledger_secrets.c.value).where(ledger_secrets.c.name == name)
                )
        if value is None:  # inserted above, or by the writer that won the race
            raise RuntimeError(f"ledger secret {name!r} could not be created")
        return bytes(value)

    def key_for(self, person_id: str) -> bytes | None:
        if person_id in self._cache:
            return self._cache[person_id]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(person_keys.c.data_key, person_keys.c.member_id).where(
                    person_keys.c.person_id == person_id
                )
            ).first()
        return None if row is None else self._remember(person_id, row)

    def _remember(self, person_id: str, row: Any) -> bytes | None:
        """Cache a `person_keys` row's key (a destroyed one is not cached) and owner."""
        if row.member_id is not None:
            self._owners[person_id] = str(row.member_id)
        if row.data_key is None:
            return None
        self._cache[person_id] = bytes(row.data_key)
        return self._cache[person_id]

    def keyless(self, person_ids: Iterable[str]) -> set[str]:
        """Those of `person_ids` that `key_for` finds no key for, asked in one query per
        thousand; the keys found are cached as `key_for` caches them."""
        wanted = [p for p in dict.fromkeys(person_ids) if p not in self._cache]
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 1000):
                chunk = wanted[start : start + 1000]
                for row in conn.execute(
                    select(
                        person_keys.c.person_id, person_keys.c.data_key, person_keys.c.member_id
                    ).where(person_keys.c.person_id.in_(chunk))
                ):
                    if self._remember(row.person_id, row) is not None:
                        found.add(row.person_id)
        return set(wanted) - found

    def create_key(self, person_id: str) -> bytes:
        """Create (or return the existing) data key for a person."""
        existing = self.key_for(person_id)
        if existing is not None:
            return existing
        key = secrets.token_bytes(32)
        with self.engine.begin() as conn:
            conn.execute(delete(person_keys).where(person_keys.c.person_id == person_id))
            conn.execute(
                insert(person_keys).values(
                    person_id=person_id, data_key=key, created_at=datetime.now(UTC).isoformat()
                )
            )
        self._cache[person_id] = key
        return key

    def key_writer(
        self, keys: dict[str, bytes], owners: Mapping[str, str] | None = None
    ) -> Callable[[Tx, Sequence[Any]], None]:
        """A hook step that stores new data keys (of members, and of relatives, `owners`
        naming the declaring member's person id) in the events' own transaction."""
        owners = owners or {}

        def write(tx: Tx, metas: Sequence[Any]) -> None:
            now = datetime.now(UTC).isoformat()
            tx.executemany(
                "INSERT INTO person_keys (person_id, data_key, created_at, member_id) "
                "VALUES (:person_id, :data_key, :created_at, :member_id)",
                [
                    {
                        "person_id": p,
                        "data_key": k,
                        "created_at": now,
                        "member_id": owners.get(p),
                    }
                    for p, k in keys.items()
                    if p not in self._cache or self._cache[p] is None
                ],
            )
            self._cache.update(keys)  # only read after the commit; evicted below on failure
            self._owners.update(owners)

        return write

    def key_eraser(self) -> Callable[[Tx, Sequence[Any]], None]:
        """A hook step that destroys the data keys of the batch's erasures in the events' own
        transaction: an erasure is stored together with its effect, so no process can see
        the event and still read the key (nor a refused batch lose one). A member's erasure
        destroys the keys of the relatives they declared too (`member_id`); a relative's
        (`member.erase_relative`) destroys that relative's key only."""

        def write(tx: Tx, metas: Sequence[Any]) -> None:
            erased = erased_people(m for m in metas if m.command_type in ERASURE_TYPES)
            if erased:
                now = datetime.now(UTC).isoformat()
                tx.executemany(
                    "UPDATE person_keys SET data_key = NULL, erased_at = :now "
                    "WHERE person_id = :person_id "
                    "OR (member_id = :person_id AND data_key IS NOT NULL)",
                    [{"person_id": p, "now": now} for p in erased],
                )

        return write

    def erased(self, person_ids: Iterable[str]) -> None:
        """Erasures committed (by this process or, seen in the log, by another): the cached
        keys go, and these people (and the relatives a member among them declared) read as
        erased from now on."""
        gone = set(person_ids)
        for person_id in gone:
            self._cache[person_id] = None
        for relative, member in self._owners.items():
            if member in gone:
                self._cache[relative] = None

    def forget_relatives_of(self, member_ids: Iterable[str]) -> None:
        """Another process erased a relative of these members (which one, its entry does not
        say): their relatives' cached keys go, to be read again."""
        members = set(member_ids)
        for relative, member in self._owners.items():
            if member in members:
                self._cache.pop(relative, None)

    def forget_all(self) -> None:
        """Drop every cached key (the log moved on more than a look at it can tell)."""
        self._cache.clear()

    def forget(self, person_ids: Iterable[str]) -> None:
        """Drop cached keys of a batch that did not commit."""
        for person_id in person_ids:
            self._cache.pop(person_id, None)


def _pg_insert_ignore(name: str, value: bytes, note: str):  # type: ignore[no-untyped-def]
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return (
        pg_insert(ledger_secrets).values(name=name, value=value, note=note).on_conflict_do_nothing()
    )
