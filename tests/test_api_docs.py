"""The API's documents say what the code does."""

from __future__ import annotations

from bot.api import docs, document


def test_the_endpoint_table_in_docs_api_md_is_current():
    assert docs.embedded(docs.DOC.read_text()) == docs.table(), (
        "docs/api.md is out of date: run  python -m bot.api.docs --write")


def test_every_operation_has_a_unique_id_and_summary():
    import json

    doc = json.loads(document())
    ids = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(op["summary"] for path in doc["paths"].values() for op in path.values())
