"""The README's examples run, so they cannot rot.

Console blocks are replayed through the CLI in-process and their printed output must
match (blocks that elide output with "…" are checked for their first line only); the
configuration reference must be exactly what the model renders today, and the
commands table exactly the verbs ``interlock --help`` prints today.
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


def _between(text: str, name: str) -> str:
    start = f"<!-- {name}:start -->\n"
    return text[text.index(start) + len(start) : text.index(f"<!-- {name}:end -->")]


def commands_markdown(help_text: str) -> str:
    """The README's commands table, from the verb list ``interlock --help`` prints."""
    listing = help_text.split("\n  VERB\n", 1)[1].split("\n\n", 1)[0]
    rows = ["| command | what it does |", "|---|---|"]
    for line in listing.splitlines():
        found = re.fullmatch(r" {4}(\S+)\s*(.*)", line)
        assert found, f"not a verb line of `interlock --help`: {line!r}"
        rows.append(f"| `interlock {found.group(1)}` | {found.group(2)} |")
    return "\n".join(rows)


def test_commands_table_is_what_help_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per verb, as in a wide terminal
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    expected = commands_markdown(capsys.readouterr().out)
    assert expected.count("\n| `interlock ") >= 10
    shown = _between(README.read_text(encoding="utf-8"), "commands").strip()
    assert shown == expected, f"paste this between the commands markers:\n{expected}"


def _sh_block(heading: str) -> list[str]:
    """The commands of the first ``sh`` block under ``## heading``, continuations joined."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(f"## {heading}\n") :]
    block = section[
        section.index("```sh\n") + 6 : section.index("```", section.index("```sh\n") + 6)
    ]
    joined = block.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip()]


def _run_line(line: str, env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> str:
    for name, value in env.items():
        line = line.replace(f"${name}", value).replace(name, value)
    argv = shlex.split(line, comments=True)
    assert argv[0] == "interlock", line
    code = main(argv[1:])
    out = capsys.readouterr().out
    assert code == 0, f"{line!r} exited {code}: {out}"
    return out


def test_approvals_and_audit_blocks_run_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's approvals walk-through, then its audit commands, on one new store."""
    import json

    from interlock.demo.incident import incident_plan, to_bytes

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTERLOCK_DATABASE_URL", raising=False)
    Path("plan.json").write_bytes(to_bytes(incident_plan()))
    env: dict[str, str] = {}
    for line in _sh_block("Approvals"):
        out = _run_line(line, env, capsys)
        words = shlex.split(line, comments=True)
        if words[1:3] == ["token", "issue"]:
            who = words[words.index("--human") + 1] if "--human" in words else words[4]
            env[who.upper()] = json.loads(out)["token"]
        elif words[1] == "request":
            answer = json.loads(out)
            assert answer["decision"] == "hold"
            assert answer["required_approvals"] == 2
            env["REQUEST_ID"], env["DIGEST"] = answer["id"], answer["digest"]
    assert "approved" in _run_line("interlock requests show REQUEST_ID", env, capsys)
    for line in _sh_block("Audit"):
        _run_line(line, env, capsys)
    assert Path("audit.jsonl").stat().st_size > 0


def test_policy_block_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(README.parent)
    for line in _sh_block("Policy as code"):
        _run_line(line, {}, capsys)
