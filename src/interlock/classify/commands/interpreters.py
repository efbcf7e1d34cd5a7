"""Interpreters given code inline: python -c, node -e, perl -e, ruby -e, php -r,
lua -e, Rscript -e, julia -e, expect -c (and Tcl on standard input), deno eval, bun -e,
osascript -e, pwsh -c, awk programs and the JVM's groovy, kotlin, scala, jshell and
jrunscript.

Inline code is a command line in another language, so the shell's rules still apply
to what it does. Python is parsed with ``ast`` (pycode.py, with cloud SDK calls and
SQL sent to database drivers read by pysdk.py). The other languages are
searched for the few idioms that delete, write or run commands (``fs.rmSync``,
``child_process.execSync``, ``FileUtils.rm_rf``, ``unlink``, ``system``, backticks);
a literal command string found there is classified as shell, recursively, and a
literal path by its place; a command given as its argument words (``exec "rm",
"-rf", "/"``) or in a delimited string (``qx{...}``, Bun's ``$`...```) is found by
codecommands.py and judged the same way. Code in those languages that uses anything
beyond plain output is not understood and asks; code that builds code (``eval``) is
opaque. PowerShell (powershell.py), awk (awkcode.py) and the JVM languages
(jvmcode.py) have their own readers; their handlers stay here so this family owns
their programs.

A script file (``python tool.py``, ``node x.js``, ``bash x.sh``) cannot be read
here (classification does no I/O): inside the workspace it counts as local work and
is allowed, like the project's own build; outside it asks. That is a known limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.codecommands import commands_in
from interlock.classify.commands.jvmcode import FLAGS as JVM_FLAGS
from interlock.classify.commands.paths import delete_finding, place, read_finding, write_finding
from interlock.classify.commands.pycode import Effect, analyse
from interlock.classify.commands.pysdk import RULES as SDK_RULES
from interlock.classify.commands.pysdk import judge_remote
from interlock.config import Config
from interlock.models import Action, ActionKind, Category, Finding, Risk, Scope, Target

CODE_READ = Rule(
    "code-inline-read",
    Category.READ,
    "Inline code that only computes and prints.",
    ("python3 -c 'print(1+1)'", "node -e 'console.log(1)'", "awk '{print $1}' f.txt"),
)
CODE_DELETE = Rule(
    "code-inline-delete",
    Category.DELETE,
    "Inline code deleting files (os.remove, shutil.rmtree, fs.rmSync, FileUtils.rm_rf, "
    "unlink): judged by the path's place.",
    (
        "python -c \"import shutil; shutil.rmtree('/home/user')\"",
        "node -e \"require('fs').rmSync('/', {recursive: true})\"",
        "ruby -e \"FileUtils.rm_rf('/')\"",
    ),
)
CODE_WRITE = Rule(
    "code-inline-write",
    Category.WRITE,
    "Inline code writing files, or using facilities interlock does not analyse in that "
    "language (asks).",
    (
        "python -c \"open('/etc/hosts', 'w').write('x')\"",
        "node -e \"require('http')\"",
        "awk '{print > \"/etc/x\"}' f",
    ),
)
CODE_RUN = Rule(
    "code-inline-run",
    Category.WRITE,
    "Inline code running a shell command; a literal command is classified as shell too.",
    ("python -c \"import os; os.system('ls')\"", "perl -e \"system('ls')\""),
)
CODE_OPAQUE = Rule(
    "code-inline-opaque",
    Category.OPAQUE,
    "Inline code that builds code or commands at run time (exec, eval, computed commands "
    "or paths, decoded payloads): it cannot be understood statically.",
    (
        'python -c "exec(input())"',
        'node -e "eval(process.argv[1])"',
        "python -c \"import os; os.system(os.environ['X'])\"",
    ),
)
CODE_SCRIPT = Rule(
    "code-script-file",
    Category.WRITE,
    "Running a script file: in the workspace it is local work (its content is not read, a "
    "known limit); outside the workspace it asks.",
    ("python script.py", "node app.js", "bash deploy.sh", "python /opt/x/tool.py"),
)
CODE_NETWORK = Rule(
    "code-inline-network",
    Category.WRITE,
    "Inline Python sending data with an HTTP client (requests.post, httpx.delete ...).",
    ("python -c \"import requests; requests.delete('https://api.test/x')\"",),
)


def _found(
    cmd: SimpleCommand,
    rule: Rule,
    target: str,
    why: str,
    *,
    scope: Scope = Scope.HOST,
    risk: Risk = Risk.MEDIUM,
    category: Category | None = None,
) -> Finding:
    return finding(
        rule, cmd, scope=scope, target=target, explanation=why, risk=risk, category=category
    )


def _opaque(cmd: SimpleCommand, what: str) -> Finding:
    return _found(
        cmd, CODE_OPAQUE, cmd.program, f"{what}: cannot be understood statically", risk=Risk.HIGH
    )


def _ran(cmd: SimpleCommand, text: str) -> Finding:
    """The fact that code runs a command; what the command does is judged separately."""
    return _found(
        cmd,
        CODE_RUN,
        text,
        f"{cmd.program} code runs {text!r}",
        scope=Scope.WORKSPACE,
        risk=Risk.LOW,
    )


#: While ``code_commands`` runs: the command strings code was found running, with the
#: directory each runs in.
_FOUND_IN_CODE: ContextVar[list[tuple[str, str | None]] | None] = ContextVar(
    "interlock_found_in_code", default=None
)


def code_commands(action: Action, config: Config) -> list[tuple[str, str | None]]:
    """The command strings code in the shell action runs (``os.system``,
    ``subprocess``, ``child_process``, ``system`` …), with the directory each runs in,
    as classifying ``action`` finds them at any depth: for the agent hook, which reads
    the local files those commands run (``integrations/linecode.py``)."""
    from interlock.classify.shell_findings import assess

    token = _FOUND_IN_CODE.set([])
    try:
        assess(action, config)
        return list(_FOUND_IN_CODE.get() or ())
    finally:
        _FOUND_IN_CODE.reset(token)


def shell_findings(text: str, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Classify a command string found in code as shell, with the walker and the families."""
    from interlock.classify.shell_findings import assess

    found = _FOUND_IN_CODE.get()
    if found is not None:
        found.append((text, ctx.cwd))

    action = Action(ActionKind.SHELL, text, Target(cwd=ctx.cwd, environment=ctx.environment))
    return list(assess(action, ctx.config).findings) or [
        _found(cmd, CODE_RUN, text, f"runs {text!r}", scope=Scope.WORKSPACE, risk=Risk.LOW)
    ]


