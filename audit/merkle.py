"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and proof verification.

Everything here is pure computation over 32-byte SHA-256 hashes: no I/O, no state beyond the
objects the caller holds.  The same code is used by the log (to produce roots and proofs) and
by auditors (to check them), so the verifiers are written to refuse anything they cannot
prove, with a :class:`ProofError` saying which check failed.

Invariants:

* Leaf hash = SHA-256(0x00 || data); interior node hash = SHA-256(0x01 || left || right);
  the root of the empty tree is SHA-256(b"") (RFC 9162 §2.1.1).  The prefix bytes give
  second-preimage resistance: a leaf can never be confused with an interior node.
* A tree of n > 1 leaves is split at k, the largest power of two strictly less than n:
  MTH(D[n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])).  Every root, proof and verifier in this
  module uses exactly that shape; the iterative algorithms below are equivalent to the
  recursive definitions in the RFC (tests check them against a literal recursive version).
* Leaf indices are 0-based; ``size`` is a number of leaves.  Proof hashes are ordered from
  the leaf (or the older tree) upward, as in RFC 9162 §2.1.3.1 and §2.1.4.1.
* Root computation is O(n) time and never recurses, so it is safe on millions of leaves;
  each proof is produced with one O(n) pass over the leaf hashes it covers.
* ``verify_inclusion`` and ``verify_consistency`` follow RFC 9162 §2.1.3.2 and §2.1.4.2 step
  by step.  Around the RFC algorithms they add the boundary rules of the transparency-dev/merkle
  test vectors: size1 == size2 needs an empty proof and equal roots; a consistency proof from
  the empty tree (size1 == 0) is refused as meaningless (every tree extends the empty tree,
  so callers handle that case without a proof); every proof element, leaf hash and computed
  root must be a 32-byte hash.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "ProofError",
    "RangeRoot",
    "consistency_path",
    "consistency_proof",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


RangeRoot = Callable[[int, int], bytes]  # (start, end) -> MTH(D[start:end])


