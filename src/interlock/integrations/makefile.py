"""The recipes ``make`` would run, so the gate judges what a build does.

``make deploy`` says nothing by itself: the classifier takes ``make`` for a local
build and allows it, but an agent may write a Makefile as freely as a script and put
``terraform destroy -auto-approve`` under any target. The hook runs on the agent's
machine and can read the Makefile. For a ``make`` (or ``gmake``) command it finds the
makefile make would read (``-C``, ``-f``, then ``GNUmakefile``, ``makefile``,
``Makefile``) and the files it includes, and submits the recipes the goals need (the
named targets, or the default goal, and their prerequisites; every pattern and
suffix rule once a goal or prerequisite has no rule of its own), each recipe line as
the ``sh -c '…'`` make runs it, behind a ``cd`` to make's directory, plus every
``$(shell …)`` and ``!=`` command the files hold (make runs those while reading),
followed by the line as written. The note names each file's SHA-256, so a Makefile
changed after approval is a new request.

Variables are expanded as make does, from the line's ``VAR=value`` words, the
makefiles, the environment and make's built-in defaults (``$(MAKE)``, ``$(CC)``,
``$(RM)``). A variable assigned in a conditional (``ifeq``) may take any value it is
given, so each recipe line is judged once per possible value (up to
``MAX_VARIANTS``); text functions (``$(patsubst …)``, ``$(if …)``, ``$(foreach …)``)
become a value computed when make runs, which the classifier holds in a program's
place (floor rule 3) and judges as an argument elsewhere; ``$(shell X)`` becomes the
shell's ``$(X)``, judged as the command it is. What make decides only when it runs
(``$(eval …)``, ``--eval``, ``.RECIPEPREFIX``, a ``SHELL`` that is not a shell, an
include that is not there, more than ``MAX_FILES`` files, options interlock does not
follow) gives why, and the gate asks the operator. Standard library only.
"""

from __future__ import annotations

import re
from typing import TypeVar

from interlock.integrations.recipes import (
    DYNAMIC,
    Unfollowed,
    placed,
    read_task_file,
    recipes_script,
    runner_line,
)
from interlock.integrations.runners import MAKES, SHELLS
from interlock.integrations.scriptfile import Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Most ways one recipe line is judged when its variables may take several values.
MAX_VARIANTS = 16
#: How deep variables may refer to variables before the expansion stops.
_MAX_NESTING = 24
#: Makefile names GNU make looks for, in its order.
_NAMES = ("GNUmakefile", "makefile", "Makefile")
#: GNU make's built-in variables a recipe commonly names (``make -p``).
_DEFAULTS = {
    "MAKE": "make", "CC": "cc", "CXX": "g++", "CPP": "$(CC) -E", "AR": "ar", "AS": "as",
    "LD": "ld", "RM": "rm -f", "LEX": "lex", "YACC": "yacc", "FC": "f77", "MAKEINFO": "makeinfo",
    "TEX": "tex", "SHELL": "/bin/sh", "ARFLAGS": "rv", "MAKEFLAGS": "", "MFLAGS": "",
}  # fmt: skip
#: make functions whose value is text computed when make runs (judged as ``DYNAMIC``).
_TEXT_FUNCTIONS = frozenset(
    {"subst", "patsubst", "strip", "findstring", "filter", "filter-out", "sort", "word",
     "wordlist", "words", "firstword", "lastword", "dir", "notdir", "suffix", "basename",
     "addsuffix", "addprefix", "join", "wildcard", "realpath", "abspath", "origin", "flavor",
     "foreach", "if", "or", "and", "intcmp", "file", "let"}
)  # fmt: skip
#: make functions that print and expand to nothing.
_QUIET_FUNCTIONS = frozenset({"error", "warning", "info"})
#: make functions that make rules or run code make decides on when it runs.
_UNFOLLOWED_FUNCTIONS = frozenset({"eval", "guile"})
#: Options of make that take the next word as their value (or attached: ``-Cdir``).
_VALUED = frozenset({"-C", "-f", "-I", "-o", "-W"})
_VALUED_LONG = frozenset(
    {"--directory", "--file", "--makefile", "--include-dir", "--old-file", "--assume-old",
     "--what-if", "--new-file", "--assume-new"}
)  # fmt: skip
#: Options of make that only change how it runs (letters may be clustered).
_FLAGS = frozenset("BbdeiknpqrRsStvwL")
_FLAGS_LONG = frozenset(
    {"--always-make", "--environment-overrides", "--ignore-errors", "--keep-going",
     "--just-print", "--dry-run", "--recon", "--print-data-base", "--question",
     "--no-builtin-rules", "--no-builtin-variables", "--silent", "--quiet", "--touch",
     "--version", "--print-directory", "--no-print-directory", "--warn-undefined-variables",
     "--no-keep-going", "--stop", "--check-symlink-times", "--trace", "--debug",
     "--no-silent", "--output-sync"}
)  # fmt: skip
_ASSIGN = re.compile(r"^([^\s:#=]+)\s*(::=|:::=|:=|\+=|\?=|!=|=)\s*(.*)$", re.DOTALL)
_SHELL_CALL = re.compile(r"\$[({]shell[ \t]")
_CONDITIONALS = frozenset({"ifeq", "ifneq", "ifdef", "ifndef"})
#: Flags of a ``SHELL`` that change how a recipe runs, not which code runs.
_SHELL_FLAGS = frozenset("euxv")
_DIRECTIVES = frozenset({"export", "unexport", "override", "private", "vpath"})
T = TypeVar("T")


