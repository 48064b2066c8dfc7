"""The dates the service accepts from a caller: years 1900 to 2999.

Within them every later step (a day or an hour added, a time zone applied, a timestamp taken)
stays within what Python's ``datetime`` and SQLite hold; outside them a request is a 400 naming
the field, never an ``OverflowError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from ror.errors import InvalidInput

FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2999


def check_moment(value: datetime, field: str) -> datetime:
    """``value`` when its year is within the accepted range, else :class:`InvalidInput`."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"{field} hors limites : une date entre {FIRST_YEAR} et {LAST_YEAR} est attendue "
            f"(reçu {value.isoformat()})",
            field,
        )
    return value
