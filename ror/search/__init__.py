"""Search: criteria, query planning, engines (embedded and Elasticsearch), facets, overview."""