def read_make_line(text: str, cwd: str | None) -> Script | str | None:
    """``read_make`` of a line that is one ``make`` command of literal words."""
    return runner_line(text, cwd, MAKES, read_make)


def read_make(argv: Sequence[str], cwd: str | None, ran: str) -> Script | str | None:
    """The recipes ``argv`` (a ``make`` command, as make gets its words) would run,
    written ``ran`` on the line, in ``cwd``; why they cannot be read with certainty;
    ``None`` where make itself would find no makefile. ``OSError`` or ``ValueError``
    where a makefile cannot be opened or decoded."""
    try:
        asked = _arguments(argv)
    except Unfollowed as why:
        return str(why)
    import os

    folder = cwd or os.curdir
    if asked.directory:
        folder = os.path.join(folder, os.path.expanduser(asked.directory))
    names = asked.files or [n for n in _NAMES if os.path.isfile(os.path.join(folder, n))][:1]
    if not names:
        return None
    make = _Make(folder, asked.overrides, env_first=asked.env_first)
    try:
        for name in names:
            make.read(name, required=True)
        return make.script(asked, ran, cwd)
    except Unfollowed as why:
        return str(why)


class _Asked:
    """What the command line asks of make."""

    __slots__ = ("directory", "env_first", "files", "goals", "overrides")

    def __init__(self) -> None:
        self.directory = ""
        self.files: list[str] = []
        self.goals: list[str] = []
        self.overrides: dict[str, str] = {}
        self.env_first = False


def _arguments(argv: Sequence[str]) -> _Asked:
    """The directory, makefiles, goals and variables of a ``make`` command line."""
    asked = _Asked()
    words = list(argv[1:])
    at = 0
    while at < len(words):
        word = words[at]
        at += 1
        name, equals, value = word.partition("=")
        if word == "--":
            asked.goals += words[at:]
            break
        if word.startswith("--"):
            if name in ("--eval",):
                raise Unfollowed(f"make runs {word!r}, text interlock does not follow")
            if name in _VALUED_LONG:
                if not equals:
                    value, at = (words[at] if at < len(words) else ""), at + 1
                _option(asked, name, value)
            elif name in ("--jobs", "--load-average", "--max-load"):
                if not equals and at < len(words) and words[at].replace(".", "").isdigit():
                    at += 1
            elif name not in _FLAGS_LONG:
                raise Unfollowed(f"make runs with {word}, an option interlock does not follow")
        elif word.startswith("-") and len(word) > 1:
            letter = word[:2]
            if letter in _VALUED:
                value = word[2:]
                if not value:
                    value, at = (words[at] if at < len(words) else ""), at + 1
                _option(asked, letter, value)
            elif letter in ("-j", "-l"):
                if len(word) == 2 and at < len(words) and words[at].replace(".", "").isdigit():
                    at += 1
            elif letter == "-E":
                raise Unfollowed(f"make runs {word!r}, text interlock does not follow")
            elif set(word[1:]) <= _FLAGS:
                asked.env_first = asked.env_first or "e" in word[1:]
            else:
                raise Unfollowed(f"make runs with {word}, an option interlock does not follow")
        elif equals and (found := _ASSIGN.match(word)) is not None:
            asked.overrides[found.group(1)] = found.group(3)
        else:
            asked.goals.append(word)
    return asked


