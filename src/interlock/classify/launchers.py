"""Programs that run other commands as one of their features.

Unlike the pure wrappers of ``classify/unwrap.py`` (``sudo``, ``env``, ``timeout``),
these are tools with their own work that can also launch a command: project runners
(``uv run``, ``poetry run``, ``bundle exec``, ``aws-vault exec``), tracers
(``strace``, ``valgrind``), schedulers (``at``, ``trap``, GNU ``parallel``),
``script -c``, ``sg``, ``kubectl exec`` and ``docker exec`` (the command runs in a
container) and ``git -c`` keys whose value is a shell command (git-config(1)). The tool
itself is still judged by its family where that matters (``keep``); the launched
command is judged as well.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping

from interlock.classify.unwrap import XARGS_INPUT, Step, Words, join_words, operand_index, rest_from
from interlock.classify.words import Word

#: ``eval "$(ssh-agent -s)"`` and friends: tools whose whole job is printing shell
#: set-up code for the current shell. Their own invocation is still classified.
SAFE_EVAL_SOURCES = frozenset(
    {"ssh-agent", "pyenv", "rbenv", "nodenv", "goenv", "jenv", "direnv", "brew", "conda"}
    | {"opam", "fnm", "zoxide", "starship", "mise", "rtx", "keychain", "dircolors"}
    | {"luarocks", "gpg-agent", "pyenv-virtualenv", "thefuck", "register-python-argcomplete"}
)
#: Environment variables whose value is a command line a program runs
#: (git(1) ENVIRONMENT, bash(1) BASH_ENV/PROMPT_COMMAND, man(1) PAGER ...).
COMMAND_VARIABLES = frozenset(
    {"GIT_SSH_COMMAND", "GIT_SSH", "GIT_PAGER", "GIT_EDITOR", "GIT_EXTERNAL_DIFF"}
    | {"GIT_ASKPASS", "GIT_SEQUENCE_EDITOR", "PAGER", "MANPAGER", "EDITOR", "VISUAL"}
    | {"PROMPT_COMMAND", "BASH_ENV", "ENV", "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS"}
    | {"SUDO_ASKPASS", "RSYNC_RSH", "CVS_RSH"}
)


def safe_eval(value: str) -> bool:
    """``$(ssh-agent -s)``: a known set-up printer whose output eval runs."""
    inner = value.strip().strip('"')
    if not (inner.startswith("$(") and inner.endswith(")")) or inner.count("$(") != 1:
        return False
    head = inner[2:-1].split()
    return bool(head) and posixpath.basename(head[0]) in SAFE_EVAL_SOURCES


def _trap(words: Words) -> Step | None:
    """``trap 'rm -rf /' EXIT``: the handler is shell code run later in this shell."""
    i = operand_index(words, 1)
    if i >= len(words) - 1 or words[i][0] == "-":
        return None
    return Step("trap", None, scripts=(words[i],), keep=True)


def _at(words: Words) -> Step | None:
    """``at``/``batch`` read the commands they schedule from standard input."""
    if any(w in ("-f", "-l", "-r", "-d", "-c") for w, _ in words[1:]):
        return None
    return Step(posixpath.basename(words[0][0]), None, stdin_shell=True)


def _parallel(words: Words) -> Step | None:
    """GNU parallel: ``parallel [options] COMMAND ::: ARGS``; the command runs per arg."""
    i = operand_index(words, 1, "jSaI", frozenset({"--jobs", "--sshlogin", "--arg-file"}))
    end = next((j for j in range(i, len(words)) if words[j][0] in (":::", "::::")), len(words))
    if i >= end:
        return None
    if end - i == 1 and " " in words[i][0]:
        return Step("parallel", None, scripts=(words[i],))
    return Step("parallel", (*words[i:end], XARGS_INPUT))


_KUBECTL_GLOBAL = frozenset(
    {"--context", "--namespace", "--kubeconfig", "--cluster", "--user", "--server", "--token"}
    | {"--as", "--as-group", "--request-timeout", "--certificate-authority"}
)
_KUBECTL_EXEC = frozenset({"--container", "--filename", "--pod-running-timeout", "--namespace"})


def _kubectl(words: Words) -> Step | None:
    i = operand_index(words, 1, "nsc", _KUBECTL_GLOBAL)
    if i >= len(words) or words[i][0] != "exec":
        return None
    dash = next((j for j in range(i + 1, len(words)) if words[j][0] == "--"), None)
    pod_at = operand_index(words, i + 1, "cfn", _KUBECTL_EXEC)
    pod = words[pod_at][0] if pod_at < len(words) and pod_at != dash else "?"
    inner = dash + 1 if dash is not None else pod_at + 1
    label = f"{posixpath.basename(words[0][0])} exec {pod}"
    return Step(label, rest_from(words, inner), container=pod, keep=True)


_DOCKER_GLOBAL = frozenset({"--host", "--context", "--config", "--log-level"})
_DOCKER_EXEC = frozenset({"--env", "--env-file", "--user", "--workdir", "--detach-keys"})


def _docker(words: Words) -> Step | None:
    i = operand_index(words, 1, "Hcl", _DOCKER_GLOBAL)
    if i < len(words) and words[i][0] in ("compose", "container"):
        i += 1
        if words[i - 1][0] == "compose":
            i = operand_index(words, i, "fp", frozenset({"--file", "--project-name"}))
    if i >= len(words) or words[i][0] != "exec":
        return None
    at = operand_index(words, i + 1, "euw", _DOCKER_EXEC | {"--index"})
    if at + 1 >= len(words):
        return None
    target = words[at][0]
    label = f"{posixpath.basename(words[0][0])} exec {target}"
    return Step(label, tuple(words[at + 1 :]), container=target, keep=True)


#: git configuration keys whose value is a shell command git runs (git-config(1)).
_GIT_COMMAND_KEYS = (
    "core.pager",
    "core.editor",
    "core.sshcommand",
    "core.fsmonitor",
    "core.askpass",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "credential.helper",
    "alias.",
    "pager.",
    "filter.",
    "merge.",
    "diff.",
    "interactive.difffilter",
    "uploadpack.packobjectshook",
)


def _git(words: Words) -> Step | None:
    scripts: list[Word] = []
    i, n = 1, len(words)
    while i < n and words[i][0].startswith("-"):
        value, _flags = words[i]
        if value == "-c" and i + 1 < n:
            scripts.extend(_git_config_command(words[i + 1]))
            i += 2
            continue
        i += 2 if value in ("-C", "--git-dir", "--work-tree", "--namespace") else 1
    if not scripts:
        return None
    return Step("git -c", None, scripts=tuple(scripts), keep=True)


def _git_config_command(word: Word) -> tuple[Word, ...]:
    key, sep, value = word[0].partition("=")
    key = key.lower()
    if not sep or not key.startswith(_GIT_COMMAND_KEYS):
        return ()
    if key.startswith(("diff.", "merge.", "filter.")) and not key.endswith(
        ("command", "textconv", "driver", "clean", "smudge", "process", "external")
    ):
        return ()
    if key.startswith(("alias.", "credential.")) and not value.startswith("!"):
        return ()
    return ((value.removeprefix("!"), word[1]),)


def _script_cmd(words: Words) -> Step | None:
    """``script -c CMD [file]`` runs CMD in a shell (util-linux script(1))."""
    for j, (value, _) in enumerate(words[:-1]):
        short = value.startswith("-") and not value.startswith("--") and value.endswith("c")
        if short or value == "--command":
            return Step("script", None, scripts=(words[j + 1],))
    return None


def _sg(words: Words) -> Step | None:
    """``sg GROUP -c CMD`` / ``sg GROUP CMD``: run CMD with another group id."""
    rest = [w for w in words[2:] if w[0] != "-c"]
    return Step("sg", None, scripts=(join_words(rest),)) if rest else None


#: ``TOOL SUBCOMMAND [options] CMD ...`` runners: (short options with a value, long
#: options with a value). The runner itself is judged too (``keep``): unwrapping can
#: only add findings, so an option we do not know never hides the runner.
_RUNNERS: Mapping[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("uv", "run"): (
        "pw",
        frozenset({"--with", "--python", "--directory", "--project"})
        | {"--package", "--extra", "--group", "--env-file", "--index", "--from"},
    ),
    ("poetry", "run"): ("C", frozenset({"--directory", "--project"})),
    ("pipenv", "run"): ("", frozenset()),
    ("pdm", "run"): ("p", frozenset({"--project"})),
    ("hatch", "run"): ("", frozenset()),
    ("rye", "run"): ("", frozenset({"--pyproject"})),
    ("bundle", "exec"): ("", frozenset({"--gemfile"})),
    ("conda", "run"): ("np", frozenset({"--name", "--prefix", "--cwd"})),
    ("mamba", "run"): ("np", frozenset({"--name", "--prefix", "--cwd"})),
    ("mise", "exec"): ("C", frozenset({"--cd", "--jobs"})),
    ("mise", "x"): ("C", frozenset({"--cd", "--jobs"})),
    ("asdf", "exec"): ("", frozenset()),
    ("devbox", "run"): ("c", frozenset({"--config"})),
    ("npm", "exec"): ("cp", frozenset({"--package", "--call", "--workspace"})),
    ("op", "run"): ("", frozenset({"--env-file"})),
    ("doppler", "run"): ("pc", frozenset({"--project", "--config", "--command"})),
    ("aws-vault", "exec"): ("d", frozenset({"--duration", "--region", "--mfa-token"})),
    ("nix", "develop"): ("", frozenset()),
}


def _runner(words: Words) -> Step | None:
    if len(words) < 3:
        return None
    program = posixpath.basename(words[0][0])
    sub = words[1][0]
    spec = _RUNNERS.get((program, sub))
    if spec is None:
        return None
    if program in ("aws-vault", "direnv"):  # the profile or directory comes first
        start = operand_index(words, 2, *spec) + 1
    elif program == "nix":
        dash = next((j for j, (w, _) in enumerate(words) if w in ("-c", "--command")), None)
        if dash is None:
            return None
        start = dash + 1
    else:
        start = 2
    i = operand_index(words, start, *spec)
    if i >= len(words):
        return None
    assigns: tuple[tuple[str, str], ...] = ()
    if program == "aws-vault":
        assigns = (("AWS_PROFILE", words[start - 1][0]),)
    return Step(f"{program} {sub}", tuple(words[i:]), keep=True, assignments=assigns)


def _tracer(label: str, short_arg: str) -> Callable[[Words], Step | None]:
    """``strace``/``ltrace``/``valgrind``-style: options, then the traced command."""

    def unwrap(words: Words) -> Step | None:
        if any(w in ("-p", "--attach") for w, _ in words[1:]):
            return None
        return Step(label, rest_from(words, operand_index(words, 1, short_arg)))

    return unwrap


#: Words without which a launcher launches nothing: ``kubectl`` and ``docker`` run a
#: command only through ``exec``, ``git`` only through ``-c KEY=COMMAND``, a project
#: runner only through its run subcommand. ``shell.plain`` skips the launcher for a
#: line with none of them (most ``git`` and ``kubectl`` lines); a launcher not listed
#: here is always asked. ``tests/classify/test_launchers.py`` holds the table to the
#: launchers.
LAUNCH_WORDS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(("kubectl", "oc", "docker", "podman", "nerdctl"), frozenset({"exec"})),
    "git": frozenset({"-c"}),
    **{
        program: frozenset(sub for name, sub in _RUNNERS if name == program)
        for program, _ in _RUNNERS
    },
}

#: Program base name -> how to find the command it launches.
LAUNCHERS: Mapping[str, Callable[[Words], Step | None]] = {
    "trap": _trap,
    "at": _at,
    "batch": _at,
    "parallel": _parallel,
    "script": _script_cmd,
    "sg": _sg,
    "kubectl": _kubectl,
    "oc": _kubectl,
    "docker": _docker,
    "podman": _docker,
    "nerdctl": _docker,
    "git": _git,
    **{program: _runner for program, _ in _RUNNERS},
    "strace": _tracer("strace", "abeEoOpPsSuUX"),
    "ltrace": _tracer("ltrace", "aAeEloOpsSu"),
    "valgrind": _tracer("valgrind", ""),
    "faketime": _tracer("faketime", "f"),
    "fakeroot": _tracer("fakeroot", "ils"),
    "firejail": _tracer("firejail", ""),
    "unshare": _tracer("unshare", "S"),
    "xvfb-run": _tracer("xvfb-run", "fnpse"),
    "dbus-run-session": _tracer("dbus-run-session", ""),
    "catchsegv": _tracer("catchsegv", ""),
    "entr": _tracer("entr", ""),
}
