"""Terraform, OpenTofu and Terragrunt command lines.

What a ``terraform`` line does depends on its subcommand and a few flags
(Terraform CLI documentation, "Basic CLI Features"): ``plan``/``show``/``state
list`` read; ``init``/``fmt`` write only the working directory; ``apply`` changes
infrastructure — reviewed when it applies a saved plan file (the plan itself is
judged through the plan path, ``classify/tfplan``), unreviewed otherwise;
``destroy``, ``apply -destroy``, ``state rm``, ``state push``, ``force-unlock`` and
``workspace delete`` delete; ``-replace=ADDR`` and ``taint`` replace.

The environment comes from the command itself: ``TF_WORKSPACE``, the workspace a
``workspace`` subcommand names, ``-chdir=DIR`` or the working directory (matched as
paths), and ``-var-file`` names (``prod.tfvars`` reads as workspace ``prod``).
Terragrunt lines are unwrapped (``run-all``, ``run --all``, ``*-all``) and judged as
the Terraform command they run, across every module below the working directory.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand
from interlock.classify.commands.cloudverbs import emit, resolve, variable
from interlock.models import Category, Finding, Risk, Scope

R = Rule
RULES: tuple[Rule, ...] = (
    R("tf-read", Category.READ, "Terraform command that only reads state or configuration",
      ("terraform plan -out=tf.plan", "tofu state list", "terraform output -json")),
    R("tf-local", Category.WRITE, "Terraform command that writes only the working directory",
      ("terraform init -upgrade", "terraform fmt -recursive", "terraform workspace select dev")),
    R("tf-apply-without-plan", Category.OPAQUE,
      "apply without a saved, reviewed plan file: changes no one can see before they "
      "happen, deletions and replacements included, so it is held like anything not "
      "understood (apply a saved plan instead: its contents are judged)",
      ("terraform apply -auto-approve", "tofu apply", "terragrunt run-all apply")),
    R("tf-apply-plan", Category.WRITE,
      "apply of a saved plan file (its contents are judged through the plan path)",
      ("terraform apply tf.plan",)),
    R("tf-destroy", Category.DELETE, "destroys every resource the configuration manages",
      ("terraform destroy -auto-approve", "terraform apply -destroy",
       "terragrunt run-all destroy")),
    R("tf-replace", Category.REPLACE, "forces resources to be destroyed and re-created",
      ("terraform apply -replace=aws_db_instance.main", "terraform taint aws_instance.web")),
    R("tf-state-rm", Category.DELETE,
      "removes resources from state: Terraform forgets them and may re-create them",
      ("terraform state rm aws_s3_bucket.logs",)),
    R("tf-state-push", Category.DELETE, "overwrites the remote state with a local file",
      ("terraform state push terraform.tfstate",)),
    R("tf-force-unlock", Category.DELETE,
      "removes a state lock another run may hold: concurrent writes can corrupt state",
      ("terraform force-unlock 1234-5678",)),
    R("tf-workspace-delete", Category.DELETE, "deletes a workspace and its state",
      ("terraform workspace delete staging",)),
    R("tf-state-write", Category.WRITE,
      "changes state without touching resources (mv, import, refresh, untaint, new workspace)",
      ("terraform state mv a.b a.c", "terraform import aws_instance.a i-1",
       "terraform refresh", "terraform workspace new qa")),
    R("tf-test", Category.WRITE, "terraform test creates and destroys real infrastructure",
      ("terraform test",)),
    R("tf-login", Category.WRITE, "stores or removes registry credentials in the home directory",
      ("terraform login app.terraform.io",)),
    R("tf-unknown", Category.WRITE, "Terraform subcommand interlock does not know",
      ("terraform frobnicate",)),
)  # fmt: skip
_RULE = {r.rule_id: r for r in RULES}

#: Flags that take a separate value (Go's flag package also accepts ``-flag value``).
_VALUE_FLAGS = frozenset(
    {"-var", "-var-file", "-target", "-replace", "-out", "-state", "-state-out", "-backup",
     "-chdir", "-lock-timeout", "-parallelism", "-backend-config", "-plugin-dir", "-filter",
     "-test-directory", "-generate-config-out", "-exclude", "-from-module", "-type"}
)  # fmt: skip
_READ = frozenset(
    {"plan", "show", "validate", "output", "version", "graph", "console", "modules",
     "metadata", "help", "query"}
)  # fmt: skip
_LOCAL = frozenset({"init", "get", "fmt"})
_STATE_READ = frozenset({"list", "show", "pull"})
_STATE_WRITE = frozenset({"mv", "replace-provider", "identities"})
_TG_VALUE = frozenset(
    {"--terragrunt-working-dir", "--working-dir", "--terragrunt-config", "--config",
     "--terragrunt-log-level", "--log-level", "--terragrunt-iam-role", "--iam-assume-role",
     "--queue-include-dir", "--queue-exclude-dir", "--terragrunt-include-dir",
     "--terragrunt-exclude-dir", "--terragrunt-parallelism", "--parallelism",
     "--terragrunt-source", "--source", "--terragrunt-download-dir", "--download-dir"}
)  # fmt: skip
_TG_READ = frozenset(
    {"hclfmt", "graph-dependencies", "render-json", "output-module-groups", "validate-inputs",
     "terragrunt-info", "info", "find", "list", "dag", "render", "hcl"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Line:
    """A Terraform invocation: subcommand, its flags and positionals, and where it runs."""

    sub: str
    rest: tuple[str, ...]
    flags: Mapping[str, tuple[str, ...]]
    positionals: tuple[str, ...]
    chdir: str | None
    every_module: bool = False


def _parse(args: Sequence[str], *, every_module: bool = False, chdir: str | None = None) -> _Line:
    """Read global options, the subcommand and its flags (``--x`` is ``-x``)."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name, _, value = args[i].lstrip("-").partition("=")
        if name == "chdir":
            chdir = value or (args[i + 1] if i + 1 < len(args) else None)
            i += 0 if value else 1
        elif name in ("version", "v", "help", "h"):
            return _Line("version" if name.startswith("v") else "help", (), {}, (), chdir)
        i += 1
    sub = args[i] if i < len(args) else "help"
    rest = tuple(args[i + 1 :])
    flags: dict[str, list[str]] = {}
    positionals: list[str] = []
    j = 0
    while j < len(rest):
        word = rest[j]
        if word.startswith("-") and len(word) > 1:
            name, eq, value = ("-" + word.lstrip("-")).partition("=")
            if not eq and name in _VALUE_FLAGS and j + 1 < len(rest):
                value, j = rest[j + 1], j + 1
            flags.setdefault(name, []).append(value)
        else:
            positionals.append(word)
        j += 1
    frozen = {k: tuple(v) for k, v in flags.items()}
    return _Line(sub, rest, frozen, tuple(positionals), chdir, every_module)


