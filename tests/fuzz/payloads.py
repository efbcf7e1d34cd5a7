"""Hook payloads for fuzzing: the corpus's Claude Code ``PreToolUse`` inputs, mutated.

Three kinds: a ``Bash`` call whose command is a noisy destructive line (the rest of
the payload mutated around it); any corpus payload with its JSON mutated; and bytes
that are barely JSON or not at all (cut, flipped, invalid UTF-8, deep nesting,
``NaN``, a byte order mark, over the size limit).

``destructive_command`` is the oracle: the command Claude Code itself would run for
these bytes (its ``JSON.parse`` keeps the last of duplicated keys, as Python's does),
when that command is one the generator made destructive.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from functools import cache
from typing import Any

from interlock.integrations.hook import MAX_PAYLOAD_BYTES
from tests.conftest import CORPUS
from tests.fuzz.commands import destructive, noisy

HOOKS = "protocol/claude-code-hooks"


@cache
def corpus_payloads() -> tuple[dict[str, Any], ...]:
    """Every recorded payload, read in place."""
    out: list[dict[str, Any]] = []
    for path in sorted((CORPUS / HOOKS).glob("*.json")):
        out += json.loads(path.read_text())
    return tuple(out)


class Payload:
    """The bytes on the hook's stdin and the destructive command they were made with."""

    __slots__ = ("command", "data")

    def __init__(self, data: bytes, command: str | None = None) -> None:
        self.data, self.command = data, command

    def __repr__(self) -> str:
        return repr(self.data)


