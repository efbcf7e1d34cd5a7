"""``just`` is judged by the recipes it would run (``justfile.read_just`` behind
``gate.read_code``).

Real justfiles in ``tmp_path``, judged by the hook's gate offline: a destructive
recipe reached by the named recipe, the default recipe, a dependency, an alias, a
variable, a backtick or a shebang recipe is never allowed, while a recipe that does
not reach it is; what just decides only when it runs is put to the operator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge, read_code
from interlock.integrations.justfile import read_just
from interlock.integrations.runners import may_run_code, may_run_nested
from interlock.integrations.scriptfile import Script

DESTROY = "terraform destroy -auto-approve"
OFFLINE = HookSettings(offline=True)

JUSTFILE = f"""\
tf := "terraform"
stamp := `date +%s`

# the first recipe is the default
default: build

build:
    @echo building {{{{stamp}}}}
    cargo build

test: build
    cargo test

teardown:
    {{{{tf}}}} destroy -auto-approve

all: test && teardown

py:
    #!/usr/bin/env python3
    import os
    if True:
        os.system("{DESTROY}")

[private]
sneaky arg="x":
    {DESTROY} {{{{arg}}}}

alias t := teardown
"""


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "fix a bug")


def verdict(line: str, folder: Path) -> str:
    return judge(shell(line, folder), OFFLINE).verdict


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("just", True),
        ("just build", True),
        ("just test", True),
        ("just teardown", False),
        ("just t", False),  # an alias
        ("just all", False),  # a dependency after &&
        ("just py", False),  # a shebang recipe, fed to python
        ("just sneaky value", False),
        ("just -f justfile teardown", False),
        ("cd sub && just teardown", False),  # the justfile is found upward
        ("ls && just --dry-run teardown", False),
    ],
)
def test_the_recipes_a_just_command_runs_are_judged(
    line: str, allowed: bool, tmp_path: Path
) -> None:
    (tmp_path / "justfile").write_text(JUSTFILE)
    (tmp_path / "sub").mkdir()
    assert (verdict(line, tmp_path) == "allow") is allowed, line


def test_the_recipes_are_submitted_with_their_interpolations(tmp_path: Path) -> None:
    (tmp_path / "Justfile").write_text(JUSTFILE)
    found = read_code("just build", str(tmp_path))
    assert isinstance(found, Script)
    assert "sh -cu 'echo building $(date +%s)'" in found.text
    assert "sh -cu 'date +%s'" in found.text  # the backtick runs while just loads
    assert found.text.endswith("# interlock: the line as written\njust build\n")


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("run:\n    echo\n", "just --command 'rm -rf /'", "--command"),
        ("run:\n    echo\n", "just --frobnicate run", "--frobnicate"),
        ('set shell := ["python3", "-c"]\nrun:\n    echo\n', "just run", "python3"),
        ("mod deploy\nrun:\n    echo\n", "just run", "mod"),
        ("import 'missing.just'\nrun:\n    echo\n", "just run", "missing.just"),
        ("run:\n    #!/usr/bin/awk -f\n    {print}\n", "just run", "awk"),
        ("run: missing\n    echo\n", "just run", "missing"),
    ],
)
def test_what_just_decides_when_it_runs_asks(
    text: str, line: str, why: str, tmp_path: Path
) -> None:
    (tmp_path / "justfile").write_text(text)
    found = read_code(line, str(tmp_path))
    assert isinstance(found, str), found
    assert why in found
    assert verdict(line, tmp_path) == "ask"


def test_an_import_is_read_and_bound(tmp_path: Path) -> None:
    (tmp_path / "justfile").write_text("import 'ops.just'\nbuild:\n    echo build\n")
    (tmp_path / "ops.just").write_text(f"teardown:\n    {DESTROY}\n")
    assert verdict("just build", tmp_path) == "allow"
    assert verdict("just teardown", tmp_path) == "deny"
    found = read_code("just build", str(tmp_path))
    assert isinstance(found, Script)
    assert found.unchanged()
    (tmp_path / "ops.just").write_text("teardown:\n    echo changed\n")
    assert not found.unchanged()


def test_listings_and_no_justfile_are_left_alone(tmp_path: Path) -> None:
    assert read_code("just build", str(tmp_path)) is None  # no justfile: just fails
    (tmp_path / "justfile").write_text(JUSTFILE)
    assert read_code("just --list", str(tmp_path)) is None
    assert read_just(["just", "--summary"], str(tmp_path), "just --summary") is None


def test_the_word_tests_let_just_through() -> None:
    assert may_run_code("just deploy")
    assert may_run_nested("cd infra && just deploy")


_PIECES = st.sampled_from(
    ["run", "all", ":", ":=", " ", "    ", "\n", "{{", "}}", "`", "'", '"', "#!", "/bin/sh",
     "set shell", "[", "]", "@", "-", "&&", "(", ")", "alias ", "import ", "x", "=",
     "terraform destroy", "export "]
)  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, max_size=50).map("".join))
def test_any_justfile_reads_as_a_script_a_reason_or_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "justfile").write_text(text)
    found = read_just(["just", "run"], str(tmp_path), "just run")
    assert found is None or isinstance(found, (Script, str))
    if isinstance(found, Script):
        assert found.text.endswith("# interlock: the line as written\njust run\n")


SCRIPTS = f"""\
[script("python3")]
py:
    import os
    os.system("{DESTROY}")

[script]
wipe:
    cd /
    rm -rf ./*

[private]
ok:
    echo ok
"""


@pytest.mark.parametrize(
    ("line", "allowed"), [("just py", False), ("just wipe", False), ("just ok", True)]
)
def test_a_script_attribute_runs_the_body_as_one_script(
    line: str, allowed: bool, tmp_path: Path
) -> None:
    """``[script("python3")]`` feeds the body to python, as a shebang would; a bare
    ``[script]`` runs it as one ``sh -eu`` script, so ``cd /`` reaches the next line."""
    (tmp_path / "justfile").write_text(SCRIPTS)
    assert (verdict(line, tmp_path) == "allow") is allowed, line
