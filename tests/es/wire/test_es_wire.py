"""Every request the Elasticsearch engine sends, checked against Elastic's own specification.

The engine runs with the real ``elasticsearch`` client against a recording HTTP server
(``es_recorder.py``) that validates each request (operation, parameters, body, each ``_bulk``
line) and each of its own answers against the OpenAPI document in ``data/elasticsearch/``.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import ApiError

import ror.search.elasticsearch as es_engine_module
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import plan
from ror.criteria import Audience
from ror.geo.territory import territory_departements
from ror.model import Offer
from ror.search.elasticsearch import ElasticsearchEngine
from tests.es.test_es_documents import check_fits
from tests.es.wire import es_openapi as spec
from tests.es.wire.es_recorder import Recorder
from tests.es.wire.es_scenario import (
    FHIR_LISTINGS,
    FHIR_LOOKUPS,
    FHIR_QUERIES,
    FHIR_SEARCHES,
    SIZE,
    Scenario,
    public_methods,
    run,
)

# Each client call the engine makes, and the operations (method and path template of the
# specification) it sends. A call missing here fails test_every_client_call_is_listed.
CLIENT_OPERATIONS: dict[str, tuple[str, ...]] = {
    "info": ("GET /",),
    "count": ("POST /{index}/_count",),
    "delete_by_query": ("POST /{index}/_delete_by_query",),
    "get": ("GET /{index}/_doc/{id}",),
    "index": ("PUT /{index}/_doc/{id}",),
    "update": ("POST /{index}/_update/{id}",),
    "mget": ("POST /{index}/_mget",),
    "bulk": ("PUT /_bulk",),
    "search": ("POST /{index}/_search", "POST /_search"),
    "open_point_in_time": ("POST /{index}/_pit",),
    "close_point_in_time": ("DELETE /_pit",),
    "indices.exists": ("HEAD /{index}",),
    "indices.create": ("PUT /{index}",),
    "indices.delete": ("DELETE /{index}",),
    "indices.get_alias": ("GET /_alias/{name}",),
    "indices.update_aliases": ("POST /_aliases",),
    "indices.put_settings": ("PUT /{index}/_settings",),
    "indices.get_mapping": ("GET /{index}/_mapping",),
    "indices.put_mapping": ("PUT /{index}/_mapping",),
    "indices.refresh": ("POST /{index}/_refresh",),
    "helpers.streaming_bulk": ("PUT /_bulk",),
    "helpers.scan": ("POST /{index}/_search", "POST /_search/scroll", "DELETE /_search/scroll"),
}


@pytest.fixture(scope="module")
def scenario(
    wire: tuple[Recorder, ElasticsearchEngine], tmp_path_factory: pytest.TempPathFactory
) -> Scenario:
    recorder, engine = wire
    return run(recorder, engine, tmp_path_factory.mktemp("wire"))


def test_every_request_is_an_operation_of_the_specification_with_a_valid_body(
    scenario: Scenario,
) -> None:
    captured = scenario.recorder.captured
    assert len(captured) > 500
    assert scenario.recorder.invalid() == []
    with_body = [c for c in captured if c.body is not None]
    assert len(with_body) > 400


def test_every_answer_of_the_recording_server_fits_the_specification(scenario: Scenario) -> None:
    assert scenario.recorder.answer_errors == []


def test_the_engine_uses_exactly_the_listed_operations(scenario: Scenario) -> None:
    listed = {op for ops in CLIENT_OPERATIONS.values() for op in ops}
    assert scenario.recorder.operations() == listed


def test_the_scenario_drives_every_public_method_of_the_engine(scenario: Scenario) -> None:
    """A new engine method fails here until the scenario drives it (close: at teardown)."""
    assert public_methods(scenario.engine) - scenario.called == {"close"}


def _client_calls(source: str) -> set[str]:
    """``client.x`` / ``client.indices.x`` / ``helpers.x`` calls in a module's source."""
    calls: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        chain = []
        value: ast.expr = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            chain.append(value.id)
        chain.reverse()
        if "client" in chain:
            tail = chain[chain.index("client") + 1 :]
            if tail and tail[0] == "indices" and len(tail) > 1:
                calls.add(f"indices.{tail[1]}")
            elif tail and tail[0] not in ("indices", "close", "transport", "options"):
                calls.add(tail[0])
        elif chain[:1] == ["helpers"] and len(chain) > 1:
            calls.add(f"helpers.{chain[1]}")
    return calls


