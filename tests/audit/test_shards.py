"""Parallel verification names every problem exactly as sequential verification does.

Ranges are made tiny (4 or 8 entries) so that the 45-entry logs of ``test_verify``
span many of them, with checkpoints inside ranges and on their boundaries. Every case
is verified twice, once with one worker (sequential) and once with two, on SQLite and
PostgreSQL; the outcome (report, or error kind, entry and message) must be identical,
and the parallel pass must really have run.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import cryptography
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from interlock.audit import keys, shards
from interlock.audit import offline_verify as offline
from interlock.audit.checkpoint import Checkpointer
from interlock.audit.export import export_log
from interlock.audit.log import Event, append_many
from interlock.audit.merkle import leaf_hash
from interlock.audit.offline_verify import Checkpoint, LogVerifier, VerifyError
from interlock.audit.verify import LogTamperedError, verify_log
from interlock.store import Store, open_store
from interlock.store.schema import audit_entries
from tests.audit.test_verify import (
    CASES,
    SIGNED,
    SIZE,
    _fill,
    delete_row,
    flip_entry_byte,
    flip_hash_byte,
    insert_copy,
    rewrite_entry,
    swap_rows,
    truncate_with_head,
)

Outcome = tuple[str, object, object, object]
Tamper = Callable[[Connection], None]


@pytest.fixture(params=[2, 3], ids=["ranges-of-4", "ranges-of-8"])
def tiny_ranges(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Ranges of 2**param entries, and parallel verification from 8 entries on."""
    monkeypatch.setattr(shards, "RANGE_HEIGHT", request.param)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    return int(request.param)


