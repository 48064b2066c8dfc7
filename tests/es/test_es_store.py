"""Index lifecycle builders and error handling that need no cluster.

``_aliases`` bodies follow the reference ("Aliases API": ``actions`` of ``add``/``remove`` with
``index`` and ``alias``, applied atomically). Opening an engine on a malformed URL or a closed
port must fail with a clear error, never a traceback.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest

from ror.errors import InvalidInput
from ror.search.elasticsearch.engine import open_es_engine
from ror.search.elasticsearch.store import (
    EngineUnavailable,
    _reason,
    lay_term_rules,
    swap_actions,
    versioned_name,
)


def test_versioned_names_sort_in_time_and_are_lower_case() -> None:
    a = versioned_name("ror-offers", datetime(2026, 11, 26, 14, 0, 0, 1, tzinfo=UTC))
    b = versioned_name("ror-offers", datetime(2026, 11, 26, 14, 0, 0, 2, tzinfo=UTC))
    assert a == "ror-offers-20261126t140000000001"
    assert a < b and a == a.lower()


def test_swap_moves_the_alias_in_one_call() -> None:
    body = swap_actions("ror-offers", "ror-offers-2", ["ror-offers-1"], "ror-offers-building")
    assert body == {
        "actions": [
            {"remove": {"index": "ror-offers-1", "alias": "ror-offers"}},
            {"remove": {"index": "ror-offers-2", "alias": "ror-offers-building"}},
            {"add": {"index": "ror-offers-2", "alias": "ror-offers"}},
        ]
    }


def test_first_swap_has_nothing_to_remove_from_the_alias() -> None:
    actions = swap_actions("a", "a-2", [], "a-building")["actions"]
    assert [next(iter(action)) for action in actions] == ["remove", "add"]


def test_bulk_item_errors_become_one_line_reasons() -> None:
    item = {
        "_id": "hs-1",
        "status": 400,
        "error": {
            "type": "document_parsing_exception",
            "reason": "[1:42] failed to parse field [age_range]",
            "caused_by": {"type": "illegal_argument_exception", "reason": "bad range"},
        },
    }
    assert _reason(item) == (
        "document_parsing_exception: [1:42] failed to parse field [age_range] (bad range)"
    )
    assert _reason({"status": 429}) == "HTTP 429"


def test_lay_terms_become_synonym_rules() -> None:
    rules = lay_term_rules()
    assert rules, "the nomenclature ships lay terms"
    assert all("," in rule and "=>" not in rule for rule in rules)
    assert any(rule.startswith("pedopsy") for rule in rules)


@pytest.mark.parametrize("url", ["localhost:9200", "http://localhost", ""])
def test_malformed_urls_name_the_field(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_es_engine(url)
    assert caught.value.field == "es_url"


def test_a_closed_port_is_reported_unavailable_quickly() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(EngineUnavailable) as caught:
        open_es_engine(f"http://127.0.0.1:{port}", request_timeout=2)
    assert caught.value.status == 503
    assert time.perf_counter() - started < 10


def test_index_names_must_be_lower_case() -> None:
    with pytest.raises(InvalidInput):
        open_es_engine("http://127.0.0.1:9", index="ROR")
