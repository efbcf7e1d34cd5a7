"""Commands that hosted-platform CLIs run for the caller, remotely or with the
project's environment.

``heroku run CMD`` starts a one-off dyno and runs CMD there (``run:detached`` too,
``run:inside DYNO CMD`` in a running dyno; Heroku CLI reference, "heroku run");
``fly ssh console -C CMD``, ``fly console -C CMD`` and ``fly machine exec [ID] CMD``
run CMD on a Fly Machine (flyctl reference); ``doctl compute ssh DROPLET
--ssh-command CMD`` on a droplet (doctl reference); ``railway ssh [CMD]`` in a
service's container; ``tsh ssh HOST CMD`` (Teleport), ``mosh HOST -- CMD`` and
``vagrant ssh -c CMD`` as ``ssh`` does. Each CMD is walked as shell in a remote context, as
``classify/clients.py`` does for ``gcloud compute ssh --command``; with no command the
session is a remote shell fed by standard input (``heroku run bash`` names the shell
itself, which the walker then judges). ``railway run CMD`` and ``railway shell`` run
here, only with the project's variables set: CMD is judged as a local command.

The CLI itself stays judged by ``commands/services.py`` (``keep``); finding a command
can only add findings. These launchers live outside ``services.py`` so that the
launcher table (``classify/launchers.py``) imports them without the service family.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from interlock.classify.clients import option_values
from interlock.classify.unwrap import Step, Words, join_words, operand_index
from interlock.classify.words import Word

#: heroku ``run`` options that take a value, short and long (``-a APP``, ``--size``).
_HEROKU_SHORT = "aerst"
_HEROKU_LONG = frozenset({"--app", "--remote", "--size", "--env", "--type", "--dyno"})
#: flyctl ``ssh console``/``console``/``machine exec`` options that take a value.
_FLY_SHORT = "aAcCoruit"
_FLY_LONG = frozenset(
    {"--app", "--address", "--config", "--command", "--org", "--region", "--user"}
    | {"--machine", "--process-group", "--identity-file", "--image", "--timeout"}
    | {"--access-token", "--vm-size", "--vm-cpus", "--vm-memory", "--file"}
)
#: doctl global and ``compute ssh`` options that take a value.
_DOCTL_SHORT = "tcuo"
_DOCTL_LONG = frozenset(
    {"--access-token", "--config", "--context", "--api-url", "--output", "--ssh-user"}
    | {"--ssh-key-path", "--ssh-port", "--ssh-command", "--http-retry-max"}
)
#: railway options that take a value (``-s SERVICE``, ``-e ENVIRONMENT``).
_RAILWAY_SHORT = "sepd"
_RAILWAY_LONG = frozenset(
    {"--service", "--environment", "--project", "--deployment-instance", "--deployment"}
)


def _heroku(words: Words) -> Step | None:
    """``heroku run[:detached] [opts] CMD ...``, ``run:inside DYNO CMD``, ``ps:exec``."""
    at = operand_index(words, 1, _HEROKU_SHORT, _HEROKU_LONG)
    name = words[at][0] if at < len(words) else ""
    if name not in ("run", "run:detached", "run:inside", "ps:exec"):
        return None
    app = _last(option_values(words[1:], "a", "--app", _HEROKU_SHORT)) or "heroku"
    label = f"heroku {name} {app}"
    start = operand_index(words, at + 1, _HEROKU_SHORT, _HEROKU_LONG)
    if name == "run:inside":  # the dyno comes first
        start = operand_index(words, start + 1, _HEROKU_SHORT, _HEROKU_LONG)
    after_dashes = 0 < start <= len(words) and words[start - 1][0] == "--"
    command = words[start:] if after_dashes else _without_app(words[start:])
    if name == "ps:exec" or not command:
        return Step(label, None, remote_host=app, stdin_shell=True, keep=True)
    return Step(label, None, remote_host=app, scripts=(join_words(command),), keep=True)


def _without_app(words: Words) -> Words:
    """The command heroku runs: its words without ``-a APP``/``--app APP``, which
    heroku reads wherever they stand, up to ``--`` (after which all is the command)."""
    kept: list[Word] = []
    j = 0
    while j < len(words):
        value = words[j][0]
        if value == "--":
            return [*kept, *words[j + 1 :]]
        if value in ("-a", "--app"):
            j += 2
            continue
        if not value.startswith(("--app=", "-a=")):
            kept.append(words[j])
        j += 1
    return kept


def _fly(words: Words) -> Step | None:
    """``fly ssh console [-C CMD]``, ``fly console [-C CMD]``, ``fly machine exec [ID]
    CMD``: the command runs on the machine; without one, a remote shell reads stdin."""
    at = _operands(words, _FLY_SHORT, _FLY_LONG, 4)
    path = [words[j][0] for j in at]
    app = _last(option_values(words[1:], "a", "--app", _FLY_SHORT)) or "fly"
    if path[:2] == ["ssh", "console"] or path[:1] == ["console"]:
        commands = option_values(words[1:], "C", "--command", _FLY_SHORT)
        label = f"fly {' '.join(path[: 2 if path[0] == 'ssh' else 1])} {app}"
        if not commands:
            return Step(label, None, remote_host=app, stdin_shell=True, keep=True)
        return Step(label, None, remote_host=app, scripts=tuple(commands), keep=True)
    if path[:1] in (["machine"], ["machines"], ["m"]) and path[1:2] == ["exec"] and path[2:]:
        command = words[at[-1]]  # one argument, after the machine id when there are two
        host = path[2] if len(path) > 3 else app
        label = f"fly machine exec {host}"
        return Step(label, None, remote_host=host, scripts=(command,), keep=True)
    return None


def _doctl(words: Words) -> Step | None:
    """``doctl compute ssh DROPLET [--ssh-command CMD]``: CMD runs on the droplet."""
    path = [words[j][0] for j in _operands(words, _DOCTL_SHORT, _DOCTL_LONG, 3)]
    if path[:2] != ["compute", "ssh"]:
        return None
    droplet = path[2] if len(path) > 2 else "droplet"
    commands = option_values(words[1:], "", "--ssh-command", _DOCTL_SHORT)
    label = f"doctl compute ssh {droplet}"
    if not commands:
        return Step(label, None, remote_host=droplet, stdin_shell=True, keep=True)
    return Step(label, None, remote_host=droplet, scripts=tuple(commands), keep=True)


def _railway(words: Words) -> Step | None:
    """``railway run CMD`` runs CMD here with the project's variables; ``railway
    shell`` is a local shell with them; ``railway ssh [CMD]`` runs in the service."""
    at = operand_index(words, 1, _RAILWAY_SHORT, _RAILWAY_LONG)
    name = words[at][0] if at < len(words) else ""
    start = operand_index(words, at + 1, _RAILWAY_SHORT, _RAILWAY_LONG)
    if name == "run":
        return Step("railway run", tuple(words[start:]), keep=True) if start < len(words) else None
    if name == "shell":
        return Step("railway shell", None, stdin_shell=True, keep=True)
    if name != "ssh":
        return None
    service = _last(option_values(words[1:], "s", "--service", _RAILWAY_SHORT)) or "railway"
    if start >= len(words):
        return Step(f"railway ssh {service}", None, remote_host=service, stdin_shell=True,
                    keep=True)  # fmt: skip
    return Step(f"railway ssh {service}", None, remote_host=service,
                scripts=(join_words(words[start:]),), keep=True)  # fmt: skip


#: ``tsh ssh`` (Teleport) options that take a value.
_TSH_SHORT = "lLpJX"
_TSH_LONG = frozenset(
    {"--login", "--port", "--proxy", "--user", "--cluster", "--jumphost", "--forward"}
    | {"--local", "--option", "--identity", "--request-reason", "--auth", "--format"}
)
#: ``mosh`` options that take a value (``--ssh 'ssh -p 2222'``, ``-p PORT``).
_MOSH_SHORT = "p"
_MOSH_LONG = frozenset({"--ssh", "--port", "--predict", "--server", "--client", "--family"})


def _tsh(words: Words) -> Step | None:
    """``tsh ssh [user@]HOST [CMD ...]``: Teleport's ssh, as ``ssh`` runs CMD there."""
    at = operand_index(words, 1, _TSH_SHORT, _TSH_LONG)
    if at >= len(words) or words[at][0] != "ssh":
        return None
    host_at = operand_index(words, at + 1, _TSH_SHORT, _TSH_LONG)
    return _remote("tsh ssh", words, host_at)


