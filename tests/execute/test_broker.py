"""The STS broker against a local STS endpoint (moto in server mode on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto.server import ThreadedMotoServer

from interlock.errors import DecisionError, ForbiddenError
from interlock.execute.broker import BrokerRequest, assume, intersect, session_policy
from tests.integrations.conftest import free_port

ROLE = "arn:aws:iam::123456789012:role/prod-deployer"


@pytest.fixture(scope="module")
def sts_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(url: str, **creds: str) -> Any:
    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client("sts", endpoint_url=url, region_name="us-east-1", **keys)


@pytest.mark.parametrize(
    ("approved", "allowed", "expected"),
    [
        (("rds:DeleteDBInstance",), ("rds:*",), ("rds:DeleteDBInstance",)),
        (("rds:DeleteDBInstance",), ("rds:Describe*",), ()),
        (
            ("ec2:TerminateInstances", "ec2:DescribeInstances"),
            ("ec2:describe*",),
            ("ec2:DescribeInstances",),
        ),
        (("s3:GetObject",), ("s3:Get?bject",), ("s3:GetObject",)),
        (("s3:GetObject",), (), ()),
    ],
)
def test_intersection(
    approved: tuple[str, ...], allowed: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert intersect(approved, allowed) == expected


def test_not_an_action_is_refused() -> None:
    with pytest.raises(ForbiddenError):
        intersect(["rds:Delete DB; *"], ["*"])


def test_assume_role_against_local_sts(sts_url: str) -> None:
    req = BrokerRequest(
        ROLE,
        "alice",
        "req-0123456789",
        ("rds:DeleteDBInstance", "ec2:TerminateInstances"),
        ("rds:*",),
    )
    calls: list[dict[str, Any]] = []
    real = client(sts_url)

    class Recording:
        def assume_role(self, **kwargs: Any) -> Any:
            calls.append(kwargs)
            return real.assume_role(**kwargs)

    injected = assume(req, Recording())
    assert calls[0]["SourceIdentity"] == "alice"
    assert json.loads(calls[0]["Policy"])["Statement"][0]["Action"] == ["rds:DeleteDBInstance"]
    assert calls[0]["RoleSessionName"] == "interlock-req-0123456789"
    env = dict(injected.env)
    assert set(env) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    assert env["AWS_SECRET_ACCESS_KEY"] in injected.secrets
    assert env["AWS_SECRET_ACCESS_KEY"] not in repr(injected)
    who = client(
        sts_url,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    ).get_caller_identity()
    assert who["Arn"].endswith("assumed-role/prod-deployer/interlock-req-0123456789")


def test_empty_intersection_never_calls_sts() -> None:
    class Never:
        def assume_role(self, **kwargs: Any) -> Any:
            raise AssertionError("STS must not be called")

    req = BrokerRequest(ROLE, "alice", "req-1", ("rds:DeleteDBInstance",), ("rds:Describe*",))
    with pytest.raises(ForbiddenError, match="no credentials"):
        assume(req, Never())


def test_session_policy_is_valid_json() -> None:
    doc = json.loads(session_policy(["s3:GetObject"]))
    assert doc["Statement"] == [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]


BROKER_CONFIG = """\
environments:
  production:
    protected: true
    approvals: 2
    credentials: {aws_role_arn: "arn:aws:iam::123456789012:role/prod-deployer", aws_profile: p}
people:
  alice: {groups: [admin]}
  dave: {groups: [viewers]}
groups:
  admin: {permissions: {"*": [read, plan, change, destroy, approve]}}
  viewers: {permissions: {"*": [read]}}
"""


class RecordingSts:
    """A boto3 STS client against the local endpoint that keeps what it was asked."""

    def __init__(self, url: str) -> None:
        self.real = client(url)
        self.calls: list[dict[str, Any]] = []

    def assume_role(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.real.assume_role(**kwargs)


@pytest.mark.parametrize(
    ("human", "argv", "actions"),
    [
        ("alice", ["aws", "rds", "delete-db-instance", "--db-instance-identifier", "x"],
         ["rds:deletedbinstance"]),
        ("dave", ["aws", "ec2", "describe-instances"], ["ec2:describeinstances"]),
        ("dave", ["terraform", "apply", "plan.tfplan"],
         ["*:BatchGet*", "*:Describe*", "*:Get*", "*:Head*", "*:List*"]),
    ],
)  # fmt: skip
def test_for_run_narrows_to_human_and_action(
    sts_url: str, human: str, argv: list[str], actions: list[str]
) -> None:
    from interlock.config import parse_config
    from interlock.execute.broker import for_run

    sts = RecordingSts(sts_url)
    injected = for_run(parse_config(BROKER_CONFIG), "production", human, argv, "req-9", sts)
    policy = json.loads(sts.calls[0]["Policy"])
    assert policy["Statement"][0]["Action"] == actions
    assert sts.calls[0]["SourceIdentity"] == human
    assert "AWS_SESSION_TOKEN" in injected.env


def test_for_run_refuses_an_action_beyond_the_human(sts_url: str) -> None:
    from interlock.config import parse_config
    from interlock.execute.broker import for_run

    argv = ["aws", "rds", "delete-db-instance"]
    with pytest.raises(ForbiddenError, match="no credentials"):
        for_run(parse_config(BROKER_CONFIG), "production", "dave", argv, "r", RecordingSts(sts_url))


def test_executor_merges_brokered_keys_over_the_profile(sts_url: str) -> None:
    from interlock.config import parse_config
    from interlock.execute.executor import Executor
    from interlock.integrations.client import GatewayClient

    executor = Executor(GatewayClient("http://127.0.0.1:9", None), parse_config(BROKER_CONFIG),
                        sts=RecordingSts(sts_url))  # fmt: skip
    found = {"id": "req-1", "requester": "alice"}
    injected = executor.credentials_for(found, ["aws", "s3", "list-buckets"], "production")
    assert "AWS_PROFILE" not in injected.env
    assert injected.env["AWS_SECRET_ACCESS_KEY"] in injected.secrets
    with pytest.raises(DecisionError, match="no requester"):
        executor.credentials_for({"id": "req-2"}, ["aws", "s3", "ls"], "production")
