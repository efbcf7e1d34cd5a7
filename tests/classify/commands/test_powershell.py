"""PowerShell code (pwsh -c, powershell, standard input) through the real pipeline."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("pwsh -c 'Remove-Item -Recurse -Force /'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -c 'ri -r -fo ~'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -c 'Remove-Item -Path:/etc -Recurse'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -c 'Remove-Item -Recurse ./build'", Verdict.ALLOW, "code-inline-delete"),
        ("pwsh -c 'Remove-Item -Recurse C:\\\\data'", Verdict.ASK, "code-inline-delete"),
        ("pwsh -c 'Remove-Item $env:USERPROFILE -Recurse'", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh -c 'Get-ChildItem | Remove-Item'", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh -c 'Invoke-Expression \"rm -rf /\"'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -c 'iex \"Get-ChildItem\"'", Verdict.ALLOW, "code-inline-read"),
        ("pwsh -c 'iex $x'", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh -c '& { Remove-Item -Recurse -Force / }'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -c '& $cmd'", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh -c 'Start-Process rm -ArgumentList \"-rf\",\"/\"'", Verdict.DENY, "fs-delete"),
        ("pwsh -c 'Format-Volume -DriveLetter D'", Verdict.DENY, "fs-disk-wipe"),
        ("pwsh -c 'Stop-Computer -Force'", Verdict.ASK, "host-power"),
        ("pwsh -c 'Get-Process; Write-Host hi'", Verdict.ALLOW, "code-inline-read"),
        ("pwsh -c 'Write-Output \"a;rm -rf /\"'", Verdict.ALLOW, "code-inline-read"),
        ("pwsh -c 'Set-Content x.txt hi'", Verdict.ASK, "code-inline-write"),
        ("pwsh -EncodedCommand UgBlAG0AbwB2AGUA", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh -enc UgBlAG0AbwB2AGUA", Verdict.HOLD, "code-inline-opaque"),
        ("pwsh <<< 'Remove-Item -Recurse -Force /'", Verdict.DENY, "code-inline-delete"),
        ("pwsh -ExecutionPolicy Bypass -Command 'rm -rf /'", Verdict.DENY,
         "code-inline-delete"),
        ("pwsh -NoProfile -c Remove-Item -Recurse -Force /", Verdict.DENY,
         "code-inline-delete"),
        ("powershell Remove-Item -Recurse -Force /", Verdict.DENY, "code-inline-delete"),
        ("pwsh -File deploy.ps1", Verdict.ALLOW, "code-script-file"),
    ],
)  # fmt: skip
def test_powershell_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line, CWD), rule_ids(line, CWD)
    assert verdict(line, CWD) is expected
