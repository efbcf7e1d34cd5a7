"""Shell command lines: every simple command that would run, and what hides one.

``split`` parses a command line with tree-sitter-bash (never a regex over the raw
string: that is what every bypassed guard does) and walks the tree once, unwrapping
pipelines, lists, subshells, groups, function bodies, loops, ``case``, ``if``,
negation, command and process substitution, heredocs and here-strings fed to shells,
and the wrapper programs of ``classify/unwrap.py`` (``sudo``, ``env``, ``bash -c``,
``ssh host 'cmd'``, ``xargs``, ``find -exec`` ...). What cannot be resolved statically
becomes an opaque finding (DESIGN.md floor rule 3): a computed command name, ``eval``
or ``bash -c`` of computed text, a decoded or downloaded payload piped to a shell or
interpreter, unparseable input, absurd nesting, a use of an alias defined on the line.
Three more shapes are named here because no family sees them: a copy or link of a
known program run under another name (``cp /bin/rm ./x && ./x -rf ~``) is judged as
that program; unquoted brace expressions in arguments are expanded as bash does
(``rm -rf /{etc,usr}``, ``classify/words.py``); a function that runs itself in a
pipeline or in the background (``:(){ :|:& };:``) is the ``shell-fork-bomb`` finding.
Word values come from ``classify/words.py``, pipes and heredocs from
``classify/streams.py``; ``cd`` is followed so later commands are judged where they run.

Rule ids the walker reports itself: ``shell-too-long``, ``shell-unparseable``,
``shell-too-deep``, ``shell-misparsed``, ``shell-opaque-command-name``,
``shell-opaque-eval``, ``shell-opaque-alias``, ``shell-opaque-download-exec``,
``shell-opaque-decoded-pipe``, ``shell-opaque-generated-script``,
``shell-opaque-loaded-file`` (all opaque) and ``shell-fork-bomb`` (a host write of
high risk, which the floor asks about).

``assess_shell`` (``classify/shell_findings.py``) hands each simple command to its tool
family (``classify/commands``) and adds what the walker itself knows: redirections,
root rights, remote hosts and containers, and programs no family knows.

This walk runs on every agent tool call, so it is kept cheap (issue 2's ``make bench``
compares it with the parse alone): the commonest shapes, a command under the root and
words without quotes or expansions, take short paths, and nothing caches whole lines.
The commonest line of all, one command of plain words (``aws s3 ls s3://b``), skips
the walker entirely through ``plain``, which the tests hold to the walker's result.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from interlock.classify import unwrap
from interlock.classify.command import NO_ASSIGNMENTS, Redirect, SimpleCommand
from interlock.classify.commands import handler_for
from interlock.classify.launchers import COMMAND_VARIABLES, LAUNCH_WORDS, LAUNCHERS, safe_eval
from interlock.classify.streams import (
    COPIERS,
    WRITERS,
    Pipe,
    Written,
    copied_files,
    executed_file,
    heredoc_tail,
    heredoc_text,
    names_download,
    reads_program,
    reads_queries,
    stage_output,
    written_files,
)
from interlock.classify.words import (
    DYNAMIC,
    RESERVED_WORDS,
    Word,
    assignment,
    brace_words,
    continues,
    resolve,
)
from interlock.config import Config
from interlock.models import Action, Assessment, Category, Finding, Risk, Scope

_LANGUAGE = Language(tree_sitter_bash.language())
_PARSER = Parser(_LANGUAGE)
#: tree-sitter-bash 0.25's scanner can crash the whole process (a segmentation fault,
#: found by fuzzing) on ``{`` directly followed by a UTF-8 sequence of four bytes: a
#: character outside the Basic Multilingual Plane. Such input is never handed to it.
#: A lone surrogate (a JSON ``\ud800`` escape) reaches bash as U+FFFD, so it is judged as that.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CRASHES_PARSER = re.compile(rb"\{[\xf0-\xf4]")

#: A command line longer than this is held unread: parsing and walking grow with it
#: (a 900 KB line takes seconds, past an agent hook's deadline), and no person
#: approving it would read that much either.
MAX_COMMAND_CHARS = 128 * 1024

#: Shell text inside shell text (``bash -c "sh -c '...'"``) deeper than this is opaque.
MAX_DEPTH = 12
#: Syntax nesting (``$($($(...)))``, ``((((...))))``) deeper than this is opaque.
MAX_LEVEL = 160
#: Wrappers around one command (``sudo env nice timeout ...``) beyond this are opaque.
MAX_WRAPPERS = 24

_REDIRECTS = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})
#: Characters that make a bare word need ``resolve`` (escapes, globs, braces).
_PLAIN_WORD = frozenset("\\*?[{")
_LEAVES = frozenset({"word", "number", "raw_string", "ansi_c_string", "variable_name"})
#: Word nodes directly under a heredoc redirect: body lines the grammar misread.
_HEREDOC_MISREAD = frozenset(
    {"word", "concatenation", "string", "raw_string", "number", "simple_expansion", "expansion"}
)
#: Argument nodes that may hold a brace expression besides a plain ``word``.
_BRACED = frozenset({"concatenation", "brace_expression"})
_ECHO_WORDS = frozenset({"string", "concatenation", "command_substitution"})
_SKIP = frozenset({"comment", "heredoc_start", "heredoc_end", "heredoc_content"})
#: ``> file`` alone is ``: > file``: the null command with a redirection.
_NULL_COMMAND: tuple[Word, ...] = ((":", 0),)
_STDIN_DEVICES = frozenset({"/dev/stdin", "/dev/fd/0", "-", "/proc/self/fd/0"})
_VALUE = operator.itemgetter(0)
#: A word bash reads as an assignment when it leads a command.
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
#: Variables naming a file whose code the program loads before its own: bash sources
#: ``BASH_ENV`` (``ENV`` for sh), the dynamic linker preloads ``LD_PRELOAD`` and
#: ``LD_AUDIT``. A path is judged like running that file (a script in the workspace is
#: local work); a file made on the line itself (``BASH_ENV=<(echo 'rm -rf /') bash -c
#: true``, ``/dev/stdin``) hides what runs, so it is opaque.
_LOADED_FILES = frozenset({"BASH_ENV", "ENV", "LD_PRELOAD", "LD_AUDIT"})
_COMPUTED_FILE_MARKS = ("<(", ">(", "$", "`", "/dev/stdin", "/dev/fd/", "/proc/self/fd/")
#: ``_redirects`` of no redirect nodes.
_NONE: tuple[tuple[Redirect, ...], Word | None] = ((), None)
#: Programs ``_leaf`` looks at before emitting a command.
_CD = frozenset({"cd", "pushd", "popd", "chdir"})
_SOURCES = frozenset({"source", "."}) | unwrap.SHELLS
#: ``unwrap.is_interpreter`` holds for these and for some names starting with "p" only.
_INTERPRETERS = unwrap.INTERPRETERS
#: The bytes of plain words and the space between them: ASCII letters, digits and
#: ``_./:@%+,=-``. Bash removes nothing from such words, so each one's value is its
#: text (``_plain_words`` checks that the tree agrees on what the words are). A text
#: is plain when ``text.translate(None, _PLAIN_BYTES)`` leaves nothing.
_PLAIN_BYTES = bytes(b for b in range(128) if chr(b).isalnum() or chr(b) in " _./:@%+,=-")
_COMMAND = _LANGUAGE.id_for_node_kind("command", True)
_COMMAND_NAME = _LANGUAGE.id_for_node_kind("command_name", True)
_WORD_KINDS = frozenset({_LANGUAGE.id_for_node_kind(k, True) for k in ("word", "number")})
_NEW_TUPLE = tuple.__new__


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    """What ``split`` found: the commands that would run and the opaque findings."""

    commands: tuple[SimpleCommand, ...]
    findings: tuple[Finding, ...]
    text: str = ""
    #: Per command, the directory ``cd`` moved to before it (``None``: unchanged),
    #: absolute or relative to the action's working directory.
    cwds: tuple[str | None, ...] = ()


class _Ctx:
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

    def but(self, **changes: object) -> _Ctx:
        """A copy with ``changes`` applied (each slot copied by name: no loop over
        ``__slots__`` with ``getattr``/``setattr``, several times slower)."""
        new = _Ctx.__new__(_Ctx)
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

    def inner(self) -> _Ctx:
        """The context of a substitution or word: no pipe, no redirects of its own."""
        if self.pipe is None and not self.redirects:
            return self
        return self.but(pipe=None, redirects=())


_ROOT = _Ctx()
#: Every program that runs another command: pure wrappers, then launchers.
_WRAPPERS = {**unwrap.WRAPPERS, **LAUNCHERS}
#: Programs plain words always leave to ``_run``: pure wrappers, and what ``_run``
#: and ``_leaf`` look at. Launchers are asked instead (``_runs_as_is``).
_NOT_PLAIN = (
    RESERVED_WORDS | unwrap.WRAPPERS.keys() | _CD | _SOURCES | _INTERPRETERS | {"alias"}
) - LAUNCHERS.keys()


def split(text: str) -> ShellAnalysis:
    """Every simple command in ``text`` that would run, plus opaque findings."""
    walker = walk(text)
    return ShellAnalysis(tuple(walker.commands), tuple(walker.findings), text, tuple(walker.cwds))


def walk(text: str, root: Node | None = None) -> _Walker:
    """``split`` without the final copy: the walker's ``commands``, ``cwds`` (one per
    command) and ``findings`` lists, for callers that only read them once. ``root``
    is ``text``'s syntax tree when the caller has parsed it already (``plain``)."""
    walker = _Walker()
    if len(text) > MAX_COMMAND_CHARS:
        why = f"is {len(text):,} characters long, more than anyone reviews as one command"
        walker.findings.append(opaque("shell-too-long", text[:200] + "…", why, _ROOT))
        return walker
    walker.walk_text(text, _ROOT, 0, root)
    return walker


