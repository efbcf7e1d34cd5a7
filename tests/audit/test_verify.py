"""verify names the first bad entry for every kind of tampering, on both dialects.

Property tests (bounded) tamper a copy of a pristine SQLite log: any single-byte
change of an entry or its stored hash, a deleted row, an inserted row, a swap of two
rows, a truncation below a checkpoint; and any byte of an export. The same tampering
functions run once each against PostgreSQL.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from interlock.audit import keys
from interlock.audit import verify as verify_module
from interlock.audit.checkpoint import Checkpointer
from interlock.audit.export import export_log
from interlock.audit.log import Event, append_many
from interlock.audit.merkle import Frontier, leaf_hash
from interlock.audit.offline_verify import VerifyError, verify_export
from interlock.audit.verify import LogTamperedError, verify_log
from interlock.store import Store, open_store
from interlock.store.schema import HEAD_ID, audit_entries, audit_head

SIZE = 45  # checkpoints at 1, 11, 21, 31, 41; entries 41..44 unsigned
SIGNED = 41


def _fill(store: Store, checkpointer: Checkpointer) -> None:
    """SIZE entries in group commits of 1, 10, 10, 10, 10, 4: a checkpoint after each 10."""
    done = 0
    for batch in (1, 10, 10, 10, 10, 4):
        events = [
            Event("tick", f"user{i % 3}", {"i": i, "text": f"event number {i} \u00e9"})
            for i in range(done, done + batch)
        ]
        with store.transaction() as conn:
            append_many(conn, events, checkpointer=checkpointer)
        done += batch


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A SQLite log of SIZE entries and the verifier key of its checkpoints."""
    signer = keys.generate("test.example/audit")
    path = tmp_path_factory.mktemp("pristine") / "log.db"
    with open_store(f"sqlite:///{path}") as store:
        _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    return path, signer.verifier_key()


def _copy(pristine: tuple[Path, str], tmp: Path) -> Store:
    shutil.copy(pristine[0], tmp / "copy.db")
    return open_store(f"sqlite:///{tmp / 'copy.db'}")


def _verify(store: Store, key: str) -> LogTamperedError:
    with pytest.raises(LogTamperedError) as info, store.transaction() as conn:
        verify_log(conn, [key])
    return info.value


# --- tampering, dialect-neutral -------------------------------------------------------


def _row(conn: Connection, idx: int) -> tuple[bytes, bytes]:
    row = conn.execute(select(audit_entries).where(audit_entries.c.idx == idx)).one()
    return bytes(row.entry), bytes(row.leaf_hash)


def _set(conn: Connection, idx: int, **values: bytes) -> None:
    conn.execute(update(audit_entries).where(audit_entries.c.idx == idx).values(**values))


def flip_entry_byte(conn: Connection, idx: int, pos: int, xor: int) -> None:
    entry, _ = _row(conn, idx)
    pos %= len(entry)
    _set(conn, idx, entry=entry[:pos] + bytes([entry[pos] ^ xor]) + entry[pos + 1 :])


def flip_hash_byte(conn: Connection, idx: int, pos: int, xor: int) -> None:
    _, digest = _row(conn, idx)
    pos %= 32
    _set(conn, idx, leaf_hash=digest[:pos] + bytes([digest[pos] ^ xor]) + digest[pos + 1 :])


def delete_row(conn: Connection, idx: int) -> None:
    conn.execute(delete(audit_entries).where(audit_entries.c.idx == idx))


def insert_copy(conn: Connection, at: int, source: int) -> None:
    """Insert a copy of row ``source`` at ``at``, shifting later rows up."""
    entry, digest = _row(conn, source)
    later = audit_entries.c.idx >= at
    conn.execute(update(audit_entries).where(later).values(idx=-audit_entries.c.idx - 1))
    neg = audit_entries.c.idx < 0
    conn.execute(update(audit_entries).where(neg).values(idx=-audit_entries.c.idx))
    conn.execute(insert(audit_entries).values(idx=at, entry=entry, leaf_hash=digest))


