"""Terminal multiplexers: the commands ``tmux`` and ``screen`` start or type.

Both run shell commands of their own in windows the agent does not watch: ``tmux
new -d 'rm -rf /'`` returns at once while the command runs detached, and ``tmux
send-keys 'rm -rf /' Enter`` or ``screen -X stuff 'rm -rf /^M'`` types a command into
a shell that is already running. Each is judged as the command it starts or types
(a tmux configuration, ``source-file``, a key binding or hook, and screen's ``eval``
or ``source``, run commands nobody sees here, now or later: opaque);
typed text counts as a command whether or not a key ends it, since a later keystroke
can. Listing, attaching and other multiplexer work launches nothing (``None``), and the
program is then judged on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from interlock.classify.unwrap import Step, Words, operand_index
from interlock.classify.words import DYNAMIC, Word

#: tmux commands (and aliases) that start a shell command: their options with a value.
_TMUX_STARTS: Mapping[str, str] = {
    **dict.fromkeys(("new-session", "new"), "cefnstxy"),
    **dict.fromkeys(("new-window", "neww"), "cefnt"),
    **dict.fromkeys(("split-window", "splitw"), "ceflpt"),
    **dict.fromkeys(("respawn-pane", "respawnp"), "cet"),
    **dict.fromkeys(("respawn-window", "respawnw"), "cet"),
    **dict.fromkeys(("display-popup", "popup"), "bcdehsStTwxy"),
    **dict.fromkeys(("pipe-pane", "pipep"), "t"),
    **dict.fromkeys(("run-shell", "run"), "dt"),
    **dict.fromkeys(("if-shell", "if"), "t"),
}
#: tmux commands that run tmux commands nobody reads here: from a file, or later, on a
#: key, a hook or a prompt's answer (``bind-key x run-shell 'rm -rf /'``).
_TMUX_DEFERRED = frozenset(
    {"source-file", "source", "bind-key", "bind", "set-hook", "command-prompt"}
    | {"confirm-before", "confirm", "display-menu", "menu"}
)
#: Options whose value is a shell command tmux runs for every new window.
_TMUX_COMMAND_OPTIONS = frozenset({"default-command", "default-shell"})
#: ``screen -X`` commands that run screen commands unseen or later (``eval``, a file,
#: a key binding, a register pasted as input).
_SCREEN_DEFERRED = frozenset(
    {"eval", "source", "at", "bind", "bindkey", "register", "paste", "process", "readreg"}
    | {"readbuf", "shell", "defshell"}
)
#: Key names ``send-keys`` types as characters that matter to a shell.
_KEYS: Mapping[str, str] = {
    "Space": " ",
    "Enter": "\n",
    "C-m": "\n",
    "C-j": "\n",
    "KPEnter": "\n",
    "Tab": "\t",
    "C-i": "\t",
}


def _tmux(words: Words) -> Step | None:
    """``tmux [-L s] [-c CMD] COMMAND [args] [; COMMAND ...]``."""
    scripts: list[Word] = []
    argvs: list[tuple[Word, ...]] = []
    start = operand_index(words, 1, "cfLST")
    for i, (value, flags) in enumerate(words[1:start], start=1):
        if value == "-c" and i + 1 < start:  # the shell-command of a login shell
            scripts.append(words[i + 1])
        elif value.startswith("-c") and len(value) > 2 and not flags:
            scripts.append((value[2:], flags))
        elif value.startswith("-f"):  # a configuration file: tmux commands unseen
            scripts.append((f"tmux {value} (a configuration file)", DYNAMIC))
    for command in _tmux_commands(words[start:]):
        _tmux_command(command, scripts, argvs)
    if not (scripts or argvs):
        return None
    return Step("tmux", None, scripts=tuple(scripts), extra=tuple(argvs))


def _tmux_commands(words: Words) -> list[Words]:
    """Commands separated by ``;`` words (``tmux new -d \\; send-keys ...``)."""
    commands: list[Words] = []
    current: list[Word] = []
    for word in words:
        if word[0] in (";", "\\;"):
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    return [c for c in commands if c]


def _tmux_command(command: Words, scripts: list[Word], argvs: list[tuple[Word, ...]]) -> None:
    name = command[0][0]
    if name in _TMUX_DEFERRED or (
        name in ("set-option", "set") and any(w in _TMUX_COMMAND_OPTIONS for w, _ in command)
    ):  # commands from a file, or kept to run later (a key, a hook, every new window)
        scripts.append((" ".join(w for w, _ in command), DYNAMIC))
        return
    if name in ("send-keys", "send"):
        typed = _typed(command[operand_index(command, 1, "Nt") :])
        if typed is not None:
            scripts.append(typed)
        return
    valued = _TMUX_STARTS.get(name)
    if valued is None:
        return
    at = operand_index(command, 1, valued)
    rest = tuple(command[at:])
    if not rest:
        return
    if name in ("run-shell", "run") and any(w == "-C" for w, _ in command[1:at]):
        return  # ``run-shell -C`` runs a tmux command
    if name in ("if-shell", "if") or len(rest) == 1:
        scripts.append(rest[0])  # one word is shell text (tmux hands it to sh -c)
    else:
        argvs.append(rest)


def _typed(keys: Words) -> Word | None:
    """What ``send-keys KEYS`` types, as shell text with the key names read."""
    if not keys:
        return None
    flags = 0
    out: list[str] = []
    for value, f in keys:
        flags |= f
        out.append(_KEYS.get(value, "" if _is_key_name(value) else value))
    return "".join(out), flags


def _is_key_name(value: str) -> bool:
    """``C-c``, ``M-x``, ``Escape``, ``Up``, ``F1``: keys that type no command text."""
    if len(value) >= 3 and value[1] == "-" and value[0] in "CMS":
        return True
    return value in ("Escape", "BSpace", "Up", "Down", "Left", "Right", "Home", "End") or (
        value[:1] == "F" and value[1:].isdigit()
    )


#: screen options that take the next word as their value.
_SCREEN_VALUED = "cehpsSTt"
#: screen options that only list, wipe or report: nothing runs.
_SCREEN_LONE = frozenset({"-ls", "-list", "-wipe", "-v", "-version", "-Q"})


def _screen(words: Words) -> Step | None:
    """``screen [-dmS name] [CMD args]`` and ``screen -X stuff|exec|screen ...``."""
    i, n = 1, len(words)
    command: int | None = None
    letters = ""
    while i < n:
        value = words[i][0]
        if not value.startswith("-") or value == "-":
            break
        if value == "-X":
            command = i + 1
            break
        if value in _SCREEN_LONE:
            return None
        if value == "-Logfile":
            i += 2
            continue
        taken = next((p for p, c in enumerate(value[1:], 1) if c in _SCREEN_VALUED), None)
        letters += value[1:] if taken is None else value[1:taken]
        i += 2 if taken == len(value) - 1 else 1
    if command is None:
        if "m" not in letters and set(letters) & set("rRxdD"):
            return None  # attaching or detaching: the word after is a session name
        rest = tuple(words[i:])
        return Step("screen", rest) if rest else None
    sent = tuple(words[command:])
    verb = sent[0][0] if sent else ""
    if verb in _SCREEN_DEFERRED:
        return Step("screen", None, scripts=((" ".join(w for w, _ in sent), DYNAMIC),))
    if verb == "stuff" and len(sent) > 1:
        text, flags = sent[1]
        return Step("screen", None, scripts=((_unstuffed(text), flags),))
    if verb in ("exec", "screen") and len(sent) > 1:
        at = operand_index(sent, 1, "tThs") if verb == "screen" else 1
        if verb == "exec" and sent[at][0][:1] in ".!:|":  # an fd pattern
            at += 1
        rest = sent[at:]
        return Step("screen", tuple(rest)) if rest else None
    return None


def _unstuffed(text: str) -> str:
    """``stuff`` text with screen's ``^M``/``\\n`` line ends read as line ends."""
    return text.replace("^M", "\n").replace("^J", "\n").replace("\\n", "\n").replace("\\r", "\n")


#: Program base name -> how to find the command it starts or types.
TERMINALS: Mapping[str, Callable[[Words], Step | None]] = {"tmux": _tmux, "screen": _screen}
