"""``interlock serve`` refuses bad arguments before it binds a port.

The running server itself is exercised over HTTP in tests/server/test_serve.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interlock.cli import main
from tests.server.apiworld import DEMO


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--issue-token", "mallory"], "names no such person or agent"),
        (["--port", "70000"], "is not a TCP port"),
        (["--max-body", "0"], "--max-body must be positive"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str
) -> None:
    args = ["serve", "--config", str(DEMO), "--database-url", f"sqlite:///{tmp_path / 'db'}"]
    assert main([*args, *extra]) == 2
    assert fragment in capsys.readouterr().err


def test_a_bad_webhook_in_the_config_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "interlock.yaml"
    config.write_text(
        DEMO.read_text() + "\nnotify:\n  webhooks:\n    - url: http://127.0.0.1:9/\n"
        "      secret: not-a-secret\n"
    )
    args = ["serve", "--config", str(config), "--database-url", f"sqlite:///{tmp_path / 'db'}"]
    assert main(args) == 3
    assert "whsec_" in capsys.readouterr().err
