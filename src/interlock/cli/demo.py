"""``interlock demo``: replay public incidents through the gateway and show the answers.

Exits 0 only when every scenario got the outcome it must get, so CI can run it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the ``demo`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="replay public AI-agent incidents through interlock"
    )
    p.add_argument(
        "--dir", metavar="DIR", help="where to keep the scenario databases (default: a temp dir)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Replay, print the table and where to look next; non-zero if any step failed."""
    from interlock.cli.render import table
    from interlock.demo.replay import replay

    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="interlock-demo-"))
    started = time.perf_counter()
    results = replay(workdir)
    for result in results:
        s = result.scenario
        print(f'\n{s.number}. {s.title}\n   the human asked: "{s.task}"')
        rows = [
            (r.actor, r.label, r.outcome, r.why if r.ok else f"EXPECTED OTHERWISE: {r.problem}")
            for r in result.rows
        ]
        print(table(rows, ("who", "what was tried", "interlock", "why")))
    failed = [r for result in results for r in result.rows if not r.ok]
    elapsed = time.perf_counter() - started
    print(
        f"\n{sum(len(r.rows) for r in results) - len(failed)} of "
        f"{sum(len(r.rows) for r in results)} steps answered as they must ({elapsed:.1f} s)."
    )
    print(f"Scenario stores are in {workdir}. To look at one:")
    first = results[0]
    url = f"sqlite:///{first.database}"
    print(f"  INTERLOCK_DATABASE_URL={url} interlock serve    # then open the printed URL")
    print(f"  INTERLOCK_DATABASE_URL={url} interlock requests list")
    print(f"  INTERLOCK_DATABASE_URL={url} interlock audit verify")
    for result in results:
        print(
            f"  scenario {result.scenario.number}: audit log verified, "
            f"{result.audit_entries} entries"
        )
    return 1 if failed else 0
