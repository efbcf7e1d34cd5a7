"""Programs that run other commands as one of their features.

Unlike the pure wrappers of ``classify/unwrap.py`` (``sudo``, ``env``, ``timeout``),
these are tools with their own work that can also launch a command: project runners
(``uv run``, ``poetry run``, ``bundle exec``, ``aws-vault exec``, ``npx``, ``pnpm
dlx``), tracers (``strace``, ``valgrind``), schedulers (``at``, ``trap``, GNU
``parallel``), ``script -c``, ``sg``, ``kubectl exec``/``debug`` and ``docker exec``
(the command runs in a container), ``git -c`` and ``git config`` keys whose value is a
shell command (git-config(1)) and the git subcommands that run one (``rebase --exec``,
``bisect run``, ``submodule foreach`` ...). Cloud remote-command and database-client
shell escapes live in ``classify/clients.py``. The tool itself is still judged by its
family where that matters (``keep``); the launched command is judged as well.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping

from interlock.classify.clients import CLIENT_WORDS, CLIENTS, option_values
from interlock.classify.commands.hosted import HOSTED, HOSTED_WORDS
from interlock.classify.containerrun import host_command
from interlock.classify.embedded import EMBEDDED
from interlock.classify.terminals import TERMINALS
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
    """GNU parallel: ``parallel [options] COMMAND ::: ARGS``; the command runs per arg.

    Arguments given literally after ``:::`` are the command's own: ``parallel rm -rf
    ::: /`` is judged as ``rm -rf /``, every argument at once (at least as severe as
    any one run), put where ``{}`` stands or else appended. Arguments from files
    (``::::``, ``-a``) or computed ones stay the unknown ``$XARGS`` input.
    """
    i = operand_index(words, 1, "jSaI", frozenset({"--jobs", "--sshlogin", "--arg-file"}))
    end = next((j for j in range(i, len(words)) if words[j][0] in (":::", "::::")), len(words))
    if i >= end:
        return None
    given = _parallel_arguments(words[end:])
    if end - i == 1 and " " in words[i][0]:
        script, flags = words[i]
        if given is not None and not flags and not _REPLACEMENT.search(script.replace("{}", "")):
            quoted = " ".join(shlex.quote(w) for w, _ in given)
            script = script.replace("{}", quoted) if "{}" in script else f"{script} {quoted}"
        return Step("parallel", None, scripts=((script, flags),))
    command = tuple(words[i:end])
    if given is None or any(_REPLACEMENT.search(w.replace("{}", "")) for w, _ in command):
        return Step("parallel", (*command, XARGS_INPUT))  # {.} {/} {1}: a changed argument
    if any(w == "{}" for w, _ in command):
        return Step("parallel", tuple(w for word in command for w in _placed(word, given)))
    return Step("parallel", (*command, *given))


#: GNU parallel's replacement strings other than ``{}`` (``{.}``, ``{/}``, ``{1}`` ...):
#: each stands for a changed argument, which stays unknown.
_REPLACEMENT = re.compile(r"\{[^{}\s]*\}")


def _parallel_arguments(sources: Words) -> tuple[Word, ...] | None:
    """The literal words of every ``:::`` source; ``None`` if any source is not literal."""
    given: list[Word] = []
    literal = False
    for word in sources:
        if word[0] in (":::", ":::+"):
            literal = True
        elif word[0] in ("::::", "::::+") or not literal or word[1]:
            return None
        else:
            given.append(word)
    return tuple(given) or None


def _placed(word: Word, given: tuple[Word, ...]) -> tuple[Word, ...]:
    return given if word[0] == "{}" else (word,)


_KUBECTL_GLOBAL = frozenset(
    {"--context", "--namespace", "--kubeconfig", "--cluster", "--user", "--server", "--token"}
    | {"--as", "--as-group", "--request-timeout", "--certificate-authority"}
)
_KUBECTL_EXEC = frozenset({"--container", "--filename", "--pod-running-timeout", "--namespace"})
#: kubectl debug options that take the next word as their value.
_KUBECTL_DEBUG = frozenset(
    {"--image", "--container", "--target", "--copy-to", "--profile", "--image-pull-policy"}
    | {"--env", "--set-image", "--filename", "--custom", "--namespace"}
)


def _kubectl(words: Words) -> Step | None:
    """``kubectl exec POD -- CMD`` and ``kubectl debug TARGET ... -- CMD``: CMD runs in a
    container of the pod (or, for ``node/NAME``, in one with the node's filesystem)."""
    i = operand_index(words, 1, "nsc", _KUBECTL_GLOBAL)
    verb = words[i][0] if i < len(words) else ""
    if verb not in ("exec", "debug"):
        return None
    dash = next((j for j in range(i + 1, len(words)) if words[j][0] == "--"), None)
    if verb == "debug":
        if dash is None or dash + 1 >= len(words):
            return None  # the debug container runs its image's own command
        pod_at = operand_index(words[:dash], i + 1, "cfn", _KUBECTL_DEBUG)
    else:
        pod_at = operand_index(words, i + 1, "cfn", _KUBECTL_EXEC)
    pod = words[pod_at][0] if pod_at < len(words) and pod_at != dash else "?"
    inner = dash + 1 if dash is not None else pod_at + 1
    label = f"{posixpath.basename(words[0][0])} {verb} {pod}"
    return Step(label, rest_from(words, inner), container=pod, keep=True)


_DOCKER_GLOBAL = frozenset({"--host", "--context", "--config", "--log-level"})
_DOCKER_EXEC = frozenset({"--env", "--env-file", "--user", "--workdir", "--detach-keys"})


def _docker(words: Words) -> Step | None:
    i = operand_index(words, 1, "Hcl", _DOCKER_GLOBAL)
    if i < len(words) and words[i][0] in ("compose", "container"):
        i += 1
        if words[i - 1][0] == "compose":
            i = operand_index(words, i, "fp", frozenset({"--file", "--project-name"}))
    if i < len(words) and words[i][0] == "run" and words[i - 1][0] != "compose":
        return host_command(posixpath.basename(words[0][0]), words, i + 1)
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


#: git global options that take the next word as their value (git(1) OPTIONS).
_GIT_GLOBAL_VALUES = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--attr-source", "--config-env"}
)
#: git-filter-branch(1) options whose value is shell code it evaluates.
_GIT_FILTERS = frozenset(
    {"--setup", "--tree-filter", "--index-filter", "--msg-filter", "--env-filter"}
    | {"--commit-filter", "--parent-filter", "--tag-name-filter"}
)
#: git-config(1) options that read, remove or rename instead of setting a value.
_GIT_CONFIG_READS = frozenset(
    {"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--get-color", "--get-colorbool"}
    | {"-l", "--list", "--unset", "--unset-all", "--rename-section", "--remove-section"}
    | {"-e", "--edit", "--show-origin", "--show-scope", "--name-only"}
)
#: git-config(1) options that take the next word as their value.
_GIT_CONFIG_VALUES = frozenset(
    {"-f", "--file", "--blob", "--type", "--default", "--comment", "--value"}
)
#: git 2.46 git-config(1) subcommands other than ``set``: none stores a value.
_GIT_CONFIG_VERBS = frozenset(
    {"get", "list", "unset", "edit", "rename-section", "remove-section", "get-color"}
)


