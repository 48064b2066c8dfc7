"""``GET /fhir/metadata``: the CapabilityStatement, generated from the parameter catalog, so it
lists exactly what the facade accepts (chained parameters spelt out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from ror import __version__
from ror.api.fhir import catalog
from ror.api.fhir.catalog import ResourceType, SearchParam
from ror.api.fhir.params import DEFAULT_COUNT, MAX_COUNT, MAX_OFFSET
from ror.api.fhir.role_search import with_store_search
from ror.api.fhir.store_search import with_organization_search

Json = dict[str, Any]
PROFILES: Final = {
    "HealthcareService": "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice",
    "Location": "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location",
    "Organization": "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-organization",
    "PractitionerRole": (
        "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-practitionerrole"
    ),
    "Practitioner": "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-practitioner",
}
DOCUMENTATION: Final = {
    "HealthcareService": (
        "Offres opérationnelles. Les paramètres location.* portent sur un même lieu, les "
        "paramètres de capacité sur un même indicateur (compteur), equipment-type / "
        "equipment-feature / limit-value sur un même équipement, organization.price-* sur un "
        "même tarif de l'EG. Tri par distance quand near est donné (sinon _id) ; _sort : "
        + ", ".join(catalog.SORTS["HealthcareService"])
        + "."
    ),
    "Location": (
        "Lieux de réalisation des offres, chacun évalué sur ses propres compteurs et "
        "équipements. Tri par distance quand near est donné (sinon _id) ; _sort : "
        + ", ".join(catalog.SORTS["Location"])
        + "."
    ),
}


def capability_statement(base: str) -> Json:
    return {
        "resourceType": "CapabilityStatement",
        "id": "ror",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "publisher": "ror",
        "kind": "instance",
        "software": {"name": "ror", "version": __version__},
        "implementation": {
            "description": "ror : façade FHIR R4 de recherche d'offres (API de recherche du ROR)",
            "url": base,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "implementationGuide": [
            "https://interop.esante.gouv.fr/ig/fhir/ror/ImplementationGuide/ans.fhir.fr.ror"
        ],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    f"Pages de {DEFAULT_COUNT} résultats par défaut, jusqu'à {MAX_COUNT} "
                    "(_count), sans plafond de 200 : les liens next portent un curseur (_cursor) "
                    "qui reprend après la dernière entrée vue, sans saut ni doublon quand les "
                    f"offres changent entre deux pages ; _offset au plus {MAX_OFFSET} (au-delà, "
                    "suivre les liens next). total "
                    "compte toutes les correspondances. _summary (count, true), _elements, "
                    "_include et _include:iterate (les inclusions s'appliquent aussi aux "
                    "ressources déjà incluses), _revinclude, _filter (and, or, not, "
                    "parenthèses ; eq ne gt lt ge le sa eb ap, sw co pour les textes ; :above "
                    "sur les paramètres organization.*). Recherche aussi en POST "
                    "[type]/_search (formulaire), lecture [type]/[id]. "
                    "Prefer: handling=lenient ignore les paramètres non pris en charge (avec "
                    "un avertissement) ; par défaut ils donnent une erreur 400. Les paramètres "
                    "de capacité demandent un profil d'accès qui voit les capacités (403 sinon)."
                ),
                "resource": [
                    _resource("HealthcareService"),
                    _resource("Location"),
                    with_organization_search(_read_only("Organization")),
                    with_store_search("PractitionerRole", _read_only("PractitionerRole")),
                    with_store_search("Practitioner", _read_only("Practitioner")),
                ],
            }
        ],
    }


def _resource(rtype: ResourceType) -> Json:
    out: Json = {
        "type": rtype,
        "profile": PROFILES[rtype],
        "documentation": DOCUMENTATION[rtype],
        "interaction": [{"code": "read"}, {"code": "search-type"}],
    }
    if catalog.INCLUDES[rtype]:
        out["searchInclude"] = list(catalog.INCLUDES[rtype])
    if catalog.REVINCLUDES[rtype]:
        out["searchRevInclude"] = list(catalog.REVINCLUDES[rtype])
    params = [_param(name, p) for name, p in _params(rtype)]
    params.append(
        {
            "name": "_filter",
            "definition": "http://hl7.org/fhir/SearchParameter/filter",
            "type": "special",
            "documentation": "Expression de filtre FHIR sur les paramètres ci-dessus",
        }
    )
    out["searchParam"] = params
    return out


def _read_only(rtype: str) -> Json:
    return {
        "type": rtype,
        "profile": PROFILES[rtype],
        "documentation": (
            "Lecture par id (GET [type]/[id]) depuis le magasin des ressources chargées ; "
            "incluse dans les recherches d'offres par _include / _revinclude."
        ),
        "interaction": [{"code": "read"}],
    }


def _params(rtype: ResourceType) -> list[tuple[str, SearchParam]]:
    out = []
    for name in catalog.supported_names(rtype):
        found = catalog.find(rtype, name)
        assert found is not None
        out.append((name, found))
    return out


def _param(name: str, param: SearchParam) -> Json:
    out: Json = {"name": name, "type": param.type}
    if param.definition:
        out["definition"] = param.definition
    doc = param.doc
    if "." in name:
        doc += f" (chaîné : {name.split('.', 1)[0]})"
    if param.capacity:
        doc += " — donnée de capacité (profil d'accès requis)"
    out["documentation"] = doc
    return out
