"""Shell lines for fuzzing: known destructive commands and noise that keeps them running.

The destructive commands are destructive_command_guard's ``dangerous`` lines (read in
place from the corpus) and a list of our own. Noise is only ever of a kind after which
bash still runs the command: wrappers (``sudo``, ``timeout``, ``find -exec`` ...) and
quoting of the program name apply to simple commands of external programs; compound
neighbours, groups, loops, functions, substitutions and re-parsing (``bash -c``,
``eval``, here-strings, ``ssh``) apply to any line, always with newlines where a
here-document or a comment could otherwise swallow the rest. Junk is added only where
it cannot stop the command: a comment before it, a separate statement after it (a
later syntax error or invalid byte may make bash refuse the whole line, which is no
reason to allow it either).

``mutate`` gives random-ish shell text for the crash and unrunnable-input properties.
"""

from __future__ import annotations

import json
import random
import re
import shlex
from collections.abc import Callable
from functools import cache

from tests.classify.test_corpus import DANGEROUS_ALLOWED
from tests.conftest import CORPUS

#: Destructive commands of our own (the sanity test checks that interlock stops every
#: one of them as written, before any noise).
OWN_DESTRUCTIVE: tuple[str, ...] = (
    "rm -rf ~",
    "rm -rf /var/lib/postgresql",
    "rm -rf ~/.ssh",
    "dd if=/dev/zero of=/dev/sda bs=1M",
    "mkfs.ext4 /dev/nvme0n1",
    "wipefs -a /dev/sda",
    "git reset --hard HEAD~3",
    "git clean -fdx",
    "git push origin +main",
    "git push -f",
    "git branch -D main",
    "git stash clear",
    "terraform destroy -auto-approve",
    "tofu destroy -auto-approve",
    "terraform apply -destroy -auto-approve",
    "terraform state rm aws_db_instance.ledger",
    "pulumi destroy --yes",
    "kubectl delete namespace payments --context prod",
    "kubectl delete pvc ledger-data -n payments",
    "helm uninstall payments -n prod",
    "aws rds delete-db-instance --db-instance-identifier ledger --skip-final-snapshot",
    "aws s3 rb s3://prod-ledger --force",
    "aws ec2 terminate-instances --instance-ids i-0abc",
    "aws dynamodb delete-table --table-name orders",
    "gcloud sql instances delete prod-db --quiet",
    "az group delete --name prod-rg --yes",
    "psql -c 'DROP DATABASE ledger'",
    "mysql -e 'DROP TABLE orders'",
    "redis-cli FLUSHALL",
    "mongosh --eval 'db.dropDatabase()'",
    "docker volume rm pgdata",
    "chmod -R 000 /",
    "find / -delete",
    "truncate -s 0 /var/lib/mysql/ibdata1",
    "crontab -r",
    "kill -9 -1",
    "shutdown -h now",
    "userdel -r alice",
    "gh repo delete org/repo --yes",
    "rm -rf ~/.config/interlock",
    "cp /dev/null /etc/passwd",
    "rsync -a --delete /tmp/empty/ /",
)

#: dcg ``dangerous`` lines left out of the fuzz bases, with the reason. They are held
#: as written (tests/classify/test_corpus.py) but run nothing destructive in bash, so
#: noise around them may rightly make them allowed.
NOT_DESTRUCTIVE: dict[str, str] = {
    "bash <<EOF": "a here-document with no body: bash reads nothing to run",
    "perl <<EOF": "a here-document with no body",
    "python3 <<EOF": "a here-document with no body",
    "ruby <<EOF": "a here-document with no body",
    "node <<EOF": "a here-document with no body",
    "git reset\\n--hard": "a literal backslash-n: `git reset` of the index alone, then no --hard",
}

#: Words bash reads as syntax or runs as builtins: ``sudo time`` or ``env cd`` would
#: not run them, so prefix wrappers are never put before these.
_NOT_PROGRAMS = frozenset(
    {
        "builtin", "command", "eval", "exec", "time", "source", ".", "cd", "export", "set",
        "unset", "alias", "trap", "history", "declare", "typeset", "local", "readonly", "shopt",
        "enable", "hash", "ulimit", "umask", "wait", "jobs", "disown", "fg", "bg", "let", "read",
        "mapfile", "coproc", "function", "!", "[[", "{", "(", "if", "for", "while", "until",
        "case", "select",
    }
)  # fmt: skip
#: Characters that make a line more than one simple command (or expand it).
_COMPOUND = set(";&|<>()`$\n#{}\\!")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./+-]+")


def is_simple(line: str) -> bool:
    """Whether ``line`` is one simple command of an external program, quotes balanced."""
    if set(line) & _COMPOUND:
        return False
    try:
        words = shlex.split(line)
    except ValueError:
        return False
    head = line.split(" ", 1)[0]
    return bool(words) and head not in _NOT_PROGRAMS and "=" not in head


