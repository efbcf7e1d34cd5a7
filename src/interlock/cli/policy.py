"""``interlock policy test|check``: run Rego policies' own examples, or just load them.

``policy test [PATHS]`` first loads the decision policies exactly as the gateway
would (so a missing built-in or a syntax error fails here, in CI, not in
production), then runs every OPA-style ``test_*`` rule (``policy/regotest.py``).
``policy check [PATHS]`` only loads them and lists what each file defines. Without
PATHS both use the ``policies`` of ``--config``. Exit 0 when everything passed, 1
when a test failed, 3 when a policy does not load.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from interlock.errors import InputError


def register(sub: Any) -> None:
    """Add the ``policy`` verb and its ``test`` and ``check`` sub-verbs."""
    p: argparse.ArgumentParser = sub.add_parser("policy", help="test or check Rego policies")
    verbs = p.add_subparsers(dest="policy_verb", metavar="SUBVERB")
    verbs.required = True
    for name, text in (("test", "run the policies' test_* rules"), ("check", "load only")):
        v = verbs.add_parser(name, help=text)
        v.add_argument("paths", nargs="*", metavar="PATH", help=".rego files or directories")
        v.add_argument("--config", metavar="FILE", help="interlock.yaml naming the policies")
        v.add_argument("--json", action="store_true", help="print one JSON object")
        v.set_defaults(run=run_test if name == "test" else run_check)


def _paths(args: argparse.Namespace) -> list[str]:
    if args.paths:
        return list(args.paths)
    from interlock.config import load_config

    configured = list(load_config(args.config).policies)
    if not configured:
        raise InputError("no policies to load", hint="give PATHS, or --config with 'policies'")
    return configured


def run_check(args: argparse.Namespace) -> int:
    """Load the decision policies; list files and their decision rules."""
    from interlock.policy.rego import load_policies

    loaded = load_policies(_paths(args))
    rows = [
        {"file": s.path, "package": s.package, "rules": list(s.decision_rules)}
        for s in loaded.sources
    ]
    if args.json:
        print(json.dumps({"ok": True, "files": rows}))
    else:
        for row in rows:
            rules = ", ".join(row["rules"]) or "no decision rules"
            print(f"ok  {row['file']}  (package {row['package']}: {rules})")
    return 0


def run_test(args: argparse.Namespace) -> int:
    """Load the decision policies, then run every test rule and report each."""
    from interlock.policy.rego import load_policies
    from interlock.policy.regotest import Outcome, run_tests

    paths = _paths(args)
    load_policies(paths)
    results = run_tests(paths)
    failed = sum(r.outcome is not Outcome.PASS for r in results)
    if args.json:
        rows = [
            {
                "test": f"{r.case.package}.{r.case.name}",
                "file": r.case.file,
                "line": r.case.line,
                "outcome": r.outcome.value,
                "detail": r.detail,
            }
            for r in results
        ]
        print(json.dumps({"passed": len(results) - failed, "failed": failed, "tests": rows}))
    else:
        for r in results:
            where = f"{r.case.file}:{r.case.line}"
            detail = f"  ({r.detail})" if r.detail else ""
            print(f"{r.outcome.value.upper():5} {r.case.package}.{r.case.name}  {where}{detail}")
        print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
