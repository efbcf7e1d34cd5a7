"""Policy-as-code in Rego through ``regopy`` (rego-cpp), failing closed.

Policies are conftest-compatible: ``package main`` (or any package) with
``deny[msg]`` / ``violation[...]`` / ``warn[msg]``, in the OPA v0 form or the Rego v1
``deny contains msg if`` form, over an input that carries the raw plan JSON at its
root (so ``input.resource_changes[_]`` works as under ``conftest test plan.json``)
plus interlock's own keys (``kind``, ``command``, ``assessment``, ``environment``,
``requester``, ``agent``, ``task``; see ``policy_input``). Interlock adds one rule:
``require[{"approvals": 3, "group": "dba"}]`` holds the action for at least that
many approvers from that group.

A ``PolicySet`` is loaded and compiled once. Everything wrong with it is a
``PolicySyntaxError`` at load, naming file and line: a parse or compile error, a
call to a function the engine lacks (regopy 1.5 lacks ``http.send``,
``net.lookup_ip_addr``, ``net.cidr_contains``, ``json.verify_schema``, ``trace``,
``rego.parse_module``, ``providers.aws.sign_req``, ...; it has ``opa.runtime`` and
``print``), which rego-cpp would otherwise evaluate as undefined, i.e. an empty deny
set), a ``with`` in a decision file (it crashes rego-cpp 1.5; tests in
``*_test.rego`` files may use it), and an error when evaluated once against an
empty input. Built-in errors are strict; any evaluation error at decision time is
returned as ``RegoResult.error`` and the engine denies.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interlock.errors import PolicySyntaxError
from interlock.policy.regosource import RegoSource, line_and_column, read_source

_ERROR = re.compile(r"\(error \d+:(?P<file>[^|]*)\|(?P<offset>\d+)\|")
_ERRMSG = re.compile(r"\(errormsg \d+:(?P<msg>[^)\n]*)")
_USER_FUNCTION = "g0."


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a ``require`` rule asks: at least ``approvals`` humans, from ``groups``."""

    approvals: int
    groups: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class RegoResult:
    """What the policies said about one input; ``error`` set means fail closed."""

    denies: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    error: str | None = None


@dataclass
class PolicySet:
    """Rego files compiled once into one bundle, evaluated under a lock."""

    sources: tuple[RegoSource, ...]
    _interpreter: Any = field(repr=False)
    _bundle: Any = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def input_keys(self) -> frozenset[str] | None:
        """The ``input`` keys the policies read; ``None`` when one reads all of it."""
        keys: set[str] = set()
        for source in self.sources:
            if source.input_keys is None:
                return None
            keys |= source.input_keys
        return frozenset(keys)

    @property
    def files(self) -> tuple[str, ...]:
        """The policy files, in load order."""
        return tuple(s.path for s in self.sources)

    def evaluate(self, document: Mapping[str, Any]) -> RegoResult:
        """Evaluate every decision rule against ``document``; errors are results."""
        if self._bundle is None:
            return RegoResult()
        import regopy

        try:
            with self._lock:
                self._interpreter.set_input(regopy.Input(document))
                output = self._interpreter.query_bundle(self._bundle)
                ok, results = output.ok(), list(output.results)
        except (regopy.RegoError, TypeError, ValueError) as exc:
            return RegoResult(error=f"the Rego engine failed: {exc}")
        if not ok or not results or "x" not in results[0].bindings:
            return RegoResult(error=self._diagnose(document))
        return _read_result(results[0].bindings["x"])

    def _diagnose(self, document: Mapping[str, Any]) -> str:
        """Name the rule whose evaluation failed (slow, only on the error path)."""
        import regopy

        failing: list[str] = []
        with self._lock:
            self._interpreter.set_input(regopy.Input(document))
            for source in self.sources:
                for rule in source.decision_rules:
                    ref = f"data.{source.package}.{rule}"
                    output = self._interpreter.query(f"[k | {ref}[k]]")
                    if not output.ok() and ref not in failing:
                        failing.append(ref)
        where = ", ".join(failing) or ", ".join(self.files)
        return f"evaluating {where} failed (a strict built-in error or a conflict)"


