"""Settings: defaults, ``ROR_*`` environment variables, typed reads (environ injectable)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path  # ROR_DB: the embedded engine's SQLite file
    es_url: str | None  # ROR_ES_URL: use Elasticsearch at this URL instead
    tokens_path: Path  # ROR_TOKENS: hashed bearer tokens
    host: str  # ROR_HOST
    port: int  # ROR_PORT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_path=Path(env.get("ROR_DB", "var/ror.sqlite")),
            es_url=env.get("ROR_ES_URL") or None,
            tokens_path=Path(env.get("ROR_TOKENS", "var/tokens.json")),
            host=env.get("ROR_HOST", "127.0.0.1"),
            port=int(env.get("ROR_PORT", "8000")),
        )