def plain(text: str) -> SimpleCommand | Node | None:
    """The command of a line that is one command of plain words, as ``split`` would
    find it; otherwise the line's syntax tree for ``walk`` (``None``: not parsed).

    Most lines an agent runs are this shape (``git status``, ``aws s3 ls s3://b``), and
    every check pays for it, so it skips the walker: the words are the line split on
    its spaces once the tree confirms that each is one word of the one command, and
    programs that wrap, interpret, change directory or write files go to the walker.
    ``tests/classify/test_shell_plain.py`` compares both paths over the corpora.
    """
    if len(text) > MAX_COMMAND_CHARS:
        return None
    source = text.encode("utf-8", "surrogatepass")
    if source.translate(None, _PLAIN_BYTES):
        return None
    root = _PARSER.parse(source).root_node
    values = text.split(" ")
    count = len(values)
    if root.descendant_count != count + 3 or root.has_error:
        return root
    # one command of ``count + 2`` nodes leaves the root no other child
    node = root.child(0)
    if node is None or node.kind_id != _COMMAND or not _plain_words(node, count):
        return root
    program = values[0].rpartition("/")[2]
    if values[0] in WRITERS or not _runs_as_is(values, program):
        return root
    return _plain_command(values, program, text, _ROOT)


def _plain_command(values: list[str], program: str, text: str, ctx: _Ctx) -> SimpleCommand:
    """``SimpleCommand`` of plain words run in ``ctx``: no assignments, redirects or
    stdin. Built as the tuple it is, without ``SimpleCommand.__new__`` in Python (one
    is made for nearly every line checked); ``program`` is the first word's base name."""
    argv = tuple(values)
    return _NEW_TUPLE(
        SimpleCommand,
        (
            argv,
            text,
            NO_ASSIGNMENTS,
            (),
            ctx.wrappers,
            None,
            ctx.elevated,
            ctx.remote_host,
            ctx.container,
            program,
            argv[1:],
        ),
    )