def _engine_sources() -> Iterator[Path]:
    """The modules of the Elasticsearch engine: those beside it that import ``elasticsearch``."""
    folder = Path(inspect.getfile(es_engine_module)).parent
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "from elasticsearch" in text or "import elasticsearch" in text:
            yield path


def test_every_client_call_is_listed() -> None:
    """A new client call in the engine fails here until it is listed, and then
    test_the_engine_uses_exactly_the_listed_operations until the scenario drives it."""
    found: set[str] = set()
    for path in _engine_sources():
        found |= _client_calls(path.read_text(encoding="utf-8"))
    assert found, "no Elasticsearch client call found: has the engine moved?"
    assert found - set(CLIENT_OPERATIONS) == set()
    assert set(CLIENT_OPERATIONS) - found == set()


def test_every_listed_operation_is_in_the_serverless_specification() -> None:
    for ops in CLIENT_OPERATIONS.values():
        for op in ops:
            method, template = op.split(" ", 1)
            assert spec.find_operation(method, template.replace("{", "x").replace("}", "")), op


def test_bulk_lines_are_index_and_delete_actions_with_their_documents(scenario: Scenario) -> None:
    bulks = [c for c in scenario.recorder.captured if c.key == "PUT /_bulk"]
    kinds = {next(iter(line)) for c in bulks for line in c.body if len(line) == 1}
    assert {"index", "delete"} <= kinds
    loaded = [c for c in scenario.sent["first load"] if c.key == "PUT /_bulk"]
    lines = [line for c in loaded for line in c.body]
    assert len(lines) == 2 * SIZE + 2


def test_a_document_refused_in_bulk_is_reported_and_the_rest_lands(scenario: Scenario) -> None:
    stats = scenario.results["first load"]
    assert [offer_id for offer_id, _ in stats.rejected] == [scenario.results["refused"]]
    assert "document_parsing_exception" in stats.rejected[0][1]
    assert stats.loaded == SIZE


def test_a_full_load_builds_a_new_index_and_swaps_the_alias(scenario: Scenario) -> None:
    sent = scenario.sent["reload"]
    keys = [c.key for c in sent]
    assert keys.index("PUT /{index}") < keys.index("PUT /_bulk") < keys.index("DELETE /{index}")
    swap = [c.body for c in sent if c.key == "POST /_aliases"][-1]
    kinds = [next(iter(action)) for action in swap["actions"]]
    assert kinds == ["remove", "remove", "add"]


def test_paging_reads_a_point_in_time_with_search_after(scenario: Scenario) -> None:
    sent = scenario.sent["paging"]
    keys = {c.key for c in sent}
    assert {"POST /{index}/_pit", "POST /_search", "DELETE /_pit"} <= keys
    in_pit = [c for c in sent if c.key == "POST /_search"]
    assert all("pit" in c.body and "index" not in c.path for c in in_pit)
    assert any("search_after" in c.body for c in in_pit)


def test_facets_are_filter_aggregations(scenario: Scenario) -> None:
    bodies = [c.body for c in scenario.sent["referral searches"] if c.body and "aggs" in c.body]
    assert bodies
    assert all(body["size"] == 0 for body in bodies)


def test_a_territory_is_a_terms_filter_on_the_departement_of_the_units(scenario: Scenario) -> None:
    occitanie = {"terms": {"place.departement": list(territory_departements("R:76"))}}
    for step in ("referral searches", "native referral"):
        bodies = [json.dumps(c.body) for c in scenario.sent[step] if c.body]
        assert any(json.dumps({"terms": {"place.departement": ["31"]}}) in b for b in bodies)
        assert any(json.dumps(occitanie) in b for b in bodies)


def test_native_referral_is_one_function_score_query(scenario: Scenario) -> None:
    bodies = [c.body for c in scenario.sent["native referral"] if c.key == "POST /_search"]
    scored = [b for b in bodies if "function_score" in b["query"]]
    assert scored
    assert {b["query"]["function_score"]["boost_mode"] for b in scored} == {"replace"}


