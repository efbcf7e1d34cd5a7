"""Appending: one total order without gaps, on SQLite and PostgreSQL, across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from interlock.audit.canonical import canonical_json
from interlock.audit.checkpoint import Checkpointer
from interlock.audit.log import Event, append, append_many, head, read_entry
from interlock.audit.merkle import MerkleTree, leaf_hash
from interlock.audit.redact import REDACTED
from interlock.audit.verify import verify_log
from interlock.errors import AuditError
from interlock.store import Store
from interlock.store.schema import audit_checkpoints, audit_entries

SRC = Path(__file__).resolve().parents[2] / "src"


def _indices(store: Store) -> list[int]:
    with store.transaction() as conn:
        return list(
            conn.execute(select(audit_entries.c.idx).order_by(audit_entries.c.idx)).scalars()
        )


def test_entries_are_canonical_redacted_and_dense(store: Store) -> None:
    with store.transaction() as conn:
        first = append(conn, "request-created", "kiro", {"command": "ls", "password": "pw"})
        rest = append_many(conn, [Event("vote-cast", f"v{i}", {"n": i}) for i in range(3)])
    assert (first, rest) == (0, [1, 2, 3])
    with store.transaction() as conn:
        raw = read_entry(conn, 0)
        entry = json.loads(raw)
        assert head(conn).size == 4
    assert canonical_json(entry) == raw  # assembled from pieces, identical to canonical
    assert entry["body"] == {"command": "ls", "password": REDACTED}
    assert (entry["index"], entry["kind"], entry["actor"]) == (0, "request-created", "kiro")
    assert entry["time"].endswith("Z")


def test_head_root_is_the_merkle_root(store: Store) -> None:
    with store.transaction() as conn:
        append_many(conn, [Event("config-loaded", None, {"i": i}) for i in range(13)])
    with store.transaction() as conn:
        entries = [read_entry(conn, i) for i in range(13)]
        assert head(conn).root == MerkleTree([leaf_hash(e) for e in entries]).root()


def test_rolled_back_appends_leave_no_gap(store: Store) -> None:
    def failing() -> None:
        with store.transaction() as conn:
            append(conn, "grant-issued", "bob", {})
            raise RuntimeError("state change failed")

    with pytest.raises(RuntimeError):
        failing()
    with store.transaction() as conn:
        assert append(conn, "grant-issued", "bob", {}) == 0


@pytest.mark.parametrize(
    ("kind", "actor", "body"),
    [
        ("Bad Kind", None, {}),
        ("", None, {}),
        ("ok", 3, {}),
        ("ok", None, ["not", "a", "mapping"]),
        ("ok", None, {"f": 0.5}),
    ],
)
def test_invalid_events_are_refused(store: Store, kind: str, actor: object, body: object) -> None:
    def bad() -> None:
        with store.transaction() as conn:
            append(conn, kind, actor, body)  # type: ignore[arg-type]

    with pytest.raises(AuditError):
        bad()
    with store.transaction() as conn:
        assert head(conn).size == 0


def test_checkpoints_are_signed_every_n_entries(store: Store, checkpointer: Checkpointer) -> None:
    for _ in range(5):
        with store.transaction() as conn:
            append_many(conn, [Event("tick", None, {})] * 7, checkpointer=checkpointer)
    with store.transaction() as conn:
        sizes = list(conn.execute(select(audit_checkpoints.c.size)).scalars())
        report = verify_log(conn, [checkpointer.signer.verifier_key()])
    assert sizes == [7, 21, 35]  # first at once (overdue by time), then each 10+ entries
    assert (report.size, len(report.checkpoints), report.unsigned_tail) == (35, 3, 0)


def test_default_checkpointer_uses_the_configured_key(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interlock.audit import keys

    path = tmp_path / "keys" / keys.KEY_FILE
    signer = keys.generate("default.example/audit")
    keys.write_signer(path, signer, replace=False)
    monkeypatch.setenv("INTERLOCK_AUDIT_KEY", str(path))
    with store.transaction() as conn:
        append(conn, "tick", None, {})
        note = conn.execute(select(audit_checkpoints.c.note)).scalar_one()
    assert note.startswith("default.example/audit\n1\n")


def test_concurrent_threads_get_one_dense_order(store: Store) -> None:
    def worker(n: int) -> None:
        for i in range(15):
            body = {"i": i}

            def one(conn: Connection, body: dict[str, int] = body) -> int:
                return append(conn, "tick", f"t{n}", body)

            store.run_in_transaction(one)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _indices(store) == list(range(60))
    with store.transaction() as conn:
        assert verify_log(conn, []).size == 60


_WORKER = """
import sys
from interlock.store import open_store
from interlock.audit.log import append
url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_store(url) as store:
    for i in range(count):
        store.run_in_transaction(lambda conn: append(conn, "tick", name, {"i": i}), retries=20)
"""


@pytest.mark.slow
def test_concurrent_processes_get_one_dense_order(
    store: Store, store_url: str, checkpointer: Checkpointer
) -> None:
    with store.transaction() as conn:
        append(conn, "start", None, {}, checkpointer=checkpointer)
    env = {"PYTHONPATH": str(SRC), "INTERLOCK_AUDIT_KEY": "/nonexistent/audit.key"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, store_url, f"p{n}", "25"], env=env)
        for n in range(3)
    ]
    threads = [
        threading.Thread(
            target=lambda: [
                store.run_in_transaction(lambda c: append(c, "tick", "thread", {}))
                for _ in range(10)
            ]
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert _indices(store) == list(range(1 + 75 + 20))
    with store.transaction() as conn:
        report = verify_log(conn, [checkpointer.signer.verifier_key()])
    assert report.size == 96
    assert report.unsigned_tail == 95
