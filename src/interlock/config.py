"""interlock.yaml: environments, people, agents and rules, validated on load.

The configuration model is a tree of frozen dataclasses; one generic loader walks
the YAML node tree against their type hints, so every error names the bad key
and its line ("environments.production.approvals (line 4): ..."), and the
configuration reference in the README is generated from the same model
(``reference()``). With no file at all, ``default_config()`` works: environments
named ``production`` or ``prod`` are protected and need two approvers.

The floor (DESIGN.md) is enforced here at load time as well as at decision time:
a protected environment asking for fewer than two approvers is rejected, so a
config that tries to lower it never loads.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from interlock.errors import ConfigError

#: The floor's minimum number of distinct human approvers in a protected environment.
FLOOR_APPROVALS = 2

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Glob patterns that place an action in an environment (first match wins)."""

    names: tuple[str, ...] = field(
        default=(), metadata={"doc": "other names for the environment (``--env`` values)"}
    )
    kube_contexts: tuple[str, ...] = field(default=(), metadata={"doc": "kubectl contexts"})
    aws_profiles: tuple[str, ...] = field(default=(), metadata={"doc": "AWS CLI profiles"})
    aws_accounts: tuple[str, ...] = field(default=(), metadata={"doc": "AWS account ids"})
    gcp_projects: tuple[str, ...] = field(default=(), metadata={"doc": "Google Cloud projects"})
    azure_subscriptions: tuple[str, ...] = field(
        default=(), metadata={"doc": "Azure subscription names or ids"}
    )
    workspaces: tuple[str, ...] = field(
        default=(), metadata={"doc": "Terraform/OpenTofu workspaces and Pulumi stacks"}
    )
    hosts: tuple[str, ...] = field(default=(), metadata={"doc": "host names (ssh, psql -h ...)"})
    paths: tuple[str, ...] = field(
        default=(), metadata={"doc": "directories (``-chdir``, module paths, cwd)"}
    )
    tags: tuple[str, ...] = field(
        default=(), metadata={"doc": "resource tag or label values (``Environment=...``)"}
    )


#: The attributes of ``MatchConfig`` that a resolver may ask about.
MatchKind = typing.Literal[
    "names",
    "kube_contexts",
    "aws_profiles",
    "aws_accounts",
    "gcp_projects",
    "azure_subscriptions",
    "workspaces",
    "hosts",
    "paths",
    "tags",
]


@dataclass(frozen=True, slots=True)
class EnvironmentConfig:
    """One environment: whether it is protected and how many humans must approve."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    protected: bool = field(
        default=False, metadata={"doc": "destructive actions need two or more humans"}
    )
    approvals: int = field(
        default=1,
        metadata={"doc": "approvers a held action needs; at least 2 when protected"},
    )
    approver_groups: tuple[str, ...] = field(
        default=(), metadata={"doc": "approvers must belong to one of these groups"}
    )
    match: MatchConfig = field(default_factory=MatchConfig, metadata={"doc": "how to recognise it"})


@dataclass(frozen=True, slots=True)
class Config:
    """The whole of interlock.yaml."""

    version: int = field(default=1, metadata={"doc": "format version; only 1 exists"})
    environments: Mapping[str, EnvironmentConfig] = field(
        default_factory=dict, metadata={"doc": "environments by name"}
    )
    protect_paths: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "extra paths an agent may never change (interlock's own are built in)"},
    )
    large_blast_radius: int = field(
        default=20, metadata={"doc": "resource changes above which a plan is 'large'"}
    )

    def environment(self, name: str | None) -> EnvironmentConfig | None:
        """Return the environment called ``name`` or aliased to it, if any."""
        if not name:
            return None
        return self.resolve("names", name)

    def resolve(self, kind: MatchKind, value: str) -> EnvironmentConfig | None:
        """Return the first environment whose ``match.<kind>`` globs match ``value``."""
        lowered = value.lower()
        for env in self.environments.values():
            if kind == "names" and env.name.lower() == lowered:
                return env
            patterns: tuple[str, ...] = getattr(env.match, kind)
            if any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns):
                return env
        return None


def default_config() -> Config:
    """The configuration used when no file is given; safe for a first run."""
    prod_like = ("production", "prod", "prd", "live")
    production = EnvironmentConfig(
        name="production",
        protected=True,
        approvals=FLOOR_APPROVALS,
        match=MatchConfig(
            names=prod_like,
            kube_contexts=_around(prod_like),
            aws_profiles=_around(prod_like),
            gcp_projects=_around(prod_like),
            azure_subscriptions=_around(prod_like),
            workspaces=_around(prod_like),
            hosts=_around(prod_like),
            paths=tuple(f"*/{p}" for p in prod_like) + tuple(f"*/{p}/*" for p in prod_like),
            tags=prod_like,
        ),
    )
    staging = EnvironmentConfig(
        name="staging",
        approvals=1,
        match=_simple_match(("staging", "stage", "stg", "preprod", "uat", "qa")),
    )
    development = EnvironmentConfig(
        name="development",
        approvals=1,
        match=_simple_match(("development", "dev", "test", "sandbox", "local")),
    )
    envs = {e.name: e for e in (production, staging, development)}
    return Config(environments=envs)


def _around(words: tuple[str, ...]) -> tuple[str, ...]:
    """Globs for a word standing alone or as a dash/underscore/dot-separated part."""
    out: list[str] = []
    for w in words:
        out += [w, f"{w}-*", f"*-{w}", f"*-{w}-*", f"{w}_*", f"*_{w}", f"*.{w}.*", f"*.{w}"]
    return tuple(out)


def _simple_match(words: tuple[str, ...]) -> MatchConfig:
    globs = _around(words)
    return MatchConfig(
        names=words,
        kube_contexts=globs,
        aws_profiles=globs,
        gcp_projects=globs,
        azure_subscriptions=globs,
        workspaces=globs,
        hosts=globs,
        paths=tuple(f"*/{w}" for w in words) + tuple(f"*/{w}/*" for w in words),
        tags=words,
    )


def load_config(path: str | Path | None) -> Config:
    """Load ``path`` (or the default when ``None``) and check it against the floor."""
    if path is None:
        return default_config()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "interlock.yaml") -> Config:
    """Parse YAML text into a validated ``Config``; errors name key and line."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{source}{where}: not valid YAML: {exc}") from exc
    if node is None:
        return default_config()
    config: Config = _build(Config, node, "", source)
    for name, env in config.environments.items():
        if env.protected and env.approvals < FLOOR_APPROVALS:
            line = _line_of(node, ("environments", name, "approvals"))
            raise ConfigError(
                f"{source}: environments.{name}.approvals{line}: a protected environment "
                f"needs at least {FLOOR_APPROVALS} approvers, got {env.approvals}",
                hint="the two-person floor cannot be lowered by configuration",
            )
        if env.approvals < 1:
            raise ConfigError(f"{source}: environments.{name}.approvals must be at least 1")
    return config


