"""Counters per Location, as the embedded engine keeps them, for a document store.

Elasticsearch has no join: every offer document carries the counters of all its Locations
(``availability.keys.location_keys``), so a Location shared by several offers is copied into each.
This ledger is the single rule every write path applies before copying: per (Location key,
counter key) the counter with the newest ``updated_at`` wins, an older *or equal* one is
ignored (``EmbeddedEngine._store_counter``), and counters keep their first-seen order. Pure
Python, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ror.availability.keys import location_key, location_keys
from ror.model import Capacity, Offer, capacity_from_dict
from ror.search.engine import CounterOutcome

CounterKey = tuple[str, str, str, str, str, str, str, str]


@dataclass(slots=True)
class CounterLedger:
    """Counters of some Locations; ``versions`` count the changes of each Location."""

    by_loc: dict[str, dict[CounterKey, Capacity]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def store(self, loc: str, counter: Capacity) -> CounterOutcome:
        """Keep ``counter`` unless the stored one of the same key is as new or newer."""
        counters = self.by_loc.setdefault(loc, {})
        self.versions.setdefault(loc, 0)
        key = counter.key()
        old = counters.get(key)
        if old is not None and counter.updated_at.timestamp() <= old.updated_at.timestamp():
            return CounterOutcome(key, False, "stale", old.updated_at)
        counters[key] = counter  # an existing key keeps its place in the order
        self.versions[loc] += 1
        return CounterOutcome(key, True, "applied", counter.updated_at)

    def know(self, locs: Iterable[str]) -> None:
        """Locations referenced by an offer, with or without counters."""
        for loc in locs:
            self.by_loc.setdefault(loc, {})
            self.versions.setdefault(loc, 0)

    def add_offer(self, offer: Offer) -> None:
        self.know(location_keys(offer))
        for counter in offer.capacities:
            self.store(location_key(offer.id, counter.location_id), counter)

    def add_document(self, source: Mapping[str, Any]) -> None:
        """Counters of a stored document (its ``_source``), filed under their Location keys."""
        for counter in counters_by_location(source):
            self.store(*counter)

    def capacities_for(self, locs: Sequence[str]) -> tuple[Capacity, ...]:
        """An offer's capacities: the counters of its Locations, in its Location order."""
        return tuple(c for loc in locs for c in self.by_loc.get(loc, {}).values())

    def snapshot(self, locs: Sequence[str]) -> tuple[int, ...]:
        return tuple(self.versions.get(loc, 0) for loc in locs)

    def __contains__(self, loc: object) -> bool:
        return loc in self.by_loc


def counters_by_location(source: Mapping[str, Any]) -> list[tuple[str, Capacity]]:
    """(Location key, counter) of every counter of a document ``_source``."""
    offer_id = str(source["id"])
    out = []
    for raw in source.get("capacities") or ():
        counter = capacity_from_dict(raw)
        out.append((location_key(offer_id, counter.location_id), counter))
    return out
