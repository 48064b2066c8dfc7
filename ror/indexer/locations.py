"""RORLocation (lieu de réalisation de l'offre): place, bed/place capacities, equipment.

Each ``ror-location-supported-capacity`` occurrence is one counter (ROR-MODEL §3.1) and
becomes one :class:`~ror.model.Capacity` tagged with the Location id. Equipment is read from
``ror-location-equipment`` and from the older spelling ``ror-location-equipement``; each limit
(``ror-location-equipment-limit``) gives one :class:`~ror.model.Equipment` row. Residential
capacity and everything else stay in the kept source only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ror.availability.indicators import count_problem, moment_problem
from ror.errors import InvalidInput
from ror.model import Capacity, Equipment, Place

from .fhir import (
    Extensions,
    Json,
    boolean,
    codings,
    decimal,
    extension,
    extensions,
    instant,
    integer,
    sub_value,
    text,
    value,
)
from .places import Warn, epsg_hint, make_place, wgs84_point
from .validate import optional_slot_code, part_key, region_tag, slot_code

CAPACITY = "ror-location-supported-capacity"
EQUIPMENT = ("ror-location-equipment", "ror-location-equipement")
EQUIPMENT_LIMIT = ("ror-location-equipment-limit", "ror-location-equipement-limit")
COMMUNE = ("ror-commune-cog", "ror-location-commune-cog")
GEOLOCATION = ("geolocation", "ror-location-geolocation", "ror-organization-geolocation")


@dataclass(frozen=True, slots=True)
class LocationFacts:
    """What an offer takes from one of its Locations."""

    id: str
    place: Place | None
    capacities: tuple[Capacity, ...] = ()
    equipment: tuple[Equipment, ...] = ()
    region_tag: str | None = None  # meta.tag TRE_R30 of the Location


def read_location(location: Json, warn: Warn) -> LocationFacts:
    """Parse a Location; raises a :class:`~ror.errors.RorError` naming the bad field."""
    lid = str(location.get("id", ""))
    exts = Extensions(location)
    return LocationFacts(
        id=lid,
        place=location_place(location, exts, warn),
        capacities=tuple(
            read_capacity(ext, f"extension[{i}]", lid) for i, ext in exts.all(CAPACITY)
        ),
        equipment=tuple(
            row
            for i, ext in exts.all(*EQUIPMENT)
            for row in read_equipment(ext, f"extension[{i}]", lid)
        ),
        region_tag=region_tag(location),
    )


def location_place(location: Json, exts: Extensions, warn: Warn) -> Place | None:
    commune_ext = exts.first(*COMMUNE)
    commune_path = f"extension[{commune_ext[0]}]" if commune_ext else "extension"
    commune = commune_code(value(commune_ext[1])) if commune_ext else None
    position = location.get("position")
    point = None
    reliable = False
    if isinstance(position, dict) and "latitude" in position and "longitude" in position:
        lat = decimal(position["latitude"], "position.latitude")
        lon = decimal(position["longitude"], "position.longitude")
        geoloc = extension(position, *GEOLOCATION)
        hint = epsg_hint(text(sub_value(geoloc[1], "geodicSystem"))) if geoloc else None
        point = wgs84_point(lat, lon, commune=commune, epsg=hint, path="position", warn=warn)
        reliable = _reliability(position)
    found = location.get("address")
    address: Json = found if isinstance(found, dict) else {}
    return make_place(
        point,
        commune,
        address=address_text(address),
        postal_code=text(address.get("postalCode")) or "",
        city=text(address.get("city")) or "",
        reliable=reliable,
        point_path="position",
        commune_path=commune_path,
        warn=warn,
    )


def _reliability(position: Json) -> bool:
    found = extension(position, "ror-coordinate-reliability", "reliablePosition")
    if found:
        return boolean(value(found[1]), "position.extension(ror-coordinate-reliability)")
    geoloc = extension(position, *GEOLOCATION)
    flag = sub_value(geoloc[1], "reliablePosition") if geoloc else None
    return flag is True


def commune_code(val: object) -> str | None:
    """An INSEE commune code from a CodeableConcept, Coding, code or string."""
    for coding in codings(val):
        code = text(coding.get("code"))
        if code:
            return code.zfill(5)
    code = text(val)
    return code.zfill(5) if code else None


def address_text(address: Json) -> str:
    """The address lines joined (postal code and city are kept apart in :class:`Place`)."""
    return ", ".join(line for line in (text(v) for v in address.get("line") or []) if line)


def read_capacity(ext: Json, path: str, location_id: str) -> Capacity:
    """One ``ror-location-supported-capacity`` counter."""

    sub = Extensions(ext).value

    count_value = sub("nbCapacity")
    if count_value is None:
        raise InvalidInput("missing nbCapacity", f"{path}.nbCapacity")
    count = integer(count_value, f"{path}.nbCapacity")
    if count < 0:
        raise InvalidInput(f"negative nbCapacity {count}", f"{path}.nbCapacity")
    problem = count_problem(count)
    if problem is not None:
        raise InvalidInput(problem.replace("count", "nbCapacity", 1), f"{path}.nbCapacity")
    updated = sub("capacityUpdateDate")
    if updated is None:
        raise InvalidInput("missing capacityUpdateDate", f"{path}.capacityUpdateDate")
    updated_at = instant(updated, f"{path}.capacityUpdateDate")
    problem = moment_problem(updated_at, datetime.now(UTC))
    if problem is not None:
        raise InvalidInput(
            problem.replace("updated_at", "capacityUpdateDate", 1), f"{path}.capacityUpdateDate"
        )
    required = {}
    for name, part_field in (
        ("capacityType", "nature"),
        ("capacityStatus", "status"),
        ("temporalityCapacity", "temporality"),
    ):
        if sub(name) is None:
            raise InvalidInput(f"missing {name}", f"{path}.{name}")
        required[name] = slot_code(sub(name), f"{path}.{name}", _key(part_field))
    source = optional_slot_code(
        sub("capacitySourceType"), f"{path}.capacitySourceType", _key("source")
    )
    assignment = optional_slot_code(
        sub("temporaryAssignement") or sub("temporaryAssignment"),
        f"{path}.temporaryAssignement",
        _key("assignment"),
    )
    return Capacity(
        nature=required["capacityType"],
        status=required["capacityStatus"],
        temporality=required["temporalityCapacity"],
        count=count,
        updated_at=updated_at,
        source=source or "01",
        gender=optional_slot_code(
            sub("genderCapacityAvailable"), f"{path}.genderCapacityAvailable", _key("gender")
        ),
        closing_type=optional_slot_code(
            sub("capacityClosingType"), f"{path}.capacityClosingType", _key("closing_type")
        ),
        extra_bed_type=optional_slot_code(
            sub("additionalBedType"), f"{path}.additionalBedType", _key("extra_bed_type")
        ),
        crisis=optional_slot_code(sub("crisisType"), f"{path}.crisisType", _key("crisis")),
        assignment=assignment or "01",
        location_id=location_id,
    )


def _key(name: str) -> str:
    return part_key("Capacity", name)


def read_equipment(ext: Json, path: str, location_id: str) -> list[Equipment]:
    """One equipment type, one row per limit (or a single row without limit)."""
    kind = sub_value(ext, "equipmentType")
    if kind is None:
        raise InvalidInput("missing equipmentType", f"{path}.equipmentType")
    code = slot_code(kind, f"{path}.equipmentType", part_key("Equipment", "code"))
    in_service = sub_value(ext, "nbInService")
    count = integer(in_service, f"{path}.nbInService") if in_service is not None else None
    rows = []
    for i, limit in extensions(ext, *EQUIPMENT_LIMIT):
        lpath = f"{path}.extension[{i}]"
        feature = sub_value(limit, "equipmentFeature")
        if feature is None:
            raise InvalidInput("missing equipmentFeature", f"{lpath}.equipmentFeature")
        quantity = sub_value(limit, "limitValue")
        if not isinstance(quantity, dict) or quantity.get("value") is None:
            raise InvalidInput("missing limitValue", f"{lpath}.limitValue")
        rows.append(
            Equipment(
                code=code,
                count=count,
                feature=slot_code(
                    feature, f"{lpath}.equipmentFeature", part_key("Equipment", "feature")
                ),
                limit_value=decimal(quantity["value"], f"{lpath}.limitValue.value"),
                limit_unit=text(quantity.get("code")) or text(quantity.get("unit")),
                location_id=location_id,
            )
        )
    return rows or [Equipment(code=code, count=count, location_id=location_id)]