def _option(asked: _Asked, option: str, value: str) -> None:
    import os

    if option in ("-C", "--directory"):
        asked.directory = os.path.join(asked.directory, value) if asked.directory else value
    elif option in ("-f", "--file", "--makefile"):
        asked.files.append(value)


class _Rule:
    __slots__ = ("pattern", "prerequisites", "recipe", "targets")

    def __init__(self, targets: list[str], prerequisites: list[str], pattern: bool) -> None:
        self.targets, self.prerequisites, self.pattern = targets, prerequisites, pattern
        self.recipe: list[str] = []


class _Make:
    """The makefiles as read: variables (each with every value it may take), rules,
    the shell commands make runs while reading, and the files read."""

    def __init__(self, folder: str, overrides: dict[str, str], *, env_first: bool) -> None:
        self.folder = folder
        self.overrides = overrides
        self.env_first = env_first
        #: name -> the values it may take, each with whether it expands when used
        self.variables: dict[str, list[tuple[str, bool]]] = {}
        self.rules: list[_Rule] = []
        self.shells: list[str] = []
        self.read_files: list[Script] = []
        self.oneshell = False

    # -- reading ------------------------------------------------------------------

    def read(self, name: str, *, required: bool) -> None:
        """Read one makefile (and what it includes) into the rules and variables."""
        import os

        path = os.path.join(self.folder, name)
        if not os.path.isfile(path):
            if required:
                raise Unfollowed(f"make reads {name}, which is not there (make may make it)")
            return
        text = read_task_file(path, name, self.read_files, "make")
        if "$(eval" in text or "${eval" in text:
            raise Unfollowed(f"{name} makes rules with $(eval …) when make runs")
        for found in _SHELL_CALL.finditer(text):
            end = _closing(text, found.start() + 1)
            if end < 0:
                raise Unfollowed(f"{name} holds an unclosed $(shell …)")
            self.shells += self.expand(text[found.end() : end], {})
        self._lines(text.replace("\r\n", "\n").split("\n"), name)

    def _lines(self, lines: list[str], name: str) -> None:
        """Rules, recipes, assignments, ``define``s and includes, line by line."""
        rule: _Rule | None = None
        depth = 0  # conditionals open
        at = 0
        while at < len(lines):
            raw = lines[at]
            if raw.startswith("\t") and rule is not None:
                line, at = _recipe_line(lines, at)
                rule.recipe.append(line)
                continue
            line, at = _logical_line(lines, at)
            first = line.split(None, 1)[0] if line else ""
            if not first or first == "else":
                continue
            if first in _CONDITIONALS or first == "endif":
                depth = depth + 1 if first in _CONDITIONALS else max(0, depth - 1)
                continue
            if first == "define" or (first in _DIRECTIVES and line.split()[1:2] == ["define"]):
                head = line.split(None, 2 if first != "define" else 1)[-1]
                body, at = _defined(lines, at)
                var, _, op = head.partition(" ")
                self._assign(var.strip(), op.strip() or "=", body, conditional=depth > 0)
                rule = None
            elif first in ("include", "-include", "sinclude"):
                for each in self.expand(line[len(first) :], {})[:1]:
                    for included in _globbed(self.folder, each.split()):
                        self.read(included, required=first == "include")
                rule = None
            else:
                rule = self._statement(line, first, depth, name)

    def _statement(self, line: str, first: str, depth: int, name: str) -> _Rule | None:
        """An assignment (with ``export``/``override`` in front, if any) or a rule."""
        if first in _DIRECTIVES:
            rest = line[len(first) :].strip()
            if first != "override" and not _ASSIGN.match(rest):
                return None  # ``export NAME``, ``vpath %.c src``
            line = rest
        if ".RECIPEPREFIX" in line:
            raise Unfollowed(f"{name} sets .RECIPEPREFIX, which interlock does not follow")
        assigned = _ASSIGN.match(line)
        if assigned:
            var, op, value = assigned.groups()
            self._assign(var, op, value, conditional=depth > 0)
            return None
        return self._rule(line)

    def _rule(self, line: str) -> _Rule | None:
        """A rule line (``targets: prerequisites [; recipe]``); a target-specific
        variable makes that variable's values uncertain."""
        at = _outside_references(line, ":")
        head, colon, rest = (line[:at], ":", line[at + 1 :]) if at >= 0 else (line, "", "")
        if not colon:
            self.expand(line, {})  # a bare function call: ``$(info …)``; shells are read
            return None
        rest = rest.lstrip(":")
        rest, semicolon, inline = rest.partition(";")
        assigned = _ASSIGN.match(rest.strip())
        if assigned:  # ``target: VAR = value``
            var, op, value = assigned.groups()
            self._assign(var, op, value, conditional=True)
            return None
        targets = self._words(head)
        if targets is None:
            targets = [DYNAMIC]
        prerequisites = self._words(rest.replace("|", " ")) or []
        pattern = any("%" in t or _suffix_rule(t) for t in targets)
        rule = _Rule(targets, prerequisites, pattern)
        if ".ONESHELL" in targets:
            self.oneshell = True
        if semicolon:
            rule.recipe.append(inline)
        self.rules.append(rule)  # one in a conditional branch may run: it is kept
        return rule

    def _words(self, text: str) -> list[str] | None:
        """The words ``text`` expands to; ``None`` when that is computed as make runs."""
        variants = self.expand(text, {})
        if len(variants) != 1 or DYNAMIC in variants[0]:
            return None
        return variants[0].split()

    def _assign(self, var: str, op: str, value: str, *, conditional: bool) -> None:
        """Record an assignment; one in a conditional adds a value the variable may take."""
        if op == "!=":
            self.shells += self.expand(value, {})
            values = [(DYNAMIC, False)]
        elif op in (":=", "::=", ":::="):
            values = [(v, False) for v in self.expand(value, {})]
        elif op == "+=" and var in self.variables:
            values = [(old + " " + value, recursive) for old, recursive in self.variables[var]]
        elif op == "?=" and (var in self.variables or var in self.overrides):
            values = self.variables.get(var, [])
            conditional = True  # it keeps what it had
        else:
            values = [(value, True)]
        if conditional and var in self.variables:
            values = _unique([*self.variables[var], *values])
        elif conditional:
            import os

            before = os.environ.get(var, _DEFAULTS.get(var, ""))
            values = _unique([(before, var in _DEFAULTS), *values])
        self.variables[var] = values[:MAX_VARIANTS]

    # -- expansion ----------------------------------------------------------------

    def expand(self, text: str, auto: dict[str, str], depth: int = 0) -> list[str]:
        """Every text ``text`` may expand to (at most ``MAX_VARIANTS``)."""
        if depth > _MAX_NESTING:
            raise Unfollowed("a makefile's variables refer to each other too deeply")
        out = [""]
        at = 0
        while True:
            dollar = text.find("$", at)
            if dollar < 0 or dollar + 1 >= len(text):
                return [each + text[at:] for each in out]
            head = [each + text[at:dollar] for each in out]
            mark = text[dollar + 1]
            if mark == "$":
                values, at = ["$"], dollar + 2
            elif mark in "({":
                end = _closing(text, dollar + 1)
                if end < 0:
                    raise Unfollowed("a makefile holds an unclosed $(")
                values, at = self._reference(text[dollar + 2 : end], auto, depth), end + 1
            else:
                values, at = self._variable(mark, auto, depth), dollar + 2
            if len(head) * len(values) > MAX_VARIANTS:
                values = [DYNAMIC]
            out = [h + v for h in head for v in values]

    def _reference(self, inner: str, auto: dict[str, str], depth: int) -> list[str]:
        """``$(inner)``: a function call or a variable."""
        function, space, rest = inner.partition(" ")
        if not space:
            function, space, rest = inner.partition("\t")
        if space and function == "shell":
            return [f"$({command})" for command in self.expand(rest, auto, depth + 1)]
        if space and function == "call":
            return self._call(rest, auto, depth)
        if space and function == "value":
            return [value for value, _ in self._values(rest.strip())] or [""]
        if space and function in _QUIET_FUNCTIONS:
            return [""]
        if space and function in _UNFOLLOWED_FUNCTIONS:
            raise Unfollowed(f"a makefile runs $({function} …) when make runs")
        if space and function in _TEXT_FUNCTIONS:
            return [DYNAMIC]
        name = inner.partition(":")[0] if "=" in inner.partition(":")[2] else inner
        names = self.expand(name, auto, depth + 1)
        if len(names) != 1 or DYNAMIC in names[0]:
            return [DYNAMIC]
        return self._variable(names[0].strip(), auto, depth)

    def _call(self, rest: str, auto: dict[str, str], depth: int) -> list[str]:
        """``$(call NAME,ARG,…)``: NAME's value with ``$(1)``… bound to the arguments."""
        parts = _split_commas(rest)
        names = self.expand(parts[0].strip(), auto, depth + 1)
        if len(names) != 1:
            return [DYNAMIC]
        bound = dict(auto)
        for number, arg in enumerate(parts[1:], start=1):
            values = self.expand(arg, auto, depth + 1)
            bound[str(number)] = values[0] if len(values) == 1 else DYNAMIC
        out: list[str] = []
        for value, _ in self._values(names[0]):
            out += self.expand(value, bound, depth + 1)
        return _unique(out)[:MAX_VARIANTS] or [""]

    def _variable(self, name: str, auto: dict[str, str], depth: int) -> list[str]:
        """The values of variable ``name``: automatic, a ``call`` argument, or named."""
        if name in auto:
            return [auto[name]]
        if name in ("@", "<", "^", "+", "?", "|", "*", "%") or name[:1] in "@<^+?|*%":
            return [DYNAMIC]  # an automatic variable of a rule not being expanded here
        if name.isdigit():
            return [""]
        out: list[str] = []
        for value, recursive in self._values(name):
            out += self.expand(value, auto, depth + 1) if recursive else [value]
        return _unique(out)[:MAX_VARIANTS] or [""]

    def _values(self, name: str) -> list[tuple[str, bool]]:
        """Every value variable ``name`` may take, in make's order of precedence."""
        import os

        if name == "CURDIR":
            return [(os.path.abspath(self.folder), False)]
        if name in self.overrides:
            return [(self.overrides[name], True)]
        if self.env_first and name in os.environ:
            return [(os.environ[name], False)]
        if name in self.variables:
            return self.variables[name]
        if name in os.environ and name not in ("SHELL", "MAKEFLAGS"):
            return [(os.environ[name], False)]
        if name in _DEFAULTS:
            return [(_DEFAULTS[name], True)]
        return [("", False)]

    # -- what runs ----------------------------------------------------------------

    def script(self, asked: _Asked, ran: str, cwd: str | None) -> Script | str:
        """The submitted text: the recipes that run, the shell calls, the line."""
        import shlex

        shell = self._shell()
        lines = [f"{shell} -c {shlex.quote(placed(c))}" for c in _unique(self.shells)]
        for rule, target in self._chosen(asked.goals):
            lines += self._recipe(rule, target, shell)
        return recipes_script(
            "make", lines, self.read_files, directory=asked.directory, ran=ran, cwd=cwd
        )

    def _shell(self) -> str:
        import posixpath

        values = self.expand("$(SHELL)", {})
        words = values[0].split() if len(values) == 1 else []
        flags = all(w[:1] == "-" and set(w[1:]) <= _SHELL_FLAGS for w in words[1:])
        if not words or posixpath.basename(words[0]) not in SHELLS or not flags:
            shown = " ".join(words) or "(several values)"
            raise Unfollowed(f"make runs recipes through SHELL={shown}")
        return " ".join(words)

    def _chosen(self, goals: list[str]) -> list[tuple[_Rule, str | None]]:
        """The rules the goals need (each with the target it makes), in order."""
        explicit: dict[str, list[_Rule]] = {}
        for rule in self.rules:
            if not rule.pattern:
                for target in rule.targets:
                    explicit.setdefault(target, []).append(rule)
        wanted = goals or self._default()
        chosen: list[tuple[_Rule, str | None]] = []
        seen: set[str] = set()
        patterns = False
        while wanted:
            target = wanted.pop(0)
            if target in seen:
                continue
            seen.add(target)
            rules = explicit.get(target)
            if not rules:
                patterns = True  # made by a pattern or suffix rule, if anything
                continue
            for rule in rules:
                chosen.append((rule, target))
                wanted += rule.prerequisites
        for rule in self.rules:
            if (
                (rule.pattern and patterns)
                or DYNAMIC in rule.targets
                or (".DEFAULT" in rule.targets and patterns)
            ):
                chosen.append((rule, None))
        return chosen

    def _default(self) -> list[str]:
        for rule in self.rules:
            for target in rule.targets:
                if not rule.pattern and (not target.startswith(".") or "/" in target):
                    return [target]
        return []

    def _recipe(self, rule: _Rule, target: str | None, shell: str) -> list[str]:
        """The shell lines of ``rule``'s recipe making ``target``."""
        import shlex

        prerequisites = rule.prerequisites
        auto = {
            "@": target or DYNAMIC,
            "<": prerequisites[0] if prerequisites and target else DYNAMIC,
            "^": " ".join(dict.fromkeys(prerequisites)) if target else DYNAMIC,
            "+": " ".join(prerequisites) if target else DYNAMIC,
            "?": " ".join(prerequisites) if target else DYNAMIC,
        }
        commands = [_unprefixed(line) for line in rule.recipe]
        if self.oneshell:
            commands = ["\n".join(commands)] if commands else []
        out: list[str] = []
        for command in commands:
            if command.strip():
                variants = self.expand(command, auto)
                out += [f"{shell} -c {shlex.quote(placed(v))}" for v in variants]
        return out


