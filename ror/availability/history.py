"""The availability history: an append-only log of every accepted pushed counter.

Each accepted counter of a push (``PUT /v1/locations/{id}/capacities``, the FHIR ``PATCH``, the
CSV import) is appended in the same transaction that applies it, with a sequence number that
grows in commit order; counters ignored as stale are not. Counters that arrive with a full load
or an upsert of offers are not pushes and are not logged. Read it for trend charts with
``GET /v1/availability/history?location=…`` (engines: ``Engine.capacity_history``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ror.model import Capacity

MAX_PAGE: Final = 5000
DEFAULT_PAGE: Final = 1000


def page_size(limit: int) -> int:
    """The entries one page holds for an asked ``limit``: at least one, at most MAX_PAGE."""
    return max(1, min(limit, MAX_PAGE))


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One accepted counter: what was pushed, and when the server accepted it."""

    seq: int  # grows in commit order (per engine)
    location_id: str
    counter: Capacity
    received_at: datetime  # server clock, UTC

    def to_dict(self) -> dict[str, Any]:
        c = self.counter
        return {
            "seq": self.seq,
            "nature": c.nature,
            "status": c.status,
            "temporality": c.temporality,
            "gender": c.gender,
            "closing_type": c.closing_type,
            "extra_bed_type": c.extra_bed_type,
            "crisis": c.crisis,
            "assignment": c.assignment,
            "count": c.count,
            "source": c.source,
            "updated_at": c.updated_at.isoformat(),
            "received_at": self.received_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Entries of one Location in acceptance order; ``next_after`` continues the page."""

    location_id: str
    entries: tuple[HistoryEntry, ...]
    next_after: int | None  # pass as ``after`` for the next page; None: nothing more

    def to_dict(self) -> dict[str, Any]:
        return {
            "location_id": self.location_id,
            "entries": [e.to_dict() for e in self.entries],
            "next_after": self.next_after,
        }