def _environment(
    line: _Line, cmd: SimpleCommand, ctx: CommandContext, ws: str | None
) -> str | None:
    workspace = ws or variable(cmd, ctx, "TF_WORKSPACE")
    where = line.chdir
    if where and ctx.cwd and not where.startswith("/"):
        where = posixpath.normpath(posixpath.join(ctx.cwd, where))
    var_files = [posixpath.basename(v).split(".")[0] for v in line.flags.get("-var-file", ())]
    return resolve(
        ctx,
        ("workspaces", workspace),
        ("paths", where),
        ("paths", ctx.cwd if not where else None),
        *(("workspaces", v) for v in var_files),
    )


def _judge(line: _Line) -> tuple[str, Category | None, Risk | None, str, str | None]:
    """(rule id, category override, risk, what it does, workspace named) for ``line``."""
    sub, pos, flags = line.sub, line.positionals, line.flags
    if sub in ("-help", "--help") or "-help" in flags or "-h" in flags:
        return "tf-read", None, None, "shows help", None
    if sub in _READ:
        return "tf-read", None, None, f"runs `{sub}`, which only reads", None
    if sub == "fmt" and ("-check" in flags or flags.get("-write") == ("false",)):
        return "tf-read", None, None, "checks formatting without writing", None
    if sub in _LOCAL:
        if "-migrate-state" in flags or "-force-copy" in flags:
            return "tf-state-write", None, Risk.HIGH, "migrates state to another backend", None
        return "tf-local", None, None, f"runs `{sub}` in the working directory", None
    if sub in ("apply", "destroy"):
        return _judge_apply(line)
    if sub == "taint":
        return "tf-replace", None, None, f"marks {_first(pos)} for replacement", None
    if sub == "untaint":
        return "tf-state-write", None, Risk.LOW, f"clears the taint on {_first(pos)}", None
    if sub in ("import", "refresh"):
        risk = Risk.LOW if sub == "refresh" else None
        return "tf-state-write", None, risk, f"runs `{sub}`, which writes state", None
    if sub == "state":
        return _judge_state(pos)
    if sub == "workspace":
        return _judge_workspace(pos)
    if sub == "providers":
        if pos[:1] in (("lock",), ("mirror",)):
            return "tf-local", None, None, f"runs `providers {pos[0]}` locally", None
        return "tf-read", None, None, "lists providers", None
    if sub == "force-unlock":
        return "tf-force-unlock", None, Risk.HIGH, f"force-unlocks state lock {_first(pos)}", None
    if sub == "test":
        return "tf-test", None, None, "creates and destroys real test infrastructure", None
    if sub in ("login", "logout"):
        return "tf-login", None, Risk.LOW, f"runs `{sub}` for {_first(pos, 'the registry')}", None
    return "tf-unknown", None, None, f"runs unknown subcommand `{sub}`", None


