"""Commands carried in the options of file, editor and transfer tools are judged.

Each dangerous line below ran ``rm -rf /`` through a tool's option or script and was
allowed before ``classify/embedded.py``: the tool was judged, its command was not.
"""

from __future__ import annotations

import pytest

from interlock.classify.embedded import EMBEDDED
from interlock.classify.launchers import LAUNCHERS
from interlock.classify.shell import assess_shell, split
from interlock.config import default_config
from interlock.models import Action, ActionKind, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def _assess(text: str) -> tuple[Verdict, set[str]]:
    action = Action(ActionKind.SHELL, text, Target(cwd="/home/alice/proj"))
    assessment = assess_shell(action, CONFIG)
    return decide(assessment, CONFIG).verdict, {f.rule_id for f in assessment.findings}


RM_ROOT_VERDICT, RM_ROOT_RULES = _assess("rm -rf /")

#: The embedded ``rm -rf /`` is walked as shell: the same finding as the plain line.
WALKED = [
    "tar -xf x.tar --to-command='rm -rf /'",
    "tar -xf x.tar --to-command 'rm -rf /'",
    "tar -xf x.tar --to-com='rm -rf /'",
    "tar cf /dev/null x --checkpoint=1 --checkpoint-action=exec='rm -rf /'",
    "tar -I 'rm -rf /' -xf x.tar",
    "tar --use-compress-program='rm -rf /' -xf x.tar",
    "tar --use-compress-program 'rm -rf /' -xf x.tar",
    "tar -cf - x --rsh-command='rm -rf /'",
    "gtar xfI x.tar 'rm -rf /'",
    "zip x.zip x -T -TT 'rm -rf /'",
    "zip x.zip x -T --unzip-command 'rm -rf /'",
    "zip x.zip x -T --unzip-command='rm -rf /'",
    "rsync -e 'rm -rf /' a b:c",
    "rsync -e'rm -rf /' a b:c",
    "rsync -avze 'rm -rf /' a b:c",
    "rsync --rsh='rm -rf /' a b:c",
    "rsync --rsh 'rm -rf /' a b:c",
    "sed -n '1e rm -rf /' f",
    "sed -i '1e rm -rf /' f",
    "sed -e 's/a/b/' -e '$e rm -rf /' f",
    "sed -ne '/x/!{e rm -rf /\n}' f",
    "sed --expression='1e rm -rf /' f",
    "gsed '1 e rm -rf /' f",
    "gdb -batch -ex 'shell rm -rf /'",
    "gdb -batch -ex '!rm -rf /'",
    "gdb -batch -ex 'pipe bt | rm -rf /'",
    "gdb -batch -iex '| bt | rm -rf /'",
    "gdb --eval-command='shell rm -rf /'",
    "gdb --init-eval-command 'shell rm -rf /'",
    "gdb -batch --args -ex 'shell rm -rf /' ./a.out -x",
    "cgdb -ex 'shell rm -rf /'",
    "vim -c ':!rm -rf /' -c q",
    "vim '+!rm -rf /' f",
    "vim --cmd 'r !rm -rf /' f",
    "nvim -c 'silent %!rm -rf /' f",
    "vi -c 'w !rm -rf /' f",
    "ex -c 'g/x/!rm -rf /' f",
    "vim -c 'set ft=sh | !rm -rf /' f",
    "less +'!rm -rf /' x",
    "less '++!rm -rf /' x",
    "more '+|arm -rf /' x",
    "ssh -o 'ProxyCommand rm -rf /' host true",
    "ssh -o 'ProxyCommand=rm -rf /' host true",
    "ssh -o 'proxycommand = rm -rf /' host true",
    "ssh -oProxyCommand='rm -rf /' host true",
    "ssh -vo 'LocalCommand rm -rf /' host true",
    "scp -o 'ProxyCommand rm -rf /' a host:b",
    "sftp -oProxyCommand='rm -rf /' host",
    "find / -exec rm -rf {} +",
    "find / -okdir rm -rf {} \\;",
    "find -L / -name x -execdir rm -rf {} \\;",
]


