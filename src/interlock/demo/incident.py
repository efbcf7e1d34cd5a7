"""The founding incident as a Terraform plan, built in code.

An agent was asked to fix a minor bug in a cost service. The plan it produced
rebuilt the production environment around the fix: 41 resources, the ECS services,
the load balancer and its security groups replaced, and the ledger database
(``aws_db_instance.ledger``) replaced because its ``identifier`` and ``engine``
cannot be updated in place, with deletion protection turned off and the final
snapshot skipped so that nothing would stand in the way. This module writes that
plan in Terraform's JSON output format (format 1.2), with realistic ``before``,
``after``, sensitivity markers and provider configuration, plus small variants:
the one-line fix the human wanted, the same plan in staging, an incomplete plan and
one with an action list no Terraform writes. The demo command and the tests use it.

Nothing here comes from a real account: the ids, names and the database password
(``INCIDENT_PASSWORD``, marked sensitive as Terraform marks it) are invented.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

ACCOUNT = "210987654321"
REGION = "cn-north-1"
#: The database password in the plan, in clear in ``before``/``after`` and marked
#: sensitive: it must never appear in anything interlock prints or stores.
INCIDENT_PASSWORD = "Lz8-ledger-demo-pw-4f1c"  # noqa: S105 - invented, used to test redaction
TASK = "fix the rounding bug in the cost report service"

_NO_OP, _CREATE, _UPDATE, _READ = ["no-op"], ["create"], ["update"], ["read"]
_REPLACE = ["delete", "create"]
_CBD = ["create", "delete"]


@dataclass(frozen=True, slots=True)
class _Res:
    type: str
    name: str
    actions: list[str]
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] | None = None
    replace: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    mode: str = "managed"


def _tags(env: str, service: str = "cost-explorer") -> dict[str, str]:
    return {"Environment": env, "Service": service, "Team": "billing"}


def _resources(env: str) -> Iterator[_Res]:
    """The 41 resources of the plan, in Terraform's address order."""
    tags = _tags(env)
    db_before = {
        "identifier": "cost-ledger-prod",
        "engine": "postgres",
        "engine_version": "15.4",
        "instance_class": "db.r6g.xlarge",
        "allocated_storage": 500,
        "username": "ledger",
        "password": INCIDENT_PASSWORD,
        "deletion_protection": True,
        "skip_final_snapshot": False,
        "backup_retention_period": 14,
        "tags": tags,
        "tags_all": tags,
    }
    db_after = {
        **db_before,
        "identifier": "cost-ledger",
        "engine": "aurora-postgresql",
        "deletion_protection": False,
        "skip_final_snapshot": True,
    }
    yield _Res("aws_appautoscaling_policy", "api_cpu", _REPLACE, replace=("resource_id",))
    yield _Res("aws_appautoscaling_policy", "worker_cpu", _REPLACE, replace=("resource_id",))
    yield _Res("aws_appautoscaling_target", "api", _REPLACE, replace=("resource_id",))
    yield _Res("aws_appautoscaling_target", "worker", _REPLACE, replace=("resource_id",))
    yield _Res("aws_cloudwatch_log_group", "api", _NO_OP, {"name": "/ecs/cost-api", "tags": tags})
    yield _Res("aws_cloudwatch_log_group", "worker", _NO_OP, {"name": "/ecs/cost-worker"})
    for alarm in ("api_5xx", "db_cpu", "queue_age"):
        yield _Res(
            "aws_cloudwatch_metric_alarm",
            alarm,
            _UPDATE,
            {"alarm_name": f"cost-{alarm}", "threshold": 80, "tags": tags},
            {"alarm_name": f"cost-{alarm}", "threshold": 90, "tags": tags},
        )
    yield _Res(
        "aws_db_instance",
        "ledger",
        _REPLACE,
        db_before,
        db_after,
        ("identifier", "engine"),
        ("password",),
    )
    yield _Res(
        "aws_db_parameter_group",
        "ledger",
        _CBD,
        {"name": "cost-ledger-pg15", "family": "postgres15", "tags": tags},
        {"name": "cost-ledger-aurora", "family": "aurora-postgresql15", "tags": tags},
        ("family",),
    )
    yield _Res("aws_db_subnet_group", "ledger", _NO_OP, {"name": "cost-ledger", "tags": tags})
    yield _Res(
        "aws_ecs_cluster",
        "cost",
        _REPLACE,
        {"name": "cost-prod", "tags": tags},
        {"name": "cost", "tags": tags},
        ("name",),
    )
    for svc in ("api", "worker"):
        yield _Res(
            "aws_ecs_service",
            svc,
            _REPLACE,
            {"name": f"cost-{svc}", "tags": tags},
            {"name": f"cost-{svc}", "tags": tags},
            ("cluster",),
        )
        yield _Res(
            "aws_ecs_task_definition",
            svc,
            _REPLACE,
            {"family": f"cost-{svc}"},
            {"family": f"cost-{svc}"},
            ("container_definitions",),
        )
    yield _Res("aws_elasticache_replication_group", "cache", _NO_OP, {"tags": tags})
    for role in ("exec", "task"):
        yield _Res(
            "aws_iam_role",
            role,
            _UPDATE,
            {"name": f"cost-{role}", "tags": tags},
            {"name": f"cost-{role}", "tags": {**tags, "Owner": "agent"}},
        )
    yield _Res("aws_iam_role_policy", "task", _UPDATE, {"name": "cost-task"}, {"name": "cost-task"})
    yield _Res("aws_internet_gateway", "main", _NO_OP, {"tags": tags})
    yield _Res("aws_kms_key", "ledger", _NO_OP, {"description": "ledger", "tags": tags})
    yield _Res(
        "aws_lambda_function",
        "cost_report",
        _UPDATE,
        {"function_name": "cost-report", "source_code_hash": "b1d0", "tags": tags},
        {"function_name": "cost-report", "source_code_hash": "7e2a", "tags": tags},
    )
    yield _Res(
        "aws_lb",
        "public",
        _REPLACE,
        {"name": "cost-prod", "tags": tags},
        {"name": "cost", "tags": tags},
        ("name",),
    )
    yield _Res(
        "aws_lb_listener", "https", _REPLACE, {"port": 443}, {"port": 443}, ("load_balancer_arn",)
    )
    yield _Res(
        "aws_lb_target_group",
        "api",
        _REPLACE,
        {"name": "cost-api-prod", "tags": tags},
        {"name": "cost-api", "tags": tags},
        ("name",),
    )
    yield _Res("aws_nat_gateway", "main", _NO_OP, {"tags": tags})
    yield _Res("aws_route53_record", "api", _UPDATE, {"name": "cost-api"}, {"name": "cost-api"})
    for table in ("private", "public"):
        yield _Res("aws_route_table", table, _NO_OP, {"tags": tags})
    yield _Res("aws_s3_bucket", "reports", _NO_OP, {"bucket": "cost-reports-prod", "tags": tags})
    for sg in ("api", "db", "lb"):
        yield _Res(
            "aws_security_group",
            sg,
            _REPLACE,
            {"name": f"cost-{sg}-prod", "tags": tags},
            {"name": f"cost-{sg}", "tags": tags},
            ("name",),
        )
    for i in range(1, 5):
        yield _Res("aws_subnet", f"private_{i}", _NO_OP, {"tags": tags})
    yield _Res("aws_vpc", "main", _NO_OP, {"cidr_block": "10.40.0.0/16", "tags": tags})
    yield _Res("aws_iam_policy_document", "task", _READ, {}, {"json": "{}"}, mode="data")


