"""The recipes ``just`` would run, so the gate judges what a task does.

``just deploy`` is to a justfile what ``make deploy`` is to a Makefile: an agent may
write the file as freely as a script, and the classifier alone takes ``just`` for a
local tool. For a ``just`` command the hook finds the justfile just would read
(``--justfile``, else ``justfile`` or ``.justfile`` in any case, searched upward from
the working directory) and the files it ``import``s, and submits the recipes the
command runs (the named recipes, or the first one, with their dependencies) the way
``makefile`` does: each line as ``sh -cu '…'`` (or the ``set shell`` when it is a
shell), a recipe starting with ``#!`` as its whole body fed to that interpreter, and
every backtick the file evaluates while loading, in the justfile's folder.

Interpolations (``{{name}}``) of variables set to a string are expanded; anything
else (a recipe's parameters, an expression, a function call, an environment
variable) is a value computed when just runs, which the classifier holds in a
program's place and judges as an argument elsewhere (``recipes.DYNAMIC``). What the
hook cannot follow (``--command``, ``--shell``, ``mod``, a ``set shell`` that is not
a shell, a shebang interlock does not read, an option it does not know) gives why,
and the gate asks the operator. Standard library only.
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
from interlock.integrations.runners import JUSTS, SHELLS
from interlock.integrations.scriptfile import Script, shebang_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Options of just that take the next word (or ``=value``).
_VALUED = frozenset(
    {"-f", "--justfile", "-d", "--working-directory", "--color", "--dump-format",
     "--list-heading", "--list-prefix", "--chooser", "--dotenv-filename", "--dotenv-path",
     "-E", "--timestamp-format", "--list-submodules"}
)  # fmt: skip
#: Options of just that only change how it reports or runs.
_FLAGS = frozenset(
    {"-n", "--dry-run", "-q", "--quiet", "-v", "--verbose", "--yes", "--highlight",
     "--no-highlight", "--no-dotenv", "--unsorted", "-u", "--unstable", "--timestamp",
     "--check", "--no-deps", "--one"}
)  # fmt: skip
#: Options after which just runs no recipe (a listing, the version …).
_ANSWERS = frozenset(
    {"-l", "--list", "--summary", "--show", "-s", "--evaluate", "--dump", "--fmt", "--version",
     "-V", "--help", "-h", "--variables", "--groups", "--completions", "--init", "--man"}
)  # fmt: skip
_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*(.*)$")
_RECIPE = re.compile(r"^@?([A-Za-z_][A-Za-z0-9_-]*)\b([^:]*):(?!=)(.*)$")
_STRING = re.compile(r"""^(?:'([^']*)'|"((?:[^"\\]|\\.)*)")$""")
_INTERPOLATION = re.compile(r"\{\{(.*?)\}\}")


def read_just_line(text: str, cwd: str | None) -> Script | str | None:
    """``read_just`` of a line that is one ``just`` command of literal words."""
    return runner_line(text, cwd, JUSTS, read_just)


def read_just(argv: Sequence[str], cwd: str | None, ran: str) -> Script | str | None:
    """The recipes ``argv`` (a ``just`` command) would run, written ``ran`` on the
    line, in ``cwd``; why they cannot be read with certainty; ``None`` where just runs
    none (a listing) or would find no justfile. ``OSError`` where one cannot be read."""
    import os

    try:
        options, words = _arguments(argv)
        if options is None:
            return None
        path = options.get("justfile") or _find(cwd or os.curdir)
        if path is None:
            return None
        if cwd and not os.path.isabs(path):
            path = os.path.join(cwd, path)
        just = _Just()
        just.read(path)
        return just.script(words, options, ran, cwd)
    except Unfollowed as why:
        return str(why)


def _arguments(argv: Sequence[str]) -> tuple[dict[str, str] | None, list[str]]:
    """just's options (``None`` when it runs no recipe) and its other words."""
    options: dict[str, str] = {}
    words: list[str] = []
    at = 1
    while at < len(argv):
        word = argv[at]
        at += 1
        name, equals, value = word.partition("=")
        if word == "--":
            words += argv[at:]
            break
        if word in _ANSWERS:
            return None, []
        if word in ("-c", "--command", "--shell", "--shell-arg", "--shell-command", "--set"):
            raise Unfollowed(f"just runs with {word}, which interlock does not follow")
        if name in _VALUED:
            if not equals:
                value, at = (argv[at] if at < len(argv) else ""), at + 1
            if name in ("-f", "--justfile"):
                options["justfile"] = value
            elif name in ("-d", "--working-directory"):
                options["directory"] = value
        elif word.startswith("-"):
            if word not in _FLAGS:
                raise Unfollowed(f"just runs with {word}, an option interlock does not follow")
        else:
            words.append(word)
    return options, words


