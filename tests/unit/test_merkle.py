"""Tests for audit.merkle: RFC 9162 roots, proofs and verifiers.

Checked against the transparency-dev/merkle vectors in tests/data/rfc6962, the published
Certificate Transparency roots, and a literal recursive transcription of RFC 9162 §2.1
written here with nothing but hashlib.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).parents[1] / "data" / "rfc6962"
INCLUSION_FILES = sorted(DATA.glob("inclusion/*/*.json"))
CONSISTENCY_FILES = sorted(DATA.glob("consistency/*/*.json"))

CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
# Roots of the first n CT leaves, n = 0..8 (RFC 6962 reference test data).
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAF_HASHES = [leaf_hash(d) for d in CT_LEAVES]


# --- naive reference: RFC 9162 §2.1 transcribed recursively --------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_subproof(m: int, data: list[bytes], b: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if b else [ref_mth(data)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, data[:k], b), ref_mth(data[k:])]
    return [*ref_subproof(m - k, data[k:], False), ref_mth(data[:k])]


def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


# --- vector files -----------------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in value or []]


def _vector_id(path: Path) -> str:
    return str(path.relative_to(DATA))


def test_vector_files_present() -> None:
    # Parametrised tests over an empty list would silently skip; fail loudly instead.
    assert len(INCLUSION_FILES) >= 50
    assert len(CONSISTENCY_FILES) >= 50
    for files in (INCLUSION_FILES, CONSISTENCY_FILES):
        flags = {_load(f)["wantErr"] for f in files}
        assert flags == {True, False}


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_vector_id)
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    kwargs = {
        "leaf_hash": _b64(v["leafHash"]),
        "index": v["leafIdx"],
        "size": v["treeSize"],
        "proof": _proof(v["proof"]),
        "root": _b64(v["root"]),
    }
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(**kwargs)
    else:
        verify_inclusion(**kwargs)  # raises ProofError if refused


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_vector_id)
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    kwargs = {
        "size1": v["size1"],
        "size2": v["size2"],
        "root1": _b64(v["root1"]),
        "root2": _b64(v["root2"]),
        "proof": _proof(v["proof"]),
    }
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(**kwargs)
    else:
        verify_consistency(**kwargs)  # raises ProofError if refused


def test_happy_path_vectors_match_generated_proofs() -> None:
    # The vectors' happy paths are proofs over the CT leaves: we must generate the same ones.
    checked = 0
    for path in INCLUSION_FILES:
        v = _load(path)
        if v["wantErr"] or path.parent.name == "single-entry":
            continue
        size = v["treeSize"]
        assert CT_LEAF_HASHES[v["leafIdx"]] == _b64(v["leafHash"])
        assert root_from_leaf_hashes(CT_LEAF_HASHES[:size]) == _b64(v["root"])
        assert inclusion_proof(CT_LEAF_HASHES, v["leafIdx"], size) == _proof(v["proof"])
        checked += 1
    for path in CONSISTENCY_FILES:
        v = _load(path)
        if v["wantErr"] or path.parent.name == "additional":
            continue
        s1, s2 = v["size1"], v["size2"]
        assert root_from_leaf_hashes(CT_LEAF_HASHES[:s1]) == _b64(v["root1"])
        assert root_from_leaf_hashes(CT_LEAF_HASHES[:s2]) == _b64(v["root2"])
        assert consistency_proof(CT_LEAF_HASHES, s1, s2) == _proof(v["proof"])
        checked += 1
    assert checked == 10


# --- hashing and roots ------------------------------------------------------------------------


def test_leaf_and_node_hash_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != node_hash(right, left)
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


@pytest.mark.parametrize("n", range(9))
def test_ct_roots_for_every_prefix(n: int) -> None:
    expected = bytes.fromhex(CT_ROOTS[n])
    assert ref_mth(CT_LEAVES[:n]) == expected
    assert root_from_leaf_hashes(CT_LEAF_HASHES[:n]) == expected
    assert CompactRange(CT_LEAF_HASHES[:n]).root() == expected


def test_roots_match_reference_for_irregular_sizes() -> None:
    rng = random.Random(9162)
    data = [rng.randbytes(rng.randrange(0, 40)) for _ in range(300)]
    hashes = [leaf_hash(d) for d in data]
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT
    for n in range(1, len(data) + 1):
        cr.append(hashes[n - 1])
        assert cr.size == n
        assert len(cr.peaks) == n.bit_count()
        want = ref_mth(data[:n])
        assert cr.root() == want
        assert root_from_leaf_hashes(hashes[:n]) == want


def test_compact_range_copy_is_independent() -> None:
    a = CompactRange(CT_LEAF_HASHES[:5])
    b = a.copy()
    b.extend(CT_LEAF_HASHES[5:])
    assert a.size == 5
    assert a.root().hex() == CT_ROOTS[5]
    assert b.size == 8
    assert b.root().hex() == CT_ROOTS[8]


def test_compact_range_refuses_non_hash() -> None:
    cr = CompactRange()
    with pytest.raises(ProofError, match="32 bytes"):
        cr.append(b"short")
    assert cr.size == 0


# --- proofs over the 8 CT leaves: every (index, size) and (size1, size2) ----------------------

ALL_INCLUSION = [(i, n) for n in range(1, 9) for i in range(n)]
ALL_CONSISTENCY = [(m, n) for n in range(1, 9) for m in range(1, n + 1)]


@pytest.mark.parametrize(("index", "size"), ALL_INCLUSION)
def test_inclusion_proofs_small(index: int, size: int) -> None:
    proof = inclusion_proof(CT_LEAF_HASHES, index, size)
    assert proof == ref_path(index, CT_LEAVES[:size])
    root = bytes.fromhex(CT_ROOTS[size])
    verify_inclusion(
        leaf_hash=CT_LEAF_HASHES[index], index=index, size=size, proof=proof, root=root
    )
    # A modified hash at every position, and every single-bit flip of its first byte, fails.
    for pos in range(len(proof)):
        for bit in range(8):
            bad = list(proof)
            bad[pos] = _flip(bad[pos], bit)
            with pytest.raises(ProofError):
                verify_inclusion(
                    leaf_hash=CT_LEAF_HASHES[index], index=index, size=size, proof=bad, root=root
                )
    # Wrong leaf, wrong index, wrong size, wrong root, shortened and lengthened proofs fail.
    other = CT_LEAF_HASHES[(index + 1) % 8]
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash=other, index=index, size=size, proof=proof, root=root)
    for wrong_index in {index ^ 1, index + 1, index - 1} - {index}:
        if 0 <= wrong_index < size:
            with pytest.raises(ProofError):
                verify_inclusion(
                    leaf_hash=CT_LEAF_HASHES[index],
                    index=wrong_index,
                    size=size,
                    proof=proof,
                    root=root,
                )
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash=CT_LEAF_HASHES[index], index=index, size=size, proof=proof, root=_flip(root)
        )
    with pytest.raises(ProofError):
        verify_inclusion(
            leaf_hash=CT_LEAF_HASHES[index],
            index=index,
            size=size,
            proof=[*proof, EMPTY_ROOT],
            root=root,
        )
    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(
                leaf_hash=CT_LEAF_HASHES[index], index=index, size=size, proof=proof[:-1], root=root
            )
    if size < 8:
        with pytest.raises(ProofError):
            verify_inclusion(
                leaf_hash=CT_LEAF_HASHES[index],
                index=index,
                size=size + 1,
                proof=proof,
                root=bytes.fromhex(CT_ROOTS[size + 1]),
            )


@pytest.mark.parametrize(("size1", "size2"), ALL_CONSISTENCY)
def test_consistency_proofs_small(size1: int, size2: int) -> None:
    proof = consistency_proof(CT_LEAF_HASHES, size1, size2)
    assert proof == ref_subproof(size1, CT_LEAVES[:size2], True)
    root1 = bytes.fromhex(CT_ROOTS[size1])
    root2 = bytes.fromhex(CT_ROOTS[size2])
    verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof)
    for pos in range(len(proof)):
        for bit in range(8):
            bad = list(proof)
            bad[pos] = _flip(bad[pos], bit)
            with pytest.raises(ProofError):
                verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=bad)
    with pytest.raises(ProofError):
        verify_consistency(size1=size1, size2=size2, root1=_flip(root1), root2=root2, proof=proof)
    with pytest.raises(ProofError):
        verify_consistency(size1=size1, size2=size2, root1=root1, root2=_flip(root2), proof=proof)
    with pytest.raises(ProofError):
        verify_consistency(
            size1=size1, size2=size2, root1=root1, root2=root2, proof=[*proof, root1]
        )
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, proof=proof[:-1])
    if size1 != size2:
        with pytest.raises(ProofError):
            verify_consistency(size1=size1, size2=size2, root1=root2, root2=root1, proof=proof)


def test_equal_sizes_need_empty_proof_and_equal_roots() -> None:
    root = bytes.fromhex(CT_ROOTS[5])
    assert consistency_proof(CT_LEAF_HASHES, 5, 5) == []
    verify_consistency(size1=5, size2=5, root1=root, root2=root, proof=[])
    with pytest.raises(ProofError, match="roots differ"):
        verify_consistency(size1=5, size2=5, root1=root, root2=_flip(root), proof=[])
    with pytest.raises(ProofError, match="proof has 1"):
        verify_consistency(size1=5, size2=5, root1=root, root2=root, proof=[root])


def test_consistency_from_empty_tree_refused() -> None:
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(size1=0, size2=3, root1=EMPTY_ROOT, root2=EMPTY_ROOT, proof=[])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(size1=0, size2=0, root1=EMPTY_ROOT, root2=EMPTY_ROOT, proof=[])
    with pytest.raises(ValueError, match="empty tree"):
        consistency_proof(CT_LEAF_HASHES, 0, 3)


def test_verifier_argument_checks() -> None:
    h = CT_LEAF_HASHES[0]
    with pytest.raises(ProofError, match="not below tree size"):
        verify_inclusion(leaf_hash=h, index=1, size=1, proof=[], root=h)
    with pytest.raises(ProofError, match="not below tree size"):
        verify_inclusion(leaf_hash=h, index=0, size=0, proof=[], root=EMPTY_ROOT)
    with pytest.raises(ProofError, match="negative"):
        verify_inclusion(leaf_hash=h, index=-1, size=1, proof=[], root=h)
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        verify_inclusion(leaf_hash=b"", index=0, size=1, proof=[], root=h)
    with pytest.raises(ProofError, match="proof element 0 must be 32 bytes"):
        verify_inclusion(leaf_hash=h, index=0, size=2, proof=[b"x" * 31], root=h)
    with pytest.raises(ProofError, match="must be an int"):
        verify_inclusion(leaf_hash=h, index=True, size=2, proof=[h], root=h)
    with pytest.raises(ProofError, match="larger than size2"):
        verify_consistency(size1=3, size2=2, root1=h, root2=h, proof=[])
    with pytest.raises(ProofError, match="proof is empty"):
        verify_consistency(size1=2, size2=3, root1=h, root2=h, proof=[])
    with pytest.raises(ProofError, match="proof is too long"):
        verify_inclusion(leaf_hash=h, index=0, size=1, proof=[h], root=h)
    with pytest.raises(ProofError, match="proof is too short"):
        verify_inclusion(leaf_hash=h, index=0, size=2, proof=[], root=h)


def test_proof_generator_argument_checks() -> None:
    with pytest.raises(ValueError, match="not below tree size"):
        inclusion_proof(CT_LEAF_HASHES, 8, 8)
    with pytest.raises(ValueError, match="exceeds"):
        inclusion_proof(CT_LEAF_HASHES, 0, 9)
    with pytest.raises(ValueError, match="larger than size2"):
        consistency_proof(CT_LEAF_HASHES, 5, 4)
    with pytest.raises(ValueError, match="exceeds"):
        consistency_proof(CT_LEAF_HASHES, 5, 9)


# --- a 1000-leaf random tree ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree_1000() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(leaf data, leaf hashes, roots[n] for n = 0..1000)."""
    rng = random.Random(20240601)
    data = [rng.randbytes(rng.randrange(1, 64)) for _ in range(1000)]
    hashes = [leaf_hash(d) for d in data]
    cr = CompactRange()
    roots = [cr.root()]
    for h in hashes:
        cr.append(h)
        roots.append(cr.root())
    return data, hashes, roots