def _runs_as_is(values: list[str], program: str) -> bool:
    """Whether ``_run`` would emit the plain words ``values`` as they are: no wrapper
    or launcher runs another command from them, ``_leaf`` has nothing to look at
    (``cd``, ``alias``, interpreters) and bash would not read an assignment.
    ``program`` is the first word's base name."""
    first = values[0]
    if (
        program in _NOT_PLAIN
        or "=" in first
        or (program[:1] == "p" and unwrap.is_interpreter(program))
    ):
        return False
    launcher = LAUNCHERS.get(program)
    if launcher is None:
        return True
    needs = LAUNCH_WORDS.get(program)
    if needs is not None and needs.isdisjoint(values):
        return True  # none of the words it launches on
    return launcher([(v, 0) for v in values]) is None


def opaque(rule_id: str, evidence: str, explanation: str, ctx: _Ctx | None = None) -> Finding:
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


def _computed_copy(path: str, source: str, text: str, ctx: _Ctx) -> Finding:
    """Running a copy of a program whose path is computed (``cp $(which rm) ./z``)."""
    why = f"runs {path}, a copy of a program named only when the line runs ({source[:80]})"
    return opaque("shell-opaque-command-name", text, why, ctx)


#: Programs live here; a copy of a file from these is a copy of a program.
_PROGRAM_DIRS: tuple[str, ...] = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/")
_PROGRAM_DIRS += ("/usr/local/sbin/", "/opt/homebrew/bin/", "/usr/libexec/")
#: ``Written`` of a file the line has not touched yet.
_NEW_FILE = Written()


def _names_program(path: str) -> bool:
    """Whether ``path`` is a program worth following under a new name: one in a
    system program directory, or one the walker or a tool family knows by name."""
    program = path.rpartition("/")[2]
    return (
        path.startswith(_PROGRAM_DIRS)
        or program in _WRAPPERS
        or program in _SOURCES
        or unwrap.is_interpreter(program)
        or handler_for(program) is not None
    )


def _fork_bomb(name: str, evidence: str, ctx: _Ctx) -> Finding:
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