def _git(words: Words) -> Step | None:
    """``git [global options] SUBCOMMAND ...``: ``-c KEY=COMMAND`` and the subcommands
    that run a command (``rebase --exec``, ``bisect run``, ``difftool --extcmd``,
    ``submodule foreach``, ``filter-branch --tree-filter``) or store one for later
    (``git config core.pager CMD``: the next ``git log`` runs it)."""
    scripts: list[Word] = []
    i, n = 1, len(words)
    while i < n and words[i][0].startswith("-"):
        value = words[i][0]
        if value == "-c" and i + 1 < n:
            scripts.extend(_git_config_command(words[i + 1]))
        i += 2 if value in _GIT_GLOBAL_VALUES else 1
    sub = words[i][0] if i < n else ""
    reader = _GIT_SUBCOMMANDS.get(sub)
    step = reader(words[i + 1 :]) if reader is not None else None
    if step is None:
        return Step("git -c", None, scripts=tuple(scripts), keep=True) if scripts else None
    label = f"git {sub}" if not scripts else f"git -c {sub}"
    return Step(label, step.rest, scripts=(*scripts, *step.scripts), keep=True)


def _git_rebase(args: Words) -> Step | None:
    """git-rebase(1) ``-x``/``--exec CMD``: CMD runs in a shell after each commit."""
    scripts = option_values(args, "x", "--exec", "sSXCx")
    return Step("git rebase", None, scripts=tuple(scripts)) if scripts else None


