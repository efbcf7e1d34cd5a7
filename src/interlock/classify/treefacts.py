"""The bash grammar, and facts read off the syntax trees it builds and their words.

``classify/shell.py`` walks a command line's tree; the questions it asks of a node or
a word on the way live here, so the walk reads as what bash would run and these read
as what the grammar says (tree-sitter-bash, never a regex over the raw string: that
is what every bypassed guard does). Each answers one question without walking further:

- where tree-sitter-bash and bash disagree: a command the grammar runs on across a
  newline (``spans_lines``), the lone ``-`` it drops before a heredoc
  (``dropped_dashes``), and input that crashes its scanner (``CRASHES_PARSER``);
- what a word stands for: a bare argument brace-expanded as bash does
  (``rm -rf /{etc,usr}``, ``argument_words`` over ``classify/words.py``), the output
  of a literal ``$(echo ls)`` (``static_echo``), a file made or chosen only when the
  line runs (``computed_file``), the literal input ``xargs`` is fed (``xargs_fed``);
- whether a function runs itself in a pipeline or in the background
  (``:(){ :|:& };:``, ``spawns_itself``), the shape of the ``shell-fork-bomb`` finding.

The parser is made once here and shared by the walker and the plain-words path
(``classify/plainline.py``), so both read the same grammar.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator, Sequence

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from interlock.classify import unwrap
from interlock.classify.walkcontext import WalkContext
from interlock.classify.words import DYNAMIC, Word, brace_words, resolve

LANGUAGE = Language(tree_sitter_bash.language())
PARSER = Parser(LANGUAGE)
#: tree-sitter-bash 0.25's scanner can crash the whole process (a segmentation fault,
#: found by fuzzing) on ``{`` directly followed by a UTF-8 sequence of four bytes: a
#: character outside the Basic Multilingual Plane. Such input is never handed to it.
CRASHES_PARSER = re.compile(rb"\{[\xf0-\xf4]")

#: A command line longer than this is held unread: parsing and walking grow with it
#: (a 900 KB line takes seconds, past an agent hook's deadline), and no person
#: approving it would read that much either.
MAX_COMMAND_CHARS = 128 * 1024

#: Node kinds that hold one word and nothing to walk into.
LEAVES = frozenset({"word", "number", "raw_string", "ansi_c_string", "variable_name"})
_ECHO_WORDS = frozenset({"string", "concatenation", "command_substitution"})
#: Marks of a file made or chosen only when the line runs (``computed_file``).
_COMPUTED_FILE_MARKS = ("<(", ">(", "$", "`", "/dev/stdin", "/dev/fd/", "/proc/self/fd/")
#: The grammar's id for ``command`` nodes: an id compares faster than ``Node.type``.
COMMAND_KIND = LANGUAGE.id_for_node_kind("command", True)


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
    if depth > 3 or "\x00" in inner or CRASHES_PARSER.search(source):
        return None
    root = PARSER.parse(source).root_node
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
        if child.type not in LEAVES | _ECHO_WORDS:
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


def argument_words(node: Node) -> list[Word]:
    """A bare argument word with escapes, globs or braces: brace-expanded, or resolved."""
    braced = brace_words(node)
    return braced or [resolve(node)]


def spawns_itself(body: Node, name: str) -> bool:
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


def spans_lines(node: Node) -> bool:
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


def node_text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def xargs_fed(step: unwrap.Step, stdin: Word | None, ctx: WalkContext) -> unwrap.Step:
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


def dropped_dashes(command: Node, redirects: Sequence[Node]) -> list[Word]:
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


def computed_file(value: str) -> bool:
    """Whether a file named by ``value`` is made or chosen only when the line runs."""
    return value == "-" or any(mark in value for mark in _COMPUTED_FILE_MARKS)
