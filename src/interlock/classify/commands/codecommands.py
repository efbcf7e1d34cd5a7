"""Commands that inline code spells as an argument list or a shell string.

Most languages start a program two ways: with one string a shell parses
(``system "rm -rf /"``) and with the words themselves (``exec "rm", "-rf", "/"``,
``Bun.spawnSync(["rm", "-rf", "/"])``, ``Deno.Command("rm", {args: [...]})``). The
second form bypasses the shell but not the harm, so its literal words are joined
into the command line a shell would have run (``shlex.join``) and judged as that.
Shell strings with their own delimiters (perl's ``qx{...}``, Bun's ``$`...```) are
handed over as shell text. A word that interpolates (``"$dir"``, ``"#{path}"``,
``${x}``) is computed: the command is then unknown, and the caller holds it.

``commands_in`` also returns the code with each match blanked, so the search for
single-string idioms in interpreters.py does not read the same call a second time
(``exec "rm", "-rf"`` is not ``exec "rm"``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

_LIT = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_MANY = rf"{_LIT}(?:\s*,\s*{_LIT})+(?!\s*,)"  # two or more literals, all of them
_ANY = rf"{_LIT}(?:\s*,\s*{_LIT})*"  # in brackets, one is enough
_LIST = rf"\[\s*(?P<list>{_ANY})?\s*,?\s*\]"
#: The rest of a call whose argument words are not all literals (the last pattern of
#: each language, tried once the literal forms are blanked): the command is computed.
_REST = r"[^;\n]*"
_PERL_QX = (
    r"\bqx\s*(?:\{(?P<s1>[^}]*)\}|\((?P<s2>[^)]*)\)|\[(?P<s3>[^\]]*)\]|<(?P<s4>[^>]*)>"
    r"|(?P<d>[^\w\s{(\[<])(?P<s5>.*?)(?P=d))"
)
#: Per language: patterns with a ``list`` (argv words), an optional ``prog`` literal
#: before it, or shell text in a group named ``s1``..``s5``; a pattern with neither
#: is a command the code computes.
_FORMS: Mapping[str, tuple[re.Pattern[str], ...]] = {
    "ruby": (
        re.compile(
            r"\b(?:system|exec|spawn|Process\.spawn|IO\.popen|Open3\.\w+)\s*\(?\s*"
            rf"(?:\{{[^}}]*\}}\s*,\s*)?(?P<list>{_MANY})"
        ),
        re.compile(rf"\b(?:IO\.popen|Open3\.\w+|spawn)\s*\(\s*{_LIST}"),
        re.compile(r"%x\s*(?:\{(?P<s1>[^}]*)\}|\((?P<s2>[^)]*)\)|\[(?P<s3>[^\]]*)\])"),
        re.compile(rf"\b(?:system|exec|spawn|IO\.popen|Open3\.\w+)\s*\(?\s*{_LIT}\s*,{_REST}"),
    ),
    "perl": (
        re.compile(rf"\b(?:system|exec)\s*\(?\s*(?:\{{[^}}]*\}}\s*)?(?P<list>{_MANY})"),
        re.compile(_PERL_QX),
        re.compile(rf"\b(?:system|exec)\s*\(?\s*(?:\{{[^}}]*\}}\s*)?{_LIT}\s*,{_REST}"),
    ),
    "js": (
        re.compile(
            r"\b(?:Bun\.spawn(?:Sync)?|Deno\.Command|Deno\.run|spawnSync|spawn|"
            rf"execFileSync|execFile)\s*\(\s*(?P<prog>{_LIT})\s*,\s*"
            rf"(?:\{{\s*args\s*:\s*)?{_LIST}"
        ),
        re.compile(rf"\b(?:Bun\.spawn(?:Sync)?|Deno\.run)\s*\(\s*(?:\{{\s*cmd\s*:\s*)?{_LIST}"),
        re.compile(r"(?:\bBun\.)?\$\s*`(?P<s1>[^`]*)`"),
        re.compile(
            r"\b(?:Bun\.spawn(?:Sync)?|Deno\.Command|Deno\.run|spawnSync|spawn|execFileSync|"
            rf"execFile)\s*\(\s*{_LIT}\s*,\s*(?:[^{{\s]|\{{\s*args\b){_REST}"
        ),
    ),
    # Groovy, Kotlin, Scala, Java (jshell), JavaScript on the JVM (jrunscript)
    "jvm": (
        re.compile(rf"\[\s*(?P<list>{_ANY})\s*\]\s*\.\s*execute\s*\(\s*\)"),
        re.compile(rf"\b(?:Seq|List)\s*\(\s*(?P<list>{_ANY})\s*\)\s*\.\s*!!?"),
        re.compile(rf"\.\s*exec\s*\(\s*new\s+String\s*\[\s*\]\s*\{{\s*(?P<list>{_ANY})\s*\}}\s*\)"),
        re.compile(
            r"\bProcessBuilder\s*\(\s*(?:(?:List\.of|Arrays\.asList|listOf|mutableListOf)\s*\()?"
            rf"\s*(?P<list>{_ANY})\s*\)?\s*\)"
        ),
        re.compile(r"(?P<q>[\"'])(?P<s1>(?:(?!(?P=q)).)*)(?P=q)\s*\.\s*(?:execute\s*\(\s*\)|!!?)"),
        re.compile(r"\.\s*exec\s*\(\s*(?P<q>[\"'])(?P<s2>(?:(?!(?P=q)).)*)(?P=q)\s*\)"),
        re.compile(r"\.\s*(?:execute|exec)\s*\(|\bProcessBuilder\b|\.\s*!!?"),
    ),
}
#: What makes a double-quoted word, or a shell string, interpolate in each language.
_WORD_MARKS: Mapping[str, tuple[str, ...]] = {"ruby": ("#{",), "perl": ("$", "@"), "jvm": ("$",)}
_SHELL_MARKS: Mapping[str, tuple[str, ...]] = {**_WORD_MARKS, "js": ("${",)}


def commands_in(language: str, code: str) -> tuple[list[str | None], str]:
    """The command lines ``code`` starts in argv or delimited-shell form (``None`` for
    one built at run time), and ``code`` with those calls blanked."""
    found: list[str | None] = []
    for pattern in _FORMS.get(language, ()):
        for match in pattern.finditer(code):
            found.append(_command(language, match))
        code = pattern.sub(lambda m: " " * len(m.group(0)), code)
    return found, code


def _command(language: str, match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    shell = next((groups[k] for k in ("s1", "s2", "s3", "s4", "s5") if groups.get(k)), None)
    if shell is not None or "list" not in groups:
        marks = _SHELL_MARKS.get(language, ())
        # ruby's "#{d}" would reach the shell as a comment, perl's "@d" as a word
        return None if shell is None or any(m in shell for m in marks) else shell
    words = [groups["prog"]] if groups.get("prog") else []
    words += re.findall(_LIT, groups.get("list") or "")
    values = [_word(language, w) for w in words]
    if not values or any(v is None for v in values):
        return None
    return shlex.join([v for v in values if v is not None])


def _word(language: str, literal: str) -> str | None:
    """A quoted literal's value; ``None`` when a double-quoted one interpolates."""
    body = literal[1:-1]
    if literal.startswith('"') and any(m in body for m in _WORD_MARKS.get(language, ())):
        return None
    return re.sub(r"\\(.)", r"\1", body)
