"""Infrastructure plans: recognise the format, run its reader, gather the findings.

``interlock check --plan FILE`` hands over the file's bytes and nothing else, so the
format is read from the bytes: Terraform/OpenTofu ``show -json`` output,
CloudFormation ``describe-change-set`` JSON (the CLI's PascalCase or the SDK's
camelCase), Pulumi ``preview --json`` or its engine-event stream (JSON lines),
Kubernetes manifests (YAML or JSON) and ``kubectl diff`` output. Anything else is
refused with a ``PlanFormatError`` that says what was seen; nothing is guessed.

JSON is sniffed with ``msgspec`` against a struct of the top-level keys that tell
the formats apart; unknown keys are skipped at C speed without building Python
objects, and the Terraform reader reuses the same pass (see ``tfplan.py``).

Every reader reports through a ``PlanTally``: destructive, opaque and risky changes
become one finding each; creates, updates and reads become one finding per
(rule, environment) that names the first few addresses, so that a plan of 100,000
resources yields a reviewable list and a blast radius, not 100,000 lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from interlock.classify.environments import EnvironmentResolver
from interlock.config import Config
from interlock.errors import PlanFormatError
from interlock.models import (
    RISK_ORDER,
    Action,
    Assessment,
    BlastRadius,
    Category,
    Finding,
    Risk,
    Scope,
    max_risk,
)

#: Addresses a bulk finding names before it says "and N more".
BULK_NAMES = 8
#: Longest target or evidence text a finding carries; plans may hold huge strings.
MAX_TEXT = 600

_RAW = msgspec.Raw()


class Sniff(msgspec.Struct):
    """Top-level keys of every JSON plan format; values stay undecoded (``Raw``)."""

    format_version: Any = None
    terraform_version: Any = None
    resource_changes: msgspec.Raw = _RAW
    resource_drift: msgspec.Raw = _RAW
    deferred_changes: msgspec.Raw = _RAW
    action_invocations: msgspec.Raw = _RAW
    planned_values: msgspec.Raw = _RAW
    prior_state: msgspec.Raw = _RAW
    configuration: msgspec.Raw = _RAW
    variables: msgspec.Raw = _RAW
    values: msgspec.Raw = _RAW
    complete: Any = None
    applyable: Any = None
    errored: Any = None
    cfn_changes: msgspec.Raw = msgspec.field(default=_RAW, name="Changes")
    cfn_changes_lower: msgspec.Raw = msgspec.field(default=_RAW, name="changes")
    change_set_id: msgspec.Raw = msgspec.field(default=_RAW, name="ChangeSetId")
    steps: msgspec.Raw = _RAW
    change_summary: msgspec.Raw = msgspec.field(default=_RAW, name="changeSummary")
    api_version: msgspec.Raw = msgspec.field(default=_RAW, name="apiVersion")
    kind: msgspec.Raw = _RAW


def assess_plan(action: Action, config: Config) -> Assessment:
    """Detect the plan format of ``action.payload`` and assess it under ``config``."""
    data = action.payload if isinstance(action.payload, bytes) else action.payload.encode()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    fmt, reader = _reader_for(data)
    try:
        return reader(data, action, config)
    except (PlanFormatError, MemoryError):
        raise
    except Exception as exc:  # a reader bug must hold the plan, never let it pass
        return _reader_failed(action, fmt, exc)


def _reader_failed(action: Action, fmt: str, exc: Exception) -> Assessment:
    """The fail-closed answer when a reader itself breaks: one opaque finding."""
    finding = Finding(
        "plan-reader-error",
        Category.OPAQUE,
        Scope.REMOTE,
        "the plan",
        f"{fmt} reader: {type(exc).__name__}",
        "interlock could not finish reading this plan; it is held until a person looks",
        Risk.HIGH,
        action.target.environment,
    )
    return Assessment(action, (finding,), risk=Risk.HIGH, facts={"format": fmt})


Reader = Callable[[bytes, Action, Config], Assessment]


def detect(data: bytes) -> str:
    """The name of the format of ``data``: terraform, cloudformation, pulumi, kubernetes."""
    return _reader_for(data)[0]


def _reader_for(data: bytes) -> tuple[str, Reader]:
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark, as some editors write
        data = data[3:]
    head = data[:4096].lstrip(b" \t\r\n")
    if not head:
        raise PlanFormatError("the plan is empty")
    if head[:1] in (b"{", b"["):
        _require_utf8(data)
        return _json_object_reader(data) if head[:1] == b"{" else _json_array_reader(data)
    return _text_reader(data, head)


def _require_utf8(data: bytes) -> None:
    """Refuse JSON that is not UTF-8 (RFC 8259 section 8.1) before any reader runs.

    The format sniff skips values without validating them, so a stray byte inside a
    string would otherwise surface later as a ``UnicodeDecodeError`` in a reader (or
    escape ``detect`` altogether). ASCII, the common case, is checked without a copy.
    """
    if data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFormatError(f"the plan is not UTF-8 text (byte {exc.start})") from exc


def _json_object_reader(data: bytes) -> tuple[str, Reader]:
    try:
        top = msgspec.json.decode(data, type=Sniff)
    except RecursionError as exc:
        raise PlanFormatError("the plan nests values too deeply to read") from exc
    except msgspec.DecodeError as exc:
        if _is_event_stream(data):
            from interlock.classify.pulumi import assess_pulumi

            return "pulumi", assess_pulumi
        raise PlanFormatError(f"the plan is not valid JSON: {exc}") from exc
    if top.resource_changes or top.planned_values:
        from interlock.classify.tfplan import assess_tfplan

        return "terraform", lambda d, a, c: assess_tfplan(top, a, c)
    if top.cfn_changes or top.change_set_id or top.cfn_changes_lower:
        from interlock.classify.cfn import assess_cfn

        return "cloudformation", assess_cfn
    if top.steps or top.change_summary:
        from interlock.classify.pulumi import assess_pulumi

        return "pulumi", assess_pulumi
    if top.api_version and top.kind:
        from interlock.classify.k8s import assess_k8s

        return "kubernetes", assess_k8s
    if top.format_version is not None and top.values:
        raise PlanFormatError(
            "this is Terraform state (`terraform show -json` without a plan), not a plan",
            hint="run `terraform plan -out=tfplan` and `terraform show -json tfplan`",
        )
    raise PlanFormatError(
        "a JSON object, but not a plan interlock reads",
        hint="expected Terraform/OpenTofu `show -json`, CloudFormation describe-change-set, "
        "Pulumi `preview --json` or a Kubernetes object",
    )


def _json_array_reader(data: bytes) -> tuple[str, Reader]:
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw])
    except RecursionError as exc:
        raise PlanFormatError("the plan nests values too deeply to read") from exc
    except msgspec.DecodeError as exc:
        raise PlanFormatError(f"the plan is not valid JSON: {exc}") from exc
    first = bytes(items[0]) if items else b""
    if b'"resourceChange"' in first or b'"ResourceChange"' in first:
        from interlock.classify.cfn import assess_cfn

        return "cloudformation", assess_cfn
    if b'"apiVersion"' in first:
        from interlock.classify.k8s import assess_k8s

        return "kubernetes", assess_k8s
    raise PlanFormatError("a JSON array, but not a CloudFormation change list or manifests")


#: Longest first line read when telling an event stream from broken JSON.
_MAX_EVENT_LINE = 16 * 2**20


def _is_event_stream(data: bytes) -> bool:
    start = 0
    while start < len(data) and data[start] in b" \t\r\n":
        start += 1
    end = data.find(b"\n", start, start + _MAX_EVENT_LINE)
    if end < 0:
        return False  # one line only (or an enormous one): not a stream of events
    line = data[start:end]
    try:
        first = msgspec.json.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return False
    return isinstance(first, dict) and any(k.endswith("Event") for k in first)


def _text_reader(data: bytes, head: bytes) -> tuple[str, Reader]:
    from interlock.classify.k8s import assess_k8s, looks_like_diff, looks_like_manifest

    if looks_like_diff(head) or looks_like_manifest(head):
        return "kubernetes", assess_k8s
    raise PlanFormatError(
        "not a plan format interlock reads",
        hint="give `terraform show -json` output, a change set, a Pulumi preview, "
        "Kubernetes manifests or `kubectl diff` output",
    )


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters, marked when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class _Bulk:
    category: Category
    risk: Risk
    verb: str
    environment: str | None
    names: list[str] = field(default_factory=list)
    count: int = 0


class PlanTally:
    """Collects one plan's findings and blast radius, whatever its format."""

    def __init__(self, action: Action, config: Config, resolver: EnvironmentResolver) -> None:
        self.action = action
        self.config = config
        self.resolver = resolver
        self.findings: list[Finding] = []
        self.counts: dict[str, int] = {}
        self.stateful: list[str] = []
        self.modules: set[str] = set()
        self.providers: set[str] = set()
        self._bulk: dict[tuple[str, str | None], _Bulk] = {}

    @property
    def empty(self) -> bool:
        """Whether nothing was found at all (the caller then says "no changes")."""
        return not self.findings and not self._bulk

    def count(self, action: str) -> None:
        """Count one resource under ``action`` (create, update, delete, replace ...)."""
        self.counts[action] = self.counts.get(action, 0) + 1

    def add(
        self,
        rule_id: str,
        category: Category,
        target: str,
        evidence: str,
        explanation: str,
        *,
        risk: Risk,
        environment: str | None,
        stateful: bool = False,
    ) -> None:
        """One finding of its own (destructive, opaque or risky changes)."""
        self.findings.append(
            Finding(
                rule_id,
                category,
                Scope.REMOTE,
                clip(target),
                clip(evidence),
                clip(explanation),
                risk,
                environment,
                stateful,
            )
        )
        if stateful and category in (Category.DELETE, Category.REPLACE):
            self.stateful.append(clip(target))

    def bulk(
        self,
        rule_id: str,
        category: Category,
        address: str,
        *,
        verb: str,
        risk: Risk,
        environment: str | None,
    ) -> None:
        """Fold one routine change into the finding for its rule and environment."""
        key = (rule_id, environment)
        group = self._bulk.get(key)
        if group is None:
            group = self._bulk[key] = _Bulk(category, risk, verb, environment)
        group.count += 1
        if len(group.names) < BULK_NAMES:
            group.names.append(clip(address, 200))

    def assessment(self, facts: dict[str, Any]) -> Assessment:
        """The assessment: individual findings first, then one per bulk group."""
        findings = list(self.findings)
        for (rule_id, _), g in self._bulk.items():
            more = f" and {g.count - len(g.names)} more" if g.count > len(g.names) else ""
            target = g.names[0] if g.count == 1 else f"{g.count} resources"
            noun = "resource" if g.count == 1 else "resources"
            findings.append(
                Finding(
                    rule_id,
                    g.category,
                    Scope.REMOTE,
                    target,
                    ", ".join(g.names) + more,
                    f"{g.count} {noun} {g.verb}",
                    g.risk,
                    g.environment,
                )
            )
        findings.sort(key=lambda f: (-RISK_ORDER[f.risk], not f.stateful))
        changes = sum(n for a, n in self.counts.items() if a not in ("no-op", "read"))
        blast = BlastRadius(
            counts=dict(sorted(self.counts.items())),
            stateful=tuple(self.stateful),
            modules=tuple(sorted(self.modules)),
            providers=tuple(sorted(self.providers)),
            large=changes > self.config.large_blast_radius,
        )
        envs = tuple(sorted({f.environment for f in findings if f.environment}))
        risk = max_risk(*(f.risk for f in findings))
        return Assessment(self.action, tuple(findings), envs, blast, risk, facts)
