"""Search: the engine-neutral referral pipeline over two engines, embedded and Elasticsearch.

The public API: run a search, replay one, read an offer, open the engine a configuration names.
"""

from ror.search.engine import Engine
from ror.search.open import open_engine
from ror.search.pipeline import get_offer, replay, search

__all__ = ["Engine", "get_offer", "open_engine", "replay", "search"]