def test_capacity_updates_are_guarded_and_stale_ones_reported(scenario: Scenario) -> None:
    pushed = scenario.results["capacity push"]
    assert pushed.applied == len(pushed.results) > 0
    stale = scenario.results["stale push"]
    assert stale.applied == 0 and {r.reason for r in stale.results} == {"stale"}
    updates = [c for c in scenario.sent["capacity push"] if c.key == "POST /{index}/_update/{id}"]
    assert updates
    assert all({"if_seq_no", "if_primary_term"} <= set(c.query) for c in updates)
    raced = scenario.sent["raced push"]
    assert next(c.status for c in raced if c.key == "POST /{index}/_update/{id}") == 409
    assert "POST /{index}/_mget" in {c.key for c in raced}
    (result,) = scenario.results["raced push"]
    assert result.applied == len(result.results)


def test_a_push_keeps_the_counters_of_the_offers_other_locations(scenario: Scenario) -> None:
    """A push to one Location, or an offer upserted with it, rewrites each offer using it
    whole: the counters of its other Locations stay (they were dropped before)."""
    before, after = scenario.results["pushed offer"], scenario.results["after push"]
    pushed = scenario.results["push to one of two Locations"].location_id
    others = [c for c in before.capacities if c.location_id != pushed]
    assert others  # the offer has counters on another Location
    assert [c for c in after.capacities if c.location_id != pushed] == others
    upserted = scenario.results["after upsert"]  # a new offer using the pushed Location
    assert [c for c in upserted.capacities if c.location_id != pushed] == others


def test_an_implausible_push_is_refused_before_anything_is_written(scenario: Scenario) -> None:
    """As on the embedded engine: available beds above installed plus supplementary ones are
    refused with both counts named, a batch as a whole, and no document is updated."""
    single, batch = scenario.results["implausible push"], scenario.results["implausible batch"]
    assert single.field == "locations[0].counters[0].count"
    assert batch.field == "locations[1].counters[0].count"
    assert "10000 lits disponibles" in single.message and "installés" in single.message
    for step in ("implausible push", "implausible batch"):
        keys = {c.key for c in scenario.sent[step]}
        assert "POST /{index}/_search" in keys  # the Location's documents were read
        assert not keys & {"POST /{index}/_update/{id}", "PUT /_bulk"}, keys


def test_history_and_overview(scenario: Scenario) -> None:
    assert scenario.results["history"].entries
    history = [c for c in scenario.sent["capacity push"] if c.key == "PUT /_bulk"]
    assert history and all("-capacity-history" in c.body[0]["index"]["_index"] for c in history)
    overview = [c.body for c in scenario.sent["overview"] if c.key == "POST /{index}/_search"]
    assert any("composite" in str(body["aggs"]) for body in overview)


def test_the_api_over_the_engine_answers(scenario: Scenario) -> None:
    assert scenario.results["http search"] == (200, 200, 404)
    assert {scenario.results[q][0] for q in FHIR_QUERIES} == {200}
    assert scenario.results["http availability"] == (200, 200, 200, 200)
    by_activity, by_region = scenario.results["area offers"]
    assert by_activity and by_region
    assert all(isinstance(o, Offer) for o in [*by_activity, *by_region])
    replay = [c for c in scenario.sent["http search"] if c.key == "PUT /{index}/_doc/{id}"]
    assert replay and all(c.path.split("/")[1].endswith("-searches") for c in replay)


# --- FHIR searches on the engine ---------------------------------------------------------------

CANDIDATE_READS = ("POST /_search", "POST /{index}/_search", "POST /{index}/_count")
LIGHT_SOURCE = ["id", "last_updated", "location"]


def _exact(query: str) -> bool:
    """The facade's own plan: does the engine decide every condition of this search?"""
    path, _, params = query.partition("?")
    resource = path.rsplit("/", 1)[1]
    items = [tuple(p.split("=", 1)) for p in params.split("&")]
    request = parse_search(resource, items)  # type: ignore[arg-type]
    return resource == "HealthcareService" and plan(request, Audience()).exact