class _Walker:
    """One pass over the syntax tree; recursion is bounded by ``MAX_LEVEL``/``MAX_DEPTH``."""

    __slots__ = (
        "_joined",
        "_too_deep",
        "aliases",
        "commands",
        "cwd",
        "cwds",
        "findings",
        "written",
    )

    def __init__(self) -> None:
        self.commands: list[SimpleCommand] = []
        self.findings: list[Finding] = []
        self.aliases: set[str] = set()
        self._too_deep = False
        self._joined = False  # whether some text walked has a line continuation
        #: The directory set by ``cd``/``pushd`` so far, relative to the action's cwd.
        self.cwd: str | None = None
        #: Files written, downloaded or copied so far on this line, by path: see
        #: ``_runs_written`` and ``_renamed``.
        self.written: dict[str, Written] = {}
        self.cwds: list[str | None] = []

    # -- entry points -------------------------------------------------------------

    def walk_text(
        self, text: str, ctx: _Ctx, level: int, parsed: Node | None = None
    ) -> Node | None:
        """Parse ``text`` as shell (unless ``parsed`` is its tree already) and walk it."""
        if "\x00" in text:
            self.findings.append(
                opaque("shell-unparseable", text, "contains a NUL byte, which bash cannot run", ctx)
            )
            text = text.replace("\x00", " ")
        if ctx.depth > MAX_DEPTH:
            self._deep(text, ctx)
            return None
        ascii_only = text.isascii()
        if not ascii_only:
            text = _SURROGATE.sub("\ufffd", text)
        source = text.encode("utf-8", "surrogatepass")
        self._joined = self._joined or b"\\\n" in source
        # only a byte of a four-byte UTF-8 sequence can crash the parser
        if not ascii_only and _CRASHES_PARSER.search(source):
            self.findings.append(
                opaque(
                    "shell-unparseable",
                    text,
                    "has '{' before a character outside the Basic Multilingual Plane, "
                    "which the bash grammar cannot parse safely",
                    ctx,
                )
            )
            return None
        root = parsed if parsed is not None else _PARSER.parse(source).root_node
        if root.has_error:
            self.findings.append(
                opaque("shell-unparseable", text, "is not valid shell syntax", ctx)
            )
        if level < MAX_LEVEL and root.type == "program":
            # ``visit`` of the root, with its commonest child, a command, dispatched here
            for child in root.named_children:
                if child.kind_id == _COMMAND:
                    self._command(child, ctx, level + 1, ())
                else:
                    self.visit(child, ctx, level + 1)
        else:
            self.visit(root, ctx, level)
        return root

    def visit(self, node: Node, ctx: _Ctx, level: int) -> None:
        """Walk ``node``: commands are emitted, everything else is descended into."""
        if level > MAX_LEVEL:
            self._deep(_text(node), ctx)
            return
        kind = node.type
        if kind == "command":
            self._command(node, ctx, level, ())
        elif kind == "redirected_statement":
            self._redirected(node, ctx, level)
        elif kind == "pipeline":
            self._pipeline([(c, ()) for c in node.named_children], ctx, level)
        elif kind in ("command_substitution", "process_substitution", "subshell"):
            inner = ctx.inner() if kind != "subshell" else ctx
            saved = self.cwd
            for child in node.named_children:
                self.visit(child, inner, level + 1)
            self.cwd = saved
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                name_node = node.child_by_field_name("name")
                name = resolve(name_node)[0] if name_node is not None else ""
                if name and _spawns_itself(body, name):
                    self.findings.append(_fork_bomb(name, _text(node), ctx))
                self.visit(body, ctx, level + 1)
        elif kind not in _LEAVES and kind not in _SKIP:
            for child in node.named_children:
                self.visit(child, ctx, level + 1)

    # -- statements ---------------------------------------------------------------

    def _redirected(self, node: Node, ctx: _Ctx, level: int) -> None:
        """``BODY > f``, ``cmd <<EOF ... EOF | next``: redirects apply to the body."""
        body = node.child_by_field_name("body")
        redirects = [c for c in node.named_children if c.type in _REDIRECTS]
        continuation = [
            c for r in redirects if r.type == "heredoc_redirect" for c in heredoc_tail(r)
        ]
        if continuation and continuation[0].type == "pipeline":
            stages = [(body or node, tuple(redirects))]
            stages += [(c, ()) for c in continuation[0].named_children]
            self._pipeline(stages, ctx, level)
            return
        self._statement(body, tuple(redirects), ctx, level)
        for child in continuation:
            self.visit(child, ctx.but(pipe=None), level + 1)

    def _statement(
        self, body: Node | None, redirects: tuple[Node, ...], ctx: _Ctx, level: int
    ) -> None:
        if body is not None and body.type == "command":
            self._command(body, ctx, level, redirects)
            return
        if body is not None and redirects and body.type in ("list", "pipeline"):
            self._tail_redirected(body, redirects, ctx, level)
            return
        parsed, _ = self._redirects(redirects, ctx, level)
        if body is None:
            text = " ".join(_text(r) for r in redirects)
            self._add(_NULL_COMMAND, ctx.but(redirects=ctx.redirects + parsed), text, {}, None)
            return
        self.visit(body, ctx.but(redirects=ctx.redirects + parsed), level + 1)

    def _tail_redirected(
        self, body: Node, redirects: tuple[Node, ...], ctx: _Ctx, level: int
    ) -> None:
        """``a && perl <<EOF``, ``a | b > f``: the redirects belong to the last command.

        The grammar hangs them on the whole list or pipeline; bash gives them to the
        simple command they follow, so that is the one that reads the here-document
        (and judging it there is what sees code fed to an interpreter).
        """
        children = body.named_children
        if not children:
            return
        if body.type == "pipeline":
            stages = [(c, ()) for c in children[:-1]]
            self._pipeline([*stages, (children[-1], redirects)], ctx, level)
            return
        for child in children[:-1]:
            self.visit(child, ctx, level + 1)
        self._statement(children[-1], redirects, ctx, level + 1)

    def _pipeline(
        self, stages: Sequence[tuple[Node, tuple[Node, ...]]], ctx: _Ctx, level: int
    ) -> None:
        """Each stage reads the previous one's output; a shell at the end may run it."""
        previous: Pipe | None = ctx.pipe
        saved = self.cwd
        for node, redirects in stages:
            self.cwd = saved  # each stage is a subshell: its ``cd`` does not last
            stage_ctx = ctx.but(pipe=previous)
            if redirects or node.type == "command":
                self._statement(node, redirects, stage_ctx, level + 1)
            else:
                self.visit(node, stage_ctx, level + 1)
            previous = stage_output(node, redirects, previous)
        self.cwd = saved

    def _command(self, node: Node, ctx: _Ctx, level: int, extra: tuple[Node, ...]) -> None:
        """One ``command`` node: assignments, words, redirects, then wrappers."""
        raw = node.text or b""  # built anew on every read: read once
        if b"\n" in raw and _spans_lines(node):
            why = "reads as one command across a line break, which bash would split there"
            self.findings.append(opaque("shell-misparsed", _text(node), why, ctx))
        if not extra and raw and not raw.translate(None, _PLAIN_BYTES):
            text = raw.decode("ascii")
            values = text.split(" ")
            if _plain_words(node, len(values)):
                self._plain(values, ctx, text, level)
                return
        assigns: dict[str, str] = {}
        redirect_nodes = list(extra) if extra else []
        words = self._words(node, ctx, level, assigns, redirect_nodes)
        if extra:
            words.extend(_dropped_dashes(node, extra))
        parsed, stdin = self._redirects(redirect_nodes, ctx, level) if redirect_nodes else _NONE
        if words and not words[0][0] and not words[0][1]:
            words = list(_NULL_COMMAND)
        if not words:
            if parsed:
                words = list(_NULL_COMMAND)
            else:
                return
        local = ctx.but(redirects=ctx.redirects + parsed) if parsed else ctx
        text = raw.decode("utf-8", "replace")  # _text(node)
        self._run(words, local, text=text, assigns=assigns, stdin=stdin, level=level)

    def _plain(self, values: list[str], ctx: _Ctx, text: str, level: int) -> None:
        """``_run`` of plain words, emitted at once when no wrapper or shell-level check
        (``cd``, aliases, interpreters, pipes, files written earlier) applies."""
        first = values[0]
        program = first.rpartition("/")[2]
        if (
            ctx.pipe is not None
            or self.written
            or (self.aliases and program in self.aliases)
            or not _runs_as_is(values, program)
        ):
            words = [(v, 0) for v in values]
            self._run(words, ctx, text=text, assigns={}, stdin=None, level=level)
            return
        if ctx.redirects or program in WRITERS or program in COPIERS:
            self._add([(v, 0) for v in values], ctx, text, {}, None)
            return
        self.cwds.append(self.cwd)
        self.commands.append(_plain_command(values, program, text, ctx))

    def _words(
        self,
        node: Node,
        ctx: _Ctx,
        level: int,
        assigns: dict[str, str],
        redirect_nodes: list[Node],
    ) -> list[Word]:
        """The words of a command; its assignments and redirect nodes go to the lists.

        Arguments are brace-expanded as bash does (``words.brace_words``); the program
        word is not, since braces there compute the name and make it opaque. Lines
        joined with a backslash-newline are not expanded: a word may continue on the
        next line, and expanding half of it would be wrong (it stays as written).
        """
        words: list[Word] = []
        sub_ctx = ctx.inner()
        leaves = _LEAVES
        plain = _PLAIN_WORD.isdisjoint
        joined = self._joined
        last_end = -1
        for child in node.named_children:
            kind = child.type
            if kind == "word" and not joined:  # the common case, as below but shorter
                text = (child.text or b"").decode("utf-8", "replace")
                words.extend(((text, 0),) if plain(text) else _argument(child))
                continue
            if kind in _BRACED and not joined and (braced := brace_words(child)):
                words.extend(braced)  # ``/{etc,usr}``: an argument, never the program
                continue
            target = child
            if kind == "command_name":
                if child.named_child_count:
                    target = child.named_child(0)
                    kind = target.type
                    if kind == "word" and not joined:  # likewise: a plain program name
                        text = (target.text or b"").decode("utf-8", "replace")
                        words.append((text, 0) if plain(text) else resolve(target))
                        continue
            elif kind in _REDIRECTS:
                redirect_nodes.append(child)
                continue
            elif kind == "variable_assignment":
                name, value = assignment(child)
                assigns[name] = value
                if child.named_child_count > 1:
                    self.visit(child, sub_ctx, level + 1)
                continue
            if kind == "word":  # the common case, without a call to ``resolve``
                text = (target.text or b"").decode("utf-8", "replace")
                word = (text, 0) if plain(text) else resolve(target)
            else:
                word = resolve(target)
                if kind not in leaves:
                    self.visit(target, sub_ctx, level + 1)
            if joined:
                if words and continues(node, child, last_end):
                    # ``r\<newline>m``: bash joins the halves, the grammar does not
                    word = (words[-1][0] + word[0], words[-1][1] | word[1])
                    words.pop()
                last_end = child.end_byte
            words.append(word)
        return words

    def _redirects(
        self, nodes: Sequence[Node], ctx: _Ctx, level: int
    ) -> tuple[tuple[Redirect, ...], Word | None]:
        """Parse redirect nodes; return them and the heredoc/here-string text, if any."""
        if not nodes:
            return (), None
        out: list[Redirect] = []
        stdin: Word | None = None
        sub_ctx = ctx.inner()
        for node in nodes:
            if node.type == "heredoc_redirect":
                stdin = heredoc_text(node)
                if any(c.type in _HEREDOC_MISREAD for c in node.named_children):
                    # The grammar read body lines as words of the redirect (seen with
                    # ``<<-`` and a body starting with a backslash): the body it
                    # reports is not the one bash would feed, so nothing can be judged.
                    self.findings.append(
                        opaque(
                            "shell-unparseable",
                            _text(node),
                            "a here-document the parser could not read reliably",
                            ctx,
                        )
                    )
                for child in node.named_children:
                    if child.type == "file_redirect":
                        out.extend(self._redirects((child,), ctx, level)[0])
                    elif child.type == "heredoc_body":
                        self.visit(child, sub_ctx, level + 1)
                continue
            op = next((c.type for c in node.children if not c.is_named), "")
            dest = [c for c in node.named_children if c.type != "file_descriptor"]
            if node.type == "herestring_redirect":
                if dest:
                    value, flags = resolve(dest[0])
                    stdin = (value + "\n", flags)
            elif dest:
                value, _ = resolve(dest[0])
                out.append(Redirect(op, value))
            for d in dest:
                if d.type not in _LEAVES:
                    self.visit(d, sub_ctx, level + 1)
        return tuple(out), stdin

    # -- one command after its words are known ------------------------------------

    def _run(
        self,
        words: Sequence[Word],
        ctx: _Ctx,
        *,
        text: str,
        assigns: dict[str, str],
        stdin: Word | None,
        level: int,
    ) -> None:
        """Peel wrappers off ``words`` and emit what runs inside them."""
        if assigns:
            self._loaded_files(assigns, ctx, text)
        renamed = False  # once: a copy names its original program, never another copy
        for _ in range(MAX_WRAPPERS):
            value, flags = words[0]
            echoed = static_echo(value) if flags == DYNAMIC else None
            if echoed:
                words = [(w, 0) for w in echoed] + list(words[1:])
                continue
            if self.written and not renamed and not flags and "/" in value:
                original = self._renamed(value, words, ctx, text)
                if original is not None:
                    if not original:
                        return
                    label = f"copy of {original[0][0].rpartition('/')[2]}"
                    words, ctx, renamed = original, ctx.but(wrappers=(*ctx.wrappers, label)), True
                    continue
            if flags:
                self.findings.append(
                    opaque(
                        "shell-opaque-command-name",
                        text,
                        f"the program name {value!r} is computed when the command runs",
                        ctx,
                    )
                )
                return
            program = value.rpartition("/")[2]
            if program in RESERVED_WORDS:
                self._misread(text, ctx)
                words = words[1:]
                if not words:
                    return
                continue
            if "=" in value and _ASSIGNMENT.match(value):
                # ``! ! X=1 rm -rf /``: bash assigns, the grammar saw a program name
                name, _, assigned = value.partition("=")
                assigns = {**assigns, name: assigned}
                words = words[1:]
                if not words:
                    return
                continue
            if program in self.aliases:
                self.findings.append(
                    opaque("shell-opaque-alias", text, f"{program!r} is an alias defined here", ctx)
                )
                return
            unwrapper = _WRAPPERS.get(program)
            step = unwrapper(words) if unwrapper is not None else None
            if step is None:
                break
            if program == "xargs" and step.rest is not None:
                step = _xargs_fed(step, stdin, ctx)
            granted = ctx.but(
                elevated=ctx.elevated or step.elevated,
                remote_host=step.remote_host or ctx.remote_host,
                container=step.container or ctx.container,
            )
            if step.assignments:
                assigns = {**assigns, **dict(step.assignments)}
                self._loaded_files(dict(step.assignments), ctx, text)
            if step.keep:
                self._add(words, ctx, text, assigns, stdin)
            self._step(step, words, granted, text=text, assigns=assigns, stdin=stdin, level=level)
            if step.rest is None:
                return
            words, ctx = step.rest, granted.but(wrappers=(*ctx.wrappers, step.label))
        else:
            self._deep(text, ctx)
            return
        self._leaf(words, ctx, text=text, assigns=assigns, stdin=stdin, level=level)

    def _loaded_files(self, assigns: dict[str, str], ctx: _Ctx, text: str) -> None:
        """Opaque findings for code files made on the line and loaded through
        ``_LOADED_FILES`` variables (whatever program, wrapped or not, they reach)."""
        for name in _LOADED_FILES.intersection(assigns):
            if _computed_file(assigns[name]):
                why = f"{name} makes the program load code from a file computed on this line"
                self.findings.append(opaque("shell-opaque-loaded-file", text, why, ctx))

    def _step(
        self,
        step: unwrap.Step,
        words: Sequence[Word],
        ctx: _Ctx,
        *,
        text: str,
        assigns: dict[str, str],
        stdin: Word | None,
        level: int,
    ) -> None:
        """Scripts, extra commands and stdin of one wrapper whose words are ``words``."""
        inner = ctx.but(wrappers=(*ctx.wrappers, step.label))
        program = posixpath.basename(words[0][0])
        for script in step.scripts:
            self._script(script, program, inner, text, level)
        for argv in step.extra:
            if argv:
                self._run(argv, inner, text=text, assigns=assigns, stdin=None, level=level + 1)
        if step.stdin_shell:
            self._stdin_shell(words, ctx, text, stdin, level)
        elif step.rest is None and not (step.keep or step.scripts or step.extra):
            self._add(words, ctx, text, assigns, stdin)

    def _script(self, script: Word, program: str, ctx: _Ctx, text: str, level: int) -> None:
        """Shell text handed to ``bash -c``, ``eval``, ``ssh`` ...: parse it too."""
        value, flags = script
        if flags & DYNAMIC:
            if program == "eval" and safe_eval(value):
                return
            rule = "shell-opaque-eval"
            why = f"{program} runs text that is computed when the command runs"
            self.findings.append(opaque(rule, text, why, ctx))
            return
        saved = self.cwd
        self.walk_text(value, ctx.but(depth=ctx.depth + 1), level + 1)
        self.cwd = saved

    def _stdin_shell(
        self, words: Sequence[Word], ctx: _Ctx, text: str, stdin: Word | None, level: int
    ) -> None:
        """A shell reading its program from standard input."""
        inner = ctx.but(wrappers=(*ctx.wrappers, posixpath.basename(words[0][0])))
        if stdin is not None:
            if stdin[1] & DYNAMIC:
                why = "a shell runs a heredoc or here-string with expansions in it"
                self.findings.append(opaque("shell-opaque-eval", text, why, ctx))
                return
            self.walk_text(stdin[0], inner.but(depth=ctx.depth + 1, pipe=None), level + 1)
            return
        pipe = ctx.pipe
        if pipe is None:
            self._add(words, ctx, text, {}, None)
            return
        if pipe.literal is not None:
            self.walk_text(pipe.literal, inner.but(depth=ctx.depth + 1, pipe=None), level + 1)
            return
        self.findings.append(_pipe_finding(pipe, text, ctx))

    def _leaf(
        self,
        words: Sequence[Word],
        ctx: _Ctx,
        *,
        text: str,
        assigns: dict[str, str],
        stdin: Word | None,
        level: int,
    ) -> None:
        """The innermost command: a few shell-level checks, then emit it."""
        program = words[0][0].rpartition("/")[2]
        if program in _CD:
            self._change_directory(program, words)
        if assigns:
            for name in COMMAND_VARIABLES.intersection(assigns):
                value = assigns[name]
                dynamic = DYNAMIC if ("$" in value or "`" in value) else 0
                self._script((value, dynamic), name, ctx, text, level)
        if program == "alias":
            self.aliases.update(w.split("=", 1)[0] for w, _ in words[1:] if "=" in w)
        runs_code = program in _SOURCES
        interprets = (
            runs_code
            or program in _INTERPRETERS
            or (program[:1] == "p" and unwrap.is_interpreter(program))
        )
        if interprets and self._runs_stream(words, ctx, text):
            return
        if self.written and self._runs_written(program, words, ctx, text):
            return
        if (
            not runs_code
            and ctx.pipe is not None
            and stdin is None
            and reads_program(program, words)
        ):
            if ctx.pipe.literal is None:
                self.findings.append(_pipe_finding(ctx.pipe, text, ctx))
                return
            stdin = (ctx.pipe.literal, 0)
        elif (
            ctx.pipe is not None
            and stdin is None
            and ctx.pipe.literal is not None
            and reads_queries(program)
        ):
            stdin = (ctx.pipe.literal, 0)
        self._add(words, ctx, text, assigns, stdin)

    def _runs_stream(self, words: Sequence[Word], ctx: _Ctx, text: str) -> bool:
        """``source <(curl ...)``, ``. /dev/stdin``, ``bash <(...)``: opaque; True if so."""
        script = next(((w, f) for w, f in words[1:] if not w.startswith("-")), None)
        if script is None:
            return False
        value, _flags = script
        if value in _STDIN_DEVICES and ctx.pipe is not None and ctx.pipe.literal is None:
            self.findings.append(_pipe_finding(ctx.pipe, text, ctx))
            return True
        if value.startswith(("<(", "$(", "`")) or value in _STDIN_DEVICES:
            download = names_download(value)
            rule = "shell-opaque-download-exec" if download else "shell-opaque-eval"
            why = "runs shell code produced by another command"
            self.findings.append(opaque(rule, text, why, ctx))
            return True
        return False

    def _runs_written(self, program: str, words: Sequence[Word], ctx: _Ctx, text: str) -> bool:
        """``curl -o i.sh URL && sh i.sh``: running a file this line wrote is opaque."""
        path = executed_file(program, [w for w, _ in words])
        if path is None or path not in self.written:
            return False
        entry = self.written[path]
        if entry.copy_of is not None:
            # a copied program run directly was renamed by ``_run``; read as a script
            # it is data to the interpreter, unless nobody knows what was copied
            if not entry.copy_of[1]:
                return False
            self.findings.append(_computed_copy(path, entry.copy_of[0], text, ctx))
        elif entry.downloaded:
            why = f"runs {path}, which an earlier command on this line downloaded"
            self.findings.append(opaque("shell-opaque-download-exec", text, why, ctx))
        else:
            why = f"runs {path}, which an earlier command on this line wrote"
            self.findings.append(opaque("shell-opaque-generated-script", text, why, ctx))
        return True

    def _add(
        self,
        words: Sequence[Word],
        ctx: _Ctx,
        text: str,
        assigns: dict[str, str],
        stdin: Word | None,
    ) -> None:
        self.cwds.append(self.cwd)
        argv = tuple(map(_VALUE, words))
        program = argv[0].rpartition("/")[2]
        if ctx.redirects or program in WRITERS or program in COPIERS:
            redirects = [(r.op, r.target) for r in ctx.redirects]
            for path, downloaded in written_files(argv, redirects):
                earlier = self.written.get(path)
                self.written[path] = Written(downloaded or (earlier or _NEW_FILE).downloaded)
            if program in COPIERS:
                self._copies(words)
        self.commands.append(
            SimpleCommand(
                argv,
                text,
                assigns,
                ctx.redirects,
                ctx.wrappers,
                stdin[0] if stdin is not None else None,
                ctx.elevated,
                ctx.remote_host,
                ctx.container,
            )
        )

    def _copies(self, words: Sequence[Word]) -> None:
        """Remember what ``cp``/``ln``/``mv``/``install``/``rsync`` put under a new name.

        A copy of a file written earlier on the line is what that file was (``mv``
        of a download is still a download); a copy of a program is that program; a
        copy of a computed path could be any program. Copies of anything else (data,
        a directory) are not recorded, so running them is judged as before.
        """
        for dest, source in copied_files(words):
            value, flags = source
            earlier = None if flags else self.written.get(value)
            if earlier is not None:
                self.written[dest] = earlier
            elif flags or (value != dest and _names_program(value)):
                self.written[dest] = Written(copy_of=source)

    def _renamed(
        self, value: str, words: Sequence[Word], ctx: _Ctx, text: str
    ) -> list[Word] | None:
        """``./x`` copied from a program earlier on the line: ``words`` with that
        program's path as the first word; ``[]`` when the copy's source is computed
        (an opaque finding is added); ``None`` when ``./x`` is no such copy."""
        entry = self.written.get(posixpath.normpath(value))
        if entry is None or entry.copy_of is None:
            return None
        source, flags = entry.copy_of
        if flags:
            self.findings.append(_computed_copy(value, source, text, ctx))
            return []
        return [(source, 0), *words[1:]]

    def _change_directory(self, program: str, words: Sequence[Word]) -> None:
        """Follow ``cd DIR`` so ``cd / && rm -rf *`` is judged in ``/``."""
        operands = [w for w in words[1:] if not w[0].startswith("-") or w[0] == "-"]
        if program == "popd" or (operands and operands[0][0] == "-"):
            self.cwd = "$OLDPWD"  # somewhere earlier: not known statically
            return
        target = operands[0][0] if operands else "~"
        base = self.cwd
        self.cwd = posixpath.join(base, target) if base and not target.startswith("~") else target

    def _misread(self, text: str, ctx: _Ctx) -> None:
        """A reserved word where the grammar saw a command name (``! if ...``)."""
        why = "uses a shell keyword where the parser expected a command; bash may disagree"
        self.findings.append(opaque("shell-unparseable", text, why, ctx))

    def _deep(self, text: str, ctx: _Ctx) -> None:
        if not self._too_deep:
            self._too_deep = True
            why = "nests commands deeper than interlock follows"
            self.findings.append(opaque("shell-too-deep", text, why, ctx))


