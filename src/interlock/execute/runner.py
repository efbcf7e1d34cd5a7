"""Run one approved process with its injected credentials and return what it printed.

The child's environment is the gateway's, minus interlock's own variables (the
agent's token, the gateway URL), plus the environment's credentials. Output is
captured (stdout and stderr interleaved), hashed as produced (the audit keeps that
hash), and returned with every injected secret value replaced by ``[redacted]``, so
nothing that reaches the agent or the log carries a credential. A run past its
timeout is killed and reported as failed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interlock.execute.credentials import Injected

#: Variables of interlock itself that an executed process never inherits.
STRIPPED: tuple[str, ...] = ("INTERLOCK_TOKEN", "INTERLOCK_URL", "INTERLOCK_DATABASE_URL")

#: How much output is kept for the agent and for the audit excerpt.
MAX_OUTPUT_CHARS = 64_000
EXCERPT_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended: exit status, redacted output and the raw output's SHA-256."""

    exit_status: int
    output: str
    output_sha256: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Whether the process exited 0 in time."""
        return self.exit_status == 0 and not self.timed_out

    @property
    def excerpt(self) -> str:
        """The end of the (redacted) output, for the audit record."""
        return self.output[-EXCERPT_CHARS:]


def child_environment(injected: Injected, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the executed process."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if k not in STRIPPED}
    env.update(injected.env)
    return env


def run(
    argv: Sequence[str],
    injected: Injected,
    *,
    cwd: str | None = None,
    timeout: float = 3600.0,
) -> RunResult:
    """Run ``argv`` (never through a shell) and return its redacted result."""
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=child_environment(injected),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raw = exc.output or b""
        return _result(124, raw, injected, timed_out=True)
    except OSError as exc:
        return _result(127, f"cannot run {argv[0]}: {exc.strerror}\n".encode(), injected)
    return _result(done.returncode, done.stdout, injected)


def _result(code: int, raw: bytes, injected: Injected, *, timed_out: bool = False) -> RunResult:
    text = redact(raw.decode("utf-8", "replace"), injected.secrets)
    return RunResult(code, text[-MAX_OUTPUT_CHARS:], hashlib.sha256(raw).hexdigest(), timed_out)


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret value replaced, longest first."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
