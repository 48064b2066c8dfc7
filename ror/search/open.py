"""Open the engine a configuration names."""

from __future__ import annotations

from pathlib import Path

from ror.config import Settings
from ror.errors import NotFound
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import REPLAY_KEEP_DAYS, Engine


def open_engine(where: Settings | Path | str, *, create: bool = False) -> Engine:
    """The engine the settings point at: Elasticsearch when ``es_url`` is set, else the
    embedded engine on ``db_path`` (or on the path given). An embedded file that does not
    exist is an error (a mistyped ``--db`` would otherwise serve an empty index) unless
    ``create``: only the commands that build an index (``index``, ``demo``, ``sync``) create
    one."""
    replay_days = REPLAY_KEEP_DAYS
    if isinstance(where, Settings):
        replay_days = where.replay_days
        if where.es_url:
            from ror.search.elasticsearch.engine import open_es_engine

            return open_es_engine(where.es_url, replay_days=replay_days)
        where = where.db_path
    path = Path(where)
    if not create and not path.exists():
        raise NotFound(
            f"aucun index à {path} : le construire avec « ror index », « ror demo » ou "
            "« ror sync », ou donner le bon --db (ROR_DB)",
            "--db",
        )
    return EmbeddedEngine(path, replay_days=replay_days)
