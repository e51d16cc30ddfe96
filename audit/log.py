"""The ledger's side of the Merkle log: its identity, signed checkpoints, proofs, cosignatures.

Design overview:
- Leaves are written in the event's own transaction (`ledger_entries.leaf_hash`, see
  ledger.entries), so the tree over `seq` 0..n-1 always covers every committed event.
  This module only reads that table: it never changes what was recorded.
- The ledger's identity is a random id created once (`ledger_secrets["ledger_id"]`); the
  checkpoint origin (and note key name) is `phucloi.vn/ledger/<id>`. The Ed25519 checkpoint
  key is a 32-byte seed in `ledger_secrets["checkpoint_key"]`, created on first use.
- `make_checkpoint` signs (size, root) in the C2SP tlog-checkpoint format, but only after
  checking the leaves since the previous checkpoint against the stored events and checking
  that the previous checkpoint's root is still the root of the prefix: the ledger refuses to
  sign over a log it can see was altered. Checkpoints are stored append-only.
- Proofs (`prove_inclusion`, `prove_consistency`, members' receipts) come from `StoredTree`,
  which reads only the leaves a proof needs plus the roots of large subtrees, each computed
  once per process and kept: a complete range of stored leaves never changes (the table is
  append-only), so its root never does. A member's history on a log of millions of events
  reads a few blocks of leaves, not the whole table. `make_checkpoint` still reads every leaf:
  it is the moment the ledger re-checks what it signs over.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from audit.merkle import (
    EMPTY_ROOT,
    consistency_path,
    inclusion_path,
    node_hash,
    root_from_leaf_hashes,
)
from audit.note import (
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    Signer,
    Verifier,
    open_note,
    split_note,
)
from audit.tables import checkpoint_cosignatures, checkpoints
from ledger.tables import ledger_entries, ledger_secrets
from ledger.vault import Vault

ORIGIN_PREFIX = "phucloi.vn/ledger/"
LEDGER_ID = "ledger_id"
CHECKPOINT_KEY = "checkpoint_key"


class LogError(Exception):
    """The log cannot be checkpointed or proved as asked (the message says why; `vi` in
    Vietnamese where people meet it, else the English text; `code` names the refusal:
    `checkpoint_mismatch` when the stored leaves no longer hash to a signed checkpoint,
    `checkpoint_signature` when a stored checkpoint's note does not verify)."""

    def __init__(self, en: str, vi: str | None = None, *, code: str = "unprovable") -> None:
        super().__init__(en)
        self.vi = vi or en
        self.code = code


@dataclass(frozen=True)
class LogIdentity:
    origin: str
    signer: Signer

    @property
    def vkey(self) -> str:
        return self.signer.verifier().vkey


def identity(engine: Engine) -> LogIdentity:
    """The ledger's origin and checkpoint key, created on first use."""
    vault = Vault(engine)
    ledger_id = vault.secret(
        LEDGER_ID, note="random id of this ledger (checkpoint origin)", size=16
    )
    seed = vault.secret(CHECKPOINT_KEY, note="Ed25519 seed of the checkpoint signing key")
    origin = ORIGIN_PREFIX + ledger_id.hex()
    return LogIdentity(origin, Signer(origin, seed))


@dataclass(frozen=True)
class LogKey:
    """The key the web pages check checkpoints with: the one the union published
    (`PHUCLOI_LOG_KEY`) when set, else the one the database holds. `problem` (both languages)
    says when the published one is not a key, or the database holds another: then the
    checkpoints were signed, or could be re-signed, by a key nobody published."""

    vkey: str | None
    configured: bool
    problem: str | None = None


def log_key_in_use(engine: Engine) -> LogKey:
    from audit.witness import LOG_KEY_ENV, configured_log_key

    stored = stored_log_vkey(engine)
    try:
        published = configured_log_key()
    except ValueError as exc:
        return LogKey(None, True, str(exc))
    if published is None:
        return LogKey(stored, False)
    if stored is not None and stored != published:
        return LogKey(
            published,
            True,
            f"khóa của sổ trong cơ sở dữ liệu ({stored}) khác khóa đã công bố ({LOG_KEY_ENV}): "
            f"checkpoint chỉ được tin theo khóa đã công bố / the database holds another log key "
            f"({stored}) than the published one ({LOG_KEY_ENV}): checkpoints are trusted only "
            "under the published key",
        )
    return LogKey(published, True)


def stored_log_vkey(engine: Engine) -> str | None:
    """The checkpoint verifier key, if the ledger has one (never creates it)."""
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                select(ledger_secrets.c.name, ledger_secrets.c.value).where(
                    ledger_secrets.c.name.in_([LEDGER_ID, CHECKPOINT_KEY])
                )
            ).all()
        )
    if len(rows) != 2:
        return None
    origin = ORIGIN_PREFIX + bytes(rows[LEDGER_ID]).hex()
    return Signer(origin, bytes(rows[CHECKPOINT_KEY])).verifier().vkey


