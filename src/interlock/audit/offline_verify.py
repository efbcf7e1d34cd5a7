"""Verify an interlock audit log offline: one file, the standard library and ``cryptography``.

Copy this file next to an export (``interlock audit export FILE``) and run::

    python offline_verify.py FILE [--key VERIFIER_KEY ...] [--keys-file audit.pub]

It imports nothing from interlock, so it can be read in full and run on a machine
that never had interlock installed. interlock's own ``audit verify`` uses the same
:class:`LogVerifier`, so there is one verification path.

What it recomputes (all from the bytes, trusting nothing stored):

* each entry's RFC 6962 leaf hash ``SHA-256(0x00 || entry)`` (RFC 6962 §2.1), compared
  with the stored one: a naively edited entry is named;
* the index inside each entry (the canonical JSON's top-level ``"index"``), compared
  with its position: deleted, inserted and reordered entries are named;
* the Merkle tree, level by level in blocks of 2**16 leaves (``node = SHA-256(0x01 ||
  left || right)``), and its root at every checkpoint size: an entry edited together
  with its stored hash is caught by the first signed checkpoint covering it;
* every checkpoint: the C2SP signed-note signatures (c2sp.org/signed-note) with
  Ed25519 verifier keys ``name+keyid+base64(0x01||key)``, key id = first 4 bytes of
  ``SHA-256(name || 0x0A || 0x01 || key)``, and the c2sp.org/tlog-checkpoint body
  (origin, tree size, base64 root); a checkpoint beyond the log's end means the log was
  truncated below a signed size.

A large export (opened as a file) is checked on every core: worker processes take
ranges of 2**14 entry lines, each an aligned subtree of the tree, and report its root;
the parent folds them, checks the checkpoints, and verifies the rest itself, from the
end of the last range that verified, so every problem is named by the same sequential
code (``LogVerifier``) at the same entry. Entry lines are read with a fast path that
accepts exactly what parsing each line as canonical JSON would (``entry_line``).

Export format (JSON lines, each line the canonical JSON of one object): a header
``{"format": "interlock-audit-export", "version": 1, "origin", "size", "root",
"verifier_keys"}``, then ``{"checkpoint": NOTE}`` lines, then one
``{"entry": TEXT, "leaf_hash": HEX}`` line per entry in index order, where TEXT is
the entry's canonical JSON, whose UTF-8 bytes are the leaf data.

Exit status: 0 verified, 1 the log does not verify (the first problem is named),
2 the input cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import gc
import hashlib
import io
import itertools
import json
import mmap
import os
import pickle
import re
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

T = TypeVar("T")
R = TypeVar("R")

FORMAT = "interlock-audit-export"
VERSION = 1
EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32
#: Leaves per block of the streaming tree computation (a perfect subtree).
BLOCK_HEIGHT = 16
SIGNATURE_PREFIX = "\u2014 "

_sha256 = hashlib.sha256
_INDEX_KEY = b',"index":'


class VerifyError(Exception):
    """The log does not verify; ``index`` is the first bad entry when one is known."""

    def __init__(self, kind: str, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.index = index
        self.message = message


# --- hashing (RFC 6962 §2.1) -----------------------------------------------------------


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """``SHA-256(0x00 || entry)`` for each entry.

    A plain comprehension over a local ``sha256`` is the fastest form in CPython
    (measured faster than ``map``/``methodcaller`` chains); this is the hot loop.
    """
    sha = _sha256
    return [sha(b"\x00" + e).digest() for e in entries]


def parent_level(level: Sequence[bytes]) -> list[bytes]:
    """Hash neighbours pairwise; an odd last node moves up unchanged."""
    sha = _sha256
    pairs = iter(level)
    upper = [
        sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
    ]
    if len(level) % 2:
        upper.append(level[-1])
    return upper


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All levels of the tree over ``leaves``, leaves first."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        levels.append(parent_level(levels[-1]))
    return levels


def fold(parts: Sequence[bytes]) -> bytes:
    """The root over perfect subtrees given left to right (largest first)."""
    if not parts:
        return EMPTY_ROOT
    acc = parts[-1]
    for node in reversed(parts[:-1]):
        acc = _sha256(b"\x01" + node + acc).digest()
    return acc


def prefix_parts(levels: Sequence[Sequence[bytes]], count: int) -> list[bytes]:
    """The perfect subtrees covering the first ``count`` leaves of ``levels``."""
    parts, offset = [], 0
    for height in range(count.bit_length() - 1, -1, -1):
        if count >> height & 1:
            parts.append(levels[height][offset >> height])
            offset += 1 << height
    return parts


# --- signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) ----


@dataclass(frozen=True)
class VerifierKey:
    """A trusted Ed25519 note verifier key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    text: str


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``name+hexid+base64(0x01||key)``, checking the id against the key."""
    parts = text.strip().split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise ValueError(f"not a verifier key: {text.strip()!r}")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        kid = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"malformed verifier key: {text.strip()!r}") from exc
    computed = _sha256(name.encode() + b"\n" + raw).digest()[:4]
    if len(raw) != 33 or raw[0] != 1 or computed != kid or not name:
        raise ValueError(f"not a valid Ed25519 verifier key: {text.strip()!r}")
    return VerifierKey(name, kid, Ed25519PublicKey.from_public_bytes(raw[1:]), text.strip())


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: who signed which size and root."""

    origin: str
    size: int
    root: bytes
    signed_by: tuple[str, ...]
    note: str = field(repr=False)


