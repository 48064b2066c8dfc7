"""French formatting of numbers, durations, dates and times for failures and explanations.

One typographic rule everywhere: a NARROW NO-BREAK SPACE (U+202F, :data:`NNBSP`) groups digits
("2 130") and joins a number to a unit symbol ("4,2 km", "25 min", "14 h 30", "70,00 €");
a number followed by a word keeps a normal space ("3 lits"). Decimals use a comma.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

NNBSP: Final = "\u202f"

MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
WEEKDAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def number(value: float, decimals: int = 0) -> str:
    """``2130.4`` -> "2 130"; ``4.25, 1`` -> "4,2" (round half to even, as ``format``)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def compact(value: float) -> str:
    """A value without useless decimals: 250.0 -> "250", 12.5 -> "12,5"."""
    if float(value).is_integer():
        return number(value)
    return number(value, 2).rstrip("0").rstrip(",")


def km(distance_km: float) -> str:
    """ "4,2 km" under 10 km, "34 km" beyond (a tenth of a km is noise there)."""
    if distance_km < 10:
        return f"{number(distance_km, 1)}{NNBSP}km"
    return f"{number(distance_km)}{NNBSP}km"


def euros(amount: float, decimals: int = 0) -> str:
    return f"{number(amount, decimals)}{NNBSP}€"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """French rule: 0 and 1 take the singular."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{count} {word}"


def years(count: int) -> str:
    return plural(count, "an")


def ago(then: datetime, now: datetime) -> str:
    """ "à l'instant", "il y a 25 min", "il y a 9 h", "il y a 3 j" (floored)."""
    minutes = int((now - then) / timedelta(minutes=1))
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes}{NNBSP}min"
    if minutes < 48 * 60:
        return f"il y a {minutes // 60}{NNBSP}h"
    return f"il y a {minutes // (24 * 60)}{NNBSP}j"


def day(value: date, today: date | None = None) -> str:
    """ "2 décembre", "1er mars"; the year is added when it is not ``today``'s."""
    text = f"{'1er' if value.day == 1 else value.day} {MONTHS[value.month - 1]}"
    if today is not None and value.year != today.year:
        text += f" {value.year}"
    return text


def clock(value: time) -> str:
    """ "14 h", "9 h 30"."""
    if value.minute:
        return f"{value.hour}{NNBSP}h{NNBSP}{value.minute:02d}"
    return f"{value.hour}{NNBSP}h"


def weekday(value: date) -> str:
    return WEEKDAYS[value.weekday()]
