"""Plan reading at scale: a generated 100,000-resource Terraform plan.

Figures (issue 3, one run each):

* interlock's whole check (format detection, reading, environment, findings, the
  floor's decision, the JSON answer) ÷ ``orjson.loads`` of the same bytes — goal ≤ 1.5;
* a conftest-style Rego policy (deny when any ``resource_changes[].change.actions``
  contains ``"delete"``) evaluated by regopy, loading the plan text as conftest does,
  ÷ interlock's time — goal ≥ 50. regopy is run on a smaller plan of the same shape
  (``INTERLOCK_BENCH_REGO_RESOURCES``, default 10,000) and scaled linearly, to keep the
  suite bounded; the printed line says so;
* peak memory of a fresh process that reads the 100k plan and checks it (its
  ``VmHWM``, the peak resident size of its own address space) ÷ the file size —
  goal ≤ 3.

The plan comes from ``benchmarks.plangen`` (real corpus shapes, 70% no-op, 15% update,
10% create, 3% replace, 2% delete), written to a temporary file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.plangen import generate, load_templates

RESOURCES = 100_000
REGO_RESOURCES = int(os.environ.get("INTERLOCK_BENCH_REGO_RESOURCES", "10000"))

POLICY = """package main
import rego.v1

deny contains msg if {
  some rc in input.resource_changes
  some action in rc.change.actions
  action == "delete"
  msg := sprintf("%s is deleted or replaced", [rc.address])
}
"""

_CHECK = """
import json, sys
from pathlib import Path
from interlock.classify import assess
from interlock.cli.render import decision_json
from interlock.config import default_config
from interlock.models import Action, ActionKind, Target
from interlock.policy import decide
config = default_config()
data = Path(sys.argv[1]).read_bytes()
assessment = assess(Action(ActionKind.TERRAFORM_PLAN, data, Target()), config)
json.dumps(decision_json(assessment, decide(assessment, config)))
# VmHWM is this address space's peak; ru_maxrss would carry the parent's over fork
status = Path("/proc/self/status").read_text().splitlines()
print(int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) * 1024)
"""


def check_seconds(data: bytes) -> tuple[float, str, int]:
    """Seconds for interlock's whole check of ``data``; the verdict; finding count."""
    from interlock.classify import assess
    from interlock.cli.render import decision_json
    from interlock.config import default_config
    from interlock.models import Action, ActionKind, Target
    from interlock.policy import decide

    config = default_config()
    started = time.perf_counter()
    assessment = assess(Action(ActionKind.TERRAFORM_PLAN, data, Target()), config)
    decision = decide(assessment, config)
    orjson.dumps(decision_json(assessment, decision))
    return time.perf_counter() - started, decision.verdict.value, len(assessment.findings)


def orjson_seconds(data: bytes) -> float:
    """Seconds for ``orjson.loads`` of ``data`` (the parse alone)."""
    started = time.perf_counter()
    doc = orjson.loads(data)
    elapsed = time.perf_counter() - started
    del doc
    return elapsed


def rego_seconds(data: bytes) -> tuple[float, int]:
    """Seconds for regopy to load ``data`` as input and evaluate the deny rule."""
    import regopy

    rego = regopy.Interpreter()
    rego.add_module("main", POLICY)
    started = time.perf_counter()
    rego.set_input_term(data.decode())
    output = rego.query("data.main.deny")
    elapsed = time.perf_counter() - started
    denies = str(output).count("is deleted or replaced")
    return elapsed, denies


def peak_memory(path: Path) -> int:
    """Peak resident bytes of a fresh process that reads and checks ``path``."""
    out = subprocess.run(
        [sys.executable, "-c", _CHECK, str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return int(out.stdout.strip().splitlines()[-1])


def run() -> list[str]:
    """Generate the plans, measure, and return the printable figures."""
    templates = load_templates()
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="interlock-bench-") as tmp:
        path = Path(tmp) / "plan-100k.json"
        data = orjson.dumps(generate(RESOURCES, templates=templates))
        path.write_bytes(data)
        size = len(data)
        lines.append(f"plan: {RESOURCES:,} resources, {size / 2**20:.1f} MiB (generated)")
        parse = orjson_seconds(data)
        check, verdict, findings = check_seconds(data)
        lines.append(
            f"interlock check {check:.2f} s / orjson.loads {parse:.2f} s = "
            f"{check / parse:.2f} (goal <= 1.5); decision {verdict}, {findings} findings"
        )
        peak = peak_memory(path)
        lines.append(
            f"peak memory {peak / 2**20:.0f} MiB / file {size / 2**20:.0f} MiB = "
            f"{peak / size:.2f}x (goal <= 3; peak RSS (VmHWM) of a fresh process, incl. the bytes)"
        )
        del data
        small = orjson.dumps(generate(REGO_RESOURCES, templates=templates))
        rego, denies = rego_seconds(small)
        scaled = rego * RESOURCES / REGO_RESOURCES
        lines.append(
            f"regopy conftest-style deny rule on {REGO_RESOURCES:,} resources: {rego:.1f} s "
            f"({denies} denies), scaled linearly to {RESOURCES:,}: {scaled:.0f} s"
        )
        lines.append(f"regopy (scaled) / interlock check = {scaled / check:.0f} (goal >= 50)")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
