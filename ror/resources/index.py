"""A :class:`~ror.indexer.references.ResourceIndex` read from the resource store, so that the
indexer's :class:`~ror.indexer.assemble.Assembler` builds offers from what is stored (the
resources of the current load are stored first).

Offers are built a batch at a time: :meth:`StoreIndex.prefetch` reads the batch's
HealthcareServices, then everything they refer to, a query per resource type and level
(Organizations and their ``partOf`` chain, Locations, PractitionerRoles and their
Practitioners), each decoded once. A reference the prefetch did not foresee is read on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ror.indexer.cache import Lru
from ror.indexer.fhir import Json, objects
from ror.indexer.references import ResourceIndex

from .store import Key, ResourceStore, StoredResource, resolve_key

#: What each resource type refers to that an offer is built from: (element, type).
_FOLLOWED: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "HealthcareService": (("providedBy", "Organization"), ("location", "Location")),
    "Organization": (("partOf", "Organization"),),
    "PractitionerRole": (("practitioner", "Practitioner"),),
}


class StoreIndex(ResourceIndex):
    """References resolve against the store's live resources (and the ``fullUrl`` of the
    resources read in this load). Asking for an inactive or deleted resource is noted in
    :attr:`dead`, so that an offer left without its Organization is taken out, not rejected."""

    def __init__(self, store: ResourceStore, parsed_cache_size: int = 8192) -> None:
        super().__init__(parsed_cache_size)
        self.store = store
        self._cache: Lru[Key, Json] = Lru(parsed_cache_size)
        self._gone: set[Key] = set()  # not kept, or not live
        self._withdrawn: set[Key] = set()  # kept but inactive or deleted
        self._roles: dict[str, list[str]] | None = None  # of the prefetched batch's services
        self.dead: set[Key] = set()

    def add(self, resource: Json, full_url: str | None = None) -> None:
        """Only the ``fullUrl`` is kept here: the resource itself is in the store."""
        rid = resource.get("id")
        if full_url and isinstance(rid, str):
            self.by_full_url[full_url] = (str(resource.get("resourceType")), rid)

    def prefetch(self, service_ids: Iterable[str]) -> dict[str, StoredResource]:
        """The stored HealthcareServices of a batch, by id; what their offers are built from
        is read at the same time (see the module docstring)."""
        ids = list(service_ids)
        services = self.store.get_many("HealthcareService", ids)
        self._gone, self._withdrawn = set(), set()
        self._roles = self.store.roles_of_many(ids)
        wanted: dict[str, set[str]] = {
            "PractitionerRole": {r for roles in self._roles.values() for r in roles}
        }
        self._follow("HealthcareService", [s.resource for s in services.values() if s.live], wanted)
        while wanted:
            rtype, rids = wanted.popitem()
            fetched = self.store.get_many(rtype, rids)
            live = []
            for rid in rids:
                found = fetched.get(rid)
                if found is not None and found.live:
                    self._cache.put((rtype, rid), found.resource)
                    live.append(found.resource)
                else:
                    self._gone.add((rtype, rid))
                    if found is not None:
                        self._withdrawn.add((rtype, rid))
            self._follow(rtype, live, wanted)
        return services

    def _follow(self, rtype: str, resources: list[Json], wanted: dict[str, set[str]]) -> None:
        for element, target in _FOLLOWED.get(rtype, ()):
            for resource in resources:
                for ref in objects(resource.get(element)):
                    key = resolve_key(ref, target, self.by_full_url)
                    if key is not None and key not in self._gone and key not in self._cache:
                        wanted.setdefault(target, set()).add(key[1])

    def known(self, key: Key) -> bool:
        return key in self._cache or self.get(*key) is not None

    def get(self, rtype: str, rid: str) -> Json | None:
        key = (rtype, rid)
        found = self._cache.get(key)
        if found is None and key not in self._gone:
            stored = self.store.get(rtype, rid)
            if stored is not None and stored.live:
                found = stored.resource
                self._cache.put(key, found)
            else:
                self._gone.add(key)
                if stored is not None:
                    self._withdrawn.add(key)
        if key in self._withdrawn:
            self.dead.add(key)
        return found

    def role_ids(self, service_id: str) -> list[str]:
        if self._roles is not None:
            return self._roles.get(service_id, [])
        return self.store.roles_of(service_id)

    def count(self, rtype: str) -> int:
        return self.store.count(rtype)
