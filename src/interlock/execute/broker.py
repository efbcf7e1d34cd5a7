"""AWS credentials no broader than the human and the approved action: STS AssumeRole.

The broker assumes the environment's role (``credentials.aws_role_arn``) with an
inline *session policy*. AWS grants the intersection of the role's policies and the
session policy, so the session policy is where interlock narrows: it allows only
the approved action's IAM actions that the human is allowed too (their allowed
action patterns, ``ec2:Describe*``, ``rds:*``, matched as IAM matches them: ``*`` and
``?``, case-insensitive). An empty intersection is refused before STS is called.
``SourceIdentity`` is the human, which AWS carries into CloudTrail for every call
made with these credentials and which the assumed session cannot change. The
credentials are returned as variables for the executed process only
(``Injected``), with the secret values listed for redaction.

``for_run`` is what execution calls when an environment names ``aws_role_arn``: the
human's allowed actions come from their groups' permission classes in that
environment (``CLASS_PATTERNS``: ``read`` is ``*:Describe*``, ``*:Get*`` ...); the
approved action is the IAM action of an ``aws SERVICE OPERATION`` command
(``aws rds delete-db-instance`` is ``rds:deletedbinstance``; IAM matches actions
case-insensitively). For any other program the approved IAM actions are not known,
so the session policy is the human's allowed patterns alone: still never broader
than the human.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from interlock.config import ActionClass, Config
from interlock.errors import ForbiddenError
from interlock.execute.credentials import Injected

#: IAM action patterns per interlock action class (``plan`` reads like ``read``).
CLASS_PATTERNS: Mapping[ActionClass, tuple[str, ...]] = {
    ActionClass.READ: ("*:Describe*", "*:Get*", "*:List*", "*:Head*", "*:BatchGet*"),
    ActionClass.PLAN: ("*:Describe*", "*:Get*", "*:List*", "*:Head*", "*:BatchGet*"),
    ActionClass.CHANGE: (
        "*:Create*", "*:Put*", "*:Update*", "*:Modify*", "*:Tag*", "*:Untag*", "*:Attach*",
        "*:Associate*", "*:Start*", "*:Stop*", "*:Reboot*", "*:Run*", "*:Set*", "*:Enable*",
        "*:Register*", "*:Copy*", "*:Restore*",
    ),
    ActionClass.DESTROY: (
        "*:Delete*", "*:Terminate*", "*:Remove*", "*:Detach*", "*:Disassociate*", "*:Disable*",
        "*:Deregister*", "*:Revoke*", "*:Purge*",
    ),
}  # fmt: skip

_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")

#: Session names allow ``[\w+=,.@-]`` and at most 64 characters.
_SESSION_CHARS = re.compile(r"[^\w+=,.@-]")


@dataclass(frozen=True, slots=True)
class BrokerRequest:
    """What to assume, for whom, for which approved request."""

    role_arn: str
    human: str
    request_id: str
    approved_actions: tuple[str, ...]
    human_allowed: tuple[str, ...]
    duration_seconds: int = 900


def intersect(approved: Iterable[str], allowed: Iterable[str]) -> tuple[str, ...]:
    """Approved IAM actions that one of the human's allowed patterns covers."""
    patterns = [p.lower() for p in allowed]
    out = []
    for action in approved:
        if not _ACTION.match(action):
            raise ForbiddenError(f"not an IAM action: {action!r}")
        if any(fnmatch.fnmatchcase(action.lower(), p) for p in patterns):
            out.append(action)
    return tuple(sorted(set(out)))


def session_policy(actions: Sequence[str]) -> str:
    """The inline session policy allowing exactly ``actions``."""
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    return json.dumps(doc, separators=(",", ":"))


def assume(request: BrokerRequest, sts: Any) -> Injected:
    """Call ``sts.assume_role`` (a boto3 STS client) and return the child's variables."""
    actions = intersect(request.approved_actions, request.human_allowed)
    if not actions:
        raise ForbiddenError(
            f"{request.human} may do none of {', '.join(request.approved_actions)}; "
            "no credentials are issued"
        )
    name = _SESSION_CHARS.sub("-", f"interlock-{request.request_id}")[:64]
    answer = sts.assume_role(
        RoleArn=request.role_arn,
        RoleSessionName=name,
        Policy=session_policy(actions),
        SourceIdentity=_SESSION_CHARS.sub("-", request.human)[:64],
        DurationSeconds=request.duration_seconds,
    )
    creds = answer["Credentials"]
    env = {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }
    secrets = (creds["SecretAccessKey"], creds["SessionToken"])
    return Injected(env, secrets, f"aws:{request.role_arn}:{','.join(actions)}")


def for_run(  # noqa: PLR0917 - each argument is one fact of the run
    config: Config,
    environment: str,
    human: str,
    argv: Sequence[str],
    request_id: str,
    sts: Any,
) -> Injected:
    """Brokered credentials for running ``argv`` in ``environment`` for ``human``."""
    from interlock.policy.permissions import human_allowed

    env = config.environment(environment)
    role = env.credentials.aws_role_arn if env is not None else ""
    if not role:
        raise ForbiddenError(f"environment {environment} names no aws_role_arn to assume")
    person = config.people.get(human)
    classes = human_allowed(config, person.groups if person else (), environment)
    allowed = tuple(p for c in sorted(classes) for p in CLASS_PATTERNS.get(c, ()))
    if not allowed:
        raise ForbiddenError(f"{human} may do nothing in {environment}; no credentials")
    approved = aws_action(argv)
    actions = approved if approved else allowed
    human_patterns = allowed if approved else ("*",)
    request = BrokerRequest(role, human, request_id, actions, human_patterns)
    return assume(request, sts)


def aws_action(argv: Sequence[str]) -> tuple[str, ...]:
    """``("rds:deletedbinstance",)`` for ``aws rds delete-db-instance ...``, else ``()``."""
    words = list(argv[1:3])
    if len(argv) < 3 or posixpath.basename(argv[0]) != "aws":
        return ()
    if any(w.startswith("-") or not w.replace("-", "").isalnum() for w in words):
        return ()  # global options first: not worth guessing; the human's patterns apply
    return (f"{words[0]}:{words[1].replace('-', '')}".lower(),)
