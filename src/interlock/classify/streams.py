"""What flows between commands: pipes, heredocs and here-strings.

A shell at the end of a pipeline runs whatever the earlier stages print
(``curl ... | sh``, ``echo cm0g... | base64 -d | bash``). The walker in
``classify/shell.py`` asks this module what a stage writes: a literal text when the
stage only echoes a constant (then the shell's program is known and is parsed too),
or something computed, downloaded or decoded (then it is opaque). Heredoc and
here-string bodies are read here as well (Bash manual 3.6.6, 3.6.7).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from tree_sitter import Node

from interlock.classify import unwrap
from interlock.classify.words import DYNAMIC, Word, resolve
from interlock.frozen import quick_init

#: Node types of redirections in tree-sitter-bash.
REDIRECT_NODES = frozenset({"file_redirect", "herestring_redirect", "heredoc_redirect"})


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


#: Programs that fetch data from elsewhere: their output run as code is a download.
DOWNLOADERS = frozenset(
    {"curl", "wget", "fetch", "http", "https", "xh", "aria2c", "nc", "ncat", "socat"}
    | {"lwp-request", "GET", "iwr", "invoke-webrequest", "ftp", "tftp", "scp", "gsutil"}
)
#: Programs whose arguments name files they write (besides redirections).
WRITERS = DOWNLOADERS | {"tee"}
_TOKEN_SPLIT = re.compile(r"[\s|;&()<>`$'\"]+")


@quick_init
@dataclass(frozen=True, slots=True)
class Pipe:
    """What a pipeline stage reads: a literal text (``echo 'ls'``) or something computed."""

    literal: str | None
    download: bool
    source: str


def heredoc_tail(heredoc: Node) -> list[Node]:
    """What follows a heredoc's start on its line (``| bash``, ``&& rm x``)."""
    skip = {"heredoc_start", "heredoc_body", "heredoc_end", "file_redirect"}
    return [c for c in heredoc.named_children if c.type not in skip]


def heredoc_text(node: Node) -> Word:
    body = next((c for c in node.named_children if c.type == "heredoc_body"), None)
    if body is None:
        return "", 0
    text = _text(body)
    if any(c.is_named and c.type != "heredoc_content" for c in body.children):
        return text, DYNAMIC
    if any(c.type == "<<-" for c in node.children):
        text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    return text, 0


def reads_program(program: str, words: Sequence[Word]) -> bool:
    """An interpreter with no inline code and no script reads its program from stdin."""
    if not unwrap.is_interpreter(program):
        return False
    for value, _ in words[1:]:
        if value == "-":
            return True
        if value in ("-c", "-e", "-E", "-m", "-r", "-p", "--eval", "--print", "-f"):
            return False
        if not value.startswith("-"):
            return False
    return True


#: Families whose clients read queries or commands from standard input
#: (``echo 'DROP TABLE t' | psql``, ``echo 'db.dropDatabase()' | mongosh``). A literal
#: text piped to one is handed to it as its input, so its family judges the text; a
#: computed one stays unseen, which those families already judge as such.
_QUERY_FAMILIES = frozenset({"sql", "sqlclients", "dbadmin", "nosql"})


def reads_queries(program: str) -> bool:
    """Whether ``program`` is a database client that reads what it runs from stdin."""
    from interlock.classify.commands.index import FAMILY_OF

    return FAMILY_OF.get(program) in _QUERY_FAMILIES


def stage_output(node: Node, redirects: tuple[Node, ...], before: Pipe | None) -> Pipe:
    """What a pipeline stage writes: a literal text when it only echoes a constant."""
    body = node
    if node.type == "redirected_statement":
        inner = node.child_by_field_name("body")
        redirects = redirects + tuple(c for c in node.named_children if c.type in REDIRECT_NODES)
        body = inner if inner is not None else node
    download = before is not None and before.download
    if body.type != "command":
        return Pipe(None, download or mentions_download(body), _text(node))
    words = [
        resolve(c.named_children[0] if c.type == "command_name" else c)
        for c in body.named_children
        if c.type not in REDIRECT_NODES
        and c.type != "variable_assignment"
        and (c.type != "command_name" or c.named_child_count)
    ]
    literal = literal_output(words, redirects)
    program = posixpath.basename(words[0][0]) if words else ""
    return Pipe(literal, download or program in DOWNLOADERS or mentions_download(body), _text(node))