def load_policies(paths: Iterable[str | Path], *, tests: bool = False) -> PolicySet:
    """Load ``paths`` (files, or directories searched for ``*.rego``) and compile them.

    ``tests=True`` keeps ``*_test.rego`` files and allows ``with`` (for ``policy test``).
    """
    sources = tuple(_read(p) for p in policy_files(paths, tests=tests))
    if not tests:
        for source in sources:
            if source.with_lines:
                line = source.with_lines[0]
                raise PolicySyntaxError(
                    f"{source.path}:{line}: 'with' is not supported in decision policies",
                    hint="the embedded Rego engine can crash on it; keep 'with' in *_test.rego",
                )
    interpreter = new_interpreter()
    for source in sources:
        _add_module(interpreter, source, sources)
    query = decision_query(sources)
    if query is None:
        return PolicySet(sources, interpreter, None)
    bundle = _build(interpreter, query, sources)
    check_calls(interpreter, bundle, sources)
    policy_set = PolicySet(sources, interpreter, bundle)
    probe = policy_set.evaluate({})
    if probe.error is not None:
        raise PolicySyntaxError(
            f"{', '.join(policy_set.files)}: evaluating against an empty input failed",
            hint=probe.error,
        )
    return policy_set


def policy_files(paths: Iterable[str | Path], *, tests: bool = False) -> list[Path]:
    """The ``.rego`` files named by ``paths``, sorted within each directory."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.rglob("*.rego"))
            out += [f for f in found if tests or not f.name.endswith("_test.rego")]
        elif path.is_file():
            out.append(path)
        else:
            raise PolicySyntaxError(f"{path}: no such policy file or directory")
    return out


def new_interpreter() -> Any:
    """A rego-cpp interpreter with strict built-in errors and no console output."""
    global _save_in_child  # noqa: PLW0603 - decided once, at regopy's first import
    if _save_in_child is None:
        _save_in_child = "regopy" not in sys.modules and any(
            name in sys.modules for name in _CPP_EXTENSIONS
        )
    import regopy

    interpreter = regopy.Interpreter()
    interpreter.strict_built_in_errors = True
    interpreter.log_level = regopy.LogLevel.NONE
    return interpreter


def _read(path: Path) -> RegoSource:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicySyntaxError(f"{path}: cannot read policy: {exc}") from exc
    source = read_source(str(path), text)
    if not source.package:
        raise PolicySyntaxError(f"{path}:1: a policy needs a package line")
    return source


def _add_module(interpreter: Any, source: RegoSource, sources: Sequence[RegoSource]) -> None:
    import regopy

    try:
        interpreter.add_module(source.path, source.text)
    except regopy.RegoError as exc:
        raise syntax_error(str(exc), sources) from None


def _build(interpreter: Any, query: str, sources: Sequence[RegoSource]) -> Any:
    import regopy

    try:
        bundle = interpreter.build(query, [])
    except regopy.RegoError as exc:
        raise syntax_error(str(exc), sources) from None
    if not bundle.ok():
        raise PolicySyntaxError(f"{', '.join(s.path for s in sources)}: does not compile")
    return bundle


def syntax_error(raw: str, sources: Sequence[RegoSource]) -> PolicySyntaxError:
    """Turn rego-cpp's error tree into ``file:line:column: message``."""
    where = _ERROR.search(raw)
    what = _ERRMSG.search(raw)
    message = what.group("msg").strip() if what else raw.strip().splitlines()[0]
    if where is None:
        return PolicySyntaxError(f"{', '.join(s.path for s in sources) or 'policy'}: {message}")
    # a test module is named ``file#test_name`` (``regotest.isolate``), lines as the file's
    name, offset = where.group("file").split("#")[0], int(where.group("offset"))
    text = next((s.text for s in sources if s.path == name), "")
    line, column = line_and_column(text, offset)
    return PolicySyntaxError(f"{name}:{line}:{column}: {message}")


def decision_query(sources: Sequence[RegoSource]) -> str | None:
    """One query collecting every decision rule of every package, or ``None``."""
    wanted: dict[str, list[str]] = {}
    for source in sources:
        rules = wanted.setdefault(source.package, [])
        rules += [r for r in source.decision_rules if r not in rules]
    # ``[k | data.p.r[k]]`` lists a partial set's members and a partial object's keys:
    # rego-cpp reads the v0 form ``deny[msg] { ... }`` as an object ``{msg: true}``.
    parts = [
        f'"{package}.{rule}": [k | data.{package}.{rule}[k]]'
        for package, rules in sorted(wanted.items())
        for rule in rules
    ]
    return f"x := {{{', '.join(parts)}}}" if parts else None


#: Extensions linked against the system C++ runtime. If one was loaded before regopy,
#: rego-cpp's ``save_bundle`` frees memory with the wrong allocator and aborts the
#: process ("free(): invalid pointer"); queries are unaffected.
_CPP_EXTENSIONS = ("greenlet", "sqlalchemy.cyextension")
_save_in_child: bool | None = None