@pytest.fixture
def prefixes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records where each parallel pass handed over to the sequential one."""
    seen: list[int] = []
    original = shards.verify_prefix

    def spy(*args: object, **kwargs: object) -> tuple[int, list[bytes], int]:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(result[0])
        return result

    monkeypatch.setattr(shards, "verify_prefix", spy)
    return seen


def _outcome(store: Store, key: str, workers: int, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    monkeypatch.setattr(shards, "WORKERS", workers)
    try:
        with store.read_transaction() as conn:
            report = verify_log(conn, [key])
    except LogTamperedError as exc:
        return ("error", exc.kind, exc.index, str(exc))
    sizes = [c.size for c in report.checkpoints]
    return ("ok", report.size, report.root, (sizes, report.unsigned_tail))


def _both(
    store: Store, key: str, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> tuple[Outcome, Outcome]:
    sequential = _outcome(store, key, 1, monkeypatch)
    assert prefixes == [0]  # one worker: nothing done in parallel
    parallel = _outcome(store, key, 2, monkeypatch)
    assert len(prefixes) == 2
    return sequential, parallel


def _filled(store: Store) -> str:
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    return signer.verifier_key()


@pytest.mark.usefixtures("tiny_ranges")
def test_an_intact_log_gives_the_same_report(
    store: Store, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> None:
    key = _filled(store)
    sequential, parallel = _both(store, key, monkeypatch, prefixes)
    assert parallel == sequential
    assert sequential[:2] == ("ok", SIZE)
    span = 1 << shards.RANGE_HEIGHT
    assert prefixes[1] == SIZE // span * span  # every full range went to the workers


@pytest.mark.usefixtures("tiny_ranges")
@pytest.mark.parametrize(("name", "tamper", "index", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_named_identically(
    *,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    prefixes: list[int],
    name: str,
    tamper: Tamper,
    index: int,
    kinds: set[str],
) -> None:
    key = _filled(store)
    with store.transaction() as conn:
        tamper(conn)
    sequential, parallel = _both(store, key, monkeypatch, prefixes)
    assert parallel == sequential
    assert sequential[0] == "error"
    assert (sequential[1] in kinds, sequential[2]) == (True, index)
    assert prefixes[1] <= index  # the workers stopped before the bad entry


@pytest.mark.usefixtures("tiny_ranges")
@pytest.mark.parametrize(
    ("name", "tamper", "kind"),
    [
        ("careful rewrite", lambda c: rewrite_entry(c, 15), "root-mismatch"),
        ("careful rewrite in the tail", lambda c: rewrite_entry(c, 43), "ok"),
        ("negative index", lambda c: _insert_row(c, -1, 5), "inserted"),
        ("row beyond the head", lambda c: _insert_row(c, SIZE, SIZE), "inserted"),
        ("row far beyond the head", lambda c: _insert_row(c, 10 * SIZE, 10 * SIZE), "deleted"),
    ],
)
def test_more_tampering_is_named_identically(
    *,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    prefixes: list[int],
    name: str,
    tamper: Tamper,
    kind: str,
) -> None:
    key = _filled(store)
    with store.transaction() as conn:
        tamper(conn)
    sequential, parallel = _both(store, key, monkeypatch, prefixes)
    assert parallel == sequential
    assert (sequential[1] if sequential[0] == "error" else "ok") == kind, sequential


def _insert_row(conn: Connection, idx: int, source: int) -> None:
    entry = b'{"actor":null,"body":{},"index":%d,"kind":"tick","time":"x"}' % source
    conn.execute(insert(audit_entries).values(idx=idx, entry=entry, leaf_hash=leaf_hash(entry)))


def test_a_forged_checkpoint_inside_a_range_is_named_identically(
    store: Store, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 3)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    with store.transaction() as conn:  # a validly signed checkpoint over the wrong root
        Checkpointer(signer).write(conn, 13, leaf_hash(b"not the root"), 0.0)
    sequential, parallel = _both(store, signer.verifier_key(), monkeypatch, prefixes)
    assert parallel == sequential
    assert sequential[:3] == ("error", "root-mismatch", 11)


# --- properties, on copies of one SQLite log -------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    signer = keys.generate("test.example/audit")
    path = tmp_path_factory.mktemp("pristine") / "log.db"
    with open_store(f"sqlite:///{path}") as store:
        _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    return path, signer.verifier_key()


TAMPERINGS: list[Callable[[int, int, int], Tamper]] = [
    lambda i, j, b: lambda c: flip_entry_byte(c, i, j * 7, b),
    lambda i, j, b: lambda c: flip_hash_byte(c, i, j, b),
    lambda i, j, b: lambda c: delete_row(c, i),
    lambda i, j, b: lambda c: insert_copy(c, i, j),
    lambda i, j, b: lambda c: swap_rows(c, i, j) if i != j else delete_row(c, i),
    lambda i, j, b: lambda c: truncate_with_head(c, min(i, SIGNED - 1)),
    lambda i, j, b: lambda c: rewrite_entry(c, min(i, SIGNED - 1)),
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(range(len(TAMPERINGS))),
    i=st.integers(0, SIZE - 1),
    j=st.integers(0, SIZE - 1),
    xor=st.integers(1, 255),
    height=st.sampled_from([2, 3]),
)
def test_any_tampering_is_named_identically(
    *,
    pristine: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
    kind: int,
    i: int,
    j: int,
    xor: int,
    height: int,
) -> None:
    tmp = tmp_path_factory.mktemp("t")
    shutil.copy(pristine[0], tmp / "copy.db")
    outcomes = []
    with pytest.MonkeyPatch.context() as mp, open_store(f"sqlite:///{tmp / 'copy.db'}") as store:
        mp.setattr(shards, "RANGE_HEIGHT", height)
        mp.setattr(shards, "PARALLEL_MIN", 8)
        with store.transaction() as conn:
            TAMPERINGS[kind](i, j, xor)(conn)
        for workers in (1, 2):
            outcomes.append(_outcome(store, pristine[1], workers, mp))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == "error"


# --- the pool is a speed-up, never a dependency --------------------------------------------


def test_workers_that_cannot_read_fall_back_to_sequential(
    store: Store, monkeypatch: pytest.MonkeyPatch, prefixes: list[int], tmp_path: Path
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 2)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    key = _filled(store)
    expected = _outcome(store, key, 1, monkeypatch)
    broken = shards.Source("sqlite", str(tmp_path / "missing.db"), None)
    monkeypatch.setattr(shards, "_source", lambda conn: broken)
    assert _outcome(store, key, 2, monkeypatch) == expected
    assert prefixes == [0, 0]


def test_a_threaded_process_does_not_fork(
    store: Store, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 2)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    key = _filled(store)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        outcome = _outcome(store, key, 2, monkeypatch)
    finally:
        stop.set()
        thread.join()
    assert outcome[:2] == ("ok", SIZE)
    assert prefixes == [0]


def test_progress_covers_the_parallel_ranges_then_the_rest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 3)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    monkeypatch.setattr(shards, "WORKERS", 2)
    key = _filled(store)
    seen: list[tuple[int, int]] = []
    with store.read_transaction() as conn:
        verify_log(conn, [key], lambda done, total: seen.append((done, total)))
    assert seen == [(8, SIZE), (16, SIZE), (24, SIZE), (32, SIZE), (40, SIZE), (SIZE, SIZE)]


def test_workers_see_only_what_the_snapshot_holds(
    store_url: str, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 2)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    monkeypatch.setattr(shards, "WORKERS", 2)
    with open_store(store_url) as store:
        with store.transaction() as conn:
            append_many(conn, [Event("tick", None, {"n": i}) for i in range(30)])
        with store.read_transaction() as reader:
            assert reader.exec_driver_sql("SELECT count(*) FROM audit_head").scalar() == 1
            with store.transaction() as writer:  # committed after the reader's snapshot
                append_many(writer, [Event("tick", None, {"n": i}) for i in range(9)])
            assert verify_log(reader, []).size == 30
        assert prefixes == [28]
        with store.read_transaction() as conn:
            assert verify_log(conn, []).size == 39


@pytest.mark.parametrize(("start", "nodes"), [(3, 1), (4, 0), (8, 2)])
def test_resuming_needs_a_block_boundary_and_its_subtrees(start: int, nodes: int) -> None:
    with pytest.raises(ValueError, match="cannot resume"):
        LogVerifier.resumed([], start, [b"\0" * 32] * nodes, block_height=2)


def test_resuming_at_zero_checks_the_empty_checkpoints() -> None:
    bad = Checkpoint("o", 0, b"\1" * 32, ("k",), "")
    with pytest.raises(VerifyError, match="signed checkpoint of size 0"):
        LogVerifier.resumed([bad], 0, [])


# --- exports: the offline verifier's parallel pass ------------------------------------------


@pytest.fixture(scope="module")
def export_file(pristine: tuple[Path, str]) -> bytes:
    """The pristine log exported (45 entries, 5 checkpoints)."""
    out = io.StringIO()
    with open_store(f"sqlite:///{pristine[0]}") as store, store.transaction() as conn:
        export_log(conn, out, [pristine[1]])
    return out.getvalue().encode("utf-8")


def _export_outcome(data: bytes, key: str, path: Path | None) -> Outcome:
    """Verify from a list of lines (always sequential) or from a file (parallel)."""
    try:
        if path is None:
            report = offline.verify_export(data.splitlines(keepends=True), [key])
        else:
            path.write_bytes(data)
            with path.open("rb") as f:
                report = offline.verify_export(f, [key])
    except VerifyError as exc:
        return ("error", exc.kind, exc.index, exc.message)
    return ("ok", report.size, report.root, [c.size for c in report.checkpoints])


@pytest.fixture
def export_prefixes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Tiny ranges, two workers, and a record of where each parallel pass stopped."""
    monkeypatch.setattr(offline, "RANGE_HEIGHT", 2)
    monkeypatch.setattr(offline, "PARALLEL_MIN", 8)
    monkeypatch.setattr(offline, "WORKERS", 2)
    seen: list[int] = []
    original = offline._export_prefix

    def spy(*args: object) -> tuple[int, list[bytes], int, int]:
        result = original(*args)  # type: ignore[arg-type]
        seen.append(result[0])
        return result

    monkeypatch.setattr(offline, "_export_prefix", spy)
    return seen