def swap_rows(conn: Connection, i: int, j: int) -> None:
    a, b = _row(conn, i), _row(conn, j)
    _set(conn, i, entry=b[0], leaf_hash=b[1])
    _set(conn, j, entry=a[0], leaf_hash=a[1])


def truncate_with_head(conn: Connection, keep: int) -> None:
    """Remove entries from ``keep`` on and rewrite the head to match (a careful attacker)."""
    conn.execute(delete(audit_entries).where(audit_entries.c.idx >= keep))
    _rewrite_head(conn)


def rewrite_entry(conn: Connection, idx: int) -> None:
    """Change an entry, its stored hash and the head together (a careful attacker)."""
    entry, _ = _row(conn, idx)
    forged = entry.replace(b"event number", b"event NUMBER")
    _set(conn, idx, entry=forged, leaf_hash=leaf_hash(forged))
    _rewrite_head(conn)


def _rewrite_head(conn: Connection) -> None:
    frontier = Frontier()
    for digest in conn.execute(select(audit_entries.c.leaf_hash).order_by(audit_entries.c.idx)):
        frontier.append(bytes(digest[0]))
    conn.execute(
        update(audit_head)
        .where(audit_head.c.id == HEAD_ID)
        .values(size=frontier.size, frontier=frontier.to_bytes())
    )


# --- deterministic cases on both dialects ------------------------------------------------

Tamper = Callable[[Connection], None]

CASES: list[tuple[str, Tamper, int, set[str]]] = [
    ("byte of entry", lambda c: flip_entry_byte(c, 7, 30, 1), 7, {"modified"}),
    ("byte of hash", lambda c: flip_hash_byte(c, 3, 0, 0x80), 3, {"modified"}),
    ("deleted row", lambda c: delete_row(c, 12), 12, {"deleted"}),
    ("deleted last row", lambda c: delete_row(c, SIZE - 1), SIZE - 1, {"truncated"}),
    ("inserted copy", lambda c: insert_copy(c, 5, 9), 5, {"deleted", "reordered"}),
    ("swapped rows", lambda c: swap_rows(c, 4, 20), 4, {"deleted"}),
    ("swapped tail rows", lambda c: swap_rows(c, 43, 42), 42, {"deleted"}),
    ("truncated below checkpoint", lambda c: truncate_with_head(c, 35), 35, {"truncated"}),
]


