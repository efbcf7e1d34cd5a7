"""SQL text in, statements and what each does out.

The splitter is a small state machine over the characters, not a substring search:
``;`` inside a string (``'a;b'``), a quoted identifier, a comment (``--``, ``/* */``) or
a PostgreSQL dollar-quoted body (``$fn$ ... $fn$``) does not end a statement, and the
words of strings and comments never count as keywords (``SELECT 'DROP TABLE x'`` is a
read). Each statement is then judged by its leading keywords, following the statement
forms of PostgreSQL, MySQL and SQLite: DROP, TRUNCATE, DELETE or UPDATE without a
real WHERE, ALTER ... DROP, GRANT/REVOKE and role changes are the destructive ones;
InfluxQL's DROP MEASUREMENT, SERIES, SHARD and RETENTION POLICY delete data as DROP
TABLE does.
A statement that is not recognised is a write of medium risk, never a read. CALL,
EXECUTE and EXEC run stored code the text does not show, and a DO block is
procedural: both are opaque, except a PL/pgSQL DO block of plain statements, which is
judged by them (PostgreSQL manual, "DO" and "Basic Statements" of PL/pgSQL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interlock.classify.commands.paths import word_table
from interlock.models import DESTRUCTIVE, RISK_ORDER, Category, Risk


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its source text and the keyword view (strings and comments blanked)."""

    text: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Effect:
    """What a statement does: category, risk and a short reason."""

    category: Category
    risk: Risk
    why: str


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|\d+|[=()*<>!]+|'[^']*'")


def split_sql(text: str) -> list[Statement]:
    """Split ``text`` into statements, honouring quotes, comments and dollar quotes."""
    out: list[Statement] = []
    source: list[str] = []
    masked: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == ";":
            _flush(out, source, masked)
            source, masked = [], []
            i += 1
            continue
        end, blank = _skip_token(text, i)
        source.append(text[i:end])
        masked.append(blank if blank is not None else text[i:end])
        i = end
    _flush(out, source, masked)
    return out


def _skip_token(text: str, i: int) -> tuple[int, str | None]:
    """The end of the token at ``i`` and its blanked form (``None``: keep as is)."""
    ch = text[i]
    two = text[i : i + 2]
    if two == "--":
        end = text.find("\n", i)
        return (len(text) if end < 0 else end), " "
    if two == "/*":
        end = text.find("*/", i + 2)
        return (len(text) if end < 0 else end + 2), " "
    if ch in "'\"`":
        return _end_of_quote(text, i, ch), "''" if ch == "'" else " QUOTED_NAME "
    if ch == "$":
        match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:])
        if match:
            tag = match.group(0)
            end = text.find(tag, i + len(tag))
            return (len(text) if end < 0 else end + len(tag)), " $BODY$ "
    return i + 1, None


def _end_of_quote(text: str, i: int, quote: str) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == "\\" and quote != "`":
            j += 2
            continue
        if text[j] == quote:
            if text[j + 1 : j + 2] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _flush(out: list[Statement], source: list[str], masked: list[str]) -> None:
    text = "".join(source).strip()
    words = tuple(w.upper() for w in _WORD.findall("".join(masked)))
    if text and words:
        out.append(Statement(text, words))


def _has_where(words: tuple[str, ...]) -> bool:
    """True when a WHERE clause restricts rows (``WHERE 1=1`` and ``WHERE TRUE`` do not)."""
    if "WHERE" not in words:
        return False
    cond = words[words.index("WHERE") + 1 :]
    trivial = [
        ("1",),
        ("TRUE",),
        ("1", "=", "1"),
        ("1", "=", "1", ")"),
        ("NOT", "FALSE"),
        ("''", "=", "''"),
        ("0", "=", "0"),
    ]
    head = tuple(w for w in cond if w not in ("(", ")"))
    if "CURRENT" in head[:2]:
        return True
    return head not in trivial and head[:3] not in (("1", "=", "1"), ("TRUE",)) and bool(head)