def _recipe_line(lines: list[str], at: int) -> tuple[str, int]:
    """The recipe line starting at ``lines[at]`` (tab removed), with the lines its
    trailing backslashes continue it onto, and the index after it. The shell gets the
    backslash-newlines as they are."""
    line = lines[at][1:]
    at += 1
    while line.endswith("\\") and at < len(lines):
        more = lines[at]
        at += 1
        line += "\n" + (more[1:] if more.startswith("\t") else more)
    return line, at


def _logical_line(lines: list[str], at: int) -> tuple[str, int]:
    """The makefile line starting at ``lines[at]``, continued lines joined by one
    space and its comment removed, and the index after it."""
    line = lines[at]
    at += 1
    while line.endswith("\\") and at < len(lines):
        line = line[:-1] + " " + lines[at].lstrip()
        at += 1
    return _uncommented(line).strip(), at


def _outside_references(line: str, char: str) -> int:
    """The index of the first ``char`` in ``line`` outside ``$(…)``/``${…}``, or -1."""
    level = 0
    for at, each in enumerate(line):
        if each in "({" and at and line[at - 1] == "$":
            level += 1
        elif each in ")}" and level:
            level -= 1
        elif each == char and not level:
            return at
    return -1


def _closing(text: str, opening: int) -> int:
    """The index of the bracket closing the one at ``opening``, or -1."""
    open_char = text[opening]
    close_char = ")" if open_char == "(" else "}"
    level = 0
    for at in range(opening, len(text)):
        char = text[at]
        if char == open_char:
            level += 1
        elif char == close_char:
            level -= 1
            if level == 0:
                return at
    return -1