@pytest.mark.parametrize("line", WALKED)
def test_embedded_command_is_judged_as_shell(line: str) -> None:
    verdict, rules = _assess(line)
    assert verdict is RM_ROOT_VERDICT
    assert rules >= RM_ROOT_RULES


#: What runs is computed from the input or is code of another language: opaque.
OPAQUE = [
    "sed 's/x/rm -rf \\//e' f",
    "sed 'e' f",
    "sed -n '/^run /{s///;e\n}' f",
    "sed 'fancy' f",  # a script the scanner cannot read is not taken as harmless
    "gdb -batch -ex 'python import os; os.system(\"rm -rf /\")'",
    "vim -c 'call system(\"rm -rf /\")' f",
    "vim -c 'exe \"!rm -rf /\"' f",
    "vim -c terminal f",
    "vim -c 'py3 import os' f",
]


@pytest.mark.parametrize("line", OPAQUE)
def test_computed_command_is_opaque(line: str) -> None:
    verdict, rules = _assess(line)
    assert verdict is Verdict.HOLD
    assert "shell-opaque-eval" in rules


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("tar -xf x.tar -F ./next-volume.sh", ("./next-volume.sh",)),
        ("tar -xf x.tar --info-script=./next.sh", ("./next.sh",)),
        ("tar -xMf x.tar --new-volume-script ./next.sh", ("./next.sh",)),
        ("tar xfF x.tar ./next.sh", ("./next.sh",)),
        ("scp -S ./transport a host:b", ("./transport",)),
        ("sftp -S ./transport host", ("./transport",)),
        ("find / -exec rm -rf {} +", ("rm", "-rf", "/")),
        ("find a b -exec rm {} \\;", ("rm", "a", "b")),
        ("find -H -O3 src -name x -exec cp {} {}.bak \\;", ("cp", "src", "src.bak")),
        ("find -D tree lib \\( -name x \\) -exec rm {} +", ("rm", "lib")),
        ("find -name x -exec rm {} +", ("rm", ".")),
        ("find ! -name x -ok rm {} \\;", ("rm", ".")),
    ],
)
def test_programs_run_by_the_tool_are_commands(line: str, argv: tuple[str, ...]) -> None:
    assert argv in [c.argv for c in split(line).commands]


def test_remote_rsync_through_ssh_is_still_asked() -> None:
    """The common ``-e 'ssh -p 2222'`` adds the ssh command but not a stronger verdict."""
    assert _assess("rsync -e 'ssh -p 2222' src host:dst")[0] is Verdict.ASK
    assert ("ssh", "-p", "2222") in [c.argv for c in split("rsync -e 'ssh -p 2222' a h:b").commands]


def test_find_start_points_keep_their_flags() -> None:
    """``find "$DIR" -exec rm -rf {} +`` must not pass as a literal path."""
    verdict, _ = _assess('find "$DIR" -exec rm -rf {} +')
    assert verdict is not Verdict.ALLOW


def test_sed_sandbox_refuses_e() -> None:
    """Under ``--sandbox`` sed rejects ``e``: nothing runs, nothing is added."""
    assert _assess("sed --sandbox '1e rm -rf /' f")[1] == _assess("sed --sandbox '1p' f")[1]


