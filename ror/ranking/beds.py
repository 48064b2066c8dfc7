"""Beds and places of an offer: available now (summed over matching counters) and installed.

A counter (ROR-MODEL §3.1) is available capacity when its status is R330 ``02 Disponible`` and
its nature (R329), temporality (R331) and temporary assignment (R337) are the ones needed.

Gender rule (R332): with no gender asked, every matching counter is summed. With a gender asked
("01" Femme, "02" Homme), counters of that gender **and** counters ``03 Indifférencié`` (a bed
either gender can take) count; so do counters carrying no gender at all (nothing restricts them).
``04 Indéterminé`` (the source does not know) does not count for a specific gender.
"""

from __future__ import annotations

from datetime import datetime

from ror.criteria import BedNeed
from ror.model import Capacity, Offer
from ror.nomenclature.named_codes import AVAILABLE, CURRENT, INSTALLED, UNDIFFERENTIATED


def _fits_gender(counter_gender: str | None, wanted: str | None) -> bool:
    if wanted is None or counter_gender is None:
        return True
    return counter_gender in (wanted, UNDIFFERENTIATED)


def _matches(counter: Capacity, need: BedNeed) -> bool:
    return (
        counter.status == AVAILABLE
        and counter.nature == need.nature
        and counter.temporality == need.temporality
        and counter.assignment == need.assignment
        and _fits_gender(counter.gender, need.gender)
    )


def available_beds(offer: Offer, need: BedNeed) -> tuple[int, datetime | None]:
    """Free beds (or places) of the needed kind, and the date of the figure quoted.

    The date is the oldest ``updated_at`` of the counters that contribute beds (count > 0): a
    sum is as old as its oldest part. With no free bed, it is the newest ``updated_at`` of the
    matching counters (the latest word that the unit is full). ``(0, None)`` when no counter
    matches: availability unknown, counted as none.
    """
    total = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    for counter in offer.capacities:
        if _matches(counter, need):
            if counter.count > 0:
                total += counter.count
                if oldest is None or counter.updated_at < oldest:
                    oldest = counter.updated_at
            if newest is None or counter.updated_at > newest:
                newest = counter.updated_at
    return total, oldest if total > 0 else newest


def installed_beds(offer: Offer, nature: str) -> int:
    """Installed beds (or places) of a nature, current temporality: the unit's size."""
    return sum(
        max(c.count, 0)
        for c in offer.capacities
        if c.status == INSTALLED and c.nature == nature and c.temporality == CURRENT
    )