def _split_commas(text: str) -> list[str]:
    """``text`` split at its commas outside brackets (a function's arguments)."""
    parts, level, start = [], 0, 0
    for at, char in enumerate(text):
        if char in "({":
            level += 1
        elif char in ")}":
            level -= 1
        elif char == "," and level == 0:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return parts


def _uncommented(line: str) -> str:
    """``line`` without its comment (``#`` not escaped)."""
    at = 0
    while True:
        hash_at = line.find("#", at)
        if hash_at < 0:
            return line
        if hash_at == 0 or line[hash_at - 1] != "\\":
            return line[:hash_at]
        at = hash_at + 1


def _defined(lines: list[str], at: int) -> tuple[str, int]:
    """The body of a ``define`` whose first line is ``lines[at]``, and the line after
    its ``endef`` (nested ``define``s count)."""
    body: list[str] = []
    level = 1
    while at < len(lines):
        line = lines[at]
        at += 1
        word = line.strip().split(None, 1)[0] if line.strip() else ""
        if word == "define":
            level += 1
        elif word == "endef":
            level -= 1
            if level == 0:
                return "\n".join(body), at
        body.append(line)
    raise Unfollowed("a makefile holds a define with no endef")


def _globbed(folder: str, names: list[str]) -> list[str]:
    """Included names, with their wildcards matched as make matches them."""
    import glob
    import os

    out: list[str] = []
    for name in names:
        if any(c in name for c in "*?["):
            found = glob.glob(name, root_dir=folder)
            out += sorted(found)
        else:
            out.append(os.path.expanduser(name))
    return out


def _suffix_rule(target: str) -> bool:
    """``.c.o`` or ``.c``: an old-fashioned suffix rule."""
    return target.startswith(".") and target.count(".") in (1, 2) and target[1:2].islower()


def _unprefixed(line: str) -> str:
    """A recipe line without make's own prefixes (``@`` silent, ``-`` ignore errors,
    ``+`` run even with ``-n``)."""
    return line.lstrip(" \t@-+")


def _unique(items: list[T]) -> list[T]:
    return list(dict.fromkeys(items))
