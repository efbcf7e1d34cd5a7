"""Which environment a planned change touches.

Every finding names an environment, because the floor (DESIGN.md) decides by it:
a delete in a protected environment needs two humans, and an environment nobody can
name is treated as protected. The sources, strongest first:

1. ``--env`` (``action.target.environment``): the operator said so; it wins.
2. The Terraform/OpenTofu workspace or Pulumi stack, against ``match.workspaces``.
3. Resource tags and labels (``Environment=production``, ``env: prod``) and
   plan-wide hints such as an ``environment`` variable, against ``match.tags``.
4. Provider configuration: AWS account (``allowed_account_ids``, role ARNs), Google
   Cloud project, Azure subscription, and provider default tags.
5. The module path (``module.prod.module.db`` reads as ``module/prod/module/db``) and
   the working directory, against ``match.paths``.

Values marked sensitive are masked before they get here (see ``redact.py``) and
never match. Results are cached per distinct set of hints, because a plan of
100,000 resources has only a handful of distinct tag sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from interlock.classify.redact import REDACTED
from interlock.config import Config, MatchKind
from interlock.models import Target

#: Tag and label keys (compared case-insensitively) that name an environment.
ENVIRONMENT_KEYS = frozenset(
    {"environment", "env", "stage", "tier", "deployment-environment", "deployment_environment"}
)

_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(\d{12}):")
_INDEX = re.compile(r"\[\"?([^\]\"]*)\"?\]")


@dataclass(frozen=True, slots=True)
class ProviderScope:
    """What a provider configuration says about where it points."""

    accounts: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    subscriptions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class EnvironmentResolver:
    """Resolve hints to an environment name under one config and target, with a cache."""

    def __init__(self, config: Config, target: Target, *, plan_tags: Iterable[str] = ()) -> None:
        self._config = config
        self._target = target
        self._plan_tags = tuple(plan_tags)
        self._cache: dict[tuple[Any, ...], str | None] = {}
        self.forced = self._forced()

    def _forced(self) -> str | None:
        name = self._target.environment
        if not name:
            return None
        env = self._config.environment(name)
        return env.name if env is not None else name

    def resolve(
        self,
        *,
        tags: tuple[str, ...] = (),
        module: str | None = None,
        provider: ProviderScope | None = None,
        workspace: str | None = None,
    ) -> str | None:
        """The environment for one resource's hints, or ``None`` when nothing matches."""
        if self.forced is not None:
            return self.forced
        key = (tags, module, provider, workspace)
        if key not in self._cache:
            self._cache[key] = self._lookup(tags, module, provider, workspace)
        return self._cache[key]

    def _lookup(
        self,
        tags: tuple[str, ...],
        module: str | None,
        provider: ProviderScope | None,
        workspace: str | None,
    ) -> str | None:
        p = provider or ProviderScope()
        candidates: list[tuple[MatchKind, Iterable[str]]] = [
            ("workspaces", _some(self._target.workspace, workspace)),
            ("tags", (*tags, *self._plan_tags, *p.tags)),
            ("aws_accounts", p.accounts),
            ("gcp_projects", p.projects),
            ("azure_subscriptions", p.subscriptions),
            ("paths", _some(module_path(module), self._target.cwd)),
            ("kube_contexts", _some(self._target.kube_context)),
            ("aws_profiles", _some(self._target.aws_profile)),
        ]
        for kind, values in candidates:
            for value in values:
                env = self._config.resolve(kind, value)
                if env is not None:
                    return env.name
        return None


def _some(*values: str | None) -> tuple[str, ...]:
    return tuple(v for v in values if v)


def module_path(module: str | None) -> str | None:
    """``module.prod.module.db["x"]`` -> ``module/prod/module/db/x`` for path globs."""
    if not module:
        return None
    return _INDEX.sub(r"/\1", module).replace(".", "/")


