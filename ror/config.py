"""Settings: defaults, ``ROR_*`` environment variables, typed reads (environ injectable)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ror.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path  # ROR_DB: the embedded engine's SQLite file
    es_url: str | None  # ROR_ES_URL: use Elasticsearch at this URL instead
    tokens_path: Path  # ROR_TOKENS: hashed bearer tokens
    host: str  # ROR_HOST
    port: int  # ROR_PORT
    audit_path: Path = Path("var/audit.jsonl")  # ROR_AUDIT_LOG: append-only log of writes
    cors_origins: tuple[str, ...] = ()  # ROR_CORS_ORIGINS: comma-separated; none = no CORS
    rate_per_minute: int = 600  # ROR_RATE_LIMIT: requests per minute per token or IP; 0 = off
    rate_burst: int = 60  # ROR_RATE_BURST: requests allowed at once above the steady rate
    max_body_bytes: int = 64 * 1024  # ROR_MAX_BODY_BYTES: larger request bodies get a 413
    max_url_bytes: int = 8 * 1024  # ROR_MAX_URL_BYTES: longer request lines get a 414
    body_timeout_ms: int = 10_000  # ROR_BODY_TIMEOUT_MS: a body slower gets a 408
    deadline_ms: int = 10_000  # ROR_REQUEST_DEADLINE_MS: a search still running gets a 503
    search_threads: int = 2  # ROR_SEARCH_THREADS: searches running at once per worker
    replay_days: int = 30  # ROR_REPLAY_DAYS: search replay records kept this long
    audit_days: int = 365  # ROR_AUDIT_DAYS: audit log entries kept this long
    workers: int = 1  # ROR_WORKERS: worker processes serving the API (set by ``ror serve``)
    resources: Path | None = None  # ROR_RESOURCES: the resource store (default: beside the index)

    @property
    def resources_path(self) -> Path:
        """The resource store: ``ROR_RESOURCES``, else ``ror.resources.sqlite`` beside the
        embedded index (``var/resources.sqlite`` with Elasticsearch)."""
        if self.resources is not None:
            return self.resources
        if self.es_url:
            return Path("var/resources.sqlite")
        return self.db_path.with_name(self.db_path.stem + ".resources.sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            db_path=Path(env.get("ROR_DB", "var/ror.sqlite")),
            es_url=env.get("ROR_ES_URL") or None,
            tokens_path=Path(env.get("ROR_TOKENS", "var/tokens.json")),
            host=env.get("ROR_HOST", "127.0.0.1"),
            port=int(env.get("ROR_PORT", "8000")),
            audit_path=Path(env.get("ROR_AUDIT_LOG", "var/audit.jsonl")),
            cors_origins=tuple(
                o.strip() for o in env.get("ROR_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            rate_per_minute=_count(env, "ROR_RATE_LIMIT", 600),
            rate_burst=_count(env, "ROR_RATE_BURST", 60),
            max_body_bytes=_count(env, "ROR_MAX_BODY_BYTES", 64 * 1024),
            max_url_bytes=_count(env, "ROR_MAX_URL_BYTES", 8 * 1024),
            body_timeout_ms=max(_count(env, "ROR_BODY_TIMEOUT_MS", 10_000), 1),
            deadline_ms=max(_count(env, "ROR_REQUEST_DEADLINE_MS", 10_000), 1),
            search_threads=max(_count(env, "ROR_SEARCH_THREADS", 2), 1),
            replay_days=max(_count(env, "ROR_REPLAY_DAYS", 30), 1),
            audit_days=max(_count(env, "ROR_AUDIT_DAYS", 365), 1),
            workers=max(_count(env, "ROR_WORKERS", 1), 1),
            resources=Path(env["ROR_RESOURCES"]) if env.get("ROR_RESOURCES") else None,
        )


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    """A non-negative integer variable; ``InvalidInput`` naming it otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(f"{name} doit être un entier positif ou nul : {raw!r}", name)
    return int(raw)