def test_an_intact_export_verifies_in_parallel(
    export_file: bytes, pristine: tuple[Path, str], tmp_path: Path, export_prefixes: list[int]
) -> None:
    sequential = _export_outcome(export_file, pristine[1], None)
    parallel = _export_outcome(export_file, pristine[1], tmp_path / "x.jsonl")
    assert parallel == sequential
    assert sequential[:2] == ("ok", SIZE)
    assert export_prefixes == [44]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_byte_change_in_an_export_is_named_identically(
    *,
    export_file: bytes,
    pristine: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
    export_prefixes: list[int],
    data: st.DataObject,
) -> None:
    body = export_file.index(b'{"entry"')
    pos = data.draw(st.integers(body, len(export_file) - 1) | st.integers(0, body))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != export_file[pos]))
    tampered = export_file[:pos] + bytes([value]) + export_file[pos + 1 :]
    sequential = _export_outcome(tampered, pristine[1], None)
    parallel = _export_outcome(tampered, pristine[1], tmp_path_factory.mktemp("x") / "x.jsonl")
    assert parallel == sequential
    assert sequential[0] == "error"


@pytest.mark.parametrize(
    "edit",
    [
        lambda lines: [*lines[:20], lines[21], lines[20], *lines[22:]],  # swapped
        lambda lines: [*lines[:30], *lines[31:]],  # removed
        lambda lines: [*lines[:12], lines[12], *lines[12:]],  # duplicated
        lambda lines: lines[:-9],  # truncated
        lambda lines: [*lines, lines[-1]],  # appended
        lambda lines: [*lines[:-1], lines[-1].rstrip(b"\n")],  # no final newline
        lambda lines: [*lines[:25], b"\n", *lines[25:]],  # blank line
        lambda lines: [*lines[:25], lines[25].replace(b"tick", b"t\\u0069ck"), *lines[26:]],
    ],
    ids=[
        "swapped",
        "removed",
        "duplicated",
        "truncated",
        "appended",
        "no final newline",
        "blank line",
        "escaped letter",
    ],
)
def test_line_edits_are_named_identically(
    export_file: bytes,
    pristine: tuple[Path, str],
    tmp_path: Path,
    export_prefixes: list[int],
    edit: Callable[[list[bytes]], list[bytes]],
) -> None:
    lines = export_file.splitlines(keepends=True)
    edited = b"".join(edit(lines))
    sequential = _export_outcome(edited, pristine[1], None)
    parallel = _export_outcome(edited, pristine[1], tmp_path / "x.jsonl")
    assert parallel == sequential
    assert export_prefixes  # the parallel pass ran


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(max_size=40), min_size=1, max_size=6),
    cut=st.integers(0, 10_000),
    value=st.integers(0, 255),
    tamper=st.booleans(),
)
def test_entry_lines_read_exactly_what_the_json_reader_reads(
    texts: list[str], cut: int, value: int, tamper: bool
) -> None:
    lines = [
        (
            offline.canonical_line({"entry": t, "leaf_hash": leaf_hash(t.encode()).hex()}) + "\n"
        ).encode()
        for t in texts
    ]
    if tamper:
        blob = b"".join(lines)
        pos = cut % len(blob)
        blob = blob[:pos] + bytes([value]) + blob[pos + 1 :]
        lines = blob.splitlines(keepends=True)
    expected_entries, expected_hashes, expected_error = [], [], None
    for position, raw in enumerate(lines, 3):
        try:
            entry, stored = offline._entry_of(offline.line_value(raw), position)
        except VerifyError as exc:
            expected_error = (exc.kind, exc.index, exc.message)
            break
        expected_entries.append(entry)
        expected_hashes.append(stored)
    entries, hashes, error = offline.entry_lines(lines, 3)
    assert (entries, hashes) == (expected_entries, expected_hashes)
    assert (error and (error.kind, error.index, error.message)) == expected_error


