"""Credentials per environment: references, profile, kube context, redaction, the child env."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from interlock.config import parse_config
from interlock.errors import ConfigError, GrantRefusedError, InputError
from interlock.execute import credentials, runner
from interlock.execute.plans import PlanStore, apply_argv, bind, bound_sha

CONFIG = """\
environments:
  production:
    protected: true
    approvals: 2
    credentials:
      env: {DB_PASSWORD: "${SRC_PW}", API: "k-${SRC_KEY}-v1", PLAIN: literal-value}
      aws_profile: prod-admin
      kube_context: prod-eu
  staging: {}
"""


def test_references_are_read_from_the_gateway_environment() -> None:
    config = parse_config(CONFIG)
    got = credentials.for_environment(
        config, "production", {"SRC_PW": "pw-1234", "SRC_KEY": "abcd"}
    )
    assert got.env["DB_PASSWORD"] == "pw-1234"
    assert got.env["API"] == "k-abcd-v1"
    assert got.env["PLAIN"] == "literal-value"
    assert got.env["AWS_PROFILE"] == "prod-admin"
    assert set(got.secrets) == {"pw-1234", "k-abcd-v1", "literal-value"}
    assert "pw-1234" not in repr(got)
    first = got.env["KUBECONFIG"].split(os.pathsep)[0]
    assert 'current-context: "prod-eu"' in Path(first).read_text()
    os.unlink(first)


def test_a_missing_reference_is_an_error_not_an_empty_secret() -> None:
    with pytest.raises(ConfigError, match="SRC_PW"):
        credentials.for_environment(parse_config(CONFIG), "production", {"SRC_KEY": "x"})


@pytest.mark.parametrize("env", [None, "staging", "nowhere"])
def test_environments_without_credentials_inject_nothing(env: str | None) -> None:
    assert dict(credentials.for_environment(parse_config(CONFIG), env, {}).env) == {}


def test_the_child_gets_the_credentials_and_the_output_is_redacted() -> None:
    injected = credentials.Injected({"DB_PASSWORD": "hunter2-long"}, ("hunter2-long",), "p")
    code = (
        "import os; print('pw=' + os.environ['DB_PASSWORD']); "
        "print(os.environ.get('INTERLOCK_TOKEN'))"
    )
    os.environ["INTERLOCK_TOKEN"] = "agent-token-value"
    try:
        result = runner.run([sys.executable, "-c", code], injected)
    finally:
        del os.environ["INTERLOCK_TOKEN"]
    assert result.ok
    assert result.output == "pw=[redacted]\nNone\n"
    assert "hunter2" not in result.excerpt


def test_a_run_past_its_timeout_fails() -> None:
    result = runner.run(
        [sys.executable, "-c", "import time; time.sleep(5)"], credentials.Injected(), timeout=0.5
    )
    assert result.timed_out
    assert not result.ok


def test_a_missing_program_fails_without_raising() -> None:
    result = runner.run(["/nonexistent/terraform"], credentials.Injected())
    assert result.exit_status == 127
    assert not result.ok


def test_plan_store_refuses_a_changed_file(tmp_path: Path) -> None:
    store = PlanStore(tmp_path)
    sha = store.put(b"binary plan", ".tfplan")
    path = store.path_of(sha)
    assert apply_argv("tofu", path) == ["tofu", "apply", "-input=false", str(path)]
    path.write_bytes(b"swapped")
    with pytest.raises(GrantRefusedError):
        store.path_of(sha)
    with pytest.raises(InputError):
        store.path_of("../../etc/passwd")


def test_the_plan_json_binds_the_binary() -> None:
    doc = bind(b'{"format_version": "1.2", "resource_changes": []}', "ab" * 32)
    assert bound_sha(doc) == "ab" * 32
