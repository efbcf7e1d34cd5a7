"""A package script the agent runs is judged by what it runs: ``pkgscripts`` and the gate.

Real package.json files in ``tmp_path``: each way of running a script (npm, yarn,
pnpm, bun) becomes the pre, named and post scripts as ``sh -c`` followed by the line
as written; a destructive script is never allowed offline, an ordinary one is; a
changed package.json is a new request; and anything the hook cannot read with
certainty (no package.json, no such script, a manager's own command, an option
before the name, a file that is not a JSON object of string scripts) is left as the
text it was.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from interlock.integrations import gate
from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge
from interlock.integrations.pkgscripts import (
    MAX_PACKAGE_BYTES,
    RUNNERS,
    inline,
    read_scripts,
)
from interlock.integrations.runners import MANAGERS, runs_scripts
from interlock.integrations.scriptfile import Script
from interlock.integrations.state import SessionState
from tests.integrations.conftest import HoldingGateway

DESTROY = "terraform destroy -auto-approve"
SCRIPTS = {
    "prefix": "eslint .",
    "fix": DESTROY,
    "postfix": "echo done",
    "test": "jest",
    "start": "node server.js",
    "build": "tsc -p .",
    "lint:js": "eslint src",
}
OFFLINE = HookSettings(offline=True)


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "work")


def package(folder: Path, content: dict[str, Any] | str | bytes) -> Path:
    path = folder / "package.json"
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def expected(ran: str, lines: list[str], path: Path, *, cd: str = "") -> str:
    """The text ``inline`` makes: a note, the scripts, the line as written."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    where = str(path) if cd else "package.json"
    chain = " && ".join(f"sh -c {shlex.quote(line)}" for line in lines)
    return (
        f"# interlock: `{ran}` runs these package.json scripts ({where} sha256 {sha}), "
        f"as the hook read them\n{cd}{chain}\n"
        f"# interlock: the line as written, judged by the script's name as well\n{ran}\n"
    )


@pytest.mark.parametrize(
    ("ran", "lines"),
    [
        ("npm run fix", ["eslint .", DESTROY, "echo done"]),
        ("npm run-script fix", ["eslint .", DESTROY, "echo done"]),
        ("npm run fix -- -target=a 'b c'", ["eslint .", f"{DESTROY} -target=a 'b c'", "echo done"]),
        ("npm test", ["jest"]),
        ("npm t", ["jest"]),
        ("npm tst", ["jest"]),
        ("npm test -- --watch", ["jest --watch"]),
        ("npm start", ["node server.js"]),
        ("yarn build", ["tsc -p ."]),
        ("yarn run fix", ["eslint .", DESTROY, "echo done"]),
        ("yarn test --watch", ["jest --watch"]),
        ("yarn test -- --watch", ["jest --watch"]),
        ("yarn lint:js", ["eslint src"]),
        ("pnpm run build", ["tsc -p ."]),
        ("pnpm build", ["tsc -p ."]),
        ("pnpm test", ["jest"]),
        ("bun run test -- --watch", ["jest --watch"]),
        ("bun run fix", ["eslint .", DESTROY, "echo done"]),
    ],
)
def test_each_way_of_running_a_script_carries_its_text(
    ran: str, lines: list[str], tmp_path: Path
) -> None:
    path = package(tmp_path, {"name": "app", "scripts": SCRIPTS})
    call = shell(ran, tmp_path)
    inlined = inline(call)
    assert isinstance(inlined, ToolCall)
    assert inlined.text == expected(ran, lines, path)
    kept = ("agent", "tool", "kind", "paths", "session_id", "cwd", "description", "carried")
    assert [getattr(inlined, f) for f in kept] == [getattr(call, f) for f in kept]


def test_the_nearest_package_json_upward_runs_in_its_folder(tmp_path: Path) -> None:
    """npm runs the scripts of the nearest package.json, in that package's folder."""
    tmp_path = tmp_path.resolve()
    package(tmp_path, {"scripts": {"test": "rm -rf /"}})
    path = package(tmp_path / "app", {"scripts": {"test": "jest"}})
    nested = tmp_path / "app" / "src" / "deep"
    nested.mkdir(parents=True)
    found = read_scripts("npm test", str(nested))
    assert isinstance(found, Script)
    cd = f"cd {tmp_path / 'app'} && "
    assert found.text == expected("npm test", ["jest"], path, cd=cd)
    assert judge(shell("npm test", nested), OFFLINE).verdict == "allow"


