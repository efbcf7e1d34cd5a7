"""go-task (``task``) is judged by the commands it would run (``taskfile.read_task``
behind ``gate.read_code``).

Real Taskfiles in ``tmp_path``, judged by the hook's gate offline: a destructive
command reached by the named task, ``default``, ``deps``, a ``task:`` call, an
include, a ``dir``, a template variable, a ``sh:`` variable or a ``defer`` is never
allowed, while a task that does not reach it is; what task decides only when it runs
is put to the operator; a line naming no task of the Taskfile is judged as written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge, read_code
from interlock.integrations.runners import may_run_code, may_run_nested
from interlock.integrations.scriptfile import Script
from interlock.integrations.taskfile import read_task

DESTROY = "terraform destroy -auto-approve"
OFFLINE = HookSettings(offline=True)

TASKFILE = f"""\
version: '3'
vars:
  TF: terraform
  REV:
    sh: git rev-parse HEAD
includes:
  ops: ./ops
tasks:
  default:
    deps: [build]
  build:
    cmds:
      - go build ./...
      - echo {{{{.REV}}}}
  test:
    deps: [build]
    cmds: [go test ./...]
  teardown:
    dir: infra
    cmds:
      - '{{{{.TF}}}} destroy -auto-approve'
  release:
    cmds:
      - task: test
      - task: ops:publish
  cleanup:
    cmds:
      - defer: {DESTROY}
      - echo done
  short: {DESTROY}
  tfrun: '{{{{.TF}}}} destroy -auto-approve'
"""
OPS = f"""\
version: '3'
tasks:
  publish:
    cmds:
      - cmd: {DESTROY}
"""


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "fix a bug")


def verdict(line: str, folder: Path) -> str:
    return judge(shell(line, folder), OFFLINE).verdict


def taskfiles(root: Path) -> None:
    (root / "Taskfile.yml").write_text(TASKFILE)
    (root / "ops").mkdir()
    (root / "ops" / "Taskfile.yml").write_text(OPS)
    (root / "infra").mkdir()


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("task", True),  # default: build
        ("task build", True),
        ("task test", True),
        ("task teardown", False),  # a template variable, in the task's dir
        ("task release", False),  # a task: call into an included Taskfile
        ("task ops:publish", False),
        ("task cleanup", False),  # defer
        ("task short", False),  # a task written as one command
        ("cd infra && task teardown", False),  # the Taskfile is found upward
        ("task -d . -s teardown", False),
        ("task tfrun", False),
        ("task TF=echo tfrun", True),  # a variable given on the line wins
    ],
)
def test_the_commands_a_task_runs_are_judged(line: str, allowed: bool, tmp_path: Path) -> None:
    taskfiles(tmp_path)
    assert (verdict(line, tmp_path) == "allow") is allowed, line


def test_sh_variables_run_while_task_loads(tmp_path: Path) -> None:
    taskfiles(tmp_path)
    found = read_code("task build", str(tmp_path))
    assert isinstance(found, Script)
    assert "sh -c 'git rev-parse HEAD'" in found.text
    assert found.unchanged()
    (tmp_path / "ops" / "Taskfile.yml").write_text(OPS.replace("terraform", "echo"))
    assert not found.unchanged()  # an included Taskfile changed after it was read


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("tasks: [", "task run", "not YAML"),
        ("- a\n- b\n", "task run", "not a Taskfile"),
        ("tasks:\n  run:\n    cmds:\n      - 3\n", "task run", "entry interlock does not read"),
        ("tasks:\n  run: x\n", "task --frobnicate run", "--frobnicate"),
        ("includes:\n  r: https://x/Taskfile.yml\ntasks:\n  run: x\n", "task run", "https"),
        ("includes:\n  r: ./missing\ntasks:\n  run: x\n", "task run", "missing"),
        ("tasks:\n  run:\n    deps: [nothere]\n", "task run", "nothere"),
        ("includes: x\ntasks:\n  run: x\n", "task run", "includes are not a mapping"),
        ("tasks:\n  run:\n    dir: [1]\n    cmds: [x]\n", "task run", "dir"),
    ],
)
def test_what_task_decides_when_it_runs_asks(
    text: str, line: str, why: str, tmp_path: Path
) -> None:
    (tmp_path / "Taskfile.yml").write_text(text)
    found = read_code(line, str(tmp_path))
    assert isinstance(found, str), found
    assert why in found
    assert verdict(line, tmp_path) == "ask"


def test_lines_naming_no_task_are_judged_as_written(tmp_path: Path) -> None:
    assert read_code("task build", str(tmp_path)) is None  # no Taskfile
    taskfiles(tmp_path)
    assert read_code("task add milk", str(tmp_path)) is None  # Taskwarrior's
    assert read_code("task --list", str(tmp_path)) is None
    assert read_task(["task", "-l"], str(tmp_path), "task -l") is None


def test_the_word_tests_let_task_through() -> None:
    assert may_run_code("task deploy")
    assert may_run_nested("cd infra && task deploy")


_PIECES = st.sampled_from(
    ["tasks:", "\n", "  ", "run:", "cmds:", "deps:", "- ", "task: ", "sh: ", "vars:",
     "includes:", "dir: ", "{{.X}}", "'", '"', "[", "]", "{", "}", ":", "x", "defer: ",
     "terraform destroy", "./ops", "version: '3'"]
)  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, max_size=50).map("".join))
def test_any_taskfile_reads_as_a_script_a_reason_or_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "Taskfile.yml").write_text(text)
    found = read_task(["task", "run"], str(tmp_path), "task run")
    assert found is None or isinstance(found, (Script, str))
    if isinstance(found, Script):
        assert found.text.endswith("# interlock: the line as written\ntask run\n")