def _line_of(root: Any, keys: tuple[str, ...]) -> str:
    node = root
    for key in keys:
        found = None
        for k, v in getattr(node, "value", ()):
            if getattr(k, "value", None) == key:
                found = v
        if found is None:
            return ""
        node = found
    return f" (line {node.start_mark.line + 1})"


def _build(tp: Any, node: Any, path: str, source: str) -> Any:
    """Turn a YAML node into a value of type ``tp``, naming path and line on error."""
    import yaml

    where = f"{source}: {path or '<root>'} (line {node.start_mark.line + 1})"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        return _build(next(a for a in args if a is not type(None)), node, path, source)
    if dataclasses.is_dataclass(tp):
        return _build_dataclass(tp, node, path, source, where)
    if origin is tuple:
        if not isinstance(node, yaml.SequenceNode):
            raise ConfigError(f"{where}: expected a list")
        return tuple(_build(args[0], n, f"{path}[{i}]", source) for i, n in enumerate(node.value))
    if origin in (Mapping, dict):
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError(f"{where}: expected a mapping")
        out: dict[str, Any] = {}
        for k, v in node.value:
            key = str(k.value)
            value = _build(args[1], v, f"{path}.{key}" if path else key, source)
            if dataclasses.is_dataclass(value) and any(
                f.name == "name" for f in dataclasses.fields(value)
            ):
                value = dataclasses.replace(value, name=key)  # type: ignore[type-var]
            out[key] = value
        return out
    return _build_scalar(tp, node, where)


def _build_dataclass(tp: Any, node: Any, path: str, source: str, where: str) -> Any:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{where}: expected a mapping")
    hints = typing.get_type_hints(tp)
    known = {f.name for f in dataclasses.fields(tp)}
    kwargs: dict[str, Any] = {}
    for k, v in node.value:
        key = str(k.value)
        sub = f"{path}.{key}" if path else key
        if key not in known:
            raise ConfigError(
                f"{source}: {sub} (line {k.start_mark.line + 1}): unknown key",
                hint=f"known keys here: {', '.join(sorted(known))}",
            )
        kwargs[key] = _build(hints[key], v, sub, source)
    return tp(**kwargs)


def _build_scalar(tp: Any, node: Any, where: str) -> Any:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{where}: expected a single value")
    raw = yaml.safe_load(yaml.serialize(node))
    if tp is bool and isinstance(raw, bool):
        return raw
    if tp is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if tp is str and raw is not None and not isinstance(raw, (dict, list)):
        return str(raw)
    if isinstance(tp, type) and issubclass(tp, str) and isinstance(raw, str):
        try:
            return tp(raw)
        except ValueError:
            pass
    name = getattr(tp, "__name__", str(tp))
    raise ConfigError(f"{where}: expected {name}, got {raw!r}")


def reference(tp: type[Any] = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """Rows of (key, type, description) for every key of the model, for the README."""
    rows: list[tuple[str, str, str]] = []
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        key = f"{prefix}{f.name}"
        hint = hints[f.name]
        doc = str(f.metadata.get("doc", ""))
        args = typing.get_args(hint)
        if typing.get_origin(hint) in (Mapping, dict) and dataclasses.is_dataclass(args[1]):
            rows.append((key, "mapping", doc))
            rows += reference(typing.cast(type[Any], args[1]), f"{key}.<name>.")
        elif dataclasses.is_dataclass(hint):
            rows.append((key, "mapping", doc))
            rows += reference(typing.cast(type[Any], hint), f"{key}.")
        else:
            rows.append((key, _type_name(hint), doc))
    return rows


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return f"list of {_type_name(typing.get_args(hint)[0])}"
    return getattr(hint, "__name__", str(hint))
