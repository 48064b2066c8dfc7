"""The national push format: ``PATCH /fhir/Location?identifier=<EG>/<code>`` (ROR-MODEL §10).

A bed-management tool already written for the national ROR (``ws-synchro-dispo-lits-fhir``)
can push here unchanged. The body is a FHIR ``Parameters`` resource whose ``operation``
parameters each have a ``type``, a ``path`` (FHIRPath) and a ``value``:

- ``replace`` targets one indicator by FHIRPath criteria,
  ``Location.extension.where(url='…ror-location-supported-capacity' and
  extension.where(url='capacityStatus' and valueCodeableConcept.coding[0].code='02') and …)``,
  and one of its parts, ``.extension.where(url='nbCapacity')`` (``valueInteger``),
  ``capacityUpdateDate`` (``valueDateTime``) or ``capacitySourceType``; or the whole indicator
  (no trailing part; the value holds the full extension). Criteria not given are absent
  qualifiers, except ``temporaryAssignement`` (01 Aucune). Operations on the same indicator
  are applied together; a count replaced without a ``capacityUpdateDate`` is dated when
  received, and its source is 02 Bed management unless replaced too.
- ``add`` carries full ``ror-location-supported-capacity`` extensions in its value (the value
  part may nest them as the national documentation does).

Answers, as the national API: 404 ``not-found`` with expression ``Location`` for an unknown
``identifier``; 404 ``not-found`` with expression
``Location.extension.where(url='…ror-location-supported-capacity')`` for a ``replace`` of an
indicator the Location does not have yet (send an ``add``); 412 ``multiple-matches`` when the
identifier names several Locations; 400 ``business-rule`` for an invalid indicator ("Les
valeurs du nouvel objet ne correspondent pas à un indicateur valide : …", or "Les critères du
FhirPath …" for a replace's criteria); 401/403 as ``login``/``forbidden``. Success is a 200
``OperationOutcome`` with one ``information`` issue per counter (applied, or ignored as not
newer than the stored one). Everything else is the JSON push's: newest ``updated_at`` wins,
all offers of the Location see it atomically, the write is durable before the answer, and
every attempt is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.access.caller import Caller
from ror.api.access import request_caller, require_some_writer, require_writer
from ror.api.audit import audited
from ror.api.endpoints import Endpoint, Param
from ror.api.fhir.outcome import (
    FHIR_JSON,
    FhirError,
    Issue,
    error_response,
    fhir_response,
    operation_outcome,
)
from ror.api.params import read_body
from ror.api.validation import parse_json_object
from ror.availability.indicators import FHIR_NAMES, InvalidIndicator, check_counter, describe
from ror.errors import RorError
from ror.indexer.fhir import Extensions, codings, instant, integer, text, url_name
from ror.indexer.locations import read_capacity
from ror.model import CAPACITY_KEY_FIELDS, Capacity
from ror.search.engine import Engine, UpdateResult

CAPACITY_URL: Final = (
    "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity"
)
CAPACITY_NAME: Final = "ror-location-supported-capacity"
INDICATOR_EXPRESSION: Final = f"Location.extension.where(url='{CAPACITY_URL}')"
_FIELD_OF: Final = {name: attr for attr, name in FHIR_NAMES.items()} | {
    "temporaryAssignment": "assignment"
}
_CRITERION: Final = re.compile(
    r"extension\.where\(\s*url\s*=\s*'(?P<name>[A-Za-z]+)'\s+and\s+"
    r"(?P<expr>value[\w.\[\]]*)\s*=\s*'(?P<code>[^']*)'\s*\)"
)
_TARGET: Final = re.compile(
    r"\.extension\.where\(\s*url\s*=\s*'(?P<target>nbCapacity|capacityUpdateDate|"
    r"capacitySourceType)'\s*\)(?:\.value\w*)?\s*$"
)


class PatchRefused(RorError):
    """A refused PATCH, as the national API reports it (an OperationOutcome issue)."""

    def __init__(
        self, status: int, issue: str, message: str, expression: str | None = None
    ) -> None:
        super().__init__(message, expression)
        self.status = status
        self.code = issue
        self.expression = expression


def refusal(exc: RorError) -> Response:
    code = exc.code if isinstance(exc, PatchRefused) else None
    return error_response(FhirError.of(exc.status, code, exc.message, exc.field))


# --- reading the Parameters -------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """What the operations of a request say about one indicator."""

    kind: str  # "replace" | "add"
    key: tuple[str, ...]
    counter: Capacity | None = None  # a full indicator (add, or replace of the whole)
    parts: dict[str, Any] = field(default_factory=dict)  # replace: count, updated_at, source


def _parts(parameter: dict[str, Any]) -> dict[str, Any]:
    return {str(p.get("name")): p for p in parameter.get("part") or () if isinstance(p, dict)}


def _value(part: dict[str, Any] | None) -> Any:
    if part is None:
        return None
    for key, val in part.items():
        if key.startswith("value"):
            return val
    return None


def _capacity_extensions(node: Any) -> list[dict[str, Any]]:
    """Every ``ror-location-supported-capacity`` extension inside a value, however nested."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if url_name(str(node.get("url", ""))) == CAPACITY_NAME:
            return [node]
        for child in node.values():
            found += _capacity_extensions(child)
    elif isinstance(node, list):
        for child in node:
            found += _capacity_extensions(child)
    return found


