"""Coverage-guided fuzzing with atheris (libFuzzer) over the same properties.

    python -m tests.fuzz.atheris_main shell|plans|hook [libFuzzer flags, e.g. -runs=100000]

``make fuzz-atheris`` runs each target for ``ATHERIS_RUNS`` inputs. libFuzzer mutates
raw bytes and keeps those that reach new code; each target turns them into its input
kind and applies the judges of the pytest campaigns, so an assertion there is a crash
here (libFuzzer writes the input to ``crash-*`` and stops). An input over the time
limit is run once more, as in ``campaign.py``, before it counts.

atheris is the optional extra ``fuzz`` (``pip install -e '.[fuzz]'``); it is imported
by name so that this module type-checks without it.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from tests.fuzz.campaign import LIMIT

TARGETS = ("shell", "plans", "hook")


def _timed(probe: Callable[[Any], Any], item: Any) -> Any:
    start = time.perf_counter()
    outcome = probe(item)
    if time.perf_counter() - start > LIMIT:
        start = time.perf_counter()
        outcome = probe(item)
        took = time.perf_counter() - start
        if took > LIMIT:
            raise AssertionError(f"took {took * 1000:.0f} ms twice: {item!r:.300}")
    return outcome


def shell_input(data: bytes) -> None:
    """Odd first byte: a destructive line (noise seeded by the bytes) with the bytes after
    a newline; even: the bytes as the command line itself."""
    from tests.fuzz import test_shell as t
    from tests.fuzz.commands import destructive, noisy

    if data[:1] and data[0] % 2:
        rng = random.Random(data[:16])
        line = noisy(rng, rng.choice(destructive())).encode() + b"\n" + data[16:]
        t._never_allowed(line, _timed(t.check, line))
    else:
        t._robust(data[1:], _timed(t.check, data[1:]))


def plans_input(data: bytes) -> None:
    """The first byte picks a corpus seed; the rest is spliced into it (or read alone)."""
    from tests.fuzz import test_plans as t
    from tests.fuzz.plans import seeds

    if len(data) > 2 and data[0] % 4:
        seed = seeds()[data[1] % len(seeds())]
        at = int.from_bytes(data[2:4] or b"\0", "big") % (len(seed) + 1)
        data = seed[:at] + data[4:] + seed[at:]
    plan = (data, "development")
    t._judge(plan, _timed(t.check, plan))


def hook_input(data: bytes) -> None:
    """The bytes on the hook's stdin, offline; or a destructive call seeded by them."""
    from tests.fuzz import test_hook as t
    from tests.fuzz.payloads import Payload, destructive_call

    payload = destructive_call(random.Random(data)) if data[:1] == b"\x01" else Payload(data)
    t._judge_offline(payload, _timed(t.run_hook, payload))


#: Hook modules on the offline path (the rest of ``integrations`` needs the MCP SDK).
_HOOK_MODULES = (
    "hook",
    "gate",
    "calls",
    "claude_code",
    "jsonlite",
    "state",
    "planfile",
    "scriptfile",
    "runners",
    "pkgscripts",
)


def _modules() -> list[str]:
    """Every module the three targets run, imported up front so all are instrumented
    (the readers and tool families are otherwise imported lazily, after the hook)."""
    import pkgutil

    import interlock.classify
    import interlock.policy

    names = [f"interlock.integrations.{m}" for m in _HOOK_MODULES]
    for package in (interlock.classify, interlock.policy):
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return names


def main(argv: list[str]) -> None:
    """Import and instrument interlock, then hand the target to libFuzzer."""
    atheris: Any = importlib.import_module("atheris")
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz.atheris_main {'|'.join(TARGETS)} [libFuzzer flags]")
    target = argv[1]
    home = tempfile.mkdtemp(prefix="interlock-atheris-")
    os.environ.update(XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, INTERLOCK_HOOK_OFFLINE="1")
    for key in ("INTERLOCK_URL", "INTERLOCK_TOKEN", "INTERLOCK_CONFIG", "INTERLOCK_ENV"):
        os.environ.pop(key, None)
    with atheris.instrument_imports(include=["interlock"]):
        for name in _modules():
            importlib.import_module(name)
    one = {"shell": shell_input, "plans": plans_input, "hook": hook_input}[target]
    one(b"")  # load the lazy imports before libFuzzer starts the clock
    atheris.Setup([argv[0], *argv[2:]], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
