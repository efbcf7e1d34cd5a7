"""The commands go-task (``task``) would run, so the gate judges what a task does.

``task deploy`` is to a Taskfile what ``make deploy`` is to a Makefile: an agent may
write the file as freely as a script. For a ``task`` command the hook finds the
Taskfile task would read (``--taskfile``, else ``Taskfile.yml`` and its other names,
searched upward from ``--dir`` or the working directory) and the Taskfiles it
includes, and submits what the named tasks (or ``default``) run with their ``deps``
and the tasks their ``cmds`` call: every ``cmds`` entry, ``defer``, ``preconditions``
and ``status`` command as the ``sh -c '…'`` task's shell runs, behind a ``cd`` to a
task's ``dir``, plus every ``sh:`` variable (task runs those while loading), as
``makefile`` does.

Templates (``{{.NAME}}``) of variables set to a plain string are expanded; anything
else (``CLI_ARGS``, a ``for`` item, a function, a variable from the environment) is a
value computed when task runs (``recipes.DYNAMIC``). What the hook cannot follow (a
Taskfile that is not the YAML task reads, a shape of entry it does not know, an
option it does not know, a remote include) gives why, and the gate asks the
operator. A ``task`` command that names no task of the Taskfile runs nothing (task
refuses the whole line), so it is judged as written: Taskwarrior's ``task add`` stays
what it is.
"""

from __future__ import annotations

import re

from interlock.integrations.recipes import (
    DYNAMIC,
    Unfollowed,
    nearest,
    placed,
    read_task_file,
    recipes_script,
    runner_line,
)
from interlock.integrations.runners import TASKS
from interlock.integrations.scriptfile import Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