def _mosh(words: Words) -> Step | None:
    """``mosh [opts] HOST [--] [CMD ...]``: the remote shell, or CMD, runs on HOST."""
    host_at = operand_index(words, 1, _MOSH_SHORT, _MOSH_LONG)
    rest = host_at + 1
    if rest < len(words) and words[rest][0] == "--":
        rest += 1
    return _remote("mosh", [*words[: host_at + 1], *words[rest:]], host_at)


def _vagrant(words: Words) -> Step | None:
    """``vagrant ssh [MACHINE] -c CMD``: CMD runs in the virtual machine."""
    at = operand_index(words, 1, "c", frozenset({"--command"}))
    if at >= len(words) or words[at][0] != "ssh":
        return None
    machine = operand_index(words, at + 1, "c", frozenset({"--command"}))
    host = words[machine][0] if machine < len(words) else "vagrant"
    commands = option_values(words[at + 1 :], "c", "--command", "c")
    label = f"vagrant ssh {host}"
    if not commands:
        return Step(label, None, remote_host=host, stdin_shell=True, keep=True)
    return Step(label, None, remote_host=host, scripts=tuple(commands), keep=True)


def _remote(label: str, words: Words, host_at: int) -> Step | None:
    """An ssh-like login: the words after the host are a command run there, joined as
    ssh joins them; with none, the remote shell reads standard input."""
    if host_at >= len(words):
        return None
    host = words[host_at][0].rpartition("@")[2]
    if host_at + 1 >= len(words):
        return Step(f"{label} {host}", None, remote_host=host, stdin_shell=True, keep=True)
    command = join_words(words[host_at + 1 :])
    return Step(f"{label} {host}", None, remote_host=host, scripts=(command,), keep=True)


