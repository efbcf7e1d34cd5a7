"""Credentials per environment, from the gateway's configuration, for the child only.

``environments.<name>.credentials`` in interlock.yaml names environment variables
(a value of ``${NAME}`` is read from the gateway process's own environment, so the
secret itself need not be written in the file), an AWS profile and a kubeconfig
context. They are resolved at execution time into an ``Injected`` value: the
variables to add to the executed process's environment and the secret values the
runner must redact from whatever it returns. Nothing here prints or logs a value;
``Injected.__repr__`` shows names only. A reference to a variable that is not set is
an error, never an empty credential (fail closed).

A kubeconfig context cannot be chosen by an environment variable, so a one-line
kubeconfig naming ``current-context`` is written to a private temporary file and put
first on ``KUBECONFIG``: kubectl takes ``current-context`` from the first file that
sets it and the clusters and users from the rest.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from interlock.config import Config, CredentialsConfig
from interlock.errors import ConfigError

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: Values shorter than this are not redacted from output (they would mangle it).
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Injected:
    """Variables for the child process and the secrets to keep out of any output."""

    env: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    scope: str = ""

    def __repr__(self) -> str:
        return f"Injected(names={sorted(self.env)!r}, scope={self.scope!r})"


def for_environment(
    config: Config, environment: str | None, source: Mapping[str, str] | None = None
) -> Injected:
    """The credentials of ``environment`` (none for an unknown or unnamed one)."""
    env = config.environment(environment) if environment else None
    if env is None:
        return Injected(scope="none")
    return resolve(env.credentials, source if source is not None else os.environ, env.name)


def resolve(creds: CredentialsConfig, source: Mapping[str, str], name: str) -> Injected:
    """Expand ``${VAR}`` references and add the profile and context variables."""
    out: dict[str, str] = {}
    secrets: list[str] = []
    for var, template in creds.env.items():
        out[var] = _expand(template, source, f"environments.{name}.credentials.env.{var}")
        secrets.append(out[var])
    if creds.aws_profile:
        out["AWS_PROFILE"] = creds.aws_profile
    if creds.kube_context:
        out["KUBECONFIG"] = _kubeconfig(creds.kube_context, source)
    scope = f"{name}:" + ",".join(sorted(out)) if out else f"{name}:none"
    kept = tuple(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
    return Injected(out, kept, scope)


def _expand(template: str, source: Mapping[str, str], where: str) -> str:
    def one(match: re.Match[str]) -> str:
        value = source.get(match.group(1))
        if value is None:
            raise ConfigError(f"{where}: ${{{match.group(1)}}} is not set in the gateway's env")
        return value

    return _REFERENCE.sub(one, template)


def _kubeconfig(context: str, source: Mapping[str, str]) -> str:
    fd, path = tempfile.mkstemp(prefix="interlock-kube-", suffix=".yaml")
    with os.fdopen(fd, "w") as fh:
        fh.write(f'apiVersion: v1\nkind: Config\ncurrent-context: "{context}"\n')
    rest = source.get("KUBECONFIG") or os.path.join(os.path.expanduser("~"), ".kube", "config")
    return f"{path}{os.pathsep}{rest}"


def merged(base: Injected, brokered: Injected) -> Injected:
    """``base`` with brokered AWS keys; a profile would compete with them, so it goes."""
    env = {k: v for k, v in base.env.items() if k != "AWS_PROFILE"} | dict(brokered.env)
    return Injected(env, base.secrets + brokered.secrets, f"{base.scope};{brokered.scope}")