# --- forked_map: the worker processes themselves ----------------------------------------------


def _square_or_fail(n: int) -> int:
    if n == 5:
        raise ValueError("five")
    return n * n


def _children() -> set[int]:
    """Direct children of this process (zombies included) from /proc."""
    me = str(os.getpid())
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_forked_map_gives_results_in_order_and_none_for_a_failure(workers: int) -> None:
    before = _children()
    results = list(offline.forked_map(_square_or_fail, list(range(10)), workers))
    assert results == [0, 1, 4, 9, 16, None, 36, 49, 64, 81]
    assert _children() == before  # every worker reaped


def test_forked_map_closed_early_kills_and_reaps_its_workers() -> None:
    before = _children()
    results = offline.forked_map(_square_or_fail, list(range(1000)), 2)
    assert next(results) == 0
    assert len(_children() - before) == 2
    results.close()
    assert _children() == before


def test_when_no_process_can_be_forked_verification_is_sequential(
    store: Store, monkeypatch: pytest.MonkeyPatch, prefixes: list[int]
) -> None:
    monkeypatch.setattr(shards, "RANGE_HEIGHT", 2)
    monkeypatch.setattr(shards, "PARALLEL_MIN", 8)
    key = _filled(store)
    expected = _outcome(store, key, 1, monkeypatch)

    def no_fork() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert _outcome(store, key, 2, monkeypatch) == expected
    assert prefixes == [0, 0]


