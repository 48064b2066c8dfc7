"""The search audience (``Criteria.audience``): units a caller may not see have no influence at
all on its answers, in the embedded engine, the brute-force reference and the Elasticsearch
bodies; without capacities, the ranking ignores beds."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.reference import Reference
from ror.criteria import EVERYONE, Audience, BedNeed, Criteria
from ror.model import Capacity, Offer
from ror.ranking import score, weights_for
from ror.search import pipeline
from ror.search.elasticsearch.candidates import (
    facets_body,
    population_filter,
    stream_body,
    zone_body,
)
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.referral import referral_body
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import CandidateQuery
from tests.api.access_checks import NOW, fixed_offers

AUDIENCES = [Audience((), False), Audience(("04",), False), Audience(("04",), True)]


@pytest.fixture(scope="module")
def offers() -> list[Offer]:
    """The fixed offers, with a few more sensitive units of every champ and some at home."""
    offers, _ = fixed_offers()
    for k, i in enumerate(range(5, len(offers), 23)):
        offers[i] = dataclasses.replace(offers[i], sensitive=True, name=f"{offers[i].name} #{k}")
    return offers


@pytest.fixture(scope="module")
def engines(
    offers: list[Offer], tmp_path_factory: pytest.TempPathFactory
) -> dict[Any, EmbeddedEngine]:
    root = tmp_path_factory.mktemp("audience")
    out: dict[Any, EmbeddedEngine] = {}
    everything = EmbeddedEngine(root / "all.sqlite")
    everything.load(offers, replace_all=True)
    out[None] = everything
    for i, audience in enumerate(AUDIENCES[:2]):
        engine = EmbeddedEngine(root / f"seen{i}.sqlite")
        engine.load([o for o in offers if audience.shows(o)], replace_all=True)
        out[audience.sensitive_champs] = engine
    return out


def queries(offers: list[Offer]) -> list[Criteria]:
    anchor = next(o for o in offers if o.name.endswith("[open_san]"))
    home = next(o for o in offers if o.home_based and o.zones)
    at = Criteria(lat=anchor.place.lat, lon=anchor.place.lon, now=NOW, limit=15)
    return [
        at,
        at.with_(radius_km=30),
        at.with_(champ=("01",), limit=3),
        at.with_(champ=("04",), profile="nursing_home", beds=BedNeed(nature="02")),
        at.with_(activity=anchor.activity, age=70),
        Criteria(place=home.place.commune, offer_type=home.offer_type, now=NOW),
        Criteria(limit=20, now=NOW),  # no place: the whole country
    ]


def summary(result: Any) -> dict[str, Any]:
    return {
        "ids": [m.offer.id for m in result.matches],
        "scores": [round(m.score, 9) for m in result.matches],
        "total": result.total,
        "radius": result.radius_km,
        "near": [(n.offer.id, n.criterion) for n in result.near_misses],
        "facets": [f.to_dict() for f in result.facets],
    }


def test_hidden_units_change_nothing(
    offers: list[Offer], engines: dict[Any, EmbeddedEngine]
) -> None:
    """Searching everything with an audience = searching only what it may see."""
    reference = Reference(offers)
    checked = 0
    for criteria in queries(offers):
        for audience in AUDIENCES:
            if criteria.beds is not None and not audience.capacities:
                continue
            narrowed = criteria.with_(audience=audience)
            got = pipeline.search(narrowed, engines[None], now=NOW)
            alone = pipeline.search(
                criteria.with_(
                    audience=dataclasses.replace(EVERYONE, capacities=audience.capacities)
                ),
                engines[audience.sensitive_champs],
                now=NOW,
            )
            assert summary(got) == summary(alone), (criteria, audience)
            shown = [*(m.offer for m in got.matches), *(n.offer for n in got.near_misses)]
            assert all(audience.shows(offer) for offer in shown)
            truth = reference.search(narrowed, NOW)
            assert list(truth.ids) == summary(got)["ids"] and truth.total == got.total
            checked += 1
    assert checked >= 15


def test_sensitive_units_are_found_by_those_who_may_see_them(
    offers: list[Offer], engines: dict[Any, EmbeddedEngine]
) -> None:
    sensitive = [o for o in offers if o.sensitive and not o.home_based and o.closed_from is None]
    assert {c for o in sensitive for c in o.champ} >= {"01", "04"}
    for offer in sensitive:
        at = Criteria(lat=offer.place.lat, lon=offer.place.lon, radius_km=1, limit=200, now=NOW)
        for audience in (EVERYONE, *AUDIENCES):
            found = pipeline.search(at.with_(audience=audience), engines[None], now=NOW)
            ids = {m.offer.id for m in found.matches}
            assert (offer.id in ids) is audience.shows(offer), (offer.champ, audience)


def test_upserts_and_deletes_keep_the_sensitive_table(tmp_path: Path, offers: list[Offer]) -> None:
    engine = EmbeddedEngine(tmp_path / "live.sqlite")
    engine.load(offers[:50], replace_all=False)  # offer by offer
    target = offers[0]
    at = Criteria(lat=target.place.lat, lon=target.place.lon, radius_km=1, limit=50, now=NOW)
    hidden = at.with_(audience=Audience((), False))
    assert target.id in {m.offer.id for m in pipeline.search(hidden, engine, now=NOW).matches}
    engine.upsert([dataclasses.replace(target, sensitive=True)])
    assert target.id not in {m.offer.id for m in pipeline.search(hidden, engine, now=NOW).matches}
    assert target.id in {m.offer.id for m in pipeline.search(at, engine, now=NOW).matches}
    engine.upsert([target])
    assert target.id in {m.offer.id for m in pipeline.search(hidden, engine, now=NOW).matches}
    engine.upsert([dataclasses.replace(target, sensitive=True)])
    engine.delete([target.id])
    assert engine.get(target.id) is None
    engine.close()


# --- ranking without capacities --------------------------------------------------------------


def test_ranking_without_capacities_ignores_free_and_installed_beds(offers: list[Offer]) -> None:
    """Emergency ranking weighs free beds; an audience without capacities must not."""
    base = next(o for o in offers if o.capacities and not o.home_based)
    near = dataclasses.replace(base, id="near", capacities=_beds(0, installed=2))
    far = dataclasses.replace(base, id="far", capacities=_beds(5, installed=60))
    criteria = Criteria(lat=base.place.lat, lon=base.place.lon, profile="emergency", now=NOW)
    weights = weights_for("emergency")

    def ranked(audience: Audience) -> list[str]:
        c = criteria.with_(audience=audience)
        scored = {
            o.id: score(o, c, distance_km=d, now=NOW, weights=weights)
            for o, d in ((near, 1.0), (far, 6.0))
        }
        for s in scored.values():
            assert ("capacity" in s.parts) is audience.capacities
            assert ("size" in s.parts) is audience.capacities
        return sorted(scored, key=lambda i: -scored[i].score)

    assert ranked(EVERYONE) == ["far", "near"]  # 5 free beds beat 5 km
    assert ranked(Audience((), False)) == ["near", "far"]  # distance alone
    blind = criteria.with_(audience=Audience((), False))
    scores = [
        score(
            dataclasses.replace(base, capacities=c),
            blind,
            distance_km=3.0,
            now=NOW,
            weights=weights,
        )
        for c in (_beds(0), _beds(9, installed=90), ())
    ]
    assert scores[0] == scores[1] == scores[2]  # the same score and parts whatever the beds
    assert set(scores[0].parts) == {"distance"} and not scores[0].stale


def _beds(free: int, installed: int = 10) -> tuple[Capacity, ...]:
    at = NOW - timedelta(minutes=5)
    return (
        Capacity("01", "01", "01", installed, at, location_id="L"),
        Capacity("01", "02", "01", free, at, location_id="L"),
    )


# --- Elasticsearch bodies ---------------------------------------------------------------------


def holds(doc: dict[str, Any], clause: dict[str, Any]) -> bool:
    """The few query nodes the audience filter uses, evaluated on a document."""
    if "term" in clause:
        ((name, value),) = clause["term"].items()
        return bool(doc.get(name) == value)
    if "terms" in clause:
        ((name, wanted),) = clause["terms"].items()
        have = doc.get(name) or []
        return any(v in wanted for v in (have if isinstance(have, list) else [have]))
    node = clause["bool"]
    return all(holds(doc, c) for c in node.get("filter", [])) and not any(
        holds(doc, c) for c in node.get("must_not", [])
    )


def audience_clauses(body: Any) -> list[dict[str, Any]]:
    """Every clause of a body that mentions the sensitive flag (at any depth)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "bool" in node
                and '"sensitive"' in json.dumps(node)
                and "must_not" in node["bool"]
                and len(node["bool"]) == 1
            ):
                found.append(node)
                return
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(body)
    return found


