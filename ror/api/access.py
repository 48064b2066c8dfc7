"""Who is calling: the ROR access profile (0–5) a request is answered for.

No authentication yet: every caller gets the application's anonymous profile (0, open data,
unless the deployment says otherwise). A later auth layer sets ``request.state.profile`` from the
bearer token, and every route already reads the profile through :func:`caller_profile`.
"""

from __future__ import annotations

from starlette.requests import Request

ANONYMOUS_PROFILE = 0


def caller_profile(request: Request) -> int:
    profile = getattr(request.state, "profile", None)
    if isinstance(profile, int):
        return profile
    return int(getattr(request.app.state, "anonymous_profile", ANONYMOUS_PROFILE))
