"""interlock.yaml: environments, people, agents, permissions, windows and policies.

The configuration model is a tree of frozen dataclasses; one generic loader walks
the YAML node tree against their type hints, so every error names the bad key
and its line ("environments.production.approvals (line 4): ..."), and the
configuration reference in the README is generated from the same model
(``reference()``). With no file at all, ``default_config()`` works: environments
named ``production`` or ``prod`` are protected and need two approvers.

The floor (DESIGN.md) is enforced here at load time as well as at decision time:
a protected environment asking for fewer than two approvers is rejected, so a
config that tries to lower it never loads. Cross-references (a person's groups, an
agent's human and profile, the environments a permission, freeze or window names)
are checked on load too, so a typo is an error rather than a rule that silently
never applies. The identity part follows issue 4: ``people`` (name -> groups),
``agents`` (name -> the human it acts ``for`` and its ``profile``), ``groups`` and
``profiles`` (action classes allowed per environment, ``"*"`` for any other).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
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
class CredentialsConfig:
    """Credentials injected into an executed process only; ``${VAR}`` reads the gateway's env."""

    env: Mapping[str, str] = field(
        default_factory=dict, metadata={"doc": "variables to set; a value may be ``${NAME}``"}
    )
    aws_profile: str = field(default="", metadata={"doc": "AWS CLI profile to run with"})
    kube_context: str = field(default="", metadata={"doc": "kubectl context to run with"})
    aws_role_arn: str = field(
        default="", metadata={"doc": "role the STS broker assumes, scoped to the approved action"}
    )


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
    credentials: CredentialsConfig = field(
        default_factory=CredentialsConfig,
        metadata={"doc": "what an approved action runs with here (never shown to agents)"},
    )


class ActionClass(StrEnum):
    """What a permission allows: the classes every finding is mapped to.

    The mapping from findings lives in ``interlock.policy.permissions`` (defined once).
    Classes are independent: ``destroy`` does not imply ``change``.
    """

    READ = "read"
    PLAN = "plan"
    CHANGE = "change"
    DESTROY = "destroy"
    APPROVE = "approve"


#: Action classes allowed per environment name; ``"*"`` covers environments not listed.
Permissions = Mapping[str, tuple[ActionClass, ...]]

#: The key of a permission table that applies to every environment not named in it.
ANY_ENVIRONMENT = "*"


