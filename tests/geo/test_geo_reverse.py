"""Reverse lookup: a point -> commune, département, région; France or not."""

from __future__ import annotations

import numpy as np
import pytest

from ror.errors import InvalidInput
from ror.geo import Gazetteer, area_shape, departement_at, is_in_france, reverse
from ror.geo.reverse import shape_index

# Well-known WGS84 points of town centres.
TOWNS = [
    ("Toulouse, Capitole", 43.6045, 1.4440, "31555", "31", "76"),
    ("Ajaccio, place Foch", 41.9192, 8.7386, "2A004", "2A", "94"),
    ("Fort-de-France", 14.6037, -61.0731, "97209", "972", "02"),
    ("Saint-Denis de La Réunion", -20.8823, 55.4504, "97411", "974", "04"),
    ("Mamoudzou", -12.7806, 45.2279, "97611", "976", "06"),
    ("Pointe-à-Pitre", 16.2411, -61.5331, "97120", "971", "01"),
    ("Le Havre", 49.4944, 0.1079, "76351", "76", "28"),
    ("Ouessant (island)", 48.4580, -5.0936, "29155", "29", "53"),
]


@pytest.mark.parametrize(("label", "lat", "lon", "insee", "departement", "region"), TOWNS)
def test_town_centres(
    label: str, lat: float, lon: float, insee: str, departement: str, region: str
) -> None:
    area = reverse(lat, lon)
    assert area is not None, label
    assert (area.insee, area.departement, area.region) == (insee, departement, region)


@pytest.mark.parametrize(
    ("label", "lat", "lon", "insee", "departement", "region"),
    [
        # Nearest-centre matching got these wrong (La Poste's Cayenne point is 21 km away).
        ("Bastia, vieux port", 42.7003, 9.4509, "2B033", "2B", "94"),
        ("Cayenne, place des Palmistes", 4.9372, -52.3260, "97302", "973", "03"),
    ],
)
def test_towns_whose_neighbour_has_a_nearer_centre(
    label: str, lat: float, lon: float, insee: str, departement: str, region: str
) -> None:
    area = reverse(lat, lon)
    assert area is not None, label
    assert (area.insee, area.departement, area.region) == (insee, departement, region)


def test_paris_lyon_marseille_answer_with_arrondissements() -> None:
    notre_dame = reverse(48.8530, 2.3499)
    assert notre_dame is not None
    assert (notre_dame.insee, notre_dame.parent_insee) == ("75104", "75056")
    vieux_port = reverse(43.2951, 5.3744)
    assert vieux_port is not None and vieux_port.parent_insee == "13055"
    bellecour = reverse(45.7578, 4.8320)
    assert bellecour is not None and bellecour.insee == "69382"


@pytest.mark.parametrize(
    ("label", "lat", "lon"),
    [
        ("Bay of Biscay", 45.0, -3.0),
        ("English Channel", 50.0, -1.0),
        ("Gulf of Lion", 42.5, 4.5),
        ("Madrid", 40.4168, -3.7038),
        ("Brussels", 50.8467, 4.3525),
        ("Caribbean, between Martinique and Guadeloupe", 15.5, -61.0),
        ("Indian Ocean, off La Réunion", -21.5, 56.5),
    ],
)
def test_points_outside_france(label: str, lat: float, lon: float) -> None:
    assert reverse(lat, lon) is None, label
    assert not is_in_france(lat, lon)


def test_coastal_points_at_sea_within_tolerance() -> None:
    off_brest = reverse(48.36, -4.60)  # about 1 km off the Finistère coast
    assert off_brest is not None and off_brest.departement == "29"
    assert is_in_france(43.28, 5.33)  # Marseille harbour water
    assert not is_in_france(43.0, 5.33)  # 30 km out in the Mediterranean


def test_is_in_france_rejects_garbage_without_raising() -> None:
    assert not is_in_france(float("nan"), 2.0)
    assert not is_in_france(95.0, 2.0)
    assert not is_in_france(48.8, 200.0)
    assert not is_in_france(0.0, 0.0)  # the usual "missing coordinates" placeholder
    assert is_in_france(48.8530, 2.3499)


def test_reverse_rejects_invalid_coordinates_with_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        reverse(float("nan"), 2.0)
    assert error.value.field == "lat"
    with pytest.raises(InvalidInput) as error:
        reverse(48.0, 181.0)
    assert error.value.field == "lon"


def test_departement_at_and_shapes() -> None:
    assert departement_at(41.9192, 8.7386) == "2A"
    assert departement_at(42.7003, 9.4509) == "2B"
    corse, corse_du_sud = area_shape("regions", "94"), area_shape("departements", "2A")
    assert corse is not None and corse_du_sud is not None
    assert corse.contains(corse_du_sud.centroid)
    assert area_shape("departements", "20") is None
    with pytest.raises(InvalidInput):
        area_shape("cantons", "3101")


def test_commune_centres_fall_in_their_own_departement(gaz: Gazetteer) -> None:
    """The simplified shapes agree with the commune table for all but a handful of
    border communes."""
    places = gaz.tables.places
    found = shape_index().departements_of(places.lat, places.lon)
    mismatches = sum(a != b for a, b in zip(found, places.departement, strict=True))
    assert mismatches / len(found) < 0.001


def test_commune_centres_reverse_to_themselves(gaz: Gazetteer) -> None:
    rng = np.random.default_rng(7)
    sample = rng.choice(len(gaz.communes()), size=300, replace=False)
    agree = 0
    for row in sample:
        commune = gaz.communes()[int(row)]
        area = reverse(commune.lat, commune.lon)
        assert area is not None, commune
        agree += area.insee == commune.insee or area.parent_insee == commune.insee
    assert agree >= 298


def test_numpy_scalars_are_numbers() -> None:
    area = reverse(np.float32(43.6045), np.float64(1.4440))  # type: ignore[arg-type]
    assert area is not None and area.insee == "31555"