def _run_standalone_parallel(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a copy of ``offline_verify.py`` as a script, without interlock on the path,
    its ranges made tiny (and a line on stderr when the parallel pass runs)."""
    text = Path(offline.__file__).read_text(encoding="utf-8")
    for old, new in [
        ("\nRANGE_HEIGHT = 14\n", "\nRANGE_HEIGHT = 2\n"),
        ("\nPARALLEL_MIN = 1 << 17\n", "\nPARALLEL_MIN = 8\n"),
        ("\nWORKERS: int | None = None\n", "\nWORKERS: int | None = 2\n"),
        (
            "    _EXPORT = mapped\n",
            "    _EXPORT = mapped\n    print('parallel', file=sys.stderr)\n",
        ),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    script = tmp_path / "offline_verify.py"
    script.write_text(text, encoding="utf-8")
    site = str(Path(cryptography.__file__).parents[1])
    code = (
        "import sys; sys.path[:0] = [sys.argv.pop(1)];"
        "import importlib.util as u;"
        "assert u.find_spec('interlock') is None, 'interlock must not be importable';"
        "import runpy; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, site, str(script), *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "")},
        cwd=tmp_path,
        check=False,
    )


def test_the_standalone_script_verifies_in_parallel(
    export_file: bytes, pristine: tuple[Path, str], tmp_path: Path
) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(export_file)
    result = _run_standalone_parallel(tmp_path, str(path), "--key", pristine[1])
    assert (result.returncode, result.stderr) == (0, "parallel\n"), result.stdout
    assert f"OK: {SIZE} entries" in result.stdout
    lines = export_file.splitlines(keepends=True)
    lines[-30] = lines[-30].replace(b"event number", b"event NUMBER")
    path.write_bytes(b"".join(lines))
    expected = _export_outcome(b"".join(lines), pristine[1], None)
    result = _run_standalone_parallel(tmp_path, str(path), "--key", pristine[1])
    assert (result.returncode, result.stderr) == (1, "parallel\n")
    assert result.stdout == f"FAIL ({expected[1]}): {expected[3]}\n"
    assert expected[1:3] == ("modified", SIZE - 30)
