"""Interpreters with inline code, awk programs and script files."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("python -c \"print('hello')\"", Verdict.ALLOW, "code-inline-read"),
        ("python -c \"print('rm -rf /')\"", Verdict.ALLOW, "code-inline-read"),
        ("python -c \"import shutil; shutil.rmtree('/home/user')\"", Verdict.DENY,
         "code-inline-delete"),
        ("python3 -c \"import os; os.remove('/etc/passwd')\"", Verdict.ASK,
         "code-inline-delete"),
        ("python -c \"import shutil; shutil.rmtree('build')\"", Verdict.ALLOW,
         "code-inline-delete"),
        ("python -c \"import os; os.system('rm -rf /')\"", Verdict.DENY, "code-inline-run"),
        ("python3 -c \"import subprocess; subprocess.run(['git', 'reset', '--hard'])\"",
         Verdict.ASK, "code-inline-run"),
        ("python -c 'import os; os.system(os.environ[\"X\"])'", Verdict.HOLD,
         "code-inline-opaque"),
        ("python -c 'exec(input())'", Verdict.HOLD, "code-inline-opaque"),
        ("python -c 'print(('", Verdict.HOLD, "code-inline-opaque"),
        ("python3 - <<'EOF'\nimport shutil\nshutil.rmtree('/')\nEOF", Verdict.DENY,
         "code-inline-delete"),
        ("python -c \"open('interlock.yaml', 'w').write('x')\"", Verdict.DENY,
         "self-tamper-file"),
        ("python -m pytest -q", Verdict.ALLOW, "code-script-file"),
        ("python -m pip install requests", Verdict.ALLOW, "pkg-project"),
        ("python script.py", Verdict.ALLOW, "code-script-file"),
        ("python /opt/tools/x.py", Verdict.ASK, "code-script-file"),
        ("python --version", Verdict.ALLOW, "code-inline-read"),
        # Tcl (expect, tclsh), R and Julia: the command their code runs is judged as shell
        ("expect -c 'exec rm -rf /'", Verdict.DENY, "fs-delete"),
        ("expect -c 'spawn rm -rf /'", Verdict.DENY, "fs-delete"),
        ("tclsh <<< 'exec rm -rf /'", Verdict.DENY, "fs-delete"),
        ("tclsh <<< 'puts hello'", Verdict.ALLOW, "code-inline-read"),
        ("expect -c 'file delete -force /etc'", Verdict.DENY, "code-inline-delete"),
        ("expect -c 'eval $cmd'", Verdict.HOLD, "code-inline-opaque"),
        ("Rscript -e 'system(\"rm -rf /\")'", Verdict.DENY, "fs-delete"),
        ("Rscript -e 'unlink(\"/\", recursive=TRUE)'", Verdict.DENY, "code-inline-delete"),
        ("Rscript -e 'print(1+1)'", Verdict.ALLOW, "code-inline-read"),
        ("Rscript -e 'eval(parse(text=x))'", Verdict.HOLD, "code-inline-opaque"),
        ("R -e 'install.packages(\"x\")'", Verdict.ASK, "code-inline-write"),
        ("julia -e 'run(`rm -rf /`)'", Verdict.DENY, "fs-delete"),
        ("julia -e 'println(1+1)'", Verdict.ALLOW, "code-inline-read"),
        ("Rscript analysis.R", Verdict.ALLOW, "code-script-file"),
        ("julia app.jl", Verdict.ALLOW, "code-script-file"),
        ("expect deploy.exp", Verdict.ALLOW, "code-script-file"),
        ("node -e \"console.log('hello')\"", Verdict.ALLOW, "code-inline-read"),
        ("node -e \"require('fs').rmSync('/', {recursive: true})\"", Verdict.DENY,
         "code-inline-delete"),
        ("node -e \"require('child_process').execSync('rm -rf /')\"", Verdict.DENY,
         "code-inline-run"),
        ("node -e \"eval(process.argv[1])\"", Verdict.HOLD, "code-inline-opaque"),
        ("node -e \"require('http').get('x')\"", Verdict.ASK, "code-inline-write"),
        ("node app.js", Verdict.ALLOW, "code-script-file"),
        ("perl -e \"print 'hello'\"", Verdict.ALLOW, "code-inline-read"),
        ("perl -e \"system('rm -rf /home/user')\"", Verdict.DENY, "code-inline-run"),
        ("perl -e 'unlink glob(\"/etc/*\")'", Verdict.ASK, "code-inline-write"),
        ("perl -pi -e 's/a/b/' /etc/hosts", Verdict.ASK, "code-inline-write"),
        ("ruby -e \"puts 'hello'\"", Verdict.ALLOW, "code-inline-read"),
        ("ruby -e \"require 'fileutils'; FileUtils.rm_rf('/home/user')\"", Verdict.DENY,
         "code-inline-delete"),
        ("php -r \"unlink('/etc/passwd');\"", Verdict.ASK, "code-inline-delete"),
        ("lua -e \"os.execute('rm -rf /')\"", Verdict.DENY, "code-inline-run"),
        ("awk '{print $1}' file.txt", Verdict.ALLOW, "code-inline-read"),
        ("awk '{print ($1 > 0 ? \"p\" : \"n\")}' f", Verdict.ALLOW, "code-inline-read"),
        ("awk 'BEGIN {system(\"rm -rf /\")}'", Verdict.DENY, "fs-delete"),
        ("awk '{system($0)}' cmds.txt", Verdict.HOLD, "code-inline-opaque"),
        ("awk '{print > \"/etc/passwd\"}' f", Verdict.ASK, "code-inline-write"),
        ("awk '{print $1 | \"sh\"}' f", Verdict.HOLD, "code-inline-opaque"),
        ("osascript -e 'do shell script \"rm -rf ~\"'", Verdict.DENY, "code-inline-run"),
        ("osascript -e 'display notification \"done\"'", Verdict.ALLOW, "code-inline-read"),
        ("pwsh -c 'Remove-Item -Recurse C:\\\\data'", Verdict.ASK, "code-inline-delete"),
        ("bash deploy.sh", Verdict.ALLOW, "code-script-file"),
        # argv forms and delimited shell strings (codecommands.py)
        ("ruby -e 'exec \"rm\", \"-rf\", \"/\"'", Verdict.DENY, "fs-delete"),
        ("ruby -e 'system \"ls\", \"-l\"'", Verdict.ALLOW, "local-read"),
        ("ruby -e 'system(\"rm\", \"-rf\", dir)'", Verdict.HOLD, "code-inline-opaque"),
        ("perl -e 'qx{rm -rf /}'", Verdict.DENY, "fs-delete"),
        ("perl -e 'qx[rm -rf /]'", Verdict.DENY, "fs-delete"),
        ("perl -e 'system(\"rm\", \"-rf\", \"/\")'", Verdict.DENY, "fs-delete"),
        ("perl -e 'exec \"rm\", \"-rf\", \"$d\"'", Verdict.HOLD, "code-inline-opaque"),
        ("bun -e 'Bun.spawnSync([\"rm\",\"-rf\",\"/\"])'", Verdict.DENY, "fs-delete"),
        ("bun -e 'await Bun.$`rm -rf /`'", Verdict.DENY, "fs-delete"),
        ("bun -e 'await $`ls -l`'", Verdict.ALLOW, "local-read"),
        ("deno eval 'new Deno.Command(\"rm\", {args: [\"-rf\", \"/\"]}).outputSync()'",
         Verdict.DENY, "fs-delete"),
        ("node -e \"require('child_process').spawnSync('rm', ['-rf', x])\"", Verdict.HOLD,
         "code-inline-opaque"),
    ],
)  # fmt: skip
def test_interpreter_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line), rule_ids(line)
    assert verdict(line) is expected


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("python3 -W ignore x.py", "x.py"),
        ("python -X dev -u tool.py --force", "tool.py"),
        ("python3 -- x.py", "x.py"),
    ],
)
def test_python_option_values_are_not_the_script(line: str, target: str) -> None:
    """``-W``/``-X`` take the next word: it is no script (it was named as one)."""
    assert [f.target for f in findings(line)] == [target]


@pytest.mark.parametrize("options", ["", "-u ", "-W ignore ", "-X dev "])
def test_python_code_on_standard_input_is_read_after_options(options: str) -> None:
    line = f"python3 {options}- <<'X'\nimport shutil\nshutil.rmtree('/etc')\nX"
    assert "code-inline-delete" in rule_ids(line)
    assert verdict(line) is Verdict.DENY
