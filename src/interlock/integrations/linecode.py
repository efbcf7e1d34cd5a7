"""The code of every local file a shell line runs, wherever it is on the line and
however deep.

``scriptfile`` and ``pkgscripts`` read the file of a line that is one command of
literal words (``bash ./deploy.sh``, ``npm test``). A file runs just as surely from
``ls && ./deploy.sh``, ``./deploy.sh | tee log``, ``cd infra && bash apply.sh``,
``bash -c './x.sh'``, ``cd web && npm test``, from a script that runs another
(``./a.sh`` calling ``./b.sh``), and through ``BASH_ENV=./x.sh bash -c true`` or
``export BASH_ENV=./x.sh``. Left unread, each is a local program the classifier
allows, whatever the file holds: the bypass every command guard meets.

For such a line, this module asks the classifier's own walker
(``classify.shell.walk``) which commands the text would run and in which directory,
and reads each local file one of them runs as ``scriptfile`` and ``pkgscripts`` read
it. Each file is fed to its interpreter in a block of its own, behind a ``cd`` to
the directory it runs in, so the classifier judges its code where it runs; the
blocks come first and the line as written last, so nothing on the line is judged
more leniently and an unterminated heredoc or quote on it can swallow no block.
Every block's content is walked in turn, up to ``MAX_DEPTH`` levels of scripts.

A file that surely runs but cannot be read with certainty, scripts nested deeper
than ``MAX_DEPTH``, or more code than the classifier reads as one line give why, and
the gate asks the operator. The walker costs the hook's process about 60 ms to
import, so the gate asks ``runners.may_run_nested`` (the text alone) first.
"""

from __future__ import annotations

import re

from interlock.integrations.runners import JUSTS, MAKES, MANAGERS, TASK_RUNNERS
from interlock.integrations.scriptfile import MAX_SCRIPT_BYTES, Script, controlled, script_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from interlock.classify.command import SimpleCommand
    from interlock.classify.shell import _Walker

