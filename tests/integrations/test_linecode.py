"""Every local file a line runs is judged by its code, wherever it is on the line and
however deep (``linecode`` behind ``gate.read_code``).

Real files in ``tmp_path``, judged by the hook's gate offline (the classifier and the
default floor in process): a destructive script run from a compound line, a pipeline,
after ``cd``, inside ``bash -c``, from package.json scripts, through ``BASH_ENV`` or
from another script is never allowed, while the same lines running a read-only
script still are. Files that cannot be read with certainty ask; a changed nested
file fails ``Script.unchanged``; the cheap word test lets every such line through.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge, read_code
from interlock.integrations.linecode import MAX_DEPTH
from interlock.integrations.runners import may_run_nested
from interlock.integrations.scriptfile import MAX_SCRIPT_BYTES, Script

DESTROY = "terraform destroy -auto-approve\n"
READS = "ls -la\necho done\n"
OFFLINE = HookSettings(offline=True)


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "fix a bug")


def write(path: Path, content: str, *, executable: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if executable:
        path.chmod(0o755)
    return path


def files(root: Path, body: str) -> None:
    """Each way a line below reaches ``body``: scripts, a nested one, package.json."""
    write(root / "x.sh", body, executable=True)
    write(root / "sub" / "x.sh", body, executable=True)
    write(root / "outer.sh", "#!/bin/bash\necho start\n./x.sh\n", executable=True)
    write(root / "deep.sh", "#!/bin/bash\ncd sub && bash x.sh\n", executable=True)
    write(root / "env.sh", body)
    write(root / "web" / "package.json", json.dumps({"scripts": {"test": "bash ../x.sh"}}))
    write(root / "run.py", "import sys\nprint(sys.argv)\n")
    write(root / "req.js", f'require("child_process").execSync({json.dumps(body)});\n')
    write(root / "runx.py", 'import subprocess\nsubprocess.run(["./x.sh"], check=True)\n')
    write(root / "runx.js", 'require("child_process").execSync("./x.sh");\n')


LINES = [
    "ls && ./x.sh",
    "./x.sh | tee log",
    "echo hi; bash x.sh",
    "cd sub && ./x.sh",
    "cd sub; sh x.sh",
    "bash -c './x.sh'",
    "sh -c 'cd sub && ./x.sh'",
    "( ./x.sh )",
    "if true; then ./x.sh; fi",
    "for i in 1 2; do ./x.sh; done",
    "timeout 60 ./x.sh && ls",
    "sudo ./x.sh > log",
    "./outer.sh",
    "bash outer.sh",
    "ls && bash outer.sh",
    "./deep.sh",
    "cd web && npm test",
    "BASH_ENV=./env.sh bash -c true",
    "export BASH_ENV=./env.sh; bash -c true",
    "ls && source ./x.sh",
    "ls && . ./x.sh",
    "bash ./x.s?",  # bash runs what the glob matches
    "ls && source ./x.*",
    "NODE_OPTIONS='--require ./req.js' node -e 1",
    "export NODE_OPTIONS=--import=./req.js && npx jest",
    "python3 runx.py",  # code that runs a script: the script is read too
    "ls && node runx.js",
    "python3 -c 'import os; os.system(\"cd sub && ./x.sh\")'",
    "./x.sh; cat <<EOF",  # an unterminated heredoc swallows no block
    "./x.sh; echo 'open",  # nor does an open quote
]


@pytest.mark.parametrize("line", LINES)
def test_a_destructive_file_run_anywhere_is_not_allowed(line: str, tmp_path: Path) -> None:
    files(tmp_path, DESTROY)
    answer = judge(shell(line, tmp_path), OFFLINE)
    assert answer.verdict in ("deny", "ask"), answer.reason
    found = read_code(line, str(tmp_path))
    assert isinstance(found, Script), found
    assert DESTROY.strip() in found.text


@pytest.mark.parametrize(
    "line", [ln for ln in LINES if "EOF" not in ln and "'open" not in ln and "sudo" not in ln]
)
def test_the_same_lines_running_a_read_only_file_are_allowed(line: str, tmp_path: Path) -> None:
    files(tmp_path, READS)
    assert judge(shell(line, tmp_path), OFFLINE).verdict == "allow"


def test_the_line_as_written_comes_last_and_each_file_once(tmp_path: Path) -> None:
    files(tmp_path, DESTROY)
    line = "./x.sh && bash x.sh && bash outer.sh"
    found = read_code(line, str(tmp_path))
    assert isinstance(found, Script)
    assert found.text.endswith(f"# interlock: the line as written\n{line}")
    assert found.text.count(DESTROY) == 1  # x.sh fed once, though it runs three times
    assert "echo start" in found.text


def test_a_script_run_after_cd_is_judged_where_it_runs(tmp_path: Path) -> None:
    files(tmp_path, READS)
    write(tmp_path / "sub" / "x.sh", DESTROY)  # the one in sub, not the one beside the line
    found = read_code("cd sub && ./x.sh", str(tmp_path))
    assert isinstance(found, Script)
    assert DESTROY in found.text
    assert "( cd sub && bash -s <<" in found.text


def test_a_script_that_runs_itself_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / "loop.sh", "#!/bin/bash\necho again\n./loop.sh\n", executable=True)
    found = read_code("ls && ./loop.sh", str(tmp_path))
    assert isinstance(found, Script)
    assert found.text.count("echo again") == 1


def test_scripts_nested_too_deep_ask(tmp_path: Path) -> None:
    for level in range(MAX_DEPTH + 2):
        write(tmp_path / f"s{level}.sh", f"#!/bin/bash\n./s{level + 1}.sh\n", executable=True)
    write(tmp_path / f"s{MAX_DEPTH + 2}.sh", DESTROY, executable=True)
    found = read_code("ls && ./s0.sh", str(tmp_path))
    assert isinstance(found, str)
    assert "nested more than" in found
    assert judge(shell("ls && ./s0.sh", tmp_path), OFFLINE).verdict == "ask"


def test_scripts_too_large_together_ask(tmp_path: Path) -> None:
    half = "echo x\n" * (MAX_SCRIPT_BYTES // 7 // 2 + 10)
    write(tmp_path / "a.sh", half)
    write(tmp_path / "b.sh", half)
    found = read_code("bash a.sh && bash b.sh", str(tmp_path))
    assert isinstance(found, str)
    assert "together" in found


def test_a_nested_file_that_cannot_be_read_asks(tmp_path: Path) -> None:
    write(tmp_path / "outer.sh", "#!/bin/bash\n./big.sh\n", executable=True)
    write(tmp_path / "big.sh", "echo x\n" * (MAX_SCRIPT_BYTES // 7 + 1), executable=True)
    found = read_code("./outer.sh", str(tmp_path))
    assert isinstance(found, str)
    assert "big.sh is over" in found


def test_a_changed_nested_file_is_not_unchanged(tmp_path: Path) -> None:
    files(tmp_path, READS)
    found = read_code("./outer.sh", str(tmp_path))
    assert isinstance(found, Script)
    assert found.unchanged()
    write(tmp_path / "x.sh", READS + DESTROY, executable=True)
    assert not found.unchanged()


def test_files_run_on_another_machine_are_not_read_here(tmp_path: Path) -> None:
    files(tmp_path, DESTROY)
    assert read_code("ssh host ./x.sh && ls", str(tmp_path)) is None


def test_lines_running_no_local_file_are_left_alone(tmp_path: Path) -> None:
    files(tmp_path, DESTROY)
    for line in ("ls && cat x.sh", "grep -r terraform . | head", "python3 -c 'print(1)' && ls"):
        assert read_code(line, str(tmp_path)) is None, line


@pytest.mark.parametrize("line", LINES)
def test_the_word_test_lets_every_such_line_through(line: str) -> None:
    assert may_run_nested(line)


@pytest.mark.parametrize(
    "line",
    [
        "git status | head",
        "git add . && git commit -m 'fix'",
        "grep -rn foo src | wc -l",
        "ls",
        "cd /work/project && git status",
        "git -C /srv/repo log --oneline | head -5",
        "curl -s https://example.com/a/b | jq .",
    ],
)
def test_the_word_test_spares_common_lines(line: str) -> None:
    assert not may_run_nested(line)


def test_a_relative_path_without_dot_slash_is_read(tmp_path: Path) -> None:
    write(tmp_path / "bin" / "deploy", "#!/bin/sh\n" + DESTROY, executable=True)
    write(tmp_path / "sub" / "bin" / "deploy", "#!/bin/sh\n" + DESTROY, executable=True)
    for line in ("ls && bin/deploy", "cd sub && bin/deploy", "ls; /bin/true && bin/deploy"):
        assert may_run_nested(line, str(tmp_path)), line
        assert judge(shell(line, tmp_path), OFFLINE).verdict == "deny", line
    assert not may_run_nested("ls && cat docs/readme", str(tmp_path))


HARMFUL_PY = "import os\n\ndef main():\n    os.system('terraform destroy -auto-approve')\n"
HARMFUL_JS = (
    "module.exports = () => require('child_process').execSync('terraform destroy -auto-approve');\n"
)


def modules(root: Path, python: str, js: str) -> None:
    """Scripts whose code is harmless but whose imports hold ``python`` and ``js``."""
    write(root / "app" / "main.py", "import helpers\nhelpers.main()\n")
    write(root / "app" / "helpers.py", python)
    write(root / "app" / "pkgmain.py", "from tools.deep import run\n")
    write(root / "app" / "tools" / "__init__.py", "")
    write(root / "app" / "tools" / "deep.py", "from . import inner\nrun = 1\n")
    write(root / "app" / "tools" / "inner.py", python)
    write(root / "web" / "index.js", "const t = require('./lib/teardown');\nt();\n")
    write(root / "web" / "esm.mjs", "import t from './lib/teardown.js';\nt();\n")
    write(root / "web" / "lib" / "teardown.js", js)


@pytest.mark.parametrize(
    "line",
    [
        "python3 app/main.py",
        "cd app && python3 main.py",
        "python3 app/pkgmain.py",  # a package's module imports another relatively
        "ls && python3 app/main.py",
        "node web",
        "node web/esm.mjs",
        "cd web && node index.js",
    ],
)
def test_the_modules_a_script_imports_are_read(line: str, tmp_path: Path) -> None:
    modules(tmp_path, HARMFUL_PY, HARMFUL_JS)
    answer = judge(shell(line, tmp_path), OFFLINE)
    assert answer.verdict == "deny", answer.reason
    modules(tmp_path, "def main():\n    print('hi')\n", "module.exports = () => 1;\n")
    harmless = judge(shell(line, tmp_path), OFFLINE).verdict
    # node code that requires modules is asked about by the classifier whatever they hold
    assert harmless == ("ask" if "node" in line else "allow")


def test_a_changed_imported_module_is_not_unchanged(tmp_path: Path) -> None:
    modules(tmp_path, "def main():\n    print('hi')\n", "module.exports = () => 1;\n")
    found = read_code("python3 app/main.py", str(tmp_path))
    assert isinstance(found, Script)
    assert found.unchanged()
    write(tmp_path / "app" / "helpers.py", HARMFUL_PY)
    assert not found.unchanged()


def test_modules_that_import_each_other_are_read_once(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "import b\nprint('module a')\n")
    write(tmp_path / "b.py", "import a\nprint('module b')\n")
    found = read_code("python3 a.py", str(tmp_path))
    assert isinstance(found, Script)
    assert found.text.count("print('module b')") == 1