class ProofError(ValueError):
    """An inclusion or consistency proof does not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n`` >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ProofError(f"{what} must not be negative, got {value}")
    return value


def _range_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of ``leaf_hashes[start:end]`` without copying the slice or recursing.

    Level by level: adjacent pairs are hashed together and an unpaired last node is carried
    up unchanged.  That yields exactly the RFC 9162 shape, because the left subtree of every
    split is a perfect tree of 2^j leaves and the pairing never crosses its boundary.
    """
    count = end - start
    if count == 0:
        return EMPTY_ROOT
    if count == 1:
        return bytes(leaf_hashes[start])
    sha256 = hashlib.sha256
    prefix = _NODE_PREFIX
    level = [
        sha256(prefix + leaf_hashes[i] + leaf_hashes[i + 1]).digest()
        for i in range(start, end - 1, 2)
    ]
    if count & 1:
        level.append(bytes(leaf_hashes[end - 1]))
    while len(level) > 1:
        nxt = [
            sha256(prefix + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash of the given leaf hashes (O(n), no recursion)."""
    return _range_root(leaf_hashes, 0, len(leaf_hashes))


class CompactRange:
    """An append-only Merkle tree kept as the roots of its perfect subtrees.

    Holds at most ~log2(size) hashes: the roots of the perfect subtrees that the binary
    representation of ``size`` decomposes the leaves into, largest (leftmost) first.  Appending
    is amortised O(1) hashes and :meth:`root` costs O(log size), so a growing log can compute
    the root for every size it reaches.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._peaks: list[bytes] = []
        self._size = 0
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        """Roots of the perfect subtrees, leftmost (largest) first."""
        return tuple(self._peaks)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash (already hashed with :func:`leaf_hash`)."""
        h = _check_hash(leaf_hash, "leaf hash")
        peaks = self._peaks
        size = self._size
        # Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        while size & 1:
            h = node_hash(peaks.pop(), h)
            size >>= 1
        peaks.append(h)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """Merkle Tree Hash of all leaves appended so far (SHA-256(b"") when empty)."""
        if not self._peaks:
            return EMPTY_ROOT
        h = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            h = node_hash(peak, h)
        return h

    def copy(self) -> CompactRange:
        """An independent copy (appending to one does not affect the other)."""
        other = CompactRange()
        other._peaks = list(self._peaks)
        other._size = self._size
        return other

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def _check_available(leaf_hashes: Sequence[bytes], size: int) -> None:
    if size > len(leaf_hashes):
        raise ValueError(f"tree size {size} exceeds the {len(leaf_hashes)} leaf hashes given")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]): audit path for leaf ``index`` (0-based).

    Uses the first ``size`` entries of ``leaf_hashes``.  The sibling subtrees are disjoint,
    so computing each of their roots is one O(size) pass in total.
    """
    _check_available(leaf_hashes, _check_size(size, "tree size"))
    return inclusion_path(index, size, lambda a, b: _range_root(leaf_hashes, a, b))


def inclusion_path(index: int, size: int, range_root: RangeRoot) -> list[bytes]:
    """PATH(index, D[size]) with the subtree roots asked of ``range_root(start, end)``.

    ``range_root(start, end)`` must return MTH(D[start:end]); a store that keeps the roots of
    large subtrees (``audit.log.StoredTree``) answers without reading every leaf.
    """
    size = _check_size(size, "tree size")
    index = _check_size(index, "leaf index")
    if index >= size:
        raise ValueError(f"leaf index {index} is not below tree size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            path.append(range_root(start + k, end))
            end = start + k
        else:
            path.append(range_root(start, start + k))
            start += k
    path.reverse()  # The RFC lists the lowest sibling first.
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[size2]) = SUBPROOF(size1, D[size2], true).

    Requires 0 < size1 <= size2 (the proof is empty when the sizes are equal).  A proof from
    the empty tree is refused, matching :func:`verify_consistency`.
    """
    _check_available(leaf_hashes, _check_size(size2, "size2"))
    return consistency_path(size1, size2, lambda a, b: _range_root(leaf_hashes, a, b))


def consistency_path(size1: int, size2: int, range_root: RangeRoot) -> list[bytes]:
    """PROOF(size1, D[size2]) with the subtree roots asked of ``range_root(start, end)``."""
    size1 = _check_size(size1, "size1")
    size2 = _check_size(size2, "size2")
    if size1 == 0:
        raise ValueError("a consistency proof from the empty tree is meaningless")
    if size1 > size2:
        raise ValueError(f"size1 {size1} is larger than size2 {size2}")
    path: list[bytes] = []
    start, end, m = 0, size2, size1
    complete = True  # The RFC's "b": m is still the whole of the originally requested tree.
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            path.append(range_root(start + k, end))
            end = start + k
        else:
            path.append(range_root(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        path.append(range_root(start, end))
    path.reverse()  # SUBPROOF puts the deepest node first.
    return path


def _roots_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof exactly as RFC 9162 §2.1.3.2; raise :class:`ProofError` if not.

    ``index`` is the 0-based leaf index, ``size`` the tree size the proof and ``root`` are for.
    """
    index = _check_size(index, "leaf index")
    size = _check_size(size, "tree size")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    r = _check_hash(leaf_hash, "leaf hash")
    root = bytes(root)
    fn, sn = index, size - 1
    for i, p in enumerate(proof):
        p = _check_hash(p, f"proof element {i}")
        if sn == 0:
            raise ProofError(f"proof is too long: {len(proof)} elements, tree has no level left")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof is too short: {len(proof)} elements")
    if not _roots_equal(r, root):
        raise ProofError("computed root does not match the expected root")


def verify_consistency(
    *, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof exactly as RFC 9162 §2.1.4.2; raise :class:`ProofError` if not.

    Proves that the tree of ``size2`` leaves with root ``root2`` extends the tree of ``size1``
    leaves with root ``root1``.  Boundary cases: size1 > size2 is refused; size1 == size2
    needs an empty proof and root1 == root2; size1 == 0 is refused (nothing to prove).
    """
    size1 = _check_size(size1, "size1")
    size2 = _check_size(size2, "size2")
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    root1 = bytes(root1)
    root2 = bytes(root2)
    if size1 == size2:
        if len(proof) != 0:
            raise ProofError(f"sizes are equal but the proof has {len(proof)} elements")
        if not _roots_equal(root1, root2):
            raise ProofError("sizes are equal but the roots differ")
        return
    # RFC 9162 §2.1.4.2, for 0 < first < second.
    if len(proof) == 0:
        raise ProofError("proof is empty")
    root1 = _check_hash(root1, "root1")
    root2 = _check_hash(root2, "root2")
    path = [_check_hash(p, f"proof element {i}") for i, p in enumerate(proof)]
    if size1 & (size1 - 1) == 0:  # first is an exact power of 2
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"proof is too long: {len(proof)} elements")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"proof is too short: {len(proof)} elements")
    if not _roots_equal(fr, root1):
        raise ProofError("proof does not reproduce root1 (the older tree)")
    if not _roots_equal(sr, root2):
        raise ProofError("proof does not reproduce root2 (the newer tree)")
