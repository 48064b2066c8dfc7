"""The refs of the Elasticsearch engine: the int handles the pipeline holds for the offers it
met, each with its offer's id and last update (what a listing sorts by) and, when read, its
document (kept for the rest of the search).

A ref means one offer id for as long as anyone may hold it: a search holds its refs for its
duration (bounded by the request deadline, and by the point in time it reads, ``KEEP_ALIVE``).
So an entry is kept at least ``keep_seconds`` after it was last met and dropped at most twice
that after (two generations, the older one dropped at each turn): the table holds the offers
met lately, not every offer ever met. An id met again after its entry was dropped gets a new
ref (nobody holds the old one any more).

Documents are a least-recently-used cache of ``cache_size``; writes through the engine
(upserts, deletes, capacity pushes, full loads) drop the documents they change, so a later
read fetches them again. The group facts of a ref (its establishment id and Location keys,
``grouping.key_of``), when a narrow hit carried them, are kept with its keys and dropped
alike.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Final

from ror.availability.keys import location_keys
from ror.model import Offer
from ror.search.engine import OrderKeys

REF_KEEP_SECONDS: Final = 600.0  # far beyond a search (10 s deadline, 2 min point in time)
#: What tells an offer's groups without reading it: (establishment id, Location keys).
GroupFacts = tuple[str, tuple[str, ...]]


def facts_of(offer: Offer) -> GroupFacts:
    return offer.establishment.id, tuple(location_keys(offer))


class RefTable:
    """Thread-safe."""

    def __init__(
        self,
        cache_size: int,
        keep_seconds: float = REF_KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache_size = cache_size
        self.keep_seconds = keep_seconds
        self.clock = clock
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # Two generations: the entries met since the last turn, and those met in the one before.
        self._refs: dict[str, int] = {}  # offer id -> ref
        self._keys: dict[int, OrderKeys] = {}  # ref -> its offer's id and last update
        self._old_refs: dict[str, int] = {}
        self._old_keys: dict[int, OrderKeys] = {}
        self._turned = clock()
        self._docs: OrderedDict[int, Offer] = OrderedDict()  # ref -> its document, if read
        self._facts: dict[int, GroupFacts] = {}  # ref -> its group facts, if a hit carried them

    def __len__(self) -> int:
        return len(self._keys) + len(self._old_keys)

    def _turn(self) -> None:
        """Drop the entries not met for a whole generation (the lock held)."""
        elapsed = self.clock() - self._turned
        if elapsed < self.keep_seconds:
            return
        dropped = self._old_keys
        if elapsed >= 2 * self.keep_seconds:  # nothing met lately is older than a generation
            dropped = {**dropped, **self._keys}
            self._refs, self._keys = {}, {}
        for ref in dropped:
            self._docs.pop(ref, None)
            self._facts.pop(ref, None)
        self._old_refs, self._old_keys = self._refs, self._keys
        self._refs, self._keys = {}, {}
        self._turned = self.clock()

    def _ref(self, offer_id: str) -> int | None:
        """The ref of an id met lately, moved to the young generation (the lock held)."""
        ref = self._refs.get(offer_id)
        if ref is None:
            ref = self._old_refs.pop(offer_id, None)
            if ref is not None:
                self._refs[offer_id] = ref
                self._keys[ref] = self._old_keys.pop(ref)
        return ref

    def remember(
        self,
        keys: OrderKeys,
        offer: Offer | None = None,
        *,
        keep: bool = False,
        facts: GroupFacts | None = None,
    ) -> int:
        """The ref of an offer, the same for the same id while it is held; its keys are
        replaced by ``keys`` (and its document by ``offer``, or dropped: a light hit's page
        reads it live; its group facts by ``facts``, or dropped) unless ``keep``."""
        with self._lock:
            self._turn()
            ref = self._ref(keys[0])
            if ref is None:
                ref = self._refs[keys[0]] = next(self._ids)
            elif keep:
                return ref
            self._keys[ref] = keys
            if offer is not None:
                self._cache(ref, offer)
            else:
                self._docs.pop(ref, None)
            if facts is not None:
                self._facts[ref] = facts
            elif offer is not None:
                self._facts[ref] = facts_of(offer)
            else:
                self._facts.pop(ref, None)
        return ref

    def known(self, ref: int) -> OrderKeys | None:
        with self._lock:
            found = self._keys.get(ref)
            if found is None and ref in self._old_keys:
                self._ref(self._old_keys[ref][0])
                found = self._keys[ref]
            return found

    def document(self, ref: int) -> Offer | None:
        with self._lock:
            return self._docs.get(ref)

    def facts(self, ref: int) -> GroupFacts | None:
        with self._lock:
            return self._facts.get(ref)

    def keep_facts(self, facts: Mapping[int, GroupFacts]) -> None:
        with self._lock:
            for ref, found in facts.items():
                if ref in self._keys or ref in self._old_keys:
                    self._facts[ref] = found

    def cache(self, offers: Mapping[int, Offer]) -> None:
        with self._lock:
            for ref, offer in offers.items():
                if ref in self._keys or ref in self._old_keys:
                    self._cache(ref, offer)
                    self._facts[ref] = facts_of(offer)

    def _cache(self, ref: int, offer: Offer) -> None:
        """Keep ``offer`` read (the lock held), the least recently used dropped past the size."""
        self._docs[ref] = offer
        self._docs.move_to_end(ref)
        while len(self._docs) > self.cache_size:
            self._docs.popitem(last=False)

    def changed(
        self, ids: Iterable[str], updated: Mapping[str, datetime | None] | None = None
    ) -> None:
        """The offers ``ids`` were written: their documents are read again; those of
        ``updated`` now have that last update."""
        updated = updated or {}
        with self._lock:
            for offer_id in ids:
                ref = self._refs.get(offer_id) or self._old_refs.get(offer_id)
                if ref is None:
                    continue
                self._docs.pop(ref, None)
                self._facts.pop(ref, None)
                if offer_id in updated:
                    keys = (offer_id, updated[offer_id])
                    if ref in self._keys:
                        self._keys[ref] = keys
                    else:
                        self._old_keys[ref] = keys

    def met(self, offer_id: str) -> bool:
        with self._lock:
            return offer_id in self._refs or offer_id in self._old_refs

    def clear_documents(self) -> None:
        with self._lock:
            self._docs.clear()
            self._facts.clear()