# -- helpers over nodes -----------------------------------------------------------


def static_echo(value: str, depth: int = 0) -> list[str] | None:
    """The words a substitution of a literal ``echo``/``printf`` would produce, if it is one.

    ``$(echo ls)`` and ```echo pwd``` in the program position are computed, but from
    constants: their output is known without running anything, so the program they
    name is judged instead of holding the line as opaque. Anything else inside the
    substitution (a variable, a pipeline, another program, options other than ``-n``)
    keeps it opaque. The output is split on blanks as an unquoted substitution is.
    """
    if value.startswith("$(") and value.endswith(")"):
        inner = value[2:-1]
    elif value.startswith("`") and value.endswith("`") and len(value) > 1:
        inner = value[1:-1]
    else:
        return None
    source = inner.encode("utf-8", "surrogatepass")
    if depth > 3 or "\x00" in inner or _CRASHES_PARSER.search(source):
        return None
    root = _PARSER.parse(source).root_node
    if root.has_error or root.named_child_count != 1:
        return None
    command = root.named_children[0]
    if command.type != "command":
        return None
    parts: list[str] = []
    for child in command.named_children:
        if child.type == "command_name":
            name, name_flags = resolve(child.named_children[0]) if child.named_children else ("", 1)
            if name_flags or name not in ("echo", "printf"):
                return None
            continue
        if child.type not in _LEAVES | _ECHO_WORDS:
            return None
        word, word_flags = resolve(child)
        if word_flags == DYNAMIC:
            nested = static_echo(word, depth + 1)
            if nested is None:
                return None
            parts.extend(nested)
        elif word_flags:
            return None
        elif word != "-n":
            parts.append(word)
    out = " ".join(parts).split()
    return out if out and all("%" not in w and "\\" not in w for w in out) else None


