"""A recording HTTP server that answers the Elasticsearch client as Elasticsearch 9 would, in
shape only, and checks every request and answer against Elastic's OpenAPI document.

It is no Elasticsearch: queries are not evaluated (a search returns the documents of its
indices in the requested sort order, paged with ``search_after``; aggregations group those
documents by the requested fields). Only the named clauses (``_name``) of a query are read, by
the test-side clause reader (``tests/es/es_semantics.py``), for each hit's
``matched_queries``. What it keeps is what the engine itself wrote (bulk lines, indexed and
updated documents, aliases, points in time), so that the engine's paging, alias swap and
guarded updates run through their real code on realistic documents.

Every request is captured with its operation (method and path template of the document), and
validated: path and query parameters declared by the operation, the JSON body against the
operation's request schema, each NDJSON line of ``_bulk`` against the bulk line schemas. Every
answer is validated against the operation's response schema (``_types.ErrorResponseBase`` for
errors) before it is sent, so the server cannot drift from Elasticsearch.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from werkzeug import Request, Response

from tests.es.es_semantics import named_clauses, satisfies
from tests.es.wire import es_openapi as spec

VERSION = "9.1.0"
PRODUCT = {"X-Elastic-Product": "Elasticsearch"}
SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}
WRITE_SHARDS = {"total": 1, "successful": 1, "failed": 0}
ERROR_SCHEMA = spec.SCHEMAS + "_types.ErrorResponseBase"


@dataclass
class Captured:
    """One request as it crossed the wire, with what the validation found."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON, a list of NDJSON lines for _bulk, or None
    operation: spec.Operation | None
    errors: list[str] = field(default_factory=list)
    status: int = 0

    @property
    def key(self) -> str:
        return self.operation.key if self.operation is not None else f"{self.method} {self.path}"


@dataclass
class Doc:
    source: dict[str, Any]
    seq_no: int
    version: int = 1


class Answer(Exception):
    """An HTTP answer other than 200 (raised by a handler)."""

    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def error_body(status: int, kind: str, reason: str) -> dict[str, Any]:
    cause = {"type": kind, "reason": reason}
    return {"error": {**cause, "root_cause": [cause]}, "status": status}


def _value(source: Mapping[str, Any], path: str) -> list[Any]:
    """Values of a dotted field in a document (through objects and arrays of objects)."""
    current: list[Any] = [source]
    for part in path.split("."):
        found: list[Any] = []
        for item in current:
            if isinstance(item, Mapping) and part in item:
                value = item[part]
                found.extend(value if isinstance(value, list) else [value])
        current = found
    return [v for v in current if v is not None]


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, "")
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (1, str(value))


