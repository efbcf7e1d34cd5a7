"""The Merkle tree of the audit log, as RFC 6962 defines it; pure functions, no I/O.

RFC 6962 §2.1 (Certificate Transparency), unchanged in RFC 9162 §2.1:

* the hash of the empty tree is SHA-256 of the empty string;
* a leaf hash is ``SHA-256(0x00 || entry)``, an interior node ``SHA-256(0x01 || l || r)``
  (the prefixes keep a leaf from passing for a node, the second-preimage defence);
* the tree of n > 1 leaves splits at k, the largest power of two below n: the left
  subtree holds the first k leaves and is perfect, the right one the rest.

Building the tree level by level, pairing neighbours and carrying an odd last node up
unchanged, yields that same tree, so roots are computed that way (one list
comprehension a level, fast in CPython). Proofs follow RFC 6962 §2.1.1 (``PATH``) and
§2.1.2 (``PROOF``/``SUBPROOF``); their verification follows RFC 9162 §2.1.3.2
(inclusion) and §2.1.4.2 (consistency) step by step, with every size, index and node
checked, because a verifier that accepts a malformed proof accepts a forged one.

:class:`Frontier` is the compact form of a growing tree (the roots of its perfect
subtrees, left to right): the audit head keeps it so that an append costs O(log n)
hashes and the current root is always known.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
#: SHA-256 state after the interior-node prefix 0x01; ``.copy()`` is cheaper than
#: hashing ``b"\x01" + left + right`` (no 65-byte object built per node).
_NODE_PREFIX = _sha256(b"\x01")
#: What every node must be: exactly 32 bytes, of type ``bytes``.
_NODE_TYPES = frozenset({bytes})
_NODE_SIZES = frozenset({HASH_SIZE})


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree over ``leaves`` (leaf hashes), leaves first."""
    levels = [list(leaves)]
    level = levels[0]
    sha = _sha256  # hashed inline: a node_hash call per pair measured ~7% slower
    while len(level) > 1:
        pairs = iter(level)  # odd last node: dropped by zip, carried up below
        upper = [sha(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        if len(level) % 2:
            upper.append(level[-1])
        levels.append(upper)
        level = upper
    return levels


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of ``leaves`` (leaf hashes); ``EMPTY_ROOT`` for none."""
    if not leaves:
        return EMPTY_ROOT
    return build_levels(leaves)[-1][0]


class MerkleTree:
    """A tree over a fixed list of leaf hashes, for roots and proofs of any prefix."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._levels = build_levels(leaves) if leaves else [[]]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``, from stored levels where the range is perfect."""
        n = end - start
        if n <= 0:
            return EMPTY_ROOT
        height = n.bit_length() - 1
        if n == 1 << height and start % n == 0:
            return self._levels[height][start >> height]
        k = split_point(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} outside 0..{self.size}")
        return self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.1 ``PATH(index, D[0:size])``, leaf side first."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of size {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return [*self._path(m, start, start + k), self.subtree(start + k, end)]
        return [*self._path(m - k, start + k, end), self.subtree(start, start + k)]

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.2 ``PROOF(old, D[0:new])``; empty when ``old`` is 0 or ``new``."""
        new = self.size if new is None else new
        if not 0 <= old <= new <= self.size:
            raise ValueError(f"no consistency proof from {old} to {new} (size {self.size})")
        if old in (0, new):
            return []
        return self._subproof(old, 0, new, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.subtree(start, end)]
        k = split_point(n)
        if m <= k:
            left = self._subproof(m, start, start + k, complete=complete)
            return [*left, self.subtree(start + k, end)]
        right = self._subproof(m - k, start + k, end, complete=False)
        return [*right, self.subtree(start, start + k)]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` put ``leaf`` at ``index`` under ``expected_root``?

    The RFC's loop, restated without its inner while (as transparency-dev/merkle does):
    the path holds one node for each level below the point where the paths of ``index``
    and ``size - 1`` meet (``inner``: the node is on the right where ``index`` has a 0
    bit, on the left where it has a 1), then one for each 1 bit of ``index`` above it
    (the left neighbours on the tree's right border). So the proof's length is fixed in
    advance, and a proof of any other length is refused before any hashing.
    """
    if not 0 <= index < size or type(leaf) is not bytes or type(expected_root) is not bytes:
        return False
    inner = (index ^ (size - 1)).bit_length()
    if len(proof) != inner + (index >> inner).bit_count():
        return False
    r = leaf
    copy = _NODE_PREFIX.copy  # the hot loop: a copied 0x01 state, no byte concatenation
    left = index | (-1 << inner)  # bit i set: proof[i] is the left child
    try:
        # Every node exactly 32 bytes: a longer "leaf" could be an inner node's children.
        if not {*map(len, proof), len(leaf), len(expected_root)} <= _NODE_SIZES:
            return False
        for p in proof:
            h = copy()
            if left & 1:
                h.update(p)
                h.update(r)
            else:
                h.update(r)
                h.update(p)
            r = h.digest()
            left >>= 1
    except TypeError:  # a node that is not bytes-like
        return False
    return r == expected_root


#: One inclusion check: (index, size, leaf hash, proof, expected root).
InclusionCheck = tuple[int, int, bytes, Sequence[bytes], bytes]
#: Batches smaller than this are checked in this process. Forking costs more than the
#: page tables: each worker touching the batch's objects copies their pages, which in a
#: process holding a few hundred MB made 20,000 proofs slower on two workers than on one
#: (``make bench``, audit); at this size the work is long enough to pay for that.
PARALLEL_MIN = 1 << 16
#: Worker processes for large batches; ``None``: one per CPU this process may run on.
WORKERS: int | None = None
#: The batch being checked, set before the workers fork (they inherit it, unpickled).
_BATCH: Sequence[InclusionCheck] = ()


def verify_inclusions(checks: Sequence[InclusionCheck]) -> list[bool]:
    """:func:`verify_inclusion` of each check; a large batch is split over every core.

    For a monitor or auditor checking many entries at once. Proofs in one tree share
    their upper nodes, so each node hash computed is remembered for the batch (keyed by
    the exact 64 bytes hashed: the verdicts are those of :func:`verify_inclusion`). Each
    worker process takes a contiguous slice and returns its verdicts, in order; workers
    are forked only from a process with a single thread, and a slice whose worker
    fails is checked here.
    """
    from interlock.audit.offline_verify import can_fork, forked_map, worker_count  # appends
    # never need these

    workers = min(worker_count(WORKERS), len(checks) // (PARALLEL_MIN // 2))
    if len(checks) < PARALLEL_MIN or workers < 2 or not can_fork():
        with gc_paused():
            return _verify_batch(checks)
    global _BATCH  # noqa: PLW0603 - inherited by the forked workers, never pickled
    step = -(-len(checks) // workers)
    slices = [(i, min(i + step, len(checks))) for i in range(0, len(checks), step)]
    _BATCH = checks
    parts: list[list[bool] | None]
    try:
        parts = list(forked_map(_verify_slice, slices, workers))
    except OSError:  # no processes to be had
        parts = [None] * len(slices)
    finally:
        _BATCH = ()
    verdicts: list[bool] = []
    for (start, end), part in zip(slices, parts, strict=True):  # None: a worker failed
        verdicts += part if part is not None else _verify_batch(checks[start:end])
    return verdicts


def _verify_slice(bounds: tuple[int, int]) -> list[bool]:
    with gc_paused():
        return _verify_batch(_BATCH[bounds[0] : bounds[1]])


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector (if it runs) for a batch; restore it after.

    A batch makes a tracked object per node and verdict, none in a cycle, and the
    collections they trigger walk the whole heap: in a process holding a large tree
    that was a third of a batch's time (``make bench``, audit).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Node hashes remembered per batch, at most (then the memory starts again).
MEMO_LIMIT = 1 << 20


def _verify_batch(checks: Sequence[InclusionCheck]) -> list[bool]:
    """:func:`verify_inclusion` of each check, node hashes remembered across them."""
    memo: dict[bytes, bytes] = {}
    verdicts = []
    for check in checks:
        try:
            ok = _remembering(memo, check)
        except TypeError:  # odd types (a bytearray node...): the plain function decides
            ok = verify_inclusion(*check)
        verdicts.append(ok)
        if len(memo) > MEMO_LIMIT:
            memo.clear()
    return verdicts


def _remembering(memo: dict[bytes, bytes], check: InclusionCheck) -> bool:
    """:func:`verify_inclusion`'s steps, with each node hash looked up in ``memo`` first."""
    index, size, leaf, proof, expected_root = check
    if not 0 <= index < size or type(leaf) is not bytes or type(expected_root) is not bytes:
        return False
    inner = (index ^ (size - 1)).bit_length()
    if len(proof) != inner + (index >> inner).bit_count():
        return False
    if not {*map(len, proof), len(leaf), len(expected_root)} <= _NODE_SIZES:
        return False
    r = leaf
    left = index | (-1 << inner)
    copy = _NODE_PREFIX.copy
    for p in proof:
        pair = p + r if left & 1 else r + p
        node = memo.get(pair)
        if node is None:
            h = copy()
            h.update(pair)
            node = memo[pair] = h.digest()
        r = node
        left >>= 1
    return r == expected_root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``old_root`` of size ``old`` a prefix of ``new_root``?"""
    if not 0 <= old <= new or not _well_formed(proof, old_root, new_root):
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _well_formed(proof: Sequence[bytes], *hashes: bytes) -> bool:
    """Every node is a 32-byte ``bytes`` (checked in C: this runs per proof)."""
    nodes = (*proof, *hashes)
    return set(map(type, nodes)) <= _NODE_TYPES and set(map(len, nodes)) <= _NODE_SIZES


class Frontier:
    """The roots of the perfect subtrees of a tree of ``size`` leaves, left to right."""

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} nodes")
        self.size = size
        self.nodes = list(nodes)

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> Frontier:
        """Unpack the concatenated node hashes stored in the audit head."""
        nodes = [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]
        return cls(size, nodes)

    def to_bytes(self) -> bytes:
        """The node hashes, concatenated."""
        return b"".join(self.nodes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash: merge equal-height subtrees, as binary carry does."""
        n, node = self.size, leaf
        while n & 1:
            node = node_hash(self.nodes.pop(), node)
            n >>= 1
        self.nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        """The tree's root: the subtree roots folded right to left."""
        if not self.nodes:
            return EMPTY_ROOT
        acc = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            acc = node_hash(node, acc)
        return acc
