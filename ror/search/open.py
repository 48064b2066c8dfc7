"""Open the engine a configuration names."""

from __future__ import annotations

from pathlib import Path

from ror.config import Settings
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Engine


def open_engine(where: Settings | Path | str) -> Engine:
    """The engine the settings point at: Elasticsearch when ``es_url`` is set, else the
    embedded engine on ``db_path`` (or on the path given)."""
    if isinstance(where, Settings):
        if where.es_url:
            from ror.search.elasticsearch.engine import open_es_engine

            return open_es_engine(where.es_url)
        return EmbeddedEngine(where.db_path)
    return EmbeddedEngine(Path(where))