def test_a_folder_name_cannot_break_out_of_the_note(tmp_path: Path) -> None:
    """A line break in the package's folder name would end the note's comment and
    could open a heredoc that swallows the scripts: the human is asked instead."""
    folder = tmp_path / "x\n: <<'EOF'"
    package(folder, {"scripts": {"test": DESTROY}})
    nested = folder / "src"
    nested.mkdir()
    assert (
        read_scripts("npm test", str(nested)) == f"the name of {str(folder)!r} holds a line break"
    )
    assert judge(shell("npm test", nested), OFFLINE).verdict == "ask"
    assert (
        read_scripts("npm test", str(folder)) == f"the name of {str(folder)!r} holds a line break"
    )
    package(tmp_path / "plain", {"scripts": {"test": DESTROY}})
    (tmp_path / "plain" / "src").mkdir()
    assert isinstance(read_scripts("npm test", str(tmp_path / "plain" / "src")), Script)


@pytest.mark.parametrize(
    "scripts",
    [
        {"test": DESTROY},
        {"pretest": "kubectl delete namespace prod", "test": "jest"},
        {"test": "jest", "posttest": "aws s3 rb s3://prod-data --force"},
    ],
)
@pytest.mark.parametrize("ran", ["npm test", "npm run test", "yarn test", "pnpm test"])
def test_a_destructive_script_is_not_allowed(
    ran: str, scripts: dict[str, str], tmp_path: Path
) -> None:
    package(tmp_path, {"scripts": scripts})
    answer = judge(shell(ran, tmp_path), OFFLINE)
    assert answer.verdict == "deny", answer.reason  # offline, a hold is a deny
    assert "needs 2 approvers" in answer.reason


def test_arguments_reach_the_script_and_are_judged(tmp_path: Path) -> None:
    package(tmp_path, {"scripts": {"tf": "terraform"}})
    assert judge(shell("npm run tf -- plan", tmp_path), OFFLINE).verdict == "allow"
    assert judge(shell("npm run tf -- destroy -auto-approve", tmp_path), OFFLINE).verdict == "deny"


@pytest.mark.parametrize(
    ("scripts", "ran"),
    [
        ({"test": "jest"}, "npm test"),
        ({"build": "tsc -p ."}, "yarn build"),
        ({"build": "node build.js", "prebuild": "eslint ."}, "pnpm run build"),
        ({"test": "jest --coverage"}, "bun run test"),
    ],
)
def test_an_ordinary_script_is_allowed(scripts: dict[str, str], ran: str, tmp_path: Path) -> None:
    package(tmp_path, {"scripts": scripts})
    answer = judge(shell(ran, tmp_path), OFFLINE)
    assert answer.verdict == "allow", answer.reason


def test_a_script_named_to_destroy_is_still_judged_by_its_name(tmp_path: Path) -> None:
    """The line itself stays in the text: an opaque ``node teardown.js`` is not
    allowed where ``npm run teardown`` alone was held."""
    package(tmp_path, {"scripts": {"teardown": "node scripts/teardown.js"}})
    answer = judge(shell("npm run teardown", tmp_path), OFFLINE)
    assert answer.verdict == "deny"
    assert "pkg-script-destructive" in answer.reason


def test_a_changed_package_json_is_a_different_call(tmp_path: Path) -> None:
    package(tmp_path, {"scripts": {"test": "jest"}})
    first = inline(shell("npm test", tmp_path))
    package(tmp_path, {"scripts": {"test": "jest", "posttest": DESTROY}})
    second = inline(shell("npm test", tmp_path))
    package(tmp_path, {"version": "2.0.0", "scripts": {"test": "jest"}})
    third = inline(shell("npm test", tmp_path))
    assert isinstance(first, ToolCall)
    assert isinstance(second, ToolCall)
    assert isinstance(third, ToolCall)
    assert len({first.text, second.text, third.text}) == 3