@cache
def corpus_rows(name: str) -> tuple[tuple[str, str], ...]:
    """``(command, label)`` of every line of a command corpus file, read in place."""
    with (CORPUS / "commands" / name).open(encoding="utf-8") as fh:
        return tuple((row["command"], row["label"]) for row in map(json.loads, fh))


@cache
def destructive() -> tuple[str, ...]:
    """Every fuzz base: dcg's destructive lines interlock stops, then our own."""
    skip = set(DANGEROUS_ALLOWED) | set(NOT_DESTRUCTIVE)
    dcg = {c.strip() for c, label in corpus_rows("dcg.jsonl") if label == "dangerous"}
    return tuple(sorted(c for c in dcg if c and c not in skip)) + OWN_DESTRUCTIVE


_CHANGES_CONTEXT = re.compile(
    r"\b(cd|pushd|popd|alias|unalias|function|set|shopt|export|unset|source|exec|exit|"
    r"return|trap|eval|builtin|enable|hash|readonly|declare|typeset|local|ulimit|logout|"
    r"kill|command)\b|\w+\s*\(\s*\)|(^|\s)\.\s|^\s*\w+=|<<"
)


@cache
def neighbours() -> tuple[str, ...]:
    """Dippy's safe lines that cannot change how a later command runs.

    Left out: anything that moves the directory, defines functions or aliases, sets
    variables or options, exits, or opens a here-document that would swallow the next
    line; unbalanced quotes, which would make the next line part of a string; and
    comments, which would swallow the rest of a line (``{n}; {x}``).
    """
    out = []
    for line, label in corpus_rows("dippy.jsonl"):
        if label != "safe" or "\n" in line or "#" in line or line.rstrip().endswith("\\"):
            continue
        if _CHANGES_CONTEXT.search(line):
            continue
        try:
            shlex.split(line, comments=True)
        except ValueError:
            continue
        out.append(line)
    return tuple(out)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _ansi_c(word: str) -> str:
    return "$'" + "".join(f"\\x{ord(ch):02x}" for ch in word) + "'"


def _requote_head(rng: random.Random, line: str) -> str:
    head, sep, tail = line.partition(" ")
    if not _PLAIN_WORD.fullmatch(head) or len(head) < 2:
        return line
    cut = rng.randrange(1, len(head))
    styles: tuple[Callable[[str], str], ...] = (
        lambda w: w[:cut] + "''" + w[cut:],
        lambda w: w[:cut] + '""' + w[cut:],
        lambda w: '"' + w + '"',
        lambda w: "'" + w + "'",
        lambda w: "\\" + w,
        lambda w: w[:cut] + "\\" + w[cut:],
        lambda w: '"' + w[:cut] + '"' + w[cut:],
        _ansi_c,
    )
    return rng.choice(styles)(head) + sep + tail


def _spread(rng: random.Random, line: str) -> str:
    """Extra blanks or a line continuation between words (lines without quotes)."""
    if "'" in line or '"' in line or " " not in line:
        return line
    words = line.split(" ")
    gaps = [rng.choice((" ", "  ", "\t", " \\\n", " \t ", "\\\n ")) for _ in words[1:]]
    return words[0] + "".join(g + w for g, w in zip(gaps, words[1:], strict=True))


#: Wrappers that run an external program with its arguments unchanged.
_PREFIXES: tuple[str, ...] = (
    "sudo ",
    "sudo -u root ",
    "sudo -E ",
    "sudo -n -- ",
    "doas ",
    "env ",
    "env A=1 ",
    "env -i ",
    "env -u HOME ",
    "timeout 5 ",
    "timeout -s KILL 30 ",
    "nice ",
    "nice -n 5 ",
    "ionice -c3 ",
    "nohup ",
    "setsid ",
    "stdbuf -o0 ",
    "flock /tmp/fuzz.lock ",
)


def _prefix(rng: random.Random, line: str) -> str:
    if rng.random() < 0.1:
        return f"find . -maxdepth 0 -exec {line} \\;"
    return rng.choice(_PREFIXES) + line


_SAFE = ("ls -la", "git status", "echo done", "true", "pwd", "date", "cat README.md")


def _neighbour(rng: random.Random) -> str:
    pool = neighbours()
    return rng.choice(pool) if rng.random() < 0.7 else rng.choice(_SAFE)


