"""A sync that is killed, throttled, refused or fed garbage: it converges or stops cleanly.

A serves the FHIR world; a fault-injecting proxy stands between A and the follower. The
reference is the same sync through a proxy that injects nothing.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ror.model import Offer
from ror.resources.store import ResourceStore
from tests.sync.proxy import FaultProxy
from tests.sync.world import ROR, Served, env_for, offers_in, ror, world, write_ndjson

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("a")
    ror(home, "index", str(write_ndjson(home / "w.ndjson", world())), "--rejects", str(home / "r"))
    with Served(home) as served:
        served.follower = served.token("follower", "--profile", "1")
        yield served


@pytest.fixture(scope="module")
def reference(source: Served, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Offer]:
    home = tmp_path_factory.mktemp("ref")
    _sync_clean(source, home)
    return offers_in(home)


def _sync(source: Served, url: str) -> list[str]:
    """The follower's sync of A's FHIR API at ``url`` (a proxy), two resources a page."""
    return ["sync", url + "/fhir", "--name", "A", "--page-size", "2", "--token", source.follower]


def _sync_clean(source: Served, home: Path) -> None:
    """The same sync through a proxy that injects nothing."""
    with FaultProxy(source.url, lambda n, p: None) as clean:
        ror(home, *_sync(source, clean.url))


def _without_source(offers: dict[str, Offer]) -> dict[str, tuple[object, ...]]:
    """Offers compared by what they say (the kept source Bundle names the proxy it came by)."""
    return {
        k: (o.name, o.place, o.establishment, o.capacities, o.location_ids)
        for k, o in offers.items()
    }


def test_killed_mid_way_then_rerun_converges(
    source: Served, reference: dict[str, Offer], tmp_path: Path
) -> None:
    with FaultProxy(source.url, lambda n, p: None) as proxy:
        proxy.hold_after = 7  # metadata, Organizations (2 pages), Locations (3), services (1)
        proxy.hold.set()
        run = subprocess.Popen(
            [*ROR, *_sync(source, proxy.url)],
            env=env_for(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while proxy.requests <= proxy.hold_after and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        partial = offers_in(tmp_path)
        assert 0 < len(partial) < len(reference)
        listed = ror(tmp_path, "sources").stdout
        assert "interrupted" in listed
        proxy.hold.clear()
        proxy.release.set()
        rerun = ror(tmp_path, *_sync(source, proxy.url))
    assert "resuming" in rerun.stderr
    assert _without_source(offers_in(tmp_path)) == _without_source(reference)


def test_429_and_503_are_retried_and_the_sync_converges(
    source: Served, reference: dict[str, Offer], tmp_path: Path
) -> None:
    def flaky(number: int, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if number % 3 == 1 and number > 1:
            return 429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"
        if number % 3 == 2 and number > 2:
            return 503, {"Content-Type": "text/html"}, b"<html>maintenance</html>"
        return None

    with FaultProxy(source.url, flaky) as proxy:
        started = time.monotonic()
        done = ror(tmp_path, *_sync(source, proxy.url))
        waited = time.monotonic() - started
    retries = int(done.stdout.split(" retries")[0].rsplit(" ", 1)[1])
    assert retries >= 4, done.stdout
    assert waited >= 1.0  # Retry-After honoured
    assert _without_source(offers_in(tmp_path)) == _without_source(reference)


def test_garbage_is_a_clear_error_and_changes_nothing(
    source: Served, reference: dict[str, Offer], tmp_path: Path
) -> None:
    _sync_clean(source, tmp_path)
    before = offers_in(tmp_path)
    store = ResourceStore(tmp_path / "ror.resources.sqlite")
    stored = store.count()

    def garbage(number: int, path: str) -> tuple[int, dict[str, str], bytes] | None:
        if path.startswith("/fhir/metadata"):
            return None
        return 200, {"Content-Type": "text/html"}, b"<html><body>Bienvenue</body></html>"

    with FaultProxy(source.url, garbage) as proxy:
        failed = ror(
            tmp_path,
            "sync",
            proxy.url + "/fhir",
            "--name",
            "A",
            "--token",
            source.follower,
            check=False,
        )
    assert failed.returncode == 1
    assert "not FHIR JSON" in failed.stderr and "text/html" in failed.stderr
    assert offers_in(tmp_path) == before
    assert store.count() == stored
    store.close()
    listed = ror(tmp_path, "sources").stdout
    assert "last error" in listed and "not FHIR JSON" in listed


@pytest.mark.parametrize(("status", "needle"), [(401, "401 Unauthorized"), (403, "403 Forbidden")])
def test_refused_access_says_what_to_check(
    source: Served, tmp_path: Path, status: int, needle: str
) -> None:
    def refuse(number: int, path: str) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, b'{"error": "no"}'

    with FaultProxy(source.url, refuse) as proxy:
        failed = ror(tmp_path, "sync", proxy.url + "/fhir", "--token", "x", check=False)
    assert failed.returncode == 1
    assert needle in failed.stderr


def test_a_server_that_is_not_fhir(tmp_path: Path, source: Served) -> None:
    failed = ror(tmp_path, "sync", source.url + "/v1", check=False)
    assert failed.returncode == 1
    assert "FHIR" in failed.stderr