def destructive_command(payload: Payload) -> str | None:
    """The generated destructive command, if Claude Code would run it for these bytes."""
    if payload.command is None:
        return None
    try:
        doc = json.loads(payload.data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("tool_name") != "Bash":
        return None
    if doc.get("hook_event_name", "PreToolUse") != "PreToolUse":
        return None
    args = doc.get("tool_input")
    if not isinstance(args, dict) or args.get("command") != payload.command:
        return None
    return payload.command


_ODD: tuple[Any, ...] = (None, True, 0, 1.5, "", "x", [], {}, ["a"], {"k": "v"}, "\u2028", "\ud800")
_KEYS = ("session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name")
_CWDS = ("/nonexistent/fuzz/work", "", "relative/dir", "/nonexistent/a b", None)


def _odd(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(_ODD))


def _mutate_fields(rng: random.Random, doc: dict[str, Any], keep: tuple[str, ...]) -> None:
    """Change a few top-level fields other than ``keep``."""
    for _ in range(rng.randrange(0, 4)):
        roll = rng.random()
        key = rng.choice(_KEYS)
        if key in keep:
            continue
        if roll < 0.3:
            doc.pop(key, None)
        elif roll < 0.5 and key == "cwd":
            doc[key] = rng.choice(_CWDS)
        elif roll < 0.6 and key == "hook_event_name":
            doc[key] = rng.choice(("PreToolUse", "PostToolUse", "preToolUse", ""))
        elif roll < 0.8:
            doc[key] = _odd(rng)
        else:
            doc[rng.choice(("extra", "toolName", "tool_input_2", "Tool_name"))] = _odd(rng)


def _encode(rng: random.Random, doc: Any) -> bytes:
    """JSON with random layout: indent, ASCII escapes, key order, blanks around it."""
    if isinstance(doc, dict) and rng.random() < 0.3:
        items = list(doc.items())
        rng.shuffle(items)
        doc = dict(items)
    text = json.dumps(
        doc, indent=rng.choice((None, None, 1, "\t")), ensure_ascii=rng.random() < 0.5
    )
    pad = rng.choice(("", "", " ", "\n", "\r\n\t "))
    return (pad + text + pad).encode("utf-8", "surrogatepass")


def _with_duplicate(rng: random.Random, data: bytes, key: str) -> bytes:
    """A repeated top-level ``key`` before the document's own (which stays in force)."""
    if not data.lstrip().startswith(b"{"):
        return data
    head, _, rest = data.partition(b"{")
    dup = json.dumps(key).encode() + b":" + json.dumps(_odd(rng)).encode() + b","
    return head + b"{" + dup + rest


def destructive_call(rng: random.Random) -> Payload:
    """A ``Bash`` call of a noisy destructive line inside a mutated corpus payload."""
    doc = dict(rng.choice(corpus_payloads()))
    command = noisy(rng, rng.choice(destructive()))
    args: dict[str, Any] = {"command": command}
    if rng.random() < 0.7:
        args["description"] = rng.choice(("Clean up", "", "Run the fix", "\u202e"))
    if rng.random() < 0.2:
        args["timeout"] = rng.choice((1000, "x", None))
    doc["tool_name"], doc["tool_input"] = "Bash", args
    _mutate_fields(rng, doc, keep=("hook_event_name",) if rng.random() < 0.8 else ())
    data = _encode(rng, doc)
    if rng.random() < 0.1:
        data = _with_duplicate(rng, data, rng.choice(("tool_name", "tool_input", "session_id")))
    return Payload(data, command)


def mutated_call(rng: random.Random) -> Payload:
    """Any corpus payload with its fields, tool or input changed."""
    doc = copy.deepcopy(rng.choice(corpus_payloads()))
    _mutate_fields(rng, doc, keep=())
    roll = rng.random()
    if roll < 0.2:
        doc["tool_name"] = rng.choice(
            ("Bash", "bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "mcp__db__drop_table",
             "mcp__fs__read_file", "mcp__", "Unknown", "", 7, None)
        )  # fmt: skip
    elif roll < 0.4:
        doc["tool_input"] = _odd(rng)
    elif roll < 0.6 and isinstance(doc.get("tool_input"), dict):
        args = doc["tool_input"]
        field = rng.choice(("command", "file_path", "notebook_path", "description"))
        args[field] = rng.choice(
            (_odd(rng), "/etc/passwd", "~/.config/interlock/hook.json", "../../x", "ls -la")
        )
    return Payload(_encode(rng, doc))


_TOKENS: tuple[bytes, ...] = (
    b"{", b"}", b"[", b"]", b",", b":", b'"', b"null", b"NaN", b"Infinity", b"-0", b"1e400",
    b"\x00", b"\xff", b"\xc0\xaf", b"\xef\xbb\xbf", b"\\u0000", b"\\ud800", b"\\", b"\n",
)  # fmt: skip


def broken_bytes(rng: random.Random) -> Payload:
    """Bytes near JSON: a payload cut, flipped or spliced; deep nesting; oversize."""
    roll = rng.random()
    if roll < 0.002:
        return Payload(b'{"tool_name":"Bash","x":"' + b"a" * MAX_PAYLOAD_BYTES + b'"}')
    if roll < 0.05:
        depth = rng.choice((10, 1000, 100_000))
        return Payload(b'{"tool_input":' + b"[" * depth + b"]" * depth + b"}")
    if roll < 0.1:
        return Payload(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64))))
    data = _encode(rng, rng.choice(corpus_payloads()))
    edits: tuple[Callable[[bytes, int], bytes], ...] = (
        lambda d, at: d[:at],
        lambda d, at: d[:at] + bytes([rng.randrange(256)]) + d[at + 1 :],
        lambda d, at: d[:at] + d[at + rng.randrange(1, 16) :],
        lambda d, at: d[:at] + rng.choice(_TOKENS) + d[at:],
    )
    for _ in range(rng.randrange(1, 4)):
        data = rng.choice(edits)(data, rng.randrange(len(data) + 1))
    return Payload(data)


def any_payload(rng: random.Random) -> Payload:
    """Half destructive calls, the rest mutated calls and broken bytes."""
    roll = rng.random()
    if roll < 0.5:
        return destructive_call(rng)
    if roll < 0.8:
        return mutated_call(rng)
    return broken_bytes(rng)
