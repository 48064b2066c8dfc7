"""The FHIR resources an index was built from, kept beside it (one SQLite file).

Every HealthcareService, Organization (EJ, EG, OI), Location, PractitionerRole and Practitioner
loaded by ``ror index`` or ``ror sync`` is stored as received, with its source, its
``meta.lastUpdated`` / ``meta.versionId`` and when it was received. A delta then resolves its
references against the store, and a change to an Organization or a Location finds the offers
that depend on it (:meth:`ResourceStore.dependents`).

One row per ``(type, id)``: the version kept. The same resource from another source replaces it
when its ``meta.lastUpdated`` is newer, or equal and the source has a higher priority; either
way, when the contents differ, a conflict is recorded (:meth:`ResourceStore.conflicts`). A
resource removed at its source stays as a row marked ``deleted`` (its links still tell which
offers it took out).

Read API (also for the FHIR facade): :meth:`get`, :meth:`resource`, :meth:`by_identifier`,
:meth:`updated_between`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import orjson

from ror.errors import InvalidInput
from ror.indexer.fhir import instant, objects, text
from ror.indexer.references import parse_reference

Json = dict[str, Any]
Key = tuple[str, str]
Outcome = Literal["added", "changed", "unchanged", "stale", "kept"]

#: The resource types the store keeps.
STORED_TYPES: Final = (
    "HealthcareService",
    "Organization",
    "Location",
    "PractitionerRole",
    "Practitioner",
)
#: Reference elements kept as links, per type: (element, type referred to).
LINKS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "HealthcareService": (("providedBy", "Organization"), ("location", "Location")),
    "Organization": (("partOf", "Organization"),),
    "PractitionerRole": (
        ("healthcareService", "HealthcareService"),
        ("practitioner", "Practitioner"),
        ("organization", "Organization"),
        ("location", "Location"),
    ),
}

_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS resources (
        type TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,
        version_id TEXT, last_updated TEXT, last_updated_ts REAL,
        received_at TEXT NOT NULL, active INTEGER NOT NULL, deleted INTEGER NOT NULL,
        digest TEXT NOT NULL, body BLOB NOT NULL,
        PRIMARY KEY (type, id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS resources_updated ON resources (type, last_updated_ts, id)",
    "CREATE INDEX IF NOT EXISTS resources_source ON resources (source, type, deleted)",
    "CREATE INDEX IF NOT EXISTS resources_withdrawn ON resources (type, active, deleted)",
    """CREATE TABLE IF NOT EXISTS identifiers (
        value TEXT NOT NULL, system TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
        PRIMARY KEY (value, system, type, id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS identifiers_of ON identifiers (type, id)",
    """CREATE TABLE IF NOT EXISTS links (
        to_type TEXT NOT NULL, to_id TEXT NOT NULL, element TEXT NOT NULL,
        type TEXT NOT NULL, id TEXT NOT NULL,
        PRIMARY KEY (to_type, to_id, element, type, id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS links_from ON links (type, id)",
    "CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE IF NOT EXISTS conflicts (
        at TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
        kept_source TEXT NOT NULL, other_source TEXT NOT NULL, reason TEXT NOT NULL)""",
)


@dataclass(frozen=True, slots=True)
class StoredResource:
    """One kept resource and what the store knows about it."""

    type: str
    id: str
    source: str
    version_id: str | None
    last_updated: str | None  # meta.lastUpdated as received
    received_at: str
    active: bool
    deleted: bool
    resource: Json

    @property
    def listed_at(self) -> str:
        """When this resource last changed as this store lists it: ``meta.lastUpdated``, or
        when it was received for a resource that has none."""
        return self.last_updated or self.received_at

    @property
    def live(self) -> bool:
        """Neither inactive nor deleted: offers may be built from it."""
        return self.active and not self.deleted


@dataclass(frozen=True, slots=True)
class Conflict:
    at: str
    type: str
    id: str
    kept_source: str
    other_source: str
    reason: str


def is_active(resource: Json) -> bool:
    """False for ``active: false`` (HealthcareService, Organization, PractitionerRole…) and for
    a Location whose ``status`` is ``inactive``."""
    if resource.get("active") is False or str(resource.get("active")).lower() == "false":
        return False
    return resource.get("status") != "inactive"


def updated_at(resource: Json) -> datetime | None:
    """``meta.lastUpdated`` as a datetime (None when absent)."""
    meta = resource.get("meta")
    raw = meta.get("lastUpdated") if isinstance(meta, dict) else None
    return instant(raw, "meta.lastUpdated") if raw is not None else None


class ResourceStore:
    """The resource store (see the module docstring). Thread-safe: a connection per thread;
    writes in :meth:`batch` are one transaction."""

    def __init__(self, path: Path, *, priorities: Mapping[str, int] | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.priorities = dict(priorities or {})
        self._local = threading.local()
        conn = self._conn()
        for ddl in _SCHEMA:
            conn.execute(ddl)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=60.0
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One write transaction (nested calls join the outer one)."""
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- writing ---------------------------------------------------------------------------

    def put(
        self,
        resource: Json,
        source: str,
        *,
        received_at: datetime | None = None,
        full_urls: Mapping[str, Key] | None = None,
    ) -> Outcome:
        """Keep ``resource`` from ``source`` unless the stored version wins (see the module
        docstring). ``full_urls`` resolves Bundle-local references (``urn:uuid:…``) into links.
        Returns ``added``, ``changed``, ``unchanged``, ``stale`` (an older version from the
        same source) or ``kept`` (another source's version won: a conflict)."""
        rtype = str(resource.get("resourceType"))
        if rtype not in STORED_TYPES:
            raise InvalidInput(f"{rtype} is not a resource the store keeps", "resourceType")
        rid = text(resource.get("id"))
        if rid is None:
            raise InvalidInput(f"{rtype} without id cannot be stored", "id")
        when = updated_at(resource)
        body = orjson.dumps(resource)
        digest = hashlib.sha1(body).hexdigest()
        conn = self._conn()
        row = conn.execute(
            "SELECT source, last_updated_ts, digest, deleted, last_updated FROM resources "
            "WHERE type = ? AND id = ?",
            (rtype, rid),
        ).fetchone()
        outcome: Outcome = "added"
        if row is not None:
            old_source, old_ts, old_digest, deleted, old_stamp = row
            if old_digest == digest and not deleted:
                return "unchanged"
            outcome = self._contest(
                rtype,
                rid,
                source,
                when,
                old_source,
                old_ts if old_stamp is not None else None,
                conflict=not deleted,
            )
            if outcome in ("stale", "kept"):
                return outcome
        meta = resource.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        received = received_at or datetime.now(UTC)
        conn.execute(
            "INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                rtype,
                rid,
                source,
                text(meta.get("versionId")),
                text(meta.get("lastUpdated")),
                (when or received).timestamp(),
                received.isoformat(),
                int(is_active(resource)),
                digest,
                body,
            ),
        )
        self._index(conn, rtype, rid, resource, full_urls or {})
        return outcome

    def _contest(
        self,
        rtype: str,
        rid: str,
        source: str,
        when: datetime | None,
        old_source: str,
        old_ts: float | None,
        *,
        conflict: bool,
    ) -> Outcome:
        """Whether an incoming version replaces the stored one ("changed") or not."""
        new_ts = when.timestamp() if when else None
        if old_source == source:
            older = new_ts is not None and old_ts is not None and new_ts < old_ts
            return "stale" if older else "changed"
        if new_ts is not None and old_ts is not None and new_ts != old_ts:
            wins = new_ts > old_ts
            reason = "newer meta.lastUpdated" if wins else "older meta.lastUpdated"
        else:
            wins = self.priorities.get(source, 0) > self.priorities.get(old_source, 0)
            reason = "same meta.lastUpdated; source priority"
        if conflict:
            kept, other = (source, old_source) if wins else (old_source, source)
            self._conn().execute(
                "INSERT INTO conflicts VALUES (?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(), rtype, rid, kept, other, reason),
            )
        return "changed" if wins else "kept"

    def _index(
        self,
        conn: sqlite3.Connection,
        rtype: str,
        rid: str,
        resource: Json,
        full_urls: Mapping[str, Key],
    ) -> None:
        conn.execute("DELETE FROM identifiers WHERE type = ? AND id = ?", (rtype, rid))
        conn.executemany(
            "INSERT OR IGNORE INTO identifiers VALUES (?, ?, ?, ?)",
            [
                (value, str(ident.get("system") or ""), rtype, rid)
                for ident in objects(resource.get("identifier"))
                if (value := text(ident.get("value"))) is not None
            ],
        )
        conn.execute("DELETE FROM links WHERE type = ? AND id = ?", (rtype, rid))
        rows = []
        for element, target in LINKS.get(rtype, ()):
            for ref in objects(resource.get(element)):
                key = resolve_key(ref, target, full_urls)
                if key is not None:
                    rows.append((key[0], key[1], element, rtype, rid))
        conn.executemany("INSERT OR IGNORE INTO links VALUES (?, ?, ?, ?, ?)", rows)

    def mark_deleted(self, rtype: str, rid: str, source: str) -> bool:
        """Mark a resource of ``source`` deleted (its links stay); False if not kept from it."""
        cur = self._conn().execute(
            "UPDATE resources SET deleted = 1, received_at = ? "
            "WHERE type = ? AND id = ? AND source = ? AND deleted = 0",
            (datetime.now(UTC).isoformat(), rtype, rid, source),
        )
        return cur.rowcount > 0

    def add_pending(self, service_ids: Iterable[str]) -> None:
        """Offers to build again, kept until :meth:`clear_pending`: written in the transaction
        that stores the change, so an interrupted load or sync still builds them next time."""
        self._conn().executemany(
            "INSERT OR IGNORE INTO pending VALUES (?)", [(sid,) for sid in service_ids]
        )

    def pending(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT id FROM pending ORDER BY id")]

    def clear_pending(self, service_ids: Iterable[str]) -> None:
        with self.batch():
            self._conn().executemany(
                "DELETE FROM pending WHERE id = ?", [(sid,) for sid in service_ids]
            )

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the store's file (the sync keeps its state there)."""
        return self._conn()

    # --- reading ---------------------------------------------------------------------------

    def get(self, rtype: str, rid: str) -> StoredResource | None:
        """The kept version of a resource (deleted and inactive ones included)."""
        row = (
            self._conn()
            .execute(f"SELECT {_COLUMNS} FROM resources WHERE type = ? AND id = ?", (rtype, rid))
            .fetchone()
        )
        return _stored(row) if row else None

    def get_many(self, rtype: str, ids: Iterable[str]) -> dict[str, StoredResource]:
        """The kept versions of resources of one type, by id (those not kept are absent): one
        query per :data:`MANY` ids."""
        found: dict[str, StoredResource] = {}
        for chunk in _chunks(sorted(set(ids))):
            sql = (
                f"SELECT {_COLUMNS} FROM resources "
                f"WHERE type = ? AND id IN ({','.join('?' * len(chunk))})"
            )
            for row in self._conn().execute(sql, (rtype, *chunk)):
                found[row[1]] = _stored(row)
        return found

    def resource(self, rtype: str, rid: str) -> Json | None:
        """The resource itself when it is live (neither inactive nor deleted)."""
        sql = "SELECT body FROM resources WHERE type = ? AND id = ? AND active = 1 AND deleted = 0"
        row = self._conn().execute(sql, (rtype, rid)).fetchone()
        return orjson.loads(row[0]) if row else None

    def has(self, rtype: str, rid: str) -> bool:
        """True when the resource is kept and live."""
        sql = "SELECT 1 FROM resources WHERE type = ? AND id = ? AND active = 1 AND deleted = 0"
        return self._conn().execute(sql, (rtype, rid)).fetchone() is not None

    def by_identifier(
        self, value: str, *, system: str | None = None, rtype: str | None = None
    ) -> list[StoredResource]:
        """Kept resources carrying an identifier of that value (and system, and type)."""
        sql = "SELECT type, id FROM identifiers WHERE value = ?"
        args: list[Any] = [value]
        if system is not None:
            sql += " AND system = ?"
            args.append(system)
        if rtype is not None:
            sql += " AND type = ?"
            args.append(rtype)
        keys = self._conn().execute(sql + " ORDER BY type, id", args).fetchall()
        return [found for t, i in keys if (found := self.get(t, i)) is not None]

    def updated_between(
        self,
        rtype: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int = 1000,
        after: Key | None = None,
    ) -> list[StoredResource]:
        """Kept resources of a type with ``since <= meta.lastUpdated < until`` (when received
        for a resource without one: :attr:`StoredResource.listed_at`), oldest first (then by
        id); page on with ``after`` = (``listed_at``, id) of the last one."""
        sql = f"SELECT {_COLUMNS} FROM resources WHERE type = ?"
        args: list[Any] = [rtype]
        if since is not None:
            sql += " AND last_updated_ts >= ?"
            args.append(since.timestamp())
        if until is not None:
            sql += " AND last_updated_ts < ?"
            args.append(until.timestamp())
        if after is not None:
            ts = instant(after[0], "after").timestamp()
            sql += " AND (last_updated_ts > ? OR (last_updated_ts = ? AND id > ?))"
            args += [ts, ts, after[1]]
        sql += " ORDER BY last_updated_ts, id LIMIT ?"
        args.append(limit)
        return [_stored(row) for row in self._conn().execute(sql, args)]

    def withdrawn(
        self, rtype: str, since: datetime, until: datetime | None = None
    ) -> list[StoredResource]:
        """Resources inactive since ``since`` (by ``meta.lastUpdated``) or deleted since then
        (by reception), before ``until``."""
        rows = self._conn().execute(
            f"SELECT {_COLUMNS} FROM resources WHERE type = ? AND ("
            "(active = 0 AND deleted = 0 AND last_updated_ts >= ?) "
            "OR (deleted = 1 AND received_at >= ?)) ORDER BY id",
            (rtype, since.timestamp(), since.astimezone(UTC).isoformat()),
        )
        found = [_stored(row) for row in rows]
        if until is None:
            return found
        return [r for r in found if _before(r, until)]

    def ids_of_source(self, source: str, rtype: str) -> set[str]:
        """Ids of the live-or-inactive (not deleted) resources of a type kept from ``source``."""
        rows = self._conn().execute(
            "SELECT id FROM resources WHERE source = ? AND type = ? AND deleted = 0",
            (source, rtype),
        )
        return {r[0] for r in rows}

    def count(self, rtype: str | None = None) -> int:
        if rtype is None:
            return int(self._conn().execute("SELECT count(*) FROM resources").fetchone()[0])
        return int(
            self._conn()
            .execute("SELECT count(*) FROM resources WHERE type = ?", (rtype,))
            .fetchone()[0]
        )

    def linked_from(self, rtype: str, rid: str, element: str) -> list[str]:
        """Ids of the resources whose ``element`` refers to ``rtype/rid``."""
        rows = self._conn().execute(
            "SELECT id FROM links WHERE to_type = ? AND to_id = ? AND element = ? ORDER BY id",
            (rtype, rid, element),
        )
        return [r[0] for r in rows]

    def links_of(self, rtype: str, rid: str) -> list[tuple[str, str, str]]:
        """``(element, type, id)`` of what a kept resource refers to."""
        rows = self._conn().execute(
            "SELECT element, to_type, to_id FROM links WHERE type = ? AND id = ?", (rtype, rid)
        )
        return [(e, t, i) for e, t, i in rows]

    def dependents(self, keys: Iterable[Key]) -> set[str]:
        """Ids of the HealthcareServices whose offer is built from any of ``keys``: the
        services themselves, those at a Location, provided by an Organization or one below it
        (``partOf``), or served by a PractitionerRole (as the links stand now: call it before
        and after a change to catch links that moved)."""
        services: set[str] = set()
        organizations: list[str] = []
        for rtype, rid in keys:
            if rtype == "HealthcareService":
                services.add(rid)
            elif rtype == "Location":
                services.update(self.linked_from("Location", rid, "location"))
            elif rtype == "Organization":
                organizations.append(rid)
            elif rtype == "PractitionerRole":
                services.update(
                    i for e, t, i in self.links_of(rtype, rid) if e == "healthcareService"
                )
            elif rtype == "Practitioner":
                for role in self.linked_from("Practitioner", rid, "practitioner"):
                    services.update(
                        i
                        for e, t, i in self.links_of("PractitionerRole", role)
                        if e == "healthcareService"
                    )
        seen = set(organizations)
        while organizations:
            org = organizations.pop()
            services.update(self.linked_from("Organization", org, "providedBy"))
            for below in self.linked_from("Organization", org, "partOf"):
                if below not in seen:
                    seen.add(below)
                    organizations.append(below)
        return services

    def roles_of(self, service_id: str) -> list[str]:
        """Ids of the PractitionerRoles pointing at a HealthcareService."""
        return self.linked_from("HealthcareService", service_id, "healthcareService")

    def roles_of_many(self, service_ids: Iterable[str]) -> dict[str, list[str]]:
        """:meth:`roles_of` for many services at once (services without roles are absent)."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks(sorted(set(service_ids))):
            sql = (
                "SELECT to_id, id FROM links WHERE to_type = 'HealthcareService' "
                f"AND to_id IN ({','.join('?' * len(chunk))}) AND element = 'healthcareService' "
                "ORDER BY to_id, id"
            )
            for sid, rid in self._conn().execute(sql, chunk):
                found.setdefault(sid, []).append(rid)
        return found

    def conflicts(self, limit: int = 100) -> list[Conflict]:
        """The conflicts recorded, newest first."""
        rows = self._conn().execute("SELECT * FROM conflicts ORDER BY rowid DESC LIMIT ?", (limit,))
        return [Conflict(*row) for row in rows]

    def conflict_count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM conflicts").fetchone()[0])


_COLUMNS: Final = "type, id, source, version_id, last_updated, received_at, active, deleted, body"
#: Ids per ``IN (…)`` query (SQLite allows 32,766 parameters).
MANY: Final = 900


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), MANY):
        yield ids[start : start + MANY]


def _before(r: StoredResource, until: datetime) -> bool:
    stamp = r.received_at if r.deleted or not r.last_updated else r.last_updated
    return instant(stamp, "meta.lastUpdated") < until


def _stored(row: tuple[Any, ...]) -> StoredResource:
    rtype, rid, source, version, updated, received, active, deleted, body = row
    return StoredResource(
        rtype,
        rid,
        source,
        version,
        updated,
        received,
        bool(active),
        bool(deleted),
        orjson.loads(body),
    )


def resolve_key(ref: object, expected: str, full_urls: Mapping[str, Key]) -> Key | None:
    """The ``(type, id)`` a reference names (a ``fullUrl`` of the same load included)."""
    parsed = parse_reference(ref)
    if parsed is None or parsed.raw.startswith("#"):
        return None
    key = full_urls.get(parsed.raw)
    if key is None and parsed.type == expected and parsed.id:
        key = (expected, parsed.id)
    return key if key is not None and key[0] == expected else None
