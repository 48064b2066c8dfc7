"""Offers built by hand for the search tests: ``make_offer(**changes)`` with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ror.model import Capacity, Establishment, Offer, Place, Zone

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)

# (lat, lon, commune, département, région)
TOULOUSE = (43.6045, 1.4440, "31555", "31", "76")
BLAGNAC = (43.6370, 1.3900, "31069", "31", "76")
MURET = (43.4617, 1.3267, "31395", "31", "76")
ALBI = (43.9289, 2.1464, "81004", "81", "76")
BORDEAUX = (44.8378, -0.5792, "33063", "33", "75")
PARIS = (48.8566, 2.3522, "75056", "75", "11")


def place(where: tuple[float, float, str, str, str] = TOULOUSE, **kw: Any) -> Place:
    lat, lon, commune, dept, region = where
    return Place(lat=lat, lon=lon, commune=commune, departement=dept, region=region, **kw)


def beds(
    available: int,
    *,
    location_id: str = "",
    nature: str = "01",
    gender: str | None = None,
    updated_at: datetime = NOW - timedelta(minutes=20),
    status: str = "02",
) -> Capacity:
    return Capacity(
        nature=nature,
        status=status,
        temporality="01",
        count=available,
        updated_at=updated_at,
        gender=gender,
        location_id=location_id,
    )


def make_offer(id: str = "hs-1", **kw: Any) -> Offer:
    """An offer with defaults; ``where=`` picks a place tuple, ``est=`` overrides the EG."""
    where = kw.pop("where", TOULOUSE)
    est = kw.pop("est", {})
    defaults: dict[str, Any] = {
        "name": f"Unité {id}",
        "establishment": Establishment(id=f"eg-{id}", name=f"Établissement {id}", **est),
        "place": place(where),
        "activity": ("126",),
        "offer_type": ("121",),
        "champ": ("01",),
        "care_mode": ("28",),
    }
    defaults.update(kw)
    return Offer(id=id, **defaults)


def zone(code: str, type: str = "3") -> Zone:
    return Zone(code=code, type=type)