_DANGEROUS_FUNCTIONS = (
    "PG_TERMINATE_BACKEND",
    "PG_DROP_REPLICATION_SLOT",
    "LO_UNLINK",
    "DBLINK_EXEC",
    "PG_PROMOTE",
    "PG_RELOAD_CONF",
    "SETVAL",
    "PG_CANCEL_BACKEND",
    "PG_WAL_REPLAY_PAUSE",
)
_READ_FIRST = word_table(
    """
        SHOW DESCRIBE DESC VALUES TABLE USE BEGIN START COMMIT END ROLLBACK SAVEPOINT
        RELEASE ABORT FETCH CLOSE DECLARE LISTEN UNLISTEN HELP CHECK CHECKSUM DEALLOCATE
        DISCARD SUMMARIZE HANDLER ECHO
    """
)
_PRIVILEGE_FIRST = frozenset({"GRANT", "REVOKE", "DENY"})
_WRITE_FIRST = word_table(
    """
        INSERT UPSERT REPLACE MERGE COPY LOAD ANALYZE ANALYSE VACUUM REINDEX CLUSTER
        CHECKPOINT NOTIFY REFRESH COMMENT LOCK SECURITY IMPORT EXPORT ATTACH DETACH INSTALL
        OPTIMIZE REPAIR RENAME FLUSH PREPARE RESET KILL PURGE UNLOAD SYSTEM BACKUP RESTORE
    """
)
#: Statements that run code stored on the server (``CALL p()``, ``EXECUTE stmt``,
#: ``EXEC proc``): what that code does is not in the text, so it cannot be judged.
_STORED_CODE_FIRST = frozenset({"CALL", "EXECUTE", "EXEC"})


def classify(stmt: Statement) -> Effect:
    """What ``stmt`` does; unknown forms are writes, never reads."""
    words = stmt.words
    first = words[0]
    if first == "EXPLAIN":
        rest = [w for w in words[1:] if w not in ("VERBOSE", "(", ")", "COSTS", "BUFFERS")]
        if rest[:1] in (["ANALYZE"], ["ANALYSE"]):
            return classify(Statement(stmt.text, tuple(rest[1:]) or ("SELECT",)))
        return Effect(Category.READ, Risk.NONE, "EXPLAIN only plans the statement")
    if first in ("SELECT", "WITH", "("):
        return _select(words)
    if first == "PRAGMA":
        if "=" in words or "(" in words:
            return Effect(Category.WRITE, Risk.LOW, "PRAGMA changes a setting")
        return Effect(Category.READ, Risk.NONE, "PRAGMA reads a setting")
    if first == "SET":
        return _set(words)
    if first in _READ_FIRST:
        return Effect(Category.READ, Risk.NONE, f"{first} reads or controls the session")
    handler = _BY_FIRST.get(first)
    if handler is not None:
        return handler(words)
    if first in _PRIVILEGE_FIRST:
        return Effect(Category.PRIVILEGE, Risk.HIGH, f"{first} changes who may do what")
    if first in _STORED_CODE_FIRST:
        return Effect(Category.OPAQUE, Risk.HIGH, f"{first} runs stored code interlock cannot see")
    if first == "DO":
        return _do(stmt.text)
    if first in _WRITE_FIRST:
        risk = Risk.HIGH if first == "KILL" else Risk.MEDIUM
        return Effect(Category.WRITE, risk, f"{first} changes data")
    return Effect(Category.WRITE, Risk.MEDIUM, f"{first} is not a statement interlock knows")


