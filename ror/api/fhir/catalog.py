"""The search parameters the FHIR facade supports: one table, read by the parser, the matcher
and the CapabilityStatement (so the three cannot disagree).

Names, types and definitions are those of the ROR IG's consumer CapabilityStatement
(``ror-consommateur``) and HL7's base parameters. Each parameter has a **scope**, the element
it is evaluated on:

- ``offer``: the HealthcareService itself;
- ``organization``: its establishment (EG), reached by walking ``providedBy``/``partOf``;
- ``price``: one ``ror-organization-price`` of the EG;
- ``location``: one of its Locations;
- ``counter``: one ``ror-location-supported-capacity`` of that Location;
- ``equipment``: one ``ror-location-equipment`` (with one limit) of that Location.

Parameters of the same scope given together hold on the **same** element (one counter, one
equipment, one price, one Location): ``capacity-status=02&nb-capacity=gt0`` means a counter
that is available *and* non-zero, never an available counter beside another non-zero one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

ParamType = Literal["token", "number", "quantity", "date", "string", "reference", "special"]
Scope = Literal["offer", "organization", "price", "location", "counter", "equipment"]
ResourceType = Literal["HealthcareService", "Location"]

COLOCATED: Final = "colocated:"  # field prefix of the co-located requirements (``colocated.py``)
ROR_SP: Final = "https://interop.esante.gouv.fr/ig/fhir/ror/SearchParameter/"
HL7_SP: Final = "http://hl7.org/fhir/SearchParameter/"

#: What each scope needs bound before a parameter of that scope can be tested.
SCOPE_LEVELS: Final[Mapping[Scope, tuple[str, ...]]] = MappingProxyType(
    {
        "offer": (),
        "organization": (),
        "price": ("price",),
        "location": ("location",),
        "counter": ("location", "counter"),
        "equipment": ("location", "equipment"),
    }
)


_NEEDS: Final = {scope: frozenset(levels) for scope, levels in SCOPE_LEVELS.items()}


@dataclass(frozen=True, slots=True)
class SearchParam:
    """One supported search parameter.

    ``field`` names what is read (an Offer field, a Capacity field…); ``system`` is the code
    system key of a token's codes ("R330"); ``capacity`` marks restricted data (capacities):
    using it needs an access profile that may read capacities.
    """

    name: str
    type: ParamType
    scope: Scope
    field: str
    doc: str
    definition: str | None = None
    system: str | None = None
    capacity: bool = False

    @property
    def levels(self) -> tuple[str, ...]:
        return SCOPE_LEVELS[self.scope]

    @property
    def needs(self) -> frozenset[str]:
        return _NEEDS[self.scope]


def _p(
    name: str,
    type_: ParamType,
    scope: Scope,
    field: str,
    doc: str,
    definition: str | None,
    system: str | None = None,
    capacity: bool = False,
) -> SearchParam:
    return SearchParam(name, type_, scope, field, doc, definition, system, capacity)


def _ror(name: str) -> str:
    return ROR_SP + name


_LOCATION: Final = (
    _p("_id", "token", "location", "id", "Identifiant logique du lieu", HL7_SP + "Resource-id"),
    _p(
        "_lastUpdated",
        "date",
        "location",
        "last_updated",
        "Date de la dernière mise à jour (capacités comprises)",
        HL7_SP + "Resource-lastUpdated",
    ),
    _p(
        "identifier",
        "token",
        "location",
        "identifiers",
        "Identifiant du lieu de réalisation de l'offre (<FINESS>/<id> pour un lieu sans source)",
        HL7_SP + "Location-identifier",
    ),
    _p("name", "string", "location", "name", "Nom du lieu", HL7_SP + "Location-name"),
    _p(
        "_tag",
        "token",
        "location",
        "region_tag",
        "Région source (meta.tag, TRE_R30-RegionOM)",
        HL7_SP + "Resource-tag",
        "R30",
    ),
    _p(
        "near",
        "special",
        "location",
        "near",
        "Lieux à moins de la distance donnée d'un point : latitude|longitude|distance|unité "
        "(WGS84 ; km par défaut) ; résultats triés par distance",
        HL7_SP + "Location-near",
    ),
    _p(
        "near-insee-code",
        "special",
        "location",
        "near",
        "Lieux à moins de la distance donnée d'une commune : code COG INSEE|distance|unité",
        _ror("ror-sp-location-near-insee-code"),
    ),
    _p(
        "commune-cog",
        "token",
        "location",
        "commune",
        "Code officiel géographique (COG) de la commune du lieu",
        _ror("ror-sp-location-commune-cog"),
        "R13",
    ),
    _p(
        "address-postalcode",
        "string",
        "location",
        "postal_code",
        "Code postal (commence par : « 71 » = un département)",
        HL7_SP + "Location-address-postalcode",
    ),
    _p(
        "address-city",
        "string",
        "location",
        "city",
        "Localité (commence par ; accents et casse ignorés)",
        HL7_SP + "Location-address-city",
    ),
    _p(
        "capacity-type",
        "token",
        "counter",
        "nature",
        "Nature de la capacité",
        _ror("ror-sp-capacity-type"),
        "R329",
        True,
    ),
    _p(
        "capacity-status",
        "token",
        "counter",
        "status",
        "Statut de la capacité",
        _ror("ror-sp-capacity-status"),
        "R330",
        True,
    ),
    _p(
        "temporality-capacity",
        "token",
        "counter",
        "temporality",
        "Temporalité de la capacité",
        _ror("ror-sp-temporality-capacity"),
        "R331",
        True,
    ),
    _p(
        "gender-capacity-available",
        "token",
        "counter",
        "gender",
        "Genre disponible de la capacité",
        _ror("ror-sp-gender-capacity-available"),
        "R332",
        True,
    ),
    _p(
        "capacity-closing-type",
        "token",
        "counter",
        "closing_type",
        "Type de fermeture de la capacité",
        _ror("ror-sp-capacity-closing-type"),
        "R333",
        True,
    ),
    _p(
        "additional-bed-type",
        "token",
        "counter",
        "extra_bed_type",
        "Type de lit supplémentaire",
        _ror("ror-sp-additional-bed-type"),
        "R334",
        True,
    ),
    _p(
        "crisis-type",
        "token",
        "counter",
        "crisis",
        "Type de crise",
        _ror("ror-sp-crisis-type"),
        "R336",
        True,
    ),
    _p(
        "temporary-assignement",
        "token",
        "counter",
        "assignment",
        "Affectation temporaire",
        _ror("ror-sp-temporary-assignement"),
        "R337",
        True,
    ),
    _p(
        "nb-capacity",
        "number",
        "counter",
        "count",
        "Nombre de lits ou places du même indicateur de capacité",
        _ror("ror-sp-nb-capacity"),
        capacity=True,
    ),
    _p(
        "capacity-update-date",
        "date",
        "counter",
        "updated_at",
        "Date de mise à jour de la capacité",
        _ror("ror-sp-capacity-update-date"),
        capacity=True,
    ),
    _p(
        "equipment-type",
        "token",
        "equipment",
        "code",
        "Type d'équipement",
        _ror("ror-sp-equipment-type"),
        "R212",
    ),
    _p(
        "equipment-feature",
        "token",
        "equipment",
        "feature",
        "Caractéristique limite du même équipement",
        _ror("ror-sp-equipment-feature"),
        "R340",
    ),
    _p(
        "limit-value",
        "quantity",
        "equipment",
        "limit",
        "Valeur limite du même équipement (UCUM, ex. ge200|http://unitsofmeasure.org|kg)",
        _ror("ror-sp-limit-value"),
    ),
)

_ORGANIZATION: Final = (
    _p(
        "_lastUpdated",
        "date",
        "organization",
        "last_updated",
        "Date de la dernière mise à jour de l'EG (:above : ou d'une organisation au-dessus)",
        HL7_SP + "Resource-lastUpdated",
    ),
    _p(
        "type",
        "token",
        "organization",
        "category",
        "Catégorie d'établissement de l'EG (FINESS, secteur SA05–SA09)",
        HL7_SP + "Organization-type",
        "R66",
    ),
    _p(
        "identifier",
        "token",
        "organization",
        "identifiers",
        "Identifiant de l'EG (FINESS)",
        HL7_SP + "Organization-identifier",
    ),
    _p(
        "name",
        "string",
        "organization",
        "name",
        "Nom de l'EG (commence par ; accents et casse ignorés)",
        HL7_SP + "Organization-name",
    ),
    _p(
        "financial-help-type",
        "token",
        "organization",
        "financial_help",
        "Aide financière de l'EG (02 habilité à l'aide sociale) ; paramètre propre à ce "
        "serveur (extension ror-organization-financial-help-type)",
        None,
        "R241",
    ),
    _p(
        "price-type",
        "token",
        "price",
        "type",
        "Type de tarif",
        _ror("ror-sp-organization-price-type"),
        "R246",
    ),
    _p(
        "price-unit",
        "token",
        "price",
        "unit",
        "Unité du même tarif",
        _ror("ror-sp-organization-price-unit"),
        "R228",
    ),
    _p(
        "price-amount-value",
        "number",
        "price",
        "amount_eur",
        "Montant du même tarif (euros)",
        _ror("ror-sp-organization-price-amount-value"),
    ),
    _p(
        "price-residential-type",
        "token",
        "price",
        "residential_type",
        "Type d'habitation du même tarif",
        _ror("ror-sp-organization-price-residential-type"),
        "R242",
    ),
    _p(
        "price-special-price",
        "token",
        "price",
        "condition",
        "Condition tarifaire du même tarif",
        _ror("ror-sp-organization-special-price"),
        "R250",
    ),
    _p(
        "price-dependency-level",
        "token",
        "price",
        "dependency_level",
        "Niveau de dépendance du même tarif",
        _ror("ror-sp-organization-price-dependency-level"),
        "R237",
    ),
    _p(
        "price-welcome-type",
        "token",
        "price",
        "reception",
        "Hébergement permanent ou temporaire du même tarif",
        _ror("ror-sp-organization-price-welcome-type"),
        "R240",
    ),
    _p(
        "price-validity-start-date",
        "date",
        "price",
        "start_date",
        "Date de début de validité du même tarif (triable)",
        _ror("ror-sp-organization-price-validity-start-date"),
    ),
)
#: Other spellings accepted for organisation parameters (ROR-MODEL §5.1 writes both).
_ORGANIZATION_ALIASES: Final = {"special-price": "price-special-price"}

_SERVICE: Final = (
    _p("_id", "token", "offer", "id", "Identifiant logique de l'offre", HL7_SP + "Resource-id"),
    _p(
        "_has:PractitionerRole:service:practitioner.identifier",
        "token",
        "offer",
        "practitioner_identifiers",
        "Offres où exerce le professionnel de cet identifiant (RPPS) : une PractitionerRole "
        "pointe vers l'offre",
        "http://hl7.org/fhir/search.html#has",
    ),
    _p(
        "_has:PractitionerRole:service:role",
        "token",
        "offer",
        "professions",
        "Offres où exerce une PractitionerRole de cette profession (TRE_G15)",
        "http://hl7.org/fhir/search.html#has",
        "G15",
    ),
    _p(
        "_lastUpdated",
        "date",
        "offer",
        "last_updated",
        "Date de la dernière mise à jour",
        HL7_SP + "Resource-lastUpdated",
    ),
    _p(
        "_tag",
        "token",
        "offer",
        "region_tag",
        "Code de la région de la source de la donnée (TRE_R30)",
        HL7_SP + "Resource-tag",
        "R30",
    ),
    _p(
        "identifier",
        "token",
        "offer",
        "identifiers",
        "Identifiant métier de l'offre",
        HL7_SP + "HealthcareService-identifier",
    ),
    _p(
        "name",
        "string",
        "offer",
        "name",
        "Nom de l'offre (commence par ; accents et casse ignorés)",
        HL7_SP + "HealthcareService-name",
    ),
    _p(
        "service-category",
        "token",
        "offer",
        "offer_type",
        "Type d'offre (TRE_R244)",
        HL7_SP + "HealthcareService-service-category",
        "R244",
    ),
    _p(
        "service-type",
        "token",
        "offer",
        "champ",
        "Champ d'activité (TRE_R227)",
        HL7_SP + "HealthcareService-service-type",
        "R227",
    ),
    _p(
        "specialty",
        "token",
        "offer",
        "activity",
        "Activité opérationnelle (TRE_R211) ; un code sans système est lu dans TRE_R211",
        HL7_SP + "HealthcareService-specialty",
        "R211",
    ),
    *(
        _p(
            f"colocated-{name}",
            "token",
            "offer",
            f"{COLOCATED}{field}",
            f"L'établissement (EG) a aussi une offre de ce code ({what}, l'un des codes "
            "donnés) ; répété, chaque exigence (critère `colocated` de l'API)",
            None,
            system,
        )
        for name, field, system, what in (
            ("specialty", "activity", "R211", "activité TRE_R211"),
            ("service-category", "offer_type", "R244", "type d'offre TRE_R244"),
            ("service-type", "champ", "R227", "champ d'activité TRE_R227"),
            ("patient-type", "public", "R239", "public TRE_R239"),
        )
    ),
    _p(
        "characteristic",
        "token",
        "offer",
        "characteristic",
        "Caractéristiques de l'offre (mode de prise en charge, temporalité et modalité "
        "d'accueil, spécialisation, acte, niveau d'expertise…) ; un code sans système est "
        "cherché dans toutes",
        HL7_SP + "HealthcareService-characteristic",
    ),
    _p(
        "patient-type",
        "token",
        "offer",
        "public",
        "Public pris en charge (TRE_R239)",
        _ror("ror-sp-healthcareservice-patient-type"),
        "R239",
    ),
    _p(
        "age-range-low",
        "quantity",
        "offer",
        "age_min",
        "Âge minimum de la patientèle (UCUM a, mo, wk, d ; années par défaut)",
        _ror("ror-sp-healthcareservice-age-range-low"),
    ),
    _p(
        "age-range-high",
        "quantity",
        "offer",
        "age_max",
        "Âge maximum de la patientèle (UCUM a, mo, wk, d ; années par défaut)",
        _ror("ror-sp-healthcareservice-age-range-high"),
    ),
    _p(
        "intervention-zone",
        "token",
        "offer",
        "zones",
        "Zone d'intervention (code exact, normalisé ; :above = toute zone contenant la "
        "commune : commune, département, région, France)",
        _ror("ror-sp-healthcareservice-intervention-zone"),
    ),
    _p(
        "location",
        "reference",
        "offer",
        "location_ids",
        "Lieu de réalisation (Location/id)",
        HL7_SP + "HealthcareService-location",
    ),
    _p(
        "organization",
        "reference",
        "offer",
        "organizations",
        "Organisation porteuse (Organization/id : providedBy ou son EG)",
        HL7_SP + "HealthcareService-organization",
    ),
    _p(
        "equipment-type",
        "token",
        "equipment",
        "code",
        "Type d'équipement d'un de ses lieux (comme location.equipment-type)",
        _ror("ror-sp-equipment-type"),
        "R212",
    ),
)

LOCATION_PARAMS: Final = MappingProxyType({p.name: p for p in _LOCATION})
ORGANIZATION_PARAMS: Final = MappingProxyType({p.name: p for p in _ORGANIZATION})
SERVICE_PARAMS: Final = MappingProxyType({p.name: p for p in _SERVICE})

#: Chains of HealthcareService searches: ``location.<Location param>``,
#: ``organization.<Organization param>``.
CHAINS: Final = MappingProxyType({"location": LOCATION_PARAMS, "organization": ORGANIZATION_PARAMS})

#: ``_include`` / ``_revinclude`` values per searched resource type.
INCLUDES: Final[Mapping[ResourceType, tuple[str, ...]]] = MappingProxyType(
    {
        "HealthcareService": (
            "HealthcareService:location",
            "HealthcareService:organization",
            "Organization:partof",
            "PractitionerRole:practitioner",
        ),
        "Location": (),
    }
)
REVINCLUDES: Final[Mapping[ResourceType, tuple[str, ...]]] = MappingProxyType(
    {
        "HealthcareService": ("PractitionerRole:service",),
        "Location": ("HealthcareService:location",),
    }
)

#: ``_sort`` keys per searched resource type (a leading "-" sorts descending).
SORTS: Final[Mapping[ResourceType, tuple[str, ...]]] = MappingProxyType(
    {
        "HealthcareService": (
            "near",
            "_id",
            "_lastUpdated",
            "name",
            "organization.price-validity-start-date",
            "organization.price-amount-value",
        ),
        "Location": ("near", "_id", "_lastUpdated", "name"),
    }
)


def find(resource: ResourceType, name: str) -> SearchParam | None:
    """The parameter a query name (chains included, without modifier) stands for."""
    if resource == "Location":
        return LOCATION_PARAMS.get(name)
    found = SERVICE_PARAMS.get(name)
    if found is not None:
        return found
    head, dot, tail = name.partition(".")
    if not dot:
        return None
    if head == "organization":
        tail = _ORGANIZATION_ALIASES.get(tail, tail)
    chain = CHAINS.get(head)
    return chain.get(tail) if chain is not None else None


def supported_names(resource: ResourceType) -> list[str]:
    """Every parameter name a search of ``resource`` accepts (chains spelt out)."""
    if resource == "Location":
        return list(LOCATION_PARAMS)
    names = list(SERVICE_PARAMS)
    for head, params in CHAINS.items():
        names += [f"{head}.{name}" for name in params]
    names += [f"organization.{alias}" for alias in _ORGANIZATION_ALIASES]
    return names