#: Ordinary uses, with the decision they had before this change (none added a finding
#: that moves the verdict).
ORDINARY = [
    ("sed -i 's/a/b/g' f", Verdict.ALLOW),
    ("sed -n '/e/p' f", Verdict.ALLOW),
    ("sed 's/e/E/' f", Verdict.ALLOW),
    ("sed 's|x|y|' f", Verdict.ALLOW),
    ("sed '$a\\text' f", Verdict.ALLOW),
    ("sed '/^#/d' f", Verdict.ALLOW),
    ("sed -n 1,5p f", Verdict.ALLOW),
    ("sed -E 's/(e+)/\\1x/g;s/^ *//' f", Verdict.ALLOW),
    ("sed -e '/start/,/end/{s/e/E/;p}' f", Verdict.ALLOW),
    ("sed ':a;N;$!ba;s/\\n/ /g' f", Verdict.ALLOW),
    ("sed '1i\\header line' f", Verdict.ALLOW),
    ("sed -ie 's/x/y/' f", Verdict.ALLOW),
    ("sed 's/x/y/w out.txt' f", Verdict.ALLOW),
    ("tar -xzf x.tgz", Verdict.ALLOW),
    ("tar czf out.tgz src", Verdict.ALLOW),
    ("tar -I zstd -xf x.tar.zst", Verdict.ALLOW),
    ("tar --use-compress-program=pigz -cf x.tgz src", Verdict.ALLOW),
    ("tar cf x.tar --checkpoint=10 --checkpoint-action=dot src", Verdict.ALLOW),
    ("zip -r x.zip src", Verdict.ALLOW),
    ("zip -T x.zip f", Verdict.ALLOW),
    ("rsync -av src/ dst/", Verdict.ALLOW),
    ("rsync -e 'ssh -p 2222' src host:dst", Verdict.ASK),
    ("rsync -avz -e ssh src host:dst", Verdict.ASK),
    ("gdb -batch -ex run -ex bt ./a.out", Verdict.ALLOW),
    ("gdb -ex 'break main' -ex run --args ./a.out x", Verdict.ALLOW),
    ("gdb -batch --args ./a.out -ex 'shell rm -rf /'", Verdict.ALLOW),
    ("vim -c 'wq!' f", Verdict.ALLOW),
    ("vim -c 'w! out.txt' -c q f", Verdict.ALLOW),
    ("vim +42 f", Verdict.ALLOW),
    ("vim +/foo! f", Verdict.ALLOW),
    ("vim -c 'set ft=python' f", Verdict.ALLOW),
    ("vim -c 'normal gg=G' -c wq f", Verdict.ALLOW),
    ("vim -c '%s/a!/b/g' -c wq f", Verdict.ALLOW),
    ("less +G x", Verdict.ALLOW),
    ("less +F log", Verdict.ALLOW),
    ("less +/foo! x", Verdict.ALLOW),
    ("less -- +!x", Verdict.ALLOW),
    ("more +/foo x", Verdict.ALLOW),
    ("ssh -o ProxyJump=bastion host true", Verdict.ALLOW),
    ("ssh -o StrictHostKeyChecking=no host ls", Verdict.ALLOW),
    ("scp a host:b", Verdict.ASK),
    ("scp -o StrictHostKeyChecking=no a host:b", Verdict.ASK),
    ("find . -name '*.pyc' -exec rm {} +", Verdict.ASK),
    ("find . -type f -exec grep -l foo {} +", Verdict.ALLOW),
    ("find src -name '*.py' -exec cat {} \\;", Verdict.ALLOW),
]


@pytest.mark.parametrize(("line", "verdict"), ORDINARY)
def test_ordinary_uses_keep_their_decision(line: str, verdict: Verdict) -> None:
    assert _assess(line)[0] is verdict
    assert "shell-opaque-eval" not in _assess(line)[1]


@pytest.mark.parametrize(
    "line",
    [
        "tar -xzf x.tgz",
        "sed -i s/a/b/g f",
        "vim -c wq f",
        "gdb -batch -ex run ./a.out",
        "less +G x",
        "rsync -av a b",
        "scp a h:b",
    ],
)
def test_ordinary_uses_launch_nothing(line: str) -> None:
    program, *args = line.split()
    assert EMBEDDED[program]([(w, 0) for w in (program, *args)]) is None


def test_every_embedded_tool_is_a_launcher() -> None:
    assert all(LAUNCHERS[name] is launcher for name, launcher in EMBEDDED.items())