def _git_difftool(args: Words) -> Step | None:
    """git-difftool(1) ``-x``/``--extcmd CMD``: CMD runs in a shell for each file."""
    scripts = option_values(args, "x", "--extcmd", "tx")
    return Step("git difftool", None, scripts=tuple(scripts)) if scripts else None


def _git_bisect(args: Words) -> Step | None:
    """git-bisect(1) ``run CMD [ARGS]``: CMD runs at each step of the search."""
    if len(args) < 2 or args[0][0] != "run":
        return None
    return Step("git bisect run", tuple(args[1:]))


def _git_submodule(args: Words) -> Step | None:
    """git-submodule(1) ``foreach [--recursive] CMD``: CMD is shell text (joined with
    its arguments), run in every submodule."""
    i = operand_index(args, 0)
    if i >= len(args) or args[i][0] != "foreach":
        return None
    i = operand_index(args, i + 1)
    if i >= len(args):
        return None
    return Step("git submodule foreach", None, scripts=(join_words(args[i:]),))


def _git_filter_branch(args: Words) -> Step | None:
    """git-filter-branch(1) filters: each value is shell code it evaluates."""
    scripts: list[Word] = []
    for j, (value, flags) in enumerate(args):
        name, eq, inline = value.partition("=")
        if name not in _GIT_FILTERS:
            continue
        if eq:
            scripts.append((inline, flags))
        elif j + 1 < len(args):
            scripts.append(args[j + 1])
    return Step("git filter-branch", None, scripts=tuple(scripts)) if scripts else None


def _git_config(args: Words) -> Step | None:
    """``git config [--global|--file F ...] KEY VALUE`` and git 2.46's ``git config
    set KEY VALUE``: a command key stores a command a later git runs."""
    operands: list[Word] = []
    j = 0
    while j < len(args):
        value = args[j][0]
        if value in _GIT_CONFIG_READS or value.startswith("--get"):
            return None
        if value.startswith("-"):
            j += 2 if value in _GIT_CONFIG_VALUES else 1
            continue
        operands.append(args[j])
        j += 1
    if operands and operands[0][0] == "set":
        operands = operands[1:]
    elif operands and operands[0][0] in _GIT_CONFIG_VERBS:
        return None
    if len(operands) < 2:
        return None
    (key, key_flags), (value, value_flags) = operands[0], operands[1]
    scripts = _git_config_command((f"{key}={value}", key_flags | value_flags))
    return Step("git config", None, scripts=scripts) if scripts else None


#: git subcommands that run a command they are given -> how to find it.
def _git_program_options(
    sub: str, options: tuple[tuple[str, str], ...]
) -> Callable[[Words], Step | None]:
    """A reader for ``git SUB`` options whose value is a program git runs through the
    shell: ``clone --upload-pack``/``-u`` (run for local and ssh remotes), ``push
    --receive-pack``/``--exec``, ``archive --exec``, ``send-email --to-cmd`` ...
    (``options``: pairs of short letter, or "", and long name)."""

    def read(args: Words) -> Step | None:
        scripts = [
            value
            for short, long in options
            for value in option_values(args, short, long, "".join(s for s, _ in options))
        ]
        return Step(f"git {sub}", None, scripts=tuple(scripts)) if scripts else None

    return read


_UPLOAD_PACK = (("", "--upload-pack"),)

_GIT_SUBCOMMANDS: Mapping[str, Callable[[Words], Step | None]] = {
    "clone": _git_program_options("clone", (("u", "--upload-pack"),)),
    "fetch": _git_program_options("fetch", _UPLOAD_PACK),
    "pull": _git_program_options("pull", _UPLOAD_PACK),
    "ls-remote": _git_program_options("ls-remote", _UPLOAD_PACK),
    "push": _git_program_options("push", (("", "--receive-pack"), ("", "--exec"))),
    "archive": _git_program_options("archive", (("", "--exec"),)),
    "send-email": _git_program_options(
        "send-email", (("", "--to-cmd"), ("", "--cc-cmd"), ("", "--sendmail-cmd"))
    ),
    "rebase": _git_rebase,
    "bisect": _git_bisect,
    "difftool": _git_difftool,
    "submodule": _git_submodule,
    "filter-branch": _git_filter_branch,
    "config": _git_config,
}


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


