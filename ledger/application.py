"""The Ledger application: the service layer every entry point (CLI, import, HTTP) calls.

Design overview:
- One method records commands: `submit_batch(items)`. Each item is a signed command (the
  command object exactly as signed, its Ed25519 signature, optional cosignatures, and the
  openings of its personal-data commitments). Items are checked one by one against a unit of
  work that sees earlier items of the same batch; if any item is refused, nothing is stored
  and every refusal is reported with its line and field. Otherwise all new events are saved
  in ONE eventsourcing `save()`: one database transaction, with the ledger entries and
  in-transaction read models written by the recorder hook (ledger.store, ledger.entries).
- A command id already stored returns its original receipt when the content is identical and
  is refused as a conflict when it differs (idempotent retries).
- Two writers changing the same aggregate at once: the second save fails on the aggregate
  version, nothing of its batch is stored, and it is checked again on the new state
  (`_after_conflict`): recorded if it still passes, refused by the rule it now breaks if not.
- Aggregate cache: batches run one at a time per process (`_lock`) on the cached aggregates
  themselves (no copy). Each batch starts by asking the log which aggregates other writers
  changed since this process last looked (`_sync`, one query on `ledger_entries`) and
  evicts those; a batch that fails for any reason evicts every aggregate it touched, so the
  cache only ever holds committed state. The same query fetches the stored entries of the
  batch's command ids (idempotent retries) in one round trip. Public getters return copies.
- Optimistic batches: a small batch skips that query when this process has seen the whole
  log (`_known_head` set). It assumes nobody else wrote and that its command ids are new, and
  the write checks both where they cannot race: the recorder hook reads the log head under
  the write lock and refuses (`StaleHead`, rolled back) unless it is still `_known_head`,
  and a stored command id fails the insert on `ledger_entries.event_id`. Any such failure,
  and any refusal of an item, sends the batch round again the careful way (`_sync` first),
  so replies are exactly what the careful way gives. A process that finds others writing
  stays careful for a while (`OPTIMISM_PAUSE` batches).
- Careful batches are checked against the log as `_sync` left it, and others may write
  before the save. Aggregate versions catch only what the batch changes, not what its
  checks read (the signer's roles and key, the registry of keys, a unit's members). So the
  batch records what it read (`Work.read`: every aggregate loaded; `Work.watch`: command
  types that would change a list it read) and the recorder hook, under the write lock,
  reads the entries stored since: if one is a registry change (officers, units, policies),
  names an aggregate the batch read, or is of a watched type, the save is rolled back and
  the batch checked again from a new `_sync` (`_Recheck`), at most `RECHECKS` times before
  a "busy, try again" conflict. Unrelated writes cost nothing. Between writers the log's
  `recorded_at` may go back by the time a batch took to check (stamps are taken as each
  item is checked); `audit verify` warns only beyond `RECORDED_ORDER_SLACK`.
- Cyclic garbage collection is paused while a batch runs (`_gc_paused`). A batch's transient
  objects (validated lines, read-model rows, tens of thousands in a dues import) then die by
  reference counting before a collection can promote them, instead of triggering full
  collections that walk the whole aggregate cache each time. Cycles made during a batch are
  collected after it; nothing else changes.
"""

from __future__ import annotations

import gc
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from ledger import clock
from ledger.authority import check_signature, holds_role, refuse, role_refusal
from ledger.canonical import CanonicalError, canonical_bytes, sha256_hex
from ledger.domain.base import (
    SEALED_UNDER_RELATIVE,
    LedgerAggregate,
    aggregate_id,
    command_of,
    relative_person_id,
)
from ledger.domain.catalogue import HouseholdStatus, Role
from ledger.domain.commands import (
    BLIND_INDEXED,
    FREE_TEXT_OPENINGS,
    ParsedCommand,
    parse_command,
    text_problem,
)
from ledger.domain.errors import (
    Conflict,
    LedgerError,
    Problem,
    conflict,
    invalid,
    not_found,
    problem,
    validation_en,
    validation_vi,
)
from ledger.domain.findings import Finding
from ledger.domain.members import Member
from ledger.domain.officers import Officer
from ledger.domain.policy import Oversight, Policy, PolicyBook, oversight, resolve
from ledger.domain.units import Unit
from ledger.entries import (
    EntryMeta,
    Projector,
    StaleHead,
    make_hook,
    project_member_index,
    values_present,
)
from ledger.erasure import scrub_storage
from ledger.handlers import HANDLERS
from ledger.privacy import (
    birth_date_problem,
    blind_index,
    check_openings,
    citizen_id_problem,
    member_age_problem,
    name_problem,
    new_data_key,
    normalize_indexed,
    relative_indexes,
    seal,
    unseal,
)
from ledger.projections.lines import MONEY_COMMANDS  # recorded once they have moved
from ledger.sessions import session_ender
from ledger.store import Tx
from ledger.tables import ledger_entries, member_index
from ledger.textfiles import LINE_BREAKS
from ledger.vault import Vault, erased_people


class SignedItem(BaseModel):
    """The transport form of one signed command."""

    model_config = ConfigDict(extra="forbid")
    command: dict[str, Any]
    signature: str = Field(max_length=200)
    cosignatures: list[dict[str, str]] = Field(default_factory=list, max_length=3)
    openings: dict[str, dict[str, str]] = Field(default_factory=dict, max_length=10)


@dataclass(frozen=True)
class Receipt:
    event_id: str
    seq: int
    leaf_hash: str
    command_type: str
    status: str
    recorded_at: str
    digest: str
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class BatchRefused(LedgerError):
    """At least one item of a batch was refused; nothing was stored."""


@dataclass
class Work:
    """One batch's unit of work: aggregates touched, entries to write, ids seen."""

    touched: dict[UUID, LedgerAggregate]
    metas: dict[tuple[str, int], EntryMeta]
    event_ids: dict[str, UUID]
    receipts: list[Receipt | EntryMeta]
    existing: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # entries by id
    new_keys: dict[str, bytes] = field(default_factory=dict)  # person id -> data key to store
    new_index_key: bytes | None = None  # the ledger's first blind-index key, to store
    key_owners: dict[str, str] = field(default_factory=dict)  # a new relative key -> member id
    expect_head: int | None = None  # optimistic: the log head the write must still find
    # careful: the log head the checks saw, the aggregates they read, and the command types
    # whose later entries would change a list they read (members of a unit, registries)
    synced_head: int | None = None
    read: set[UUID] = field(default_factory=set)
    watch: set[str] = field(default_factory=set)
    # a batch of joins: the new members' aggregates the log had not, and their people
    # without a data key, when the batch began (`Ledger._prefetch_joins`)
    absent: set[UUID] = field(default_factory=set)
    keyless: set[str] = field(default_factory=set)