_SAVE_CHILD = """
import json, sys, tempfile, pathlib, regopy
job = json.load(sys.stdin)
interp = regopy.Interpreter()
interp.strict_built_in_errors = True
interp.log_level = regopy.LogLevel.NONE
for path, text in job["modules"]:
    interp.add_module(path, text)
bundle = interp.build(job["query"], [])
with tempfile.TemporaryDirectory() as tmp:
    interp.save_bundle(tmp + "/bundle", bundle)
    sys.stdout.write(pathlib.Path(tmp, "bundle", "plan.json").read_text(encoding="utf-8"))
"""


def check_calls(interpreter: Any, bundle: Any, sources: Sequence[RegoSource]) -> None:
    """Refuse calls to functions neither built in nor defined: rego-cpp skips them."""
    plan = _compiled_plan(interpreter, bundle, sources)
    files = [f.get("value", "") for f in plan.get("static", {}).get("files", [])]
    for call in _calls(plan):
        name = str(call.get("func", ""))
        if name.startswith(_USER_FUNCTION) or interpreter.is_builtin(name):
            continue
        index = call.get("file")
        file = files[index] if isinstance(index, int) and index < len(files) else ""
        path = next((s.path for s in sources if file and s.path.endswith(file)), "policy")
        row = call.get("row")
        line = row + 1 if isinstance(row, int) else "?"  # rows are 0-based
        raise PolicySyntaxError(
            f"{path}:{line}: calls {name}, which the Rego engine does not "
            "provide (regopy lacks it, or no policy defines it)",
            hint="a missing built-in would make the rule silently undefined; it is refused",
        )


def _compiled_plan(interpreter: Any, bundle: Any, sources: Sequence[RegoSource]) -> Any:
    """The bundle's compiled plan, saved in this process or, when unsafe, in a child."""
    if not _save_in_child:
        with tempfile.TemporaryDirectory(prefix="interlock-rego-") as tmp:
            interpreter.save_bundle(str(Path(tmp) / "bundle"), bundle)
            return json.loads((Path(tmp) / "bundle" / "plan.json").read_text(encoding="utf-8"))
    query = decision_query(sources)
    job = json.dumps({"modules": [[s.path, s.text] for s in sources], "query": query})
    done = subprocess.run(
        [sys.executable, "-I", "-c", _SAVE_CHILD],
        input=job,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise PolicySyntaxError(
            f"{', '.join(s.path for s in sources)}: could not inspect the compiled policy",
            hint=done.stderr.strip()[-500:] or f"exit status {done.returncode}",
        )
    return json.loads(done.stdout)


def _calls(node: Any) -> Iterable[Mapping[str, Any]]:
    """Every ``CallStmt`` in the compiled plan, depth first."""
    if isinstance(node, dict):
        if node.get("type") == "CallStmt" and isinstance(node.get("stmt"), dict):
            yield node["stmt"]
        for value in node.values():
            yield from _calls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _calls(item)


def _read_result(values: Mapping[str, Any]) -> RegoResult:
    denies: list[str] = []
    warnings: list[str] = []
    requirements: list[Requirement] = []
    try:
        for key, items in sorted(values.items()):
            rule = key.rsplit(".", 1)[-1]
            for item in items:
                if rule == "require":
                    requirements.append(_requirement(item))
                elif rule == "warn":
                    warnings.append(message_of(item))
                else:
                    denies.append(message_of(item))
    except (TypeError, ValueError) as exc:
        return RegoResult(error=f"a policy returned a malformed value: {exc}")
    return RegoResult(tuple(denies), tuple(warnings), tuple(requirements))


def message_of(item: Any) -> str:
    """A deny/warn value as text: a string, or an object's ``msg``, else its JSON."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("msg"), str):
        return str(item["msg"])
    return json.dumps(item, sort_keys=True)


def _requirement(item: Any) -> Requirement:
    """Read ``{"approvals": N, "group": G | "groups": [...], "msg": ...}``, strictly."""
    if not isinstance(item, dict):
        raise TypeError(f"require needs an object, got {item!r}")
    approvals = item.get("approvals", 0)
    if not isinstance(approvals, int) or isinstance(approvals, bool) or approvals < 0:
        raise ValueError(f"require.approvals must be a count, got {approvals!r}")
    groups = item.get("groups", [])
    if "group" in item:
        groups = [item["group"], *groups]
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValueError(f"require.group(s) must be names, got {groups!r}")
    message = item.get("msg", item.get("reason", ""))
    return Requirement(approvals, tuple(groups), str(message))
