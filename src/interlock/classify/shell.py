"""Shell command lines: every simple command that would run, and what hides one.

``split`` parses a command line with tree-sitter-bash (never a regex over the raw
string: that is what every bypassed guard does) and walks the tree once, unwrapping
pipelines, lists, subshells, groups, function bodies, loops, ``case``, ``if``,
negation, command and process substitution, heredocs and here-strings fed to shells
(``bash -s``, ``source /dev/stdin``), and the wrapper programs of ``classify/unwrap.py``
(``sudo``, ``env``, ``bash -c``, ``ssh host 'cmd'``, ``xargs``, ``find -exec`` ...).
What cannot be resolved statically becomes an opaque finding (DESIGN.md floor rule
3): a computed command name, ``eval`` or ``bash -c`` of computed text, a decoded or
downloaded payload piped to a shell or interpreter, unparseable input, absurd
nesting, a use of an alias defined on the line.
Three more shapes are named here because no family sees them: a copy or link of a
known program run under another name (``cp /bin/rm ./x && ./x -rf ~``) is judged as
that program; unquoted brace expressions in arguments are expanded as bash does
(``rm -rf /{etc,usr}``); a function that runs itself in a pipeline or in the
background (``:(){ :|:& };:``) is the ``shell-fork-bomb`` finding.

This module holds the walk itself (``_Walker``) and its entry points. What it carries
down the tree and the findings it builds are in ``classify/walkcontext.py``; the
questions it asks of a node or a word (where the grammar and bash disagree, what a
word stands for) in ``classify/treefacts.py``; the short path for one command of
plain words in ``classify/plainline.py``. Word values come from
``classify/words.py``, pipes and heredocs from ``classify/streams.py``; ``cd`` is
followed so later commands are judged where they run.

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

import operator
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from interlock.classify import unwrap
from interlock.classify.command import Redirect, SimpleCommand
from interlock.classify.launchers import COMMAND_VARIABLES, safe_eval
from interlock.classify.plainline import (
    PLAIN_BYTES,
    plain,
    plain_command,
    plain_words,
    runs_as_is,
)
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
from interlock.classify.treefacts import (
    COMMAND_KIND,
    CRASHES_PARSER,
    LEAVES,
    MAX_COMMAND_CHARS,
    PARSER,
    argument_words,
    computed_file,
    dropped_dashes,
    node_text,
    spans_lines,
    spawns_itself,
    static_echo,
    xargs_fed,
)
from interlock.classify.walkcontext import (
    CD,
    INTERPRETERS,
    ROOT,
    SOURCES,
    WRAPPERS,
    WalkContext,
    computed_copy,
    fork_bomb,
    names_program,
    opaque,
    pipe_finding,
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
from interlock.models import Action, Assessment, Finding

#: What other modules use from here; ``plain`` and ``opaque`` live in
#: ``classify/plainline.py`` and ``classify/walkcontext.py`` and are kept importable
#: from here for callers that knew them as ``shell.plain`` and ``shell.opaque``.
__all__ = [
    "MAX_COMMAND_CHARS",
    "MAX_DEPTH",
    "MAX_LEVEL",
    "MAX_WRAPPERS",
    "ShellAnalysis",
    "assess_shell",
    "opaque",
    "plain",
    "split",
    "static_echo",
    "walk",
]

#: Shell text inside shell text (``bash -c "sh -c '...'"``) deeper than this is opaque.
MAX_DEPTH = 12
#: Syntax nesting (``$($($(...)))``, ``((((...))))``) deeper than this is opaque.
MAX_LEVEL = 160
#: Wrappers around one command (``sudo env nice timeout ...``) beyond this are opaque.
MAX_WRAPPERS = 24

_REDIRECTS = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})
#: Characters that make a bare word need ``resolve`` (escapes, globs, braces).
_PLAIN_WORD = frozenset("\\*?[{")
#: Word nodes directly under a heredoc redirect: body lines the grammar misread.
_HEREDOC_MISREAD = frozenset(
    {"word", "concatenation", "string", "raw_string", "number", "simple_expansion", "expansion"}
)
#: Argument nodes that may hold a brace expression besides a plain ``word``.
_BRACED = frozenset({"concatenation", "brace_expression"})
_SKIP = frozenset({"comment", "heredoc_start", "heredoc_end", "heredoc_content"})
#: A lone surrogate (a JSON ``\ud800`` escape) reaches bash as U+FFFD, so it is judged as that.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: ``> file`` alone is ``: > file``: the null command with a redirection.
_NULL_COMMAND: tuple[Word, ...] = ((":", 0),)
_STDIN_DEVICES = frozenset({"/dev/stdin", "/dev/fd/0", "-", "/proc/self/fd/0"})
#: ``source /dev/stdin <<'EOF'``: the current shell runs the heredoc, which is read like
#: ``bash -s``'s (the hook sends a sourced script so: ``integrations/scriptfile.py``).
_SOURCE_BUILTINS = frozenset({"source", "."})
_STDIN_FILES = _STDIN_DEVICES - {"-"}
_VALUE = operator.itemgetter(0)
#: A word bash reads as an assignment when it leads a command.
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
#: Variables naming a file whose code the program loads before its own: bash sources
#: ``BASH_ENV`` (``ENV`` for sh), the dynamic linker preloads ``LD_PRELOAD`` and
#: ``LD_AUDIT``. A path is judged like running that file (a script in the workspace is
#: local work); a file made on the line itself (``BASH_ENV=<(echo 'rm -rf /') bash -c
#: true``, ``/dev/stdin``) hides what runs, so it is opaque.
_LOADED_FILES = frozenset({"BASH_ENV", "ENV", "LD_PRELOAD", "LD_AUDIT"})
#: ``_redirects`` of no redirect nodes.
_NONE: tuple[tuple[Redirect, ...], Word | None] = ((), None)
#: Imported objects whose methods the walk calls, under names of this module:
#: CPython 3.11 compiles ``name.method()`` on an imported name as an attribute load
#: that builds a bound method on every call; on a name assigned here it does not.
#: ``tests/classify/test_shell_plain.py`` empties ``_PLAIN_BYTES`` here and
#: ``plainline.PLAIN_BYTES`` to switch both short paths off.
_PARSER = PARSER
_CRASHES_PARSER = CRASHES_PARSER
_WRAPPERS = WRAPPERS
_PLAIN_BYTES = PLAIN_BYTES
#: ``Written`` of a file the line has not touched yet.
_NEW_FILE = Written()


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    """What ``split`` found: the commands that would run and the opaque findings."""

    commands: tuple[SimpleCommand, ...]
    findings: tuple[Finding, ...]
    text: str = ""
    #: Per command, the directory ``cd`` moved to before it (``None``: unchanged),
    #: absolute or relative to the action's working directory.
    cwds: tuple[str | None, ...] = ()


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
        walker.findings.append(opaque("shell-too-long", text[:200] + "…", why, ROOT))
        return walker
    walker.walk_text(text, ROOT, 0, root)
    return walker


def _sources_stdin(words: Sequence[Word]) -> bool:
    """``source /dev/stdin [args]`` or ``. /dev/fd/0``: the builtin reads its code from
    standard input (the caller has a heredoc or here-string for it)."""
    if words[0][0] not in _SOURCE_BUILTINS:
        return False
    script = next(((w, f) for w, f in words[1:] if not w.startswith("-")), None)
    return script is not None and script[0] in _STDIN_FILES and not script[1] & DYNAMIC


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
        "loaded",
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
        #: ``(variable, value, cwd)`` of each literal file a ``_LOADED_FILES`` variable
        #: names, and of ``NODE_OPTIONS`` (whose ``--require`` loads one), assigned
        #: before a command or exported: the hook reads their code
        #: (``integrations/linecode.py``), as it reads a script the line runs.
        self.loaded: list[tuple[str, str, str | None]] = []

    # -- entry points -------------------------------------------------------------

    def walk_text(
        self, text: str, ctx: WalkContext, level: int, parsed: Node | None = None
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
                if child.kind_id == COMMAND_KIND:
                    self._command(child, ctx, level + 1, ())
                else:
                    self.visit(child, ctx, level + 1)
        else:
            self.visit(root, ctx, level)
        return root

    def visit(self, node: Node, ctx: WalkContext, level: int) -> None:
        """Walk ``node``: commands are emitted, everything else is descended into."""
        if level > MAX_LEVEL:
            self._deep(node_text(node), ctx)
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
                if name and spawns_itself(body, name):
                    self.findings.append(fork_bomb(name, node_text(node), ctx))
                self.visit(body, ctx, level + 1)
        elif kind not in LEAVES and kind not in _SKIP:
            if kind == "declaration_command":
                self._exported(node, ctx)
            for child in node.named_children:
                self.visit(child, ctx, level + 1)

    def _exported(self, node: Node, ctx: WalkContext) -> None:
        """``export BASH_ENV=./x.sh``: every later shell of the line loads the file."""
        assigns = dict(
            assignment(child)
            for child in node.named_children
            if child.type == "variable_assignment"
        )
        if assigns:
            self._loaded_files(assigns, ctx, node_text(node))

    # -- statements ---------------------------------------------------------------

    def _redirected(self, node: Node, ctx: WalkContext, level: int) -> None:
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
        self, body: Node | None, redirects: tuple[Node, ...], ctx: WalkContext, level: int
    ) -> None:
        if body is not None and body.type == "command":
            self._command(body, ctx, level, redirects)
            return
        if body is not None and redirects and body.type in ("list", "pipeline"):
            self._tail_redirected(body, redirects, ctx, level)
            return
        parsed, _ = self._redirects(redirects, ctx, level)
        if body is None:
            text = " ".join(node_text(r) for r in redirects)
            self._add(_NULL_COMMAND, ctx.but(redirects=ctx.redirects + parsed), text, {}, None)
            return
        self.visit(body, ctx.but(redirects=ctx.redirects + parsed), level + 1)

    def _tail_redirected(
        self, body: Node, redirects: tuple[Node, ...], ctx: WalkContext, level: int
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
        self, stages: Sequence[tuple[Node, tuple[Node, ...]]], ctx: WalkContext, level: int
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

    def _command(self, node: Node, ctx: WalkContext, level: int, extra: tuple[Node, ...]) -> None:
        """One ``command`` node: assignments, words, redirects, then wrappers."""
        raw = node.text or b""  # built anew on every read: read once
        if b"\n" in raw and spans_lines(node):
            why = "reads as one command across a line break, which bash would split there"
            self.findings.append(opaque("shell-misparsed", node_text(node), why, ctx))
        if not extra and raw and not raw.translate(None, _PLAIN_BYTES):
            text = raw.decode("ascii")
            values = text.split(" ")
            if plain_words(node, len(values)):
                self._plain(values, ctx, text, level)
                return
        assigns: dict[str, str] = {}
        redirect_nodes = list(extra) if extra else []
        words = self._words(node, ctx, level, assigns, redirect_nodes)
        if extra:
            words.extend(dropped_dashes(node, extra))
        parsed, stdin = self._redirects(redirect_nodes, ctx, level) if redirect_nodes else _NONE
        if words and not words[0][0] and not words[0][1]:
            words = list(_NULL_COMMAND)
        if not words:
            if parsed:
                words = list(_NULL_COMMAND)
            else:
                return
        local = ctx.but(redirects=ctx.redirects + parsed) if parsed else ctx
        text = raw.decode("utf-8", "replace")  # node_text(node)
        self._run(words, local, text=text, assigns=assigns, stdin=stdin, level=level)

    def _plain(self, values: list[str], ctx: WalkContext, text: str, level: int) -> None:
        """``_run`` of plain words, emitted at once when no wrapper or shell-level check
        (``cd``, aliases, interpreters, pipes, files written earlier) applies."""
        first = values[0]
        program = first.rpartition("/")[2]
        if (
            ctx.pipe is not None
            or self.written
            or (self.aliases and program in self.aliases)
            or not runs_as_is(values, program)
        ):
            words = [(v, 0) for v in values]
            self._run(words, ctx, text=text, assigns={}, stdin=None, level=level)
            return
        if ctx.redirects or program in WRITERS or program in COPIERS:
            self._add([(v, 0) for v in values], ctx, text, {}, None)
            return
        self.cwds.append(self.cwd)
        self.commands.append(plain_command(values, program, text, ctx))

    def _words(
        self,
        node: Node,
        ctx: WalkContext,
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
        leaves = LEAVES
        plain = _PLAIN_WORD.isdisjoint
        joined = self._joined
        last_end = -1
        for child in node.named_children:
            kind = child.type
            if kind == "word" and not joined:  # the common case, as below but shorter
                text = (child.text or b"").decode("utf-8", "replace")
                words.extend(((text, 0),) if plain(text) else argument_words(child))
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
        self, nodes: Sequence[Node], ctx: WalkContext, level: int
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
                            node_text(node),
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
                if d.type not in LEAVES:
                    self.visit(d, sub_ctx, level + 1)
        return tuple(out), stdin

    # -- one command after its words are known ------------------------------------

    def _run(
        self,
        words: Sequence[Word],
        ctx: WalkContext,
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
                step = xargs_fed(step, stdin, ctx)
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

    def _loaded_files(self, assigns: dict[str, str], ctx: WalkContext, text: str) -> None:
        """Opaque findings for code files made on the line and loaded through
        ``_LOADED_FILES`` variables (whatever program, wrapped or not, they reach)."""
        for name in _LOADED_FILES.intersection(assigns):
            if computed_file(assigns[name]):
                why = f"{name} makes the program load code from a file computed on this line"
                self.findings.append(opaque("shell-opaque-loaded-file", text, why, ctx))
            elif assigns[name]:
                self.loaded.append((name, assigns[name], self.cwd))
        if assigns.get("NODE_OPTIONS"):  # ``--require ./x.js``: read by the hook too
            self.loaded.append(("NODE_OPTIONS", assigns["NODE_OPTIONS"], self.cwd))

    def _step(
        self,
        step: unwrap.Step,
        words: Sequence[Word],
        ctx: WalkContext,
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

    def _script(self, script: Word, program: str, ctx: WalkContext, text: str, level: int) -> None:
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
        self, words: Sequence[Word], ctx: WalkContext, text: str, stdin: Word | None, level: int
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
        self.findings.append(pipe_finding(pipe, text, ctx))

    def _leaf(
        self,
        words: Sequence[Word],
        ctx: WalkContext,
        *,
        text: str,
        assigns: dict[str, str],
        stdin: Word | None,
        level: int,
    ) -> None:
        """The innermost command: a few shell-level checks, then emit it."""
        program = words[0][0].rpartition("/")[2]
        if program in CD:
            self._change_directory(program, words)
        if assigns:
            for name in COMMAND_VARIABLES.intersection(assigns):
                value = assigns[name]
                dynamic = DYNAMIC if ("$" in value or "`" in value) else 0
                self._script((value, dynamic), name, ctx, text, level)
        if program == "alias":
            self.aliases.update(w.split("=", 1)[0] for w, _ in words[1:] if "=" in w)
        runs_code = program in SOURCES
        if runs_code and stdin is not None and _sources_stdin(words):
            self._stdin_shell(words, ctx, text, stdin, level)
            return
        interprets = (
            runs_code
            or program in INTERPRETERS
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
                self.findings.append(pipe_finding(ctx.pipe, text, ctx))
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

    def _runs_stream(self, words: Sequence[Word], ctx: WalkContext, text: str) -> bool:
        """``source <(curl ...)``, ``. /dev/stdin``, ``bash <(...)``: opaque; True if so."""
        script = next(((w, f) for w, f in words[1:] if not w.startswith("-")), None)
        if script is None:
            return False
        value, _flags = script
        if value in _STDIN_DEVICES and ctx.pipe is not None and ctx.pipe.literal is None:
            self.findings.append(pipe_finding(ctx.pipe, text, ctx))
            return True
        if value.startswith(("<(", "$(", "`")) or value in _STDIN_DEVICES:
            download = names_download(value)
            rule = "shell-opaque-download-exec" if download else "shell-opaque-eval"
            why = "runs shell code produced by another command"
            self.findings.append(opaque(rule, text, why, ctx))
            return True
        return False

    def _runs_written(
        self, program: str, words: Sequence[Word], ctx: WalkContext, text: str
    ) -> bool:
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
            self.findings.append(computed_copy(path, entry.copy_of[0], text, ctx))
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
        ctx: WalkContext,
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
            elif flags or (value != dest and names_program(value)):
                self.written[dest] = Written(copy_of=source)

    def _renamed(
        self, value: str, words: Sequence[Word], ctx: WalkContext, text: str
    ) -> list[Word] | None:
        """``./x`` copied from a program earlier on the line: ``words`` with that
        program's path as the first word; ``[]`` when the copy's source is computed
        (an opaque finding is added); ``None`` when ``./x`` is no such copy."""
        entry = self.written.get(posixpath.normpath(value))
        if entry is None or entry.copy_of is None:
            return None
        source, flags = entry.copy_of
        if flags:
            self.findings.append(computed_copy(value, source, text, ctx))
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

    def _misread(self, text: str, ctx: WalkContext) -> None:
        """A reserved word where the grammar saw a command name (``! if ...``)."""
        why = "uses a shell keyword where the parser expected a command; bash may disagree"
        self.findings.append(opaque("shell-unparseable", text, why, ctx))

    def _deep(self, text: str, ctx: WalkContext) -> None:
        if not self._too_deep:
            self._too_deep = True
            why = "nests commands deeper than interlock follows"
            self.findings.append(opaque("shell-too-deep", text, why, ctx))


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