# Entries that change what every command's checks read (keys, roles, units, policies): any
# of them written while a careful batch was being checked sends it round again.
_REGISTRY_TYPES = ("ledger.", "unit.", "officer.", "policy.")


def _stale(work: Work, since: Sequence[Mapping[str, Any]]) -> bool:
    """Whether entries others stored after the head a careful batch's checks saw (`since`)
    could change a verdict of those checks: check the batch again. An unrelated entry
    does not; it may be stamped a moment later than the batch's own, which `audit verify`
    tolerates (`audit.replay.RECORDED_ORDER_SLACK`): checking again for it starved large
    imports under steady traffic."""
    for row in since:
        kind = str(row["command_type"])
        if kind.startswith(_REGISTRY_TYPES) or kind in work.watch:
            return True
        aid = UUID(str(row["originator_id"]))
        if aid in work.read or aid in work.touched:
            return True
    return False


# The commands that change the member index's citizen blind indexes (`Ledger._namesakes`).
CITIZEN_COMMANDS = frozenset({"member.join", "member.erase"})


class _Careful(Exception):
    """An optimistic attempt that must be made again after `_sync` (module docstring)."""


class _Recheck(Exception):
    """A careful attempt whose checks read what another writer changed meanwhile: it is
    made again on the new state (module docstring)."""


# The entries that name an officer aggregate: its registration and every change to it.
_OFFICER_ROWS = or_(
    ledger_entries.c.command_type.like("officer.%"),
    ledger_entries.c.command_type == "ledger.genesis",
)