def _full_counters(value_part: dict[str, Any] | None, where: str) -> list[Capacity]:
    exts = _capacity_extensions(value_part)
    if not exts:
        raise PatchRefused(
            400,
            "invalid",
            f"{where} : la valeur doit contenir une extension {CAPACITY_NAME} complète",
            f"{where}.value",
        )
    counters = []
    for i, ext in enumerate(exts):
        counter = read_capacity(ext, f"{where}.value.extension[{i}]", "")
        if Extensions(ext).value("capacitySourceType") is None:
            counter = replace(counter, source="02")  # a push comes from bed management
        counters.append(counter)
    return counters


def criteria_of(path: str, where: str) -> Capacity:
    """The indicator a replace's FHIRPath names, as a counter key (count and date unset)."""
    if CAPACITY_NAME not in path:
        raise PatchRefused(
            400,
            "invalid",
            f"{where} : le FHIRPath doit viser une extension {CAPACITY_NAME}",
            f"{where}.path",
        )
    found: dict[str, str] = {}
    for m in _CRITERION.finditer(path):
        attr = _FIELD_OF.get(m["name"])
        if attr is None:
            raise PatchRefused(
                400, "invalid", f"{where} : critère inconnu {m['name']!r}", f"{where}.path"
            )
        found[attr] = m["code"].strip()
    missing = [FHIR_NAMES[a] for a in ("nature", "status", "temporality") if a not in found]
    probe = Capacity(
        nature=found.get("nature", "null"),
        status=found.get("status", "null"),
        temporality=found.get("temporality", "null"),
        count=0,
        updated_at=datetime.now(UTC),
        gender=found.get("gender"),
        closing_type=found.get("closing_type"),
        extra_bed_type=found.get("extra_bed_type"),
        crisis=found.get("crisis"),
        assignment=found.get("assignment", "01"),
    )
    if missing:
        raise PatchRefused(
            400,
            "business-rule",
            "Les critères du FhirPath ne correspondent pas à un indicateur valide : "
            f"{describe(probe)} ({', '.join(missing)} manquant)",
            f"{where}.path",
        )
    return probe


def read_changes(body: dict[str, Any]) -> list[Change]:
    """The changes of a ``Parameters`` body, one per indicator, in order."""
    if body.get("resourceType") != "Parameters":
        raise PatchRefused(400, "invalid", "le corps doit être une ressource Parameters", None)
    operations = [
        p
        for p in body.get("parameter") or ()
        if isinstance(p, dict) and p.get("name") == "operation"
    ]
    if not operations:
        raise PatchRefused(
            400, "invalid", "aucun paramètre « operation » dans le corps", "Parameters.parameter"
        )
    changes: list[Change] = []  # in order: each add, and each replaced indicator once
    replaced: dict[tuple[str, ...], Change] = {}
    for i, parameter in enumerate(operations):
        where = f"Parameters.parameter[{i}]"
        parts = _parts(parameter)
        kind = text(_value(parts.get("type")))
        path = text(_value(parts.get("path"))) or ""
        if kind == "add":
            changes += [
                Change("add", c.key(), c) for c in _full_counters(parts.get("value"), where)
            ]
            continue
        if kind != "replace":
            raise PatchRefused(
                400,
                "not-supported",
                f"{where} : opération {kind!r} non prise en charge (replace ou add)",
                f"{where}.type",
            )
        probe = criteria_of(path, where)
        change = replaced.get(probe.key())
        if change is None:
            change = replaced[probe.key()] = Change("replace", probe.key())
            changes.append(change)
        target = _TARGET.search(path)
        value = _value(parts.get("value"))
        if target is None:
            [counter] = _full_counters(parts.get("value"), where)[:1]
            if counter.key() != probe.key():
                raise PatchRefused(
                    400,
                    "business-rule",
                    f"{where} : la valeur ({describe(counter)}) n'est pas l'indicateur visé "
                    f"par le FHIRPath ({describe(probe)})",
                    f"{where}.value",
                )
            change.counter = counter
        elif target["target"] == "nbCapacity":
            change.parts["count"] = integer(value, f"{where}.value")
        elif target["target"] == "capacityUpdateDate":
            change.parts["updated_at"] = instant(value, f"{where}.value")
        else:
            codes = [text(c.get("code")) for c in codings(value)] or [text(value)]
            if not codes or codes[0] is None:
                raise PatchRefused(400, "invalid", f"{where} : code attendu", f"{where}.value")
            change.parts["source"] = codes[0]
    return changes