def _operands(words: Words, short: str, long: frozenset[str], count: int) -> list[int]:
    """Indices of the first ``count`` operands (the command path, then arguments)."""
    found: list[int] = []
    j = 1
    while len(found) < count:
        j = operand_index(words, j, short, long)
        if j >= len(words):
            break
        found.append(j)
        j += 1
    return found


def _last(values: Words) -> str:
    return values[-1][0] if values else ""


#: Program base name -> how to find the command it runs (for ``launchers.LAUNCHERS``).
HOSTED: Mapping[str, Callable[[Words], Step | None]] = {
    "heroku": _heroku,
    "fly": _fly,
    "flyctl": _fly,
    "doctl": _doctl,
    "railway": _railway,
    "tsh": _tsh,
    "mosh": _mosh,
    "vagrant": _vagrant,
}

#: Words without which these CLIs run nothing (for ``launchers.LAUNCH_WORDS``).
HOSTED_WORDS: Mapping[str, frozenset[str]] = {
    "heroku": frozenset({"run", "run:detached", "run:inside", "ps:exec"}),
    **dict.fromkeys(("fly", "flyctl"), frozenset({"console", "exec"})),
    "doctl": frozenset({"ssh"}),
    "railway": frozenset({"run", "shell", "ssh"}),
    "tsh": frozenset({"ssh"}),
    "vagrant": frozenset({"ssh"}),
}