#: Names task looks for, in its order.
NAMES = (
    "Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml",
    "Taskfile.dist.yml", "taskfile.dist.yml", "Taskfile.dist.yaml", "taskfile.dist.yaml",
)  # fmt: skip
#: Options that take the next word (or ``=value``).
_VALUED = frozenset(
    {"-t", "--taskfile", "-d", "--dir", "-C", "--concurrency", "-o", "--output",
     "--output-group-begin", "--output-group-end", "-I", "--interval", "--sort"}
)  # fmt: skip
#: Options that only change how task reports or runs.
_FLAGS = frozenset(
    {"-f", "--force", "-s", "--silent", "-v", "--verbose", "-p", "--parallel", "-n", "--dry",
     "-y", "--yes", "-x", "--exit-code", "--color", "--no-color", "-w", "--watch", "-g",
     "--global", "--output-group-error-only", "--insecure", "--experiments", "-c"}
)  # fmt: skip
#: Options after which task runs no command.
_ANSWERS = frozenset(
    {"-l", "--list", "-a", "--list-all", "--summary", "-i", "--init", "--version", "-h",
     "--help", "--completion", "-j", "--json"}
)  # fmt: skip
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_VARIABLE = re.compile(r"^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


def read_task_line(text: str, cwd: str | None) -> Script | str | None:
    """``read_task`` of a line that is one ``task`` command of literal words."""
    return runner_line(text, cwd, TASKS, read_task)


def read_task(argv: Sequence[str], cwd: str | None, ran: str) -> Script | str | None:
    """What ``argv`` (a ``task`` command) would run, written ``ran`` on the line, in
    ``cwd``; why it cannot be read with certainty; ``None`` where task runs nothing."""
    import os

    try:
        asked = _arguments(argv)
        if asked is None:
            return None
        goals, variables, options = asked
        start = os.path.join(cwd or os.curdir, options.get("dir", ""))
        path = options.get("taskfile")
        path = os.path.join(start, path) if path else _find(start)
        if path is None or not os.path.isfile(path):
            return None
        tasks = _Tasks(variables)
        tasks.read(path, "")
        return tasks.script(goals or ["default"], ran, cwd)
    except Unfollowed as why:
        return str(why)


def _arguments(
    argv: Sequence[str],
) -> tuple[list[str], dict[str, str], dict[str, str]] | None:
    """The tasks, ``NAME=value`` variables and options of a ``task`` command line;
    ``None`` when it runs no task (a listing, ``--init`` …)."""
    goals: list[str] = []
    variables: dict[str, str] = {}
    options: dict[str, str] = {}
    at = 1
    while at < len(argv):
        word = argv[at]
        at += 1
        name, equals, value = word.partition("=")
        if word == "--":
            variables["CLI_ARGS"] = DYNAMIC
            break
        if word in _ANSWERS:
            return None
        if name in _VALUED:
            if not equals:
                value, at = (argv[at] if at < len(argv) else ""), at + 1
            if name in ("-t", "--taskfile"):
                options["taskfile"] = value
            elif name in ("-d", "--dir"):
                options["dir"] = value
        elif word.startswith("-"):
            if name not in _FLAGS:
                raise Unfollowed(f"task runs with {word}, an option interlock does not follow")
        elif equals and name.isidentifier():
            variables[name] = value
        else:
            goals.append(word)
    return goals, variables, options


def _find(start: str) -> str | None:
    """The Taskfile task reads in ``start`` or the nearest folder above."""
    return nearest(start, _find_here)


class _Tasks:
    """The Taskfiles as read: tasks by their full name, with the folder of the file
    defining each; plain variables; the ``sh:`` commands run while loading."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.tasks: dict[str, tuple[Any, str]] = {}
        self.variables = dict(variables)
        self.given = set(variables)
        self.loading: list[tuple[str, str]] = []
        self.files: list[Script] = []
        self.main = ""  # the folder of the Taskfile task was started on

    def read(self, path: str, namespace: str) -> None:
        import os

        import yaml

        text = read_task_file(path, path, self.files, "task")
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise Unfollowed(f"{path} is not YAML task reads ({exc.__class__.__name__})") from None
        if not isinstance(document, dict):
            raise Unfollowed(f"{path} is not a Taskfile")
        folder = os.path.dirname(os.path.abspath(path))
        self.main = self.main or folder
        self._variables(document.get("vars"), folder)
        self._variables(document.get("env"), folder)
        tasks = document.get("tasks") or {}
        if not isinstance(tasks, dict):
            raise Unfollowed(f"{path}'s tasks are not a mapping")
        for name, task in tasks.items():
            self.tasks[f"{namespace}{name}"] = (task, folder)
            aliases = task.get("aliases") if isinstance(task, dict) else None
            for alias in aliases if isinstance(aliases, list) else []:
                self.tasks[f"{namespace}{alias}"] = (task, folder)
        includes = document.get("includes") or {}
        if not isinstance(includes, dict):
            raise Unfollowed(f"{path}'s includes are not a mapping")
        for name, include in includes.items():
            self._include(str(name), include, folder, namespace)

    def _include(self, name: str, include: object, folder: str, namespace: str) -> None:
        import os

        optional = False
        if isinstance(include, dict):
            optional = bool(include.get("optional"))
            include = include.get("taskfile")
        if not isinstance(include, str) or "://" in include:
            raise Unfollowed(f"a Taskfile includes {include!r}, which interlock does not read")
        target = os.path.join(folder, self._expanded(include))
        if os.path.isdir(target):
            target = _find_here(target) or target
        if not os.path.isfile(target):
            if optional:
                return
            raise Unfollowed(f"a Taskfile includes {include}, which is not there")
        self.read(target, f"{namespace}{name}:")

    def _variables(self, values: object, folder: str) -> None:
        if not isinstance(values, dict):
            return
        for name, value in values.items():
            if name in self.given:
                continue
            if isinstance(value, dict) and isinstance(value.get("sh"), str):
                self.loading.append((self._expanded(value["sh"]), folder))
                self.variables[str(name)] = DYNAMIC
            elif isinstance(value, str | int | float | bool):
                self.variables[str(name)] = self._expanded(str(value))
            else:
                self.variables[str(name)] = DYNAMIC

    def _expanded(self, text: str) -> str:
        def value(found: re.Match[str]) -> str:
            name = _VARIABLE.match(found.group(1))
            if name and name.group(1) in self.variables:
                return self.variables[name.group(1)]
            return DYNAMIC

        return _TEMPLATE.sub(value, text)

    def script(self, goals: list[str], ran: str, cwd: str | None) -> Script | str | None:
        import os

        if any(goal not in self.tasks for goal in goals):
            return None  # task refuses the line: nothing runs
        lines = [self._line(command, folder) for command, folder in self.loading]
        seen: set[str] = set()
        wanted = list(goals)
        while wanted:
            name = wanted.pop(0)
            if name in seen:
                continue
            seen.add(name)
            if name not in self.tasks:
                raise Unfollowed(f"a task calls {name}, which is not there")
            task, folder = self.tasks[name]
            commands, called = self._task(name, task, folder)
            lines += commands
            wanted += called
        here = os.path.realpath(cwd or os.curdir) == os.path.realpath(self.main)
        directory = "" if here else self.main
        return recipes_script("task", lines, self.files, directory=directory, ran=ran, cwd=cwd)

    def _task(self, name: str, task: object, folder: str) -> tuple[list[str], list[str]]:
        """The shell lines of one task and the tasks it runs (``deps``, ``task:``)."""
        import os

        if isinstance(task, str):
            task = {"cmds": [task]}
        elif isinstance(task, list):
            task = {"cmds": task}
        if not isinstance(task, dict):
            raise Unfollowed(f"task {name} is not a shape interlock reads")
        where = folder
        if "dir" in task:
            if not isinstance(task["dir"], str):
                raise Unfollowed(f"task {name} runs in a dir interlock cannot name")
            where = os.path.join(folder, self._expanded(task["dir"]))
        self._variables(task.get("vars"), folder)
        self._variables(task.get("env"), folder)
        lines: list[str] = []
        called: list[str] = []
        prefix = name.rpartition(":")[0]
        for entry in _entries(task.get("deps")):
            called.append(_called(entry, prefix, name))
        for key in ("preconditions", "status", "cmds"):
            for entry in _entries(task.get(key)):
                if isinstance(entry, dict) and "task" in entry:
                    called.append(_called(entry, prefix, name))
                    continue
                command = entry.get("cmd", entry.get("sh")) if isinstance(entry, dict) else entry
                if isinstance(entry, dict) and "defer" in entry:
                    command = entry["defer"]
                    if isinstance(command, dict):
                        called.append(_called(command, prefix, name))
                        continue
                if not isinstance(command, str):
                    raise Unfollowed(f"task {name} has a {key} entry interlock does not read")
                lines.append(self._line(self._expanded(command), where))
        return lines, called

    def _line(self, command: str, folder: str) -> str:
        """``command`` as the shell line task runs, in ``folder``."""
        import os
        import shlex

        line = f"sh -c {shlex.quote(placed(command))}"
        if os.path.realpath(folder) == os.path.realpath(self.main):
            return line
        return f"( cd {shlex.quote(folder)} && {line} )"


def _entries(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _called(entry: object, prefix: str, caller: str) -> str:
    """The full name of a task a ``deps`` or ``task:`` entry runs (``:x`` is a root
    task, others are in the caller's namespace)."""
    name = entry.get("task") if isinstance(entry, dict) else entry
    if not isinstance(name, str):
        raise Unfollowed(f"task {caller} calls a task interlock cannot name")
    if name.startswith(":"):
        return name[1:]
    return f"{prefix}:{name}" if prefix else name


def _find_here(folder: str) -> str | None:
    import os

    for name in NAMES:
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None