def open_note(note: str, keys: Sequence[VerifierKey]) -> tuple[str, tuple[str, ...]]:
    """The note's text and the trusted keys that signed it; raises if none did."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise VerifyError("bad-signature", "checkpoint is not a signed note")
    text += "\n"
    signed_by = []
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise VerifyError("bad-signature", f"malformed signature line {line!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise VerifyError("bad-signature", "signature is not base64") from exc
        for key in keys:
            if key.name == name and key.key_id == blob[:4]:
                try:
                    key.public_key.verify(blob[4:], text.encode("utf-8"))
                except InvalidSignature:
                    raise VerifyError(
                        "bad-signature", f"invalid signature by {name}+{blob[:4].hex()}"
                    ) from None
                signed_by.append(key.text)
    if not signed_by:
        raise VerifyError("bad-signature", "no signature by a trusted key")
    return text, tuple(signed_by)


def parse_checkpoint(note: str, keys: Sequence[VerifierKey], origin: str | None) -> Checkpoint:
    """Verify a signed checkpoint and parse its body."""
    text, signed_by = open_note(note, keys)
    lines = text.split("\n")
    if len(lines) < 4:
        raise VerifyError("bad-checkpoint", "checkpoint body has fewer than three lines")
    name, size_text, root_text = lines[:3]
    if origin is not None and name != origin:
        raise VerifyError("bad-checkpoint", f"checkpoint origin {name!r}, expected {origin!r}")
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise VerifyError("bad-checkpoint", f"checkpoint size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise VerifyError("bad-checkpoint", "checkpoint root is not base64") from exc
    if len(root) != 32:
        raise VerifyError("bad-checkpoint", "checkpoint root is not a SHA-256 hash")
    return Checkpoint(name, int(size_text), root, signed_by, note)


# --- the streaming log verifier ---------------------------------------------------------


def embedded_index(entry: bytes) -> int:
    """The top-level ``"index"`` of a canonical entry (keys after it: kind, time)."""
    at = entry.rfind(_INDEX_KEY) + len(_INDEX_KEY)
    return int(entry[at : entry.index(b",", at)])


class LogVerifier:
    """Feed entries in index order; every checkpoint is checked as its size is reached.

    The tree is built in blocks of ``2**block_height`` leaves: a full block is reduced to
    its root at once (level by level, the fast form), and the roots of full blocks are
    merged as a binary counter carries. :meth:`resumed` continues after a prefix that
    another pass (the parallel one) verified, from that prefix's subtree roots.
    """

    def __init__(
        self, checkpoints: Sequence[Checkpoint], *, block_height: int = BLOCK_HEIGHT
    ) -> None:
        self.size = 0
        self.checked: list[Checkpoint] = []
        self._pending = sorted(checkpoints, key=lambda c: c.size)
        self._block_height = block_height
        self._origin = 0  # index of the first leaf of the tree built here
        self._blocks: list[bytes] = []
        self._block_count = 0
        self._buffer: list[bytes] = []
        self._check_checkpoints([[]], 0)

    @classmethod
    def resumed(
        cls,
        checkpoints: Sequence[Checkpoint],
        start: int,
        nodes: Sequence[bytes],
        *,
        block_height: int = BLOCK_HEIGHT,
    ) -> LogVerifier:
        """A verifier that goes on after ``start`` entries verified elsewhere.

        ``nodes`` are the roots of the perfect subtrees of those entries, largest first;
        every checkpoint up to ``start`` must already have been checked against them
        (they are reported as checked). ``start`` is a multiple of the block size, so
        the state is exactly the one a verifier fed from entry 0 would have there.
        """
        if start == 0:
            return cls(checkpoints, block_height=block_height)
        if start % (1 << block_height) or len(nodes) != (start >> block_height).bit_count():
            raise ValueError(f"cannot resume at {start} from {len(nodes)} subtree roots")
        verifier = cls([], block_height=block_height)
        ordered = sorted(checkpoints, key=lambda c: c.size)
        verifier.checked = [c for c in ordered if c.size <= start]
        verifier._pending = [c for c in ordered if c.size > start]
        verifier._blocks = list(nodes)
        verifier._block_count = start >> block_height
        verifier.size = start
        return verifier

    def feed(
        self, indices: Sequence[int], entries: Sequence[bytes], stored: Sequence[bytes] | None
    ) -> None:
        """Check a batch of consecutive entries and add them to the tree."""
        hashes = leaf_hashes(entries)
        bad = self._first_bad(indices, entries, hashes, stored)
        good = len(entries) if bad is None else bad[0] - self.size
        self._add(hashes[:good] if bad else hashes)
        if bad is not None:
            self._flush(complete=False)  # a checkpoint below the bad entry fails first
            raise VerifyError(bad[1], bad[2], bad[0])

    def _first_bad(
        self,
        indices: Sequence[int],
        entries: Sequence[bytes],
        hashes: list[bytes],
        stored: Sequence[bytes] | None,
    ) -> tuple[int, str, str] | None:
        start = self.size
        found: list[tuple[int, str, str]] = []
        expected = range(start, start + len(entries))
        if tuple(indices) != tuple(expected):
            i = next(i for i, (a, b) in enumerate(zip(indices, expected, strict=True)) if a != b)
            if indices[i] > start + i:
                found.append((start + i, "deleted", f"entry {start + i} is missing"))
            else:
                found.append((start + i, "inserted", f"row {indices[i]} appears twice"))
        if stored is not None and hashes != list(stored):
            i = next(i for i, (a, b) in enumerate(zip(hashes, stored, strict=True)) if a != b)
            found.append((start + i, "modified", f"entry {start + i} was modified"))
        if _indices_in_order(entries, start):
            return min(found, key=lambda f: f[0]) if found else None
        try:
            claimed = [embedded_index(e) for e in entries]
        except ValueError:
            i = next(i for i, e in enumerate(entries) if not _parses(e))
            found.append((start + i, "malformed", f"entry {start + i} is not a valid entry"))
        else:
            if claimed != list(expected):
                i = next(i for i, c in enumerate(claimed) if c != start + i)
                found.append(_misplaced(start + i, claimed[i]))
        # At one position, a missing row explains the rest, and a hash mismatch is more
        # precise than what the entry's own (possibly altered) index claims: the list
        # is built in that order and min() keeps the first of equal positions.
        return min(found, key=lambda f: f[0]) if found else None

    def _add(self, hashes: list[bytes]) -> None:
        block = 1 << self._block_height
        buffer = self._buffer
        pos = 0
        while pos < len(hashes):
            take = min(block - len(buffer), len(hashes) - pos)
            buffer.extend(hashes[pos : pos + take] if take < len(hashes) else hashes)
            pos += take
            if len(buffer) == block:
                self._flush(complete=True)
                buffer = self._buffer
        self.size = self._block_start() + len(self._buffer)

    def _block_start(self) -> int:
        return self._origin + (self._block_count << self._block_height)

    def _flush(self, *, complete: bool) -> list[list[bytes]]:
        levels = build_levels(self._buffer) if self._buffer else [[]]
        self._check_checkpoints(levels, len(self._buffer))
        if complete:
            node, n = levels[-1][0], self._block_count
            while n & 1:
                node = _sha256(b"\x01" + self._blocks.pop() + node).digest()
                n >>= 1
            self._blocks.append(node)
            self._block_count += 1
            self._buffer = []
        return levels

    def _check_checkpoints(self, levels: list[list[bytes]], count: int) -> None:
        start = self._block_start()
        while self._pending and self._pending[0].size <= start + count:
            cp = self._pending.pop(0)
            self._reached(cp, [*self._blocks, *prefix_parts(levels, cp.size - start)])

    def _reached(self, cp: Checkpoint, parts: list[bytes]) -> None:
        """The first ``cp.size`` entries are in: their subtree roots must fold to its root."""
        if fold(parts) != cp.root:
            after = self.checked[-1].size if self.checked else 0
            raise VerifyError(
                "root-mismatch",
                f"the first {cp.size} entries do not match the signed checkpoint of size "
                f"{cp.size}: an entry in {after}..{cp.size - 1} was changed (with its "
                "stored hash), inserted or removed",
                after,
            )
        self.checked.append(cp)

    def stop(self, error: VerifyError) -> NoReturn:
        """Fail with ``error`` about entry ``self.size``, after the checkpoints below it
        (as :meth:`feed` does for a bad entry: an earlier problem is named first)."""
        self._flush(complete=False)
        raise error

    def nodes(self) -> list[bytes]:
        """The roots of the perfect subtrees of everything fed, largest first."""
        levels = self._flush(complete=False)
        return [*self._blocks, *prefix_parts(levels, len(self._buffer))]

    def finish(self) -> bytes:
        """Check the remaining checkpoints; return the root of everything fed."""
        nodes = self.nodes()
        if self._pending:
            cp = self._pending[0]
            raise VerifyError(
                "truncated",
                f"the log ends at {self.size} entries but a checkpoint signs {cp.size}: "
                f"entries {self.size}..{cp.size - 1} were removed",
                self.size,
            )
        return fold(nodes)


# --- verification in ranges, on several processes ----------------------------------------


@dataclass(frozen=True)
class RangeResult:
    """What a worker found in entries ``[start, end)``; sent back to the parent process.

    ``clean``: every entry was in place, matched its stored hash and named its own
    index, and exactly ``end - start`` entries were there. ``nodes``: the roots of the
    range's perfect subtrees. ``cuts``: for each checkpoint size inside the range, the
    roots of the subtrees between ``start`` and that size (the parent, which knows what
    precedes ``start``, folds them into the checkpoint's root).
    """

    start: int
    end: int
    clean: bool
    nodes: tuple[bytes, ...] = ()
    cuts: tuple[tuple[int, tuple[bytes, ...]], ...] = ()


class RangeVerifier(LogVerifier):
    """Checks entries ``[start, end)`` alone, recording subtree roots at checkpoint sizes.

    ``start`` is a multiple of ``end - start``, a power of two at least the block size,
    so the range's leaves form (the left part of) one aligned subtree of the log: built
    on their own they give exactly the log's nodes.
    """

    def __init__(
        self, start: int, end: int, cuts: Sequence[int], *, block_height: int = BLOCK_HEIGHT
    ) -> None:
        super().__init__([], block_height=block_height)
        self.size = self._origin = start
        self.end = end
        self._pending = [Checkpoint("", size, b"", (), "") for size in sorted(cuts)]
        self.cuts: list[tuple[int, tuple[bytes, ...]]] = []

    def _reached(self, cp: Checkpoint, parts: list[bytes]) -> None:
        self.cuts.append((cp.size, tuple(parts)))

    def result(self, feed: Callable[[RangeVerifier], None]) -> RangeResult:
        """Run ``feed(self)`` (which feeds the range's rows); report what was found."""
        try:
            feed(self)
        except VerifyError:
            return RangeResult(self._origin, self.end, clean=False)
        if self.size != self.end:
            return RangeResult(self._origin, self.end, clean=False)
        return RangeResult(self._origin, self.end, True, tuple(self.nodes()), tuple(self.cuts))


def combine_ranges(
    checkpoints: Sequence[Checkpoint],
    results: Iterable[RangeResult | None],
    progress: Callable[[int], None] | None = None,
) -> tuple[int, list[bytes]]:
    """Fold consecutive full ranges' results; stop at the first one that does not verify.

    Returns ``(start, nodes)``: entries ``[0, start)`` verified (in place, matching their
    hashes, every checkpoint up to ``start`` matching its signed root) and the roots of
    their perfect subtrees, for :meth:`LogVerifier.resumed`. A range that is not clean,
    or in which a checkpoint does not match, ends the walk at the range's start: the
    caller goes on sequentially from there, so whatever is wrong is found and named by
    the same code, at the same entry, as a sequential verification would.
    """
    pending = sorted(checkpoints, key=lambda c: c.size)
    if any(cp.size == 0 and cp.root != EMPTY_ROOT for cp in pending):
        return 0, []
    nodes: list[bytes] = []
    at = span = 0
    for count, result in enumerate(results):
        if result is None:  # the worker failed
            break
        span = span or result.end - result.start
        if span <= 0 or result.start != at or result.end != at + span or span & (span - 1):
            break  # not the next aligned perfect subtree: nothing this fold can use
        if not result.clean or len(result.nodes) != 1:
            break
        cuts = dict(result.cuts)
        reached = [cp for cp in pending if cp.size <= result.end]
        if any(fold([*nodes, *cuts.get(cp.size, ())]) != cp.root for cp in reached if cp.size):
            break
        del pending[: len(reached)]
        node, n = result.nodes[0], count
        while n & 1:  # merge equal subtrees, as a binary counter carries
            node = _sha256(b"\x01" + nodes.pop() + node).digest()
            n >>= 1
        nodes.append(node)
        at = result.end
        if progress:
            progress(at)
    return at, nodes


#: The end of every canonical entry: its top-level index, kind and time, then ``}``.
_ENTRY_TAIL = re.compile(rb',"index":(\d+),"kind":"[a-z0-9.\-]*","time":"[0-9T:.Z\-]*"}(?:\n|\Z)')


def _indices_in_order(entries: Sequence[bytes], start: int) -> bool:
    """Fast path, all in C: do the entries claim indices start, start+1, ... in order?

    Entries never contain a newline, so joined by newlines each one ends in exactly one
    tail match; anything unusual returns False and the per-entry path decides.
    """
    joined = b"\n".join(entries)
    if joined.count(b"\n") != len(entries) - 1:
        return False
    claimed = list(map(int, _ENTRY_TAIL.findall(joined)))
    return claimed == list(range(start, start + len(entries)))


def _parses(entry: bytes) -> bool:
    try:
        embedded_index(entry)
    except ValueError:
        return False
    return True


def _misplaced(position: int, claimed: int) -> tuple[int, str, str]:
    if claimed > position:
        return position, "deleted", f"entry {position} is missing (found entry {claimed})"
    return (
        position,
        "reordered",
        f"entry {position} holds entry {claimed}: entries were reordered or inserted",
    )


# --- export files -------------------------------------------------------------------------


@dataclass
class ExportReport:
    """What an export verification established."""

    size: int
    root: bytes
    checkpoints: list[Checkpoint]
    keys_from_export: bool


def canonical_line(value: object) -> str:
    """The canonical JSON text of an export line (sorted keys, no spaces, UTF-8)."""
    return _LINE_ENCODER.encode(value)


_LINE_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def line_value(raw: bytes) -> dict[str, object]:
    """The object on one line, or ``{"invalid": text}`` if the line is not canonical."""
    try:
        text = (raw[:-1] if raw.endswith(b"\n") else raw).decode("utf-8")
        value = json.loads(text)
    except ValueError:  # includes UnicodeDecodeError
        text, value = raw.decode("utf-8", "replace"), None
    if not isinstance(value, dict) or canonical_line(value) != text:
        return {"invalid": text}
    return value


def read_export_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, object) for each line, refusing non-canonical lines."""
    for number, raw in enumerate(lines, start=1):
        yield number, line_value(raw)


#: The fixed end of an entry line: ``","leaf_hash":"`` 64 hex digits ``"}``.
_HASH_KEY = b'","leaf_hash":"'
_ENTRY_KEY = b'{"entry":"'
#: The length of an entry line holding an empty entry text (without its newline).
_SHORTEST = len(_ENTRY_KEY) + len(_HASH_KEY) + 64 + 2


def entry_line(raw: bytes, position: int) -> tuple[bytes, bytes]:
    """(entry bytes, stored leaf hash) of the entry line at ``position``.

    Fast path, for the lines an export writes: ``{"entry":"TEXT","leaf_hash":"HEX"}``
    where the only escapes in TEXT are ``\\"`` (every backslash precedes a quote, every
    quote follows a backslash) and TEXT decodes to printable UTF-8. Such a line is
    canonical JSON (the encoder escapes nothing else there) and TEXT with ``\\"`` turned
    into ``"`` is the entry, so the slow path (parse, re-encode, compare) would accept
    it with the same result. Any other line takes the slow path.
    """
    line = raw[:-1] if raw.endswith(b"\n") else raw
    text = line[10:-81]
    hexed = line[-66:-2]
    if (
        len(line) >= _SHORTEST
        and line.startswith(_ENTRY_KEY)
        and line[-81:-66] == _HASH_KEY
        and line.endswith(b'"}')
        and text.count(b"\\") == text.count(b'\\"') == text.count(b'"')
        and hexed == hexed.lower()
    ):
        try:
            stored = bytes.fromhex(hexed.decode("ascii"))
        except ValueError:  # includes UnicodeDecodeError
            stored = b""
        if len(stored) == HASH_SIZE and _printable(text):
            return text.translate(None, b"\\"), stored  # each backslash escapes a quote
    return _entry_of(line_value(raw), position)


def verify_export(
    lines: Iterable[bytes],
    keys: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    batch: int = 1 << BLOCK_HEIGHT,
) -> ExportReport:
    """Verify an export; raises :class:`VerifyError` naming the first problem.

    ``lines`` is usually the export file opened in binary mode: a large one is then
    verified on several processes (:func:`_export_prefix`), and the rest sequentially.
    """
    base = _file_position(lines)
    source = _Lines(lines)
    header = _read_header(source)
    try:
        published = [parse_verifier_key(k) for k in header.verifier_keys]
    except ValueError as exc:
        raise VerifyError("bad-export", f"the header's verifier keys: {exc}") from None
    trusted = [parse_verifier_key(k) for k in keys] if keys else published
    checkpoints, first_entry = _read_checkpoints(source, trusted, header.origin)

    def report(done: int) -> None:
        if progress:
            progress(done, header.size)

    with contextlib.ExitStack() as stack:
        rest: Iterable[bytes] = source.rest(first_entry)
        start, height = 0, BLOCK_HEIGHT
        nodes: list[bytes] = []
        if base is not None and first_entry is not None and _worth_parallel(header.size):
            mapped = stack.enter_context(_mapped(lines))
            start, nodes, height, offset = _export_prefix(
                mapped, base + source.offset, header.size, checkpoints, report
            )
            mapped.seek(offset)
            rest = iter(mapped.readline, b"")
        verifier = LogVerifier.resumed(checkpoints, start, nodes, block_height=height)
        _feed_export(verifier, rest, batch, lambda: report(verifier.size))
    root = verifier.finish()
    _check_header_totals(header, verifier.size, root)
    return ExportReport(verifier.size, root, verifier.checked, not keys)


def _feed_export(
    verifier: LogVerifier, lines: Iterable[bytes], batch: int, report: Callable[[], None]
) -> None:
    """Feed entry lines in batches; a line that is no entry is named after what precedes."""
    lines = iter(lines)
    reported = verifier.size
    while chunk := list(itertools.islice(lines, PARSE_BATCH)):
        entries, stored, error = entry_lines(chunk, verifier.size)
        verifier.feed(range(verifier.size, verifier.size + len(entries)), entries, stored)
        if error is not None:
            verifier.stop(error)
        if verifier.size - reported >= batch:
            report()
            reported = verifier.size


#: Entry lines parsed at once (small enough to stay in the CPU cache).
PARSE_BATCH = 1 << 12


def entry_lines(
    lines: Sequence[bytes], start: int
) -> tuple[list[bytes], list[bytes], VerifyError | None]:
    """Entries and stored hashes of consecutive entry lines, the first at ``start``.

    Stops at the first line that is no entry line and returns its error. Fast path: a
    batch whose every line passes :func:`entry_line`'s fast test, checked with a few
    operations over the whole batch (each check is per line or per character, so it
    holds for the batch exactly when it holds for every line).
    """
    fast = _fast_entry_lines(lines)
    if fast is not None:
        return fast[0], fast[1], None
    entries: list[bytes] = []
    stored: list[bytes] = []
    for position, raw in enumerate(lines, start):
        try:
            entry, leaf = entry_line(raw, position)
        except VerifyError as exc:
            return entries, stored, exc
        entries.append(entry)
        stored.append(leaf)
    return entries, stored, None


#: The bytes that are not printable in ASCII text: controls and DEL.
_ASCII_CONTROLS = bytes(range(32)) + b"\x7f"


def _printable(text: bytes) -> bool:
    """Is ``text`` UTF-8 whose every character is printable (``str.isprintable``)?"""
    if text.isascii():  # the usual case, in C without decoding
        return len(text.translate(None, _ASCII_CONTROLS)) == len(text)
    try:
        return text.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return False


def _fast_entry_lines(lines: Sequence[bytes]) -> tuple[list[bytes], list[bytes]] | None:
    """The batch form of :func:`entry_line`'s fast path; None if any line misses it."""
    n = len(lines)
    if n and min(map(len, lines)) > _SHORTEST and lines[-1].endswith(b"\n"):
        texts = [line[10:-82] for line in lines]
        hexed = b"".join([line[-67:-3] for line in lines])
        spaced = b" ".join(texts)  # neither quote nor backslash: no escape spans two
        if (
            b"".join([line[:10] for line in lines]) == _ENTRY_KEY * n
            and b"".join([line[-82:-67] for line in lines]) == _HASH_KEY * n
            and b"".join([line[-3:] for line in lines]) == b'"}\n' * n
            and spaced.count(b"\\") == spaced.count(b'\\"') == spaced.count(b'"')
            and hexed == hexed.lower()
            and len(hexed) == 64 * n
        ):
            try:
                digests = binascii.unhexlify(hexed)
            except (ValueError, binascii.Error):
                return None
            if _printable(spaced):
                # every backslash escapes a quote: dropping them all unescapes the text
                entries = b"\n".join(texts).translate(None, b"\\").split(b"\n")
                return entries, [digests[i : i + 32] for i in range(0, 32 * n, 32)]
    return None


