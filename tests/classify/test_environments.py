"""Environment resolution: the order of the sources and what each one matches."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest

from interlock.classify.environments import (
    EnvironmentResolver,
    ProviderScope,
    account_of,
    environment_tags,
    module_path,
    terraform_scopes,
    terraform_variable_hints,
)
from interlock.classify.redact import REDACTED
from interlock.config import MatchConfig, default_config, parse_config
from interlock.models import Target

CONFIG = default_config()


def _resolve(target: Target, **hints: Any) -> str | None:
    return EnvironmentResolver(CONFIG, target).resolve(**hints)


@pytest.mark.parametrize(
    ("target", "hints", "expected"),
    [
        (Target(environment="prod"), {"tags": ("staging",)}, "production"),
        (Target(environment="qa-east"), {}, "qa-east"),
        (Target(workspace="prod-eu"), {"tags": ("dev",)}, "production"),
        (Target(), {"tags": ("production",)}, "production"),
        (Target(), {"tags": ("stage",)}, "staging"),
        (Target(), {"workspace": "ledger-staging"}, "staging"),
        (Target(), {"provider": ProviderScope(projects=("acme-prod",))}, "production"),
        (Target(), {"provider": ProviderScope(subscriptions=("sub-dev",))}, "development"),
        (Target(), {"provider": ProviderScope(tags=("prod",))}, "production"),
        (Target(), {"module": "module.prod.module.db"}, "production"),
        (Target(), {"module": 'module.env["prod"]'}, "production"),
        (Target(cwd="/src/infra/prod"), {}, "production"),
        (Target(kube_context="prod-eu"), {}, "production"),
        (Target(), {"tags": ("ledger",)}, None),
        (Target(), {}, None),
    ],
)
def test_sources_in_order(target: Target, hints: dict[str, Any], expected: str | None) -> None:
    assert _resolve(target, **hints) == expected


def test_accounts_match_configured_ids() -> None:
    config = parse_config(
        "environments:\n  production:\n    protected: true\n    approvals: 2\n"
        "    match:\n      aws_accounts: ['210987654321']\n"
    )
    resolver = EnvironmentResolver(config, Target())
    assert resolver.resolve(provider=ProviderScope(accounts=("210987654321",))) == "production"
    assert resolver.resolve(provider=ProviderScope(accounts=("111111111111",))) is None
    assert isinstance(config.environments["production"].match, MatchConfig)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"Environment": "production", "Team": "x"}, ("production",)),
        ({"env": "dev"}, ("dev",)),
        ({"Environment": REDACTED}, ()),
        ({"Environment": 3}, ()),
        ([{"Key": "Stage", "Value": "prod"}], ("prod",)),
        ("Environment=prod", ()),
        (None, ()),
    ],
)
def test_environment_tags(tags: Any, expected: tuple[str, ...]) -> None:
    assert environment_tags(tags) == expected


def test_module_path_and_account() -> None:
    assert module_path("module.a.module.b") == "module/a/module/b"
    assert module_path(None) is None
    assert account_of("arn:aws:iam::210987654321:role/deploy") == "210987654321"
    assert account_of("not an arn") is None


def test_terraform_provider_scopes_and_sensitive_variables() -> None:
    configuration = {
        "provider_config": {
            "aws": {
                "name": "aws",
                "full_name": "registry.terraform.io/hashicorp/aws",
                "expressions": {
                    "assume_role": [
                        {"role_arn": {"constant_value": "arn:aws:iam::210987654321:role/x"}}
                    ],
                    "default_tags": [{"tags": {"constant_value": {"Environment": "prod"}}}],
                },
            },
            "google": {"name": "google", "expressions": {"project": {"constant_value": "p-dev"}}},
        },
        "root_module": {"variables": {"env": {"sensitive": True}, "stage": {}}},
    }
    scopes, secret = terraform_scopes(msgspec.Raw(orjson.dumps(configuration)))
    aws = scopes["registry.terraform.io/hashicorp/aws"]
    assert aws == ProviderScope(accounts=("210987654321",), tags=("prod",))
    assert scopes["google"] == ProviderScope(projects=("p-dev",))
    assert secret == {"env"}
    variables = {"env": {"value": "prod"}, "stage": {"value": "staging"}}
    hints = terraform_variable_hints(msgspec.Raw(orjson.dumps(variables)), secret)
    assert hints == ("staging",)


def test_aliases_pointing_at_different_places_have_no_single_scope() -> None:
    configuration = {
        "provider_config": {
            "aws": {"name": "aws", "expressions": {"project": {"constant_value": "a"}}},
            "aws.other": {"name": "aws", "expressions": {"project": {"constant_value": "b"}}},
        }
    }
    scopes, _ = terraform_scopes(msgspec.Raw(orjson.dumps(configuration)))
    assert scopes["aws"] is None
