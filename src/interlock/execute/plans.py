"""Plan files kept content-addressed, so that what is applied is what was approved.

``terraform plan -out=FILE`` (or ``tofu``) writes a binary plan; ``show -json FILE``
renders it for classification. Both are stored under their SHA-256
(``<root>/sha256/<hex>.tfplan`` and ``.json``), and the JSON submitted for approval
carries the binary's hash in ``interlock_plan_file.sha256``, so the request's digest
(which covers the JSON's bytes) also binds the exact binary file. ``apply`` then runs
``terraform apply -input=false <that file>`` after re-hashing it: never a re-plan, and
a file changed on disk after approval is refused, not applied.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from interlock.errors import GrantRefusedError, InputError, PlanFormatError
from interlock.execute.credentials import Injected
from interlock.execute.runner import RunResult, run

#: The key of the submitted plan JSON that binds the binary plan file.
BINDING_KEY = "interlock_plan_file"


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A stored plan: the binary's hash and the JSON submitted for approval."""

    plan_sha256: str
    document: bytes
    output: str


class PlanStore:
    """Plan files by SHA-256 under one directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root) / "sha256"

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` (idempotent) and return its hex SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.root / f"{sha}{suffix}"
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=self.root)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        return sha

    def path_of(self, sha: str, suffix: str = ".tfplan") -> Path:
        """The stored file of ``sha``, re-hashed; a missing or changed file is refused."""
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise InputError(f"not a plan id: {sha!r}")
        path = self.root / f"{sha}{suffix}"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"no stored plan {sha[:16]}: {exc.strerror}") from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise GrantRefusedError(f"stored plan {sha[:16]} changed on disk; not applied")
        return path

    def meta_of(self, sha: str) -> dict[str, str]:
        """What was recorded with plan ``sha``: its document's hash and its directory."""
        try:
            meta = json.loads((self.root / f"{sha}.meta.json").read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"no stored plan {sha[:16]}") from exc
        return {"document": str(meta["document"]), "directory": str(meta["directory"])}

    def document_of(self, sha: str) -> bytes:
        """The JSON submitted for plan ``sha`` (re-hashed like the plan itself)."""
        return self.path_of(self.meta_of(sha)["document"], ".json").read_bytes()


def make_plan(
    binary: str, workdir: str, injected: Injected, store: PlanStore, *, timeout: float = 1800
) -> PlannedFile:
    """Run ``plan -out`` and ``show -json`` in ``workdir``; store both, bound together."""
    with tempfile.TemporaryDirectory(prefix="interlock-plan-") as tmp:
        out = os.path.join(tmp, "plan.tfplan")
        planned = run(
            [binary, "plan", "-input=false", f"-out={out}"], injected, cwd=workdir, timeout=timeout
        )
        _check(planned, "plan")
        shown = run([binary, "show", "-json", out], injected, cwd=workdir, timeout=timeout)
        _check(shown, "show -json")
        plan_sha = store.put(Path(out).read_bytes(), ".tfplan")
    document = bind(shown.output.encode("utf-8"), plan_sha)
    json_sha = store.put(document, ".json")
    meta = {"document": json_sha, "directory": os.path.abspath(workdir)}
    (store.root / f"{plan_sha}.meta.json").write_text(json.dumps(meta))
    return PlannedFile(plan_sha, document, planned.output)


def bind(plan_json: bytes, plan_sha: str) -> bytes:
    """The plan JSON with the binary plan's hash added under ``BINDING_KEY``."""
    try:
        doc = json.loads(plan_json)
    except ValueError as exc:
        raise PlanFormatError(f"`show -json` did not print JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise PlanFormatError("`show -json` printed JSON that is not an object")
    doc[BINDING_KEY] = {"sha256": plan_sha}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def bound_sha(document: bytes) -> str:
    """The binary plan hash a submitted JSON binds."""
    try:
        return str(json.loads(document)[BINDING_KEY]["sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PlanFormatError("the plan document binds no plan file") from exc


def apply_argv(binary: str, path: Path) -> list[str]:
    """``<binary> apply -input=false <file>``: a saved plan applies without re-planning."""
    return [binary, "apply", "-input=false", str(path)]


def _check(result: RunResult, what: str) -> None:
    if not result.ok:
        raise InputError(f"`{what}` failed (exit {result.exit_status}): {result.excerpt[-500:]}")