def incident_plan(environment: str = "production") -> dict[str, Any]:
    """The 41-resource plan that replaces the environment's database and services."""
    return _plan(list(_resources(environment)), environment)


def minimal_fix_plan(environment: str = "production") -> dict[str, Any]:
    """What the human asked for: the cost report function updated, nothing else."""
    fix = [r for r in _resources(environment) if r.type == "aws_lambda_function"]
    return _plan(fix, environment)


def incomplete_plan() -> dict[str, Any]:
    """The incident plan marked incomplete (``complete: false``), as with deferrals."""
    return {**incident_plan(), "complete": False, "applyable": False}


def invalid_action_plan() -> dict[str, Any]:
    """The minimal fix with one action list that no Terraform writes."""
    plan = minimal_fix_plan()
    plan["resource_changes"][0]["change"]["actions"] = ["update", "delete"]
    return plan


def to_bytes(plan: dict[str, Any]) -> bytes:
    """Compact JSON, as ``terraform show -json`` writes it."""
    return orjson.dumps(plan)


def _plan(resources: list[_Res], env: str) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "variables": {"service": {"value": "cost-explorer"}},
        "planned_values": {"root_module": {"resources": [_state(r, r.after) for r in resources]}},
        "resource_changes": [_change(r) for r in resources],
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.9.5",
            "values": {"root_module": {"resources": [_state(r, r.before) for r in resources]}},
        },
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": {
                        "region": {"constant_value": REGION},
                        "allowed_account_ids": {"constant_value": [ACCOUNT]},
                        "default_tags": [{"tags": {"constant_value": _tags(env)}}],
                    },
                }
            },
            "root_module": {"variables": {"service": {"default": "cost-explorer"}}},
        },
        "timestamp": "2025-12-02T07:14:09Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def _address(r: _Res) -> str:
    return f"{'data.' if r.mode == 'data' else ''}{r.type}.{r.name}"


def _change(r: _Res) -> dict[str, Any]:
    after = r.before if r.after is None else r.after
    marks = dict.fromkeys(r.sensitive, True)
    change: dict[str, Any] = {
        "actions": list(r.actions),
        "before": None if r.actions in (_CREATE, _READ) else r.before,
        "after": after,
        "after_unknown": {"id": True, "arn": True} if "create" in r.actions else {},
        "before_sensitive": marks,
        "after_sensitive": marks,
    }
    rc: dict[str, Any] = {
        "address": _address(r),
        "mode": r.mode,
        "type": r.type,
        "name": r.name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": change,
    }
    if r.replace:
        change["replace_paths"] = [[p] for p in r.replace]
        rc["action_reason"] = "replace_because_cannot_update"
    return rc


def _state(r: _Res, values: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "address": _address(r),
        "mode": r.mode,
        "type": r.type,
        "name": r.name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values if values is not None else r.before,
        "sensitive_values": dict.fromkeys(r.sensitive, True),
    }
