"""The query string of a FHIR search -> a validated :class:`~ror.api.fhir.query.SearchRequest`.

Result parameters: ``_count`` (default 50, at most 1000: no 200-result cap, ``next`` links go
further), ``_cursor`` (where the page starts: the ``next`` link carries it, see ``paging``),
``_offset`` (a page by position, for clients that compute their own links; at most
:data:`MAX_OFFSET`, deeper pages by ``_cursor``), ``_sort``
(default: distance when a ``near`` is given, else ``_id``), ``_include`` / ``_revinclude``
(``:iterate`` accepted: every include applies to the resources already included, so
``_include:iterate`` and ``_include`` mean the same here), ``_summary`` (``count``, ``true``),
``_elements``, ``_total`` (always accurate), ``_format`` (JSON only), ``_filter``.

Handling (``Prefer: handling=strict|lenient``, strict by default as FHIR says): an unknown
parameter, modifier or include, or a code unknown to its nomenclature, is a 400
OperationOutcome naming it; lenient handling ignores it and reports it as a warning in the
Bundle. A malformed value is a 400 in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ror.api.fhir import catalog, paging
from ror.api.fhir.atoms import Problems, make_atom, split_values
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.filter_expr import parse_filter
from ror.api.fhir.outcome import FhirError, Issue
from ror.api.fhir.query import AllOf, Atom, Node, SearchRequest, SortKey
from ror.api.fhir.subset import ELEMENT
from ror.api.fhir.values import Near
from ror.errors import RorError

DEFAULT_COUNT: Final = 50
MAX_COUNT: Final = 1000
MAX_OFFSET: Final = 10_000  # matches skipped by ``_offset``: deeper, follow the ``next`` links
FORMATS: Final = frozenset({"json", "application/json", "application/fhir+json"})
SUMMARIES: Final = frozenset({"count", "true", "false"})
TOTALS: Final = frozenset({"accurate", "estimate", "none"})
MAX_PARAMETERS: Final = 40  # name=value pairs in one search
MAX_REPEATS: Final = 5  # the same parameter given again (each one more AND)
MAX_VALUES: Final = 20  # comma-separated values of one parameter (OR)
SINGLE: Final = frozenset(
    {"_count", "_offset", "_cursor", "_sort", "_summary", "_format", "_total", "_elements"}
)


def lenient(prefer: str | None) -> bool:
    """``Prefer: handling=lenient`` (strict otherwise)."""
    if not prefer:
        return False
    parts = re.split(r"[,;]", prefer.lower())
    return any(part.replace(" ", "") == "handling=lenient" for part in parts)


def parse_search(
    resource: ResourceType, items: Iterable[tuple[str, str]], *, lenient: bool = False
) -> SearchRequest:
    """Validate a search; :class:`FhirError` (400) listing every problem otherwise."""
    items = list(items)
    _check_size(items)
    problems = Problems()
    children: list[Node] = []
    options: dict[str, str] = {}
    includes: list[str] = []
    revincludes: list[str] = []
    for name, raw in items:
        base, _, modifier = name.partition(":")
        if base in SINGLE:
            if modifier:
                problems.not_supported(name, "modificateur non pris en charge")
            elif base in options:
                problems.bad(name, "donné plusieurs fois ; le donner une seule fois")
            else:
                options[base] = raw
        elif base in ("_include", "_revinclude"):
            _include(resource, name, base, modifier, raw, problems, includes, revincludes)
        elif base == "_filter":
            node = parse_filter(raw, resource, problems)
            if node is not None:
                children.append(node)
        elif base == "_has" and catalog.find(resource, name) is not None:
            node = make_atom(resource, name, None, split_values(raw), problems)
            if node is not None:
                children.append(node)
        elif base.startswith("_") and catalog.find(resource, base) is None:
            problems.not_supported(name, "paramètre de résultat non pris en charge")
        else:
            node = make_atom(resource, base, modifier or None, split_values(raw), problems)
            if node is not None:
                children.append(node)
    count = _integer(options.get("_count"), "_count", DEFAULT_COUNT, 0, MAX_COUNT, problems)
    offset = _offset(options.get("_offset"), problems)
    _check_option(options, "_format", FORMATS, problems)
    _check_option(options, "_total", TOTALS, problems)
    summary = _check_option(options, "_summary", SUMMARIES, problems)
    elements = _elements(options.get("_elements"), problems)
    condition = AllOf(tuple(children))
    near = _first_near(children)
    sort = _sort(resource, options.get("_sort"), near, problems)
    cursor = _cursor(options.get("_cursor"), sort, problems)
    warnings = _raise_or_warn(problems, lenient)
    return SearchRequest(
        resource=resource,
        condition=condition,
        near=near,
        includes=tuple(dict.fromkeys(includes)),
        revincludes=tuple(dict.fromkeys(revincludes)),
        count=count,
        offset=offset,
        cursor=cursor,
        sort=sort,
        summary=summary if summary in ("count", "true") else None,
        elements=elements,
        warnings=warnings,
    )


def _check_size(items: list[tuple[str, str]]) -> None:
    """Bounded cost: at most :data:`MAX_PARAMETERS` parameters, each name at most
    :data:`MAX_REPEATS` times, each value list at most :data:`MAX_VALUES` long (400)."""
    if len(items) > MAX_PARAMETERS:
        raise FhirError.of(400, "too-costly", f"{len(items)} paramètres, {MAX_PARAMETERS} au plus")
    seen: dict[str, int] = {}
    for name, raw in items:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > MAX_REPEATS:
            raise FhirError.of(
                400, "too-costly", f"{name} : donné plus de {MAX_REPEATS} fois", name
            )
        if name != "_filter" and raw.count(",") >= MAX_VALUES:
            raise FhirError.of(
                400,
                "too-costly",
                f"{name} : plus de {MAX_VALUES} valeurs, {MAX_VALUES} au plus",
                name,
            )


def _include(
    resource: ResourceType,
    name: str,
    base: str,
    modifier: str,
    raw: str,
    problems: Problems,
    includes: list[str],
    revincludes: list[str],
) -> None:
    if modifier and modifier != "iterate":
        problems.not_supported(name, f"{base}:{modifier} non pris en charge")
        return
    allowed = (catalog.INCLUDES if base == "_include" else catalog.REVINCLUDES)[resource]
    value = raw.strip()
    parts = value.split(":")
    if len(parts) == 3 and parts[2] in ("Location", "Organization", "HealthcareService"):
        value = ":".join(parts[:2])  # "HealthcareService:location:Location"
    if value not in allowed:
        shown = ", ".join(allowed) or "aucun"
        problems.not_supported(f"{base}={raw}", f"non pris en charge (pris en charge : {shown})")
        return
    (includes if base == "_include" else revincludes).append(value)


def _integer(
    raw: str | None, name: str, default: int, low: int, high: int | None, problems: Problems
) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit():
        problems.bad(name, f"entier positif attendu, reçu « {raw} »")
        return default
    value = int(text)
    if value < low or (high is not None and value > high):
        problems.bad(name, f"doit être entre {low} et {high}" if high else f"doit être ≥ {low}")
        return default
    return value


def _offset(raw: str | None, problems: Problems) -> int:
    """``_offset``, at most :data:`MAX_OFFSET`: deeper pages are read by cursor."""
    value = _integer(raw, "_offset", 0, 0, None, problems)
    if value > MAX_OFFSET:
        problems.bad(
            "_offset",
            f"au plus {MAX_OFFSET} : au-delà, suivre les liens next (_cursor), qui reprennent "
            "après la dernière entrée vue",
        )
        return 0
    return value


def _check_option(
    options: dict[str, str], name: str, allowed: frozenset[str], problems: Problems
) -> str | None:
    raw = options.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in allowed:
        problems.not_supported(
            name, f"valeur « {raw} » non prise en charge ({', '.join(sorted(allowed))})"
        )
        return None
    return value


def _cursor(
    raw: str | None, sort: tuple[SortKey, ...], problems: Problems
) -> tuple[object, ...] | None:
    if raw is None:
        return None
    try:
        return paging.decode(sort, raw.strip())
    except RorError as exc:
        problems.bad("_cursor", exc.message)
        return None


def _elements(raw: str | None, problems: Problems) -> frozenset[str] | None:
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    bad = [n for n in names if not ELEMENT.fullmatch(n)]
    if bad or not names:
        problems.bad("_elements", f"noms d'éléments attendus (identifier,name…), reçu « {raw} »")
        return None
    return frozenset(names)


def _first_near(children: list[Node]) -> Near | None:
    for child in children:
        if isinstance(child, Atom) and child.param.field == "near":
            value = child.values[0]
            if isinstance(value, Near):
                return value
    return None


def _sort(
    resource: ResourceType, raw: str | None, near: Near | None, problems: Problems
) -> tuple[SortKey, ...]:
    if raw is None or not raw.strip():
        first = (SortKey("near"),) if near is not None else ()
        return (*first, SortKey("_id"))
    keys: list[SortKey] = []
    for part in raw.split(","):
        text = part.strip()
        descending = text.startswith("-")
        key = text.lstrip("-")
        if key in ("location.near", "distance"):
            key = "near"
        if key not in catalog.SORTS[resource]:
            shown = ", ".join(catalog.SORTS[resource])
            problems.not_supported(f"_sort={text}", f"tri non pris en charge ({shown})")
            continue
        if key == "near" and near is None:
            problems.bad("_sort", "le tri par distance demande un paramètre near")
            continue
        keys.append(SortKey(key, descending))
    if not any(k.key == "_id" for k in keys):
        keys.append(SortKey("_id"))  # a total order: pages never overlap
    return tuple(keys)


def _raise_or_warn(problems: Problems, lenient: bool) -> tuple[Issue, ...]:
    errors = list(problems.invalid)
    ignorable = problems.unsupported + problems.unknown_codes
    if not lenient:
        errors += ignorable
    if errors:
        raise FhirError(400, errors)
    ignored = [
        _warning(i, "paramètre ignoré (Prefer: handling=lenient)") for i in problems.unsupported
    ]
    unmatched = [
        _warning(i, "aucune offre ne porte ce code (Prefer: handling=lenient)")
        for i in problems.unknown_codes
    ]
    return (*ignored, *unmatched)


def _warning(issue: Issue, note: str) -> Issue:
    return Issue("warning", issue.code, f"{issue.diagnostics} ; {note}", issue.expression)
