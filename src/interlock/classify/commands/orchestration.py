"""Remote orchestration, shared: the orch-* rules and how a line reaches its hosts.

One line of ansible (``ansible.py``), salt (``salt.py``) or a parallel shell
(``parallelshell.py``) runs a command, a module or a whole playbook on every host of
an inventory or a target pattern, so each is judged by what it would do there:

* A command sent to the hosts (``ansible -m shell|command|raw -a ARGS``, salt's
  ``cmd.run``, ``pdsh -w HOSTS CMD``) is walked as shell run remotely, exactly as
  ``ssh host CMD`` is (``shell_findings._reach``): ``rm -rf /`` inside is held.
* An ansible module or salt function is judged by its name and arguments: facts,
  pings and listings read; ``state=absent``, ``pkg.remove``, ``service.stop`` delete;
  keys and sudo groups are privilege; anything else, known or not, writes.
* A playbook, a salt state or a script kept on the master is code no one reviewed
  here: opaque and held, like ``terraform apply`` without a plan (``terraform.py``).

The hosts are placed in an environment through the configuration's ``hosts``,
``names`` and ``paths`` globs: the inventory (``-i prod``, ``-i
inventories/production/hosts``) decides when it resolves; otherwise every host term
of the pattern must resolve, or the environment is unknown (which the floor treats
as protected). ``parse`` reads the three tools' option grammars, which differ only in
their tables (argparse and optparse: options may follow operands, long names may be
abbreviated). The rules live here, once for the three families, and this module is
registered as a family without handlers, as ``cloudverbs`` is.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import word_table
from interlock.classify.unwrap import long_option
from interlock.models import Category, Finding, Risk, Scope

ORCH_READ = Rule(
    "orch-read",
    Category.READ,
    "Listing inventories and hosts, pinging, gathering facts, dry runs and documentation "
    "of an orchestration tool.",
    (
        "ansible all -i prod -m ping",
        "ansible web --list-hosts",
        "ansible-playbook -i prod site.yml --check",
        "ansible-inventory -i prod --list",
        "salt '*' test.ping",
        "salt '*' grains.items",
    ),
)
ORCH_REMOTE_COMMAND = Rule(
    "orch-remote-command",
    Category.READ,
    "A command sent to every host of an inventory, pattern or host list. The sending "
    "only reads; the command itself is judged as shell run on those hosts, as if through "
    "ssh, so a delete inside is held.",
    (
        "ansible all -i prod -m shell -a uptime",
        "ansible web -a 'df -h'",
        "salt '*' cmd.run 'df -h'",
        "pdsh -w web[1-4] uptime",
        "clush -w node[1-9] uptime",
    ),
)
ORCH_MODULE_WRITE = Rule(
    "orch-module-write",
    Category.WRITE,
    "An ansible module or salt function that changes the hosts (files, packages, users, "
    "services, configuration), or one not known to be harmless.",
    (
        "ansible web -m copy -a 'src=app.conf dest=/etc/app.conf'",
        "ansible web -b -m apt -a 'name=nginx state=present'",
        "salt '*' pkg.install nginx",
        "ansible all -m some_custom_module",
    ),
)
ORCH_MODULE_DELETE = Rule(
    "orch-module-delete",
    Category.DELETE,
    "An ansible module whose arguments remove or stop something (state=absent, "
    "stopped, ...) or that reboots, or a salt function that removes, deletes, stops, "
    "purges or reboots.",
    (
        "ansible db -m file -a 'path=/var/lib/mysql state=absent'",
        "ansible web -m service -a 'name=nginx state=stopped'",
        "ansible db -m mysql_db -a 'name=app state=absent'",
        "ansible all -m reboot",
        "salt '*' pkg.remove nginx",
        "salt '*' file.remove /etc/app.conf",
    ),
)
ORCH_PRIVILEGE = Rule(
    "orch-privilege",
    Category.PRIVILEGE,
    "Granting access on the hosts: ssh authorized keys, sudoers, accounts added to "
    "administrative groups, salt minion keys accepted by the master.",
    (
        "ansible all -m authorized_key -a 'user=root key=ssh-ed25519...'",
        "ansible all -m user -a 'name=eve groups=sudo append=yes'",
        "salt '*' ssh.set_auth_key root AAAAB3Nza",
        "salt-key -A",
    ),
)
ORCH_UNREVIEWED = Rule(
    "orch-unreviewed-run",
    Category.OPAQUE,
    "Running code that is not on the command line against hosts: an ansible playbook, "
    "a salt state or highstate, a script kept on the salt master, ansible-pull's "
    "repository or an interactive console. Held like terraform apply without a plan.",
    (
        "ansible-playbook -i prod teardown.yml",
        "salt '*' state.apply",
        "salt-call state.highstate",
        "salt '*' cmd.script salt://scripts/cleanup.sh",
        "ansible-pull -U https://git.example.com/infra.git",
    ),
)


# -- option grammar --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grammar:
    """One tool's options: short letters and long names that take a value, and every
    long name with the shortest prefix the parser accepts for it."""

    short_values: str
    long_values: frozenset[str]
    longs: Mapping[str, int]


def grammar(short_values: str, long_values: str, long_flags: str) -> Grammar:
    """A grammar whose long options may be abbreviated to any unique prefix, as
    argparse and optparse accept (``--inv`` for ``--inventory``)."""
    values = word_table(long_values)
    names = sorted(values | word_table(long_flags))
    shortest: dict[str, int] = {}
    for name in names:
        length = 3
        while length < len(name) and any(o != name and o.startswith(name[:length]) for o in names):
            length += 1
        shortest[name] = length
    return Grammar(short_values, values, shortest)


@dataclass(slots=True)
class Parsed:
    """Options and operands of one command line. ``values`` maps an option (``-m`` or
    its full long name) to every value given, in order; ``flags`` holds the rest."""

    values: dict[str, list[str]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    operands: list[str] = field(default_factory=list)

    def last(self, *names: str) -> str | None:
        """The value given last under any of ``names``."""
        found = [v for n in names for v in self.values.get(n, ())]
        return found[-1] if found else None

    def every(self, *names: str) -> list[str]:
        return [v for n in names for v in self.values.get(n, ())]

    def has(self, *names: str) -> bool:
        return any(n in self.flags or n in self.values for n in names)


def parse(args: Sequence[str], spec: Grammar, *, permute: bool = True) -> Parsed:
    """Read ``args`` with ``spec``. ``unwrap.valued_options`` yields values alone; the
    operands (the host pattern, the salt function) and flags matter here too.
    ``permute``: options may follow operands (argparse); otherwise the first operand
    ends the options, as with the parallel shells, whose command follows them."""
    out = Parsed()
    i, n = 0, len(args)
    while i < n:
        word = args[i]
        i += 1
        if word == "--":
            out.operands.extend(args[i:])
            break
        if not word.startswith("-") or word == "-":
            out.operands.append(word)
            if not permute:
                out.operands.extend(args[i:])
                break
            continue
        if word.startswith("--"):
            known = long_option(word, spec.longs)
            name = known[0] if known else word.partition("=")[0]
            if "=" in word:
                out.values.setdefault(name, []).append(word.partition("=")[2])
            elif name in spec.long_values and i < n:
                out.values.setdefault(name, []).append(args[i])
                i += 1
            else:
                out.flags.add(name)
            continue
        i = _short(word, args, i, spec, out)
    return out


def _short(word: str, args: Sequence[str], i: int, spec: Grammar, out: Parsed) -> int:
    """A cluster such as ``-bK``, ``-mshell``, ``-m=shell`` or ``-bm shell``."""
    for pos in range(1, len(word)):
        letter = word[pos]
        if letter not in spec.short_values:
            out.flags.add(f"-{letter}")
            continue
        rest = word[pos + 1 :]
        if rest:  # argparse reads ``-m=shell`` as ``-m shell``
            out.values.setdefault(f"-{letter}", []).append(rest.removeprefix("="))
        elif i < len(args):
            out.values.setdefault(f"-{letter}", []).append(args[i])
            i += 1
        break
    return i


# -- environments ----------------------------------------------------------------------


def _protected(ctx: CommandContext, name: str) -> bool:
    env = ctx.config.environment(name)
    return env is None or env.protected


def _pick(ctx: CommandContext, names: Iterable[str | None]) -> str | None:
    """The first protected environment among ``names``, else the first one."""
    found = [n for n in names if n]
    return next((n for n in found if _protected(ctx, n)), found[0] if found else None)


def _host_env(ctx: CommandContext, term: str) -> str | None:
    return _pick(ctx, (ctx.resolve_environment(k, term) for k in ("hosts", "names")))


def _source_env(ctx: CommandContext, source: str) -> str | None:
    """The environment of an inventory or host file: ``prod``, ``host1,host2,``,
    ``inventories/production/hosts``, ``hosts-prod.yml``. Only the path as written, the
    file's own name and its directory's name count: the directories above an absolute
    path (``/home/dev/...``) say nothing about the hosts."""
    if "," in source and "/" not in source:
        return _all_or_none(ctx, [h for h in source.split(",") if h])
    norm = posixpath.normpath(source)
    stem = posixpath.basename(norm).partition(".")[0]
    parent = posixpath.basename(posixpath.dirname(norm))
    names = [] if norm.startswith("/") else [ctx.resolve_environment("paths", norm)]
    names += [_host_env(ctx, part) for part in (source, stem, parent) if part]
    return _pick(ctx, names)


def _all_or_none(ctx: CommandContext, terms: Sequence[str]) -> str | None:
    """The environment of a union of hosts: a protected one if any term names one;
    otherwise known only when every term resolves."""
    names = [_host_env(ctx, t) for t in terms]
    best = _pick(ctx, names)
    if best and _protected(ctx, best):
        return best
    return best if names and all(names) else None


def hosts_environment(
    ctx: CommandContext, sources: Sequence[str], terms: Sequence[str]
) -> str | None:
    """Where the hosts are: ``sources`` are inventories or host files (each the whole
    set of hosts), ``terms`` host names or pattern parts narrowing them. A term can
    only make a known inventory stricter."""
    if ctx.environment:
        return ctx.environment
    if not sources:
        return _all_or_none(ctx, terms)
    strict = [n for n in (_host_env(ctx, t) for t in terms) if n and _protected(ctx, n)]
    found = [_source_env(ctx, s) for s in sources]
    return _pick(ctx, [*found, *strict] if all(found) else strict)


def pattern_terms(pattern: str) -> list[str]:
    """The host terms of an ansible pattern or salt target: ``web:&prod:!db1``,
    ``G@env:prod and web*``, ``host1,host2``. Excluded terms narrow, so they are
    dropped; ``all`` and ``*`` name no environment and stay unresolved."""
    terms: list[str] = []
    negate = False
    for piece in re.split(r"[\s,]+", pattern):
        if piece.lower() in ("and", "or", "not"):
            negate = piece.lower() == "not"
            continue
        if negate:
            negate = False
            continue
        if re.match(r"^[A-Za-z]@", piece):  # salt compound: G@env:prod is the grain value
            terms.append(piece.rpartition(":")[2])
            continue
        terms += [t.lstrip("&") for t in piece.split(":") if t and not t.startswith("!")]
    return [t for t in terms if t]


# -- findings --------------------------------------------------------------------------


def orch_finding(
    rule: Rule,
    cmd: SimpleCommand,
    target: str,
    why: str,
    env: str | None,
    *,
    risk: Risk = Risk.MEDIUM,
    scope: Scope = Scope.REMOTE,
) -> Finding:
    """A finding placed on the hosts a line reaches (``scope``: ``HOST`` when the tool
    runs here, as salt-call and ansible-pull do), in the hosts' environment."""
    return finding(
        rule, cmd, scope=scope, target=target, explanation=why, risk=risk, environment=env
    )