@pytest.mark.parametrize(("name", "tamper", "index", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_named(
    store: Store, name: str, tamper: Tamper, index: int, kinds: set[str]
) -> None:
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    with store.transaction() as conn:
        assert verify_log(conn, [signer.verifier_key()]).size == SIZE
        tamper(conn)
    error = _verify(store, signer.verifier_key())
    assert (error.index, error.kind in kinds) == (index, True), error.message


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_tampering_is_named_across_read_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch, case: tuple[str, Tamper, int, set[str]]
) -> None:
    _, tamper, index, kinds = case
    monkeypatch.setattr(verify_module, "BATCH", 4)  # every case spans several reads
    monkeypatch.setattr(verify_module, "PAGE", 4)
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    with store.transaction() as conn:
        tamper(conn)
    error = _verify(store, signer.verifier_key())
    assert (error.index, error.kind in kinds) == (index, True), error.message


def test_progress_is_reported_in_steps_and_at_the_end(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_module, "BATCH", 8)
    monkeypatch.setattr(verify_module, "PAGE", 8)
    monkeypatch.setattr(verify_module, "PROGRESS_EVERY", 16)
    with store.transaction() as conn:
        append_many(conn, [Event("tick", None, {"n": i}) for i in range(50)])
    seen: list[tuple[int, int, bool]] = []
    with store.read_transaction() as conn:
        verify_log(conn, [], lambda done, total: seen.append((done, total, gc.isenabled())))
    assert seen == [(16, 50, False), (32, 50, False), (48, 50, False), (50, 50, False)]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_restored_after_success_and_failure(
    pristine: tuple[Path, str], tmp_path: Path, enabled: bool
) -> None:
    with _copy(pristine, tmp_path) as store:
        try:
            gc.enable() if enabled else gc.disable()
            with store.read_transaction() as conn:
                assert verify_log(conn, [pristine[1]]).size == SIZE
            assert gc.isenabled() is enabled
            with store.transaction() as conn:
                delete_row(conn, 30)
            assert _verify(store, pristine[1]).index == 30
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


def test_careful_rewrite_is_caught_by_the_next_checkpoint(store: Store) -> None:
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    with store.transaction() as conn:
        rewrite_entry(conn, 15)
    error = _verify(store, signer.verifier_key())
    assert error.kind == "root-mismatch"
    assert error.index == 11  # the suspects are 11..20: between two signed checkpoints
    assert "11..20" in error.message


def test_forged_checkpoint_signature_is_named(store: Store) -> None:
    signer = keys.generate("test.example/audit")
    _fill(store, Checkpointer(signer, every_entries=10, every_seconds=3600))
    forger = keys.generate("test.example/audit")
    with store.transaction() as conn:
        rewrite_entry(conn, 15)
        Checkpointer(forger).write(conn, SIZE, _head_root(conn), 0.0)
    error = _verify(store, signer.verifier_key())
    assert error.kind in {"bad-signature", "root-mismatch"}


def _head_root(conn: Connection) -> bytes:
    row = conn.execute(select(audit_head)).one()
    return Frontier.from_bytes(row.size, row.frontier).root()


def test_untrusted_checkpoints_fail_closed(store: Store) -> None:
    _fill(store, Checkpointer(keys.generate("a.example/log"), every_entries=10))
    other = keys.generate("a.example/log")
    assert _verify(store, other.verifier_key()).kind == "bad-signature"


# --- properties on SQLite copies ------------------------------------------------------------

_PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(st.integers(0, SIZE - 1), st.integers(0, 10_000), st.integers(1, 255))
def test_any_single_byte_change_is_named(
    pristine: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
    idx: int,
    pos: int,
    xor: int,
) -> None:
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            flip_entry_byte(conn, idx, pos, xor)
        assert _verify(store, pristine[1]).index == idx


@_PROPERTY
@given(st.integers(0, SIZE - 1), st.integers(0, 31), st.integers(1, 255))
def test_any_single_byte_change_of_a_stored_hash_is_named(
    pristine: tuple[Path, str],
    tmp_path_factory: pytest.TempPathFactory,
    idx: int,
    pos: int,
    xor: int,
) -> None:
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            flip_hash_byte(conn, idx, pos, xor)
        assert _verify(store, pristine[1]).index == idx


@_PROPERTY
@given(st.integers(0, SIZE - 2))
def test_any_deleted_row_is_named(
    pristine: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, idx: int
) -> None:
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            delete_row(conn, idx)
        assert _verify(store, pristine[1]).index == idx


@_PROPERTY
@given(st.integers(0, SIZE - 1), st.integers(0, SIZE - 1))
def test_any_inserted_row_is_named(
    pristine: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, at: int, source: int
) -> None:
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            insert_copy(conn, at, source)
        error = _verify(store, pristine[1])
    # A copy of entry ``at`` itself put at ``at`` is first noticed one row later.
    assert error.index == (at + 1 if source == at else at)


@_PROPERTY
@given(st.integers(0, SIZE - 1), st.integers(0, SIZE - 1))
def test_any_swap_of_two_rows_is_named(
    pristine: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, i: int, j: int
) -> None:
    if i == j:
        return
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            swap_rows(conn, i, j)
        assert _verify(store, pristine[1]).index == min(i, j)


@_PROPERTY
@given(st.integers(0, SIGNED - 1))
def test_any_truncation_below_a_checkpoint_is_named(
    pristine: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, keep: int
) -> None:
    with _copy(pristine, tmp_path_factory.mktemp("t")) as store:
        with store.transaction() as conn:
            truncate_with_head(conn, keep)
        error = _verify(store, pristine[1])
    assert (error.kind, error.index) == ("truncated", keep)


# --- exports ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def export_bytes(pristine: tuple[Path, str]) -> bytes:
    """The pristine log exported."""
    import io

    out = io.StringIO()
    with open_store(f"sqlite:///{pristine[0]}") as store, store.transaction() as conn:
        export_log(conn, out, [pristine[1]])
    return out.getvalue().encode("utf-8")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def test_pristine_export_verifies(export_bytes: bytes, pristine: tuple[Path, str]) -> None:
    report = verify_export(_lines(export_bytes), [pristine[1]])
    assert (report.size, len(report.checkpoints)) == (SIZE, 5)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_byte_change_in_an_export_entry_is_named(
    export_bytes: bytes, pristine: tuple[Path, str], data: st.DataObject
) -> None:
    lines = _lines(export_bytes)
    first_entry = len(lines) - SIZE
    idx = data.draw(st.integers(0, SIZE - 1))
    line = lines[first_entry + idx]
    pos = data.draw(st.integers(0, len(line) - 2))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != line[pos]))
    lines[first_entry + idx] = line[:pos] + bytes([value]) + line[pos + 1 :]
    with pytest.raises(VerifyError) as info:
        verify_export(_lines(b"".join(lines)), [pristine[1]])
    assert info.value.index == idx


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_byte_change_anywhere_in_an_export_fails(
    export_bytes: bytes, pristine: tuple[Path, str], data: st.DataObject
) -> None:
    pos = data.draw(st.integers(0, len(export_bytes) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != export_bytes[pos]))
    tampered = export_bytes[:pos] + bytes([value]) + export_bytes[pos + 1 :]
    with pytest.raises(VerifyError):
        verify_export(_lines(tampered), [pristine[1]])


