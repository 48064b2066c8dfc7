"""Kept source resources -> valid FHIR R4 JSON, without losing a value.

Real ROR data (the documentation examples above all) writes single objects where R4 has
arrays (``identifier``, ``category``, ``type``), integers and booleans as strings
(``"valueInteger": "1"``). The indexer reads them defensively; answers must be valid R4, so
the same shapes are fixed here, and only those: every other element, unknown extensions
included, is copied as it is.
"""

from __future__ import annotations

import re
from typing import Any, Final

Json = dict[str, Any]

#: Elements that are arrays in R4, per resource type (beyond the generic ones below).
RESOURCE_ARRAYS: Final = {
    "HealthcareService": frozenset(
        {
            "identifier",
            "category",
            "type",
            "specialty",
            "location",
            "telecom",
            "coverageArea",
            "serviceProvisionCode",
            "eligibility",
            "program",
            "characteristic",
            "communication",
            "referralMethod",
            "availableTime",
            "notAvailable",
            "endpoint",
        }
    ),
    "Location": frozenset(
        {"identifier", "alias", "type", "telecom", "hoursOfOperation", "endpoint"}
    ),
    "Organization": frozenset(
        {"identifier", "type", "alias", "telecom", "address", "contact", "endpoint"}
    ),
}
#: Elements that are arrays wherever they appear (datatypes, meta, extensions).
ANY_ARRAYS: Final = frozenset(
    {
        "extension",
        "modifierExtension",
        "contained",
        "coding",
        "line",
        "given",
        "prefix",
        "suffix",
        "daysOfWeek",
        "profile",
        "tag",
        "security",
    }
)
#: Nested elements that are arrays inside a parent element.
NESTED_ARRAYS: Final = {
    "contact": frozenset({"telecom"}),
    "hoursOfOperation": frozenset({"daysOfWeek"}),
}
INTEGER_KEYS: Final = frozenset({"valueInteger", "valuePositiveInt", "valueUnsignedInt"})
DECIMAL_KEYS: Final = frozenset({"valueDecimal"})
_INTEGER: Final = re.compile(r"\s*[-+]?\d+\s*")


def r4(resource: Json) -> Json:
    """A deep copy of ``resource`` in R4 shape (see the module docstring)."""
    arrays = RESOURCE_ARRAYS.get(str(resource.get("resourceType")), frozenset())
    return _element(resource, arrays)  # type: ignore[no-any-return]


def _element(value: Any, arrays: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_element(v, frozenset()) for v in value]
    if not isinstance(value, dict):
        return value
    out: Json = {}
    for key, item in value.items():
        nested = NESTED_ARRAYS.get(key, frozenset())
        if (key in arrays or key in ANY_ARRAYS) and not isinstance(item, list):
            item = [item]
        if isinstance(item, list):
            item = [_element(v, nested) for v in item]
        else:
            item = _element(item, nested)
        out[key] = _primitive(key, item)
    return out


def _primitive(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in INTEGER_KEYS and _INTEGER.fullmatch(value):
        return int(value)
    if key in DECIMAL_KEYS:
        try:
            return float(value)
        except ValueError:
            return value
    if key == "valueBoolean" and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value
