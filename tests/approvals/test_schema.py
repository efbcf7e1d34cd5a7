"""Migration ``0002_approvals`` creates exactly the tables ``store/records.py`` declares."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, inspect

from interlock.store import Store
from interlock.store.records import grants, principals, requests, tokens, votes

TABLES = (principals, tokens, requests, votes, grants)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_migrated_columns_match_the_declaration(store: Store, table: Table) -> None:
    columns = {c["name"]: c for c in inspect(store.engine).get_columns(table.name)}
    assert set(columns) == set(table.c.keys())
    for column in table.c:
        assert columns[column.name]["nullable"] == column.nullable, column.name


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("votes", ["request_id", "voter"]),
        ("grants", ["request_id"]),
        ("tokens", ["token_hash"]),
    ],
)
def test_the_floor_carrying_constraints_exist(store: Store, table: str, columns: list[str]) -> None:
    inspector = inspect(store.engine)
    unique: list[list[str | None]] = [
        list(c["column_names"]) for c in inspector.get_unique_constraints(table)
    ]
    unique += [list(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]]
    assert [*columns] in unique
