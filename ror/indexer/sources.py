"""Where FHIR resources come from: Bundle JSON, NDJSON, single resources, directories.

:func:`read_resources` streams ``(resource, source, position, full_url)`` tuples
(:class:`Sourced`) from any mix of paths, and :class:`SourceError` items for what cannot be
read (a malformed NDJSON line, a file that is not JSON), so that one bad line never stops a
load. Positions are 1-based line numbers in NDJSON files and 0-based entry indexes in Bundles
(0 for a file holding a single resource). Bundles nested in a Bundle or on an NDJSON line are
flattened (their resources take the outer position). NDJSON is read line by line; a JSON file
is parsed whole. ``.gz`` files are read through gzip.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, NamedTuple

import orjson

from ror.errors import InvalidInput

from .fhir import Json, objects

SUFFIXES = (".json", ".ndjson", ".json.gz", ".ndjson.gz")


MAX_DEPTH: Final = 32  # objects and lists nested in one resource (FHIR ones need about 10)


class Sourced(NamedTuple):
    """A resource and where it was read."""

    resource: Json
    source: str
    position: int
    full_url: str | None = None


@dataclass(frozen=True, slots=True)
class SourceError:
    """Something at ``source``/``position`` that is not a readable FHIR resource."""

    source: str
    position: int
    reason: str


def read_resources(
    paths: Iterable[Path], *, only_lines_with: str | None = None
) -> Iterator[Sourced | SourceError]:
    """Every resource of every path, in a deterministic order (directories sorted).

    ``only_lines_with`` skips, unparsed, the NDJSON lines that do not contain that text (a fast
    way to re-read only one resource type; positions are unchanged).
    """
    for path in paths:
        for file in data_files(path) if path.is_dir() else [path]:
            yield from read_file(file, only_lines_with=only_lines_with)


def data_files(directory: Path) -> list[Path]:
    """The ``.json``/``.ndjson`` (optionally gzipped) files under a directory, sorted."""
    return sorted(
        p for p in directory.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES)
    )


def read_file(path: Path, *, only_lines_with: str | None = None) -> Iterator[Sourced | SourceError]:
    """Resources of one file: NDJSON by extension, otherwise one JSON document."""
    source = str(path)
    if not path.exists():
        raise InvalidInput(f"no such file or directory: {path}", "paths")
    name = path.name.lower().removesuffix(".gz")
    try:
        with _open(path) as handle:
            if name.endswith(".ndjson"):
                yield from _read_ndjson(handle, source, only_lines_with)
            else:
                yield from _read_json(handle, source)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        yield SourceError(source, 0, f"cannot read file: {exc}")


def _open(path: Path) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig")


def _read_ndjson(
    handle: IO[str], source: str, needle: str | None
) -> Iterator[Sourced | SourceError]:
    for number, line in enumerate(handle, start=1):
        if (needle is not None and needle not in line) or not line.strip():
            continue
        try:
            document = _loads(line)
        except json.JSONDecodeError as exc:
            yield SourceError(
                source, number, f"malformed JSON: {exc.msg} at character {exc.pos + 1}"
            )
            continue
        except (ValueError, RecursionError) as exc:
            yield SourceError(source, number, f"unreadable JSON: {_unreadable(exc)}")
            continue
        yield from _resources_of(document, source, number, None)


def _loads(line: str) -> Any:
    """orjson (several times faster on FHIR lines); what it refuses, the standard library reads
    or explains (its messages name the character)."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _read_json(handle: IO[str], source: str) -> Iterator[Sourced | SourceError]:
    try:
        document = json.load(handle)
    except json.JSONDecodeError as exc:
        yield SourceError(
            source, 0, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )
        return
    except (ValueError, RecursionError) as exc:
        yield SourceError(source, 0, f"unreadable JSON: {_unreadable(exc)}")
        return
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        yield from _bundle_entries(document, source, None)
    else:
        yield from _resources_of(document, source, 0, None)


def _resources_of(
    document: Any, source: str, position: int, full_url: str | None
) -> Iterator[Sourced | SourceError]:
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        yield SourceError(source, position, "not a FHIR resource (no resourceType)")
    elif document["resourceType"] == "Bundle":
        yield from _bundle_entries(document, source, position)
    elif _deeper_than(document, MAX_DEPTH):
        yield SourceError(source, position, f"nested more than {MAX_DEPTH} levels deep")
    else:
        yield Sourced(document, source, position, full_url)


def _deeper_than(document: Any, limit: int) -> bool:
    """True when objects and lists nest more than ``limit`` levels (the document is one)."""
    return type(document) in (dict, list) and _nests(document, limit)


def _nests(value: dict[str, Any] | list[Any], budget: int) -> bool:
    """True when a container below ``value`` is more than ``budget - 1`` levels down (recursion
    stops at ``budget``; only containers are visited, the scalars cost one type test)."""
    for child in value.values() if isinstance(value, dict) else value:
        kind = type(child)
        if (kind is dict or kind is list) and (budget <= 1 or _nests(child, budget - 1)):
            return True
    return False


def _unreadable(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return f"nested more than {MAX_DEPTH} levels deep"
    return str(exc)


def _bundle_entries(
    bundle: Json, source: str, outer: int | None
) -> Iterator[Sourced | SourceError]:
    for index, entry in enumerate(objects(bundle.get("entry"))):
        position = index if outer is None else outer
        resource = entry.get("resource")
        if resource is None:
            request = entry.get("request")
            if isinstance(request, dict) and request.get("method") == "DELETE":
                yield SourceError(source, position, "DELETE entries are not supported")
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        yield from _resources_of(resource, source, position, full_url)