def _find(start: str) -> str | None:
    """The justfile just reads: ``justfile`` or ``.justfile``, in any case, in
    ``start`` or the nearest folder above."""
    return nearest(start, _justfile_in)


def _justfile_in(folder: str) -> str | None:
    import os

    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    found = next((n for n in names if n.lower() in ("justfile", ".justfile")), None)
    return os.path.join(folder, found) if found else None


class _Recipe:
    __slots__ = ("body", "dependencies", "name", "parameters", "script")

    def __init__(self, name: str, parameters: list[str], dependencies: list[str]) -> None:
        self.name, self.parameters, self.dependencies = name, parameters, dependencies
        self.body: list[str] = []
        #: ``[script]`` or ``[script("python3")]``: the whole body is one script run by
        #: that interpreter (``sh -eu`` when none is named), as a shebang would.
        self.script: str | None = None


class _Just:
    """The justfile as read: its recipes, variables, shell and the files read."""

    def __init__(self) -> None:
        self.recipes: dict[str, _Recipe] = {}
        self.order: list[str] = []
        self.variables: dict[str, str] = {}
        self.backticks: list[str] = []
        self.shell: list[str] = ["sh", "-cu"]
        self.files: list[Script] = []
        self.folder = ""

    def read(self, path: str) -> None:
        import os

        text = read_task_file(path, path, self.files, "just")
        self.folder = self.folder or os.path.dirname(os.path.abspath(path))
        self._lines(text.replace("\r\n", "\n").split("\n"), os.path.dirname(path))

    def _lines(self, lines: list[str], folder: str) -> None:
        import os

        recipe: _Recipe | None = None
        attribute: str | None = None  # a ``[script]`` attribute for the next recipe
        for line in lines:
            if line[:1] in (" ", "\t") and recipe is not None:
                recipe.body.append(line)
                continue
            stripped = line.strip()
            if line.startswith("["):  # an attribute of the next recipe ends this one
                recipe = None
                script = _script_attribute(stripped)
                attribute = script if script is not None else attribute
                continue
            if not stripped or stripped.startswith(("#", "[")):
                if recipe is not None and not stripped:
                    recipe.body.append("")
                continue
            recipe = None
            if stripped.startswith(("import ", "import? ")):
                name = self._string(stripped.split(None, 1)[1])
                if name is None:
                    raise Unfollowed("a justfile imports a computed path")
                target = os.path.join(folder, name)
                if os.path.isfile(target):
                    self.read(target)
                elif not stripped.startswith("import?"):
                    raise Unfollowed(f"a justfile imports {name}, which is not there")
                continue
            if stripped.startswith(("mod ", "mod? ")):
                raise Unfollowed("a justfile has modules (mod), which interlock does not follow")
            if stripped.startswith("set "):
                self._setting(stripped[4:])
                continue
            if stripped.startswith("alias "):
                name, _, target = stripped[6:].partition(":=")
                if target.strip() in self.recipes:
                    self.recipes[name.strip()] = self.recipes[target.strip()]
                continue
            assigned = _ASSIGN.match(stripped)
            if assigned:
                self._assign(assigned.group(1), assigned.group(2).strip())
                continue
            header = _RECIPE.match(stripped)
            if header is None:
                raise Unfollowed(f"a justfile line interlock does not read: {stripped[:60]!r}")
            name, parameters, dependencies = header.groups()
            recipe = _Recipe(name, parameters.split(), _dependencies(dependencies))
            recipe.script, attribute = attribute, None
            self.recipes.setdefault(name, recipe)
            self.order.append(name)

    def _setting(self, text: str) -> None:
        name, _, value = text.partition(":=")
        if name.strip() == "shell":
            words = re.findall(r"""'([^']*)'|"([^"]*)\"""", value)
            shell = [a or b for a, b in words]
            program = shell[0].rpartition("/")[2] if shell else ""
            if program not in SHELLS or not all(w.startswith("-") for w in shell[1:]):
                raise Unfollowed(f"just runs recipes through {value.strip()}")
            self.shell = shell
        elif name.strip() in ("windows-shell", "windows-powershell"):
            return
        elif name.strip() == "tempdir" or name.strip() == "script-interpreter":
            raise Unfollowed(f"a justfile sets {name.strip()}, which interlock does not follow")

    def _assign(self, name: str, value: str) -> None:
        if value.startswith("`") and value.endswith("`") and len(value) > 1:
            command = value.strip("`")
            self.backticks.append(command)
            self.variables[name] = f"$({command})"
            return
        literal = self._string(value)
        self.variables[name] = literal if literal is not None else DYNAMIC

    def _string(self, value: str) -> str | None:
        found = _STRING.match(value.strip())
        if found is None:
            return None
        return found.group(1) if found.group(1) is not None else found.group(2)

    def script(
        self, words: list[str], options: dict[str, str], ran: str, cwd: str | None
    ) -> Script | str | None:
        import os
        import shlex

        for word in words:  # ``name=value`` words set variables
            name, equals, value = word.partition("=")
            if equals and name in self.variables:
                self.variables[name] = value
        goals = [w for w in words if "=" not in w and w in self.recipes]
        if not goals and self.order:
            goals = [self.order[0]]
        if not goals:
            return None  # no recipe: just runs nothing
        shell = shlex.join(self.shell)
        lines = [f"{shell} {shlex.quote(placed(command))}" for command in self.backticks]
        for recipe in self._chosen(goals):
            lines += self._lines_of(recipe, shell)
        directory = options.get("directory") or self.folder
        if os.path.realpath(directory) == os.path.realpath(cwd or os.curdir):
            directory = ""  # recipes run where the line does
        return recipes_script("just", lines, self.files, directory=directory, ran=ran, cwd=cwd)

    def _chosen(self, goals: list[str]) -> list[_Recipe]:
        chosen: list[_Recipe] = []
        wanted, seen = list(goals), set()
        while wanted:
            name = wanted.pop(0)
            if name in seen:
                continue
            seen.add(name)
            recipe = self.recipes.get(name)
            if recipe is None:
                raise Unfollowed(f"a justfile's recipe depends on {name}, which is not there")
            chosen.append(recipe)
            wanted += recipe.dependencies
        return chosen

    def _lines_of(self, recipe: _Recipe, shell: str) -> list[str]:
        import shlex

        body = _dedented([self._interpolated(line, recipe) for line in recipe.body])
        if recipe.script is not None:  # run as if the interpreter were its shebang
            body = [f"#!/usr/bin/{recipe.script}", *body]
        if body and body[0].startswith("#!"):
            program = shebang_command("\n".join(body))
            if program is None:
                raise Unfollowed(f"just recipe {recipe.name} runs through {body[0][:60]}")
            delimiter = "INTERLOCK_JUST_RECIPE"
            if delimiter in body:
                raise Unfollowed(
                    f"just recipe {recipe.name} holds the line interlock would end it with"
                )
            code = "\n".join(body[1:])
            return [f"{shlex.join(program)} <<'{delimiter}'\n{code}\n{delimiter}"]
        out = []
        for line in body:
            command = line.strip().lstrip("@-")
            if command and not command.startswith("#"):
                out.append(f"{shell} {shlex.quote(placed(command))}")
        return out

    def _interpolated(self, line: str, recipe: _Recipe) -> str:
        parameters = {p.lstrip("+*$").partition("=")[0] for p in recipe.parameters}

        def value(found: re.Match[str]) -> str:
            expression = found.group(1).strip()
            if expression in self.variables and expression not in parameters:
                return self.variables[expression]
            literal = self._string(expression)
            return literal if literal is not None else DYNAMIC

        return _INTERPOLATION.sub(value, line.replace("{{{{", "\x00")).replace("\x00", "{{")


def _script_attribute(line: str) -> str | None:
    """The interpreter of a ``[script]`` attribute line (``sh -eu`` for a bare one,
    just's default ``script-interpreter``); ``None`` for any other attribute."""
    found = re.search(r"\bscript\s*(?:\(\s*(['\"])(.*?)\1)?", line)
    if found is None:
        return None
    return found.group(2) or "sh -eu"


def _dedented(lines: list[str]) -> list[str]:
    """A recipe's body without the indentation of its first line (as just removes
    it) and without blank lines at the end."""
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return []
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    return [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines]


def _dependencies(text: str) -> list[str]:
    """The recipes a header names after its colon: ``a b (c "x") && d``."""
    names = re.sub(r"\([^)]*\)", lambda m: m.group(0)[1:].split()[0], text.replace("&&", " "))
    return [name for name in names.split() if re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", name)]