def test_the_gateway_gets_the_scripts_and_a_changed_file_is_a_new_request(
    tmp_path: Path, holding_gateway: HoldingGateway
) -> None:
    fake = holding_gateway
    settings = HookSettings(url="http://127.0.0.1:9", token="t")
    state = SessionState("s-1", root=str(tmp_path / "cache"))
    work = tmp_path / "work"
    package(work, {"scripts": {"test": DESTROY}})
    call = shell("npm test", work)

    assert gate.judge(call, settings, state).verdict == "hold"
    assert f"sh -c '{DESTROY}'" in str(fake.submitted[0])
    assert gate.judge(call, settings, state).request_id == "r1"  # same file: followed up
    package(work, {"scripts": {"test": DESTROY + " -target=x"}})
    assert gate.judge(call, settings, state).request_id == "r2"


@pytest.mark.parametrize(
    ("ran", "content"),
    [
        ("npm test", None),  # no package.json
        ("npm run deploy", {"scripts": SCRIPTS}),  # no such script
        ("npm start", {"scripts": {"test": "jest"}}),  # npm's default ``node server.js``
        ("npm restart", {"scripts": {"stop": DESTROY, "start": "node ."}}),
        ("yarn add left-pad", {"scripts": {"add": "echo hi"}}),
        ("yarn install", {"scripts": {"install": "echo hi"}}),
        ("pnpm add x", {"scripts": {"add": "echo hi"}}),
        ("pnpm restart", {"scripts": {"restart": "echo hi"}}),
        ("npm install", {"scripts": {"install": "echo hi"}}),
        ("npm run", {"scripts": SCRIPTS}),
        ("yarn", {"scripts": SCRIPTS}),
        ("bun test", {"scripts": SCRIPTS}),  # bun's own test runner
        ("npm run --silent test", {"scripts": SCRIPTS}),
        ("npm --silent run test", {"scripts": SCRIPTS}),
        ("npm run test --script-shell=./x.sh", {"scripts": SCRIPTS}),
        ("yarn --cwd sub test", {"scripts": SCRIPTS}),
        ("bun run --watch test", {"scripts": SCRIPTS}),
        ("npm test && rm -rf /", {"scripts": SCRIPTS}),
        ("npm test; ls", {"scripts": SCRIPTS}),
        ("npm test | cat", {"scripts": SCRIPTS}),
        ("npm test > out", {"scripts": SCRIPTS}),
        ("npm run $NAME", {"scripts": SCRIPTS}),
        ("CI=1 npm test", {"scripts": SCRIPTS}),
        ("npm test\r", {"scripts": SCRIPTS}),
        ("npm run 'test", {"scripts": SCRIPTS}),
        ("npx jest", {"scripts": SCRIPTS}),
        ("npm test", "{not json"),
        ("npm test", "[1, 2]"),
        ("npm test", {"scripts": ["jest"]}),
        ("npm test", '{"scripts": {"test": "jest \\ud800"}}'),
        ("npm test", "[" * 100_000),
        ("npm test", b'{"scripts": {"test": "jest \xff"}}'),
    ],
)
def test_what_the_hook_cannot_read_with_certainty_is_left_alone(
    ran: str, content: dict[str, Any] | str | bytes | None, tmp_path: Path
) -> None:
    if content is not None:
        package(tmp_path, content)
    (tmp_path / "server.js").write_text("console.log(1)\n")
    assert inline(shell(ran, tmp_path)) is None


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ({"scripts": {"test": ["jest"]}}, "script 'test' is not text a shell is handed"),
        ({"scripts": {"test": "jest", "pretest": 1}}, "script 'pretest' is not text"),
        ({"scripts": {"test": "jest\u0000"}}, "script 'test' is not text"),
        ({"scripts": {"test": DESTROY}, "pad": "x" * MAX_PACKAGE_BYTES}, "is over 256 KiB"),
    ],
)
def test_scripts_that_run_but_cannot_be_read_are_asked_about(
    content: dict[str, Any], why: str, tmp_path: Path
) -> None:
    """Padding package.json past the limit must not be a way around reading it."""
    package(tmp_path, content)
    found = inline(shell("npm test", tmp_path))
    assert isinstance(found, str)
    assert why in found
    answer = judge(shell("npm test", tmp_path), OFFLINE)
    assert answer.verdict == "ask"
    assert why in answer.reason


def test_a_package_json_that_is_no_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "package.json").mkdir()
    assert inline(shell("npm test", tmp_path)) is None