def environment_tags(tags: Any) -> tuple[str, ...]:
    """Values of environment-naming keys in a tag mapping or a ``[{Key, Value}]`` list."""
    out: list[str] = []
    if isinstance(tags, Mapping):
        pairs: Iterable[tuple[Any, Any]] = tags.items()
    elif isinstance(tags, list):
        pairs = [
            (t.get("Key", t.get("key")), t.get("Value", t.get("value")))
            for t in tags
            if isinstance(t, Mapping)
        ]
    else:
        return ()
    for k, v in pairs:
        if isinstance(k, str) and k.lower() in ENVIRONMENT_KEYS and _usable(v):
            out.append(v)
    return tuple(out)


def _usable(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and value != REDACTED and len(value) < 256


def account_of(arn: Any) -> str | None:
    """The 12-digit AWS account id inside an ARN, if any."""
    if not isinstance(arn, str):
        return None
    m = _ACCOUNT_IN_ARN.match(arn)
    return m.group(1) if m else None


def starts(raw: msgspec.Raw, prefix: bytes) -> bool:
    """Whether ``raw`` begins with ``prefix``, without copying it."""
    return bytes(memoryview(raw)[: len(prefix)]) == prefix


class _Root(msgspec.Struct):
    variables: Any = None


class Configuration(msgspec.Struct):
    """Only the provider configurations and variable declarations of ``configuration``."""

    provider_config: Any = None
    root_module: _Root | None = None


def terraform_scopes(raw: msgspec.Raw) -> tuple[dict[str, ProviderScope | None], frozenset[str]]:
    """Provider scopes by provider name and full name, and sensitive variable names."""
    if not starts(raw, b"{"):
        return {}, frozenset()
    try:
        conf = msgspec.json.decode(raw, type=Configuration)
    except msgspec.DecodeError:
        return {}, frozenset()
    secret: frozenset[str] = frozenset()
    declared = conf.root_module.variables if conf.root_module is not None else None
    if isinstance(declared, dict):
        secret = frozenset(
            k for k, v in declared.items() if isinstance(v, dict) and v.get("sensitive") is True
        )
    scopes: dict[str, ProviderScope | None] = {}
    providers = conf.provider_config if isinstance(conf.provider_config, dict) else {}
    for key, pc in providers.items():
        if not isinstance(pc, dict):
            continue
        scope = _scope(pc.get("expressions"))
        for name in (pc.get("full_name"), pc.get("name"), key.split(".", 1)[0]):
            if isinstance(name, str):
                # aliases of one provider pointing at different places: no single answer
                scopes[name] = scope if scopes.get(name, scope) == scope else None
    return scopes, secret


def _scope(expressions: Any) -> ProviderScope:
    if not isinstance(expressions, dict):
        return ProviderScope()
    accounts = [*_strings(_const(expressions, "allowed_account_ids"))]
    for role in _blocks(expressions, "assume_role"):
        account = account_of(_const(role, "role_arn"))
        if account:
            accounts.append(account)
    tags: list[str] = []
    for block in _blocks(expressions, "default_tags"):
        tags += environment_tags(_const(block, "tags"))
    return ProviderScope(
        accounts=tuple(accounts),
        projects=tuple(_strings(_const(expressions, "project"))),
        subscriptions=tuple(_strings(_const(expressions, "subscription_id"))),
        tags=tuple(tags),
    )


def _const(expressions: Any, key: str) -> Any:
    expr = expressions.get(key) if isinstance(expressions, dict) else None
    return expr.get("constant_value") if isinstance(expr, dict) else None


def _blocks(expressions: dict[str, Any], key: str) -> list[Any]:
    blocks = expressions.get(key)
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def terraform_variable_hints(raw: msgspec.Raw, secret: frozenset[str]) -> tuple[str, ...]:
    """Values of non-sensitive root variables named like an environment."""
    if not starts(raw, b"{"):
        return ()
    try:
        variables = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return ()
    out: list[str] = []
    for name, var in variables.items() if isinstance(variables, dict) else ():
        if name in secret or not isinstance(var, dict):
            continue
        out += environment_tags({name: var.get("value")})
    return tuple(out)