def test_1000_leaf_roots(tree_1000: tuple[list[bytes], list[bytes], list[bytes]]) -> None:
    data, hashes, roots = tree_1000
    assert root_from_leaf_hashes(hashes) == ref_mth(data) == roots[1000]
    for n in random.Random(1).sample(range(1001), 60):
        assert root_from_leaf_hashes(hashes[:n]) == roots[n] == ref_mth(data[:n])


def test_1000_leaf_inclusion_sample(
    tree_1000: tuple[list[bytes], list[bytes], list[bytes]],
) -> None:
    data, hashes, roots = tree_1000
    rng = random.Random(2)
    for _ in range(150):
        size = rng.randrange(1, 1001)
        index = rng.randrange(size)
        proof = inclusion_proof(hashes, index, size)
        assert len(proof) <= 10
        verify_inclusion(
            leaf_hash=hashes[index], index=index, size=size, proof=proof, root=roots[size]
        )
        for pos in range(len(proof)):
            bad = list(proof)
            bad[pos] = _flip(bad[pos], rng.randrange(8))
            with pytest.raises(ProofError):
                verify_inclusion(
                    leaf_hash=hashes[index], index=index, size=size, proof=bad, root=roots[size]
                )
    for size, index in ((1000, 0), (1000, 999), (512, 511), (513, 512), (1, 0)):
        proof = inclusion_proof(hashes, index, size)
        assert proof == ref_path(index, data[:size])


