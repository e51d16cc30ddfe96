"""StoredTree: proofs from kept subtree roots equal proofs from every leaf, reading far less."""

from __future__ import annotations

import hashlib

import pytest

from audit.log import StoredTree
from audit.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_inclusion,
)


class Store:
    """A fake ledger_entries table at the boundary: leaf hashes and a log of what was read."""

    def __init__(self, n: int) -> None:
        self.leaves = [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]
        self.reads: list[tuple[int, int]] = []

    def read(self, start: int, end: int) -> list[bytes]:
        assert 0 <= start < end <= len(self.leaves), (start, end)
        self.reads.append((start, end))
        return self.leaves[start:end]

    def leaves_read(self) -> int:
        return sum(b - a for a, b in self.reads)


class SmallBlocks(StoredTree):
    BLOCK = 4  # small enough that a few dozen leaves span several levels of kept roots


class Engine:
    """Stands for a SQLAlchemy engine: the key the kept roots are filed under."""


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65, 100])
def test_roots_and_proofs_equal_those_from_every_leaf(n: int) -> None:
    store = Store(n)
    tree = SmallBlocks(Engine(), reader=store.read)  # type: ignore[arg-type]
    for size in range(1, n + 1):
        assert tree.root(size) == root_from_leaf_hashes(store.leaves[:size])
        for index in range(size):
            assert tree.inclusion(index, size) == inclusion_proof(store.leaves, index, size)
            assert tree.leaf(index) == store.leaves[index]
        for old in range(1, size + 1):
            assert tree.consistency(old, size) == consistency_proof(store.leaves, old, size)


def test_a_second_proof_reads_one_block_not_the_log() -> None:
    n = 4096
    store = Store(n)
    engine = Engine()
    first = SmallBlocks(engine, reader=store.read)  # type: ignore[arg-type]
    root = first.root(n)
    assert store.leaves_read() == n  # the first look reads every leaf once
    store.reads.clear()
    again = SmallBlocks(engine, reader=store.read)  # type: ignore[arg-type]  # a later request
    path = again.inclusion(1234, n)
    verify_inclusion(leaf_hash=again.leaf(1234), index=1234, size=n, proof=path, root=root)
    assert store.reads == [(1232, 1236)]  # the leaf's own block of 4
    assert again.root(n) == root and store.reads == [(1232, 1236)]


def test_a_tree_larger_than_the_last_checkpoint_reuses_the_complete_subtrees() -> None:
    store = Store(1000)
    engine = Engine()
    SmallBlocks(engine, reader=store.read).root(512)  # type: ignore[arg-type]
    store.reads.clear()
    tree = SmallBlocks(engine, reader=store.read)  # type: ignore[arg-type]
    assert tree.root(1000) == root_from_leaf_hashes(store.leaves)
    assert all(a >= 512 for a, _ in store.reads)  # the first 512 leaves are not read again
    assert store.leaves_read() == 1000 - 512


def test_kept_roots_belong_to_one_engine() -> None:
    a, b = Store(64), Store(64)
    b.leaves[3] = leaf_hash(b"another ledger")
    SmallBlocks(Engine(), reader=a.read).root(64)  # type: ignore[arg-type]
    other = SmallBlocks(Engine(), reader=b.read)  # type: ignore[arg-type]
    assert other.root(64) == root_from_leaf_hashes(b.leaves) != root_from_leaf_hashes(a.leaves)


def test_a_tree_that_doubled_reads_only_its_new_half() -> None:
    """The root of 1024 leaves was read whole although the first 512's root was kept: every
    time the log passed a power of two, a proof read every leaf again."""
    store = Store(1024)
    engine = Engine()
    SmallBlocks(engine, reader=store.read).root(512)  # type: ignore[arg-type]
    store.reads.clear()
    tree = SmallBlocks(engine, reader=store.read)  # type: ignore[arg-type]
    assert tree.root(1024) == root_from_leaf_hashes(store.leaves)
    assert store.leaves_read() == 512 and all(a >= 512 for a, _ in store.reads)
    store.reads.clear()  # and a consistency proof from the old tree reads nothing more
    proof = SmallBlocks(engine, reader=store.read).consistency(512, 1024)  # type: ignore[arg-type]
    assert proof == consistency_proof(store.leaves, 512, 1024) and store.reads == []


class SmallChunks(SmallBlocks):
    CHUNK = 16


def test_the_first_root_reads_every_leaf_once_in_chunks() -> None:
    store = Store(1000)
    tree = SmallChunks(Engine(), reader=store.read)  # type: ignore[arg-type]
    assert tree.root(1000) == root_from_leaf_hashes(store.leaves)
    assert store.leaves_read() == 1000 and max(b - a for a, b in store.reads) <= 16
    store.reads.clear()
    for old in (1, 5, 16, 17, 500, 999):
        assert tree.consistency(old, 1000) == consistency_proof(store.leaves, old, 1000)
    assert all(b - a <= 4 for a, b in store.reads)  # a few blocks, never a large range again


def test_requests_that_need_the_same_root_at_once_read_its_leaves_once() -> None:
    """Proofs asked at once on a process that has not read the log yet (a public page after
    a restart): the second waits for the first reader and takes its roots."""
    import threading

    store = Store(512)
    engine = Engine()
    inside, go = threading.Event(), threading.Event()

    def slow(start: int, end: int) -> list[bytes]:
        inside.set()
        go.wait(10)
        return store.read(start, end)

    roots: list[bytes] = []
    first = threading.Thread(
        target=lambda: roots.append(SmallBlocks(engine, reader=slow).root(512))  # type: ignore[arg-type]
    )
    first.start()
    inside.wait(10)  # the first is reading the leaves
    second = threading.Thread(
        target=lambda: roots.append(SmallBlocks(engine, reader=store.read).root(512))  # type: ignore[arg-type]
    )
    second.start()
    second.join(0.5)  # gives it the time to reach the reader's lock (or, unguarded, to read)
    go.set()
    first.join()
    second.join()
    assert roots == [root_from_leaf_hashes(store.leaves)] * 2
    assert store.leaves_read() == 512