_NPM_VALUES = (
    "pwcC",
    frozenset({"--package", "--workspace", "--call", "--prefix", "--registry", "--cache"})
    | {"--userconfig", "--loglevel"},
)
_PNPM_VALUES = (
    "CF",
    frozenset({"--dir", "--filter", "--package", "--resume-from", "--allow-build"})
    | {"--reporter", "--workspace-concurrency"},
)
#: JavaScript package runners: program -> (subcommands that run a command, empty for
#: ``npx``-style programs that always do; short and long options taking a value, up to
#: and after the subcommand). npm-exec(1): ``-c``/``--call CMD`` is shell text;
#: pnpm ``exec``/``dlx`` ``-c``/``--shell-mode`` run the command line in a shell.
_NODE_RUNNERS: Mapping[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "npm": (frozenset({"exec", "x"}), *_NPM_VALUES),
    "npx": (frozenset(), *_NPM_VALUES),
    "pnpm": (frozenset({"exec", "dlx"}), *_PNPM_VALUES),
    "pnpx": (frozenset(), *_PNPM_VALUES),
    "yarn": (frozenset({"exec", "dlx"}), "p", frozenset({"--cwd", "--package"})),
    "bunx": (frozenset(), "p", frozenset({"--package"})),
}


def _node_runner(words: Words) -> Step | None:
    """``npm exec``/``npx``, ``pnpm exec``/``dlx``, ``yarn exec``/``dlx``, ``bunx``:
    ``[options] COMMAND [ARGS]``, or npm's ``-c CMD``, or pnpm's shell mode."""
    program = posixpath.basename(words[0][0])
    subs, short, long = _NODE_RUNNERS[program]
    start = 1
    if subs:  # ``npx``-style programs have none: they always run a command
        at = operand_index(words, 1, short, long)
        if at >= len(words) or words[at][0] not in subs:
            return None
        start = at + 1
    label = program if start == 1 else f"{program} {words[start - 1][0]}"
    i = operand_index(words, start, short, long)
    if program in ("npm", "npx"):
        # npx passes what follows the command to it; npm exec reads options up to --
        calls = option_values(words[start : i if program == "npx" else None], "c", "--call", short)
        if calls:
            return Step(label, None, scripts=tuple(calls), keep=True)
    if i >= len(words):
        return None
    shell_mode = program in ("pnpm", "pnpx") and any(
        w in ("-c", "--shell-mode") for w, _ in words[start:i]
    )
    if shell_mode:
        return Step(label, None, scripts=(join_words(words[i:]),), keep=True)
    return Step(label, tuple(words[i:]), keep=True)


def _nsenter(words: Words) -> Step | None:
    """``nsenter -t 1 -m -- CMD``: CMD runs as root in another process's namespaces
    (those of PID 1 are the host's own, outside any container)."""
    i = operand_index(words, 1, "tSG", frozenset({"--target", "--setuid", "--setgid"}))
    return Step("nsenter", rest_from(words, i), elevated=True)


def _tracer(label: str, short_arg: str) -> Callable[[Words], Step | None]:
    """``strace``/``ltrace``/``valgrind``-style: options, then the traced command."""

    def unwrap(words: Words) -> Step | None:
        if any(w in ("-p", "--attach") for w, _ in words[1:]):
            return None
        return Step(label, rest_from(words, operand_index(words, 1, short_arg)))

    return unwrap


#: Words without which a launcher launches nothing: ``kubectl`` runs a command only
#: through ``exec`` or ``debug``, ``docker`` through ``exec``, ``git`` through ``-c
#: KEY=COMMAND`` or one of the subcommands above, a project runner through its run
#: subcommand, ``aws`` through ``send-command``. ``plainline.plain`` skips the launcher for
#: a line with none of them (most ``git``, ``kubectl`` and ``aws`` lines); a launcher
#: not listed here (``npx``, ``psql``) is always asked.
#: ``tests/classify/test_launchers.py`` holds the table to the launchers.
LAUNCH_WORDS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(("kubectl", "oc"), frozenset({"exec", "debug"})),
    **dict.fromkeys(("docker", "podman", "nerdctl"), frozenset({"exec", "run"})),
    "git": frozenset({"-c", *_GIT_SUBCOMMANDS}),
    **{
        program: frozenset(sub for name, sub in _RUNNERS if name == program)
        for program, _ in _RUNNERS
    },
    **{program: subs for program, (subs, _, _) in _NODE_RUNNERS.items() if subs},
    **CLIENT_WORDS,
    **HOSTED_WORDS,
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
    **dict.fromkeys(_NODE_RUNNERS, _node_runner),
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
    "nsenter": _nsenter,
    **EMBEDDED,
    **CLIENTS,
    **HOSTED,
    **TERMINALS,
}
