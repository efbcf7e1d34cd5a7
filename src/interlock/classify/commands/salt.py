"""salt and its companion CLIs, judged on every minion a target matches.

``salt TARGET FUNCTION [ARGS]`` (and ``salt-ssh``, and ``salt-call`` on this host as
root) is judged by the function: ``cmd.run`` text is walked as shell on the minions,
``state.apply`` and ``cmd.script`` run code kept on the master (unreviewed, held),
``pkg.remove`` and ``service.stop`` delete, ``ssh.set_auth_key`` grants access, and
the read-only modules (``test``, ``grains``, ...) read. ``salt-key`` accepting keys
is privilege; ``salt-run`` runners are judged like minion functions. The option
grammar follows salt(1) (optparse); targets by grain or pillar (``-G env:prod``) are
placed by their value. The rules and the reach to the hosts are ``orchestration.py``'s.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping

from interlock.classify.command import CommandContext, Handler, SimpleCommand
from interlock.classify.commands.orchestration import (
    ORCH_MODULE_DELETE,
    ORCH_MODULE_WRITE,
    ORCH_PRIVILEGE,
    grammar,
    hosts_environment,
    orch_finding,
    parse,
    pattern_terms,
    read_finding,
    remote_shell,
    sent_findings,
    unreviewed_finding,
)
from interlock.classify.commands.paths import word_table
from interlock.models import Finding, Risk, Scope

_SALT = grammar(
    "tbclam",
    """
        --timeout --batch --batch-size --config-dir --log-level --auth --eauth --out
        --output --out-file --output-file --out-indent --return --return_config
        --return_kwargs --module-executors --executor-opts --args-separator --subset
        --batch-wait --log-file --log-file-level --state-output --state-verbose
        --delimiter --gather-job-timeout --metadata --pid-file --saltfile --roster
        --roster-file --priv --user --passwd --ssh-option --thin-extra-modules
        --extra-filerefs --jid --max-procs --port --sudo-user --master --file-root
        --pillar-root --states-dir --id --module-dirs --tgt-type --out-file-append
    """,
    """
        --raw --raw-shell --local --async --verbose --versions-report --version
        --doc --help --list --grain --grain-pcre --nodegroup --range --compound --pillar
        --pillar-pcre --ipcidr --pcre --static --hard-crash --sudo --ignore-host-keys
        --no-host-keys --wipe --refresh --retcode-passthrough --skip-grains
    """,
)
#: salt targeting flags whose target is ``KEY:VALUE`` (grains, pillar).
_SALT_BY_DATA = ("-G", "--grain", "-P", "--grain-pcre", "-I", "--pillar", "-J", "--pillar-pcre")
#: salt functions that send shell text (salt.modules.cmdmod).
_SALT_SHELL = word_table(
    """
        cmd.run cmd.shell cmd.run_all cmd.run_stdout cmd.run_stderr cmd.retcode
        cmd.run_bg cmd.run_chroot
    """
)
#: salt functions whose code is elsewhere: a state tree, a script on the master.
_SALT_UNREVIEWED = word_table(
    """
        state.apply state.highstate state.sls state.single state.top state.template
        state.template_str state.sls_id state.pkg state.request state.run_request
        state.orchestrate state.orch state.low state.high cmd.script cmd.script_retcode
        cmd.powershell cmd.powershell_all cp.get_file cp.get_dir saltutil.sync_all
        saltutil.sync_modules state.orchestrate_single
    """
)
#: salt modules every function of which reads (modules with writes are listed below).
_SALT_READ_MODULES = word_table("test grains pillar status sys jobs")
#: ``NAME=VALUE`` arguments salt passes as keyword arguments (salt.utils.args).
_SALT_KWARG = re.compile(r"^\w+=")
#: ``cmd.run`` keyword arguments that are not part of the command.
_CMD_KWARGS = word_table(
    """
        cwd stdin runas group shell python_shell env clean_env template rstrip umask
        output_encoding output_loglevel log_callback hide_output timeout reset_system_locale
        ignore_retcode saltenv use_vt password bg success_retcodes success_stdout
        success_stderr prepend_path redirect_stderr encoded_cmd raise_err
    """
)
_SALT_WRITES = word_table(
    """
        grains.setval grains.setvals grains.append grains.set grains.delval grains.delkey
        grains.remove network.mod_hostname manage.down
    """
)
_SALT_READ_VERBS = word_table(
    """
        list ls get show status info items item version versions ping exists search
        available which stats usage describe check diff doc is has contains find grep
        read raw lookup uptime loadavg all procs pid enabled disabled missing latest
        stat hash owner readlink readdir lstat head tail running file_exists
        directory_exists upgrade_available latest_version
    """
)
_SALT_GONE = word_table(
    """
        remove delete del purge stop kill drop destroy reboot shutdown halt poweroff
        disable rmdir rm uninstall wipe truncate flush umount unmount absent clear prune
        format mkfs dead revoke reject
    """
)
_SALT_GRANTS = word_table(
    """
        ssh.set_auth_key ssh.set_auth_key_from_file user.addgroup user.chgroups
        group.adduser group.members shadow.set_password user.chuid
    """
)
_SALT_FILE_READS = word_table("file.read file.readlines file.grep file.seek_read cp.get_file_str")
#: Languages ``cmd.exec_code`` runs, and the option that takes code.
_CODE_FLAGS = {"python": "-c", "python3": "-c", "python2": "-c", "bash": "-c", "sh": "-c"}
_CODE_FLAGS |= {"zsh": "-c", "perl": "-e", "ruby": "-e", "node": "-e"}


def _salt_call(
    cmd: SimpleCommand, ctx: CommandContext, function: str, args: list[str], *,
    env: str | None, where: str, local: bool,
) -> list[Finding]:  # fmt: skip
    """One salt function call on ``where`` (the minions, or this host for salt-call)."""
    what = f"{cmd.program} {function}"
    scope = Scope.HOST if local else Scope.REMOTE
    positional = [a for a in args if not _SALT_KWARG.match(a)]
    params = {k: v for k, _, v in (a.partition("=") for a in args if _SALT_KWARG.match(a))}
    test_run = params.get("test", "").lower() in ("true", "1", "yes")
    if function in _SALT_SHELL or function in ("cmd.exec_code", "cmd.exec_code_all"):
        text = _salt_text(function, positional, params)
        if text is None:
            return [read_finding(cmd, what, env, scope)]
        if local:
            return [
                read_finding(cmd, what, env, scope),
                *remote_shell(text, cmd, ctx, env, local=True),
            ]
        return sent_findings(cmd, ctx, text, where, env)
    module, _, name = function.partition(".")
    if module == "state" and (test_run or name.startswith(("show", "list", "running"))):
        return [read_finding(cmd, what, env, scope)]
    if function in _SALT_UNREVIEWED or "$" in function:
        why = f"{what} runs states or scripts that are not on the command line"
        return [unreviewed_finding(cmd, what, why, env, scope)]
    if function in _SALT_FILE_READS and positional:
        text = f"cat {shlex.quote(positional[0])}"
        return [
            read_finding(cmd, what, env, scope),
            *remote_shell(text, cmd, ctx, env, local=local),
        ]
    return [_salt_effect(cmd, what, function, env, scope)]


def _salt_effect(
    cmd: SimpleCommand, what: str, function: str, env: str | None, scope: Scope
) -> Finding:
    module, _, name = function.partition(".")
    verbs = set(name.split("_"))
    if function in _SALT_GRANTS:
        return orch_finding(
            ORCH_PRIVILEGE, cmd, what, f"{what} grants access", env, risk=Risk.HIGH, scope=scope
        )
    if verbs & _SALT_GONE or any(v in name for v in ("remove", "delete", "destroy", "purge")):
        why = f"{what} removes or stops something"
        return orch_finding(ORCH_MODULE_DELETE, cmd, what, why, env, risk=Risk.HIGH, scope=scope)
    if function not in _SALT_WRITES and (
        module in _SALT_READ_MODULES or name.split("_")[0] in _SALT_READ_VERBS
    ):
        return read_finding(cmd, what, env, scope)
    return orch_finding(
        ORCH_MODULE_WRITE, cmd, what, f"{what} changes the minions", env, scope=scope
    )


def _salt_text(function: str, positional: list[str], params: Mapping[str, str]) -> str | None:
    """The shell text a ``cmd.*`` call runs: its first argument or ``cmd=``, in
    ``cwd=``, fed ``stdin=``; ``cmd.exec_code LANG CODE`` as ``LANG -c CODE``."""
    if function.startswith("cmd.exec_code"):
        if len(positional) < 2:
            return None
        lang, code = posixpath.basename(positional[0]), positional[1]
        flag = _CODE_FLAGS.get(lang)
        return shlex.join([lang, flag, code]) if flag else "$UNKNOWN_LANGUAGE_CODE"
    text = params.get("cmd") or (positional[0] if positional else "")
    if not text.strip():  # ``FOO=1 make`` is read by salt as a keyword argument
        text = " ".join(f"{k}={v}" for k, v in params.items() if k not in _CMD_KWARGS)
    if not text.strip():
        return None
    if params.get("cwd"):
        text = f"cd {shlex.quote(params['cwd'])} && {text}"
    return f"{text} <<< {shlex.quote(params['stdin'])}" if params.get("stdin") else text


def _salt(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """``salt [options] TARGET FUNCTION [ARGS]``, ``salt-ssh`` the same over ssh (and
    ``-r CMD`` for a raw shell command), ``salt-call FUNCTION [ARGS]`` on this host."""
    parsed = parse(cmd.args, _SALT)
    local = cmd.program == "salt-call"
    operands = parsed.operands
    if parsed.has("--version", "-V", "--versions-report", "-h", "--help", "-d", "--doc"):
        return (read_finding(cmd, cmd.program, ctx.environment, Scope.WORKSPACE),)
    target = "" if local else (operands[0] if operands else "")
    rest = operands if local else operands[1:]
    if parsed.has(*_SALT_BY_DATA):  # ``-G env:prod`` targets by a grain's value
        target = target.rpartition(":")[2]
    terms = pattern_terms(target)
    env = ctx.environment if local else hosts_environment(ctx, parsed.every("--roster-file"), terms)
    where = "this host as root" if local else f"minions {target!r}"
    if cmd.program == "salt-ssh" and parsed.has("-r", "--raw", "--raw-shell"):
        return (
            sent_findings(cmd, ctx, " ".join(rest), where, env)
            if rest
            else (read_finding(cmd, "salt-ssh", env),)
        )
    if not rest:
        return (read_finding(cmd, cmd.program, env, Scope.HOST if local else Scope.REMOTE),)
    functions = rest[0].split(",")
    found: list[Finding] = []
    for function in functions:
        each = len(functions) > 1 and function in _SALT_SHELL
        # ``salt '*' test.ping,cmd.run '' 'ls'``: which words go to which function is
        # salt's business, so each word is tried as the command
        for args in [[a] for a in rest[1:] or [""]] if each else [rest[1:]]:
            found += _salt_call(cmd, ctx, function, args, env=env, where=where, local=local)
    return found


_SALT_KEY = grammar(
    "lapdrf",
    "--list --accept --reject --delete --finger --print --gen-keys --gen-keys-dir",
    "--accept-all --reject-all --delete-all --finger-all --print-all --list-all --yes",
)


def _salt_key(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """salt-key: accepting a minion's key lets it read its pillar (secrets) and
    receive commands; deleting or rejecting keys cuts minions off."""
    parsed = parse(cmd.args, _SALT_KEY)
    what = "salt-key"
    if parsed.has("-a", "-A", "--accept", "--accept-all"):
        why = "salt-key accepts minion keys"
        return (orch_finding(ORCH_PRIVILEGE, cmd, what, why, ctx.environment, risk=Risk.HIGH),)
    if parsed.has("-d", "-D", "--delete", "--delete-all", "-r", "-R", "--reject", "--reject-all"):
        why = "salt-key deletes or rejects minion keys"
        return (orch_finding(ORCH_MODULE_DELETE, cmd, what, why, ctx.environment, risk=Risk.HIGH),)
    return (read_finding(cmd, what, ctx.environment),)


def _salt_run(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """salt-run FUNCTION [ARGS]: a runner on the master (``state.orchestrate`` drives
    every minion); judged by the function like a minion call."""
    parsed = parse(cmd.args, _SALT)
    if not parsed.operands:
        return (read_finding(cmd, "salt-run", ctx.environment),)
    function, args = parsed.operands[0], parsed.operands[1:]
    return _salt_call(
        cmd, ctx, function, args, env=ctx.environment, where="the salt master", local=False
    )


HANDLERS: Mapping[str, Handler] = {
    "salt": _salt,
    "salt-ssh": _salt,
    "salt-call": _salt,
    "salt-run": _salt_run,
    "salt-key": _salt_key,
}