def leaf_hashes(engine: Engine, size: int | None = None) -> list[bytes]:
    """The stored leaf hashes in seq order (the first `size` of them)."""
    return _stored_leaves(engine, 0, size)


def _stored_leaves(engine: Engine, start: int, end: int | None) -> list[bytes]:
    """Leaf hashes from seq `start` (up to `end`, as far as stored); LogError on a gap."""
    q = select(ledger_entries.c.seq, ledger_entries.c.leaf_hash).where(
        ledger_entries.c.seq >= start
    )
    if end is not None:
        q = q.where(ledger_entries.c.seq < end)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(ledger_entries.c.seq)).all()
    for i, (seq, _) in enumerate(rows, start=start):
        if seq != i:
            raise LogError(
                f"ledger_entries has a gap: seq {i} is missing",
                f"ledger_entries bị hở: thiếu seq {i}",
            )
    return [bytes.fromhex(h) for _, h in rows]


def _read_leaves(engine: Engine, start: int, end: int) -> list[bytes]:
    """Leaf hashes of seq `start`..`end - 1`; LogError unless every one of them is stored."""
    leaves = _stored_leaves(engine, start, end)
    if len(leaves) != end - start:
        raise LogError(
            f"the log has no leaf {start + len(leaves)}",
            f"sổ cái không có lá {start + len(leaves)}",
        )
    return leaves


def log_size(engine: Engine) -> int:
    """Number of leaves stored (the next seq)."""
    with engine.connect() as conn:
        last = conn.scalar(select(ledger_entries.c.seq).order_by(ledger_entries.c.seq.desc()))
    return 0 if last is None else int(last) + 1


# Roots of complete ranges of stored leaves, per engine: (start, count) -> root, for counts
# that are powers of two of at least BLOCK leaves (see StoredTree).
_SUBTREES: weakref.WeakKeyDictionary[Engine, dict[tuple[int, int], bytes]] = (
    weakref.WeakKeyDictionary()
)
_SUBTREES_LOCK = threading.Lock()
# One reader of leaves per engine at a time for a subtree's root: requests that need the same
# uncomputed root (a public page asked many times at once after a restart) wait for the first
# and take its result, rather than each reading the same leaves.
_READERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


