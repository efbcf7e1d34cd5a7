"""Cloud and database clients that run a shell command they are handed.

The cloud CLIs send a command to a machine: ``gcloud compute ssh VM --command CMD``
(gcloud reference, "compute ssh"), ``az vm run-command invoke|create ... --scripts``
(Azure CLI reference, "az vm run-command"), ``aws ssm send-command --parameters
commands=...`` (AWS CLI reference; the parameters are shorthand syntax or JSON, "Using
shorthand syntax with the AWS CLI") and ``aws ecs execute-command --command``. The
command runs on that machine, so it is walked as shell in a remote context.

The database clients have shell escapes that run on the client's own machine, not on
the database host: psql's ``\\!`` meta-command (psql(1), "Meta-Commands"), the mysql
client's ``system``/``\\!`` command (mysql client commands), sqlite3's and duckdb's
``.shell`` and ``.system`` dot-commands (sqlite.org/cli.html), and the output pipes:
psql's ``\\o |cmd``, ``\\g |cmd``, ``\\w |cmd``, ``-o '|cmd'`` and ``\\copy ... PROGRAM
'cmd'`` (psql(1), "Meta-Commands"), backquoted text in a psql meta-command's
arguments, and sqlite's ``.output |cmd``/``.once |cmd``. A script the client reads from a
file or a heredoc is out of reach here; ``commands/sql.py`` already treats it as unseen.

Each launcher keeps the client itself judged by its family (``keep``): walking the
carried command only adds findings. Text that cannot be read (a ``file://`` or
``@file`` value, parameters that do not parse) is handed on as a dynamic script word,
which the walker reports as opaque.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping

from interlock.classify.unwrap import Step, Words, join_words, operand_index, valued_options
from interlock.classify.words import DYNAMIC, Word


def _values(words: Words, names: tuple[str, ...], many: bool = True) -> list[Word]:
    """Values of the long options ``names`` (``--opt V`` or ``--opt=V``); ``many``: the
    option takes a list, the words up to the next option (``--scripts a b``)."""
    found: list[Word] = []
    j, n = 0, len(words)
    while j < n:
        value, flags = words[j]
        name, eq, inline = value.partition("=")
        j += 1
        if name not in names:
            continue
        if eq:
            found.append((inline, flags))
            continue
        while j < n and not (words[j][0].startswith("-") and len(words[j][0]) > 1):
            found.append(words[j])
            j += 1
            if not many:
                break
    return found


def option_values(words: Words, short: str, long: str, short_values: str) -> list[Word]:
    """Values of ``-S V``, ``-SV`` (also after flags: ``-iS V``), ``--long V``,
    ``--long=V`` and a unique prefix of ``--long`` (git's parse-options, npm's nopt,
    getopt_long and MySQL's option parser all take one) in ``words`` up to ``--``.
    ``short_values`` lists the short options that take a value, which ends a cluster."""
    prefix = {long: min(len(long), 4)}
    found = valued_options(words, short_values + short, prefix, start=0)
    return [value for name, value in found if name in (short, long)]


def _unreadable(what: str) -> Word:
    """A script word the walker reports as opaque: its text is read elsewhere."""
    return (what, DYNAMIC)


# -- gcloud --------------------------------------------------------------------------

#: ``gcloud compute ssh`` options that take the next word as their value.
_GCLOUD_SSH_VALUES = frozenset(
    {"--zone", "--project", "--command", "--ssh-key-file", "--ssh-flag", "--container"}
    | {"--account", "--configuration", "--verbosity", "--worker", "--ssh-key-expiration"}
    | {"--ssh-key-expire-after", "--strict-host-key-checking", "--impersonate-service-account"}
)
#: ssh(1) options that take a value, for what follows gcloud's ``--``.
_SSH_VALUES = "BbcDEeFIiJLlmOopQRSWw"


def _gcloud(words: Words) -> Step | None:
    """``gcloud [beta] compute ssh [USER@]VM --command CMD [-- SSH_ARGS [CMD]]`` and
    ``compute tpus tpu-vm ssh``, ``cloud-shell ssh``: CMD runs on the VM."""
    at = next((j for j, (w, _) in enumerate(words) if w == "ssh"), None)
    if at is None:
        return None
    dash = next((j for j in range(at, len(words)) if words[j][0] == "--"), len(words))
    own = words[:dash]
    scripts = _values(own, ("--command",), many=False)
    if dash < len(words):
        start = operand_index(words, dash + 1, _SSH_VALUES)
        if start < len(words):
            scripts.append(join_words(words[start:]))
    if not scripts:
        return None
    vm_at = operand_index(own, at + 1, "", _GCLOUD_SSH_VALUES)
    vm = own[vm_at][0].rpartition("@")[2] if vm_at < len(own) else "cloud-shell"
    return Step(f"gcloud ssh {vm}", None, remote_host=vm, scripts=tuple(scripts), keep=True)


# -- az ------------------------------------------------------------------------------


def _az(words: Words) -> Step | None:
    """``az vm|vmss|connectedmachine run-command invoke|create ... --scripts S [S ...]``
    (``--script`` for ``create``): each S is shell text run on the machine; ``@file``
    and ``--script-uri`` name a script we cannot read."""
    if not any(w == "run-command" for w, _ in words):
        return None
    scripts = [
        _unreadable(value) if value.startswith("@") else (value, flags)
        for value, flags in _values(words, ("--scripts",)) + _values(words, ("--script",), False)
    ]
    scripts += [_unreadable(value) for value, _ in _values(words, ("--script-uri",), False)]
    if not scripts:
        return None
    vm = _last(_values(words, ("--vm-name", "--machine-name"), False))
    vm = vm or _last(_values(words, ("--name", "-n"), False))
    vm = vm or _last(_values(words, ("--ids",))).rpartition("/")[2] or "azure-vm"
    return Step(f"az run-command {vm}", None, remote_host=vm, scripts=tuple(scripts), keep=True)


def _last(values: list[Word]) -> str:
    return values[-1][0] if values else ""


# -- aws -----------------------------------------------------------------------------


def _aws(words: Words) -> Step | None:
    """``aws ssm send-command --parameters commands=...`` and ``aws ecs execute-command
    --command CMD``: the commands run on the instances or in the task's container."""
    verbs = {w for w, _ in words}
    if "send-command" in verbs:
        scripts = [s for value in _values(words, ("--parameters",)) for s in _ssm_scripts(value)]
        targets = _values(words, ("--instance-ids", "--targets"))
        host = "ssm:" + (",".join(w for w, _ in targets) or "?")
    elif "execute-command" in verbs:
        scripts = _values(words, ("--command",), many=False)
        host = "ecs:" + (_last(_values(words, ("--task",), many=False)) or "?")
    else:
        return None
    if not scripts:
        return None
    return Step(f"aws {host}", None, remote_host=host, scripts=tuple(scripts), keep=True)


def _ssm_scripts(word: Word) -> list[Word]:
    """The ``commands`` of one ``--parameters`` value; unreadable text is opaque."""
    text, flags = word
    if text.startswith(("file://", "fileb://", "http://", "https://")):
        return [_unreadable(text)]
    parsed = _ssm_json(text) if text.lstrip().startswith("{") else _shorthand(text)
    if parsed is None:
        return [_unreadable(text)] if "commands" in text or flags & DYNAMIC else []
    return [(command, flags) for command in parsed if command.strip()]


def _ssm_json(text: str) -> list[str] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    commands = document.get("commands", []) if isinstance(document, dict) else None
    if isinstance(commands, str):
        return [commands]
    if isinstance(commands, list) and all(isinstance(c, str) for c in commands):
        return [c for c in commands if isinstance(c, str)]
    return None


def _shorthand(text: str) -> list[str] | None:
    """``commands=a,b``, ``commands=["a","b"]`` or ``commands=[a,b],workingDirectory=x``:
    the AWS CLI shorthand for a map of string lists. ``None`` when it does not parse."""
    pairs = _shorthand_pairs(text)
    if pairs is None:
        return None
    return [value for key, values in pairs for value in values if key == "commands"]


def _shorthand_pairs(text: str) -> list[tuple[str, list[str]]] | None:
    pairs: list[tuple[str, list[str]]] = []
    pos = 0
    while pos < len(text):
        key, eq, _ = text[pos:].partition("=")
        if not eq or not key.strip().replace(".", "").replace("_", "").isalnum():
            return None
        pos += len(key) + 1
        values, pos = _shorthand_values(text, pos)
        if values is None:
            return None
        pairs.append((key.strip(), values))
    return pairs


def _shorthand_values(text: str, pos: int) -> tuple[list[str] | None, int]:
    """Values after ``key=`` up to the next ``,key=``: a bracket list or bare items."""
    bracket = text.startswith("[", pos)
    pos += bracket
    values: list[str] = []
    while pos <= len(text):
        item, pos = _shorthand_item(text, pos, "]," if bracket else ",")
        if item is None:
            return None, pos
        values.append(item)
        if bracket and text.startswith("]", pos):
            return values, pos + 1 + text.startswith(",", pos + 1)
        if pos >= len(text):
            return (None if bracket else values), len(text) + 1
        pos += 1  # the comma
        if not bracket and _starts_key(text[pos:]):
            return values, pos
    return values, pos


def _shorthand_item(text: str, pos: int, stops: str) -> tuple[str | None, int]:
    """One value: quoted with ``"`` or ``'`` (backslash escapes), or bare up to a stop."""
    quote = text[pos : pos + 1]
    if quote in ('"', "'"):
        out: list[str] = []
        pos += 1
        while pos < len(text) and text[pos] != quote:
            if text[pos] == "\\" and pos + 1 < len(text):
                pos += 1
            out.append(text[pos])
            pos += 1
        return ("".join(out), pos + 1) if pos < len(text) else (None, pos)
    end = pos
    while end < len(text) and text[end] not in stops:
        end += 1
    return text[pos:end].strip(), end


def _starts_key(rest: str) -> bool:
    key, eq, _ = rest.partition("=")
    return bool(eq) and bool(key) and key.replace(".", "").replace("_", "").isalnum()


# -- database clients ------------------------------------------------------------------


def _psql(words: Words) -> Step | None:
    """psql ``-c``/``--command`` text and ``-o``/``--output``: every way psql hands a
    command line to the shell (``_psql_escapes``); an output file starting ``|`` is a
    pipe to a command, as ``\\o |cmd`` is."""
    commands = option_values(words[1:], "c", "--command", "cdfhpUvFRTLoP")
    scripts = [script for text, f in commands for script in _psql_escapes(text, f)]
    outputs = option_values(words[1:], "o", "--output", "cdfhpUvFRTLoP")
    scripts += [(text[1:], f) for text, f in outputs if text.startswith("|")]
    return _local_step("psql \\!", [(s, f) for s, f in scripts if s.strip()])


#: psql meta-commands whose argument, when it starts with ``|``, is a command that
#: takes the output (psql(1): ``\\o``, ``\\g``, ``\\gx`` and ``\\w``); the rest of
#: the line is that command, with no interpolation. ``\\g`` may carry ``(opts)`` first.
_PSQL_PIPE = re.compile(r"\\(?:o|out|g|gx|w|write)(?![A-Za-z])\s*(?:\([^)]*\)\s*)?\|(.*)$")
#: ``\\copy ... TO|FROM PROGRAM 'cmd'``: psql runs ``cmd`` here, not on the server.
_PSQL_PROGRAM = re.compile(r"\bprogram\s+('(?:[^']|'')*')?", re.IGNORECASE)


def _psql_escapes(text: str, flags: int) -> list[Word]:
    """Shell text in psql input: ``\\!`` (rest of the line), a pipe target of ``\\o``,
    ``\\g``, ``\\gx`` or ``\\w``, ``\\copy ... PROGRAM 'cmd'``, and backquoted text in
    a meta-command's arguments, which psql runs to get the argument's value. A
    ``PROGRAM`` whose command is not a literal is unreadable: a dynamic word."""
    found = [(s, flags) for s in _after_mark(text)]
    for line in text.splitlines():
        pipe = _PSQL_PIPE.search(line)
        if pipe is not None:
            found.append((pipe.group(1), flags))
        meta = line.lstrip()
        if not meta.startswith("\\") or meta.startswith("\\!") or pipe is not None:
            continue
        if meta[1:].lower().startswith("copy"):
            found += [
                (lit[1:-1].replace("''", "'"), flags) if lit else _unreadable(meta)
                for lit in _PSQL_PROGRAM.findall(meta)
            ]
        found += [(s, flags) for s in meta.split("`")[1::2]]
    return found


def _mysql(words: Words) -> Step | None:
    """mysql/mariadb ``-e``/``--execute`` text: ``system CMD`` at the start of a line
    or statement, and ``\\!`` anywhere, run CMD (the rest of the line) in a shell."""
    texts = option_values(words[1:], "e", "--execute", "uhPDSpe")
    scripts: list[Word] = []
    for text, flags in texts:
        scripts += [(s, flags) for s in _after_mark(text)]
        scripts += [(s, flags) for s in _system_commands(text)]
    return _local_step(f"{posixpath.basename(words[0][0])} system", scripts)


def _system_commands(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        for statement_at in _statement_starts(line):
            name, *rest = line[statement_at:].split(None, 1)[:2] or [""]
            if name.lower() == "system" and rest and rest[0].strip():
                found.append(rest[0])
    return found


def _statement_starts(line: str) -> list[int]:
    return [0, *(i + 1 for i, c in enumerate(line) if c == ";")]


#: sqlite3 options that take the next word as their value (``-lookaside`` two).
_SQLITE_VALUES = frozenset(
    {"-init", "-separator", "-newline", "-nullvalue", "-mmap", "-vfs", "-maxsize"}
    | {"-pagecache", "-heap", "-cmd", "-c", "-s", "-f"}
)


def _sqlite(words: Words) -> Step | None:
    """sqlite3 and duckdb ``DB [SQL ...]``, ``-cmd`` texts (``--cmd`` too: the CLI drops
    one dash) and duckdb's ``-c``/``-s``: a line ``.shell``/``.system ARGS`` runs ARGS
    in a shell, re-quoted the way the CLI re-quotes them, and ``.output``/``.once``
    with a file starting ``|`` pipes the output to that command (sqlite.org/cli.html;
    the DuckDB CLI inherits both)."""
    texts: list[Word] = []
    positional = 0
    j = 1
    while j < len(words):
        value = words[j][0]
        value = value[1:] if value.startswith("--") and len(value) > 2 else value
        if value in _SQLITE_TEXTS and j + 1 < len(words):
            texts.append(words[j + 1])
        if value.startswith("-") and value != "-":
            j += 3 if value == "-lookaside" else 2 if value in _SQLITE_VALUES else 1
            continue
        positional += 1
        if positional > 1:
            texts.append(words[j])
        j += 1
    scripts: list[Word] = []
    for text, flags in texts:
        for line in text.splitlines():
            name, _, rest = line.strip().partition(" ")
            if _sqlite_shell(name) and rest.strip():
                scripts.append((_sqlite_command(rest), flags))
            elif _sqlite_output(name):
                target = _sqlite_command(_after_options(rest)).strip('"')
                if target.startswith("|"):
                    scripts.append((target[1:], flags))
    return _local_step(f"{posixpath.basename(words[0][0])} .shell", scripts)


#: Options whose value is a line of input: sqlite3's ``-cmd``, duckdb's ``-c``/``-s``.
_SQLITE_TEXTS = frozenset({"-cmd", "-c", "-s"})
_SHELL_DOTS = ("shell", "system")


def _sqlite_shell(name: str) -> bool:
    """``.shell``/``.system``, or a prefix of one: the CLI matches dot-commands by the
    letters given (``.sys``); ``.s`` alone names others first."""
    word = name[1:]
    return (
        name[:1] == "."
        and len(word) >= 2
        and ("shell".startswith(word) or "system".startswith(word))
    )


def _sqlite_output(name: str) -> bool:
    """``.output``/``.once`` or a prefix of either (``.o``, ``.out``, ``.on``)."""
    word = name[1:]
    return name[:1] == "." and bool(word) and ("output".startswith(word) or "once".startswith(word))


def _after_options(args: str) -> str:
    """``args`` after its leading ``-x``/``--bom`` options: ``.once -x |cmd``."""
    words = args.split()
    while words and words[0].startswith("-"):
        words.pop(0)
    return args[args.index(words[0]) :] if words else ""


def _sqlite_command(args: str) -> str:
    """The command line ``.shell`` hands to system(3): its arguments, unquoted by the
    CLI's own rules, joined with spaces; one containing a space is put in ``"..."``."""
    parts: list[str] = []
    pos = 0
    while pos < len(args):
        if args[pos].isspace():
            pos += 1
            continue
        quote = args[pos] if args[pos] in "\"'" else ""
        end = args.find(quote, pos + 1) if quote else pos
        if quote:
            end = len(args) if end < 0 else end
            parts.append(args[pos + 1 : end])
            pos = end + 1
            continue
        while end < len(args) and not args[end].isspace():
            end += 1
        parts.append(args[pos:end])
        pos = end
    return " ".join(f'"{p}"' if " " in p else p for p in parts)


def _after_mark(text: str) -> list[str]:
    """The rest of the line after each ``\\!``: the shell escape takes its whole line."""
    found: list[str] = []
    for line in text.splitlines():
        at = line.find("\\!")
        while at >= 0:
            found.append(line[at + 2 :])
            at = line.find("\\!", at + 2)
    return [s for s in found if s.strip()]


def _local_step(label: str, scripts: list[Word]) -> Step | None:
    """The client's shell escapes run here, on the client's machine."""
    return Step(label, None, scripts=tuple(scripts), keep=True) if scripts else None


#: Program base name -> how to find the command it carries.
CLIENTS: Mapping[str, Callable[[Words], Step | None]] = {
    "gcloud": _gcloud,
    "az": _az,
    "aws": _aws,
    "psql": _psql,
    "mysql": _mysql,
    "mariadb": _mysql,
    "sqlite3": _sqlite,
    "sqlite": _sqlite,
    "duckdb": _sqlite,
}

#: Words without which a client launches nothing (see ``launchers.LAUNCH_WORDS``). The
#: database clients are not listed: their escape lives inside an option's value.
CLIENT_WORDS: Mapping[str, frozenset[str]] = {
    "gcloud": frozenset({"ssh"}),
    "az": frozenset({"run-command"}),
    "aws": frozenset({"send-command", "execute-command"}),
}