#: Statement noise: ``{x}`` is the line, ``{n}`` a harmless neighbour.
_STATEMENTS: tuple[str, ...] = (
    "{n}\n{x}",
    "{x}\n{n}",
    "{n}; {x}",
    "true && {x}",
    "false || {x}",
    "{n} || true\n{x}",
    "(\n{x}\n)",
    "{{\n{x}\n}}",
    "if true; then\n{x}\nfi",
    "if false; then :; else\n{x}\nfi",
    "for i in 1; do\n{x}\ndone",
    "while true; do\n{x}\nbreak\ndone",
    "until false; do\n{x}\nbreak\ndone",
    "case a in a)\n{x}\n;;\nesac",
    "fz() {{\n{x}\n}}\nfz",
    'echo "$(\n{x}\n)"',
    "x=$(\n{x}\n)",
    "{{\n{x}\n}} | cat",
    "{{\n{x}\n}} 2>&1 | tee /dev/null",
    "{{\n{x}\n}} &",
    "{{\n{x}\n}} >/dev/null 2>&1",
    "! {{\n{x}\n}}",
    "cat <(\n{x}\n)",
    "{{\n{x}\n}} && {n}",
    "time {{\n{x}\n}}",
    "# {c}\n{x}",
    ": '{q}'\n{x}",
    "{x}\n# {c}",
)

#: Re-parsing noise: the line becomes a string another shell runs.
_STRINGS: tuple[str, ...] = (
    "bash -c {s}",
    "sh -c {s}",
    "zsh -c {s}",
    "bash -lc {s}",
    "sudo bash -c {s}",
    "sudo -u root sh -c {s}",
    "eval {s}",
    "ssh build1 {s}",
    "bash <<< {s}",
    "printf '%s\\n' {s} | sh",
    "echo {s} | bash",
    "bash <<'FUZZ_EOF'\n{x}\nFUZZ_EOF",
    "sh <<FUZZ_EOF\n{x}\nFUZZ_EOF",
)


def _junk(rng: random.Random, banned: str) -> str:
    alphabet = "abc xyz019-_/.*?[]~=:,@%^+" + "'\"`$(){}<>|&;!#\\"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
    return "".join(ch for ch in text if ch not in banned)


def _statement(rng: random.Random, line: str) -> str:
    template = rng.choice(_STATEMENTS)
    return template.format(x=line, n=_neighbour(rng), c=_junk(rng, "\n"), q=_junk(rng, "'\n"))


def _string(rng: random.Random, line: str) -> tuple[str, bool]:
    """The line as a string another shell runs; whether the result is a simple command."""
    template = rng.choice(_STRINGS)
    if "FUZZ_EOF" in line and "FUZZ_EOF" in template:
        template = "bash -c {s}"
    simple = "|" not in template and "<" not in template
    return template.format(s=_quote(line), x=line), simple


def noisy(rng: random.Random, base: str, depth: int = 5) -> str:
    """``base`` under up to ``depth`` layers of noise that keep it running."""
    line, simple = base, is_simple(base)
    for _ in range(rng.randrange(depth + 1)):
        roll = rng.random()
        if simple and roll < 0.25:
            line = _prefix(rng, line)
        elif simple and roll < 0.4:
            line = _requote_head(rng, line)
        elif simple and roll < 0.45:
            line, simple = f"VAR{rng.randrange(9)}=1 {line}", False
        elif simple and roll < 0.5:
            line, simple = _spread(rng, line), False
        elif roll < 0.8:
            line, simple = _statement(rng, line), False
        else:
            line, simple = _string(rng, line)
    return line


def with_tail(rng: random.Random, line: str) -> str | bytes:
    """``line`` followed, sometimes, by a separate statement of random text or bytes."""
    roll = rng.random()
    if roll < 0.7:
        return line
    if roll < 0.85:
        return f"{line}\n{_junk(rng, '')}"
    tail = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))
    return line.encode() + rng.choice((b"\n", b";\n", b"\n\n")) + tail


#: Fragments ``mutate`` splices into shell text.
_FRAGMENTS: tuple[str, ...] = (
    "$(", ")", "`", "'", '"', "\\", "\n", ";", "&&", "||", "|", "&", "<<EOF\n", "\nEOF\n",
    "<<<", "<(", ">(", "${", "}", "{ ", "; }", "(", "$'\\x72'", "\x00", "\t", "#", "!",
    "eval ", "bash -c ", "sudo ", "xargs ", "$IFS", "$0", "*", "?", "[[", "]]", "=",
    "\u00a0", "\u2028", "\ud800", "rm -rf /", "\r",
)  # fmt: skip


def mutate(rng: random.Random, text: str) -> str:
    """Random edits of ``text``: deletions, duplications, splices of shell syntax."""
    for _ in range(rng.randrange(1, 6)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.35:
            text = text[:at] + rng.choice(_FRAGMENTS) + text[at:]
        elif roll < 0.55:
            text = text[:at] + text[at + rng.randrange(1, 8) :]
        elif roll < 0.7:
            end = min(len(text), at + rng.randrange(1, 20))
            text = text[:end] + text[at:end] + text[end:]
        elif roll < 0.85:
            text = text[:at] + chr(rng.randrange(1, 0x3000)) + text[at:]
        else:
            other = rng.choice(corpus_rows("dippy.jsonl"))[0]
            text = text[:at] + other[: rng.randrange(len(other) + 1)]
    return text
