"""Commands spelled as argument lists or delimited shell strings in inline code."""

from __future__ import annotations

import pytest

from interlock.classify.commands.codecommands import commands_in


@pytest.mark.parametrize(
    ("language", "code", "commands"),
    [
        ("ruby", 'exec "rm", "-rf", "/"', ["rm -rf /"]),
        ("ruby", 'system("rm", "-rf", dir)', [None]),
        ("ruby", 'system("rm", "-rf", "#{d}")', [None]),
        ("ruby", "%x{ls -l}", ["ls -l"]),
        ("ruby", 'system "ls -l"', []),  # the one-string form: interpreters.py's idioms
        ("perl", "qx{rm -rf /}", ["rm -rf /"]),
        ("perl", "qx!rm -rf /!", ["rm -rf /"]),
        ("perl", "qx(rm -rf @d)", [None]),
        ("perl", 'system { "rm" } "rm", "-rf", "/"', ["rm -rf /"]),
        ("perl", "system('rm', '-rf', $d)", [None]),
        ("js", 'Bun.spawnSync(["rm","-rf","/"])', ["rm -rf /"]),
        ("js", "await Bun.$`rm -rf ${d}`", [None]),
        ("js", 'new Deno.Command("rm", {args: ["-rf", "/"]})', ["rm -rf /"]),
        ("js", "spawnSync('rm', ['-rf', x])", [None]),
        ("js", "spawnSync('rm', args)", [None]),
        ("jvm", '"rm -rf /".execute()', ["rm -rf /"]),
        ("jvm", 'new ProcessBuilder(List.of("ls", "-l")).start()', ["ls -l"]),
    ],
)  # fmt: skip
def test_commands_in(language: str, code: str, commands: list[str | None]) -> None:
    assert commands_in(language, code)[0] == commands


def test_matches_are_blanked_for_the_single_string_idioms() -> None:
    _, rest = commands_in("ruby", 'exec "rm", "-rf", "/"; puts 1')
    assert "rm" not in rest
    assert rest.endswith("puts 1")
