"""The trend of a territory: its summed counts over the last days, from the history of the
counters (``GET /v1/availability/trend``).

The units are those of the drill-down (:mod:`ror.availability.drilldown`: the same territory,
code filters and counter filters, freshness aside). At each point in time ``t`` (every hour over
up to three days, every six hours beyond), each counter of each unit holds the value of its
latest known version dated (``updated_at``) at or before ``t``: the accepted pushes of the
history (:mod:`ror.availability.history`, read from :data:`HISTORY_LOOKBACK` before the first
point) and the counter as it stands now. A counter with no
version dated by ``t`` is unknown at ``t`` and left out; ``units`` says how many units had at
least one known counter at each point, so a sum that grows because units start reporting is
told apart from beds that open.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from ror.availability.drilldown import UnitsQuery
from ror.availability.history import HistoryEntry
from ror.availability.overview import METRICS, STATUS_METRIC, area_ref
from ror.errors import InvalidInput
from ror.model import Capacity

MAX_DAYS: Final = 30
HOURLY_UP_TO_DAYS: Final = 3
TREND_UNITS_MAX: Final = 3000  # units whose history one trend reads
HISTORY_LOOKBACK: Final = timedelta(days=7)  # history read before the window's first point


@dataclass(frozen=True, slots=True)
class TrendPoint:
    at: datetime
    figures: dict[str, int]  # metric name -> summed count
    units: int

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), **self.figures, "units": self.units}


@dataclass(frozen=True, slots=True)
class Trend:
    query: UnitsQuery
    days: int
    step_hours: int
    points: tuple[TrendPoint, ...]
    history_entries: int  # pushes of the history that were read

    def to_dict(self) -> dict[str, Any]:
        q = self.query
        return {
            "group_by": q.overview.group_by,
            "area": area_ref(q.overview.group_by, q.area),
            "filters": {**q.overview.to_dict(), **q.counters.to_dict()},
            "days": self.days,
            "step_hours": self.step_hours,
            "history_entries": self.history_entries,
            "points": [p.to_dict() for p in self.points],
        }


def checked_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days : de 1 à {MAX_DAYS} jours (reçu {days})", "days")
    return days


def instants(now: datetime, days: int) -> tuple[int, list[datetime]]:
    """(step in hours, the points in time, oldest first, the last on the hour before ``now``)."""
    step = 1 if days <= HOURLY_UP_TO_DAYS else 6
    last = now.replace(minute=0, second=0, microsecond=0)
    count = days * 24 // step
    return step, [last - timedelta(hours=step * i) for i in range(count, -1, -1)]


def trend(
    query: UnitsQuery,
    now: datetime,
    days: int,
    current: Mapping[str, Sequence[Capacity]],
    history: Mapping[str, Sequence[HistoryEntry]],
) -> Trend:
    """The points of the trend from the units' counters now and their history."""
    step, times = instants(now, days)
    nature = query.overview.bed_nature
    counts = query.counters.counts
    stamps = [t.timestamp() for t in times]
    totals = [dict.fromkeys(METRICS, 0) for _ in times]
    units = [0] * len(times)
    read = 0
    for loc, counters in current.items():
        versions: dict[tuple[str, ...], list[tuple[float, int]]] = {}
        logged = history.get(loc, ())
        read += len(logged)
        for c in [*(e.counter for e in logged), *counters]:
            if counts(c, nature):
                versions.setdefault(c.key(), []).append((c.updated_at.timestamp(), c.count))
        known = [False] * len(times)
        for key, timeline in versions.items():
            timeline.sort(key=lambda v: v[0])  # stable: the current counter last on a tie
            dates = [d for d, _ in timeline]
            metric = STATUS_METRIC[key[1]]
            for i, t in enumerate(stamps):
                at = bisect_right(dates, t)
                if at:
                    totals[i][metric] += max(timeline[at - 1][1], 0)
                    known[i] = True
        for i, k in enumerate(known):
            units[i] += k
    points = tuple(TrendPoint(t, totals[i], units[i]) for i, t in enumerate(times))
    return Trend(query, days, step, points, read)