class Weekday(StrEnum):
    """Days of the week as deployment windows name them (``mon`` ... ``sun``)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


@dataclass(frozen=True, slots=True)
class PersonConfig:
    """A human who may request, approve or be acted for by agents."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    groups: tuple[str, ...] = field(
        default=(), metadata={"doc": "groups the person belongs to (names under ``groups``)"}
    )


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """An agent: always acts for exactly one human, limited by its profile."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    acts_for: str = field(
        default="",
        metadata={"key": "for", "doc": "the human the agent acts for (a name under ``people``)"},
    )
    profile: str = field(
        default="",
        metadata={"doc": "its agent profile (a name under ``profiles``); empty: the default"},
    )


@dataclass(frozen=True, slots=True)
class GroupConfig:
    """A group of humans and what its members may do, per environment."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    permissions: Permissions = field(
        default_factory=dict,
        metadata={"doc": "environment (or ``*``) -> action classes: read, plan, change, ..."},
    )


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    """An agent profile: the most an agent may do, whatever its human may."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    description: str = field(default="", metadata={"doc": "what the profile is for"})
    permissions: Permissions = field(
        default_factory=dict,
        metadata={"doc": "environment (or ``*``) -> action classes; never ``approve``"},
    )


@dataclass(frozen=True, slots=True)
class FreezeConfig:
    """A change freeze: changes and destroys in its environments are held (or denied)."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    environments: tuple[str, ...] = field(
        default=(), metadata={"doc": "environment names or globs; empty means every one"}
    )
    start: datetime | None = field(
        default=None, metadata={"doc": "ISO 8601 with a time zone; empty: already started"}
    )
    end: datetime | None = field(
        default=None, metadata={"doc": "ISO 8601 with a time zone; empty: until removed"}
    )
    reason: str = field(default="", metadata={"doc": "shown in every decision it affects"})
    deny: bool = field(default=False, metadata={"doc": "deny instead of holding for approval"})


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """A deployment window: outside all of an environment's windows, changes are held."""

    name: str = field(default="", metadata={"doc": "set from the mapping key"})
    environments: tuple[str, ...] = field(
        default=(), metadata={"doc": "environment names or globs; empty means every one"}
    )
    days: tuple[Weekday, ...] = field(
        default=tuple(Weekday), metadata={"doc": "days it opens: mon, tue, ... (default all)"}
    )
    start: time = field(default=time(0, 0), metadata={"doc": "opening time, ``HH:MM``"})
    end: time = field(
        default=time(23, 59, 59), metadata={"doc": "closing time, ``HH:MM``; before start wraps"}
    )
    timezone: str = field(default="UTC", metadata={"doc": "IANA time zone of start and end"})
    reason: str = field(default="", metadata={"doc": "shown when a change falls outside"})


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """One outgoing webhook, signed per the Standard Webhooks scheme."""

    url: str = field(default="", metadata={"doc": "where events are POSTed (http or https)"})
    secret: str = field(
        default="", metadata={"doc": "signing secret, ``whsec_`` then base64 (Standard Webhooks)"}
    )
    events: tuple[str, ...] = field(
        default=(), metadata={"doc": "event types sent (``request.pending`` ...); empty: all"}
    )


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """Where the gateway server sends notifications and alerts."""

    webhooks: tuple[WebhookConfig, ...] = field(
        default=(), metadata={"doc": "webhooks: each a url, a secret and the events it wants"}
    )


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """The session watch (``interlock.watch``): windows in seconds and thresholds.

    Lower thresholds and longer windows make the watch stricter; none can switch the
    floor off, and a value below 1 is treated as 1.
    """

    history_limit: int = field(
        default=2000, metadata={"doc": "assessed actions kept per session (oldest pruned)"}
    )
    sequence_window: int = field(
        default=6 * 3600,
        metadata={"doc": "a create this soon after a delete of it is delete-and-recreate"},
    )
    rate_window: int = field(
        default=60, metadata={"doc": "window of the per-session destructive/held count"}
    )
    session_threshold: int = field(
        default=10, metadata={"doc": "destructive or held attempts in rate_window that freeze"}
    )
    agent_window: int = field(
        default=3600, metadata={"doc": "window of the per-agent destructive/held count"}
    )
    agent_threshold: int = field(
        default=50, metadata={"doc": "an agent's destructive or held attempts that freeze"}
    )
    retry_window: int = field(
        default=24 * 3600, metadata={"doc": "how long a denied target stays remembered"}
    )
    blast_radius: int = field(
        default=10,
        metadata={"doc": "changes above which a 'minor fix' task mismatches its action"},
    )


