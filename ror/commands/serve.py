"""Run the API with uvicorn (``ror serve``). Several workers are separate processes, so the app
is built by a factory in each; the settings reach them as the ``ROR_*`` variables they come
from (``Settings.from_env``)."""

from __future__ import annotations

import os

import uvicorn

from ror.config import Settings
from ror.errors import InvalidInput


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve ``ror.api.app:app_factory`` on ``host:port`` until interrupted."""
    if workers < 1:
        raise InvalidInput(f"workers doit être au moins 1 : {workers}", "workers")
    if not 0 <= port <= 65535:
        raise InvalidInput(f"port hors de [0, 65535] : {port}", "port")
    os.environ.update(settings_env(settings, host, port, workers))
    uvicorn.run(
        "ror.api.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


def settings_env(settings: Settings, host: str, port: int, workers: int = 1) -> dict[str, str]:
    """The ``ROR_*`` variables that rebuild ``settings`` with ``Settings.from_env``."""
    env = {
        "ROR_DB": str(settings.db_path),
        "ROR_TOKENS": str(settings.tokens_path),
        "ROR_HOST": host,
        "ROR_PORT": str(port),
        "ROR_ES_URL": settings.es_url or "",
        "ROR_AUDIT_LOG": str(settings.audit_path),
        "ROR_CORS_ORIGINS": ",".join(settings.cors_origins),
        "ROR_RATE_LIMIT": str(settings.rate_per_minute),
        "ROR_RATE_BURST": str(settings.rate_burst),
        "ROR_MAX_BODY_BYTES": str(settings.max_body_bytes),
        "ROR_WORKERS": str(workers),
    }
    return env