def _judge_apply(line: _Line) -> tuple[str, Category | None, Risk | None, str, str | None]:
    flags, scope = line.flags, " in every module" if line.every_module else ""
    many = Risk.CRITICAL if line.every_module else None
    if line.sub == "destroy" or "-destroy" in flags:
        return "tf-destroy", None, Risk.CRITICAL, f"destroys all managed resources{scope}", None
    if "-replace" in flags:
        what = ", ".join(flags["-replace"])
        return "tf-replace", None, many, f"destroys and re-creates {what}{scope}", None
    if line.positionals:
        return "tf-apply-plan", None, None, f"applies saved plan {line.positionals[0]}", None
    if "-refresh-only" in flags:
        return "tf-state-write", None, Risk.LOW, "updates state to match real resources", None
    auto = " without confirmation" if "-auto-approve" in flags else ""
    text = f"applies changes no one reviewed as a saved plan{auto}{scope}"
    return "tf-apply-without-plan", None, many or Risk.HIGH, text, None


def _judge_state(pos: Sequence[str]) -> tuple[str, Category | None, Risk | None, str, str | None]:
    verb, targets = (pos[0], ", ".join(pos[1:]) or "?") if pos else ("list", "")
    if verb in _STATE_READ:
        return "tf-read", None, None, f"runs `state {verb}`, which only reads", None
    if verb == "rm":
        return "tf-state-rm", None, None, f"removes {targets} from state", None
    if verb == "push":
        return "tf-state-push", None, Risk.CRITICAL, f"overwrites remote state with {targets}", None
    if verb in _STATE_WRITE:
        return "tf-state-write", None, None, f"runs `state {verb}` on {targets}", None
    return "tf-unknown", None, None, f"runs unknown `state {verb}`", None