def _judge_effect(effect: Effect, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    from interlock.classify.commands.files import FS_SELF_TAMPER

    if effect.kind == "dynamic":
        return [_opaque(cmd, f"{effect.call} builds code at run time")]
    if effect.remote is not None:
        return judge_remote(effect.remote, cmd, ctx)
    if effect.value is None and effect.kind in ("run", "delete", "write"):
        return [_opaque(cmd, f"{effect.call} with a computed argument")]
    value = effect.value or ""
    if effect.kind == "run":
        return [_ran(cmd, value), *shell_findings(value, cmd, ctx)]
    if effect.kind == "delete":
        return [delete_finding(CODE_DELETE, cmd, ctx, value, FS_SELF_TAMPER)]
    if effect.kind == "write":
        return [write_finding(CODE_WRITE, cmd, ctx, value, FS_SELF_TAMPER)]
    if effect.kind == "network-write":
        category = Category.DELETE if effect.call.endswith(".delete") else Category.WRITE
        return [
            _found(
                cmd,
                CODE_NETWORK,
                value or effect.call,
                f"{effect.call} changes a remote system",
                scope=Scope.REMOTE,
                category=category,
            )
        ]
    return [read_finding(CODE_READ, cmd, value or effect.call)]


def judge_python(source: str, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Findings for Python ``source``; code that does not parse is opaque."""
    effects = analyse(source)
    if effects is None:
        return [_opaque(cmd, "Python code that does not parse")]
    found: list[Finding] = []
    for effect in effects:
        found += _judge_effect(effect, cmd, ctx)
    return found or [read_finding(CODE_READ, cmd, "inline Python")]


def _inline(args: tuple[str, ...], flags: tuple[str, ...]) -> str | None:
    """The code after ``-c``/``-e``/``--eval`` (also ``-ce 'x'`` clusters for perl)."""
    for i, arg in enumerate(args):
        if arg in flags and i + 1 < len(args):
            return args[i + 1]
        for flag in flags:
            if flag.startswith("--") and arg.startswith(flag + "="):
                return arg.split("=", 1)[1]
    return None


_PY_VALUES = frozenset({"-W", "-X", "--check-hash-based-pycs", "-m", "-c"})


def _python_operands(args: Sequence[str]) -> list[str]:
    """The script (or ``-``) and its arguments: python reads options up to the first
    operand, and the value of ``-W``/``-X`` is no script (``python -W ignore x.py``)."""
    at = 0
    while at < len(args):
        arg = args[at]
        if arg == "--":
            return list(args[at + 1 :])
        if arg == "-" or not arg.startswith("-"):
            return list(args[at:])
        at += 2 if arg in _PY_VALUES else 1
    return []


def _python(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    args = cmd.args
    code = _inline(args, ("-c",))
    if code is not None:
        return judge_python(code, cmd, ctx)
    module = _inline(args, ("-m",))
    if module is not None:
        return _python_module(cmd, ctx, module)
    words = _python_operands(args)
    if cmd.stdin is not None and (not words or words[0] == "-"):
        return judge_python(cmd.stdin, cmd, ctx)
    if {"--version", "-V", "--help", "-h"} & set(args):
        return (read_finding(CODE_READ, cmd, "version or help"),)
    return (_script(cmd, ctx, words[0] if words else None),)


def _python_module(cmd: SimpleCommand, ctx: CommandContext, module: str) -> Iterable[Finding]:
    """``python -m pip install x`` is pip; other modules run as project tools."""
    from interlock.classify.commands import handler_for

    args = cmd.args
    rest = args[args.index("-m") + 2 :] if "-m" in args else ()
    known = ("pip", "uv", "twine", "interlock", "venv")
    handler = handler_for(module) if module in known else None
    if handler is not None:
        inner = SimpleCommand(
            argv=(module, *rest),
            text=cmd.text,
            assignments=cmd.assignments,
            wrappers=cmd.wrappers,
            elevated=cmd.elevated,
        )
        return handler(inner, ctx)
    return (
        _found(
            cmd,
            CODE_SCRIPT,
            f"python -m {module}",
            f"runs the module {module}",
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
        ),
    )


def _script(cmd: SimpleCommand, ctx: CommandContext, script: str | None) -> Finding:
    if script is None:
        return _found(
            cmd,
            CODE_SCRIPT,
            cmd.program,
            "an interactive interpreter",
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
        )
    from interlock.classify.commands.paths import protected

    where = place(script, ctx)
    local = where.scope is Scope.WORKSPACE and not protected(script, ctx)
    return _found(
        cmd,
        CODE_SCRIPT,
        script,
        f"runs the script {script} ({where.why}); its content is not analysed",
        scope=Scope.WORKSPACE if local else Scope.HOST,
        risk=Risk.LOW if local else Risk.MEDIUM,
    )


# Idioms in other languages: (pattern with the literal argument as group "arg", kind).
_STR = r"""\s*\(?\s*(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)"|`(?P<bq>[^`]*)`)?"""
_IDIOMS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "js": (
        (
            r"\b(?:rmSync|rmdirSync|unlinkSync|rm|rmdir|unlink|remove|removeSync|emptyDirSync)"
            r"\s*\(" + _STR,
            "delete",
        ),
        (
            r"\b(?:writeFileSync|appendFileSync|writeFile|appendFile|createWriteStream|"
            r"copyFileSync|renameSync|chmodSync)\s*\(" + _STR,
            "write",
        ),
        (r"\b(?:execSync|exec|spawnSync|spawn|execFileSync|execFile|fork)\s*\(" + _STR, "run"),
        (r"\b(?:eval|Function|vm\.run\w*|atob|Buffer\.from)\s*\(", "dynamic"),
        (r"Deno\.(?:remove|removeSync)\s*\(" + _STR, "delete"),
        (r"Deno\.(?:run|Command)\s*\(" + _STR, "run"),
    ),
    "perl": (
        (r"\b(?:unlink|rmdir|rmtree|remove_tree)" + _STR, "delete"),
        (r"\b(?:system|exec|qx)" + _STR, "run"),
        (r"`(?P<bq2>[^`]*)`", "run"),
        (r"\bopen\s*\(?\s*\w*\s*,?\s*['\"]\s*(?:>|\+<|\|)", "write"),
        (r"\beval\b", "dynamic"),
    ),
    "ruby": (
        (
            r"(?:rm_rf|rm_r|rm_f|\brm|remove_dir|remove_entry\w*|File\.delete|File\.unlink|"
            r"Dir\.rmdir|FileUtils\.remove\w*)" + _STR,
            "delete",
        ),
        (r"(?:system|exec|spawn|IO\.popen|Open3\.\w+|%x)" + _STR, "run"),
        (r"`(?P<bq2>[^`]*)`", "run"),
        (r"(?:File\.write|IO\.write|File\.open\s*\([^)]*['\"][wa])", "write"),
        (r"\b(?:eval|instance_eval|class_eval|send)\b", "dynamic"),
    ),
    "php": (
        (r"\b(?:unlink|rmdir)" + _STR, "delete"),
        (r"\b(?:system|exec|shell_exec|passthru|proc_open|popen)" + _STR, "run"),
        (r"`(?P<bq2>[^`]*)`", "run"),
        (r"\b(?:file_put_contents|fopen|rename|copy|chmod)" + _STR, "write"),
        (r"\b(?:eval|assert|create_function|base64_decode)\s*\(", "dynamic"),
    ),
    "tcl": (
        # ``exec rm -rf /`` and expect's ``spawn``: the words up to the end of the command
        (
            r"\b(?:exec|spawn)\s+(?:-ignorestderr\s+|-keepnewline\s+|--\s+)*(?P<raw>[^;\]\n]+)",
            "run",
        ),
        (r"\bfile\s+delete\s+(?:-force\s+)?(?:--\s+)?(?P<raw2>[^\s;\]]+)", "delete"),
        (r"\b(?:open\s+\S+\s+[\"{]?[wa]|file\s+(?:rename|copy|mkdir|attributes))", "write"),
        (r"\b(?:eval|uplevel|subst|source|interp)\b", "dynamic"),
    ),
    "r": (
        (r"\b(?:system|shell)\s*\(" + _STR, "run"),
        (r"\bsystem2\s*\(", "run"),
        (r"\b(?:unlink|file\.remove|file_delete|dir_delete)\s*\(" + _STR, "delete"),
        (
            r"\b(?:writeLines|write\.csv|write\.table|saveRDS|save|file\.create|sink|"
            r"file\.rename|file\.copy|cat\s*\([^)]*file\s*=|install\.packages|"
            r"remove\.packages|download\.file)",
            "write",
        ),
        (r"\b(?:eval|parse|source|do\.call|get)\s*\(", "dynamic"),
    ),
    "julia": (
        (r"\b(?:run|read|success|pipeline)\s*\(\s*`(?P<bq2>[^`]*)`", "run"),
        (r"\brm\s*\(" + _STR, "delete"),
        (r"\b(?:write|cp|mv|touch|mkpath|chmod|open\s*\([^)]*['\"][wa])\s*\(?", "write"),
        (r"\b(?:eval|Meta\.parse|include|include_string)\s*\(", "dynamic"),
    ),
    "lua": (
        (r"os\.remove" + _STR, "delete"),
        (r"(?:os\.execute|io\.popen)" + _STR, "run"),
        (r"io\.open\s*\([^)]*['\"][wa]", "write"),
        (r"\b(?:load|loadstring|dofile)\s*\(", "dynamic"),
    ),
}
#: Code that only prints: nothing in it reaches beyond standard output.
_PLAIN: Mapping[str, re.Pattern[str]] = {
    "js": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|`$]*$"),
    "perl": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|$@\\^~]*$"),
    "ruby": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|#@]*$"),
    "php": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|$]*$"),
    "lua": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>~#]*$"),
    "tcl": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|$#]*$"),
    "r": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|$@~^]*$"),
    "julia": re.compile(r"^[\s\w.,'\"+\-*/%()\[\]{}:;=<>!?&|$@^]*$"),
}
_REACHING = re.compile(
    r"require|import|process|fs\b|child_process|Deno|Bun|fetch|http|net\b|socket|File|Dir|"
    r"IO\b|open|system|exec|spawn|`|unlink|rmdir|write|os\.|io\.|eval|\$_(?:GET|POST)|curl|"
    r"Kernel|ObjectSpace|__"
)


def judge_code(language: str, code: str, cmd: SimpleCommand, ctx: CommandContext) -> list[Finding]:
    """Findings for inline code in a language other than Python."""
    from interlock.classify.commands.files import FS_SELF_TAMPER

    found: list[Finding] = []
    commands, code = commands_in(language, code)
    for text in commands:
        if text is None:
            found.append(_opaque(cmd, f"{language} code running a command built at run time"))
        else:
            found += [_ran(cmd, text), *shell_findings(text, cmd, ctx)]
    for pattern, kind in _IDIOMS[language]:
        for match in re.finditer(pattern, code):
            groups = match.groupdict()
            value = next(
                (v for k in ("sq", "dq", "bq", "bq2", "raw", "raw2") if (v := groups.get(k))), None
            )
            if value is not None and groups.get("raw"):
                value = _tcl_words(value)
            if kind == "dynamic":
                found.append(_opaque(cmd, f"{language} code that evaluates code"))
            elif value is None:
                found.append(
                    _found(
                        cmd,
                        CODE_WRITE,
                        cmd.program,
                        f"{language} code that {kind}s with an argument interlock cannot read",
                    )
                )
            elif kind == "run":
                found += [_ran(cmd, value), *shell_findings(value, cmd, ctx)]
            elif kind == "delete":
                found.append(delete_finding(CODE_DELETE, cmd, ctx, value, FS_SELF_TAMPER))
            else:
                found.append(write_finding(CODE_WRITE, cmd, ctx, value, FS_SELF_TAMPER))
    if found:
        return found
    if _PLAIN[language].match(code) and not _REACHING.search(code):
        return [read_finding(CODE_READ, cmd, f"inline {language}")]
    return [
        _found(
            cmd,
            CODE_WRITE,
            cmd.program,
            f"{language} code using facilities interlock does not analyse",
        )
    ]


def _tcl_words(text: str) -> str:
    """Tcl words as shell text: ``{...}`` quotes like ``'...'`` and ``[...]`` is a
    command substitution, which bash writes ``$(...)`` (so it stays computed)."""
    return text.strip().replace("{", "'").replace("}", "'").replace("[", "$(").replace("]", ")")


def _language_handler(language: str, flags: tuple[str, ...]) -> Handler:
    def handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
        args = cmd.args
        code = _inline(args, flags)
        if code is None and language == "perl":
            code = next(
                (
                    args[i + 1]
                    for i, a in enumerate(args[:-1])
                    if a.startswith("-") and not a.startswith("--") and a[-1] in "eE"
                ),
                None,
            )
        if code is not None:
            found = judge_code(language, code, cmd, ctx)
            if language == "perl" and any(
                a.startswith("-") and "i" in a[1:] and not a.startswith("--") for a in args
            ):
                found += _perl_in_place(cmd, ctx, code)
            return found
        if cmd.stdin is not None:
            return judge_code(language, cmd.stdin, cmd, ctx)
        if {"--version", "-v", "-V", "--help", "-h"} & set(args):
            return (read_finding(CODE_READ, cmd, "version or help"),)
        words = [a for a in args if not a.startswith("-")]
        if cmd.program in ("bun", "deno") and words and words[0] not in ("run", "eval"):
            return _runner(cmd, ctx)
        if cmd.program in ("bun", "deno") and words[:1] == ["run"]:
            words = words[1:]
        return (_script(cmd, ctx, words[0] if words else None),)

    return handle


def _perl_in_place(cmd: SimpleCommand, ctx: CommandContext, code: str) -> list[Finding]:
    from interlock.classify.commands.files import FS_SELF_TAMPER

    files = [a for a in cmd.args if not a.startswith("-") and a != code]
    return [write_finding(CODE_WRITE, cmd, ctx, f, FS_SELF_TAMPER) for f in files]


def _runner(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``bun install``/``deno task``: package-manager work, judged as such."""
    from interlock.classify.commands.packages import MANAGERS, judge_manager

    del ctx
    if cmd.program == "bun":
        return (judge_manager(cmd, MANAGERS["npm"]),)
    return (
        _found(
            cmd,
            CODE_SCRIPT,
            "deno",
            "runs a deno task in the project",
            scope=Scope.WORKSPACE,
            risk=Risk.LOW,
        ),
    )


def _awk(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    from interlock.classify.commands.awkcode import judge_awk

    return judge_awk(cmd, ctx)


def _osascript(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    code = "\n".join(cmd.args[i + 1] for i, a in enumerate(cmd.args[:-1]) if a == "-e")
    if not code:
        return (_script(cmd, ctx, next((a for a in cmd.args if not a.startswith("-")), None)),)
    shells = re.findall(r'do shell script\s+"((?:[^"\\]|\\.)*)"', code)
    if shells:
        found: list[Finding] = []
        for text in shells:
            found += [_ran(cmd, text), *shell_findings(text, cmd, ctx)]
        return found
    if re.fullmatch(r"\s*(?:display (?:dialog|notification)|say|log|return)\b[^\n]*", code):
        return (read_finding(CODE_READ, cmd, "AppleScript output"),)
    return (_found(cmd, CODE_WRITE, "AppleScript", "AppleScript can control any application"),)


def _pwsh(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    from interlock.classify.commands.powershell import judge_pwsh

    return judge_pwsh(cmd, ctx)


def _jvm_language(flags: tuple[str, ...]) -> Handler:
    """groovy, kotlin, scala, jshell, jrunscript: judged in jvmcode.py."""

    def handle(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
        from interlock.classify.commands.jvmcode import judge_command

        return judge_command(cmd, ctx, flags)

    return handle


def _shell_script(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``bash x.sh``: the walker unwraps ``bash -c`` and heredocs; a file is a script."""
    code = _inline(cmd.args, ("-c",))
    if code is not None:
        return shell_findings(code, cmd, ctx)
    if cmd.stdin is not None:
        return shell_findings(cmd.stdin, cmd, ctx)
    words = [a for a in cmd.args if not a.startswith(("-", "+"))]
    if not words:
        if {"--version", "--help"} & set(cmd.args):
            return (read_finding(CODE_READ, cmd, "version or help"),)
        return (_opaque(cmd, "a shell reading commands from its input"),)
    return (_script(cmd, ctx, words[0]),)


HANDLERS: Mapping[str, Handler] = {
    **dict.fromkeys(
        ("python", "python3", "python2", "pypy", "pypy3", "python3.11", "python3.12", "python3.13"),
        _python,
    ),
    "node": _language_handler("js", ("-e", "--eval", "-p", "--print")),
    "nodejs": _language_handler("js", ("-e", "--eval", "-p", "--print")),
    "deno": _language_handler("js", ("eval",)),
    "bun": _language_handler("js", ("-e", "--eval", "-p", "--print")),
    "perl": _language_handler("perl", ("-e", "-E")),
    "ruby": _language_handler("ruby", ("-e",)),
    "php": _language_handler("php", ("-r",)),
    "lua": _language_handler("lua", ("-e",)),
    "luajit": _language_handler("lua", ("-e",)),
    "Rscript": _language_handler("r", ("-e", "--expr")),
    "R": _language_handler("r", ("-e",)),
    "julia": _language_handler("julia", ("-e", "--eval", "-E", "--print")),
    "tclsh": _language_handler("tcl", ()),
    "wish": _language_handler("tcl", ()),
    "expect": _language_handler("tcl", ("-c",)),
    **dict.fromkeys(("awk", "gawk", "mawk", "nawk", "busybox-awk"), _awk),
    "osascript": _osascript,
    **{program: _jvm_language(flags) for program, flags in JVM_FLAGS.items()},
    "pwsh": _pwsh,
    "powershell": _pwsh,
    **dict.fromkeys(("bash", "sh", "zsh", "dash", "ksh", "fish", "tcsh", "csh"), _shell_script),
}

RULES: tuple[Rule, ...] = (
    CODE_READ,
    CODE_DELETE,
    CODE_WRITE,
    CODE_RUN,
    CODE_OPAQUE,
    CODE_SCRIPT,
    CODE_NETWORK,
    *SDK_RULES,
)
