"""``interlock check``: classify an action and print the assessment and decision.

Works offline on the configuration alone: no server, no store. ``--batch`` reads one
JSON object a line and writes one a line in the same order; a bad line gets an
``{"error": ...}`` object and the exit status reports it, the other lines go on.
``--read-scripts`` reads the script or package.json scripts a command runs, from
``--cwd`` or the current directory, as the agent hooks do (``integrations/
scriptfile.py``), so what a hook would decide can be tried from a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from interlock.errors import InputError, InterlockError

#: What ``make run`` shows before the gateway exists: a few everyday and a few
#: incident-shaped commands.
DEMO_COMMANDS: tuple[tuple[str, str | None], ...] = (
    ("git status && pytest -q", None),
    ("rm -rf ./build", None),
    ("aws s3 ls s3://ledger-archive --profile prod", None),
    ("kubectl --context prod-eu delete namespace payments", None),
    ("r''m -rf ~/", None),
    ("echo cm0gLXJmIC8= | base64 -d | sh", None),
    ("terraform destroy -auto-approve", "production"),
    ("git push --force origin main", None),
    ("psql -h db.prod.internal -c 'DROP TABLE invoices'", None),
    ("vim .claude/settings.json", None),
)


def register(sub: Any) -> None:
    """Add the ``check`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "check", help="classify a command or plan and print the decision"
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--command", help="the command line to check, as one string")
    what.add_argument("--plan", metavar="FILE", help="a plan file (Terraform JSON, ...)")
    what.add_argument("--batch", metavar="FILE", help="JSON lines in, JSON lines out ('-' = stdin)")
    what.add_argument("--demo", action="store_true", help="check a built-in list of examples")
    p.add_argument("--env", help="the environment the action runs in")
    p.add_argument("--cwd", help="the directory the command runs in")
    p.add_argument("--config", metavar="FILE", help="interlock.yaml (default: built-in)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--read-scripts",
        action="store_true",
        help="judge a script or package.json script the command runs by its code, as hooks do",
    )
    p.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND ...")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``check``; exit 0 when the action was checked, whatever the decision."""
    from interlock.config import load_config

    config = load_config(args.config)
    if args.batch:
        return _batch(args.batch, config, args.env, sys.stdout)
    if args.demo:
        return _demo(config, args.env)
    action = _action_from_args(args)
    assessment, decision = _check(action, config)
    from interlock.cli import render

    if args.json:
        import json  # only here and in ``--batch``: a plain check does without

        print(json.dumps(render.decision_json(assessment, decision)))
    else:
        print(render.decision_text(assessment, decision))
    return 0


def _action_from_args(args: argparse.Namespace) -> Any:
    from interlock.models import Action, ActionKind, Target

    target = Target(cwd=args.cwd, environment=args.env)
    if args.plan:
        return Action(ActionKind.TERRAFORM_PLAN, _read_plan(args.plan), target)
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if args.command is not None:
        text = args.command
    elif argv:
        text = " ".join(argv) if len(argv) > 1 else argv[0]
    else:
        raise InputError("nothing to check", hint="interlock check -- COMMAND, or --command")
    if args.read_scripts:
        text = _with_scripts(text, args.cwd)
    return Action(ActionKind.SHELL, text, target)


def _with_scripts(text: str, cwd: str | None) -> str:
    """``text`` with the code of the script it runs, as the hooks submit it; a script
    that runs but cannot be read is refused, as the hooks ask about it."""
    import os

    from interlock.integrations.gate import read_code

    found = read_code(text, cwd or os.getcwd())
    if isinstance(found, str):
        raise InputError(f"{found}, so its code cannot be judged; an agent hook asks about it")
    return text if found is None else found.text


def _read_plan(path: str) -> bytes:
    from pathlib import Path

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read plan {path}: {exc.strerror}") from exc


def _check(action: Any, config: Any) -> tuple[Any, Any]:
    from interlock.classify import assess
    from interlock.policy import decide

    assessment = assess(action, config)
    return assessment, decide(assessment, config)


def _batch(path: str, config: Any, env: str | None, out: TextIO) -> int:
    """One output line per input line; failures are reported per line, never dropped."""
    import json

    from interlock.cli import render
    from interlock.models import Action, ActionKind, Target

    failed = 0
    for line in _lines(path):
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise InputError("each line must be a JSON object")
            target = Target(cwd=_opt_str(item, "cwd"), environment=_opt_str(item, "env") or env)
            if "plan" in item:
                plan = _opt_str(item, "plan") or ""
                action = Action(ActionKind.TERRAFORM_PLAN, _read_plan(plan), target)
            else:
                command = item.get("command")
                if not isinstance(command, str):
                    raise InputError('a line needs "command" (a string) or "plan" (a path)')
                action = Action(ActionKind.SHELL, command, target)
            assessment, decision = _check(action, config)
            result: dict[str, Any] = render.decision_json(assessment, decision)
        except json.JSONDecodeError as exc:
            failed += 1
            result = {"error": f"not JSON: {exc.msg} at column {exc.colno}"}
        except InterlockError as exc:
            failed += 1
            result = {"error": exc.message}
        out.write(json.dumps(result) + "\n")
    return 1 if failed else 0


def _opt_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f'"{key}" must be a string')
    return value


def _lines(path: str) -> Iterator[str]:
    stream = sys.stdin if path == "-" else _open(path)
    try:
        for raw in stream:
            if raw.strip():
                yield raw
    finally:
        if stream is not sys.stdin:
            stream.close()


def _open(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _demo(config: Any, env: str | None) -> int:
    from interlock.cli import render
    from interlock.models import Action, ActionKind, Target

    rows = []
    for command, demo_env in DEMO_COMMANDS:
        action = Action(ActionKind.SHELL, command, Target(environment=demo_env or env))
        _, decision = _check(action, config)
        why = decision.reasons[0].message if decision.reasons else "read-only or workspace-local"
        rows.append((command, decision.verdict.value, str(decision.required_approvals), why))
    print(render.table(rows, ("command", "decision", "approvals", "why")))
    return 0
