"""What surrounds a command as ``classify/shell.py`` walks to it, and the findings it builds.

The walker carries a ``WalkContext`` down the syntax tree: the wrappers peeled off so
far (``sudo``, ``ssh host``, ``docker exec``), whether the command runs as root, on
which remote host or in which container, how deep in shell text inside shell text it
is, the pipe feeding it and the redirects around it. Each command it emits records
that context, and each finding it builds here takes its scope from it: whatever runs
through ``ssh`` or in a container reaches a remote system.

The findings are those no tool family sees, because they are about the line rather
than one program:

- ``opaque``: what cannot be resolved statically (DESIGN.md floor rule 3), never
  allowed; the walker's rule ids are listed in ``classify/shell.py``.
- ``pipe_finding``: a decoded or downloaded payload piped to a shell or interpreter.
- ``computed_copy``: a copy of a program whose source path is computed
  (``cp $(which rm) ./z && ./z``); ``names_program`` says which copies of known
  programs (``cp /bin/rm ./x && ./x -rf ~``) are worth judging as that program.
- ``fork_bomb``: a function that runs itself in a pipeline or in the background
  (``:(){ :|:& };:``), the ``shell-fork-bomb`` finding: a host write of high risk,
  which the floor asks about.

The sets of programs the walker looks at by name (``WRAPPERS``, ``CD``, ``SOURCES``,
``INTERPRETERS``) live here too, shared by the walker, the plain-words path
(``classify/plainline.py``) and ``names_program``.
"""

from __future__ import annotations

from interlock.classify import unwrap
from interlock.classify.command import Redirect
from interlock.classify.commands import handler_for
from interlock.classify.launchers import LAUNCHERS
from interlock.classify.streams import Pipe
from interlock.models import Category, Finding, Risk, Scope

#: Programs ``_Walker._leaf`` looks at before emitting a command.
CD = frozenset({"cd", "pushd", "popd", "chdir"})
SOURCES = frozenset({"source", "."}) | unwrap.SHELLS
#: ``unwrap.is_interpreter`` holds for these and for some names starting with "p" only.
INTERPRETERS = unwrap.INTERPRETERS


class WalkContext:
    """What surrounds the commands being walked. Copied with ``but``, never mutated.

    A plain slotted class rather than a dataclass: contexts are made per command and
    ``dataclasses.replace`` costs more than the parse itself.
    """

    __slots__ = ("container", "depth", "elevated", "pipe", "redirects", "remote_host", "wrappers")

    def __init__(self) -> None:
        self.wrappers: tuple[str, ...] = ()
        self.elevated = False
        self.remote_host: str | None = None
        self.container: str | None = None
        self.depth = 0
        self.pipe: Pipe | None = None
        self.redirects: tuple[Redirect, ...] = ()

    def but(self, **changes: object) -> WalkContext:
        """A copy with ``changes`` applied (each slot copied by name: no loop over
        ``__slots__`` with ``getattr``/``setattr``, several times slower)."""
        new = WalkContext.__new__(WalkContext)
        new.wrappers = self.wrappers
        new.elevated = self.elevated
        new.remote_host = self.remote_host
        new.container = self.container
        new.depth = self.depth
        new.pipe = self.pipe
        new.redirects = self.redirects
        for name, value in changes.items():
            setattr(new, name, value)
        return new

    def inner(self) -> WalkContext:
        """The context of a substitution or word: no pipe, no redirects of its own."""
        if self.pipe is None and not self.redirects:
            return self
        return self.but(pipe=None, redirects=())


ROOT = WalkContext()
#: Every program that runs another command: pure wrappers, then launchers.
WRAPPERS = {**unwrap.WRAPPERS, **LAUNCHERS}


def opaque(
    rule_id: str, evidence: str, explanation: str, ctx: WalkContext | None = None
) -> Finding:
    """An opaque finding: never allowed by the floor."""
    remote = ctx is not None and (ctx.remote_host or ctx.container)
    return Finding(
        rule_id=rule_id,
        category=Category.OPAQUE,
        scope=Scope.REMOTE if remote else Scope.HOST,
        target=evidence[:200],
        evidence=evidence,
        explanation=explanation,
        risk=Risk.HIGH,
    )


def computed_copy(path: str, source: str, text: str, ctx: WalkContext) -> Finding:
    """Running a copy of a program whose path is computed (``cp $(which rm) ./z``)."""
    why = f"runs {path}, a copy of a program named only when the line runs ({source[:80]})"
    return opaque("shell-opaque-command-name", text, why, ctx)


#: Programs live here; a copy of a file from these is a copy of a program.
_PROGRAM_DIRS: tuple[str, ...] = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/")
_PROGRAM_DIRS += ("/usr/local/sbin/", "/opt/homebrew/bin/", "/usr/libexec/")


def names_program(path: str) -> bool:
    """Whether ``path`` is a program worth following under a new name: one in a
    system program directory, or one the walker or a tool family knows by name."""
    program = path.rpartition("/")[2]
    return (
        path.startswith(_PROGRAM_DIRS)
        or program in WRAPPERS
        or program in SOURCES
        or unwrap.is_interpreter(program)
        or handler_for(program) is not None
    )


def fork_bomb(name: str, evidence: str, ctx: WalkContext) -> Finding:
    """``:(){ :|:& };:``: a function that starts copies of itself until the machine
    runs out of processes. Nothing is hidden, so it is not opaque; but no family
    knows the function's name, which alone would make it harmless local work."""
    remote = ctx.remote_host or ctx.container
    return Finding(
        rule_id="shell-fork-bomb",
        category=Category.WRITE,
        scope=Scope.REMOTE if remote else Scope.HOST,
        target=name,
        evidence=evidence,
        explanation=f"function {name!r} runs itself in the background or in a pipeline, "
        "multiplying processes until the machine is exhausted",
        risk=Risk.HIGH,
    )


def pipe_finding(pipe: Pipe, text: str, ctx: WalkContext) -> Finding:
    """A program running what an earlier pipeline stage computed or downloaded: what
    it runs is known only when the line runs, so it is opaque."""
    text = f"{pipe.source} | {text}"
    if pipe.download:
        why = "runs code downloaded by an earlier stage of the pipeline"
        return opaque("shell-opaque-download-exec", text, why, ctx)
    why = f"runs code computed by an earlier stage ({pipe.source[:80]})"
    return opaque("shell-opaque-decoded-pipe", text, why, ctx)