@pytest.mark.parametrize("query", FHIR_SEARCHES)
def test_fhir_searches_run_their_filters_in_the_cluster(scenario: Scenario, query: str) -> None:
    """Every candidate request of a FHIR search carries its conditions in ``bool.filter``
    (nothing may fail: no ``should`` of prefilter criteria) and asks for the id, point and
    last update of its hits only."""
    asked = [c for c in scenario.sent[query] if c.key in CANDIDATE_READS]
    assert asked
    for c in asked:
        assert c.errors == []
        node = c.body["query"]["bool"]
        assert set(node) == {"filter"}, c.body
        for clause in FHIR_SEARCHES[query]:
            assert clause in node["filter"], (clause, c.body)
        if c.key != "POST /{index}/_count":
            assert c.body["_source"] == LIGHT_SOURCE


@pytest.mark.parametrize("query", [q for q in FHIR_SEARCHES if _exact(q)])
def test_a_fhir_search_the_engine_decides_reads_only_its_page(
    scenario: Scenario, query: str
) -> None:
    """The whole documents read are those of the returned page, by ``_mget``; a count is one
    ``_count``."""
    status, page = scenario.results[query]
    read = [
        i for c in scenario.sent[query] if c.key == "POST /{index}/_mget" for i in c.body["ids"]
    ]
    assert status == 200 and sorted(read) == sorted(page)
    counts = [c for c in scenario.sent[query] if c.key == "POST /{index}/_count"]
    assert len(counts) == ("_summary=count" in query)
    if counts:
        assert [c.key for c in scenario.sent[query]] == ["POST /{index}/_count"]


def test_the_fhir_searches_return_pages(scenario: Scenario) -> None:
    """The scenario's searches are not all empty (the recorder evaluates no query: every
    document is a hit, Python measures distances)."""
    pages = [scenario.results[q][1] for q in FHIR_SEARCHES if _exact(q)]
    assert sum(1 for page in pages if page) >= 5


@pytest.mark.parametrize("query", FHIR_LISTINGS)
def test_a_listing_reads_its_page_in_key_order(scenario: Scenario, query: str) -> None:
    """A listing in id order reads keys (light hits after a ``search_after`` key, Location
    ids from a composite aggregation) and the whole documents of its page only."""
    status, page = scenario.results[query]
    assert status == 200 and page == sorted(page) and len(page) == len(set(page)) > 0
    sent = scenario.sent[query]
    assert all(c.errors == [] for c in sent)
    searches = [c.body for c in sent if c.key in ("POST /_search", "POST /{index}/_search")]
    assert all(b.get("_source") or b.get("size") == 0 for b in searches), searches
    assert not any("geo_distance" in str(b) for b in searches)
    if "Location" not in query:
        read = [
            i
            for c in sent
            if c.key == "POST /{index}/_mget" and "_source_includes" not in c.query
            for i in c.body["ids"]
        ]
        assert sorted(read) == page
    docs = [
        d.source
        for index in scenario.recorder.aliases[scenario.engine.alias]
        for d in scenario.recorder.indices[index].values()
    ]
    if "_id=" in query:
        assert page == ["syn-hs-0000001", "syn-hs-0000003"]
    elif "Location" in query:
        assert page == sorted({loc for d in docs for loc in d["location_ids"]})[:4]
    else:
        assert page == sorted(d["id"] for d in docs)[:5]


@pytest.mark.parametrize("query", FHIR_LOOKUPS)
def test_a_search_the_keys_answer_sends_its_key_clause(scenario: Scenario, query: str) -> None:
    """A search without a position that the look-up keys answer asks the cluster for the
    offers having the key (light hits in key order, no candidate stream); one exact look-up
    is counted with an exact total and only its page's documents are read."""
    clause, paged = FHIR_LOOKUPS[query]
    status, page = scenario.results[query]
    sent = scenario.sent[query]
    assert status == 200 and all(c.errors == [] for c in sent)
    searches = [c.body for c in sent if c.key in ("POST /_search", "POST /{index}/_search")]
    keyed = [
        b
        for b in searches
        if clause == b["query"] or clause in b["query"].get("bool", {}).get("filter", ())
    ]
    assert keyed, searches
    assert not any("geo_distance" in str(b) or b.get("_source") == LIGHT_SOURCE for b in searches)
    for body in keyed:
        assert body.get("_source") == ["id", "last_updated"] or body["size"] == 0
    if paged:
        assert [b for b in keyed if b.get("track_total_hits") is True and b["size"] == 0]
        read = [
            i
            for c in sent
            if c.key == "POST /{index}/_mget" and "_source_includes" not in c.query
            for i in c.body["ids"]
        ]
        assert sorted(read) == sorted(page)
        sorted_by = [list(s) for b in keyed if b["size"] for s in b["sort"]]
        assert sorted_by[-1] == ["id"]


