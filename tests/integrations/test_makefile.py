"""``make`` is judged by the recipes it would run (``makefile.read_make`` behind
``gate.read_code``).

Real makefiles in ``tmp_path``, judged by the hook's gate offline: a destructive
recipe reached by the goal, a prerequisite, a variable, a conditional, ``define``,
``$(call …)``, ``$(shell …)``, ``!=``, an include, a pattern rule or a recursive
``$(MAKE)`` is never allowed, while a goal that does not reach it is; what make
decides only when it runs is put to the operator; a changed included file fails
``Script.unchanged``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge, read_code
from interlock.integrations.makefile import read_make, read_make_line
from interlock.integrations.runners import may_run_code, may_run_nested
from interlock.integrations.scriptfile import Script

DESTROY = "terraform destroy -auto-approve"
OFFLINE = HookSettings(offline=True)


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "fix a bug")


def makefile(folder: Path, text: str, name: str = "Makefile") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def verdict(line: str, folder: Path) -> str:
    return judge(shell(line, folder), OFFLINE).verdict


BASIC = f"""\
.PHONY: build test deploy all
build:
\t@echo building
test: build
\techo testing
deploy:
\t-{DESTROY}
all: test deploy
"""


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("make build", True),
        ("make test", True),  # reaches build, not deploy
        ("make", True),  # the default goal is the first target: build
        ("make deploy", False),
        ("make all", False),  # deploy is a prerequisite
        ("make -s -j4 build deploy", False),
        ("make -n deploy", False),  # -n still runs $(MAKE) and + lines: judged alike
        ("gmake deploy", False),
        ("make --no-print-directory -k deploy", False),
    ],
)
def test_the_recipes_the_goals_reach_are_judged(line: str, allowed: bool, tmp_path: Path) -> None:
    makefile(tmp_path, BASIC)
    assert (verdict(line, tmp_path) == "allow") is allowed, line


CASES = {
    "a variable": "TF = terraform\nrun:\n\t$(TF) destroy -auto-approve\n",
    "a simple variable": f"CMD := {DESTROY}\nrun:\n\t$(CMD)\n",
    "braces": f"CMD = {DESTROY}\nrun:\n\t${{CMD}}\n",
    "a variable in a variable": f"A = {DESTROY}\nB = $(A)\nrun:\n\t$(B)\n",
    "a conditional": (f"ifeq ($(X),1)\nCMD = {DESTROY}\nelse\nCMD = echo\nendif\nrun:\n\t$(CMD)\n"),
    "a conditional append": f"CMD = echo\nifdef X\nCMD += ; {DESTROY}\nendif\nrun:\n\t$(CMD)\n",
    "define": f"define RUN\necho start\n{DESTROY}\nendef\nrun:\n\t$(RUN)\n",
    "call": "F = terraform $(1) -auto-approve\nrun:\n\t$(call F,destroy)\n",
    "an unused $(shell)": f"STAMP := $(shell {DESTROY})\nrun:\n\techo hi\n",
    "a != assignment": f"STAMP != {DESTROY}\nrun:\n\techo hi\n",
    "a target-specific variable": f"run: CMD = {DESTROY}\nrun:\n\t$(CMD)\n",
    "a pattern rule": f"run: out.o\n\techo linked\n%.o: %.c\n\t{DESTROY}\n",
    "a suffix rule": f"run: out.o\n\techo linked\n.c.o:\n\t{DESTROY}\n",
    "an inline recipe": f"run: ; {DESTROY}\n",
    "a continued line": "run:\n\tterraform destroy \\\n\t  -auto-approve\n",
    "a text function as the program": "run:\n\t$(firstword terraform) destroy -auto-approve\n",
    "one shell": ".ONESHELL:\nrun:\n\tcd /\n\trm -rf ./*\n",
    "the built-in RM": "run:\n\t$(RM) -r /\n",
    "an exported variable": f"export CMD = {DESTROY}\nrun:\n\t$(CMD)\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_destructive_recipe_however_written_is_not_allowed(case: str, tmp_path: Path) -> None:
    makefile(tmp_path, CASES[case])
    assert verdict("make run", tmp_path) in ("deny", "ask"), case


def test_the_same_makefiles_with_harmless_recipes_are_allowed(tmp_path: Path) -> None:
    for case, text in CASES.items():
        if "/" in text or "firstword" in text:
            continue  # those are destructive without terraform
        folder = tmp_path / case.replace(" ", "-").replace("$", "").replace("(", "")
        folder.mkdir()
        makefile(folder, text.replace(DESTROY, "echo done").replace("destroy", "version"))
        assert verdict("make run", folder) == "allow", case


def test_a_command_line_variable_wins(tmp_path: Path) -> None:
    makefile(tmp_path, "CMD ?= echo\nrun:\n\t$(CMD) hi\n")
    assert verdict("make run", tmp_path) == "allow"
    assert verdict(f"make run 'CMD={DESTROY}'", tmp_path) in ("deny", "ask")
    assert verdict("make run CMD=ls", tmp_path) == "allow"


def test_an_include_is_read(tmp_path: Path) -> None:
    makefile(tmp_path, "include deploy.mk\nbuild:\n\techo build\n")
    makefile(tmp_path, f"deploy:\n\t{DESTROY}\n", "deploy.mk")
    assert verdict("make build", tmp_path) == "allow"
    assert verdict("make deploy", tmp_path) in ("deny", "ask")
    found = read_code("make build", str(tmp_path))
    assert isinstance(found, Script)
    assert found.unchanged()
    makefile(tmp_path, "deploy:\n\techo changed\n", "deploy.mk")
    assert not found.unchanged()  # the included file changed after it was read


def test_a_recursive_make_is_read(tmp_path: Path) -> None:
    makefile(tmp_path, "all:\n\t$(MAKE) -C sub deploy\n")
    makefile(tmp_path / "sub", f"deploy:\n\t{DESTROY}\n")
    assert verdict("make", tmp_path) in ("deny", "ask")


@pytest.mark.parametrize(
    "line", ["cd sub && make deploy", "ls && make -C sub deploy", "make -f sub/Makefile deploy"]
)
def test_make_anywhere_on_the_line_is_read(line: str, tmp_path: Path) -> None:
    makefile(tmp_path / "sub", f"deploy:\n\t{DESTROY}\n")
    assert verdict(line, tmp_path) in ("deny", "ask")


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("$(eval $(call X))\nrun:\n\techo\n", "make run", "$(eval"),
        ("run:\n\techo\n", "make --eval=x run", "--eval"),
        ("run:\n\techo\n", "make --frobnicate run", "--frobnicate"),
        ("SHELL = /usr/bin/python3\nrun:\n\techo\n", "make run", "SHELL"),
        (".RECIPEPREFIX = >\nrun:\n> echo\n", "make run", ".RECIPEPREFIX"),
        ("include missing.mk\nrun:\n\techo\n", "make run", "missing.mk"),
        ("define X\necho\n", "make run", "endef"),
    ],
)
def test_what_make_decides_when_it_runs_asks(
    text: str, line: str, why: str, tmp_path: Path
) -> None:
    makefile(tmp_path, text)
    found = read_code(line, str(tmp_path))
    assert isinstance(found, str)
    assert why in found
    assert verdict(line, tmp_path) == "ask"


def test_a_makefile_that_is_not_text_asks(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_bytes(b"run:\n\techo \xff\n")
    assert verdict("make run", tmp_path) == "ask"


def test_an_optional_include_may_be_missing(tmp_path: Path) -> None:
    makefile(tmp_path, "-include local.mk\nrun:\n\techo hi\n")
    assert verdict("make run", tmp_path) == "allow"


def test_no_makefile_is_left_alone(tmp_path: Path) -> None:
    assert read_code("make build", str(tmp_path)) is None
    assert read_make(["make"], str(tmp_path), "make") is None


def test_an_open_quote_is_no_error(tmp_path: Path) -> None:
    makefile(tmp_path, BASIC)
    assert read_make_line("make 'deploy", str(tmp_path)) is None  # not one literal command
    assert verdict("make 'deploy", tmp_path) != "allow"  # the classifier: not valid shell


def test_gnumakefile_comes_first(tmp_path: Path) -> None:
    makefile(tmp_path, "run:\n\techo hi\n")
    makefile(tmp_path, f"run:\n\t{DESTROY}\n", "GNUmakefile")
    assert verdict("make run", tmp_path) in ("deny", "ask")


def test_the_word_tests_let_make_through() -> None:
    assert may_run_code("make deploy")
    assert may_run_nested("cd infra && make deploy")


def test_a_shell_with_flags_and_colons_in_text_are_read(tmp_path: Path) -> None:
    makefile(
        tmp_path,
        "SHELL = /bin/bash -eu\n$(info see http://example.com/docs: the manual)\nrun:\n\techo hi\n",
    )
    found = read_code("make run", str(tmp_path))
    assert isinstance(found, Script), found
    assert "/bin/bash -eu -c 'echo hi'" in found.text
    assert verdict("make run", tmp_path) == "allow"


def test_a_computed_value_in_single_quotes_stays_computed(tmp_path: Path) -> None:
    makefile(tmp_path, "TOOL = $(firstword terraform)\nrun:\n\t'$(TOOL)' destroy\n")
    answer = judge(shell("make run", tmp_path), OFFLINE)
    assert answer.verdict == "deny"  # offline, a hold is a deny
    assert "shell-opaque-command-name" in answer.reason


_PIECES = st.sampled_from(
    ["run", "all", ":", "::", "=", ":=", "?=", "+=", "!=", "\t", "\n", " ", "$(", "${", ")", "}",
     "$$", "$@", "$<", "X", "Y", "shell ", "call ", "eval ", "if ", "define ", "endef",
     "ifeq (a,b)", "else", "endif", "include x.mk", "-include y.mk", ".ONESHELL", "%", ",",
     "#", "\\", "'", '"', "terraform destroy", "rm -rf /", ";", "@", "-", "+", "export "]
)  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_any_makefile_reads_as_a_script_a_reason_or_nothing(tmp_path: Path, text: str) -> None:
    makefile(tmp_path, text)
    found = read_make(["make", "run"], str(tmp_path), "make run")
    assert found is None or isinstance(found, (Script, str))
    if isinstance(found, Script):  # what is submitted is always one more shell line
        assert found.text.endswith("# interlock: the line as written\nmake run\n")
