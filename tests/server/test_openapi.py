"""schemathesis against the app's OpenAPI document: no input makes the server fail.

A bounded run (``max_examples`` per operation) in the default suite, over a real
SQLite store, with a human token so that authenticated routes are exercised past
authentication. Every answer must be below 500, whatever the generated body, path or
query (``not_a_server_error``), and match the response schema the document declares
(``response_schema_conformance``), so the contract clients read is the one served.
Each operation is a parametrized test driven by schemathesis's Hypothesis strategy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.server.apiworld import ApiWorld, api_world

EXAMPLES = 20


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    path: Path = tmp_path_factory.mktemp("openapi") / "db.sqlite"
    with api_world(f"sqlite:///{path}", poll_seconds=0.05) as built:
        built.submit_incident()
        yield built


def _operations() -> list[str]:
    """``METHOD /path`` of every operation, read from the app's own document (at
    collection time, so without schemathesis's ASGI client, which leaves a thread)."""
    with api_world("sqlite://") as built:
        document: dict[str, Any] = built.client.app.openapi()  # type: ignore[attr-defined]
    methods = {"get", "post", "put", "patch", "delete"}
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
        if method in methods
    )


OPERATIONS = _operations()


def test_every_api_route_is_in_the_document() -> None:
    assert "POST /api/v1/requests/{request_id}/votes" in OPERATIONS
    assert "GET /api/v1/audit/entries/{index}/proof" in OPERATIONS
    assert len(OPERATIONS) >= 12


@pytest.mark.parametrize("label", [op for op in OPERATIONS if not op.endswith("/events")])
def test_no_server_errors(world: ApiWorld, label: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    method, path = label.split(" ", 1)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if label.endswith("/wait") and isinstance(case.query, dict):
            case.query["timeout"] = 0  # the long poll itself is tested in test_api
        response = case.call(headers=world.auth("bob"))
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()


def test_the_bodies_routes_read_themselves_are_documented() -> None:
    """Submissions and ballots read their own body and token (``rawbody``): the
    document still names the bodies' schemas, the token and the 422 answer, and every
    reference in it resolves (schemathesis would otherwise send no bodies)."""
    with api_world("sqlite://") as built:
        document: dict[str, Any] = built.client.app.openapi()  # type: ignore[attr-defined]
    schemas = document["components"]["schemas"]
    for path, model in (("", "SubmitIn"), ("/{request_id}/votes", "VoteIn")):
        operation = document["paths"][f"/api/v1/requests{path}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{model}"}
        assert operation["security"] == [{"interlock-token": []}]
        assert "422" in operation["responses"]
    assert schemas["SubmitIn"]["required"] == ["kind"]
    assert {"command", "plan_b64", "break_glass"} <= schemas["SubmitIn"]["properties"].keys()
    assert schemas["VoteIn"]["required"] == ["vote"]
    refs = _references(document)
    assert {"#/components/schemas/SubmitIn", "#/components/schemas/VoteIn"} <= refs
    missing = [r for r in refs if r.rpartition("/")[2] not in schemas]
    assert not missing


def _references(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set()
