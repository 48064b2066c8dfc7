"""Ingestion: ROR FHIR R4 resources (and the synthetic generator) -> Offer documents.

The FHIR pipeline, top-down:

- ``sources``: read resources from Bundles, NDJSON, single files and directories;
- ``references``: index Organizations, Locations and PractitionerRoles so references resolve;
- ``assemble``: one Offer per HealthcareService, from ``services`` (codes, patientèle, zones,
  hours, contacts), ``organizations`` (EG chain, prices, social aid), ``locations``
  (place, capacities, equipment) and ``places`` (WGS84 point, commune, département, région);
- ``validate``: code checks against the NOS tables and the rejects report rows;
- ``load``: the two-pass streaming load with its report, and Offer NDJSON files;
- ``command``: ``ror index``.
"""
