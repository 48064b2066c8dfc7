"""A FHIR answer written entry by entry (``outcome.fhir_json``) is byte for byte what one
``orjson`` call writes, wherever the Bundle keeps its entries and whatever they hold."""

from __future__ import annotations

from typing import Any

import orjson

from ror.api.fhir.outcome import fhir_json, fhir_response


def entry(n: int) -> dict[str, Any]:
    return {
        "fullUrl": f"https://ror.example/fhir/Location/loc-{n}",
        "resource": {
            "resourceType": "Location",
            "id": f"loc-{n}",
            "name": f'Unité n° {n} « Cœur » \\ "quoted" \u00e9',
            "position": {"latitude": 43.6 + n / 1000, "longitude": 1.44},
            "extension": [{"url": "x", "valueInteger": n}] * (n % 3),
        },
        "search": {"mode": "match" if n % 2 else "include"},
    }


def test_a_bundle_written_entry_by_entry_is_the_same_bytes() -> None:
    for size in (0, 1, 63, 64, 65, 1000):
        first = {"resourceType": "Bundle", "type": "searchset", "total": size}
        body = {**first, "entry": [entry(n) for n in range(size)], "link": [{"url": "u"}]}
        assert fhir_json(body) == orjson.dumps(body), size
        assert fhir_response(body).body == orjson.dumps(body)
    assert fhir_json({"resourceType": "OperationOutcome"}) == b'{"resourceType":"OperationOutcome"}'