def remote_shell(
    text: str, cmd: SimpleCommand, ctx: CommandContext, env: str | None, *, local: bool = False
) -> list[Finding]:
    """``text`` walked as shell run on the hosts, each finding moved there as
    ``shell_findings._reach`` moves what runs through ssh. ``local``: it runs here as
    root (salt-call), so workspace effects reach the host instead."""
    from interlock.classify.commands.interpreters import shell_findings

    out: list[Finding] = []
    for f in shell_findings(text, cmd, ctx):
        if local:
            out.append(
                dataclasses.replace(f, scope=Scope.HOST) if f.scope is Scope.WORKSPACE else f
            )
        elif not (f.scope is Scope.REMOTE and f.environment):
            out.append(dataclasses.replace(f, scope=Scope.REMOTE, environment=f.environment or env))
        else:
            out.append(f)
    return out


def sent_findings(
    cmd: SimpleCommand, ctx: CommandContext, text: str, where: str, env: str | None
) -> list[Finding]:
    """The sending of ``text`` to ``where`` (a read) and what ``text`` does there."""
    fact = orch_finding(
        ORCH_REMOTE_COMMAND,
        cmd,
        f"{cmd.program} {where}",
        f"{cmd.program} runs {text!r} on {where}; the command is judged below",
        env,
        risk=Risk.NONE,
    )
    return [fact, *remote_shell(text, cmd, ctx, env)]


def read_finding(
    cmd: SimpleCommand, what: str, env: str | None, scope: Scope = Scope.REMOTE
) -> Finding:
    """What only reads on the hosts: no risk, but the environment is still recorded."""
    return orch_finding(
        ORCH_READ, cmd, what, f"{what} only reads", env, risk=Risk.NONE, scope=scope
    )


def unreviewed_finding(
    cmd: SimpleCommand, what: str, why: str, env: str | None, scope: Scope = Scope.REMOTE
) -> Finding:
    """Code that is not on the command line runs on the hosts, so nothing here can
    judge it: held, like ``terraform apply`` without a plan."""
    return orch_finding(ORCH_UNREVIEWED, cmd, what, why, env, risk=Risk.HIGH, scope=scope)


HANDLERS: Mapping[str, Handler] = {}

RULES: tuple[Rule, ...] = (
    ORCH_READ,
    ORCH_REMOTE_COMMAND,
    ORCH_MODULE_WRITE,
    ORCH_MODULE_DELETE,
    ORCH_PRIVILEGE,
    ORCH_UNREVIEWED,
)