_DO_BODY = re.compile(
    r"\s*DO\s+(?:LANGUAGE\s+(?P<before>\w+)\s+)?(?P<tag>\$\w*\$)(?P<body>.*?)(?P=tag)"
    r"\s*(?:LANGUAGE\s+(?P<after>\w+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PLPGSQL_BLOCK = re.compile(r"\s*BEGIN\b(?P<inner>.*)\bEND\s*;?\s*$", re.IGNORECASE | re.DOTALL)
#: Statement heads a DO block may hold and still be judged: plain SQL with a fixed text.
#: Anything else (``IF``, ``LOOP``, ``PERFORM``, ``EXECUTE``, an assignment, a nested
#: ``BEGIN``, ``DECLARE``d variables) is control flow or dynamic SQL.
_DO_PLAIN = word_table(
    """
        INSERT UPDATE DELETE MERGE DROP TRUNCATE ALTER CREATE GRANT REVOKE COPY COMMENT LOCK
        REFRESH REINDEX CLUSTER ANALYZE ANALYSE SECURITY
    """
)
#: Words that put control flow inside a statement of the block: an ``EXCEPTION``
#: handler runs statements of its own after the one it follows.
_DO_CONTROL = frozenset({"EXCEPTION", "LOOP", "EXECUTE", "PERFORM", "ELSIF", "RAISE", "RETURN"})
_OPAQUE_DO = Effect(
    Category.OPAQUE, Risk.HIGH, "DO runs a procedural block interlock cannot follow"
)


def _do(text: str) -> Effect:
    """``DO $$ BEGIN ...; END $$`` is judged by the statements in its block when each
    is plain SQL, as the worst of them; anything procedural, dynamic (``EXECUTE`` of
    a string) or in another language is opaque (DESIGN floor rule 3)."""
    match = _DO_BODY.match(text)
    if match is None:
        return _OPAQUE_DO
    language = match.group("before") or match.group("after") or "plpgsql"
    block = _PLPGSQL_BLOCK.match(match.group("body"))
    if block is None or language.lower() != "plpgsql":
        return _OPAQUE_DO
    inner = split_sql(block.group("inner"))
    if any(
        stmt.words[0] not in _DO_PLAIN or _DO_CONTROL.intersection(stmt.words) for stmt in inner
    ):
        return _OPAQUE_DO
    if not inner:
        return Effect(Category.READ, Risk.NONE, "DO runs an empty block")
    worst = max((classify(stmt) for stmt in inner), key=_severity)
    return Effect(worst.category, worst.risk, f"DO block: {worst.why}")


def _severity(effect: Effect) -> tuple[bool, bool, int]:
    """Orders effects: destructive first, then any change, then by risk."""
    return (
        effect.category in DESTRUCTIVE,
        effect.category is not Category.READ,
        RISK_ORDER[effect.risk],
    )


def _select(words: tuple[str, ...]) -> Effect:
    for verb in ("DELETE", "UPDATE", "INSERT", "MERGE", "TRUNCATE", "DROP"):
        if verb in words[1:] and words[0] == "WITH":
            return classify(Statement("", words[words.index(verb) :]))
    if any(f in words for f in _DANGEROUS_FUNCTIONS):
        return Effect(Category.WRITE, Risk.HIGH, "SELECT calls a function with side effects")
    if "INTO" in words and "OUTFILE" in words:
        return Effect(Category.WRITE, Risk.MEDIUM, "SELECT ... INTO OUTFILE writes a file")
    if "INTO" in words and words[0] == "SELECT":
        return Effect(Category.CREATE, Risk.LOW, "SELECT ... INTO creates a table")
    return Effect(Category.READ, Risk.NONE, "SELECT only reads")


def _set(words: tuple[str, ...]) -> Effect:
    if {"GLOBAL", "PERSIST", "PERSIST_ONLY"} & set(words[1:3]):
        return Effect(Category.WRITE, Risk.HIGH, "SET GLOBAL changes the server for everyone")
    if words[1:2] in (("ROLE",), ("SESSION_AUTHORIZATION",)) or "PASSWORD" in words:
        return Effect(Category.PRIVILEGE, Risk.MEDIUM, "SET changes the acting role or password")
    return Effect(Category.READ, Risk.NONE, "SET changes only this session")


def _drop(words: tuple[str, ...]) -> Effect:
    kind = next((w for w in words[1:] if w not in ("TEMPORARY", "TEMP", "MATERIALIZED")), "")
    if kind in ("DATABASE", "SCHEMA", "KEYSPACE", "TABLESPACE"):
        return Effect(Category.DELETE, Risk.CRITICAL, f"DROP {kind} deletes everything in it")
    if kind in ("USER", "ROLE", "LOGIN", "GROUP", "OWNED", "POLICY"):
        return Effect(Category.PRIVILEGE, Risk.HIGH, f"DROP {kind} removes access control")
    if kind in ("TABLE", "COLLECTION", "MEASUREMENT", "SERIES", "SHARD", "RETENTION"):
        return Effect(Category.DELETE, Risk.HIGH, f"DROP {kind} deletes it and its rows")
    return Effect(Category.DELETE, Risk.MEDIUM, f"DROP {kind} deletes a database object")


def _truncate(words: tuple[str, ...]) -> Effect:
    del words
    return Effect(Category.DELETE, Risk.HIGH, "TRUNCATE deletes every row")


def _delete(words: tuple[str, ...]) -> Effect:
    if _has_where(words):
        return Effect(Category.DELETE, Risk.MEDIUM, "DELETE removes the rows its WHERE selects")
    return Effect(Category.DELETE, Risk.HIGH, "DELETE without a WHERE clause removes every row")


def _update(words: tuple[str, ...]) -> Effect:
    if _has_where(words):
        return Effect(Category.WRITE, Risk.MEDIUM, "UPDATE changes the rows its WHERE selects")
    return Effect(Category.REPLACE, Risk.HIGH, "UPDATE without a WHERE clause overwrites every row")


def _alter(words: tuple[str, ...]) -> Effect:
    kind = words[1] if len(words) > 1 else ""
    if kind in ("USER", "ROLE", "LOGIN", "GROUP", "DEFAULT"):
        return Effect(Category.PRIVILEGE, Risk.HIGH, f"ALTER {kind} changes access control")
    if "OWNER" in words:
        return Effect(Category.PRIVILEGE, Risk.MEDIUM, "ALTER ... OWNER TO changes ownership")
    if "DROP" in words or "TRUNCATE" in words:
        return Effect(Category.DELETE, Risk.HIGH, "ALTER ... DROP removes columns or partitions")
    if kind == "SYSTEM":
        return Effect(Category.WRITE, Risk.HIGH, "ALTER SYSTEM changes the server configuration")
    return Effect(Category.WRITE, Risk.MEDIUM, f"ALTER {kind} changes the schema")


def _create(words: tuple[str, ...]) -> Effect:
    kind = next(
        (
            w
            for w in words[1:]
            if w not in ("OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "IF", "NOT", "EXISTS")
        ),
        "",
    )
    if kind in ("USER", "ROLE", "LOGIN", "GROUP"):
        return Effect(Category.PRIVILEGE, Risk.HIGH, f"CREATE {kind} adds an identity")
    if words[1:3] == ("OR", "REPLACE"):
        return Effect(Category.REPLACE, Risk.MEDIUM, f"CREATE OR REPLACE {kind} overwrites it")
    return Effect(Category.CREATE, Risk.LOW, f"CREATE {kind} adds a database object")


def _copy(words: tuple[str, ...]) -> Effect:
    """``COPY t TO PROGRAM 'cmd'`` runs a shell command on the database server's host, as
    the server's own OS user: far beyond the rows it names, so it is a privilege."""
    if "PROGRAM" in words:
        return Effect(
            Category.PRIVILEGE,
            Risk.CRITICAL,
            "COPY ... PROGRAM runs a shell command on the database server's host",
        )
    depth = 0
    for word in words[1:]:
        depth += word.count("(") - word.count(")")
        if depth == 0 and word in ("TO", "FROM"):
            if word == "TO" and "STDOUT" in words:
                return Effect(Category.READ, Risk.NONE, "COPY ... TO STDOUT only reads rows")
            if word == "TO":
                return Effect(Category.WRITE, Risk.MEDIUM, "COPY ... TO writes a server file")
            break
    return Effect(Category.WRITE, Risk.MEDIUM, "COPY ... FROM loads rows into a table")


_BY_FIRST = {
    "COPY": _copy,
    "DROP": _drop,
    "TRUNCATE": _truncate,
    "DELETE": _delete,
    "UPDATE": _update,
    "ALTER": _alter,
    "CREATE": _create,
}
