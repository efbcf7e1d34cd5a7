"""``interlock audit verify|prove|consistency|export|checkpoint``: the audit log's verbs.

Thin wrappers over ``interlock.audit``: ``verify`` recomputes the whole log from the
store (or an export file) and names the first bad entry, with a progress bar on a
terminal for large logs; ``prove`` prints an inclusion proof for one entry;
``consistency`` a consistency proof between two tree sizes; ``export`` writes the JSON
lines that ``offline_verify.py`` checks; ``checkpoint`` signs the current head now.
Trusted verifier keys come from ``--key`` / ``--keys-file``, else ``.interlock/audit.pub``.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from interlock.errors import AuditError, AuditVerificationError, InputError

#: Logs smaller than this verify too fast to need a progress bar.
PROGRESS_MIN_ENTRIES = 100_000


def register(sub: Any) -> None:
    """Add the ``audit`` verb and its actions."""
    p: argparse.ArgumentParser = sub.add_parser("audit", help="verify, prove, export the audit log")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser("verify", help="recompute the log; name the first bad entry")
    verify.add_argument("--from-export", metavar="FILE", help="verify an export file instead")
    prove = actions.add_parser("prove", help="inclusion proof of one entry")
    prove.add_argument("entry", type=int, metavar="ENTRY", help="the entry's index")
    prove.add_argument("--size", type=int, help="tree size (default: latest checkpoint)")
    cons = actions.add_parser("consistency", help="consistency proof between two sizes")
    cons.add_argument("old", type=int, metavar="OLD")
    cons.add_argument("new", type=int, metavar="NEW")
    export = actions.add_parser("export", help="write JSONL + checkpoints for offline checks")
    export.add_argument("file", metavar="FILE", help="output file ('-' = stdout)")
    checkpoint = actions.add_parser("checkpoint", help="sign a checkpoint of the head now")
    for action in (verify, prove, cons, export, checkpoint):
        action.add_argument("--json", action="store_true", help="print one JSON object")
        action.add_argument("--database", metavar="URL", help="store URL (default: env/.interlock)")
    for action in (verify, export):
        action.add_argument("--key", action="append", default=[], help="trusted verifier key")
        action.add_argument("--keys-file", type=Path, help="file of verifier keys, one a line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "verify": _verify,
        "prove": _prove,
        "consistency": _consistency,
        "export": _export,
        "checkpoint": _checkpoint,
    }
    return handlers[args.action](args)


def _trusted_keys(args: argparse.Namespace) -> list[str]:
    from interlock.audit import keys

    found = list(args.key)
    if args.keys_file:
        found += keys.read_verifier_keys(args.keys_file)
    if not found:
        found = keys.read_verifier_keys(keys.key_path().with_name(keys.PUB_FILE))
    return found


def _verify(args: argparse.Namespace) -> int:
    if args.from_export:
        return _verify_export(args)
    from interlock.approvals.integrity import check_tables
    from interlock.audit.verify import verify_log
    from interlock.store import open_store

    keys = _trusted_keys(args)
    with open_store(args.database) as store, store.read_transaction() as conn:
        report = verify_log(conn, keys, _progress())
        _clear_progress()
        tables = check_tables(conn)
    if tables.problems:
        for problem in tables.problems:
            print(f"TAMPERED: {problem}", file=sys.stderr)
        raise AuditVerificationError(
            f"the log verifies, but {len(tables.problems)} stored row(s) disagree with their"
            f" seals or with the log; first: {tables.problems[0]}",
            hint="an edit was made directly in the database: restore it from a backup",
        )
    _clear_progress()
    root = base64.b64encode(report.root).decode()
    if args.json:
        result = {
            "ok": True,
            "size": report.size,
            "root_hash": root,
            "checkpoints": len(report.checkpoints),
            "unsigned_tail": report.unsigned_tail,
            "rows_checked": tables.requests + tables.ballots + tables.grants,
            "seals_checked": tables.sealed,
        }
        print(json.dumps(result))
        return 0
    print(f"OK: {report.size} entries, root {root}")
    print(f"    {len(report.checkpoints)} signed checkpoints verified")
    sealed = "their seals and " if tables.sealed else ""
    print(
        f"    {tables.requests} requests, {tables.ballots} ballots, {tables.grants} grants"
        f" agree with {sealed}the log"
    )
    if not tables.sealed:
        print("    warning: no seal key here (INTERLOCK_SEAL_KEY): row seals not checked")
    if report.unsigned_tail:
        print(f"    {report.unsigned_tail} entries after the last checkpoint (not yet signed)")
    if not report.checkpoints and report.size:
        print("    warning: no signed checkpoints: truncation cannot be detected")
    return 0


def _verify_export(args: argparse.Namespace) -> int:
    from interlock.audit.offline_verify import VerifyError, verify_export
    from interlock.audit.verify import verification_error

    keys = list(args.key) + (_trusted_keys(args) if args.keys_file else [])
    try:
        with open(args.from_export, "rb") as f:
            report = verify_export(f, keys or _trusted_keys(args), _progress())
    except OSError as exc:
        raise InputError(f"cannot read {args.from_export}: {exc.strerror}") from exc
    except VerifyError as exc:
        _clear_progress()
        raise verification_error(exc) from None
    except ValueError as exc:
        raise AuditError(str(exc)) from exc
    _clear_progress()
    root = base64.b64encode(report.root).decode()
    if args.json:
        print(json.dumps({"ok": True, "size": report.size, "root_hash": root}))
    else:
        print(f"OK: {report.size} entries, root {root}")
        print(f"    {len(report.checkpoints)} signed checkpoints verified")
        if report.keys_from_export:
            print(
                "    warning: keys taken from the export itself; pass --key to check authenticity"
            )
    return 0


def _prove(args: argparse.Namespace) -> int:
    from interlock.audit.proofs import prove_inclusion
    from interlock.store import open_store

    with open_store(args.database) as store, store.read_transaction() as conn:
        proof = prove_inclusion(conn, args.entry, args.size)
    path = [_b64(h) for h in proof.path]
    result = {
        "index": proof.index,
        "tree_size": proof.size,
        "entry": proof.entry.decode("utf-8"),
        "leaf_hash": _b64(proof.leaf_hash),
        "root_hash": _b64(proof.root),
        "inclusion_path": path,
        "checkpoint": proof.checkpoint,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"entry {proof.index} in tree of size {proof.size}")
    print(f"entry:     {result['entry']}")
    print(f"leaf hash: {result['leaf_hash']}")
    print(f"root hash: {result['root_hash']}")
    print("inclusion path (leaf side first):")
    for h in path:
        print(f"  {h}")
    if proof.checkpoint:
        print("signed checkpoint:")
        print("  " + proof.checkpoint.rstrip("\n").replace("\n", "\n  "))
    return 0


def _consistency(args: argparse.Namespace) -> int:
    from interlock.audit.proofs import prove_consistency
    from interlock.store import open_store

    with open_store(args.database) as store, store.read_transaction() as conn:
        proof = prove_consistency(conn, args.old, args.new)
    path = [_b64(h) for h in proof.path]
    result = {
        "old_size": proof.old,
        "new_size": proof.new,
        "old_root": _b64(proof.old_root),
        "new_root": _b64(proof.new_root),
        "consistency_path": path,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"tree {proof.old} -> {proof.new}")
    print(f"old root: {result['old_root']}")
    print(f"new root: {result['new_root']}")
    print("consistency path:")
    for h in path:
        print(f"  {h}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from interlock.audit.export import export_log
    from interlock.store import open_store

    keys = _trusted_keys(args)
    out = sys.stdout if args.file == "-" else _open_out(args.file)
    try:
        with open_store(args.database) as store, store.read_transaction() as conn:
            count = export_log(conn, out, keys)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.file != "-":
        message = {"ok": True, "entries": count, "file": args.file}
        print(json.dumps(message) if args.json else f"exported {count} entries to {args.file}")
    return 0


def _open_out(path: str) -> Any:
    try:
        return open(path, "w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def _checkpoint(args: argparse.Namespace) -> int:
    from interlock.audit import log
    from interlock.audit.checkpoint import default_checkpointer
    from interlock.store import open_store

    checkpointer = default_checkpointer()
    if checkpointer is None:
        raise InputError("no audit signing key", hint="interlock keys generate")
    with open_store(args.database) as store, store.transaction() as conn:
        log.lock_head(conn)  # no append may slip between reading the head and signing it
        head = log.head(conn)
        note = checkpointer.write(conn, head.size, head.root, time.time())
    print(json.dumps({"ok": True, "size": head.size, "note": note}) if args.json else note, end="")
    if args.json:
        print()
    return 0


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    started = time.monotonic()

    def show(done: int, total: int) -> None:
        if total < PROGRESS_MIN_ENTRIES:
            return
        width = 30
        filled = width * min(done, total) // max(total, 1)
        rate = done / max(time.monotonic() - started, 1e-6)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rverifying [{bar}] {done}/{total} ({rate:,.0f}/s)")
        sys.stderr.flush()

    return show


def _clear_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
