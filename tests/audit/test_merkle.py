"""RFC 6962 Merkle tree: reference vectors, proofs, and proofs that must fail.

The leaves, roots and proofs are the RFC 6962 reference test data used by the
Certificate Transparency implementations (transparency-dev/merkle ``testonly`` and
``proof/verify_test.go``); every one is recomputed here, not trusted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.audit import merkle, offline_verify
from interlock.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
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

#: Root of the tree over the first n reference leaves, n = 0..8.
ROOTS = [
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

#: (leaf index, tree size, proof) from the reference inclusion vectors.
INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]

#: (old size, new size, proof) from the reference consistency vectors.
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

HASHES = [leaf_hash(leaf) for leaf in LEAVES]
TREE = MerkleTree(HASHES)
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(values: list[bytes]) -> list[str]:
    return [v.hex() for v in values]


def test_hash_primitives_are_domain_separated() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size: int) -> None:
    assert root(HASHES[:size]).hex() == ROOTS[size]
    assert TREE.root(size).hex() == ROOTS[size]
    frontier = Frontier()
    for h in HASHES[:size]:
        frontier.append(h)
    assert frontier.root().hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_reference_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    assert _hexes(TREE.inclusion_proof(index, size)) == proof
    raw = [bytes.fromhex(p) for p in proof]
    assert verify_inclusion(index, size, HASHES[index], raw, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_reference_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    assert _hexes(TREE.consistency_proof(old, new)) == proof
    raw = [bytes.fromhex(p) for p in proof]
    assert verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), raw)


def _flip(proof: list[bytes], i: int) -> list[bytes]:
    bad = list(proof)
    bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
    return bad


def _bad_inclusions(index: int, size: int, proof: list[bytes], r: bytes) -> dict[str, tuple]:  # type: ignore[type-arg]
    leaf = HASHES[index]
    cases: dict[str, tuple] = {  # type: ignore[type-arg]
        "index - 1": (index - 1, size, leaf, proof, r),
        "index + 1": (index + 1, size, leaf, proof, r),
        "index ^ 2": (index ^ 2, size, leaf, proof, r),
        "index >= size": (size, size, leaf, proof, r),
        "size * 2": (index, size * 2, leaf, proof, r),
        "size / 2": (index, size // 2, leaf, proof, r),
        "wrong leaf": (index, size, leaf_hash(b"WrongLeaf"), proof, r),
        "short leaf": (index, size, b"WrongLeaf", proof, r),
        "empty root": (index, size, leaf, proof, EMPTY_ROOT),
        "random root": (index, size, leaf, proof, SOME_HASH),
        "trailing garbage": (index, size, leaf, [*proof, b""], r),
        "trailing root": (index, size, leaf, [*proof, r], r),
        "preceding garbage": (index, size, leaf, [b"", *proof], r),
        "preceding root": (index, size, leaf, [r, *proof], r),
        "empty proof": (index, size, leaf, [], r),
    }
    for i in range(len(proof)):
        cases[f"flipped bit in proof[{i}]"] = (index, size, leaf, _flip(proof, i), r)
    if proof:
        cases["missing node"] = (index, size, leaf, proof[:-1], r)
    if len(proof) > 1:
        cases["inserted node"] = (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], r)
    return cases


@pytest.mark.parametrize(("index", "size", "proof"), [v for v in INCLUSION if v[2]])
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[str]) -> None:
    raw = [bytes.fromhex(p) for p in proof]
    accepted = [
        name
        for name, args in _bad_inclusions(index, size, raw, bytes.fromhex(ROOTS[size])).items()
        if verify_inclusion(*args)
    ]
    assert accepted == []


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[str]) -> None:
    raw = [bytes.fromhex(p) for p in proof]
    r1, r2 = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    cases: dict[str, tuple] = {  # type: ignore[type-arg]
        "old - 1": (old - 1, new, r1, r2, raw),
        "old + 1": (old + 1, new, r1, r2, raw),
        "old ^ 2": (old ^ 2, new, r1, r2, raw),
        "new * 2": (old, new * 2, r1, r2, raw),
        "new / 2": (old, new // 2, r1, r2, raw),
        "wrong old root": (old, new, SOME_HASH, r2, raw),
        "wrong new root": (old, new, r1, SOME_HASH, raw),
        "swapped roots": (old, new, r2, r1, raw),
        "empty proof": (old, new, r1, r2, []),
        "trailing garbage": (old, new, r1, r2, [*raw, b""]),
        "trailing old root": (old, new, r1, r2, [*raw, r1]),
        "trailing new root": (old, new, r1, r2, [*raw, r2]),
        "preceding garbage": (old, new, r1, r2, [b"", *raw]),
        "preceding old root": (old, new, r1, r2, [r1, *raw]),
        "preceding new root": (old, new, r1, r2, [r2, *raw]),
        "preceding proof[0]": (old, new, r1, r2, [raw[0], *raw]),
        "missing node": (old, new, r1, r2, raw[:-1]),
        "old > new": (new, old, r2, r1, raw),
    }
    for i in range(len(raw)):
        flipped = list(raw)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        cases[f"flipped bit in proof[{i}]"] = (old, new, r1, r2, flipped)
    accepted = [name for name, args in cases.items() if verify_consistency(*args)]
    assert accepted == []


@pytest.mark.parametrize(
    ("index", "size"),
    [(0, 0), (0, 1), (1, 0), (2, 1)],
)
def test_inclusion_in_impossible_trees_fails(index: int, size: int) -> None:
    assert not verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)
    assert not verify_inclusion(index, size, b"", [], EMPTY_ROOT)


@pytest.mark.parametrize(
    ("case", "ok"),
    [
        ((0, 0, SOME_HASH, SOME_HASH, []), True),
        ((0, 1, EMPTY_ROOT, SOME_HASH, []), True),
        ((1, 1, SOME_HASH, SOME_HASH, []), True),
        ((1, 1, EMPTY_ROOT, SOME_HASH, []), False),
        ((0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), False),
        ((0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), False),
        ((1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), False),
        ((1, 0, SOME_HASH, EMPTY_ROOT, []), False),
        ((2, 1, SOME_HASH, EMPTY_ROOT, []), False),
        ((1, 2, SOME_HASH, EMPTY_ROOT, []), False),
    ],
)
def test_consistency_edge_cases(case: tuple[int, int, bytes, bytes, list[bytes]], ok: bool) -> None:
    assert verify_consistency(*case) is ok


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"leaf-{i}".encode()) for i in range(n)]


def test_every_proof_of_small_trees_verifies() -> None:
    for n in range(1, 34):
        leaves = _leaves(n)
        tree = MerkleTree(leaves)
        r = tree.root()
        for m in range(n):
            assert verify_inclusion(m, n, leaves[m], tree.inclusion_proof(m), r)
            assert not verify_inclusion(m, n, leaves[m], tree.inclusion_proof(m), SOME_HASH)
        for old in range(0, n + 1):
            proof = tree.consistency_proof(old, n)
            assert verify_consistency(old, n, tree.root(old), r, proof)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_roots_agree_between_levels_frontier_and_recursion(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    frontier = Frontier()
    for h in leaves:
        frontier.append(h)
    assert frontier.root() == root(leaves) == _recursive_mth(leaves)
    packed = Frontier.from_bytes(frontier.size, frontier.to_bytes())
    assert packed.root() == frontier.root()
    m = data.draw(st.integers(0, n - 1))
    wrong: Callable[[int], int] = lambda i: (i + 1) % n  # noqa: E731
    proof = MerkleTree(leaves).inclusion_proof(m)
    if n > 1:
        assert not verify_inclusion(wrong(m), n, leaves[m], proof, root(leaves))


def _recursive_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written as the RFC states it."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_recursive_mth(leaves[:k]), _recursive_mth(leaves[k:]))


@pytest.mark.parametrize(("size", "nodes"), [(3, 1), (1, 0), (4, 2)])
def test_frontier_refuses_the_wrong_node_count(size: int, nodes: int) -> None:
    with pytest.raises(ValueError, match="frontier"):
        Frontier(size, [SOME_HASH] * nodes)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (8, 8), (-1, 8), (0, 9)])
def test_proving_impossible_leaves_raises(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="no leaf"):
        TREE.inclusion_proof(index, size)


def _rfc9162_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2 as the RFC writes it, step by step: the reference."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 70), st.data())
def test_inclusion_verification_agrees_with_the_rfc_loop(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    tree = MerkleTree(leaves)
    index = data.draw(st.integers(0, n - 1))
    size = data.draw(st.integers(index + 1, n))
    proof = tree.inclusion_proof(index, size)
    r = tree.root(size)
    assert verify_inclusion(index, size, leaves[index], proof, r)
    assert _rfc9162_inclusion(index, size, leaves[index], proof, r)
    # then any index, size and path length, mostly wrong: both must agree every time
    other_index = data.draw(st.integers(0, n))
    other_size = data.draw(st.integers(0, n + 1))
    cut = data.draw(st.integers(0, len(proof)))
    extra = data.draw(st.lists(st.sampled_from([SOME_HASH, r, leaves[0]]), max_size=3))
    path = [*proof[:cut], *extra, *proof[cut:]]
    for args in ((other_index, size, proof), (index, other_size, proof), (index, size, path)):
        i, s, p = args
        assert verify_inclusion(i, s, leaves[index], p, r) is _rfc9162_inclusion(
            i, s, leaves[index], p, r
        )


@pytest.mark.parametrize("memo", [4, 1 << 20])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_batch_of_inclusion_checks_gives_each_verdict_in_order(
    monkeypatch: pytest.MonkeyPatch, workers: int, memo: int
) -> None:
    monkeypatch.setattr(merkle, "PARALLEL_MIN", 8)
    monkeypatch.setattr(merkle, "WORKERS", workers)
    monkeypatch.setattr(merkle, "MEMO_LIMIT", memo)
    pools: list[int] = []
    forked_map = offline_verify.forked_map

    def spy(fn: Any, tasks: Any, workers: int) -> Any:
        pools.append(workers)
        return forked_map(fn, tasks, workers)

    monkeypatch.setattr(offline_verify, "forked_map", spy)
    leaves = _leaves(37)
    tree = MerkleTree(leaves)
    r = tree.root()
    checks: list[merkle.InclusionCheck] = []
    for m in range(37):
        proof = tree.inclusion_proof(m)
        checks.append((m, 37, leaves[m], proof, r))
        checks.append((m, 37, leaves[(m + 1) % 37], proof, r))  # another leaf: refused
        checks.append((m, 37, leaves[m], proof[:-1], r))  # a node missing: refused
    path: list[Any] = tree.inclusion_proof(5)
    odd: list[Any] = [
        (5, 37, leaves[5], [bytearray(n) for n in path], r),  # bytes-like: accepted
        (5, 37, leaves[5], ["x" * 32 for _ in path], r),  # text: refused
        (5, 37, leaves[5], [*path[:-1], 7], r),  # a number: refused
    ]
    assert (
        merkle.verify_inclusions(odd) == [verify_inclusion(*c) for c in odd] == [True] + [False] * 2
    )
    verdicts = merkle.verify_inclusions(checks)
    assert verdicts == [True, False, False] * 37
    assert verdicts == [verify_inclusion(*check) for check in checks]
    assert pools == ([] if workers == 1 else [workers])


@pytest.mark.parametrize("bad", ["x" * 32, 32, None, b"\0" * 31, b"\0" * 33, [b"\0" * 32]])
def test_a_node_that_is_not_32_bytes_is_refused_not_raised(bad: object) -> None:
    leaves = _leaves(6)
    tree = MerkleTree(leaves)
    proof: list[object] = list(tree.inclusion_proof(3))
    assert verify_inclusion(3, 6, leaves[3], proof, tree.root())  # type: ignore[arg-type]
    for i in range(len(proof)):
        forged = [*proof[:i], bad, *proof[i + 1 :]]
        assert not verify_inclusion(3, 6, leaves[3], forged, tree.root())  # type: ignore[arg-type]
    assert not verify_inclusion(0, 1, bad, [], bad)  # type: ignore[arg-type]