def _argument(node: Node) -> list[Word]:
    """A bare argument word with escapes, globs or braces: brace-expanded, or resolved."""
    braced = brace_words(node)
    return braced or [resolve(node)]


def _spawns_itself(body: Node, name: str) -> bool:
    """Whether the function body ``body`` runs the command ``name`` (itself) as a stage
    of a pipeline or in the background (``&``): each call then starts two or more
    that run at once, which a plain recursive call (``f(){ f; }``) does not."""
    stack = [(body, False)]
    while stack:
        node, forked = stack.pop()
        kind = node.type
        if kind == "function_definition":
            continue  # a nested function is judged when it is defined
        if forked and kind == "command":
            called = node.child_by_field_name("name")
            if (
                called is not None
                and called.named_child_count
                and resolve(called.named_children[0])[0] == name
            ):
                return True
        children = node.children
        piped = kind == "pipeline"
        for child, after in itertools.zip_longest(children, children[1:]):
            if child.is_named:
                background = after is not None and after.type == "&"
                stack.append((child, forked or piped or background))
    return False


def _spans_lines(node: Node) -> bool:
    """Whether a newline (not a line continuation) separates two parts of ``node``.

    bash ends a simple command at such a newline; tree-sitter-bash sometimes runs on
    (``ls`` NEWLINE ``\\rm -rf /`` read as ``ls \\rm -rf /``), which would hide the
    second command from every rule.
    """
    children = node.children
    raw = node.text or b""
    start = node.start_byte
    for before, after in itertools.pairwise(children):
        if _breaks(raw[before.end_byte - start : after.start_byte - start]):
            return True
    # the grammar may also fold the newline into the next unquoted word
    return any(_breaks(word.text or b"") for word in _bare_words(children))