def literal_output(words: Sequence[Word], redirects: tuple[Node, ...]) -> str | None:
    if not words or any(f for _, f in words):
        return None
    program = posixpath.basename(words[0][0])
    args = [w for w, _ in words[1:]]
    if program == "echo":
        while args and args[0] in ("-n", "-E"):
            args = args[1:]
        return " ".join(args) + "\n"
    if program == "printf" and len(args) == 1 and "%" not in args[0] and "\\" not in args[0]:
        return args[0]
    if program == "cat" and not args:
        for r in redirects:
            if r.type == "heredoc_redirect":
                value, flags = heredoc_text(r)
                return None if flags else value
            if r.type == "herestring_redirect" and r.named_child_count:
                value, flags = resolve(r.named_children[0])
                return None if flags else value + "\n"
    return None


def mentions_download(node: Node) -> bool:
    """Whether any word of ``node`` names a downloader (``(curl x)``, ``$(wget ...)``)."""
    return names_download(_text(node))


def names_download(text: str) -> bool:
    return any(token.rpartition("/")[2] in DOWNLOADERS for token in _TOKEN_SPLIT.split(text))


# -- files written, then run, on the same line ----------------------------------------


class Written(NamedTuple):
    """What an earlier command on the line left at a path that a later one may run.

    ``downloaded``: fetched from elsewhere. ``copy_of``: a copy of (or link to) the
    program it names, flagged ``DYNAMIC`` when that name is computed
    (``cp $(which rm) ./z``); ``None`` for a file written with new content.
    """

    downloaded: bool = False
    copy_of: Word | None = None


_WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>"})


def _clean(path: str) -> str:
    return posixpath.normpath(path) if path else path


def written_files(
    argv: Sequence[str], redirects: Sequence[tuple[str, str]]
) -> list[tuple[str, bool]]:
    """Files a command writes that a later command could run: ``(path, downloaded)``.

    Redirections (``echo ... > x.sh``), ``tee FILE`` and downloads (``curl -o x.sh``,
    ``curl -O URL``, ``wget [-O x.sh] URL``), so ``curl -o i.sh URL && sh i.sh`` is as
    opaque as ``curl URL | sh``.
    """
    out = [(_clean(target), False) for op, target in redirects if op in _WRITE_OPS]
    program = posixpath.basename(argv[0]) if argv else ""
    args = list(argv[1:])
    if program == "tee":
        out.extend((_clean(a), False) for a in args if not a.startswith("-"))
    elif program in DOWNLOADERS:
        out.extend((_clean(p), True) for p in _download_targets(program, args))
    return out


#: Programs that put a file (or a link to it) under another name: ``DEST`` then runs
#: what ``SRC`` ran (``cp /bin/rm ./x && ./x -rf ~`` is ``rm -rf ~``).
COPIERS = frozenset({"cp", "ln", "install", "mv", "rsync"})
#: Their options that take the next word as a value (GNU coreutils, rsync).
_COPY_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "cp": frozenset({"-t", "--target-directory", "-S", "--suffix"}),
    "mv": frozenset({"-t", "--target-directory", "-S", "--suffix"}),
    "ln": frozenset({"-t", "--target-directory", "-S", "--suffix"}),
    "install": frozenset(
        {"-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "--owner"}
        | {"-g", "--group"}
    ),
    "rsync": frozenset({"-e", "--rsh", "-f", "--filter", "-T", "--temp-dir", "-B"}),
}
#: Options after which no file is copied under a new name: ``-t DIR`` keeps each
#: source's own name; ``install -d`` makes directories (``-d`` means other things to
#: ``cp``, ``ln`` and ``rsync``).
_NO_RENAME = frozenset({"-t", "--target-directory"})
_INSTALL_DIRECTORIES = frozenset({"-d", "--directory"})
#: Options copying whole trees: ``cp -r dir dest`` copies a project directory, not a
#: program, so only an absolute source (``cp -a /bin/rm x``) is followed then.
_RECURSIVE = frozenset({"-r", "-R", "-a", "--recursive", "--archive"})


