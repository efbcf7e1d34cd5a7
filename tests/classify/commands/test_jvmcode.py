"""groovy, kotlin, scala, jshell and jrunscript code through the real pipeline."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("groovy -e '\"rm -rf /\".execute()'", Verdict.DENY, "fs-delete"),
        ("groovy -e '[\"rm\",\"-rf\",\"/\"].execute()'", Verdict.DENY, "fs-delete"),
        ("groovy -e '\"rm -rf $dir\".execute()'", Verdict.HOLD, "code-inline-opaque"),
        ("groovy -e 'println \"ls -l\".execute().text'", Verdict.ALLOW, "local-read"),
        ("groovy -e 'println 1+1'", Verdict.ALLOW, "code-inline-read"),
        ("groovy -e 'new File(\"/etc/passwd\").delete()'", Verdict.HOLD, "code-inline-opaque"),
        ("jshell <<< 'Runtime.getRuntime().exec(\"rm -rf /\")'", Verdict.DENY, "fs-delete"),
        ("jshell <<< 'Runtime.getRuntime().exec(new String[]{\"rm\",\"-rf\",\"/\"})'",
         Verdict.DENY, "fs-delete"),
        ("jshell <<< 'System.out.println(\"hi\")'", Verdict.ALLOW, "code-inline-read"),
        ("kotlinc -e 'ProcessBuilder(\"rm\", \"-rf\", \"/\").start()'", Verdict.DENY,
         "fs-delete"),
        ("scala -e 'import sys.process._; \"rm -rf /\".!'", Verdict.DENY, "fs-delete"),
        ("scala -e 'Seq(\"rm\", \"-rf\", \"/home\").!'", Verdict.DENY, "fs-delete"),
        ("jrunscript -e 'java.lang.Runtime.getRuntime().exec(\"rm -rf /\")'", Verdict.DENY,
         "fs-delete"),
        ("jshell <<< 'var f = new java.io.File(\"x\"); f.delete()'", Verdict.HOLD,
         "code-inline-opaque"),
        ("groovy build.groovy", Verdict.ALLOW, "code-script-file"),
    ],
)  # fmt: skip
def test_jvm_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line, CWD), rule_ids(line, CWD)
    assert verdict(line, CWD) is expected