#: Levels of scripts read: the line's own, then those they run, and so on.
MAX_DEPTH = 4
#: Variables naming a file a shell sources before its own code (``BASH_ENV`` for
#: bash, ``ENV`` for sh in POSIX mode): fed as ``source`` of that file.
_SOURCED = frozenset({"BASH_ENV", "ENV"})
#: ``NODE_OPTIONS`` options that load a module before the program's own code.
#: Most modules of the workspace read for one script's imports.
MAX_IMPORTS = 64
#: Relative ``require``/``import`` specifiers in JavaScript (``./lib``, ``../x.js``).
_JS_IMPORT = re.compile(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|\bimport\s+)(['"`])(\.{1,2}/[^'"`]+)\1"""
)
#: Endings node tries for a specifier without one.
_JS_ENDINGS = (".js", ".mjs", ".cjs")
#: Programs whose code the classifier reads for the commands it runs.
_CODE_RUNNERS = frozenset({"python", "python3", "node", "perl", "ruby", "awk", "gawk", "deno"})
_NODE_LOADS = frozenset({"--require", "-r", "--import", "--loader", "--experimental-loader"})


def read_nested(text: str, first: Script | None, cwd: str | None) -> Script | str | None:
    """``first`` (what ``scriptfile`` or ``pkgscripts`` read of the line, if anything)
    with every other file the text and the code read runs fed before the line; why
    one cannot be read; ``None`` when the line runs no file to read. The modules of
    the workspace ``first``'s code imports are read first; the walker is loaded only
    for text ``runners.may_run_nested`` lets through."""
    from interlock.integrations.gate import with_site_packages
    from interlock.integrations.runners import may_run_nested

    try:
        if first is not None and first.runner:
            extended = _with_imports(first, cwd, None)
            if isinstance(extended, str):
                return extended
            first = extended
        if not may_run_nested(text if first is None else first.text, cwd):
            return first
        with_site_packages()
        import interlock.classify.shell  # noqa: F401 - loaded here to tell its absence
    except ImportError as exc:  # no classifier here: what runs cannot be told
        return f"may run files, and this hook cannot load the classifier to see which ({exc})"
    except OSError as exc:  # anything else (a path no system can hold) is an error: deny
        return f"runs files interlock could not read ({type(exc).__name__}: {exc})"
    try:
        return _nested(text, first, cwd)
    except OSError as exc:
        return f"runs files interlock could not read ({type(exc).__name__}: {exc})"


def _with_imports(read: Script, where: str | None, moved: str | None) -> Script | str:
    """``read`` behind a ``cd`` to ``moved`` if any, followed by the blocks of the
    workspace modules its code imports (``_imports``)."""
    imported = _imports(read, where, moved)
    placed = _moved(read, moved)
    if isinstance(imported, str):
        return imported
    if isinstance(placed, str) or not imported:
        return placed
    text = placed.text + "".join(module.text for module in imported)
    return read.with_text(text, (*read.more, *imported))


def _nested(text: str, first: Script | None, cwd: str | None) -> Script | str | None:
    from interlock.classify.shell import walk

    line = first.text if first is not None else text
    seen: set[tuple[str, ...]] = set()
    if first is not None:
        seen.add(_key(first))
    blocks: list[Script] = []
    todo = line
    for depth in range(MAX_DEPTH + 1):
        found: list[Script] = []
        walker = walk(todo)
        reads = _commands_read(walker, cwd)
        reads += [
            read
            for name, value, moved in walker.loaded
            for read in _loaded(name, value, _joined(cwd, moved), moved)
        ]
        if any(cmd.program in _CODE_RUNNERS for cmd in walker.commands):
            reads += _run_by_code(todo, cwd)
        for read in reads:
            if isinstance(read, str):
                return read
            if read is not None and _key(read) not in seen:
                seen.add(_key(read))
                found.append(read)
        if not found:
            break
        if depth == MAX_DEPTH:
            return f"runs scripts nested more than {MAX_DEPTH} deep, which interlock does not read"
        blocks += found
        todo = "".join(read.text for read in found)
    if not blocks:
        return first
    parts = [*blocks, *([first] if first is not None else [])]
    fed = "".join(read.text for read in blocks)
    fed += f"# interlock: the line as written\n{line}" if first is None else line
    if len(fed.encode("utf-8", "surrogatepass")) > MAX_SCRIPT_BYTES:
        return f"runs scripts of over {MAX_SCRIPT_BYTES // 1024} KiB together"
    lead = parts[0]
    return Script(fed, lead.path, lead.cwd, lead.sha256, limit=lead.limit, more=tuple(parts[1:]))


def _run_by_code(text: str, cwd: str | None) -> list[Script | str | None]:
    """What the commands code in ``text`` runs (``subprocess.run(["./x.sh"])``,
    ``os.system``, ``execSync`` …, as the classifier finds them) run from local files;
    each command is read where its code runs, from ``cwd`` or the ``cd`` before it."""
    from interlock.classify.commands.interpreters import code_commands
    from interlock.classify.shell import walk
    from interlock.config import default_config
    from interlock.models import Action, ActionKind, Target

    action = Action(ActionKind.SHELL, text, Target(cwd=cwd))
    reads: list[Script | str | None] = []
    for command, where in code_commands(action, default_config()):
        reads += _commands_read(walk(command), where)
    return reads


def _commands_read(walker: _Walker, cwd: str | None) -> list[Script | str | None]:
    """``_read_of`` each command the walker found that runs on this machine."""
    return [
        _read_of(cmd, cwd, moved)
        for cmd, moved in zip(walker.commands, walker.cwds, strict=True)
        if not (cmd.remote_host or cmd.container)  # it runs on another machine
    ]


def _read_of(cmd: SimpleCommand, cwd: str | None, moved: str | None) -> Script | str | None:
    """What ``cmd`` runs from a local file: a script, package.json scripts, or a task
    runner's recipes (make, just, task)."""
    from interlock.integrations.justfile import read_just
    from interlock.integrations.makefile import read_make
    from interlock.integrations.pkgscripts import scripts_of
    from interlock.integrations.taskfile import read_task

    where = _joined(cwd, moved)
    argv = _expanded(list(cmd.argv), where)
    if argv[0] not in MANAGERS and cmd.program not in TASK_RUNNERS:
        return _fed(argv, where, moved, cmd.text)
    written = _written(argv)
    if written is None:
        return f"runs {argv[0]} with words interlock cannot quote on one line"
    if cmd.program in TASK_RUNNERS:
        runner = (
            read_make if cmd.program in MAKES else read_just if cmd.program in JUSTS else read_task
        )
        try:
            read = runner(argv, where, written)
        except OSError:  # the runner itself could not read its file; any other error denies
            return None
    else:
        try:
            read = scripts_of(argv, where, written)
        except (OSError, ValueError, RecursionError):  # npm itself fails on such a file
            return None
    return read if read is None or isinstance(read, str) else _moved(read, moved)


def _loaded(
    name: str, value: str, where: str | None, moved: str | None
) -> list[Script | str | None]:
    """The files a variable makes a program load first: the one ``BASH_ENV``/``ENV``
    name (sourced by bash and sh), those ``NODE_OPTIONS`` requires or imports by path
    (a package name is looked up in ``node_modules``, which is not read)."""
    ran = f"{name}={value}"
    if name in _SOURCED:
        return [_fed(["source", value], where, moved, ran)]
    if name != "NODE_OPTIONS":
        return []  # ``LD_PRELOAD``: a compiled library, judged as the program it is
    import shlex

    try:
        words = shlex.split(value)
    except ValueError:
        return [f"NODE_OPTIONS={value!r} cannot be read as node reads it"]
    files = []
    for at, word in enumerate(words):
        option, equals, attached = word.partition("=")
        if option in _NODE_LOADS:
            files.append(attached if equals else (words[at + 1] if at + 1 < len(words) else ""))
        elif word[:2] == "-r" and len(word) > 2:
            files.append(word[2:])
    local = [f for f in files if f.startswith(("./", "../", "/", "~/"))]
    return [_fed(["node", f], where, moved, ran) for f in local]


def _fed(argv: list[str], where: str | None, moved: str | None, ran: str) -> Script | str | None:
    """``scriptfile``'s reading of ``argv`` run in ``where``, its block behind a ``cd``
    to ``moved`` (as the line wrote it) when the command runs elsewhere, followed by
    the blocks of the workspace modules its code imports (``_imports``)."""
    try:
        read = script_of(argv, where, ran)
    except (OSError, ValueError):  # no such file: the run itself would fail
        return None
    return read if read is None or isinstance(read, str) else _with_imports(read, where, moved)


def _imports(read: Script, where: str | None, moved: str | None) -> list[Script] | str:
    """The modules of the workspace that Python or node code imports, at any depth,
    each read as a script of its own: a helper module holds code that runs as surely
    as the script importing it (``import helpers``, ``require("./lib")``)."""
    import os

    seen = {os.path.realpath(_absolute(read))}
    queue, out = [read], []
    while queue:
        current = queue.pop(0)
        for path in _imported_files(current, where):
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            if len(seen) > MAX_IMPORTS:
                return f"{read.path} imports more than {MAX_IMPORTS} modules of the workspace"
            try:
                module = script_of([current.runner, path], where, f"{current.path} imports")
            except (OSError, ValueError) as exc:  # it is there but cannot be read: ask
                return f"{current.path} imports {path}, which cannot be read ({exc})"
            if isinstance(module, str):
                return module
            if module is None:
                continue
            placed = _moved(module, moved)
            if isinstance(placed, str):
                return placed
            queue.append(module)
            out.append(placed)
    return out


def _imported_files(read: Script, where: str | None) -> list[str]:
    """The files of the workspace ``read``'s code imports: for Python, from the
    script's folder and the working directory (``sys.path[0]`` for a file and for
    ``-m``), with the packages' ``__init__.py`` on the way; for node, relative
    ``require``/``import`` specifiers resolved as node resolves them."""
    import os

    folder = os.path.dirname(_absolute(read))
    if read.runner.startswith("python"):
        roots = list(dict.fromkeys([folder, os.path.abspath(where or os.curdir)]))
        return _python_files(read.code, roots, folder)
    if read.runner == "node":
        return _node_files(read.code, folder)
    return []


def _python_files(code: str, roots: list[str], folder: str) -> list[str]:
    import ast
    import os

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []  # the classifier holds code that does not parse
    wanted: list[tuple[str, list[str]]] = []  # (root, dotted names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            wanted += [(root, [a.name]) for a in node.names for root in roots]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = folder
            for _ in range(node.level - 1):
                base = os.path.dirname(base)
            head = [node.module] if node.module else []
            wanted += [
                (
                    base,
                    head
                    + [f"{node.module}.{a.name}" if node.module else a.name for a in node.names],
                )
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            wanted += [(root, names) for root in roots]
    files: list[str] = []
    for root, names in wanted:
        for name in names:
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                base = os.path.join(root, *parts[:depth])
                for candidate in (base + ".py", os.path.join(base, "__init__.py")):
                    if os.path.isfile(candidate):
                        files.append(candidate)
    return list(dict.fromkeys(files))


def _node_files(code: str, folder: str) -> list[str]:
    import os

    files: list[str] = []
    for found in _JS_IMPORT.finditer(code):
        base = os.path.normpath(os.path.join(folder, found.group(2)))
        for candidate in (
            base,
            *(base + ext for ext in _JS_ENDINGS),
            os.path.join(base, "index.js"),
        ):
            if os.path.isfile(candidate) and not candidate.endswith(".json"):
                files.append(candidate)
                break
    return list(dict.fromkeys(files))


def _absolute(read: Script) -> str:
    import os

    path = read.path
    if read.cwd and not os.path.isabs(path):
        path = os.path.join(read.cwd, path)
    return os.path.abspath(path)


def _moved(read: Script, moved: str | None) -> Script | str:
    """``read`` with its commands run in ``moved``: in a subshell that changes
    directory first, so the classifier judges the code in the directory it runs in."""
    if moved is None:
        return read
    import shlex

    if controlled(moved):
        return f"runs {read.path} in a directory whose name holds a control character"
    note, _, rest = read.text.partition("\n")
    return read.with_text(f"{note}\n( cd {shlex.quote(moved)} && {rest})\n")


def _expanded(argv: list[str], where: str | None) -> list[str]:
    """``argv`` with its glob words matched against the files in ``where``, as bash
    expands them (``bash ./deploy.s?`` runs ``./deploy.sh``); a word matching nothing
    stays as it is. A quoted glob the walker kept as text is matched too, which can
    only read more."""
    if not any(c in word for word in argv for c in "*?["):
        return argv
    import glob

    out: list[str] = []
    for word in argv:
        found = sorted(glob.glob(word, root_dir=where)) if any(c in word for c in "*?[") else []
        out += found or [word]
    return out


def _joined(cwd: str | None, moved: str | None) -> str | None:
    """The directory a command runs in: ``moved`` (a ``cd`` on the line) from ``cwd``."""
    import os

    if moved is None:
        return cwd
    moved = os.path.expanduser(moved)
    return moved if os.path.isabs(moved) or not cwd else os.path.join(cwd, moved)


def _key(read: Script) -> tuple[str, str]:
    """What a reading is, to read each file once: the file, and the block that feeds
    it without its note (the same file fed elsewhere or otherwise is read again)."""
    import os

    return os.path.realpath(_absolute(read)), read.text.partition("\n")[2]


def _written(argv: list[str]) -> str | None:
    """``argv`` as one line of shell words, or ``None`` if a word holds a line break."""
    import shlex

    written = shlex.join(argv)
    return None if controlled(written) else written