class Ledger(Application[UUID]):
    name = "Ledger"
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "50000",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        # Freshness is checked once per batch against the log (`_sync`), not per aggregate.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }
    SYNC_LIMIT: ClassVar[int] = 10_000  # more changes than this since last look: drop the cache
    OPTIMISTIC_MAX: ClassVar[int] = 100  # larger batches always `_sync` first
    OPTIMISM_PAUSE: ClassVar[int] = 64  # careful batches after another writer was seen
    RECHECKS: ClassVar[int] = 8  # careful attempts before a busy ledger is reported
    # Relatives' data under keys of their own (`_seal_personal`). False writes relatives as
    # ledgers did before (under the member's key): only for tests of such ledgers.
    RELATIVE_KEYS: ClassVar[bool] = True

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        engine: Engine,
        vault: Vault,
        projectors: Sequence[Projector] = (),
    ) -> None:
        super().__init__(dict(env))
        self.engine = engine
        self.vault = vault
        self.projectors: list[Projector] = [project_member_index, *projectors]
        self._lock = threading.RLock()
        self._known_head: int | None = None  # the log head the aggregate cache reflects
        # Member numbers by citizen blind index, as of `_known_head` (see `_namesakes`).
        self._citizen_numbers: dict[str, list[str]] = {}
        self._careful_batches = 0  # batches left to run careful (module docstring)
        self._reads: set[UUID] | None = None  # the running batch's `Work.read`
        # parsed policy books by (unit code, number of versions): a unit's versions are only
        # ever appended, so within one ledger the count names the list (never shared across
        # ledgers: two databases can give one unit code different policies)
        self._books: dict[tuple[str, int], PolicyBook] = {}

    # ------------------------------------------------------------------ public API

    def submit(self, item: Mapping[str, Any]) -> Receipt:
        return self.submit_batch([item])[0]

    def submit_batch(self, items: Sequence[Mapping[str, Any]]) -> list[Receipt]:
        """Record every item or none; raise BatchRefused listing each refused line."""
        with self._lock, _gc_paused():
            ids = _command_ids(items)
            optimistic = (
                self._known_head is not None
                and len(items) <= self.OPTIMISTIC_MAX
                and self._careful_batches == 0
            )
            self._careful_batches = max(0, self._careful_batches - 1)
            try:
                receipts, work = self._attempt(items, ids, optimistic=optimistic)
            except (_Careful, LedgerError):
                if not optimistic:
                    raise
                # Again, the careful way: the reply is whatever that way gives.
                receipts, work = self._careful(items, ids)
            except _Recheck:  # that attempt was careful already: it counts as one
                receipts, work = self._careful(items, ids, made=1)
            self._advance(work)
            self._forget_citizens(m.command_type for m in work.metas.values())
        # The keys were destroyed in the events' transaction (Vault.key_eraser); the cache
        # follows only now that it committed.
        erased = erased_people(work.metas.values())
        if erased:
            self.vault.erased(erased)  # a member's relatives' keys with it
            scrub_storage(self.engine)  # the old copy of the key out of the database's pages
        return receipts

    def _careful(
        self, items: Sequence[Mapping[str, Any]], ids: list[str], made: int = 0
    ) -> tuple[list[Receipt], Work]:
        """The batch the careful way, checked again while others' writes change what its
        checks read (`_Recheck`): `RECHECKS` careful attempts in all, `made` of them made."""
        for _ in range(self.RECHECKS - made):
            try:
                return self._attempt(items, ids, optimistic=False)
            except _Recheck:
                continue
        raise Conflict(
            code="concurrent_write",
            vi="Sổ cái đang bận: các cán bộ khác liên tục ghi vào những hồ sơ lệnh này cần "
            "kiểm tra; hãy thử lại sau ít phút",
            en="The ledger is busy: other officers kept writing to records this command is "
            "checked against; try again in a few minutes",
            status=409,
        )

    def _attempt(
        self, items: Sequence[Mapping[str, Any]], ids: list[str], *, optimistic: bool
    ) -> tuple[list[Receipt], Work]:
        """One try at the batch; on any failure the cache and new keys are as before it."""
        work = Work(touched={}, metas={}, event_ids={}, receipts=[])
        if optimistic:
            work.existing = dict.fromkeys(ids)  # assumed new: the insert checks
            work.expect_head = self._known_head
        else:
            work.existing = self._sync(ids)
            work.synced_head = self._known_head
        self._reads = work.read
        try:
            return self._submit(work, items), work
        except BaseException:
            self._discard(work)
            raise
        finally:
            self._reads = None

    def _discard(self, work: Work) -> None:
        """Forget what a failed batch did: its aggregates and the data keys it made."""
        self._evict(work.touched)
        self.vault.forget(work.new_keys)

    def _submit(self, work: Work, items: Sequence[Mapping[str, Any]]) -> list[Receipt]:
        failures: list[tuple[int, LedgerError]] = []
        self._prefetch_joins(work, items)
        for line, item in enumerate(items, start=1):
            try:
                self._one(work, item)
            except LedgerError as exc:
                failures.append((line, exc))
        if failures:
            raise _batch_refused(failures, single=len(items) == 1)
        pending = [a for a in work.touched.values() if a.pending_events]
        if pending:
            hook = make_hook(
                work.metas,
                [
                    self.vault.index_key_writer(work.new_index_key),
                    self.vault.key_writer(work.new_keys, work.key_owners),
                    self.vault.key_eraser(),
                    session_ender(),
                    *self.projectors,
                ],
                expect_head=work.expect_head,
                recheck=None
                if work.synced_head is None
                else (work.synced_head, partial(_stale, work)),
            )
            try:
                self._store(_in_item_order(work, pending), pending, ledger_hook=hook)
            except StaleHead:
                self._careful_batches = self.OPTIMISM_PAUSE  # someone else is writing
                raise (_Careful if work.expect_head is not None else _Recheck) from None
            except IntegrityError:
                if work.expect_head is not None:
                    raise _Careful from None  # perhaps a stored command id: ask first
                self._discard(work)
                work.metas.clear()
                return self._after_conflict(work)
            finally:
                for agg in work.touched.values():
                    agg.collect_events()
        return [self._receipt(r) for r in work.receipts]

    def _store(
        self, events: list[Any], aggregates: Sequence[LedgerAggregate], **kwargs: Any
    ) -> None:
        """What `Application.save` does for this application (no snapshots, no followers):
        put the events in the store, then cache the aggregates. Without `save`'s
        `isinstance` checks against runtime-checkable Protocols, slow on Python 3.11 (each
        walks the Protocol's attributes); benchmarks/ingest.py (b) measures the write path."""
        self.events.put(events, **kwargs)
        cache = self.repository.cache
        if cache is not None and not self.repository.fastforward:
            for aggregate in aggregates:
                cache.put(aggregate.id, aggregate)

    @contextmanager
    def writer_if_free(self) -> Iterator[bool]:
        """Hold the writers' lock if no batch or read holds it now (True), never waiting.

        For a caller that must not block (the API's event loop): with True it may submit at
        once on this thread; with False it should submit from a thread that may wait.
        """
        got = self._lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                self._lock.release()

    def reveal(self, number: str) -> dict[str, Any] | None:
        """A member's personal data, newest value per field; None once erased.

        Reads every sealed envelope of the member and opens it with the person's data key.
        A ciphertext that fails authentication raises `TamperedError` (a finding for #4).
        """
        member = self.get_member(number)
        if member is None:
            raise not_found("member", number)
        person_id = str(member.id)
        key = self.vault.key_for(person_id)
        if key is None:
            return None
        fields: dict[str, Any] = {}
        relatives: dict[str, dict[str, Any]] = {}
        erased_relatives: list[str] = []
        for ev in self.repository.event_store.get(member.id):
            envelope = ev.envelope  # type: ignore[attr-defined]
            sealed = envelope.get("sealed")
            if not sealed:
                continue
            cmd = command_of(envelope)
            if envelope.get("sealed_under") == SEALED_UNDER_RELATIVE:
                # a relative with a key of their own: erased on their own, or with the member
                code = cmd["body"]["relative"]
                own = str(relative_person_id(number, code))
                own_key = self.vault.key_for(own)
                if own_key is None:
                    erased_relatives.append(code)
                    continue
                opened = unseal(own_key, person_id=own, sealed=sealed)
            else:
                opened = unseal(key, person_id=person_id, sealed=sealed)
            values = {k: v["value"] for k, v in opened.items()}
            if cmd["type"] == "member.relative":
                relatives[cmd["body"]["relative"]] = values
            elif cmd["type"] == "payout.record":
                fields.setdefault("payouts", {})[cmd["command_id"]] = values
            elif cmd["type"] == "loan.disburse":
                fields.setdefault("loans", {})[cmd["command_id"]] = values
            else:
                fields.update(values)
        if relatives:
            fields["relatives"] = relatives
        if erased_relatives:
            fields["erased_relatives"] = sorted(erased_relatives)
        return fields

    def replace_broken_connections(self) -> None:
        """After the database refused: test the event store's idle pooled connections and
        replace the dead ones (PostgreSQL; SQLite has no pool). A database restart then costs
        the request that met it, not one refused request per pooled connection; checking
        each connection before every use instead (eventsourcing's pre-ping) would add a round
        trip to every write. The SQLAlchemy engine pings on checkout already."""
        check = getattr(getattr(self.recorder.datastore, "pool", None), "check", None)  # type: ignore[attr-defined]
        if check is not None:
            # still down: the next request meets it and tries again
            with suppress(Exception):
                check()

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[Tx]:
        """A transaction on the event store's own connections (read models, rebuilds).

        With `commit=False` it is rolled back at the end (a consistent read).
        """
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        dialect = "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"
        with datastore.transaction(commit=commit) as cursor:
            yield Tx(cursor, dialect=dialect)

    def entry(self, event_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ledger_entries).where(ledger_entries.c.event_id == event_id)
            ).first()
        return dict(row._mapping) if row is not None else None

    def receipt(self, event_id: str) -> Receipt | None:
        """The receipt of an event already recorded, as a retry of its command gets it
        (`duplicate`; its status as first given: api.queries.original_receipt)."""
        row = self.entry(event_id)
        return _receipt_from_row(row, duplicate=True) if row is not None else None

    def get_member(self, number: str) -> Member | None:
        with self._lock:
            self._sync()
            return self._load(Member, "member", number, copy=True)

    def get_unit(self, code: str) -> Unit | None:
        with self._lock:
            self._sync()
            return self._load(Unit, "unit", code, copy=True)

    def get_officer(self, code: str) -> Officer | None:
        with self._lock:
            self._sync()
            return self._load(Officer, "officer", code, copy=True)

    def officer_grants(
        self, code: str, roles: Sequence[str], *, at: datetime
    ) -> tuple[tuple[str, str], ...] | None:
        """(role, scope) pairs the officer holds at `at` among `roles`, read fresh from the log.

        What an API caller may do right now: the same sync as `get_officer` (a role revoked
        a moment ago is gone) without copying the aggregate. None if no such officer.
        """
        with self._lock:
            self._sync()
            officer = self._load(Officer, "officer", code)
            if officer is None:
                return None
            return tuple(
                (role, scope)
                for role in roles
                for scope in dict.fromkeys(officer.scopes(role, at=at))
            )

    def officers(self) -> list[Officer]:
        """Every officer ever registered (the genesis administrator too), by code."""
        ids = self._ids_of(_OFFICER_ROWS)
        with self._lock:
            self._sync()
            found: list[Any] = [self.repository.get(UUID(i), deepcopy_from_cache=True) for i in ids]
        return sorted((o for o in found if isinstance(o, Officer)), key=lambda o: o.code)

    def _ids_of(self, where: Any) -> list[str]:
        """The aggregates the log's entries matching `where` belong to."""
        with self.engine.connect() as conn:
            query = select(ledger_entries.c.originator_id).where(where).distinct()
            return list(conn.execute(query).scalars().all())

    def _registered(self, work: Work, cls: type, where: Any) -> list[Any]:
        """Every aggregate of `cls` the log's entries matching `where` name, as this batch
        leaves them (registry checks: units, officers)."""
        found: dict[UUID, Any] = {
            UUID(i): self.repository.get(UUID(i)) for i in self._ids_of(where)
        }
        found.update(work.touched)
        return [a for a in found.values() if isinstance(a, cls)]

    def _units(self, work: Work) -> list[Unit]:
        return self._registered(work, Unit, ledger_entries.c.command_type == "unit.register")

    def _officers(self, work: Work) -> list[Officer]:
        return self._registered(work, Officer, _OFFICER_ROWS)

    def _members_of(self, work: Work, unit: str) -> list[Member]:
        """Members the member index places in `unit`, and this batch's members, as the batch
        leaves them (the caller decides on which day they count)."""
        work.watch.update(("member.join", "member.transfer"))
        with self.engine.connect() as conn:
            numbers = (
                conn.execute(
                    select(member_index.c.member_number).where(member_index.c.unit_code == unit)
                )
                .scalars()
                .all()
            )
        found = {n: self._peek(work, Member, "member", n) for n in numbers}
        batch = {m.number: m for m in work.touched.values() if isinstance(m, Member)}
        return [m for m in (found | batch).values() if m is not None]

    def _namesakes(self, work: Work, member: Member) -> list[Member]:
        """The member's other numbers: members registered with the same citizen ID (its
        blind index in the member index, or in this batch), as the batch leaves them. One
        indexed look-up per citizen ID, kept while the log holds no newer join or erasure
        (`_forget_citizens`): the numbers as of `_known_head`, which the batch's head check
        covers; a join stored meanwhile sends a careful batch round again."""
        citizen = member.blind.get("citizen_id")
        if not citizen:
            return []
        work.watch.add("member.join")
        numbers = self._citizen_numbers.get(citizen)
        if numbers is None:
            with self._store_read() as tx:  # the event store's open connection: one cheap read
                rows = tx.fetchall(
                    "SELECT member_number FROM member_index WHERE citizen_blind = :c",
                    {"c": citizen},
                )
            numbers = self._citizen_numbers[citizen] = [str(r["member_number"]) for r in rows]
        if len(numbers) <= 1 and not any(isinstance(m, Member) for m in work.touched.values()):
            return []  # the common case: only the member themself, and no join in this batch
        found = {n: self._peek(work, Member, "member", n) for n in numbers}
        batch = {
            m.number: m
            for m in work.touched.values()
            if isinstance(m, Member) and m.blind.get("citizen_id") == citizen
        }
        return [
            m for n, m in sorted((found | batch).items()) if m is not None and n != member.number
        ]

    def get_finding(self, code: str) -> Finding | None:
        """An inspector's judgments of a detection finding, or None if never judged."""
        with self._lock:
            self._sync()
            return self._load(Finding, "finding", code, copy=True)

    def ancestors(self, code: str) -> list[str]:
        """The unit and its ancestors, nearest first."""
        with self._lock:
            self._sync()
            return self._ancestors(None, code)

    def acting_unit(self, code: str, on: date) -> str:
        """The unit that records in `code`'s name on `on`: the unit itself or, once it is
        dissolved, the nearest unit above it that is not (the union above acts for a
        dissolved one). A code that names no unit is returned as given."""
        with self._lock:
            self._sync()
            for current in self._ancestors(None, code):
                unit = self._get(None, Unit, "unit", current)
                if unit is not None and not unit.is_dissolved_on(on):
                    return current
            return code

    def policy_for(self, unit: str, on: date) -> Policy | None:
        with self._lock:
            self._sync()
            return self._policy(None, unit, on)

    def oversight_for(self, unit: str, on: date) -> Oversight | None:
        """What `unit` is judged by on `on` (``ledger.domain.policy.oversight``)."""
        with self._lock:
            self._sync()
            return oversight(self._books_of(None, self._ancestors(None, unit)), on)

    def policy_before(
        self, chain: Sequence[str], on: date, adopted_later: Mapping[str, int]
    ) -> Policy | None:
        """The policy in force on `on` as it stood at a checkpoint: `chain` is the unit and
        its ancestors as of the checkpoint, `adopted_later` how many versions each unit
        adopted after it (versions are appended in log order, so those are the last ones)."""
        with self._lock:
            self._sync()
            return resolve(self._books_of(None, chain, adopted_later), on)

    def oversight_before(
        self, chain: Sequence[str], on: date, adopted_later: Mapping[str, int]
    ) -> Oversight | None:
        """What the unit was judged by on `on` as it stood at a checkpoint (see
        `policy_before` for `chain` and `adopted_later`)."""
        with self._lock:
            self._sync()
            return oversight(self._books_of(None, chain, adopted_later), on)

    # ------------------------------------------------------------------ the pipeline

    def _prefetch_joins(self, work: Work, items: Sequence[Mapping[str, Any]]) -> None:
        """A batch of joins (a union's register imported at once) asks the store once
        which of its member numbers are new and which of their people have no data key,
        instead of twice per member (about 1 ms each on PostgreSQL). What is found new is
        still read as such (`_get`), and a member stored meanwhile by another writer is
        still refused by the event store's key (originator id, version)."""
        numbers = {
            str(body["member"])
            for item in items
            if isinstance(command := item.get("command"), Mapping)
            and command.get("type") == "member.join"
            and isinstance(body := command.get("body"), Mapping)
            and isinstance(body.get("member"), str)
        }
        if len(numbers) < 2:
            return
        ids = {str(aggregate_id("member", n)) for n in numbers}
        taken = values_present(self.engine, ledger_entries.c.originator_id, sorted(ids))
        work.absent = {UUID(i) for i in ids - taken}
        work.keyless = self.vault.keyless(ids - taken)

    def _one(self, work: Work, raw_item: Mapping[str, Any]) -> None:
        try:
            item = SignedItem.model_validate(raw_item)
        except ValidationError as exc:
            raise invalid(
                [
                    problem(
                        ".".join(str(p) for p in e["loc"]),
                        "invalid_field",
                        validation_vi(e),
                        validation_en(e),
                    )
                    for e in exc.errors()
                ]
            ) from None
        pc = parse_command(item.command)
        try:
            message = canonical_bytes(item.command)
        except CanonicalError as exc:
            where = exc.path or "command"
            raise invalid([problem(where, "not_canonical", exc.vi, str(exc))]) from None
        digest = sha256_hex(message)
        cmd = pc.command
        if cmd.command_id in work.event_ids:
            raise invalid(
                [
                    problem(
                        "command.command_id",
                        "duplicate_in_batch",
                        "mã lệnh lặp lại trong cùng lô",
                        "command id repeated in batch",
                    )
                ]
            )
        existing = work.existing.get(cmd.command_id)
        if existing is None and cmd.command_id not in work.existing:
            existing = self.entry(cmd.command_id)  # an id the batch pre-scan could not see
        if existing is not None:
            if existing["command_digest"] != digest:
                raise _command_id_reused()
            work.event_ids[cmd.command_id] = UUID(existing["originator_id"])
            work.receipts.append(_receipt_from_row(existing, duplicate=True))
            return
        at = clock.now()
        if cmd.type in MONEY_COMMANDS and cmd.effective_date > clock.local_date(at):
            today = clock.local_date(at).isoformat()
            raise invalid(
                [
                    problem(
                        "command.effective_date",
                        "in_the_future",
                        f"ngày hiệu lực {cmd.effective_date:%d/%m/%Y} sau hôm nay "
                        f"({clock.local_date(at):%d/%m/%Y}): thu, chi chỉ ghi khi đã xảy ra",
                        f"effective date {cmd.effective_date.isoformat()} is after today "
                        f"({today}): money is recorded once it has moved",
                    )
                ]
            )
        self._check_authority(work, pc, item, message, at)
        envelope: dict[str, Any] = {
            "command": message.decode(),
            "digest": digest,
            "signature": item.signature,
            "recorded_at": at.isoformat(),
        }
        if item.cosignatures:
            envelope["cosignatures"] = item.cosignatures
        self._seal_personal(work, pc, item, envelope)
        aggregate, verdict = HANDLERS[cmd.type](self, work, pc, envelope, item)
        if verdict:
            envelope["ledger"] = verdict
        meta = EntryMeta(
            event_id=cmd.command_id,
            command_type=cmd.type,
            unit=cmd.unit,
            signer=cmd.signer.officer,
            effective_date=cmd.effective_date,
            digest=digest,
            recorded_at=envelope["recorded_at"],
            command=pc.raw,
            envelope=envelope,
            aggregate_id=str(aggregate.id),
            extra={"status": verdict.get("status", "recorded")},
        )
        work.touched[aggregate.id] = aggregate
        work.metas[(str(aggregate.id), aggregate.version)] = meta
        work.event_ids[cmd.command_id] = aggregate.id
        work.receipts.append(meta)

    def _check_authority(
        self, work: Work, pc: ParsedCommand, item: SignedItem, message: bytes, at: Any
    ) -> None:
        cmd = pc.command
        if cmd.type == "ledger.genesis":
            if self._count_entries("ledger.genesis") or any(
                m.command_type == "ledger.genesis" for m in work.metas.values()
            ):
                raise refuse(
                    "genesis_exists",
                    "sổ cái đã có quản trị viên đầu tiên",
                    "this ledger already has its first administrator",
                    "command.type",
                )
            return  # self-signed: checked against the key in its own body by the handler
        officer = self._get(work, Officer, "officer", cmd.signer.officer)
        check_signature(
            officer, key_id=cmd.signer.key_id, message=message, signature_b64=item.signature, at=at
        )
        assert officer is not None
        scope_unit = self._scope_unit(pc)
        field_ = {
            "unit.register": "body.parent",
            "officer.grant": "body.scope",
            "officer.revoke_role": "body.scope",
        }.get(pc.command.type, "unit")
        scope = None if scope_unit is None else self._get(work, Unit, "unit", scope_unit)
        if scope_unit is not None and scope is None:
            # a mistyped unit is "no such unit", not "you hold no role there"
            raise not_found("unit", scope_unit, field_=field_)
        if (
            scope is not None
            and scope.is_dissolved_on(cmd.effective_date)
            and cmd.type not in ("officer.revoke_role", "unit.dissolve")
        ):
            # A dissolved union records nothing more; the union above acts in its own name.
            raise invalid(
                [
                    problem(
                        field_,
                        "unit_dissolved",
                        f"đơn vị {scope_unit} đã giải thể: hãy ghi dưới tên đơn vị cấp trên",
                        f"unit {scope_unit} is dissolved: record it in the name of the unit above",
                    )
                ]
            )
        if not holds_role(
            officer,
            pc.spec.roles,
            unit=scope_unit,
            at=at,
            ancestors=lambda c: self._ancestors(work, c),
        ):
            raise role_refusal(officer, pc.spec.roles, scope_unit)
        cosigners: set[str] = set()
        for i, cosig in enumerate(item.cosignatures):
            where = f"cosignatures[{i}]"
            if cosig.get("officer", "") in cosigners:
                raise invalid(
                    [
                        problem(
                            where,
                            "duplicate_cosigner",
                            f"{cosig.get('officer')} đã ký duyệt lệnh này ở chữ ký trước",
                            f"{cosig.get('officer')} already cosigned this command above",
                        )
                    ]
                )
            cosigners.add(cosig.get("officer", ""))
            cosigner = self._get(work, Officer, "officer", cosig.get("officer", ""))
            check_signature(
                cosigner,
                key_id=cosig.get("key_id", ""),
                message=message,
                signature_b64=cosig.get("signature", ""),
                at=at,
                field_=where,
            )
            assert cosigner is not None
            if cosigner.code == officer.code:
                raise refuse(
                    "same_maker_checker",
                    "người lập và người duyệt là một người",
                    "maker and checker are the same officer",
                    where,
                    status=403,
                )
            if not holds_role(
                cosigner,
                {Role.chair},
                unit=scope_unit,
                at=at,
                ancestors=lambda c: self._ancestors(work, c),
            ):
                raise role_refusal(cosigner, {Role.chair}, scope_unit, where)

    def _scope_unit(self, pc: ParsedCommand) -> str | None:
        body = pc.body
        if pc.command.type == "unit.register":
            return body.parent
        if pc.command.type in ("officer.grant", "officer.revoke_role"):
            return None if body.scope == "*" else body.scope
        return pc.command.unit

    def _seal_personal(
        self, work: Work, pc: ParsedCommand, item: SignedItem, envelope: dict[str, Any]
    ) -> None:
        personal = getattr(pc.body, "personal", None)
        commitments = (
            {k: v for k, v in personal.model_dump().items() if v is not None} if personal else {}
        )
        if not commitments and not item.openings:
            return
        bad = check_openings(commitments, item.openings)
        if bad:
            raise invalid(
                [
                    problem(
                        f"openings.{f}",
                        "opening_mismatch",
                        "giá trị không khớp với cam kết đã ký",
                        "value does not match the signed commitment",
                    )
                    for f in bad
                ]
            )
        number = pc.body.member
        person_id = str(aggregate_id("member", number))
        if pc.command.type == "member.join":
            # Kept in memory until the batch commits: the hook writes it in the same
            # transaction as the events, so a refused batch leaves no key behind.
            key = (
                work.new_keys.get(person_id)
                or (None if person_id in work.keyless else self.vault.key_for(person_id))
                or new_data_key()
            )
            work.new_keys[person_id] = key
        elif person_id in work.new_keys:
            key = work.new_keys[person_id]
        else:
            if self._get(work, Member, "member", number) is None:
                raise not_found("member", number, field_="body.member")
            stored = self.vault.key_for(person_id)
            if stored is None:
                raise invalid(
                    [
                        problem(
                            "body.member",
                            "erased",
                            "dữ liệu cá nhân của đoàn viên đã bị xóa",
                            "this member's personal data has been erased",
                        )
                    ]
                )
            key = stored
        if pc.command.type == "member.relative" and self.RELATIVE_KEYS:
            # A relative's data goes under a key of their own, so that they can be erased
            # alone (`member.erase_relative`); the member's erasure destroys it too
            # (`person_keys.member_id`). The envelope says which key (ledger.domain.base).
            owner, person_id = person_id, str(relative_person_id(number, pc.body.relative))
            key = work.new_keys.get(person_id) or new_data_key()
            work.new_keys[person_id] = key
            work.key_owners[person_id] = owner
            envelope["sealed_under"] = SEALED_UNDER_RELATIVE
        blind: dict[str, str] = {}
        problems: list[Problem] = []
        for field_, kind in BLIND_INDEXED.items():
            if field_ not in item.openings:
                continue
            value = item.openings[field_]["value"]
            try:
                normal = normalize_indexed(kind, value)
            except (ValueError, TypeError) as exc:
                vi, _, en = str(exc).partition(" / ")  # ledger.privacy says "vi / en"
                problems.append(problem(f"openings.{field_}", "invalid_value", vi, en or vi))
                continue
            if normal != value:
                problems.append(
                    problem(
                        f"openings.{field_}",
                        "not_normalised",
                        f"cần chuẩn hóa thành {normal}",
                        f"normalise to {normal}",
                    )
                )
                continue
            if kind == "citizen_id":
                expired = citizen_id_problem(normal, pc.command.effective_date)
                if expired is not None:
                    problems.append(problem(f"openings.{field_}", "cmnd_expired", *expired))
                    continue
            blind[field_] = blind_index(self._index_key(work), kind=kind, value=normal)
        if "full_name" in item.openings:
            bad_name = name_problem(item.openings["full_name"].get("value"))
            if bad_name is not None:
                problems.append(problem("openings.full_name", "invalid_value", *bad_name))
        if "date_of_birth" in item.openings:
            wrong = birth_date_problem(
                item.openings["date_of_birth"].get("value"), pc.command.effective_date
            )
            if wrong is None and pc.command.type == "member.join":
                wrong = member_age_problem(
                    item.openings["date_of_birth"]["value"], pc.command.effective_date
                )
            if wrong is not None:
                problems.append(problem("openings.date_of_birth", "invalid_value", *wrong))
        for field_ in FREE_TEXT_OPENINGS:
            said = item.openings.get(field_, {}).get("value")
            wrong = text_problem(said, LINE_BREAKS) if isinstance(said, str) else None
            if wrong is not None:
                problems.append(problem(f"openings.{field_}", "invalid_value", *wrong))
        status = item.openings.get("household_status", {}).get("value")
        if "household_status" in item.openings and status not in HouseholdStatus.__members__:
            choices = ", ".join(HouseholdStatus.__members__)
            problems.append(
                problem(
                    "openings.household_status",
                    "invalid_value",
                    f"hoàn cảnh gia đình phải là một trong: {choices}",
                    f"household status must be one of: {choices}",
                )
            )
        if problems:
            raise invalid(problems)
        if pc.command.type == "member.relative" and {"full_name", "date_of_birth"} <= set(
            item.openings
        ):
            # one relative declared again under another code, without a citizen ID, is
            # recognised by these (detection rule 4), never by reading the name
            blind |= relative_indexes(
                self._index_key(work),
                str(item.openings["full_name"]["value"]),
                str(item.openings["date_of_birth"]["value"]),
            )
        envelope["sealed"] = seal(key, person_id=person_id, payload=item.openings)
        if blind:
            envelope["blind"] = blind

    def _index_key(self, work: Work) -> bytes:
        """The blind-index key: the stored one, or (the ledger's first) one made for this
        batch and stored with its events, so a refused batch leaves no key behind."""
        key = work.new_index_key or self.vault.stored_index_key()
        if key is None:
            key = work.new_index_key = secrets.token_bytes(32)
        return key

    # ------------------------------------------------------------------ lookups

    def _load(self, cls: type, kind: str, code: str, *, copy: bool = False) -> Any:
        """The aggregate; the cached object itself unless `copy` (see the module docstring)."""
        aid = _aggregate_id(kind, code)
        if self._reads is not None:
            self._reads.add(aid)
        try:
            agg: Any = self.repository.get(aid, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            return None
        return agg if isinstance(agg, cls) else None

    @contextmanager
    def _store_read(self) -> Iterator[Tx]:
        """A cheap read on the event store's connections (autocommit: no BEGIN, no ROLLBACK)."""
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        if self.engine.dialect.name == "postgresql":
            with datastore.get_connection() as conn, conn.cursor() as cursor:
                yield Tx(cursor, dialect="postgresql")
        else:
            with datastore.get_connection(commit=False) as conn:
                yield Tx(conn.cursor(), dialect="sqlite")

    def _sync(self, command_ids: Sequence[str] = ()) -> dict[str, dict[str, Any] | None]:
        """Evict aggregates others changed since the last look; return stored entries by id.

        One query in the common case: the entries after the head this process knows, and the
        entries of the batch's command ids.
        """
        ids = sorted(set(command_ids))
        first, rest = ids[:500], ids[500:]
        marks = {f"c{i}": c for i, c in enumerate(first)}
        by_id = (
            f" UNION ALL SELECT 0 AS newer, * FROM ledger_entries WHERE event_id IN "
            f"({', '.join(':' + k for k in marks)})"
            if marks
            else ""
        )
        rows: list[dict[str, Any]] = []
        with self._store_read() as tx:
            if self._known_head is not None:
                rows = tx.fetchall(
                    "SELECT * FROM (SELECT 1 AS newer, * FROM ledger_entries WHERE seq > :known "
                    f"ORDER BY seq LIMIT :limit) AS changed{by_id}",
                    {"known": self._known_head, "limit": self.SYNC_LIMIT + 1, **marks},
                )
            changed = [r for r in rows if r["newer"]]
            if self._known_head is None or len(changed) > self.SYNC_LIMIT:
                self._clear_cache()  # first look, or too much changed: start afresh
                self.vault.forget_all()
                self._citizen_numbers.clear()
                self._known_head = int(
                    tx.scalar("SELECT COALESCE(MAX(seq), -1) FROM ledger_entries")
                )
                rows = self._entries_by_id(tx, first)
            elif changed:
                self._evict(UUID(str(r["originator_id"])) for r in changed)
                self._forget_citizens(str(r["command_type"]) for r in changed)
                # another process erased someone: its key went in the same transaction
                self.vault.erased(
                    str(r["originator_id"]) for r in changed if r["command_type"] == "member.erase"
                )
                self.vault.forget_relatives_of(
                    str(r["originator_id"])
                    for r in changed
                    if r["command_type"] == "member.erase_relative"
                )
                self._known_head = max(int(r["seq"]) for r in changed)
            rows += self._entries_by_id(tx, rest)
        wanted = set(ids)
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(command_ids)
        for row in rows:
            if row["event_id"] in wanted:
                found[row["event_id"]] = row
        return found

    @staticmethod
    def _entries_by_id(tx: Tx, ids: Sequence[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join(f":c{i}" for i in range(len(part)))
            rows += tx.fetchall(
                f"SELECT * FROM ledger_entries WHERE event_id IN ({marks})",
                {f"c{i}": c for i, c in enumerate(part)},
            )
        return rows

    def _clear_cache(self) -> None:
        cache = self.repository.cache
        if cache is not None:
            self._evict(list(cache.cache))

    def _evict(self, ids: Iterator[UUID] | Mapping[UUID, Any] | Sequence[UUID]) -> None:
        cache = self.repository.cache
        if cache is None:
            return
        for aid in ids:
            with suppress(KeyError):
                cache.get(aid, evict=True)

    def _forget_citizens(self, command_types: Iterable[str]) -> None:
        """Drop the citizen look-ups once the member index's blind indexes may have changed:
        a join adds a number, an erasure clears the person's."""
        if self._citizen_numbers and not CITIZEN_COMMANDS.isdisjoint(command_types):
            self._citizen_numbers.clear()

    def _advance(self, work: Work) -> None:
        """After our own save, the cache reflects the log up to our last seq if contiguous."""
        seqs = [m.seq for m in work.metas.values() if m.seq is not None]
        if seqs and self._known_head is not None and min(seqs) == self._known_head + 1:
            self._known_head = max(seqs)

    def _get(self, work: Work | None, cls: type, kind: str, code: str) -> Any:
        aid = _aggregate_id(kind, code)
        if work is not None and aid in work.touched:
            return work.touched[aid]
        if work is not None and aid in work.absent:
            if self._reads is not None:
                self._reads.add(aid)
            return None
        agg = self._load(cls, kind, code)
        if agg is not None and work is not None:
            work.touched[aid] = agg
        return agg

    def _peek(self, work: Work, cls: type, kind: str, code: str) -> Any:
        """Like `_get` for an aggregate the item only reads: not added to the unit of work.

        A dues batch reads thousands of members and changes none of them; keeping them out
        of `work.touched` spares the save and the failure path a pass over each.
        """
        aid = _aggregate_id(kind, code)
        touched = work.touched.get(aid)
        if touched is not None:
            return touched
        return self._load(cls, kind, code)

    def _require(self, work: Work, cls: type, kind: str, code: str, field_: str) -> Any:
        agg = self._get(work, cls, kind, code)
        if agg is None:
            raise not_found(kind, code, field_=field_)
        return agg

    def _ancestors(self, work: Work | None, code: str, on: date | None = None) -> list[str]:
        """`code` and the units above it: today's tree, or with `on` the tree of that day."""
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in chain:
            chain.append(current)
            unit = self._get(work, Unit, "unit", current)
            if unit is None:
                break
            current = unit.parent if on is None else unit.parent_on(on)
        return chain

    def _policy(self, work: Work | None, unit: str, on: date) -> Policy | None:
        return resolve(self._books_of(work, self._ancestors(work, unit)), on)

    def _books_of(
        self,
        work: Work | None,
        chain: Sequence[str],
        adopted_later: Mapping[str, int] | None = None,
    ) -> list[PolicyBook | None]:
        """The policy books of `chain` (None for a unit without versions), leaving out the
        last `adopted_later[code]` versions of each unit."""
        books: list[PolicyBook | None] = []
        for code in chain:
            u = self._get(work, Unit, "unit", code)
            later = adopted_later.get(code, 0) if adopted_later else 0
            kept = len(u.policies) - later if u is not None else 0
            books.append(self._book(u, kept) if u is not None and kept > 0 else None)
        return books

    def _book(self, unit: Unit, versions: int) -> PolicyBook:
        """The unit's first `versions` policy versions, parsed once."""
        key = (unit.code, versions)
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = PolicyBook.from_dict({"versions": unit.policies[:versions]})
        return book

    def _count_entries(self, command_type: str) -> int:
        with self.engine.connect() as conn:
            return len(
                conn.execute(
                    select(ledger_entries.c.seq)
                    .where(ledger_entries.c.command_type == command_type)
                    .limit(1)
                ).all()
            )

    def _after_conflict(self, work: Work) -> list[Receipt]:
        """A careful save lost a race: an identical retry won it (its receipts), the same
        command id was stored with other content (`command_id_reused`, as when it is found
        before the checks), or another writer changed a record this batch writes (an
        aggregate version taken): then the batch is checked again on the new state
        (`_Recheck`), as a batch recorded just after the other write would be, and is
        recorded or refused by the rules it meets there, not by the race."""
        receipts = []
        for r in work.receipts:
            if isinstance(r, Receipt):
                receipts.append(r)
                continue
            row = self.entry(r.event_id)
            if row is None:
                if self._log_head() != work.synced_head:
                    raise _Recheck
                raise Conflict(  # nobody wrote meanwhile: not a race, so not retried
                    code="concurrent_write",
                    vi="Một cán bộ khác vừa ghi vào cùng hồ sơ; hãy tải lại và thử lại",
                    en="Another officer wrote to the same record at the same moment; "
                    "reload and try again",
                    status=409,
                )
            if row["command_digest"] != r.digest:
                raise _command_id_reused()
            receipts.append(_receipt_from_row(row, duplicate=True))
        return receipts

    def _log_head(self) -> int:
        with self._store_read() as tx:
            return int(tx.scalar("SELECT COALESCE(MAX(seq), -1) FROM ledger_entries"))

    def _receipt(self, r: Receipt | EntryMeta) -> Receipt:
        if isinstance(r, Receipt):
            return r
        assert r.seq is not None and r.leaf_hash is not None
        return Receipt(
            event_id=r.event_id,
            seq=r.seq,
            leaf_hash=r.leaf_hash,
            command_type=r.command_type,
            status=r.extra.get("status", "recorded"),
            recorded_at=r.recorded_at,
            digest=r.digest,
        )


_gc_lock = threading.Lock()
_gc_pauses = 0  # batches running in this process (any Ledger), under _gc_lock
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic GC off while at least one batch runs; restored as it was (module docstring)."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _in_item_order(work: Work, pending: Sequence[LedgerAggregate]) -> list[Any]:
    """The batch's new events in the order of its items (`work.metas` is filled item by
    item), so seq follows the file: an aggregate touched first by a later item (the signer,
    the unit) must not carry its events ahead of an earlier item's. The aggregates are then
    cached with nothing left pending."""
    events = {
        (str(e.originator_id), e.originator_version): e for a in pending for e in a.collect_events()
    }
    ordered = [events.pop(key) for key in work.metas if key in events]
    return ordered + list(events.values())


_aggregate_id = lru_cache(maxsize=200_000)(aggregate_id)  # uuid5 is pure; lookups are hot


def _command_ids(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The command ids a batch claims, read before validation (for one lookup query)."""
    ids = []
    for item in items:
        command = item.get("command") if isinstance(item, Mapping) else None
        cid = command.get("command_id") if isinstance(command, Mapping) else None
        if isinstance(cid, str) and len(cid) <= 64:
            ids.append(cid)
    return ids


def _command_id_reused() -> Conflict:
    return conflict(
        "command_id_reused",
        "Mã lệnh đã dùng cho một lệnh có nội dung khác",
        "This command id was already used for a different command",
    )


def _receipt_from_row(row: Mapping[str, Any], *, duplicate: bool) -> Receipt:
    return Receipt(
        event_id=row["event_id"],
        seq=row["seq"],
        leaf_hash=row["leaf_hash"],
        command_type=row["command_type"],
        status="recorded",
        recorded_at=row["recorded_at"],
        digest=row["command_digest"],
        duplicate=duplicate,
    )


def _batch_refused(failures: list[tuple[int, LedgerError]], *, single: bool) -> LedgerError:
    if single:
        return failures[0][1]
    problems: list[Problem] = []
    for line, exc in failures:
        if exc.problems:
            problems += [
                Problem(f"line {line}: {p.field}", p.code, p.vi, p.en, ref=p.ref)
                for p in exc.problems
            ]
        else:
            problems.append(Problem(field=f"line {line}", code=exc.code, vi=exc.vi, en=exc.en))
    status = max(exc.status for _, exc in failures)
    return BatchRefused(
        code="batch_refused",
        vi=f"Lô bị từ chối: {len(failures)} dòng lỗi, không ghi dòng nào",
        en=f"Batch refused: {len(failures)} line(s) in error, nothing stored",
        problems=problems,
        status=status,
    )


__all__ = ["BatchRefused", "Ledger", "Receipt"]