class _Lines:
    """Raw lines with their numbers and the byte offset where the next one starts."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self.number = 0
        self.offset = 0

    def next(self) -> bytes | None:
        raw = next(self._lines, None)
        if raw is not None:
            self.number += 1
            self.offset += len(raw)
        return raw

    def rest(self, first: bytes | None) -> Iterator[bytes]:
        return itertools.chain((first,), self._lines) if first is not None else iter(())


@dataclass(frozen=True)
class Header:
    """The first line of an export."""

    origin: str
    size: int
    root: str
    verifier_keys: list[str]


def _read_header(source: _Lines) -> Header:
    raw = source.next()
    if raw is None:
        raise VerifyError("bad-export", "the export is empty")
    value = line_value(raw)
    if value.get("format") != FORMAT or value.get("version") != VERSION:
        raise VerifyError("bad-export", "line 1 is not an interlock audit export header")
    origin, size, root, keys = (value.get(k) for k in ("origin", "size", "root", "verifier_keys"))
    if not (isinstance(origin, str) and isinstance(size, int) and isinstance(root, str)):
        raise VerifyError("bad-export", "the export header lacks origin, size or root")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise VerifyError("bad-export", "the export header lacks verifier_keys")
    return Header(origin, size, root, [str(k) for k in keys])


def _read_checkpoints(
    source: _Lines, keys: Sequence[VerifierKey], origin: str
) -> tuple[list[Checkpoint], bytes | None]:
    """The signed checkpoints, and the first line after them (the first entry's)."""
    checkpoints: list[Checkpoint] = []
    while (raw := source.next()) is not None:
        value = line_value(raw)
        note = value.get("checkpoint")
        if str(value.get("invalid", "")).startswith('{"checkpoint"'):
            raise VerifyError("bad-checkpoint", f"checkpoint on line {source.number} is not valid")
        if not isinstance(note, str):
            source.offset -= len(raw)  # where the entries start
            return checkpoints, raw
        try:
            checkpoints.append(parse_checkpoint(note, keys, origin))
        except VerifyError as exc:
            message = f"checkpoint on line {source.number}: {exc.message}"
            raise VerifyError(exc.kind, message) from None
    return checkpoints, None


def _entry_of(value: dict[str, object], position: int) -> tuple[bytes, bytes]:
    entry, leaf = value.get("entry"), value.get("leaf_hash")
    if set(value) != {"entry", "leaf_hash"} or not isinstance(entry, str):
        raise VerifyError("malformed", f"entry {position}: not an entry line", position)
    # Only the one spelling (64 lower-case hex digits) is accepted: an export has no
    # byte that can change without being noticed.
    stored = b""
    if isinstance(leaf, str) and len(leaf) == 64 and leaf == leaf.lower():
        try:
            stored = bytes.fromhex(leaf)
        except ValueError:
            stored = b""
    return entry.encode("utf-8"), stored


def _check_header_totals(header: Header, size: int, root: bytes) -> None:
    if header.size != size:
        raise VerifyError(
            "truncated" if size < header.size else "inserted",
            f"the header announces {header.size} entries, the file holds {size}",
            min(size, header.size),
        )
    if header.root != base64.b64encode(root).decode():
        raise VerifyError("root-mismatch", "the header's root is not the root of the entries")


# --- parallel verification of an export file ------------------------------------------------

#: Entries per range handed to a worker (``2**RANGE_HEIGHT``, at most a block).
RANGE_HEIGHT = 14
#: Exports announcing fewer entries are verified sequentially (a pool costs ~10-50 ms).
PARALLEL_MIN = 1 << 17
#: Worker processes; ``None``: one per CPU this process may run on.
WORKERS: int | None = None

#: The export being verified, mapped before the workers fork (so they inherit it).
_EXPORT: mmap.mmap | None = None


def worker_count(configured: int | None = None) -> int:
    """``configured``, else how many CPUs this process may run on."""
    if configured is not None:
        return configured
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can be forked: the platform allows it and no other thread runs
    (a fork copies locks that another thread may hold)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def forked_map(
    fn: Callable[[T], R], tasks: Sequence[T], workers: int
) -> Generator[R | None, None, None]:
    """``fn(task)`` for each task, in order, computed by ``workers`` forked processes.

    Worker ``w`` takes tasks ``w``, ``w + workers``, ... and sends each result back
    through its own pipe; results are read in task order. No thread is started (a
    ``multiprocessing.Pool`` runs three in this process, and a collection run by one of
    them can finalise, say, a database connection under the main thread's feet). A
    result that cannot be had (the task raised, the worker died) is None. Closing the
    iterator early kills the workers; they are always reaped. Raises ``OSError`` if no
    process can be forked.
    """
    children: list[tuple[int, io.BufferedReader]] = []
    try:
        for w in range(workers):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child; measured by the parent's tests
                os.close(read)
                _serve(fn, tasks[w::workers], write)
            os.close(write)
            children.append((pid, os.fdopen(read, "rb")))
        for k in range(len(tasks)):
            try:
                yield pickle.load(children[k % workers][1])  # noqa: S301 - our own child
            except (EOFError, OSError, pickle.UnpicklingError):
                yield None
    finally:
        for pid, pipe in children:
            pipe.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _serve(fn: Callable[[T], R], tasks: Sequence[T], write: int) -> NoReturn:
    """In a forked child: send ``fn(task)`` (None if it raised) for each task; exit."""
    code = 0
    try:
        gc.disable()  # nothing made here is in a cycle, and the child is short-lived
        with os.fdopen(write, "wb") as out:
            for task in tasks:
                try:
                    result: R | None = fn(task)
                except Exception:  # the parent takes None as "do it yourself"
                    result = None
                pickle.dump(result, out)
                out.flush()
    except BaseException:  # a child must never return into the parent's code
        code = 1
    finally:
        os._exit(code)


def _worth_parallel(size: int) -> bool:
    workers = min(worker_count(WORKERS), size >> RANGE_HEIGHT)
    return size >= PARALLEL_MIN and workers >= 2 and can_fork()


def _file_position(lines: Iterable[bytes]) -> int | None:
    """Where a real, seekable file stands before reading (None for anything else)."""
    if not isinstance(lines, io.BufferedReader | io.FileIO):
        return None
    try:
        lines.fileno()
        return lines.tell()
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _mapped(file: object) -> Iterator[mmap.mmap]:
    if not isinstance(file, io.BufferedReader | io.FileIO):  # _file_position checked it
        raise TypeError("only a file opened in binary mode can be mapped")
    mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        yield mapped
    finally:
        mapped.close()


@dataclass(frozen=True)
class _ExportTask:
    offset: int
    start: int
    end: int
    cuts: tuple[int, ...]
    block_height: int


def _export_prefix(
    mapped: mmap.mmap,
    offset: int,
    size: int,
    checkpoints: Sequence[Checkpoint],
    progress: Callable[[int], None],
) -> tuple[int, list[bytes], int, int]:
    """Verify whole ranges of entry lines on worker processes (see ``combine_ranges``).

    ``offset`` is where the first entry line starts, ``size`` the entry count the header
    announces (only a plan: ranges end where the file does). Returns ``(start, nodes,
    block_height, offset)``: the verified prefix, its subtree roots, and where the line
    of entry ``start`` begins, for the sequential pass to go on from.
    """
    global _EXPORT  # noqa: PLW0603 - inherited by the forked workers, never pickled
    span = 1 << RANGE_HEIGHT
    height = min(BLOCK_HEIGHT, RANGE_HEIGHT)
    sizes = sorted(c.size for c in checkpoints)
    offsets = [offset]  # offsets[k]: where the line of entry k * span starts
    tasks = []
    for k in range(size >> RANGE_HEIGHT):
        end = _skip_lines(mapped, offsets[k], span)
        if end < 0:
            break
        offsets.append(end)
        cuts = tuple(s for s in sizes if k * span < s <= (k + 1) * span)
        tasks.append(_ExportTask(offsets[k], k * span, (k + 1) * span, cuts, height))
    _EXPORT = mapped
    try:
        results = forked_map(_export_task, tasks, min(worker_count(WORKERS), len(tasks)))
        with contextlib.closing(results):
            start, nodes = combine_ranges(checkpoints, results, progress)
    except OSError:  # no processes to be had: verify sequentially
        return 0, [], BLOCK_HEIGHT, offset
    finally:
        _EXPORT = None
    return start, nodes, height, offsets[start >> RANGE_HEIGHT]


def _skip_lines(mapped: mmap.mmap, at: int, count: int) -> int:
    """The offset ``count`` complete lines after ``at``; -1 if the file ends before."""
    find = mapped.find
    for _ in range(count):
        at = find(b"\n", at) + 1
        if not at:
            return -1
    return at


def _export_task(task: _ExportTask) -> RangeResult:
    """In a worker: check one range of entry lines; any failure means "not clean"."""
    verifier = RangeVerifier(task.start, task.end, task.cuts, block_height=task.block_height)

    def feed(v: RangeVerifier) -> None:
        mapped = _EXPORT
        if mapped is None:
            raise VerifyError("bad-export", "no export mapped in this worker")
        mapped.seek(task.offset)
        lines = [mapped.readline() for _ in range(task.end - task.start)]
        _feed_export(v, lines, 1 << 12, lambda: None)

    try:
        return verifier.result(feed)
    except Exception:  # the parent verifies this range itself
        return RangeResult(task.start, task.end, clean=False)


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Verify an export file; print the outcome; return the exit status."""
    parser = argparse.ArgumentParser(description="Verify an interlock audit export offline.")
    parser.add_argument("export", help="the JSONL file written by 'interlock audit export'")
    parser.add_argument("--key", action="append", default=[], help="trusted verifier key")
    parser.add_argument("--keys-file", help="file of trusted verifier keys, one a line")
    args = parser.parse_args(argv)
    keys = list(args.key)
    try:
        if args.keys_file:
            with open(args.keys_file, encoding="utf-8") as f:
                keys += [line.strip() for line in f if line.strip()]
        with open(args.export, "rb") as f:
            report = verify_export(f, keys)
    except VerifyError as exc:
        print(f"FAIL ({exc.kind}): {exc.message}")
        return 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"OK: {report.size} entries, root {base64.b64encode(report.root).decode()}")
    print(f"    {len(report.checkpoints)} signed checkpoints verified")
    if report.keys_from_export:
        print("    warning: keys taken from the export itself; pass --key to check authenticity")
    return 0


if __name__ == "__main__":
    sys.exit(main())
