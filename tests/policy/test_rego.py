"""Rego through regopy: loading fails loudly, evaluating fails closed, conftest works."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.config import default_config
from interlock.errors import PolicySyntaxError
from interlock.models import (
    Action,
    ActionKind,
    Assessment,
    Category,
    Finding,
    Principal,
    PrincipalKind,
    ReasonSource,
    Scope,
    Verdict,
)
from interlock.policy import decide
from interlock.policy.document import policy_input
from interlock.policy.rego import PolicySet, Requirement, decision_query, load_policies
from interlock.policy.regosource import read_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"
BASIC_DELETE = (
    "opentofu__opentofu__internal__command__testdata__show-json__basic-delete__output.json"
)


def _load(tmp_path: Path, text: str, name: str = "policy.rego") -> PolicySet:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_policies([path])


V1 = "package main\nimport rego.v1\n"


@pytest.mark.parametrize(
    "call",
    [
        'http.send({"method": "get", "url": "https://example.com"})',
        'net.lookup_ip_addr("example.com")',
        'net.cidr_contains("10.0.0.0/8", "10.1.2.3")',
        'json.verify_schema("{}")',
        'trace("x")',
        'rego.parse_module("a.rego", "package a")',
        "no_such.function(1)",
    ],
)
def test_a_missing_builtin_is_a_load_error_naming_file_and_line(tmp_path: Path, call: str) -> None:
    # rego-cpp would evaluate this rule as undefined: an empty deny set that allows.
    text = V1 + f'deny contains msg if {{\n  input.x\n  r := {call}\n  msg := "x"\n}}\n'
    with pytest.raises(PolicySyntaxError) as info:
        _load(tmp_path, text)
    name = call.split("(", maxsplit=1)[0]
    assert f"policy.rego:5: calls {name}," in info.value.message


def test_a_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        _load(tmp_path, "package main\n\ndeny[msg] {\n  msg := \n}\n")
    assert info.value.message.endswith("policy.rego:4:7: Invalid assignment operator")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('deny[msg] {\n  msg := "x"\n}\n', "needs a package line"),
        (
            V1 + 'deny contains msg if {\n  count(deny) == 0 with input as {}\n  msg := "x"\n}\n',
            "policy.rego:4: 'with' is not supported",
        ),
        (
            V1 + 'deny contains msg if {\n  x := to_number("abc")\n  msg := "x"\n}\n',
            "evaluating against an empty input failed",
        ),
    ],
)
def test_other_load_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        _load(tmp_path, text)
    assert expected in info.value.message


def test_missing_path_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(PolicySyntaxError, match="no such policy"):
        load_policies([tmp_path / "nope"])


def test_v0_and_v1_forms_and_every_rule_kind(tmp_path: Path) -> None:
    (tmp_path / "v0.rego").write_text(
        "package main\n"
        'deny[msg] { input.kind == "shell"; msg := sprintf("no %s", [input.command]) }\n'
        'violation[{"msg": m, "details": {}}] { input.environment == "production"; m := "v" }\n'
        'warn[msg] { input.task == null; msg := "no task" }\n',
        encoding="utf-8",
    )
    (tmp_path / "v1.rego").write_text(
        "package interlock.extra\nimport rego.v1\n"
        'deny contains msg if { input.requester.kind == "agent"; msg := "agent" }\n'
        'require contains {"approvals": 3, "groups": ["dba", "sre"], "msg": "db"} if true\n'
        'require contains {"approvals": 1} if true\n',
        encoding="utf-8",
    )
    policies = load_policies([tmp_path])
    result = policies.evaluate(
        {
            "kind": "shell",
            "command": "rm x",
            "environment": "production",
            "task": None,
            "requester": {"kind": "agent"},
        }
    )
    assert result.error is None
    assert sorted(result.denies) == ["agent", "no rm x", "v"]
    assert result.warnings == ("no task",)
    assert sorted(result.requirements, key=lambda r: r.approvals) == [
        Requirement(1),
        Requirement(3, ("dba", "sre"), "db"),
    ]
    assert policies.evaluate({"kind": "plan"}).denies == ()


@pytest.mark.parametrize(
    "value",
    ['{"approvals": "three"}', '{"approvals": -1}', '"two"', '{"approvals": 2, "group": 7}'],
)
def test_a_malformed_requirement_fails_closed(tmp_path: Path, value: str) -> None:
    policies = _load(tmp_path, V1 + f"require contains {value} if input.go\n")
    assert policies.evaluate({}).error is None
    result = policies.evaluate({"go": True})
    assert result.error is not None
    assert "malformed" in result.error


def test_an_evaluation_error_at_decision_time_denies(tmp_path: Path) -> None:
    policies = _load(
        tmp_path, V1 + 'deny contains msg if {\n  n := to_number(input.command)\n  msg := "x"\n}\n'
    )
    assessment = _shell("abc")
    decision = decide(assessment, default_config(), policies=policies)
    assert decision.verdict is Verdict.DENY
    (reason,) = [r for r in decision.reasons if r.source is ReasonSource.REGO]
    assert reason.rule_id == "rego-error"


def _shell(command: str) -> Assessment:
    finding = Finding("t-read", Category.READ, Scope.WORKSPACE, "x", command, "why")
    return Assessment(Action(ActionKind.SHELL, command), (finding,))


def test_conftest_deny_over_a_corpus_plan(corpus: Path, tmp_path: Path) -> None:
    plan = (corpus / "tfplan" / BASIC_DELETE).read_bytes()
    policies = _load(
        tmp_path,
        V1
        + "deny contains msg if {\n"
        + "  some rc in input.resource_changes\n"
        + '  "delete" in rc.change.actions\n'
        + '  msg := sprintf("%s is deleted", [rc.address])\n'
        + "}\n",
    )
    finding = Finding(
        "tf-delete", Category.DELETE, Scope.REMOTE, "test_instance.test-delete", "p", "why"
    )
    assessment = Assessment(
        Action(ActionKind.TERRAFORM_PLAN, plan), (finding,), environments=("staging",)
    )
    document = policy_input(assessment)
    assert document["plan"]["format_version"] == document["format_version"]
    assert document["kind"] == "terraform-plan"
    decision = decide(assessment, default_config(), policies=policies)
    assert decision.verdict is Verdict.DENY
    rego = [r.message for r in decision.reasons if r.source is ReasonSource.REGO]
    assert rego == ["test_instance.test-delete is deleted"]


def test_the_example_policies_over_the_incident(corpus: Path) -> None:
    policies = load_policies([EXAMPLES])
    assert all(not f.endswith("_test.rego") for f in policies.files)
    plan = (
        b'{"format_version": "1.2", "resource_changes": [{"address": "aws_db_instance.main",'
        b' "type": "aws_db_instance", "change": {"actions": ["delete", "create"]}}]}'
    )
    finding = Finding(
        "tf-replace",
        Category.REPLACE,
        Scope.REMOTE,
        "aws_db_instance.main",
        "p",
        "why",
        environment="production",
    )
    assessment = Assessment(Action(ActionKind.TERRAFORM_PLAN, plan), (finding,))
    kiro = Principal("kiro", PrincipalKind.AGENT, acts_for="alice")
    as_agent = decide(assessment, default_config(), requester=kiro, policies=policies)
    assert as_agent.verdict is Verdict.DENY
    alice = Principal("alice", PrincipalKind.HUMAN)
    as_human = decide(assessment, default_config(), requester=alice, policies=policies)
    assert as_human.verdict is Verdict.HOLD
    assert as_human.required_approvals == 3
    assert as_human.approver_groups == ("dba",)


def test_policy_input_shape() -> None:
    kiro = Principal("kiro", PrincipalKind.AGENT, acts_for="alice", profile="planner")
    document = policy_input(_shell("ls"), kiro)
    assert document["command"] == "ls"
    assert document["plan"] is None
    assert document["requester"] == {
        "name": "kiro",
        "kind": "agent",
        "human": "alice",
        "groups": [],
    }
    assert document["agent"] == {"name": "kiro", "acts_for": "alice", "profile": "planner"}
    assert document["assessment"]["findings"][0]["category"] == "read"


def test_decision_query_covers_each_package_once() -> None:
    sources = [
        read_source("a.rego", "package main\ndeny[m] { m := 1 }\ntest_x { true }\n"),
        read_source("b.rego", "package main\nimport rego.v1\nwarn contains m if { m := 1 }\n"),
        read_source("c.rego", "package other\nrequire contains {} if false\n"),
    ]
    query = decision_query(sources)
    assert query is not None
    assert query.count("data.main.deny") == 1
    assert "data.main.warn" in query
    assert "data.other.require" in query
    assert "test_x" not in query
    assert decision_query([read_source("d.rego", "package lib\nf(x) := x\n")]) is None


def test_only_the_keys_the_policies_read_are_built(corpus: Path, tmp_path: Path) -> None:
    narrow = _load(tmp_path, V1 + 'deny contains "x" if input.command == "rm"\n', "a.rego")
    assert narrow.input_keys == frozenset({"command"})
    plan = (corpus / "tfplan" / BASIC_DELETE).read_bytes()
    assessment = Assessment(Action(ActionKind.TERRAFORM_PLAN, plan), ())
    assert policy_input(assessment, keys=narrow.input_keys) == {"command": None}
    some = policy_input(assessment, keys=frozenset({"resource_changes", "kind"}))
    assert set(some) == {"resource_changes", "kind"}
    whole = _load(tmp_path, V1 + "deny contains x if { x := f(input) }\nf(i) := i.a\n", "b.rego")
    assert whole.input_keys is None
    assert "planned_values" in policy_input(assessment, keys=whole.input_keys)


def test_missing_builtin_is_refused_after_a_cpp_extension_loaded(tmp_path: Path) -> None:
    """With SQLAlchemy loaded first, the compiled plan is inspected in a child process.

    rego-cpp's bundle saving aborts a process in which another C++ runtime user was
    loaded first; the check must still run, and still refuse the missing built-in.
    """
    import subprocess
    import sys

    policy = tmp_path / "net.rego"
    policy.write_text(
        'package main\ndeny contains msg if {\n  http.send({"url": "x"})\n  msg := "no"\n}\n'
    )
    script = (
        "import sqlalchemy, sys\n"
        "from interlock.errors import PolicySyntaxError\n"
        "from interlock.policy.rego import load_policies\n"
        "try:\n"
        f"    load_policies([{str(policy)!r}])\n"
        "except PolicySyntaxError as exc:\n"
        "    print(exc.message)\n"
        "    sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "http.send" in done.stdout
    assert "net.rego:3" in done.stdout
