"""``ror sync URL`` and ``ror sources``: follow a ROR FHIR source, list the sources followed."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import orjson

from ror.resources.store import ResourceStore
from ror.search.engine import Engine
from ror.sync.client import ClientOptions, FhirClient, SyncError
from ror.sync.run import Progress, SyncReport, sync_source
from ror.sync.state import SourceState, SyncStates


@dataclass(frozen=True, slots=True)
class SyncRequest:
    url: str
    name: str | None = None
    full: bool = False
    priority: int | None = None
    page_size: int = 200
    token: str | None = None
    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 60.0
    attempts: int = 6


def source_name(url: str) -> str:
    """A source's default name: its host and path (``ror.example.org/fhir``)."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def sync_command(
    request: SyncRequest,
    store: ResourceStore,
    engine: Engine,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``ror sync``: 0 when the run ended (rejects reported), 1 when it failed."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if not request.url.startswith(("http://", "https://")):
        print(f"ror sync: not an http(s) URL: {request.url}", file=err)
        return 2
    states = SyncStates(store)
    name = request.name or source_name(request.url)
    state = states.get(name) or SourceState(name, request.url.rstrip("/"))
    state.url = request.url.rstrip("/")
    if request.priority is not None:
        state.priority = request.priority
    store.priorities = {**states.priorities(), name: state.priority}
    options = ClientOptions(
        token=request.token,
        cert=request.cert,
        key=request.key,
        ca=request.ca,
        headers=request.headers,
        timeout_s=request.timeout_s,
        attempts=request.attempts,
    )
    client = FhirClient(state.url, options)
    resuming = state.run is not None and state.run.full == request.full
    print(
        f"ror sync: {name} ({state.url}), "
        + ("full" if request.full else f"changes since {state.since or 'the start'}")
        + (", resuming the interrupted run" if resuming else ""),
        file=err,
    )
    progress = _progress(err) if err.isatty() else None
    try:
        report = sync_source(
            store,
            engine,
            client,
            state,
            full=request.full,
            page_size=request.page_size,
            progress=progress,
        )
    except SyncError as exc:
        if progress is not None:
            print(file=err)
        print(f"ror sync: {exc.message}", file=err)
        print("ror sync: the run stopped; run the command again to resume it", file=err)
        return 1
    finally:
        client.close()
    if progress is not None:
        print(file=err)
    _print_report(report, state, out)
    return 0


def _progress(stream: TextIO) -> Progress:
    def show(report: SyncReport, rtype: str) -> None:
        print(
            f"\r  {rtype}: {report.pages} pages, {sum(report.resources.values())} resources, "
            f"{report.offers_built} offers built, {report.offers_removed} removed\x1b[K",
            end="",
            file=stream,
            flush=True,
        )

    return show


def _print_report(report: SyncReport, state: SourceState, out: TextIO) -> None:
    counts = state.counts
    print(
        f"resources: {counts['added']} added, {counts['changed']} changed, "
        f"{counts['removed']} removed, {counts['unchanged']} unchanged, "
        f"{counts['rejected']} rejected, {counts['conflicts']} conflicts",
        file=out,
    )
    print(
        f"offers: {report.offers_built} built, {report.offers_removed} removed; "
        f"{report.pages} pages, {report.retries} retries, {report.seconds:.1f} s",
        file=out,
    )
    for issue in report.rejects[:20]:
        print(f"  rejected {issue.resource} {issue.field or ''}: {issue.reason}", file=out)
    print(f"checkpoint: {state.since}", file=out)


def sources_command(store: ResourceStore, *, as_json: bool, stdout: TextIO | None = None) -> int:
    """``ror sources``: each source followed, its last sync, counts and last error."""
    out = stdout or sys.stdout
    states = SyncStates(store).all()
    if as_json:
        out.write(orjson.dumps([s.to_dict() for s in states]).decode() + "\n")
        return 0
    if not states:
        print("no source followed yet (ror sync URL)", file=out)
    for s in states:
        c = s.counts
        print(
            f"{s.name}  {s.url}  priority {s.priority}\n"
            f"  last sync {s.last_sync or 'never'}; checkpoint {s.since or 'none'}"
            + ("; interrupted (resumes on the next sync)" if s.run else "")
            + f"\n  {c['added']} added, {c['changed']} changed, {c['removed']} removed, "
            f"{c['rejected']} rejected, {c['conflicts']} conflicts"
            + (f"\n  last error: {s.last_error}" if s.last_error else ""),
            file=out,
        )
    return 0