def copied_files(words: Sequence[Word]) -> list[tuple[str, Word]]:
    """``(DEST, SRC)`` for a copier run as ``PROGRAM [options] SRC DEST``.

    Only the two-operand form renames: with more sources, or ``-t DIR``, each copy
    keeps its source's base name, so running it is judged by that name already; a
    recursive copy of a relative path is a directory of the project. An
    rsync operand naming a host (``h:path``, ``rsync://``) copies elsewhere and is
    left out. ``ln -s`` resolves a relative ``SRC`` from the link's directory.
    """
    program = posixpath.basename(words[0][0]) if words else ""
    takes_value = _COPY_VALUE_OPTIONS.get(program, frozenset())
    operands: list[Word] = []
    options: set[str] = set()
    skip = False
    words_left = iter(words[1:])
    for word in words_left:
        value = word[0]
        if skip:
            skip = False
        elif value == "--":
            operands.extend(words_left)
        elif value.startswith("--"):
            options.add(value.partition("=")[0])
            skip = value in takes_value
        elif value.startswith("-") and len(value) > 1:
            skip = _short_options(value, takes_value, options)
        else:
            operands.append(word)
    if len(operands) != 2 or not _NO_RENAME.isdisjoint(options):
        return []
    if program == "install" and not _INSTALL_DIRECTORIES.isdisjoint(options):
        return []
    (source, flags), (dest, dest_flags) = operands
    if dest_flags or not dest or dest.endswith("/"):
        return []
    if not _RECURSIVE.isdisjoint(options) and not (flags or source.startswith("/")):
        return []
    if program == "rsync" and any(_remote_path(o[0]) for o in operands):
        return []
    if program == "ln" and not flags and options & {"-s", "--symbolic"}:
        source = posixpath.join(posixpath.dirname(dest), source)  # kept if absolute
    return [(_clean(dest), (_clean(source) if not flags else source, flags))]


def _short_options(cluster: str, takes_value: frozenset[str], options: set[str]) -> bool:
    """Add the letters of ``-abc`` to ``options``; True if the next word is a value.

    ``-m755`` carries its value in the cluster; ``-Dm 755`` takes the next word.
    """
    for i, letter in enumerate(cluster[1:], start=2):
        option = f"-{letter}"
        options.add(option)
        if option in takes_value:
            return i == len(cluster)
    return False


def _remote_path(value: str) -> bool:
    """An rsync operand on another host: ``host:path``, ``host::module``, a URL."""
    head = value.partition("/")[0]
    return ":" in head


def _download_targets(program: str, args: list[str]) -> list[str]:
    targets: list[str] = []
    urls = [a for a in args if "://" in a]
    for i, arg in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        cluster = arg[1:] if arg.startswith("-") and not arg.startswith("--") else ""
        if program == "curl" and "O" in cluster:
            targets.extend(posixpath.basename(u.split("?", 1)[0]) for u in urls)
        if (
            arg in ("--output", "--output-document")
            or cluster.endswith("o")
            or (program == "wget" and cluster.endswith("O"))
        ):
            targets.append(nxt)
        elif arg.startswith(("--output=", "--output-document=")):
            targets.append(arg.split("=", 1)[1])
        elif program == "curl" and arg in ("-O", "--remote-name", "--remote-name-all"):
            targets.extend(posixpath.basename(u.split("?", 1)[0]) for u in urls)
    if program == "wget" and not targets:
        targets.extend(posixpath.basename(u.split("?", 1)[0]) for u in urls)
    return [t for t in targets if t and t != "-"]


def executed_file(program: str, argv: Sequence[str]) -> str | None:
    """The file a command runs as code: ``./x.sh``, ``bash x.sh``, ``python x.py``."""
    if "/" in argv[0]:
        return _clean(argv[0])
    if program in unwrap.SHELLS or program in ("source", ".") or unwrap.is_interpreter(program):
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        return _clean(script) if script else None
    return None