class Recorder:
    """The server's state and its handler (thread-safe: the client may call from threads)."""

    def __init__(self) -> None:
        self.captured: list[Captured] = []
        self.answer_errors: list[str] = []
        self.indices: dict[str, dict[str, Doc]] = {}
        self.aliases: dict[str, set[str]] = {}
        self.mappings: dict[str, dict[str, Any]] = {}  # index -> its mappings as created
        self.pits: dict[str, list[str]] = {}
        self.scrolls: dict[str, list[dict[str, Any]]] = {}
        self.conflict_once: set[str] = set()  # ids whose next guarded update loses a race
        self.bulk_refusals: dict[str, tuple[int, str, str]] = {}  # id -> status, type, reason
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._routes: dict[str, Callable[[Captured, dict[str, str]], Any]] = {
            "GET /": self._info,
            "HEAD /{index}": self._exists,
            "PUT /{index}": self._create,
            "DELETE /{index}": self._delete_index,
            "GET /_alias/{name}": self._get_alias,
            "POST /_aliases": self._update_aliases,
            "PUT /{index}/_settings": lambda c, p: {"acknowledged": True},
            "GET /{index}/_mapping": self._get_mapping,
            "PUT /{index}/_mapping": self._put_mapping,
            "POST /{index}/_refresh": lambda c, p: {"_shards": dict(WRITE_SHARDS)},
            "PUT /_bulk": self._bulk,
            "POST /_bulk": self._bulk,
            "PUT /{index}/_doc/{id}": self._index_doc,
            "GET /{index}/_doc/{id}": self._get_doc,
            "POST /{index}/_update/{id}": self._update,
            "POST /{index}/_mget": self._mget,
            "POST /{index}/_count": self._count,
            "POST /{index}/_delete_by_query": self._delete_by_query,
            "GET /{index}/_count": self._count,
            "POST /{index}/_search": self._search,
            "POST /_search": self._search,
            "POST /{index}/_pit": self._open_pit,
            "DELETE /_pit": self._close_pit,
            "POST /_search/scroll": self._scroll,
            "DELETE /_search/scroll": self._clear_scroll,
        }

    # --- what the tests read -------------------------------------------------------------------

    def operations(self) -> set[str]:
        return {c.key for c in self.captured}

    def invalid(self) -> list[str]:
        return [f"{c.method} {c.path}: {e}" for c in self.captured for e in c.errors]

    # --- the WSGI side -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = unquote(request.path)
        query = {k: v for k, v in request.args.items()}
        raw = request.get_data()
        captured = Captured(
            request.method, path, query, None, spec.find_operation(request.method, path)
        )
        self.captured.append(captured)
        try:
            captured.body = self._parse(captured, raw, request.content_type or "")
            self._validate(captured)
            handler = self._routes.get(captured.key)
            if handler is None:
                raise Answer(400, error_body(400, "recorder", f"no answer for {captured.key}"))
            with self._lock:
                status, body = 200, handler(captured, dict(captured.operation.path_params))  # type: ignore[union-attr]
        except Answer as answer:
            status, body = answer.status, answer.body
        captured.status = status
        self._check_answer(captured, status, body)
        headers = {**PRODUCT}
        if body is None:
            return Response(b"", status=status, headers=headers)
        payload = json.dumps(body).encode()
        return Response(payload, status=status, headers=headers, content_type="application/json")

    def _parse(self, captured: Captured, raw: bytes, content_type: str) -> Any:
        if not raw:
            return None
        text = raw.decode("utf-8")
        if captured.path.endswith("/_bulk"):
            if "x-ndjson" not in content_type:
                captured.errors.append(f"_bulk sent as {content_type}, not NDJSON")
            if not text.endswith("\n"):
                captured.errors.append("_bulk body does not end with a newline")
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)

    def _validate(self, captured: Captured) -> None:
        op = captured.operation
        if op is None:
            captured.errors.append("no such operation in the specification")
            raise Answer(405, error_body(405, "recorder", "unknown operation"))
        captured.errors += spec.validate_query(op, captured.query)
        if captured.body is None:
            return
        if op.template.endswith("/_bulk"):
            captured.errors += spec.validate_bulk(captured.body)
        else:
            captured.errors += spec.validate_body(op, captured.body)

    def _check_answer(self, captured: Captured, status: int, body: Any) -> None:
        op = captured.operation
        if op is None or captured.method == "HEAD":
            return
        if status >= 400 and isinstance(body, Mapping) and "error" in body:
            problems = spec.errors_against(ERROR_SCHEMA, body)
        elif status >= 400:
            return  # a 404 of GET _doc answers the GetResult (found: false)
        elif isinstance(body, Mapping) and "hits" in body:
            problems = spec.validate_response(op, status, _sampled(body))
            if "aggregations" in body:  # against the types requested, as typed_keys would say
                requested = captured.body.get("aggs") or captured.body.get("aggregations")
                problems += check_aggregates(requested, body["aggregations"])
        else:
            problems = spec.validate_response(op, status, body)
        self.answer_errors += [f"answer to {captured.key}: {p}" for p in problems]

    # --- indices and aliases -------------------------------------------------------------------

    def _resolve(self, name: str) -> list[str]:
        names = [n for part in name.split(",") for n in self._resolve_one(part)]
        return sorted(set(names))

    def _resolve_one(self, name: str) -> list[str]:
        if "*" in name:
            pattern = re.compile("^" + re.escape(name).replace(r"\*", ".*") + "$")
            found = {n for n in self.indices if pattern.match(n)}
            found |= {i for a, ix in self.aliases.items() if pattern.match(a) for i in ix}
            return sorted(found)
        if name in self.indices:
            return [name]
        if name in self.aliases:
            return sorted(self.aliases[name])
        return []

    def _target(self, name: str) -> list[str]:
        found = self._resolve(name)
        if not found:
            raise Answer(
                404, error_body(404, "index_not_found_exception", f"no such index [{name}]")
            )
        return found

    def _write_index(self, name: str) -> str:
        found = self._target(name)
        if len(found) != 1:
            raise Answer(
                400,
                error_body(
                    400, "illegal_argument_exception", f"alias [{name}] has more than one index"
                ),
            )
        return found[0]

    def _info(self, c: Captured, p: dict[str, str]) -> Any:
        return {
            "name": "recorder",
            "cluster_name": "ror-wire",
            "cluster_uuid": "ror-wire-cluster",
            "version": {
                "number": VERSION,
                "build_flavor": "default",
                "build_type": "docker",
                "build_hash": "0",
                "build_date": "2026-08-01T00:00:00.000Z",
                "build_snapshot": False,
                "lucene_version": "10.2.2",
                "minimum_wire_compatibility_version": "8.19.0",
                "minimum_index_compatibility_version": "8.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _exists(self, c: Captured, p: dict[str, str]) -> Any:
        if not self._resolve(p["index"]):
            raise Answer(404)
        return None

    def _create(self, c: Captured, p: dict[str, str]) -> Any:
        name = p["index"]
        if name in self.indices or name in self.aliases:
            raise Answer(
                400,
                error_body(400, "resource_already_exists_exception", f"index [{name}] exists"),
            )
        self.indices[name] = {}
        self.mappings[name] = dict((c.body or {}).get("mappings") or {})
        for alias in (c.body or {}).get("aliases") or {}:
            self.aliases.setdefault(alias, set()).add(name)
        return {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _delete_index(self, c: Captured, p: dict[str, str]) -> Any:
        names = self._resolve(p["index"])
        if not names and c.query.get("ignore_unavailable") != "true":
            self._target(p["index"])
        for name in names:
            del self.indices[name]
            self.mappings.pop(name, None)
            for members in self.aliases.values():
                members.discard(name)
        self.aliases = {a: m for a, m in self.aliases.items() if m}
        return {"acknowledged": True}

    def _get_mapping(self, c: Captured, p: dict[str, str]) -> Any:
        return {
            name: {"mappings": self.mappings.get(name, {})} for name in self._target(p["index"])
        }

    def _put_mapping(self, c: Captured, p: dict[str, str]) -> Any:
        for name in self._target(p["index"]):
            mapping = self.mappings.setdefault(name, {})
            mapping["properties"] = {**mapping.get("properties", {}), **c.body["properties"]}
        return {"acknowledged": True}

    def _get_alias(self, c: Captured, p: dict[str, str]) -> Any:
        out: dict[str, Any] = {}
        for alias in p["name"].split(","):
            for index in sorted(self.aliases.get(alias, ())):
                out.setdefault(index, {"aliases": {}})["aliases"][alias] = {}
        if not out:
            raise Answer(
                404, error_body(404, "aliases_not_found_exception", f"alias [{p['name']}] missing")
            )
        return out

    def _update_aliases(self, c: Captured, p: dict[str, str]) -> Any:
        for action in c.body["actions"]:
            ((kind, spec_),) = action.items()
            index, alias = spec_["index"], spec_["alias"]
            if index not in self.indices:
                self._target(index)
            if kind == "add":
                self.aliases.setdefault(alias, set()).add(index)
            elif kind == "remove":
                if index not in self.aliases.get(alias, set()):
                    raise Answer(
                        404, error_body(404, "aliases_not_found_exception", f"[{alias}] missing")
                    )
                self.aliases[alias].discard(index)
        self.aliases = {a: m for a, m in self.aliases.items() if m}
        return {"acknowledged": True}

    # --- documents -----------------------------------------------------------------------------

    def _store(self, index: str, doc_id: str, source: dict[str, Any]) -> tuple[Doc, bool]:
        docs = self.indices[index]
        old = docs.get(doc_id)
        doc = Doc(source, next(self._seq), (old.version + 1) if old else 1)
        docs[doc_id] = doc
        return doc, old is None

    def _write_result(self, index: str, doc_id: str, doc: Doc, result: str) -> dict[str, Any]:
        return {
            "_index": index,
            "_id": doc_id,
            "_version": doc.version,
            "result": result,
            "_shards": dict(WRITE_SHARDS),
            "_seq_no": doc.seq_no,
            "_primary_term": 1,
        }

    def _bulk(self, c: Captured, p: dict[str, str]) -> Any:
        lines = list(c.body or [])
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(lines):
            ((kind, meta),) = lines[i].items()
            source = lines[i + 1] if kind in ("index", "create", "update") else None
            i += 2 if source is not None else 1
            items.append({kind: self._bulk_item(kind, meta, source)})
        errors = any("error" in item[next(iter(item))] for item in items)
        return {"took": 1, "errors": errors, "items": items}

    def _bulk_item(self, kind: str, meta: Mapping[str, Any], source: Any) -> dict[str, Any]:
        doc_id = str(meta.get("_id") or f"auto-{next(self._ids)}")
        refusal = self.bulk_refusals.pop(doc_id, None)
        try:
            index = self._write_index(meta["_index"])
        except Answer as answer:
            refusal = (answer.status, "index_not_found_exception", str(meta["_index"]))
            index = str(meta["_index"])
        if refusal is not None:
            status, kind_, reason = refusal
            return {
                "_index": index,
                "_id": doc_id,
                "status": status,
                "error": {"type": kind_, "reason": reason},
            }
        if kind == "delete":
            old = self.indices[index].pop(doc_id, None)
            result = "deleted" if old else "not_found"
            doc = Doc({}, next(self._seq), (old.version + 1) if old else 1)
            return {**self._write_result(index, doc_id, doc, result), "status": 200 if old else 404}
        if kind == "update":
            doc = self._apply_update(index, doc_id, source)
            return {**self._write_result(index, doc_id, doc, "updated"), "status": 200}
        doc, created = self._store(index, doc_id, dict(source))
        result = "created" if created else "updated"
        return {**self._write_result(index, doc_id, doc, result), "status": 201 if created else 200}

    def _index_doc(self, c: Captured, p: dict[str, str]) -> Any:
        index = self._write_index(p["index"])
        doc, created = self._store(index, p["id"], dict(c.body))
        return self._write_result(index, p["id"], doc, "created" if created else "updated")

    def _found(
        self, index: str, doc_id: str, doc: Doc, excludes: Iterable[str], includes: Any = None
    ) -> dict[str, Any]:
        return {
            "_index": index,
            "_id": doc_id,
            "_version": doc.version,
            "_seq_no": doc.seq_no,
            "_primary_term": 1,
            "found": True,
            "_source": filtered(doc.source, list(includes or ()), list(excludes)),
        }

    def _lookup(self, name: str, doc_id: str) -> tuple[str, Doc] | None:
        for index in self._resolve(name):
            doc = self.indices[index].get(doc_id)
            if doc is not None:
                return index, doc
        return None

    def _get_doc(self, c: Captured, p: dict[str, str]) -> Any:
        found = self._lookup(p["index"], p["id"])
        if found is None:
            self._target(p["index"])
            raise Answer(404, {"_index": p["index"], "_id": p["id"], "found": False})
        return self._found(found[0], p["id"], found[1], ())

    def _apply_update(self, index: str, doc_id: str, body: Mapping[str, Any]) -> Doc:
        old = self.indices[index].get(doc_id)
        if old is None:
            raise Answer(
                404, error_body(404, "document_missing_exception", f"[{doc_id}]: document missing")
            )
        source = dict(old.source)
        if "doc" in body:
            source.update(body["doc"])
        else:
            params = (body.get("script") or {}).get("params") or {}
            if not isinstance(params.get("fields"), Mapping):
                raise Answer(
                    400,
                    error_body(
                        400, "recorder", "the recorder runs no script but field replacement"
                    ),
                )
            source.update(params["fields"])
        doc, _ = self._store(index, doc_id, source)
        return doc

    def _update(self, c: Captured, p: dict[str, str]) -> Any:
        found = self._lookup(p["index"], p["id"])
        if found is None:
            self._target(p["index"])
            raise Answer(
                404, error_body(404, "document_missing_exception", f"[{p['id']}]: document missing")
            )
        index, doc = found
        if p["id"] in self.conflict_once:  # another writer got there first
            self.conflict_once.discard(p["id"])
            doc, _ = self._store(index, p["id"], dict(doc.source))
        if "if_seq_no" in c.query and int(c.query["if_seq_no"]) != doc.seq_no:
            raise Answer(
                409,
                error_body(
                    409,
                    "version_conflict_engine_exception",
                    f"[{p['id']}]: version conflict, required seqNo [{c.query['if_seq_no']}], "
                    f"current document has seqNo [{doc.seq_no}]",
                ),
            )
        updated = self._apply_update(index, p["id"], c.body)
        return self._write_result(index, p["id"], updated, "updated")

    def _mget(self, c: Captured, p: dict[str, str]) -> Any:
        excludes = [x for x in c.query.get("_source_excludes", "").split(",") if x]
        includes = [x for x in c.query.get("_source_includes", "").split(",") if x]
        docs = []
        for doc_id in c.body["ids"]:
            found = self._lookup(p["index"], str(doc_id))
            if found is None:
                docs.append({"_index": p["index"], "_id": str(doc_id), "found": False})
            else:
                docs.append(self._found(found[0], str(doc_id), found[1], excludes, includes))
        return {"docs": docs}

    def _count(self, c: Captured, p: dict[str, str]) -> Any:
        n = sum(len(self.indices[i]) for i in self._target(p["index"]))
        return {"count": n, "_shards": dict(SHARDS)}

    def _delete_by_query(self, c: Captured, p: dict[str, str]) -> Any:
        """Deletes the documents a ``range`` query on a date field selects (the one query the
        engine sends here: replay retention); any other query is refused."""
        ((field_name, bounds),) = c.body["query"]["range"].items()
        tests = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
        tests |= {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
        if not set(bounds) <= set(tests):
            raise Answer(400, error_body(400, "recorder", f"cannot evaluate {bounds}"))

        def selected(doc: Doc) -> bool:
            value = datetime.fromisoformat(doc.source[field_name])
            return all(tests[op](value, datetime.fromisoformat(v)) for op, v in bounds.items())

        deleted = 0
        for index in self._target(p["index"]):
            docs = self.indices[index]
            for doc_id in [i for i, d in docs.items() if selected(d)]:
                del docs[doc_id]
                deleted += 1
        return {
            "took": 1,
            "timed_out": False,
            "total": deleted,
            "deleted": deleted,
            "batches": 1 if deleted else 0,
            "version_conflicts": 0,
            "noops": 0,
            "retries": {"bulk": 0, "search": 0},
            "throttled_millis": 0,
            "requests_per_second": -1.0,
            "throttled_until_millis": 0,
            "failures": [],
        }

    # --- search --------------------------------------------------------------------------------

    def _open_pit(self, c: Captured, p: dict[str, str]) -> Any:
        pit = f"pit-{next(self._ids)}"
        self.pits[pit] = self._target(p["index"])
        return {"id": pit, "_shards": dict(SHARDS)}

    def _close_pit(self, c: Captured, p: dict[str, str]) -> Any:
        freed = 1 if self.pits.pop(c.body["id"], None) is not None else 0
        return {"succeeded": True, "num_freed": freed}

    def _search(self, c: Captured, p: dict[str, str]) -> Any:
        body = dict(c.body or {})
        if "pit" in body:
            if "index" in p:
                raise Answer(
                    400,
                    error_body(400, "action_request_validation_exception", "index with pit"),
                )
            indices = self.pits.get(body["pit"]["id"])
            if indices is None:
                raise Answer(404, error_body(404, "search_context_missing_exception", "no pit"))
        else:
            indices = self._target(p.get("index", "_all"))
        hits, order = self._hits(indices, body)
        size = int(body.get("size", c.query.get("size", 10)))
        after = body.get("search_after")
        if after is not None:
            hits = [h for h in hits if order(h["sort"]) > order(after)]
        answer: dict[str, Any] = {
            "took": 1,
            "timed_out": False,
            "_shards": dict(SHARDS),
            "hits": {
                "total": {"value": len(hits), "relation": "eq"},
                "max_score": None,
                "hits": [],
            },
        }
        if body.get("track_total_hits") is False:
            del answer["hits"]["total"]
        if "scroll" in c.query:
            scroll_id = f"scroll-{next(self._ids)}"
            self.scrolls[scroll_id] = hits[size:]
            answer["_scroll_id"] = scroll_id
        answer["hits"]["hits"] = hits[:size]
        if "pit" in body:
            answer["pit_id"] = body["pit"]["id"]
        if "sort" not in body:
            for hit in answer["hits"]["hits"]:
                hit.pop("sort")
        if body.get("aggs") or body.get("aggregations"):
            docs = [(d.source, d.source, "") for i in indices for d in self.indices[i].values()]
            answer["aggregations"] = aggregate(body.get("aggs") or body["aggregations"], docs)
        return answer

    def _hits(
        self, indices: Sequence[str], body: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], Callable[[Sequence[Any]], list[Any]]]:
        """Every document of ``indices`` as a hit, in the body's sort order (and that order)."""
        sort = body.get("sort") or [{"_doc": "asc"}]
        named = named_clauses(body.get("query") or {})
        hits = []
        for index in indices:
            for doc_id, doc in self.indices[index].items():
                hit: dict[str, Any] = {
                    "_index": index,
                    "_id": doc_id,
                    "_score": 1.0,
                    "_source": _source_filter(doc.source, body.get("_source", True)),
                    "sort": [_sort_value(doc_id, doc, s) for s in sort],
                }
                matched = [n for n, clause in named if satisfies(doc.source, clause)]
                if matched:
                    hit["matched_queries"] = matched
                if body.get("seq_no_primary_term"):
                    hit["_seq_no"], hit["_primary_term"] = doc.seq_no, 1
                if hit["_source"] is None:
                    del hit["_source"]
                hits.append(hit)
        descending = [_order(s) == "desc" for s in sort]

        def order(values: Sequence[Any]) -> list[Any]:
            out = []
            for value, desc in zip(values, descending, strict=True):
                k = _sort_key(value)
                out.append((-k[0], _negate(k[1])) if desc else k)
            return out

        return sorted(hits, key=lambda hit: order(hit["sort"])), order

    def _scroll(self, c: Captured, p: dict[str, str]) -> Any:
        scroll_id = c.body["scroll_id"]
        rest = self.scrolls.get(scroll_id, [])
        page, self.scrolls[scroll_id] = rest[:1000], rest[1000:]
        return {
            "took": 1,
            "timed_out": False,
            "_shards": dict(SHARDS),
            "_scroll_id": scroll_id,
            "hits": {
                "total": {"value": len(rest), "relation": "eq"},
                "max_score": None,
                "hits": page,
            },
        }

    def _clear_scroll(self, c: Captured, p: dict[str, str]) -> Any:
        ids = c.body["scroll_id"]
        ids = [ids] if isinstance(ids, str) else ids
        freed = sum(1 for i in ids if self.scrolls.pop(i, None) is not None)
        return {"succeeded": True, "num_freed": freed}


def _sampled(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A search answer with its first and last hits only (every hit is built alike) and
    without its aggregations (checked apart)."""
    hits = answer["hits"]["hits"]
    kept = hits[:1] + hits[-1:] if len(hits) > 2 else hits
    out = {k: v for k, v in answer.items() if k != "aggregations"}
    return {**out, "hits": {**answer["hits"], "hits": kept}}


def _negate(value: Any) -> Any:
    if isinstance(value, float):
        return -value
    return "".join(chr(0x10FFFF - ord(ch)) for ch in str(value))


def _order(sort: Any) -> str:
    if isinstance(sort, str):
        return "asc"
    ((_, spec_),) = sort.items()
    if isinstance(spec_, str):
        return spec_
    return str(spec_.get("order", "asc"))


def _sort_value(doc_id: str, doc: Doc, sort: Any) -> Any:
    name = sort if isinstance(sort, str) else next(iter(sort))
    if name == "_score":
        return 1.0
    if name == "_doc":
        return doc.seq_no
    if name == "_geo_distance":
        return 0.0
    values = _value(doc.source, name)
    return values[0] if values else None


def _source_filter(source: Mapping[str, Any], wanted: Any) -> dict[str, Any] | None:
    if wanted is False:
        return None
    if wanted is True or wanted is None:
        return dict(source)
    if isinstance(wanted, str):
        return filtered(source, [wanted], [])
    if isinstance(wanted, list):
        return filtered(source, wanted, [])
    return filtered(source, list(wanted.get("includes", ())), list(wanted.get("excludes", ())))


def filtered(
    source: Mapping[str, Any], includes: Sequence[str], excludes: Sequence[str], prefix: str = ""
) -> dict[str, Any]:
    """Source filtering as the reference describes it: the fields whose full path (objects
    joined by dots, ``*`` a wildcard) matches an include pattern (none: every field) and no
    exclude pattern; a matched object is kept whole, and an object on the way to a matched
    field keeps only what matches below it (an array of objects, item by item)."""
    out: dict[str, Any] = {}
    for key, value in source.items():
        path = f"{prefix}{key}"
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in excludes):
            continue
        if not includes or any(fnmatch.fnmatchcase(path, pattern) for pattern in includes):
            out[key] = value
        elif any(pattern.startswith(f"{path}.") or "*" in pattern for pattern in includes):
            if isinstance(value, Mapping):
                inner = filtered(value, includes, excludes, f"{path}.")
                if inner:
                    out[key] = inner
            elif isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
                items = [filtered(v, includes, excludes, f"{path}.") for v in value]
                if any(items):
                    out[key] = [item for item in items if item]
    return out


# --- aggregations: shapes, with counts of the documents given (queries are not evaluated) ---

Scope = list[tuple[dict[str, Any], Any, str]]  # (root document, object aggregated on, its path)


def aggregate(aggs: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    return {name: _one(body, scope) for name, body in aggs.items()}


def _one(body: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    kinds = [k for k in body if k not in ("aggs", "aggregations", "meta")]
    (kind,) = kinds
    params = body[kind]
    subs = body.get("aggs") or body.get("aggregations") or {}
    if kind == "filter":
        return {"doc_count": len(scope), **aggregate(subs, scope)}
    if kind == "nested":
        path = params["path"]
        inner = [(root, obj, path) for root, _, _ in scope for obj in _value(root, path)]
        return {"doc_count": len(inner), **aggregate(subs, inner)}
    if kind == "reverse_nested":
        roots = list({id(root): (root, root, "") for root, _, _ in scope}.values())
        return {"doc_count": len(roots), **aggregate(subs, roots)}
    if kind == "terms":
        groups = _groups(scope, params["field"])
        ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), _sort_key(kv[0])))
        if params.get("order") == {"_key": "asc"}:
            ordered = sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
        buckets = [
            {"key": k, "doc_count": len(v), **aggregate(subs, v)}
            for k, v in ordered[: params.get("size", 10)]
        ]
        return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": buckets}
    if kind == "composite":
        return _composite(params, subs, scope)
    if kind in ("sum", "max", "min"):
        return _metric(kind, params, scope)
    raise Answer(400, error_body(400, "recorder", f"no shape for the {kind} aggregation"))


def _field(obj: Any, path: str, name: str) -> list[Any]:
    """Values of field ``name`` (a full path) in an object found at ``path``."""
    return _value(obj, name.removeprefix(path + ".") if path else name)


def _groups(scope: Scope, name: str) -> dict[Any, Scope]:
    groups: dict[Any, Scope] = {}
    for root, obj, path in scope:
        for value in dict.fromkeys(_field(obj, path, name)):
            groups.setdefault(value, []).append((root, obj, path))
    return groups


def _composite(params: Mapping[str, Any], subs: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    ((name, source),) = [next(iter(s.items())) for s in params["sources"]]
    groups = _groups(scope, source["terms"]["field"])
    after = (params.get("after") or {}).get(name)
    keys = sorted(
        (k for k in groups if after is None or _sort_key(k) > _sort_key(after)), key=_sort_key
    )
    page = keys[: params.get("size", 10)]
    buckets = [
        {"key": {name: k}, "doc_count": len(groups[k]), **aggregate(subs, groups[k])} for k in page
    ]
    out: dict[str, Any] = {"buckets": buckets}
    if page:
        out["after_key"] = {name: page[-1]}
    return out


def _metric(kind: str, params: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    if "field" not in params:  # a script: not run here; Elasticsearch's sum of nothing is 0
        return {"value": 0.0}
    values = [v for _, obj, path in scope for v in _field(obj, path, params["field"])]
    if not values:
        return {"value": 0.0 if kind == "sum" else None}
    if all(isinstance(v, str) for v in values):  # dates: epoch milliseconds and the text
        stamps = {datetime.fromisoformat(v).timestamp() * 1000: v for v in values}
        best = max(stamps) if kind == "max" else min(stamps)
        return {"value": best, "value_as_string": stamps[best]}
    numbers = [float(v) for v in values]
    value = sum(numbers) if kind == "sum" else max(numbers) if kind == "max" else min(numbers)
    return {"value": value}


AGGREGATE_TYPES = {
    "filter": "FilterAggregate",
    "nested": "NestedAggregate",
    "reverse_nested": "ReverseNestedAggregate",
    "terms": "StringTermsAggregate",  # the engine aggregates keyword fields only
    "composite": "CompositeAggregate",
    "sum": "SumAggregate",
    "max": "MaxAggregate",
    "min": "MinAggregate",
}


def check_aggregates(requested: Mapping[str, Any], answered: Mapping[str, Any]) -> list[str]:
    """Each aggregate against its own type's schema, its sub-aggregations apart (the union
    of every aggregate type, nested, would cost exponential time to check)."""
    problems: list[str] = []
    for name, body in requested.items():
        (kind,) = [k for k in body if k not in ("aggs", "aggregations", "meta")]
        subs = body.get("aggs") or body.get("aggregations") or {}
        result = answered.get(name)
        if not isinstance(result, Mapping):
            problems.append(f"aggregation {name} missing")
            continue
        own = {k: v for k, v in result.items() if k not in subs}
        holders: list[Mapping[str, Any]] = [result]
        if "buckets" in own:
            holders = list(own["buckets"])
            own["buckets"] = [{k: v for k, v in b.items() if k not in subs} for b in holders]
        pointer = spec.SCHEMAS + "_types.aggregations." + AGGREGATE_TYPES[kind]
        problems += [f"aggregation {name}: {p}" for p in spec.errors_against(pointer, own)]
        for holder in holders:
            problems += check_aggregates(subs, holder) if subs else []
    return problems