def _breaks(text: bytes) -> bool:
    return b"\n" in text.replace(b"\\\n", b"")


def _bare_words(nodes: Sequence[Node]) -> Iterator[Node]:
    for node in nodes:
        if node.type == "word":
            yield node
        elif node.type in ("command_name", "concatenation"):
            yield from _bare_words(node.children)


def _plain_words(node: Node, count: int) -> bool:
    """Whether the command ``node`` is exactly ``count`` words (or numbers), the first
    as its name.

    The caller saw only plain characters and single spaces in the command's text, so
    no word needs unquoting. The tree must still agree: without errors, a command of
    ``count`` named children and ``count + 2`` nodes in all (itself, the name and one
    leaf per word) has one leaf per space-separated part and nothing else, not a
    ``variable_assignment``, a ``concatenation`` or an unnamed ``==``. A cursor visits
    the children without building the list of them.
    """
    if node.descendant_count != count + 2 or node.named_child_count != count or node.has_error:
        return False
    cursor = node.walk()
    cursor.goto_first_child()
    name = cursor.node
    if name is None or name.kind_id != _COMMAND_NAME:
        return False
    word = name.child(0)
    kinds = _WORD_KINDS
    if word is None or word.kind_id not in kinds:
        return False
    while cursor.goto_next_sibling():
        child = cursor.node
        if child is None or child.kind_id not in kinds:
            return False
    return True


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _xargs_fed(step: unwrap.Step, stdin: Word | None, ctx: _Ctx) -> unwrap.Step:
    """``echo / | xargs rm -rf`` is ``rm -rf /``: when what xargs reads is literal text
    (a here-string, a heredoc, or ``echo``/``printf`` of fixed words earlier in the
    pipeline), its words replace the ``$XARGS`` placeholder, so the command is judged
    by what it will delete rather than as an unknown target."""
    rest = step.rest
    if rest is None or unwrap.XARGS_INPUT not in rest:
        return step
    if stdin is not None:
        literal = stdin[0] if not stdin[1] else None
    else:
        literal = ctx.pipe.literal if ctx.pipe is not None else None
    if literal is None or not literal.split():
        return step
    fed: list[Word] = []
    for word in rest:
        fed.extend([(w, 0) for w in literal.split()] if word == unwrap.XARGS_INPUT else [word])
    return dataclasses.replace(step, rest=tuple(fed))


