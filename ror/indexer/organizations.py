"""ROROrganization: find the EG above an offer and read what search needs from it.

``HealthcareService.providedBy`` points at an EG (entité géographique) or at an OI
(organisation interne: pôle, service, UF) whose ``partOf`` chain leads to the EG; the EG's
``partOf`` is the EJ (entité juridique). An Organization is taken for an EG when it has a
``categorieEtablissement`` type (R66/J55 codes, SA05–SA09) or, failing that, a FINESS
identifier and no EJ/OI marker (SIREN, legal-status type, OI identifier or type). If the chain
ends without an EG, the last organisation reached below any EJ stands in for it (warning).
"""

from __future__ import annotations

from dataclasses import dataclass

from ror.errors import InvalidInput
from ror.model import Establishment, Place, Price

from .fhir import (
    Extensions,
    Json,
    as_list,
    boolean,
    codings,
    day,
    decimal,
    extension,
    extensions,
    integer,
    objects,
    sub_value,
    text,
    value,
)
from .places import Warn, epsg_hint, make_place, wgs84_point
from .references import ResourceIndex
from .validate import checked_code, coding_key, optional_slot_code, part_key, slot_code

EG_CATEGORY_KEYS = frozenset({"R66", "R02"})  # J55 = FINESS categories (R66) + SA05–SA09 (R02)
EJ_TYPE_KEYS = frozenset({"R72", "R69", "J199", "J200", "R70", "R71"})
OI_TYPE_KEYS = frozenset({"R207", "J203"})
FINANCIAL_HELP = "ror-organization-financial-help-type"
PERMANENT_PLACES = "ror-organization-nb-permanent-social-help-place"
TEMPORARY_PLACES = "ror-organization-nb-temporary-social-help-place"
PRICE = "ror-organization-price"
GEOLOCATION = ("geolocation", "ror-organization-geolocation", "ror-location-geolocation")
INSEE_CODE = ("fr-core-address-insee-code", "insee-code", "inseecode")
MAX_CHAIN = 10


@dataclass(frozen=True, slots=True)
class Chain:
    """The organisations from ``providedBy`` up to the EG, and the EJ above it if known."""

    eg: Json
    below: tuple[Json, ...]  # OIs between the offer and the EG
    ej: Json | None


def _identifier_kinds(org: Json) -> set[str]:
    kinds = set()
    for ident in objects(org.get("identifier")):
        system = (text(ident.get("system")) or "").lower()
        type_codes = {text(c.get("code")) for c in codings(ident.get("type"))}
        if "finess" in system or "1" in type_codes:
            kinds.add("finess")
        if "2" in type_codes:
            kinds.add("siren")
        if "42" in type_codes or "oi.esante" in system:
            kinds.add("oi")
    return kinds


def _type_keys(org: Json) -> set[str]:
    return {
        key
        for concept in as_list(org.get("type"))
        for coding in codings(concept)
        if (key := coding_key(coding, None)) is not None
    }


def role_of(org: Json) -> str:
    """ "EG", "EJ", "OI" or "" (unknown) for an Organization."""
    types = _type_keys(org)
    if types & EG_CATEGORY_KEYS:
        return "EG"
    kinds = _identifier_kinds(org)
    if "oi" in kinds or types & OI_TYPE_KEYS:
        return "OI"
    if "siren" in kinds or types & EJ_TYPE_KEYS:
        return "EJ"
    return "EG" if "finess" in kinds else ""


def find_chain(start: Json, index: ResourceIndex, container: Json, warn: Warn) -> Chain:
    """Walk ``partOf`` from the offer's organisation up to its EG (and note the EJ)."""
    below: list[Json] = []
    org = start
    for _ in range(MAX_CHAIN):
        role = role_of(org)
        if role == "EG":
            return Chain(org, tuple(below), _parent(org, index, container, warn, required=False))
        if role == "EJ":
            if not below:
                warn("type", "an offer's providedBy is this EJ; it stands in for the establishment")
                return Chain(org, (), None)
            warn("partOf", "no EG between this organisation and its EJ; the OI stands in for it")
            return Chain(below[-1], tuple(below[:-1]), org)
        parent = _parent(org, index, container, warn, required=True)
        if parent is None:
            warn("partOf", f"no EG up from here; Organization/{org.get('id')} stands in for it")
            return Chain(org, tuple(below), None)
        below.append(org)
        org = parent
    raise InvalidInput("partOf chain too long or cyclic", "providedBy")


def _parent(
    org: Json, index: ResourceIndex, container: Json, warn: Warn, *, required: bool
) -> Json | None:
    ref = org.get("partOf")
    if ref is None:
        return None
    parent = index.resolve(ref, "Organization", container)
    if parent is None:
        raw = ref.get("reference") if isinstance(ref, dict) else ref
        where = f"Organization/{org.get('id')}.partOf"
        if required:
            raise InvalidInput(f"unresolved reference {raw} ({where})", "providedBy")
        warn(where, f"unresolved reference {raw}: legal entity name unknown")
    return parent


