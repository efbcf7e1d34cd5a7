"""``interlock keys generate|rotate|show``: the Ed25519 key that signs audit checkpoints.

The private key stays in ``.interlock/audit.key`` (mode 0600, or the file named by
``INTERLOCK_AUDIT_KEY``); every public verifier key ever used is listed in
``audit.pub`` beside it, which is what the server publishes and ``audit verify``
trusts. A rotation is itself recorded in the audit log, in the same transaction as a
checkpoint signed by the new key, so the log says when its key changed.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from interlock.errors import InputError


def register(sub: Any) -> None:
    """Add the ``keys`` verb and its actions."""
    p: argparse.ArgumentParser = sub.add_parser("keys", help="manage the audit signing key")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    gen = actions.add_parser("generate", help="create the signing key (refuses to overwrite)")
    gen.add_argument("--name", default=None, help="the log's origin / key name")
    rot = actions.add_parser("rotate", help="replace the signing key; old checkpoints stay valid")
    show = actions.add_parser("show", help="print the public verifier keys")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    for action in (gen, rot, show):
        action.add_argument("--dir", type=Path, default=None, help="key directory (.interlock)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    handlers = {"generate": _generate, "rotate": _rotate, "show": _show}
    return handlers[args.action](args)


def _generate(args: argparse.Namespace) -> int:
    from interlock.audit import keys

    path = keys.key_path(args.dir)
    signer = keys.generate(args.name or keys.DEFAULT_NAME)
    keys.write_signer(path, signer, replace=False)
    keys.add_verifier_key(path.with_name(keys.PUB_FILE), signer)
    print(f"signing key written to {path} (mode 600)")
    print(f"verifier key: {signer.verifier_key()}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from interlock.audit import keys, log
    from interlock.audit.checkpoint import Checkpointer
    from interlock.store import open_store

    path = keys.key_path(args.dir)
    if not path.exists():
        raise InputError(f"no signing key at {path}", hint="interlock keys generate")
    old = keys.load_signer(path)
    new = keys.generate(old.name)
    body = {"old_key": old.verifier_key(), "new_key": new.verifier_key()}
    with open_store() as store, store.transaction() as conn:
        log.append(conn, "audit-key-rotated", None, body, checkpointer="off")  # locks the head
        head = log.head(conn)
        Checkpointer(new).write(conn, head.size, head.root, time.time())
        keys.add_verifier_key(path.with_name(keys.PUB_FILE), new)
        keys.write_signer(path, new, replace=True)
    print(f"rotated: {old.name}+{old.key_id.hex()} -> {new.name}+{new.key_id.hex()}")
    print(f"verifier key: {new.verifier_key()}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from interlock.audit import keys

    path = keys.key_path(args.dir)
    published = keys.read_verifier_keys(path.with_name(keys.PUB_FILE))
    current = keys.load_signer(path).verifier_key() if path.exists() else None
    if args.json:
        print(json.dumps({"key_file": str(path), "current": current, "verifier_keys": published}))
        return 0
    if not published and current is None:
        raise InputError(f"no audit keys under {path.parent}", hint="interlock keys generate")
    for key in published:
        print(f"{key}{'  (current)' if key == current else ''}")
    return 0
