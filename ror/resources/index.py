"""A :class:`~ror.indexer.references.ResourceIndex` read from the resource store, so that the
indexer's :class:`~ror.indexer.assemble.Assembler` builds offers from what is stored (the
resources of the current load are stored first)."""

from __future__ import annotations

from ror.indexer.cache import Lru
from ror.indexer.fhir import Json
from ror.indexer.references import ResourceIndex

from .store import Key, ResourceStore


class StoreIndex(ResourceIndex):
    """References resolve against the store's live resources (and the ``fullUrl`` of the
    resources read in this load). Asking for an inactive or deleted resource is noted in
    :attr:`dead`, so that an offer left without its Organization is taken out, not rejected."""

    def __init__(self, store: ResourceStore, parsed_cache_size: int = 4096) -> None:
        super().__init__(parsed_cache_size)
        self.store = store
        self._cache: Lru[Key, Json] = Lru(parsed_cache_size)
        self.dead: set[Key] = set()

    def add(self, resource: Json, full_url: str | None = None) -> None:
        """Only the ``fullUrl`` is kept here: the resource itself is in the store."""
        rid = resource.get("id")
        if full_url and isinstance(rid, str):
            self.by_full_url[full_url] = (str(resource.get("resourceType")), rid)

    def known(self, key: Key) -> bool:
        if self._cache.get(key) is not None or self.store.has(*key):
            return True
        if self.store.get(*key) is not None:
            self.dead.add(key)
        return False

    def get(self, rtype: str, rid: str) -> Json | None:
        key = (rtype, rid)
        found = self._cache.get(key)
        if found is None:
            found = self.store.resource(rtype, rid)
            if found is None:
                if self.store.get(rtype, rid) is not None:
                    self.dead.add(key)
                return None
            self._cache.put(key, found)
        return found

    def role_ids(self, service_id: str) -> list[str]:
        return self.store.roles_of(service_id)

    def count(self, rtype: str) -> int:
        return self.store.count(rtype)
