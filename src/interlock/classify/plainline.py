"""The short path for the commonest line of all: one command of plain words.

Most lines an agent runs are one program and its arguments with nothing for bash to
remove or expand (``git status``, ``aws s3 ls s3://b``), and every check pays for
them, so ``plain`` finds such a line's command without the walker of
``classify/shell.py``. The walker takes the same short path (``plain_words``,
``runs_as_is``, ``plain_command``) for such a command inside a larger line. Both
must give exactly what the full walk gives; ``tests/classify/test_shell_plain.py``
holds them to it over the corpora.

This is the hottest code in interlock (issue 2's ``make bench``): every name it uses
is a module global, and nothing here caches whole lines.
"""

from __future__ import annotations

from tree_sitter import Node

from interlock.classify import unwrap
from interlock.classify.command import NO_ASSIGNMENTS, SimpleCommand
from interlock.classify.launchers import LAUNCH_WORDS, LAUNCHERS
from interlock.classify.streams import WRITERS
from interlock.classify.treefacts import COMMAND_KIND, LANGUAGE, MAX_COMMAND_CHARS, PARSER
from interlock.classify.walkcontext import CD, INTERPRETERS, ROOT, SOURCES, WalkContext
from interlock.classify.words import RESERVED_WORDS

#: The bytes of plain words and the space between them: ASCII letters, digits and
#: ``_./:@%+,=-``. Bash removes nothing from such words, so each one's value is its
#: text (``plain_words`` checks that the tree agrees on what the words are). A text
#: is plain when ``text.translate(None, PLAIN_BYTES)`` leaves nothing.
PLAIN_BYTES = bytes(b for b in range(128) if chr(b).isalnum() or chr(b) in " _./:@%+,=-")
_COMMAND_NAME = LANGUAGE.id_for_node_kind("command_name", True)
_WORD_KINDS = frozenset({LANGUAGE.id_for_node_kind(k, True) for k in ("word", "number")})
_NEW_TUPLE = tuple.__new__
#: ``treefacts.PARSER`` under a name of this module: CPython 3.11 compiles a method
#: call on an imported name as an attribute load that builds a bound method each time.
_PARSER = PARSER
#: Programs plain words always leave to the walker's ``_run``: pure wrappers, and what
#: ``_run`` and ``_leaf`` look at. Launchers are asked instead (``runs_as_is``).
_NOT_PLAIN = (
    RESERVED_WORDS | unwrap.WRAPPERS.keys() | CD | SOURCES | INTERPRETERS | {"alias"}
) - LAUNCHERS.keys()


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
    if source.translate(None, PLAIN_BYTES):
        return None
    root = _PARSER.parse(source).root_node
    values = text.split(" ")
    count = len(values)
    if root.descendant_count != count + 3 or root.has_error:
        return root
    # one command of ``count + 2`` nodes leaves the root no other child
    node = root.child(0)
    if node is None or node.kind_id != COMMAND_KIND or not plain_words(node, count):
        return root
    program = values[0].rpartition("/")[2]
    if values[0] in WRITERS or not runs_as_is(values, program):
        return root
    return plain_command(values, program, text, ROOT)


def plain_command(values: list[str], program: str, text: str, ctx: WalkContext) -> SimpleCommand:
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


def runs_as_is(values: list[str], program: str) -> bool:
    """Whether the walker's ``_run`` would emit the plain words ``values`` as they
    are: no wrapper or launcher runs another command from them, ``_leaf`` has nothing
    to look at (``cd``, ``alias``, interpreters) and bash would not read an assignment.
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


def plain_words(node: Node, count: int) -> bool:
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
