"""FHIR R4 facade: the ROR consumer search API (ROR-MODEL §9) over our engine (DESIGN §6).

Software that already speaks the national ROR's FHIR API points at ``/fhir`` and gets the
same resources, ordered by distance, without the 200-result cap, with capacity criteria held
on the same counter. Modules, top-down:

- ``catalog``: the supported search parameters (one table: parser, matcher, metadata);
- ``params`` (+ ``atoms``, ``filter_expr``, ``values``): query string -> ``query.SearchRequest``;
- ``listing``: a listing or ``_id`` lookup in ``_id`` order, read page by page from an engine
  that can list in key order; else ``search``: engine candidates (narrowed by codes, ``near``,
  zones, or a postcode circle from ``bounds``) -> ``evaluate`` (scoped matching on ``facts``
  views) -> order and page (``paging``: keyset cursors);
- ``bundle`` with ``resources`` (kept source in R4 shape, live counters; ``synthesize`` when
  there is no source; shaped by access profile), ``includes`` (organisations above, roles,
  practitioners), ``subset`` (``_summary``, ``_elements``), ``capability``, ``outcome``;
- ``read``: one resource by id (index, or the resource store);
- ``routes``: the Starlette endpoints.
"""