class StoredTree:
    """The Merkle tree over the stored leaves, read as little as a proof needs.

    `range_root(start, end)` is MTH of the leaves `start..end-1`. A range of `BLOCK` leaves
    or more whose length is a power of two is looked up among the kept subtree roots, or
    computed with one read of its leaves and kept, with every subtree of it of `BLOCK` leaves
    or more. A smaller range inside one aligned block of `BLOCK` leaves is hashed from that
    block (read once per StoredTree). Anything else is split as RFC 9162 splits it. Proofs built from it equal those built from every leaf
    (tests/unit/test_stored_tree.py).

    A large subtree's root is made from its two halves' when either is kept (a tree that
    doubled since the last proof reads only its new half), and a subtree of more than `CHUNK`
    leaves always from its halves, so no single read holds more than `CHUNK` leaves. The kept
    roots are bounded by the log: at most one per aligned range of `BLOCK` leaves or more,
    about 2 × size / `BLOCK` in all, none of them for a range beyond the leaves stored.
    """

    BLOCK = 256
    CHUNK = 1 << 16  # leaves read at once, at most, for a subtree's root

    def __init__(self, engine: Engine, *, reader: Any = None) -> None:
        self.engine = engine
        self._read = reader or (lambda a, b: _read_leaves(engine, a, b))
        with _SUBTREES_LOCK:
            self._kept = _SUBTREES.setdefault(engine, {})
            self._reading = _READERS.setdefault(engine, threading.Lock())
        self._blocks: dict[int, list[bytes]] = {}
        self._known = 0  # leaves known to exist (the largest tree size asked about)

    def leaf(self, index: int) -> bytes:
        return self._block(index // self.BLOCK * self.BLOCK, index + 1)[index % self.BLOCK]

    def _block(self, start: int, end: int) -> list[bytes]:
        """The leaves of the aligned block at `start` (read once), at least up to `end`."""
        have = self._blocks.get(start)
        if have is None or start + len(have) < end:
            upto = max(end, min(start + self.BLOCK, self._known))
            have = self._blocks[start] = self._read(start, upto)
        return have

    def range_root(self, start: int, end: int) -> bytes:
        count = end - start
        if count <= 0:
            raise ValueError(f"empty range {start}..{end}")
        if count == 1:
            return self.leaf(start)
        if count >= self.BLOCK and count & (count - 1) == 0:
            kept = self._kept.get((start, count))
            return kept if kept is not None else self._compute(start, count)
        base = start // self.BLOCK * self.BLOCK
        if end <= base + self.BLOCK:  # within one block
            leaves = self._block(base, end)
            return root_from_leaf_hashes(leaves[start - base : end - base])
        k = 1 << ((count - 1).bit_length() - 1)  # the largest power of two below count
        return node_hash(self.range_root(start, start + k), self.range_root(start + k, end))

    def _compute(self, start: int, count: int) -> bytes:
        """Root of `count` (a power of two) leaves from `start`, keeping its large subtrees."""
        half = count // 2
        if count > self.CHUNK or (start, half) in self._kept or (start + half, half) in self._kept:
            root = node_hash(
                self.range_root(start, start + half), self.range_root(start + half, start + count)
            )
            with _SUBTREES_LOCK:
                self._kept[(start, count)] = root
            return root
        with self._reading:
            kept = self._kept.get((start, count))  # computed meanwhile by another request
            if kept is not None:
                return kept
            return self._hash_leaves(start, count)

    def _hash_leaves(self, start: int, count: int) -> bytes:
        leaves = self._read(start, start + count)
        level, width = leaves, 1
        found: dict[tuple[int, int], bytes] = {}
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
            width *= 2
            if width >= self.BLOCK:
                for i, h in enumerate(level):
                    found[(start + i * width, width)] = h
        with _SUBTREES_LOCK:
            self._kept.update(found)
        return level[0]

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 PATH(index, D[size]); the caller knows `size` leaves are stored."""
        self._known = max(self._known, size)
        return inclusion_path(index, size, self.range_root)

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 PROOF(size1, D[size2]); the caller knows `size2` leaves are stored."""
        self._known = max(self._known, size2)
        return consistency_path(size1, size2, self.range_root)

    def root(self, size: int) -> bytes:
        """MTH(D[size]); the caller knows `size` leaves are stored."""
        self._known = max(self._known, size)
        return EMPTY_ROOT if size == 0 else self.range_root(0, size)


def latest_checkpoint(engine: Engine) -> tuple[int, str, str] | None:
    """(size, root hex, signed note) of the newest checkpoint, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(checkpoints.c.size, checkpoints.c.root_hash, checkpoints.c.note)
            .order_by(checkpoints.c.size.desc())
            .limit(1)
        ).first()
    return None if row is None else (int(row.size), row.root_hash, row.note)


def cosignature_lines(conn: Connection, size: int) -> list[str]:
    """The stored witness cosignature lines of checkpoint `size`, as signed (unverified)."""
    return list(
        conn.execute(
            select(checkpoint_cosignatures.c.line)
            .where(checkpoint_cosignatures.c.size == size)
            .order_by(checkpoint_cosignatures.c.witness, checkpoint_cosignatures.c.key_id)
        )
        .scalars()
        .all()
    )


def with_cosignatures(engine: Engine, size: int, note: str) -> str:
    """The checkpoint note of `size` with every stored witness cosignature line appended
    (C2SP signed note: one signature line each), as readers outside the ledger want it."""
    from audit.note import NoteError, add_signatures

    with engine.connect() as conn:
        lines = cosignature_lines(conn, size)
    try:
        return add_signatures(note, lines) if lines else note
    except NoteError:  # a stored line edited by hand: the note as signed (verify reports it)
        return note


def checkpoint_at(engine: Engine, size: int) -> tuple[int, str, str] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(checkpoints.c.size, checkpoints.c.root_hash, checkpoints.c.note).where(
                checkpoints.c.size == size
            )
        ).first()
    return None if row is None else (int(row.size), row.root_hash, row.note)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A stored checkpoint whose note verified with the log key: `root_hash` is the signed
    root; `note` is the note as signed with the stored cosignature lines appended."""

    size: int
    root_hash: bytes
    note: str


def signed_checkpoint(
    engine: Engine, size: int, *, log_vkey: str | None = None
) -> SignedCheckpoint | None:
    """The checkpoint of `size` as its log signature says, or None when none was signed.

    The note is opened with `log_vkey` (default: the key the union published in PHUCLOI_LOG_KEY,
    else the ledger's own log key); LogError
    (`checkpoint_signature`) when it does not verify or the stored row differs from it, so a
    proof is never said to be "against a signed checkpoint" on the strength of a row alone.
    """
    found = checkpoint_at(engine, size)
    if found is None:
        return None
    published = log_key_in_use(engine)
    vkey = log_vkey or published.vkey
    problem = problem_vi = ""
    body: Checkpoint | None = None
    if vkey is None:
        problem = published.problem or "no log key is known to check it"
        problem_vi = published.problem or "không có khóa kiểm của sổ cái để kiểm tra"
    else:
        verifier = Verifier.from_vkey(vkey)
        try:
            body = Checkpoint.parse(open_note(found[2], [verifier]).text)
        except NoteError as exc:
            problem = f"its note does not verify with the ledger's log key ({exc})"
            problem_vi = f"ghi chú của nó không khớp chữ ký bằng khóa của sổ cái ({exc})"
        else:
            if (body.origin, body.size, body.root_hash.hex()) != (verifier.name, size, found[1]):
                problem = "the stored row differs from the signed note"
                problem_vi = "dòng đã lưu khác với ghi chú đã ký"
    if problem or body is None:
        raise LogError(
            f"checkpoint {size}: {problem}",
            f"checkpoint {size} lá: {problem_vi}",
            code="checkpoint_signature",
        )
    return SignedCheckpoint(size, body.root_hash, with_cosignatures(engine, size, found[2]))


def check_signed_root(signed: SignedCheckpoint, root: bytes) -> None:
    """LogError (`checkpoint_mismatch`) unless `root`, computed from the stored leaves, is the
    root the checkpoint signed."""
    if root != signed.root_hash:
        raise LogError(
            f"the stored leaves no longer hash to signed checkpoint {signed.size}: they give "
            f"root {root.hex()}, the checkpoint signed {signed.root_hash.hex()} (the log was "
            "changed after it was signed; run `phucloi audit verify`)",
            f"các lá đã lưu không còn băm ra checkpoint đã ký {signed.size} lá: chúng cho gốc "
            f"{root.hex()}, checkpoint đã ký gốc {signed.root_hash.hex()} (sổ cái đã bị sửa "
            "sau khi ký; chạy `phucloi audit verify`)",
            code="checkpoint_mismatch",
        )


def make_checkpoint(engine: Engine) -> tuple[int, str, str, bool]:
    """Sign and store a checkpoint of the whole log; (size, root hex, note, created)."""
    ident = identity(engine)
    hashes = leaf_hashes(engine)
    size = len(hashes)
    previous = latest_checkpoint(engine)
    start = 0
    if previous is not None:
        psize, proot, _ = previous
        if psize > size:
            raise LogError(
                f"the log has {size} leaves but checkpoint {psize} exists: truncated",
                f"sổ cái có {size} lá nhưng đã có checkpoint {psize} lá: sổ cái bị cắt cụt",
                code="truncated",
            )
        if root_from_leaf_hashes(hashes[:psize]).hex() != proot:
            raise LogError(
                f"the first {psize} leaves no longer hash to checkpoint {psize}",
                f"{psize} lá đầu không còn băm ra checkpoint {psize} lá",
                code="checkpoint_mismatch",
            )
        if psize == size:
            return (*previous, False)
        start = psize
    _check_leaves(engine, hashes, start)
    root = root_from_leaf_hashes(hashes)
    note = Checkpoint(ident.origin, size, root).sign([ident.signer])
    row = {
        "size": size,
        "root_hash": root.hex(),
        "note": note,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(checkpoints).values(**row))
    except IntegrityError:  # another process signed the same size first
        existing = checkpoint_at(engine, size)
        assert existing is not None
        return (*existing, False)
    return size, root.hex(), note, True


def _check_leaves(engine: Engine, hashes: Sequence[bytes], start: int) -> None:
    """Recompute the leaves from `start` from the stored events; refuse on any mismatch."""
    from audit.scan import event_leaf_hash
    from audit.source import CHUNK, DatabaseSource

    source = DatabaseSource("", engine=engine)
    size = len(hashes)
    for lo in range(start, size, CHUNK):
        for row in source.read_chunk((lo, min(lo + CHUNK, size) - 1)):
            if row.event is None:
                raise LogError(
                    f"seq {row.entry.seq}: the stored event is missing",
                    f"seq {row.entry.seq}: thiếu bút toán đã lưu",
                    code="leaf_mismatch",
                )
            if event_leaf_hash(row.event) != hashes[row.entry.seq]:
                raise LogError(
                    f"seq {row.entry.seq}: the stored event does not match its leaf",
                    f"seq {row.entry.seq}: bút toán đã lưu không khớp với lá của nó",
                    code="leaf_mismatch",
                )


# --- proofs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    event_id: str
    index: int
    size: int
    leaf_hash: bytes
    root_hash: bytes
    path: list[bytes]
    # the signed checkpoint of `size` (its root is `root_hash`), None if that size is unsigned
    checkpoint: SignedCheckpoint | None = None

    def as_dict(self) -> dict[str, object]:
        """The proof; `checkpoint` is the signed note (C2SP tlog-checkpoint, with witness
        cosignatures) whose root the proof leads to, so it can be checked on its own."""
        return {
            "event_id": self.event_id,
            "leaf_index": self.index,
            "tree_size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "root_hash": self.root_hash.hex(),
            "path": [p.hex() for p in self.path],
            "signed_checkpoint": self.checkpoint is not None,
            "checkpoint": None if self.checkpoint is None else self.checkpoint.note,
        }


def event_seq(engine: Engine, event_id: str) -> int | None:
    """The leaf index of the event recorded by command `event_id`, or None."""
    with engine.connect() as conn:
        seq = conn.scalar(select(ledger_entries.c.seq).where(ledger_entries.c.event_id == event_id))
    return None if seq is None else int(seq)


def prove_inclusion(engine: Engine, event_id: str, *, size: int | None = None) -> InclusionProof:
    """RFC 9162 inclusion proof of an event (by its command id) in the tree of `size` leaves
    (default: the latest checkpoint's size, else the whole log).

    When `size` is a signed checkpoint, the proof is checked against the root its note signed
    (the note verified with the ledger's log key): LogError `checkpoint_mismatch` when the
    stored leaves no longer hash to it, `checkpoint_signature` when the note does not verify.
    """
    seq = event_seq(engine, event_id)
    if seq is None:
        raise LogError(f"no event {event_id} in the log", f"sổ cái không có bút toán {event_id}")
    if size is None:
        latest = latest_checkpoint(engine)
        size = latest[0] if latest is not None and latest[0] > seq else None
    stored = log_size(engine)
    size = stored if size is None else size
    if size > stored:
        raise LogError(
            f"the log has only {stored} leaves, not {size}",
            f"sổ cái chỉ có {stored} lá, không phải {size}",
        )
    if not seq < size:
        raise LogError(
            f"event {event_id} (leaf {seq}) is not in a tree of {size} leaves",
            f"bút toán {event_id} (lá {seq}) không nằm trong cây {size} lá",
        )
    signed = signed_checkpoint(engine, size)
    tree = StoredTree(engine)
    root = tree.root(size)
    if signed is not None:
        check_signed_root(signed, root)
    path = tree.inclusion(int(seq), size)
    return InclusionProof(event_id, int(seq), size, tree.leaf(int(seq)), root, path, signed)


def prove_consistency(engine: Engine, size1: int, size2: int) -> list[bytes]:
    stored = log_size(engine)
    if size2 > stored:
        raise LogError(
            f"the log has only {stored} leaves, not {size2}",
            f"sổ cái chỉ có {stored} lá, không phải {size2}",
        )
    try:
        return StoredTree(engine).consistency(size1, size2)
    except ValueError as exc:
        raise LogError(str(exc), f"không lập được bằng chứng nhất quán: {exc}") from None


# --- cosignatures ----------------------------------------------------------------------------


def store_cosignature(engine: Engine, *, size: int, line: str, vkey: str) -> bool:
    """Store a witness's cosignature line for checkpoint `size` (idempotent)."""
    verifier = CosignatureVerifier.from_vkey(vkey)
    found = checkpoint_at(engine, size)
    if found is None:
        raise LogError(f"no checkpoint of size {size}", f"không có checkpoint {size} lá")
    text, _ = split_note(found[2])
    from audit.note import Signature

    sig = Signature.parse_line(line)
    if (sig.name, sig.key_id) != (verifier.name, verifier.key_id) or not verifier.verify(
        text.encode(), sig.signature
    ):
        raise LogError(
            "the cosignature does not verify against the witness key",
            "chữ ký đồng ký không khớp với khóa của nhân chứng",
        )
    timestamp = int.from_bytes(sig.signature[:8], "big")
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(checkpoint_cosignatures).values(
                    size=size,
                    witness=verifier.name,
                    key_id=verifier.key_id.hex(),
                    vkey=vkey,
                    line=line,
                    cosigned_at=timestamp,
                )
            )
    except IntegrityError:
        return False
    return True


