"""Capacity counters of a synthetic Location, in the combinations real tools send (ROR-MODEL §3.1).

Counts are consistent: on the current temporality, ``available (all genders) + occupied +
closed <= installed``; a closed offer reports 0 available (RG_EXP_047). Freshness follows the
source: bed-management pushes (R335 02) are minutes old, hospital information systems (03 GAM,
04 DPI) a few hours, manual entry (01) anything within two days and sometimes stale (days).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ror.indexer.synthetic_random import Draw
from ror.model import Capacity

MANUAL, BED_MANAGEMENT, GAM, DPI = "01", "02", "03", "04"
INSTALLED, AVAILABLE, OCCUPIED, CLOSED, EXTRA = "01", "02", "03", "05", "06"
CURRENT, IN_24H = "01", "03"
FEMALE, MALE, ANY = "01", "02", "03"

STALE_SHARE = 0.08  # manual sources not updated for days


def updated_at(rng: Draw, source: str, now: datetime) -> datetime:
    """When the source last updated the counters of a Location."""
    if source == BED_MANAGEMENT:
        minutes = min(rng.expovariate(1 / 40), 48 * 60)
    elif source in (GAM, DPI):
        minutes = min(rng.expovariate(1 / 180), 48 * 60)
    elif rng.chance(STALE_SHARE):
        minutes = rng.uniform(2 * 24 * 60, 21 * 24 * 60)
    else:
        minutes = rng.uniform(0, 48 * 60)
    return (now - timedelta(minutes=minutes)).replace(microsecond=0)


def counters(
    rng: Draw,
    location_id: str,
    nature: str,
    installed: int,
    occupancy: float,
    source: str,
    when: datetime,
    *,
    detailed: bool,
    closed_offer: bool = False,
) -> tuple[Capacity, ...]:
    """The counters of one Location.

    ``detailed`` counters (bed-management tools on hospital beds) split availability by gender
    and report occupied, closed (with closing type), extra beds under crisis and a +24 h
    forecast; otherwise installed, available (indifférencié) and usually occupied.
    """
    if closed_offer:
        closed = installed
    elif rng.chance(0.12):
        closed = rng.between(1, max(1, installed // 5))
    else:
        closed = 0
    open_now = installed - closed
    if rng.chance(0.25):  # full
        occupied = open_now
    else:
        rate = min(1.0, max(0.0, rng.gauss(occupancy, 0.08)))
        occupied = min(open_now, round(open_now * rate))
    free = open_now - occupied
    available = free - (rng.between(0, free // 3) if free else 0)  # free but not staffed

    def cap(
        status: str,
        count: int,
        gender: str | None = None,
        temporality: str = CURRENT,
        closing_type: str | None = None,
        extra_bed_type: str | None = None,
        crisis: str | None = None,
    ) -> Capacity:
        return Capacity(
            nature=nature,
            status=status,
            temporality=temporality,
            count=count,
            updated_at=when,
            source=source,
            gender=gender,
            closing_type=closing_type,
            extra_bed_type=extra_bed_type,
            crisis=crisis,
            location_id=location_id,
        )

    out = [cap(INSTALLED, installed)]
    if detailed and nature == "01":
        female = male = 0
        for _ in range(available):
            draw = rng.random()
            if draw < 0.2:
                female += 1
            elif draw < 0.4:
                male += 1
        out += [
            cap(OCCUPIED, occupied),
            cap(AVAILABLE, female, gender=FEMALE),
            cap(AVAILABLE, male, gender=MALE),
            cap(AVAILABLE, available - female - male, gender=ANY),
        ]
        if closed:
            out.append(cap(CLOSED, closed, closing_type="01" if rng.chance(0.8) else "03"))
        if not closed_offer and rng.chance(0.3):
            out.append(cap(EXTRA, rng.between(0, 3), extra_bed_type="03", crisis="02"))
        if not closed_offer and rng.chance(0.2):
            forecast = max(0, min(open_now, available + rng.between(-2, 3)))
            out.append(cap(AVAILABLE, forecast, gender=ANY, temporality=IN_24H))
    else:
        out.append(cap(AVAILABLE, available, gender=ANY))
        if rng.chance(0.7) or closed:
            out.append(cap(OCCUPIED, occupied))
        if closed:
            out.append(cap(CLOSED, closed, closing_type="01"))
    return tuple(out)
