"""The application the HTTP phase serves: ``ror``'s own app, answered for a professional caller.

``ror.api.app.app_factory`` answers anonymous callers with the open-data profile 0, which may
not search by available beds (the emergency scenario does). Until bearer tokens exist, the
benchmark serves the same app with the anonymous profile set to 1 (an authenticated
professional, as a SAMU/SMUR tool would be), through ``create_app``'s own parameter.
"""

from __future__ import annotations

from starlette.applications import Starlette

from ror.api.app import create_app
from ror.config import Settings

BENCH_PROFILE = 1


def app_factory() -> Starlette:
    """For ``uvicorn --factory bench.serving:app_factory`` (settings from ``ROR_*``)."""
    return create_app(Settings.from_env(), anonymous_profile=BENCH_PROFILE)
