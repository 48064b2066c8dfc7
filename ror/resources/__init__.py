"""The FHIR resources behind the index (``store``) and how a change to them reaches the offers
(``index``, ``apply``)."""