@pytest.mark.parametrize("audience", [EVERYONE, *AUDIENCES])
def test_elasticsearch_bodies_leave_out_what_the_audience_may_not_see(
    offers: list[Offer], audience: Audience
) -> None:
    query = CandidateQuery(
        point=(43.36, 6.62),
        codes=(("champ", ("01", "04")),),
        zone_keys=frozenset({"C:83115"}),
        sensitive_champs=audience.sensitive_champs,
    )
    criteria = Criteria(lat=43.36, lon=6.62, audience=audience)
    bodies = {
        "stream": stream_body(query, (0.0, 2.0)),
        "zone": zone_body(query),
        "population": population_filter(query, 10.0),
        "facets": facets_body(query, 10.0, ("champ", "activity")),
        "referral": referral_body(criteria, now=NOW, radius_km=10.0),
    }
    for name, body in bodies.items():
        clauses = audience_clauses(body)
        if audience.sensitive_champs is None:
            assert clauses == [], name
            continue
        expected = 2 if name == "facets" else 1
        assert len(clauses) == expected, name
        for clause in clauses:
            for offer in offers[:120]:
                for variant in (offer, dataclasses.replace(offer, sensitive=not offer.sensitive)):
                    assert holds(to_document(variant, NOW), clause) is audience.shows(variant), (
                        name,
                        variant.champ,
                    )
