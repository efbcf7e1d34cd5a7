"""``interlock exec [--token T] [--env E] -- COMMAND ...``: request, wait, run with a grant.

The command is submitted to the gateway named by ``--url``/``INTERLOCK_URL``; a held
request is waited for (a progress line on stderr per poll, ``--timeout``), and once
approved its grant is consumed and the command runs (never through a shell) with
the environment's credentials from ``--config`` (the gateway's interlock.yaml),
which the command alone sees. Its output is printed with those values redacted, the
end is reported to the gateway (audited), and its exit status is returned.

A command that runs a local script (``bash ./deploy.sh prod``, ``./deploy.sh``,
``python3 tool.py``) or package.json scripts (``npm test``) is submitted with their
code, as the agent hooks submit it (``integrations/scriptfile.py``, ``pkgscripts.py``),
and runs only if the file still holds that code when its turn comes: a script changed
while the request waited runs nothing, and one that cannot be read (too large, not
text) is refused.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

from interlock.errors import DecisionError, InputError


def register(sub: Any) -> None:
    """Add the ``exec`` verb."""
    p: argparse.ArgumentParser = sub.add_parser(
        "exec", help="run a command once it is approved, with scoped credentials"
    )
    p.add_argument("--token", help="your agent token (default: $INTERLOCK_TOKEN)")
    p.add_argument("--url", help="the gateway (default: $INTERLOCK_URL)")
    p.add_argument("--config", metavar="FILE", help="the gateway's interlock.yaml (credentials)")
    p.add_argument("--env", help="the environment the command runs in")
    p.add_argument("--task", help="the human's task the agent is working on")
    p.add_argument("--rationale", help="why the agent wants to do this")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for approval")
    p.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND ARGS ...")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Submit, wait, run with the grant; the command's exit status is returned."""
    from interlock.config import load_config
    from interlock.execute.executor import Executor
    from interlock.integrations.client import GatewayClient
    from interlock.integrations.gate import read_code
    from interlock.integrations.runners import SOURCES

    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise InputError("no command given", hint="interlock exec -- terraform apply plan.tfplan")
    url = args.url or os.environ.get("INTERLOCK_URL")
    if not url:
        raise InputError("no gateway", hint="pass --url or set INTERLOCK_URL")
    client = GatewayClient(url, args.token or os.environ.get("INTERLOCK_TOKEN"))
    executor = Executor(client, load_config(args.config), progress=_progress)
    command = shlex.join(argv)
    script = read_code(command, os.getcwd()) if argv[0] not in SOURCES else None
    if isinstance(script, str):
        raise InputError(f"{script}, so its code cannot be judged; nothing ran")
    found = client.submit(
        "shell",
        command=command if script is None else script.text,
        cwd=os.getcwd(),
        env=args.env,
        task=args.task,
        rationale=args.rationale,
    )
    print(f"{found.get('id')}: {found.get('decision')} ({found.get('status')})", file=sys.stderr)
    if found.get("status") == "pending":
        found = executor.wait(str(found.get("id")), timeout=args.timeout)
    if found.get("status") != "approved":
        raise DecisionError(
            f"request {found.get('id')} is {found.get('status')}; nothing ran",
            hint=str(found.get("url") or "") or None,
        )
    if script is not None and not script.unchanged():
        raise DecisionError(
            f"{script.path} changed after request {found.get('id')} read it; nothing ran",
            hint="run it again to have the script as it is now decided",
        )
    result = executor.run_granted(found, argv, environment=args.env, cwd=os.getcwd())
    sys.stdout.write(result.output)
    return result.exit_status


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
