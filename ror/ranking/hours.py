"""Opening hours and closures, read in the offer's local time.

Opening hours (``availableTime`` rows, ROR-MODEL §6) are local wall-clock times: a request time
is first converted to the offer's time zone (Europe/Paris, or the overseas département's).
Every row kind (R252 ouverture, fonctionnement, sans/sur RDV) counts as open. A row with no
times or ``all_day`` covers the whole day; an end at 23:59 runs to midnight; an end before the
start runs past midnight into the next day. An offer with **no hours at all is unknown, treated
as open** (explanations then say "horaires non renseignés").

Closure: an offer is closed at ``t`` when ``closed_from ≤ t < reopens_at``; a missing
``closed_from`` with a later ``reopens_at`` means closed until then; a missing ``reopens_at``
means closed with no known reopening.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ror.model import Offer, OpeningHours, Place

# Overseas départements and collectivities whose time is not Paris time: (IANA zone, UTC offset).
_OVERSEAS: Final = {
    "971": ("America/Guadeloupe", -4),
    "972": ("America/Martinique", -4),
    "973": ("America/Cayenne", -3),
    "974": ("Indian/Reunion", 4),
    "975": ("America/Miquelon", -3),
    "976": ("Indian/Mayotte", 3),
    "977": ("America/St_Barthelemy", -4),
    "978": ("America/Marigot", -4),
    "986": ("Pacific/Wallis", 12),
    "987": ("Pacific/Tahiti", -10),
    "988": ("Pacific/Noumea", 11),
}


def _zone(name: str, hours: int) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # no tz database: fixed offset, no DST
        return timezone(timedelta(hours=hours))


PARIS: Final = _zone("Europe/Paris", 1)
_ZONES: Final = {dept: _zone(name, hours) for dept, (name, hours) in _OVERSEAS.items()}

_END_OF_DAY: Final = time(23, 59)


def local_zone(place: Place) -> tzinfo:
    return _ZONES.get(place.departement, PARIS)


def local(offer: Offer, moment: datetime) -> datetime:
    """``moment`` on the offer's wall clock."""
    return moment.astimezone(local_zone(offer.place))


def _valid(row: OpeningHours, day: date) -> bool:
    return (row.valid_from is None or row.valid_from <= day) and (
        row.valid_to is None or day <= row.valid_to
    )


def _bounds(row: OpeningHours) -> tuple[time, time]:
    """(start, end) with ``time.max`` for "until midnight"."""
    if row.all_day or (row.start is None and row.end is None):
        return time.min, time.max
    start = row.start or time.min
    end = row.end or time.max
    if end >= _END_OF_DAY:
        end = time.max
    return start, end


def _covers(row: OpeningHours, moment: datetime) -> bool:
    day, clock = moment.date(), moment.time().replace(tzinfo=None)
    start, end = _bounds(row)
    if start < end:
        in_hours = start <= clock and (clock < end or end == time.max)
        return in_hours and day.isoweekday() in row.days and _valid(row, day)
    # runs past midnight: the evening of an opening day, or the early hours after one
    if day.isoweekday() in row.days and _valid(row, day) and clock >= start:
        return True
    before = day - timedelta(days=1)
    return before.isoweekday() in row.days and _valid(row, before) and clock < end


def is_open(offer: Offer, moment: datetime) -> bool | None:
    """True/False from the offer's hours at ``moment``; None when it publishes no hours."""
    if not offer.hours:
        return None
    at = local(offer, moment)
    return any(_covers(row, at) for row in offer.hours)


def next_opening(offer: Offer, moment: datetime, days: int = 8) -> datetime | None:
    """The first opening start after ``moment`` (local time) within ``days``, if any."""
    at = local(offer, moment)
    found: datetime | None = None
    for offset in range(days + 1):
        day = at.date() + timedelta(days=offset)
        for row in offer.hours:
            if day.isoweekday() not in row.days or not _valid(row, day):
                continue
            start = datetime.combine(day, _bounds(row)[0], tzinfo=at.tzinfo)
            if start > at and (found is None or start < found):
                found = start
        if found is not None:
            return found
    return None


def closed_until(offer: Offer, moment: datetime) -> tuple[bool, datetime | None]:
    """(closed at ``moment``?, reopening date when known)."""
    if offer.closed_from is None and offer.reopens_at is None:
        return False, None
    if offer.closed_from is not None and moment < offer.closed_from:
        return False, None
    if offer.reopens_at is not None and moment >= offer.reopens_at:
        return False, None
    return True, offer.reopens_at