def _dropped_dashes(command: Node, redirects: Sequence[Node]) -> list[Word]:
    """The lone ``-`` words tree-sitter-bash leaves out before a heredoc.

    The grammar reads ``kubectl apply -f - <<EOF`` as ``kubectl apply -f`` plus the
    heredoc: no node covers the ``-``, which names standard input (``make -f -``,
    ``psql -f -``, ``bash -s -``). Bytes between the command and its first redirect
    that are only such dashes are given back as words; anything else there is left to
    the other checks.
    """
    statement = command.parent
    raw = statement.text if statement is not None else None
    if raw is None or statement is None:
        return []
    begin = command.end_byte - statement.start_byte
    end = min(r.start_byte for r in redirects) - statement.start_byte
    gap = raw[begin:end].split()
    if not gap or any(token != b"-" for token in gap):
        return []
    return [("-", 0)] * len(gap)


def _computed_file(value: str) -> bool:
    """Whether a file named by ``value`` is made or chosen only when the line runs."""
    return value == "-" or any(mark in value for mark in _COMPUTED_FILE_MARKS)


def _pipe_finding(pipe: Pipe, text: str, ctx: _Ctx) -> Finding:
    text = f"{pipe.source} | {text}"
    if pipe.download:
        why = "runs code downloaded by an earlier stage of the pipeline"
        return opaque("shell-opaque-download-exec", text, why, ctx)
    why = f"runs code computed by an earlier stage ({pipe.source[:80]})"
    return opaque("shell-opaque-decoded-pipe", text, why, ctx)


def assess_shell(action: Action, config: Config) -> Assessment:
    """Classify a shell action: split it, judge each command, never raise."""
    return (_ASSESS or _load_assess())(action, config)


_ASSESS: Callable[[Action, Config], Assessment] | None = None


def _load_assess() -> Callable[[Action, Config], Assessment]:
    """``shell_findings.assess``, imported on first use (it imports this module)."""
    global _ASSESS  # noqa: PLW0603 - set once, read on every call
    from interlock.classify.shell_findings import assess

    _ASSESS = assess
    return assess