def _judge_workspace(
    pos: Sequence[str],
) -> tuple[str, Category | None, Risk | None, str, str | None]:
    verb = pos[0] if pos else "show"
    name = pos[-1] if len(pos) > 1 else None
    if verb in ("list", "show"):
        return "tf-read", None, None, f"runs `workspace {verb}`", None
    if verb == "select":
        return "tf-local", None, Risk.LOW, f"selects workspace {name}", name
    if verb == "new":
        return "tf-state-write", Category.CREATE, Risk.LOW, f"creates workspace {name}", name
    if verb == "delete":
        return "tf-workspace-delete", None, None, f"deletes workspace {name} and its state", name
    return "tf-unknown", None, None, f"runs unknown `workspace {verb}`", name


def _first(pos: Sequence[str], default: str = "?") -> str:
    return pos[0] if pos else default


def _findings(cmd: SimpleCommand, ctx: CommandContext, line: _Line) -> Iterable[Finding]:
    rule_id, category, risk, what, workspace = _judge(line)
    rule = _RULE[rule_id]
    env = _environment(line, cmd, ctx, workspace)
    local = rule_id == "tf-local" or (rule_id == "tf-read" and line.sub in ("help", "version"))
    scope = Scope.HOST if rule_id == "tf-login" else Scope.WORKSPACE if local else Scope.REMOTE
    where = line.chdir or ctx.cwd or "the working directory"
    target = f"{cmd.program} {line.sub} in {where}"
    return (emit(rule, cmd, target=target, explanation=f"{cmd.program} {what}",
                 environment=env, category=category, scope=scope, risk=risk),)  # fmt: skip


def handle_terraform(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``terraform`` and ``tofu``."""
    return _findings(cmd, ctx, _with_cli_args(cmd, ctx, cmd.args))


def _with_cli_args(cmd: SimpleCommand, ctx: CommandContext, args: Sequence[str]) -> _Line:
    """``args`` as Terraform reads them: ``TF_CLI_ARGS`` and ``TF_CLI_ARGS_<subcommand>``
    are inserted right after the subcommand (Terraform's "Environment Variables"), so
    ``TF_CLI_ARGS_apply=-destroy terraform apply`` destroys like ``apply -destroy``."""
    line = _parse(args)
    extra: list[str] = []
    for name in ("TF_CLI_ARGS", f"TF_CLI_ARGS_{line.sub}"):
        value = variable(cmd, ctx, name)
        if value:
            try:
                extra += shlex.split(value)
            except ValueError:
                extra += value.split()
    if not extra:
        return line
    at = len(args) - len(line.rest)
    return _parse([*args[:at], *extra, *args[at:]])


def handle_terragrunt(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    """Findings for ``terragrunt``: the Terraform command it runs, in one or all modules."""
    args, every, chdir = _strip_terragrunt(cmd.args)
    if args and args[0] in _TG_READ:
        return _findings(cmd, ctx, _Line("show", tuple(args), {}, (), chdir))
    return _findings(cmd, ctx, _parse(args, every_module=every, chdir=chdir))


def _strip_terragrunt(args: Sequence[str]) -> tuple[list[str], bool, str | None]:
    """Remove Terragrunt's own flags and ``run-all``/``run --all`` wrappers."""
    out: list[str] = []
    every, chdir = False, None
    i = 0
    while i < len(args):
        word = args[i]
        name, eq, value = word.partition("=")
        if name in _TG_VALUE:
            if not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if "working-dir" in name:
                chdir = value
        elif name in ("--all", "--terragrunt-all") or word == "run-all":
            every = True
        elif word.startswith(("--terragrunt-", "--tg-")) or word in ("--non-interactive", "--"):
            pass
        elif word == "run" and not out:
            pass  # `terragrunt run [--all] -- CMD`
        elif (
            word.endswith("-all")
            and not out
            and word[:-4] in ("apply", "destroy", "plan", "output", "validate")
        ):
            every = True
            out.append(word[:-4])
        else:
            out.append(word)
        i += 1
    return out, every, chdir


HANDLERS: Mapping[str, Handler] = {
    "terraform": handle_terraform,
    "tofu": handle_terraform,
    "terragrunt": handle_terragrunt,
}
