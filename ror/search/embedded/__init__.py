"""The embedded engine: SQLite files on disk, read through numpy columns in memory (DESIGN §4)."""

from ror.search.embedded.engine import EmbeddedEngine

__all__ = ["EmbeddedEngine"]