@dataclass(frozen=True, slots=True)
class Config:
    """The whole of interlock.yaml."""

    version: int = field(default=1, metadata={"doc": "format version; only 1 exists"})
    environments: Mapping[str, EnvironmentConfig] = field(
        default_factory=dict,
        metadata={
            "doc": "environments by name; without this key: the built-in production "
            "(protected), staging and development"
        },
    )
    protect_paths: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "extra paths an agent may never change (interlock's own are built in)"},
    )
    large_blast_radius: int = field(
        default=20, metadata={"doc": "resource changes above which a plan is 'large'"}
    )
    people: Mapping[str, PersonConfig] = field(
        default_factory=dict,
        metadata={"doc": "humans by name; once any is listed, unlisted humans are refused"},
    )
    agents: Mapping[str, AgentConfig] = field(
        default_factory=dict, metadata={"doc": "agents by name: the human each acts for"}
    )
    groups: Mapping[str, GroupConfig] = field(
        default_factory=dict, metadata={"doc": "groups by name and their permissions"}
    )
    profiles: Mapping[str, ProfileConfig] = field(
        default_factory=dict, metadata={"doc": "agent profiles by name and their permissions"}
    )
    default_agent_profile: str = field(
        default="",
        metadata={"doc": "profile of agents that name none; empty: such agents are denied"},
    )
    freezes: Mapping[str, FreezeConfig] = field(
        default_factory=dict, metadata={"doc": "change freezes by name"}
    )
    windows: Mapping[str, WindowConfig] = field(
        default_factory=dict, metadata={"doc": "deployment windows by name"}
    )
    policies: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "Rego files or directories, relative to this file's directory"},
    )
    break_glass_group: str = field(
        default="oncall", metadata={"doc": "the group whose members may approve break-glass"}
    )
    watch: WatchConfig = field(
        default_factory=WatchConfig, metadata={"doc": "session watch windows and thresholds"}
    )
    notify: NotifyConfig = field(
        default_factory=NotifyConfig,
        metadata={"doc": "notifications: signed webhooks for requests and alerts"},
    )

    @property
    def restricts_identity(self) -> bool:
        """Whether permissions apply: any of people, agents, groups or profiles is set."""
        return bool(self.people or self.agents or self.groups or self.profiles)

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
    config = parse_config(text, source=str(path))
    base = Path(path).resolve().parent
    policies = tuple(str(base / p) for p in config.policies)
    return dataclasses.replace(config, policies=policies)


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
    if not any(getattr(k, "value", None) == "environments" for k, _ in node.value):
        # a file about people or policies alone keeps the protected defaults
        config = dataclasses.replace(config, environments=default_config().environments)
    from interlock.configcheck import check_config

    check_config(config, node, source)
    return config


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
    known = {_key_of(f): f.name for f in dataclasses.fields(tp)}
    kwargs: dict[str, Any] = {}
    for k, v in node.value:
        key = str(k.value)
        sub = f"{path}.{key}" if path else key
        if key not in known:
            raise ConfigError(
                f"{source}: {sub} (line {k.start_mark.line + 1}): unknown key",
                hint=f"known keys here: {', '.join(sorted(known))}",
            )
        kwargs[known[key]] = _build(hints[known[key]], v, sub, source)
    return tp(**kwargs)


def _key_of(f: dataclasses.Field[Any]) -> str:
    """The YAML key of a field: its name, unless that is a Python keyword (``for``)."""
    return str(f.metadata.get("key", f.name))


def _build_scalar(tp: Any, node: Any, where: str) -> Any:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"{where}: expected a single value")
    if tp is datetime or tp is time:
        return _build_moment(tp, str(node.value), where)
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
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        name = "one of " + ", ".join(m.value for m in tp)
    raise ConfigError(f"{where}: expected {name}, got {raw!r}")


def reference(tp: type[Any] = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """Rows of (key, type, description) for every key of the model, for the README."""
    rows: list[tuple[str, str, str]] = []
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        key = f"{prefix}{_key_of(f)}"
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


def _build_moment(tp: Any, text: str, where: str) -> datetime | time:
    """A timestamp (ISO 8601, with a zone) or a time of day (``HH:MM``), from the raw text.

    The raw text is used rather than YAML's reading, which turns ``9:30`` into 570.
    """
    text = text.strip()
    if tp is time and len(text) >= 4 and text[1] == ":":
        text = "0" + text  # 9:30 is 09:30
    try:
        value: datetime | time = tp.fromisoformat(text)
    except ValueError:
        wanted = "an ISO 8601 timestamp" if tp is datetime else "a time of day HH:MM"
        raise ConfigError(f"{where}: expected {wanted}, got {text!r}") from None
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ConfigError(
            f"{where}: {text!r} has no time zone", hint="add Z or an offset such as +01:00"
        )
    return value


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    import zoneinfo  # here: only configurations with windows or freezes need it

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return f"list of {_type_name(typing.get_args(hint)[0])}"
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint) if a is not type(None))
    if typing.get_origin(hint) in (Mapping, dict):
        return f"mapping of {_type_name(typing.get_args(hint)[1])}"
    return getattr(hint, "__name__", str(hint))