def counters_to_push(
    changes: list[Change], stored: dict[tuple[str, ...], Capacity], now: datetime
) -> list[Capacity]:
    """The counters the changes amount to; a replace of an indicator not stored is a 404."""
    out = []
    for change in changes:
        if change.kind == "add" or change.counter is not None:
            assert change.counter is not None
            out.append(change.counter)
            continue
        current = stored.get(change.key)
        if current is None:
            raise PatchRefused(
                404,
                "not-found",
                "Les données fournies ne permettent pas de déterminer l'indicateur à mettre à "
                "jour: Aucun indicateur présent en base ne correspond",
                INDICATOR_EXPRESSION,
            )
        out.append(
            replace(
                current,
                count=change.parts.get("count", current.count),
                updated_at=change.parts.get("updated_at", now),
                source=change.parts.get("source", "02"),
            )
        )
    return out


# --- the route --------------------------------------------------------------------------------


def locate(engine: Engine, identifier: str) -> str:
    """The one Location ``<EG>/<code>`` names (404 ``Location``, 412 when several)."""
    establishment, _, code = identifier.partition("/")
    if not establishment.strip() or not code.strip():
        raise PatchRefused(
            400,
            "invalid",
            "identifier doit valoir <IdNatStruct de l'établissement>/<code du lieu>",
            "identifier",
        )
    found = engine.find_locations(establishment, code)
    if not found:
        raise PatchRefused(
            404,
            "not-found",
            "La Location avec l'identifiant externe de synchro OU l'identifiant unique de "
            f"saisie : '{identifier}' n'a pas été trouvée.",
            "Location",
        )
    if len(found) > 1:
        raise PatchRefused(
            412,
            "multiple-matches",
            f"La Location recherchée n'est pas unique, il y a '{len(found)}' résultats",
            "Location",
        )
    return found[0]


def apply_patch(
    engine: Engine, caller: Caller, identifier: str, changes: list[Change]
) -> UpdateResult:
    """Resolve, check rights, merge with the stored indicators, validate, push (a thread)."""
    require_some_writer(caller)
    loc = locate(engine, identifier)
    info = engine.locations_info([loc])[loc]
    require_writer(caller, sorted(info.finess))
    stored: dict[tuple[str, ...], Capacity] = {}
    for offer_id in info.offers[:1]:
        offer = engine.get(offer_id)
        for c in offer.capacities if offer else ():
            if (c.location_id or f"#{offer_id}") == loc:
                stored[c.key()] = c
    now = datetime.now(UTC)
    counters = []
    for c in counters_to_push(changes, stored, now):
        try:
            counters.append(check_counter(c, now=now))
        except InvalidIndicator as exc:
            raise PatchRefused(
                400,
                "business-rule",
                "Les valeurs du nouvel objet ne correspondent pas à un indicateur valide : "
                f"{exc.combination} ({exc.message.rsplit(' : ', 1)[-1]})",
                f"Location.extension('{CAPACITY_URL}')",
            ) from None
    return engine.update_capacities_many([(loc, counters)])[0]


def success(result: UpdateResult) -> Response:
    issues = []
    for o in result.results:
        what = " / ".join(
            f"{FHIR_NAMES[n]}: {v or 'null'}"
            for n, v in zip(CAPACITY_KEY_FIELDS, o.key, strict=True)
        )
        done = "mis à jour" if o.applied else "ignoré (pas plus récent que la valeur enregistrée)"
        stored = o.stored_updated_at.isoformat() if o.stored_updated_at else "?"
        issues.append(
            Issue(
                "information",
                "informational",
                f"indicateur {done} : {what} (capacityUpdateDate {stored})",
            )
        )
    return fhir_response(operation_outcome(issues))


async def patch_location(request: Request) -> Response:
    identifier = request.query_params.get("identifier", "")
    engine: Engine = request.app.state.engine
    caller = request_caller(request)
    try:
        async with audited(
            request, "capacities.patch_fhir", f"Location?identifier={identifier}"
        ) as note:
            if not identifier:
                raise PatchRefused(
                    400, "required", "le paramètre identifier est obligatoire", "identifier"
                )
            limit = int(request.app.state.settings.max_body_bytes)
            changes = read_changes(parse_json_object(await read_body(request, limit)))
            result = await run_in_threadpool(apply_patch, engine, caller, identifier, changes)
            note.detail.update(
                location=result.location_id,
                applied=result.applied,
                ignored_stale=result.ignored_stale,
            )
    except RorError as exc:
        return refusal(exc)
    return success(result)


ENDPOINTS = (
    Endpoint(
        "PATCH",
        "/fhir/Location",
        patch_location,
        "Push counters in the national FHIR format (Parameters: replace, then add after a 404)",
        "availability",
        description=(
            "The national bed-management push (`ws-synchro-dispo-lits-fhir`): `identifier` is "
            "`<IdNatStruct or FINESS of the establishment>/<Location id or synchro code>`; the "
            "body a FHIR `Parameters` with `replace` operations targeting one indicator by "
            "FHIRPath, or `add` operations carrying full `ror-location-supported-capacity` "
            "extensions. Errors are OperationOutcomes with the national codes (404 "
            "`not-found`, 412 `multiple-matches`, 400 `business-rule`)."
        ),
        params=(
            Param(
                "identifier",
                "`<establishment>/<code>`, e.g. `1350054680/SSR38888`.",
                required=True,
            ),
        ),
        content_type=FHIR_JSON,
        errors=(400, 401, 403, 404, 412, 413),
    ),
)