def log_verifier(vkey: str) -> Verifier:
    return Verifier.from_vkey(vkey)


# --- one witness round -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cosigned:
    origin: str
    old_size: int
    size: int
    line: str


def cosign_latest(engine: Engine, witness: Any, *, log_vkey: str | None = None) -> Cosigned:
    """One round of the tlog-witness protocol against this ledger's latest checkpoint.

    The log side (this database) supplies the checkpoint and the consistency proof from the
    size the witness holds; the witness checks both (audit.witness) and only then cosigns;
    the cosignature is stored beside the checkpoint. Raises `WitnessRefusal` or `LogError`.
    """
    from audit.note import Checkpoint, NoteError

    latest = latest_checkpoint(engine)
    if latest is None:
        raise LogError("the ledger has no checkpoint yet", "sổ cái chưa có checkpoint nào")
    size, _root, note = latest
    try:
        origin = Checkpoint.parse(split_note(note)[0]).origin
    except NoteError as exc:
        raise LogError(f"malformed checkpoint: {exc}", f"checkpoint sai dạng: {exc}") from None
    held = witness.held(origin)
    pinned = witness.state()["logs"].get(origin, {}).get("log_vkey")
    vkey = log_key = log_vkey or pinned or stored_log_vkey(engine)
    if log_key is None:
        raise LogError(
            "no log key known: pin it with --log-key",
            "không biết khóa của sổ cái: ghim bằng --log-key",
        )
    old = 0 if held is None else held.size
    proof = prove_consistency(engine, old, size) if 0 < old < size else []
    line = witness.add_checkpoint(note, old_size=old, proof=proof, log_vkey=vkey)
    store_cosignature(engine, size=size, line=line, vkey=witness.vkey)
    return Cosigned(origin, old, size, line)