def test_group_commit_and_verify_on_a_bigger_log(store: Store) -> None:
    signer = keys.generate("test.example/audit")
    cp = Checkpointer(signer, every_entries=5000, every_seconds=3600)
    for _ in range(4):
        with store.transaction() as conn:
            append_many(conn, [Event("tick", None, {"n": i}) for i in range(2000)], checkpointer=cp)
    with store.transaction() as conn:
        report = verify_log(conn, [signer.verifier_key()])
    assert (report.size, [c.size for c in report.checkpoints]) == (8000, [2000, 8000])


def test_verify_reads_one_snapshot_while_appends_go_on(store: Store) -> None:
    with store.transaction() as conn:
        append_many(conn, [Event("tick", None, {"n": i}) for i in range(20)])
    with store.read_transaction() as reader:
        assert verify_log(reader, []).size == 20  # pins the snapshot
        with store.transaction() as writer:  # a writer is not blocked by the reader
            append_many(writer, [Event("tick", None, {"n": i}) for i in range(5)])
        assert verify_log(reader, []).size == 20
    with store.read_transaction() as conn:
        assert verify_log(conn, []).size == 25


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        ("UPDATE audit_entries SET entry = 'text, not bytes' WHERE idx = 3", 3),
        ("UPDATE audit_entries SET leaf_hash = 'x' WHERE idx = 8", 8),
        ("UPDATE audit_entries SET idx = 1000 WHERE idx = 7", 7),
    ],
)
def test_values_of_the_wrong_type_are_named(
    pristine: tuple[Path, str], tmp_path: Path, sql: str, index: int
) -> None:
    with _copy(pristine, tmp_path) as store:
        with store.transaction() as conn:
            conn.exec_driver_sql(sql)
        assert _verify(store, pristine[1]).index == index
