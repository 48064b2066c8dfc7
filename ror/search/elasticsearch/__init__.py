"""The Elasticsearch engine: the scale-out store behind the same interface (DESIGN §4)."""

from ror.search.elasticsearch.engine import ElasticsearchEngine, open_es_engine

__all__ = ["ElasticsearchEngine", "open_es_engine"]
