"""The code systems the FHIR facade tests search with, spelled as ROR-MODEL §9 writes them."""

from __future__ import annotations

NOS = "https://mos.esante.gouv.fr/NOS/"
R211 = NOS + "TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle"
R244 = NOS + "TRE_R244-CategorieOrganisation/FHIR/TRE-R244-CategorieOrganisation"
R329 = NOS + "TRE_R329-NatureCapacite/FHIR/TRE-R329-NatureCapacite"
R330 = NOS + "TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite"
R331 = NOS + "TRE_R331-TemporaliteCapacite/FHIR/TRE-R331-TemporaliteCapacite"
R332 = NOS + "TRE_R332-GenreCapacite/FHIR/TRE-R332-GenreCapacite"
R333 = NOS + "TRE_R333-TypeFermetureCapacite/FHIR/TRE-R333-TypeFermetureCapacite"
R212 = NOS + "TRE_R212-Equipement/FHIR/TRE-R212-Equipement"
R340 = NOS + "TRE_R340-TypeCaracteristiqueEquipement/FHIR/TRE-R340-TypeCaracteristiqueEquipement"
R246 = NOS + "TRE_R246-TypeTarif/FHIR/TRE-R246-TypeTarif"
COMMUNE_OM = NOS + "TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
UCUM = "http://unitsofmeasure.org"