def test_an_index_made_before_the_look_up_keys_gets_their_fields_and_waits_for_a_load(
    scenario: Scenario,
) -> None:
    """Its strict mapping gets the keys' fields (an upsert's documents fit it), and the keys
    are used only once a full load has made a new index."""
    old = scenario.results["index made before the look-up keys"]
    assert old["ready"] == [False, False, True]
    sent = scenario.sent["index made before the look-up keys"]
    put = [c for c in sent if c.key == "PUT /{index}/_mapping"]
    assert [c.path for c in put] == [f"/{old['name']}/_mapping"]
    assert set(put[0].body["properties"]) == {"lookup_terms", "lookup_dates", "lookup_names"}
    assert len(old["docs"]) == 3 and all(doc["lookup_terms"] for doc in old["docs"])
    for doc in old["docs"]:
        check_fits(doc, {"type": "object", "properties": old["mapping"]["properties"]}, "")


# --- the validation catches mistakes ----------------------------------------------------------


def _resend(scenario: Scenario, body: dict[str, Any]) -> list[str]:
    """Send a search body through the real client; what the recorder found wrong in it."""
    engine = scenario.engine
    start = len(scenario.recorder.captured)
    with contextlib.suppress(ApiError):
        engine.client.search(index=engine.alias, **body)
    errors = scenario.recorder.captured[start].errors
    del scenario.recorder.captured[start:]
    return errors


def _a_native_referral_body(scenario: Scenario) -> dict[str, Any]:
    for c in scenario.sent["native referral"]:
        if c.key == "POST /_search" and "function_score" in c.body["query"]:
            body = copy.deepcopy(c.body)
            del body["pit"]
            return body  # type: ignore[no-any-return]
    raise AssertionError("no function_score body")


def test_the_same_body_resent_is_valid(scenario: Scenario) -> None:
    assert _resend(scenario, _a_native_referral_body(scenario)) == []


def test_a_misspelt_clause_key_fails_the_validation(scenario: Scenario) -> None:
    body = _a_native_referral_body(scenario)
    query = body["query"]["function_score"]
    query["query"] = {"bool": {"filtre": query["query"]["bool"]["filter"]}}
    errors = _resend(scenario, body)
    assert any("'filtre' was unexpected" in e for e in errors), errors


def test_a_wrong_type_for_boost_mode_fails_the_validation(scenario: Scenario) -> None:
    body = _a_native_referral_body(scenario)
    body["query"]["function_score"]["boost_mode"] = 1
    errors = _resend(scenario, body)
    assert any('boost_mode: 1 is not of type "string"' in e for e in errors), errors


def test_an_unknown_operation_is_refused(scenario: Scenario) -> None:
    start = len(scenario.recorder.captured)
    with pytest.raises(ApiError):
        scenario.engine.client.perform_request("POST", "/_no_such_api")
    assert scenario.recorder.captured[start].errors == ["no such operation in the specification"]
    del scenario.recorder.captured[start:]


def test_replay_records_past_the_retention_are_deleted_by_query(scenario: Scenario) -> None:
    deleted, old_gone, recent_kept = scenario.results["replay retention"]
    assert (deleted, old_gone, recent_kept) == (1, True, True)
    (prune,) = [
        c for c in scenario.sent["replay retention"] if c.key == "POST /{index}/_delete_by_query"
    ]
    assert prune.path == f"/{scenario.engine.searches}/_delete_by_query"
    assert set(prune.body["query"]["range"]["created_at"]) == {"lt"}
    assert prune.query["conflicts"] == "proceed"
