"""A script the agent runs is judged by its code: ``scriptfile.inline`` and the gate.

Real files in ``tmp_path``: each way of running one (a shell, ``source``/``.``, an
interpreter, a shebang) becomes a heredoc of the file's content; a destructive script
is never allowed offline, a read-only one is; a changed script is a new request; and
anything the hook cannot read with certainty (missing, too big, binary, a compound
line, ``bash -c``) is left as the text it was.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from interlock.integrations import gate, scriptfile
from interlock.integrations.calls import ToolCall
from interlock.integrations.gate import HookSettings, judge
from interlock.integrations.runners import WRAPPERS, runs_file
from interlock.integrations.scriptfile import (
    MAX_SCRIPT_BYTES,
    Script,
    inline,
    read_script,
)
from interlock.integrations.state import SessionState
from tests.integrations.conftest import HoldingGateway

DESTROY = "terraform destroy -auto-approve\n"
READS = "ls -la\necho done\n"


def shell(text: str, cwd: Path) -> ToolCall:
    return ToolCall("claude-code", "Bash", "shell", text, (), "s-1", str(cwd), "deploy")


def script(folder: Path, name: str, content: str | bytes, *, executable: bool = False) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    if executable:
        path.chmod(0o755)
    return path


def fed(command: str, word: str, ran: str, content: str) -> str:
    """The text ``inline`` makes: a note, the stdin command, the heredoc."""
    sha = hashlib.sha256(content.encode()).hexdigest()
    end = f"INTERLOCK_SCRIPT_{sha[:16]}"
    body = content if content.endswith("\n") else content + "\n"
    note = f"# interlock: `{ran}` runs {word} (sha256 {sha}), fed below as the hook read it"
    return f"{note}\n{command} <<'{end}'\n{body}{end}\n"


@pytest.mark.parametrize(
    ("ran", "name", "content", "command"),
    [
        ("bash ./deploy.sh prod", "deploy.sh", DESTROY, "bash -s prod"),
        ("sh x.sh arg", "x.sh", DESTROY, "sh -s arg"),
        ("/bin/bash -e -o pipefail x.sh", "x.sh", DESTROY, "/bin/bash -e -o pipefail -s"),
        ("zsh -- x.sh 'two words'", "x.sh", DESTROY, "zsh -s 'two words'"),
        ("bash x.sh -f", "x.sh", DESTROY, "bash -s -- -f"),
        ("source ./env.sh a", "env.sh", DESTROY, "source /dev/stdin a"),
        (". ./env.sh", "env.sh", "export A=1", ". /dev/stdin"),
        ("python3 tool.py --force", "tool.py", "print(1)\n", "python3 - --force"),
        ("node scripts/x.js", "scripts/x.js", "console.log(1)\n", "node -"),
        ("perl x.pl", "x.pl", "print 1;\n", "perl -"),
        ("ruby x.rb", "x.rb", "puts 1\n", "ruby -"),
        ("./deploy.sh prod", "deploy.sh", "#!/bin/bash\n" + DESTROY, "bash -s prod"),
        ("scripts/d", "scripts/d", "#!/usr/bin/env sh\n" + DESTROY, "sh -s"),
        ("./d.sh", "d.sh", "#!/bin/sh -eu\n" + DESTROY, "sh -eu -s"),
        ("./t", "t", "#!/usr/bin/env python3\nprint(1)\n", "python3 -"),
        ("./t", "t", "#!/usr/bin/python3 -u\nprint(1)\n", "python3 -"),
        ("./t.pl", "t.pl", "#!/usr/bin/perl -w\nprint 1;\n", "perl -"),
        ("./t", "t", "#!/bin/bash -eux\n" + DESTROY, "bash -eux -s"),
        ("python3 -u -W ignore x.py a", "x.py", "print(1)\n", "python3 - a"),
        ("python3 -uB -Xdev x.py", "x.py", "print(1)\n", "python3 -"),
        ("node --no-warnings x.js", "x.js", "console.log(1)\n", "node -"),
        ("bash --norc -O extglob x.sh", "x.sh", DESTROY, "bash --norc -O extglob -s"),
        ("perl -w x.pl", "x.pl", "print 1;\n", "perl -"),
        ("timeout 60 bash x.sh prod", "x.sh", DESTROY, "timeout 60 bash -s prod"),
        ("nohup ./d.sh", "d.sh", "#!/bin/sh\n" + DESTROY, "nohup sh -s"),
        ("sudo -u deploy python3 x.py", "x.py", "print(1)\n", "sudo -u deploy python3 -"),
        (
            "timeout --signal KILL 5 nice -n 10 bash x.sh",
            "x.sh",
            DESTROY,
            "timeout --signal KILL 5 nice -n 10 bash -s",
        ),
        ("time -p stdbuf -oL ./x.sh", "x.sh", DESTROY, "time -p stdbuf -oL bash -s"),
        ("A=1 B=2 bash x.sh", "x.sh", DESTROY, "A=1 B=2 bash -s"),
        (
            "env -i PATH=/bin A=1 timeout 5 ./x.sh",
            "x.sh",
            DESTROY,
            "env -i PATH=/bin A=1 timeout 5 bash -s",
        ),
    ],
)
def test_each_way_of_running_a_file_feeds_its_content(
    ran: str, name: str, content: str, command: str, tmp_path: Path
) -> None:
    script(tmp_path, name, content, executable=True)
    call = shell(ran, tmp_path)
    inlined = inline(call)
    assert isinstance(inlined, ToolCall)
    word = next(w for w in ran.split() if w.endswith(name.rpartition("/")[2]))
    assert inlined.text == fed(command, word, ran, content)
    kept = ("agent", "tool", "kind", "paths", "session_id", "cwd", "description", "carried")
    assert [getattr(inlined, f) for f in kept] == [getattr(call, f) for f in kept]


def test_an_absolute_path_is_read_where_it_is(tmp_path: Path) -> None:
    path = script(tmp_path, "x.sh", DESTROY)
    inlined = inline(shell(f"bash {path}", tmp_path / "elsewhere"))
    assert isinstance(inlined, ToolCall)
    assert DESTROY in inlined.text


OFFLINE = HookSettings(offline=True)


@pytest.mark.parametrize(
    ("ran", "shebang"),
    [
        ("bash ./x.sh", ""),
        ("./x.sh", "#!/usr/bin/env bash\n"),
        ("source ./x.sh", ""),
        ("sh x.sh arg", ""),
        (". x.sh", ""),
        ("./x.sh", "#!/bin/sh -e\n"),
        ("timeout 600 bash ./x.sh", ""),
        ("TF_LOG=1 bash ./x.sh", ""),
        ("env AWS_PROFILE=prod ./x.sh", "#!/bin/sh\n"),
        ("nohup ./x.sh", "#!/bin/bash\n"),
        ("sudo bash x.sh", ""),
        ("exec nice ./x.sh", ""),
    ],
)
@pytest.mark.parametrize("body", [DESTROY, "kubectl delete namespace prod\n"])
def test_a_destructive_script_is_not_allowed(
    ran: str, shebang: str, body: str, tmp_path: Path
) -> None:
    script(tmp_path, "x.sh", shebang + body, executable=True)
    answer = judge(shell(ran, tmp_path), OFFLINE)
    assert answer.verdict == "deny", answer.reason  # offline, a hold is a deny
    assert "needs 2 approvers" in answer.reason


@pytest.mark.parametrize("ran", ["bash ./x.sh", "./x.sh", "source ./x.sh", "sh x.sh arg"])
def test_a_read_only_script_is_allowed(ran: str, tmp_path: Path) -> None:
    script(tmp_path, "x.sh", "#!/bin/bash\n" + READS, executable=True)
    assert judge(shell(ran, tmp_path), OFFLINE).verdict == "allow"


@pytest.mark.parametrize("ran", ["python3 x.py", "python3 -u -W ignore x.py", "python -X dev x.py"])
def test_python_code_in_the_file_is_judged(ran: str, tmp_path: Path) -> None:
    """Options that tune how the interpreter runs are followed, not fed to the
    classifier (which would take ``-W``'s value for the script)."""
    script(tmp_path, "x.py", 'import shutil\nshutil.rmtree("/etc")\n')
    answer = judge(shell(ran, tmp_path), OFFLINE)
    assert answer.verdict != "allow"
    assert "code-inline-delete" in answer.reason
    script(tmp_path, "ok.py", "print('hello')\n")
    assert judge(shell("python3 ok.py", tmp_path), OFFLINE).verdict == "allow"


def test_a_changed_script_is_a_different_call(tmp_path: Path) -> None:
    script(tmp_path, "x.sh", READS)
    first = inline(shell("bash x.sh", tmp_path))
    script(tmp_path, "x.sh", READS + "terraform destroy -auto-approve\n")
    second = inline(shell("bash x.sh", tmp_path))
    assert isinstance(first, ToolCall)
    assert isinstance(second, ToolCall)
    assert first.text != second.text


def test_the_gateway_gets_the_content_and_a_changed_script_is_a_new_request(
    tmp_path: Path, holding_gateway: HoldingGateway
) -> None:
    fake = holding_gateway
    settings = HookSettings(url="http://127.0.0.1:9", token="t")
    state = SessionState("s-1", root=str(tmp_path / "cache"))
    work = tmp_path / "work"
    script(work, "deploy.sh", DESTROY)
    call = shell("bash ./deploy.sh prod", work)

    assert gate.judge(call, settings, state).verdict == "hold"
    assert fake.submitted[0] is not None
    assert DESTROY in fake.submitted[0]
    assert gate.judge(call, settings, state).request_id == "r1"  # same file: followed up
    assert (len(fake.submitted), fake.asked) == (1, ["r1"])

    script(work, "deploy.sh", DESTROY + "kubectl delete namespace prod\n")
    assert gate.judge(call, settings, state).request_id == "r2"
    assert len(fake.submitted) == 2


def _files(folder: Path) -> None:
    """Files the hook may or may not read with certainty."""
    script(folder, "x.sh", DESTROY)
    script(folder, "big.sh", "echo x\n" * (MAX_SCRIPT_BYTES // 7 + 1))
    script(folder, "bigrun", "#!/bin/sh\n" + "echo x\n" * (MAX_SCRIPT_BYTES // 7), executable=True)
    script(folder, "gradlew", "#!/bin/sh\n" + DESTROY, executable=True)
    script(folder, "configure", "#!/bin/sh\n" + DESTROY, executable=True)
    script(folder, "bin.sh", b"#!/bin/sh\n\x00\x01\x02terraform destroy\n", executable=True)
    script(folder, "prog", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * (MAX_SCRIPT_BYTES + 1))
    script(folder, "small", b"\x7fELF\x02\x01\x01\x00\x00", executable=True)
    script(folder, "latin.sh", b"echo \xff\xfe\n")
    script(folder, "plain", "#!/usr/bin/awk -f\n{print}\n", executable=True)
    script(folder, "envs", "#!/usr/bin/env -S bash -e\n" + DESTROY, executable=True)
    script(folder, "login", "#!/bin/bash -l\n" + DESTROY, executable=True)
    script(folder, "two", "#!/usr/bin/perl -w -T\nprint 1;\n", executable=True)
    (folder / "folder").mkdir()
    os.mkfifo(folder / "fifo")


@pytest.mark.parametrize(
    "ran",
    [
        "bash missing.sh",  # no such file: nothing runs
        "./prog",  # a program, not a script
        "./small",
        "bash x.sh && ls",
        "bash x.sh; ls",
        "bash x.sh | cat",
        "bash x.sh > out",
        "bash -c 'x'",
        "bash -c x x.sh",
        "bash -s x.sh",
        "bash -i x.sh",
        "bash",
        "python3 -m pytest x.sh",  # a module, not the file
        "python3 -c pass x.sh",
        "python3 --version",
        "node -e 1 x.sh",
        "bash --rcfile r missing.sh",  # an option not followed, but no file after it
        "bash $HOME/x.sh",
        "bash ./x*.sh",
        "bash 'x.sh",
        "ls x.sh",
        "bash x.sh\r",
        "./gradlew build",  # a build wrapper, judged as the build
        "./configure --prefix=/usr",
        "sudo -i bash x.sh",  # a login shell runs it: judged as written
        "sudo apt install x",
        "timeout 5",
        "command -v bash",
        "nohup source x.sh",
        "A=1",
        "env",
        "1A=2 bash x.sh",
    ],
)
def test_what_runs_no_script_the_hook_can_read_is_left_alone(ran: str, tmp_path: Path) -> None:
    _files(tmp_path)
    assert (tmp_path / "prog").stat().st_size > MAX_SCRIPT_BYTES
    assert inline(shell(ran, tmp_path)) is None


@pytest.mark.parametrize(
    ("ran", "why"),
    [
        ("bash big.sh", "big.sh is over 120 KiB"),
        ("./bigrun", "./bigrun is over 120 KiB"),
        ("bash bin.sh", "bin.sh is not UTF-8 text"),
        ("./bin.sh", "./bin.sh is not UTF-8 text"),
        ("bash latin.sh", "latin.sh is not UTF-8 text"),
        ("./plain", "./plain runs through `#!/usr/bin/awk -f`, which interlock does not read"),
        ("./envs", "runs through `#!/usr/bin/env -S bash -e`"),
        ("./login", "runs through `#!/bin/bash -l`"),
        ("./two", "runs through `#!/usr/bin/perl -w -T`"),
        ("bash fifo", "fifo is not a regular file"),
        ("bash --rcfile r x.sh", "bash runs x.sh with --rcfile, an option interlock does not"),
        ("bash -l x.sh", "bash runs x.sh with -l"),
        ("node --require ./x.sh app.js", "node runs ./x.sh with --require"),
        ("python3 --check-hash-based-pycs always x.sh", "python3 runs x.sh with --check"),
        ("timeout -Z 5 bash x.sh", "timeout runs x.sh with -Z"),
        ("env -C /tmp bash x.sh", "env runs x.sh with -C"),
    ],
)
def test_a_script_that_runs_but_cannot_be_read_is_asked_about(
    ran: str, why: str, tmp_path: Path
) -> None:
    """Padding a script past the limit, or hiding it behind a FIFO or a shebang the
    hook does not follow, must not be a way around reading it: the human confirms."""
    _files(tmp_path)
    found = inline(shell(ran, tmp_path))
    assert isinstance(found, str)
    assert why in found
    answer = judge(shell(ran, tmp_path), OFFLINE)
    assert answer.verdict == "ask"
    assert why in answer.reason


def test_a_text_file_without_a_shebang_is_read_as_bash_runs_it(tmp_path: Path) -> None:
    """Run as ``./x.sh``, a text file without ``#!`` is run by bash itself."""
    script(tmp_path, "x.sh", DESTROY, executable=True)
    inlined = inline(shell("./x.sh prod", tmp_path))
    assert isinstance(inlined, ToolCall)
    assert inlined.text == fed("bash -s prod", "./x.sh", "./x.sh prod", DESTROY)
    assert judge(shell("./x.sh prod", tmp_path), OFFLINE).verdict == "deny"


def test_the_largest_script_fits_what_the_classifier_reads(tmp_path: Path) -> None:
    """A script just under the limit is inlined and classified, not held as too long."""
    from interlock.classify.treefacts import MAX_COMMAND_CHARS

    line = "ls -la\n"
    script(tmp_path, "x.sh", line * (MAX_SCRIPT_BYTES // len(line)))
    inlined = inline(shell("bash x.sh", tmp_path))
    assert isinstance(inlined, ToolCall)
    assert len(inlined.text) <= MAX_COMMAND_CHARS
    assert judge(inlined, OFFLINE).verdict == "allow"


def test_a_symbolic_link_loop_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.sh").symlink_to(tmp_path / "b.sh")
    (tmp_path / "b.sh").symlink_to(tmp_path / "a.sh")
    assert inline(shell("bash a.sh", tmp_path)) is None


def test_a_linked_script_is_read_through_the_link(tmp_path: Path) -> None:
    script(tmp_path, "real.sh", DESTROY)
    (tmp_path / "link.sh").symlink_to(tmp_path / "real.sh")
    inlined = inline(shell("bash link.sh", tmp_path))
    assert isinstance(inlined, ToolCall)
    assert DESTROY in inlined.text


def test_a_sourced_name_also_on_path_is_asked_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``source env.sh`` reads ``PATH``'s ``env.sh`` first: which file runs is unsure."""
    script(tmp_path, "env.sh", DESTROY)
    script(tmp_path / "bin", "env.sh", READS)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin")
    assert inline(shell("source env.sh", tmp_path)) == (
        "env.sh may be another file of that name on PATH"
    )
    assert isinstance(inline(shell("source ./env.sh", tmp_path)), ToolCall)


def test_other_calls_are_not_read(tmp_path: Path) -> None:
    assert not runs_file("git status")
    assert not runs_file("terraform apply tfplan")
    assert runs_file("bash x.sh")
    assert runs_file("./x")
    assert scriptfile._WRAPPERS.keys() == WRAPPERS  # the gate's test and the reader agree
    write = ToolCall("a", "Write", "file-write", "bash x.sh")
    assert gate.with_script(write) is write


def test_a_script_read_knows_whether_its_file_changed(tmp_path: Path) -> None:
    """``interlock exec`` runs an approved script only while ``unchanged``."""
    path = script(tmp_path, "x.sh", DESTROY)
    found = read_script("bash x.sh", str(tmp_path))
    assert isinstance(found, Script)
    assert found.unchanged()
    path.write_text(READS)
    assert not found.unchanged()
    path.write_text(DESTROY)
    assert found.unchanged()
    path.unlink()
    assert not found.unchanged()


@pytest.mark.parametrize(
    ("ran", "read"),
    [
        ("python3 -m tools.deploy prod", True),
        ("python3 -u -W ignore -m tools.deploy", True),
        ("python -m tools", True),  # a package runs its __main__.py
        ("python3 -m pytest -q", True),  # a pytest.py in the folder shadows the installed one
        ("python3 -I -m tools.deploy", False),  # isolated: the folder is not on sys.path
        ("python3 -P -m tools.deploy", False),
        ("python3 -m json.tool x.json", False),  # installed: judged as written
        ("python3 -m", False),
    ],
)
def test_a_module_of_the_working_directory_is_read(ran: str, read: bool, tmp_path: Path) -> None:
    code = "import os\nos.system('terraform destroy -auto-approve')\n"
    script(tmp_path, "tools/deploy.py", code)
    script(tmp_path, "tools/__main__.py", code)
    script(tmp_path, "pytest.py", code)
    found = read_script(ran, str(tmp_path))
    assert isinstance(found, Script) is read, found
    verdict = judge(shell(ran, tmp_path), OFFLINE).verdict
    assert (verdict == "deny") is read, verdict


@pytest.mark.parametrize(
    ("ran", "read"),
    [
        ("python3 tools", True),  # a folder's __main__.py
        ("node app", True),  # package.json's main, with .js added
        ("node plain", True),  # index.js
        ("node empty", False),  # node refuses it: nothing runs
        ("bash tools", False),  # bash refuses a folder: nothing runs, nothing to ask
    ],
)
def test_a_folder_run_is_read_as_its_entry_file(ran: str, read: bool, tmp_path: Path) -> None:
    python = "import os\nos.system('terraform destroy -auto-approve')\n"
    script(tmp_path, "tools/__main__.py", python)
    js = 'require("child_process").execSync("terraform destroy -auto-approve");\n'
    script(tmp_path, "app/package.json", '{"main": "lib/start"}')
    script(tmp_path, "app/lib/start.js", js)
    script(tmp_path, "plain/index.js", js)
    (tmp_path / "empty").mkdir()
    found = read_script(ran, str(tmp_path))
    assert isinstance(found, Script) is read, found
    assert (judge(shell(ran, tmp_path), OFFLINE).verdict == "deny") is read