def test_1000_leaf_consistency_sample(
    tree_1000: tuple[list[bytes], list[bytes], list[bytes]],
) -> None:
    data, hashes, roots = tree_1000
    rng = random.Random(3)
    for _ in range(150):
        size2 = rng.randrange(1, 1001)
        size1 = rng.randrange(1, size2 + 1)
        proof = consistency_proof(hashes, size1, size2)
        verify_consistency(
            size1=size1, size2=size2, root1=roots[size1], root2=roots[size2], proof=proof
        )
        for pos in range(len(proof)):
            bad = list(proof)
            bad[pos] = _flip(bad[pos], rng.randrange(8))
            with pytest.raises(ProofError):
                verify_consistency(
                    size1=size1, size2=size2, root1=roots[size1], root2=roots[size2], proof=bad
                )
        # A proof for size2 does not prove a neighbouring size against that size's root.
        for other in (size2 - 1, size2 + 1):
            if other <= size1 or other > 1000:
                continue
            with pytest.raises(ProofError):
                verify_consistency(
                    size1=size1,
                    size2=other,
                    root1=roots[size1],
                    root2=roots[other],
                    proof=proof,
                )
    for size1, size2 in ((1, 1000), (999, 1000), (512, 1000), (500, 512), (3, 7)):
        assert consistency_proof(hashes, size1, size2) == ref_subproof(size1, data[:size2], True)


# --- scale -------------------------------------------------------------------------------------


def test_one_million_leaves() -> None:
    n = 1_000_000
    hashes = [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]
    root = root_from_leaf_hashes(hashes)
    assert CompactRange(hashes).root() == root
    index = 765_432
    proof = inclusion_proof(hashes, index, n)
    assert len(proof) == 20
    verify_inclusion(leaf_hash=hashes[index], index=index, size=n, proof=proof, root=root)
    size1 = 524_289
    proof = consistency_proof(hashes, size1, n)
    root1 = root_from_leaf_hashes(hashes[:size1])
    verify_consistency(size1=size1, size2=n, root1=root1, root2=root, proof=proof)
