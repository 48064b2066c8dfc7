"""``GET /v1/sources``: the ROR sources this directory follows (``ror sync``), for access
profile 1 only: per source its URL, priority, last sync, checkpoint, counts of the last run
(added, changed, removed, rejected, conflicts) and last error."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.api.access import request_caller, require_profile
from ror.api.endpoints import Endpoint
from ror.api.fhir.routes import resource_store
from ror.api.json_response import JSONResponse
from ror.sync.state import SyncStates

SOURCES_PROFILES = (1,)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceOut(_Out):
    name: str = Field(description="The source's name (`ror sync --name`).")
    url: str = Field(description="Its FHIR base URL.")
    priority: int = Field(description="Wins ties of `meta.lastUpdated` (higher wins).")
    since: str | None = Field(description="Checkpoint: changes from then on are still to fetch.")
    last_sync: str | None = Field(description="When the last run ended or stopped (UTC).")
    last_error: str | None = Field(description="Why the last run stopped, if it did.")
    resuming: bool = Field(description="The last run was interrupted; the next one resumes it.")
    counts: dict[str, int] = Field(
        description="Resources of the last run: added, changed, removed, rejected, conflicts, "
        "unchanged, resources."
    )


class SourcesResponse(_Out):
    sources: list[SourceOut]
    conflicts: int = Field(description="Conflicts recorded between sources, in all.")


def _sources(request: Request) -> dict[str, object]:
    store = resource_store(request)
    if store is None:
        return {"sources": [], "conflicts": 0}
    return {
        "sources": [s.to_dict() for s in SyncStates(store).all()],
        "conflicts": store.conflict_count(),
    }


async def sources(request: Request) -> Response:
    require_profile(request_caller(request), *SOURCES_PROFILES, what="les sources suivies")
    return JSONResponse(await run_in_threadpool(_sources, request))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/v1/sources",
        sources,
        "The ROR sources followed, with their last sync",
        "access",
        description=(
            "Each source `ror sync` follows: URL, priority, checkpoint, last sync, counts of the "
            "last run and last error. Reserved to access profile 1 (401 without a token, 403 "
            "for another profile)."
        ),
        response=SourcesResponse,
        errors=(401, 403),
    ),
)
