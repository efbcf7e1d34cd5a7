"""The README's examples run, so they cannot rot.

Console blocks are replayed through the CLI in-process and their printed output must
match (blocks that elide output with "…" are checked for their first line only); the
configuration reference must be exactly what the model renders today.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from interlock.cli import main
from interlock.cli.config import reference_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _examples() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in _BLOCK.findall(README.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *expected = chunk.rstrip("\n").split("\n")
            out.append((command, expected))
    return out


@pytest.mark.parametrize(("command", "expected"), _examples(), ids=lambda x: str(x)[:40])
def test_console_examples(
    command: str,
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = shlex.split(command)
    assert argv[0] == "interlock"
    if "--plan" in argv:
        from interlock.demo.incident import incident_plan, to_bytes

        monkeypatch.chdir(tmp_path)
        Path("plan.json").write_bytes(to_bytes(incident_plan()))
    code = main(argv[1:])
    printed = capsys.readouterr().out.rstrip("\n").split("\n")
    assert code == 0
    if expected and expected[-1] == "…":
        assert printed[: len(expected) - 1] == expected[:-1]
    else:
        assert printed == expected


def test_configuration_reference_is_generated() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- config-reference:start -->\n") + len(
        "<!-- config-reference:start -->\n"
    )
    end = text.index("<!-- config-reference:end -->")
    assert text[start:end].strip() == reference_markdown()
