"""``/api/v1/audit``: the log's signed checkpoint, inclusion proofs and verifier key.

Anyone holding a token can check that an entry is in the log a signed checkpoint
commits to (RFC 6962 proofs, C2SP checkpoints; see ``interlock.audit``). Reads use
the store's read-only snapshots and never block writers.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse

from interlock.errors import NotFoundError
from interlock.identity.access import Authenticated
from interlock.server.auth import caller
from interlock.server.gateway import Gateway, current_gateway
from interlock.server.responses import ProofOut, documented

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Gw = Annotated[Gateway, Depends(current_gateway)]
Caller = Annotated[Authenticated, Depends(caller)]

#: Largest index or tree size a caller may name (the column is 64-bit).
MAX_INDEX = 2**62


@router.get("/checkpoint", response_class=PlainTextResponse, summary="latest signed checkpoint")
def checkpoint(gw: Gw, _: Caller) -> PlainTextResponse:
    """The newest checkpoint as a C2SP signed note."""
    from interlock.audit.proofs import latest_checkpoint

    with gw.store.read_transaction() as conn:
        found = latest_checkpoint(conn)
    if found is None:
        raise NotFoundError("no signed checkpoint yet", hint="interlock keys generate")
    return PlainTextResponse(found[1])


@router.get(
    "/entries/{index}/proof",
    summary="inclusion proof of one entry",
    response_model=None,
    responses=documented(ProofOut),
)
def proof(
    gw: Gw,
    _: Caller,
    index: Annotated[int, Path(ge=0, le=MAX_INDEX)],
    size: Annotated[int | None, Query(ge=1, le=MAX_INDEX)] = None,
) -> dict[str, Any]:
    """Entry ``index`` in the tree of ``size`` (default: the latest checkpoint's)."""
    from interlock.audit import log
    from interlock.audit.proofs import prove_inclusion

    with gw.store.read_transaction() as conn:
        head = log.head(conn).size
        if size is not None and size > head:
            raise NotFoundError(f"the log has {head} entries, not {size}")
        found = prove_inclusion(conn, index, size)
    return {
        "index": found.index,
        "tree_size": found.size,
        "entry": found.entry.decode("utf-8"),
        "leaf_hash": _b64(found.leaf_hash),
        "root_hash": _b64(found.root),
        "path": [_b64(h) for h in found.path],
        "checkpoint": found.checkpoint,
    }


@router.get("/key", response_class=PlainTextResponse, summary="the log's verifier key")
def key(_: Caller) -> PlainTextResponse:
    """The verifier key (C2SP signed-note form) that checks this log's checkpoints."""
    from interlock.audit.checkpoint import default_checkpointer

    checkpointer = default_checkpointer()
    if checkpointer is None:
        raise NotFoundError("this server signs no checkpoints", hint="interlock keys generate")
    return PlainTextResponse(checkpointer.signer.verifier_key() + "\n")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