def read_establishment(chain: Chain) -> Establishment:
    """The :class:`Establishment` of an EG (prices, social aid, category, FINESS, EJ name)."""
    eg = chain.eg
    return Establishment(
        id=str(eg.get("id", "")),
        name=text(eg.get("name")) or next((text(a) or "" for a in as_list(eg.get("alias"))), ""),
        finess=_finess(eg),
        category=_category(eg),
        legal_entity=text(chain.ej.get("name")) if chain.ej else None,
        financial_help=tuple(
            slot_code(value(ext), f"extension[{i}]", part_key("Establishment", "financial_help"))
            for i, ext in extensions(eg, FINANCIAL_HELP)
        ),
        social_aid_places_permanent=_count(eg, PERMANENT_PLACES),
        social_aid_places_temporary=_count(eg, TEMPORARY_PLACES),
        prices=tuple(read_price(ext, f"extension[{i}]") for i, ext in extensions(eg, PRICE)),
    )


def _finess(org: Json) -> str | None:
    for ident in objects(org.get("identifier")):
        system = (text(ident.get("system")) or "").lower()
        type_codes = {text(c.get("code")) for c in codings(ident.get("type"))}
        if ("finess" in system or "1" in type_codes) and text(ident.get("value")):
            return text(ident.get("value"))
    return None


def _category(org: Json) -> str | None:
    for i, concept in enumerate(as_list(org.get("type"))):
        for j, coding in enumerate(codings(concept)):
            key = coding_key(coding, None)
            code = text(coding.get("code"))
            if key in EG_CATEGORY_KEYS and code:
                path = f"type[{i}].coding[{j}].code"
                return checked_code(key, code, text(coding.get("system")), path)
    return None


def _count(org: Json, name: str) -> int | None:
    found = extension(org, name)
    if found is None or value(found[1]) is None:
        return None
    return integer(value(found[1]), f"extension[{found[0]}]")


def _key(name: str) -> str:
    return part_key("Price", name)


def read_price(ext: Json, path: str) -> Price:
    """One ``ror-organization-price`` (amounts in euros)."""

    sub = Extensions(ext).value

    for name in ("priceType", "priceUnit", "amount"):
        if sub(name) is None:
            raise InvalidInput(f"missing {name}", f"{path}.{name}")
    amount = sub("amount")
    if not isinstance(amount, dict) or amount.get("value") is None:
        raise InvalidInput("amount without value", f"{path}.amount")
    currency = text(amount.get("currency")) or "EUR"
    if currency != "EUR":
        raise InvalidInput(f"amount in {currency}, expected EUR", f"{path}.amount.currency")
    under60 = sub("under60")
    start = sub("startDate")
    return Price(
        type=slot_code(sub("priceType"), f"{path}.priceType", _key("type")),
        unit=slot_code(sub("priceUnit"), f"{path}.priceUnit", _key("unit")),
        amount_eur=decimal(amount["value"], f"{path}.amount.value"),
        condition=optional_slot_code(
            sub("specialPrice"), f"{path}.specialPrice", _key("condition")
        ),
        reception=optional_slot_code(sub("welcomeType"), f"{path}.welcomeType", _key("reception")),
        residential_type=optional_slot_code(
            sub("residentialType"), f"{path}.residentialType", _key("residential_type")
        ),
        dependency_level=optional_slot_code(
            sub("dependencyLevel"), f"{path}.dependencyLevel", _key("dependency_level")
        ),
        under_60=boolean(under60, f"{path}.under60") if under60 is not None else None,
        start_date=day(start, f"{path}.startDate") if start is not None else None,
    )


def address_place(org: Json, warn: Warn) -> Place | None:
    """The place of an organisation's address (``geolocation`` ext, INSEE code), if any."""
    address = next(iter(objects(org.get("address"))), None)
    if address is None:
        return None
    insee_ext = extension(address, *INSEE_CODE)
    insee = None
    if insee_ext:
        found = value(insee_ext[1])
        insee = next((text(c.get("code")) for c in codings(found)), None) or text(found)
    point = None
    reliable = False
    geoloc = extension(address, *GEOLOCATION)
    if geoloc:
        gpath = f"address.extension[{geoloc[0]}]"
        lat, lon = sub_value(geoloc[1], "latitude"), sub_value(geoloc[1], "longitude")
        if lat is not None and lon is not None:
            point = wgs84_point(
                decimal(lat, f"{gpath}.latitude"),
                decimal(lon, f"{gpath}.longitude"),
                commune=insee,
                epsg=epsg_hint(text(sub_value(geoloc[1], "geodicSystem"))),
                path=gpath,
                warn=warn,
            )
            flag = sub_value(geoloc[1], "ror-confidence-geolocation", "reliablePosition")
            reliable = flag is True or flag == "true"
    lines = [t for t in (text(v) for v in as_list(address.get("line"))) if t]
    return make_place(
        point,
        insee,
        address=", ".join(lines),
        postal_code=text(address.get("postalCode")) or "",
        city=text(address.get("city")) or "",
        reliable=reliable,
        point_path="address.extension(geolocation)",
        commune_path="address.extension(inseeCode)",
        warn=warn,
    )
