"""Which shell commands a GNU sed script runs.

GNU sed can run shell commands from inside its script: ``e command`` runs
``command``, a bare ``e`` runs the pattern space, and the ``e`` flag of ``s`` runs
the result of the substitution (GNU sed manual, "Commands", "The s Command"). The
pattern space comes from the input, so only ``e command`` names what runs. This
scanner reads just enough of the script grammar (addresses, blocks, the arguments of
each command) to find those commands without mistaking the letter ``e`` inside a
regex, a replacement, a label, a file name or appended text for one. A script it
cannot read gives ``None``: unreadable is not the same as "runs something".
"""

from __future__ import annotations

#: Commands without arguments, and those with an optional number (``q 5``, ``l 70``).
_NO_ARG = frozenset("=dDgGhHnNpPxzF")
_NUMBER_ARG = frozenset("lLqQ")
#: Commands whose argument runs to the end of the line (a file name).
_FILE_ARG = frozenset("rRwW")
_DIGITS = frozenset("0123456789")


class _UnreadableError(Exception):
    """The script is not one this scanner can read; never leaves this module."""


def executed(script: str) -> tuple[str | None, ...] | None:
    """The commands ``script`` runs: the text of each ``e command``, ``None`` for an
    ``e`` that runs the pattern space (bare ``e``, ``s///e``). ``None`` when the
    script cannot be read."""
    scanner = _Scanner(script)
    try:
        scanner.run()
    except _UnreadableError:
        return None
    return tuple(scanner.found)


class _Scanner:
    """One left-to-right pass; GNU sed joins ``-e`` pieces with newlines first."""

    __slots__ = ("found", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.found: list[str | None] = []

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def to_end_of_line(self) -> str:
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        taken, self.pos = self.text[self.pos : end], end
        return taken

    def run(self) -> None:
        while True:
            self.skip(" \t\n;")
            ch = self.peek()
            if not ch:
                return
            if ch == "#":
                self.to_end_of_line()
                continue
            if ch == "}":
                self.pos += 1
                continue
            self.address()
            self.skip(" \t")
            while self.peek() == "!":  # negation, as often as GNU sed tolerates it
                self.pos += 1
                self.skip(" \t")
            command = self.peek()
            self.pos += 1
            self.command(command)

    # -- addresses -------------------------------------------------------------

    def address(self) -> None:
        if not self.one_address():
            return
        self.skip(" \t")
        if self.peek() != ",":
            return
        self.pos += 1
        self.skip(" \t")
        if self.peek() in ("+", "~"):  # ``addr,+N`` and ``addr,~N``
            self.pos += 1
            self.digits(required=True)
        elif not self.one_address():
            raise _UnreadableError

    def one_address(self) -> bool:
        ch = self.peek()
        if ch in _DIGITS:
            self.digits(required=True)
            if self.peek() == "~":  # ``first~step``
                self.pos += 1
                self.digits(required=True)
            return True
        if ch == "$":
            self.pos += 1
            return True
        if ch in ("/", "\\"):
            self.pos += 1
            if ch == "\\":  # ``\cREGEXc``: any delimiter
                ch = self.delimiter()
            self.delimited(ch)
            self.skip("IM")
            return True
        return False

    def digits(self, *, required: bool) -> None:
        start = self.pos
        self.skip("0123456789")
        if required and self.pos == start:
            raise _UnreadableError

    def delimiter(self) -> str:
        ch = self.peek()
        if ch in ("", "\n", "\\"):
            raise _UnreadableError
        self.pos += 1
        return ch

    def delimited(self, delim: str) -> None:
        """Skip to just past the next unescaped ``delim`` (GNU sed's match_slash)."""
        text, i, n = self.text, self.pos, len(self.text)
        while i < n:
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "\n":
                raise _UnreadableError
            if ch == delim:
                self.pos = i + 1
                return
            i += 1
        raise _UnreadableError

    # -- commands --------------------------------------------------------------

    def command(self, command: str) -> None:
        if command == "{":
            return
        if command in _NO_ARG:
            self.end_of_command()
        elif command in _NUMBER_ARG:
            self.skip(" \t")
            self.digits(required=False)
            self.end_of_command()
        elif command in ("b", "t", "T", ":", "v"):
            self.label(required=command == ":")
        elif command in _FILE_ARG or command == "#":
            self.to_end_of_line()
        elif command in ("a", "i", "c"):
            self.text_argument()
        elif command == "e":
            self.found.append(self.to_end_of_line().strip() or None)
        elif command in ("s", "y"):
            delim = self.delimiter()
            self.delimited(delim)
            self.delimited(delim)
            if command == "s":
                self.s_flags()
            else:
                self.end_of_command()
        else:
            raise _UnreadableError

    def end_of_command(self) -> None:
        self.skip(" \t")
        if self.peek() not in ("", "\n", ";", "}", "#"):
            raise _UnreadableError

    def label(self, *, required: bool) -> None:
        """Labels end at blanks, ``;`` or a newline (GNU sed 4.3 and later)."""
        self.skip(" \t")
        start = self.pos
        while self.peek() not in ("", "\n", ";", " ", "\t"):
            self.pos += 1
        if required and self.pos == start:
            raise _UnreadableError

    def text_argument(self) -> None:
        """``a text``, ``a\\`` + newline + text: lines go on while they end in ``\\``."""
        self.skip(" \t")
        if self.peek() == "\\":
            self.pos += 1
            self.skip(" \t")
            if self.peek() == "\n":
                self.pos += 1
        elif not self.peek() or self.peek() == "\n":
            raise _UnreadableError
        text, i, n = self.text, self.pos, len(self.text)
        while i < n and text[i] != "\n":
            i += 2 if text[i] == "\\" else 1
        self.pos = min(i, n)

    def s_flags(self) -> None:
        while True:
            ch = self.peek()
            if ch and ch in "gpiImM0123456789":
                self.pos += 1
            elif ch == "e":  # run the substituted pattern space
                self.found.append(None)
                self.pos += 1
            elif ch == "w":  # ``w FILE`` takes the rest of the line
                self.to_end_of_line()
                return
            else:
                self.end_of_command()
                return