def test_a_folder_where_pnpm_may_read_another_manifest_is_left_alone(tmp_path: Path) -> None:
    package(tmp_path, {"scripts": {"test": "jest"}})
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "package.yaml").write_text("scripts:\n  test: rm -rf /\n")
    assert inline(shell("npm test", tmp_path / "app")) is None
    (tmp_path / "package.json5").write_text("{}")
    assert inline(shell("npm test", tmp_path)) is None


def test_a_byte_order_mark_and_other_values_do_not_hide_the_script(tmp_path: Path) -> None:
    """npm strips a BOM; a non-string script that does not run changes nothing."""
    body = json.dumps({"scripts": {"test": DESTROY, "other": 1}})
    package(tmp_path, "\ufeff" + body)
    answer = judge(shell("npm test", tmp_path), OFFLINE)
    assert answer.verdict == "deny"
    assert "tf-destroy" in answer.reason


def test_a_large_package_json_is_read_and_checked_again(tmp_path: Path) -> None:
    """Past ``scriptfile``'s 120 KiB: only the scripts that run are in the text."""
    path = package(tmp_path, {"scripts": {"test": "jest"}, "pad": "x" * 200_000})
    found = read_scripts("npm test", str(tmp_path))
    assert isinstance(found, Script)
    assert len(found.text) < 1000
    assert found.unchanged()
    path.write_text(path.read_text().replace('"jest"', '"jest --ci"'))
    assert not found.unchanged()


def test_scripts_read_know_whether_package_json_changed(tmp_path: Path) -> None:
    path = package(tmp_path, {"scripts": {"test": "jest"}})
    found = read_scripts("npm test", str(tmp_path / "."))
    assert isinstance(found, Script)
    assert Path(found.path) == path.resolve()
    assert found.unchanged()
    package(tmp_path, {"scripts": {"test": DESTROY}})
    assert not found.unchanged()
    path.unlink()
    assert not found.unchanged()


def test_other_calls_are_not_read(tmp_path: Path) -> None:
    assert not runs_scripts("git status")
    assert not runs_scripts("npm test && ls")
    assert not runs_scripts("npmx test")
    assert runs_scripts("npm test")
    assert runs_scripts("  yarn build")
    assert RUNNERS.keys() == MANAGERS  # the gate's test and the reader agree
    package(tmp_path, {"scripts": {"test": DESTROY}})
    write = ToolCall("a", "Write", "file-write", "npm test", (), None, str(tmp_path))
    assert gate.with_script(write) is write


def test_a_script_file_is_read_before_package_scripts(tmp_path: Path) -> None:
    """``./npm`` is a local file, not the package manager."""
    (tmp_path / "npm").write_text("#!/bin/sh\necho hi\n")
    package(tmp_path, {"scripts": {"test": DESTROY}})
    local, manager = (gate.with_script(shell(t, tmp_path)) for t in ("./npm test", "npm test"))
    assert isinstance(local, ToolCall)
    assert "INTERLOCK_SCRIPT_" in local.text
    assert isinstance(manager, ToolCall)
    assert "sh -c" in manager.text


@pytest.mark.parametrize(
    ("name", "setting"),
    [
        (".npmrc", "script-shell=./run.sh"),
        (".npmrc", 'node-options="--require ./x.js"'),
        (".yarnrc", 'script-shell "./run.sh"'),
    ],
)
def test_a_project_setting_that_changes_how_scripts_run_asks(
    name: str, setting: str, tmp_path: Path
) -> None:
    package(tmp_path, {"scripts": {"test": "echo ok"}})
    (tmp_path / name).write_text(f"registry=https://registry.npmjs.org/\n{setting}\n")
    found = gate.read_code("npm test", str(tmp_path))
    assert isinstance(found, str)
    assert name in found
    assert judge(shell("npm test", tmp_path), OFFLINE).verdict == "ask"


def test_other_project_settings_are_read_past(tmp_path: Path) -> None:
    package(tmp_path, {"scripts": {"test": "echo ok"}})
    (tmp_path / ".npmrc").write_text("registry=https://registry.npmjs.org/\nfund=false\n")
    assert isinstance(gate.read_code("npm test", str(tmp_path)), Script)
    assert judge(shell("npm test", tmp_path), OFFLINE).verdict == "allow"
