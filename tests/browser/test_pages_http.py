"""The pages and their files over HTTP (no browser): served from our origin only, under the
Content-Security-Policy, with the vendored map library and its licence; the shapes endpoint."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import httpx
import pytest

from ror.api.routes.pages import STATIC
from tests.browser.browser_support import Live


class Assets(HTMLParser):
    """Every URL a page loads, and whatever would need an inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not values.get("src"):
                self.inline.append("script without src")
        if tag == "style":
            self.inline.append("<style>")
        if "style" in values:
            self.inline.append(f"style attribute on <{tag}>")
        self.inline.extend(f"{name} handler" for name in values if name.startswith("on"))
        for name in ("src", "href"):
            url = values.get(name)
            if url and (tag in ("script", "link", "img") or name == "src"):
                self.urls.append(url)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("inline script text")


@pytest.fixture()
def http(server: Live) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


@pytest.mark.parametrize(
    "path", ["/", "/availability", "/offres/syn-hs-0000001", "/etablissements/311069751"]
)
def test_pages_load_only_files_of_our_origin(http: httpx.Client, path: str) -> None:
    page = http.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-cache"
    assets = Assets()
    assets.feed(page.text)
    assert assets.inline == []
    assert assets.urls and all(url.startswith("/static/") for url in assets.urls)
    for url in assets.urls:
        answer = http.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == "no-cache"
        if url.endswith(".js"):
            assert answer.headers["content-type"].startswith("text/javascript")


def test_every_module_import_resolves(http: httpx.Client) -> None:
    for module in sorted((STATIC / "js").glob("*.js")):
        text = module.read_text(encoding="utf-8")
        assert "innerHTML" not in text, module.name  # text nodes only: nothing is parsed
        for target in re.findall(r'from "(\./[^"]+)"', text):
            assert (module.parent / target).is_file(), f"{module.name} imports {target}"
            assert http.get(f"/static/js/{target[2:]}").status_code == 200


def test_the_map_library_is_vendored_with_its_licence(http: httpx.Client) -> None:
    licence = http.get("/static/vendor/leaflet/LICENSE")
    assert licence.status_code == 200 and "BSD 2-Clause License" in licence.text
    note = http.get("/static/vendor/leaflet/VENDOR.md").text
    lock = json.loads((STATIC.parents[2] / "ui" / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/leaflet"]["version"]
    assert f"Leaflet {version}" in note
    script = http.get("/static/vendor/leaflet/leaflet.js").text
    assert f"Leaflet {version}," in script[:200]


def test_shapes_gzipped_cached_and_revalidated(http: httpx.Client) -> None:
    raw = httpx.get(
        f"{http.base_url}/v1/geo/shapes",
        params={"level": "region", "layout": "insets"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/geo+json"
    assert raw.headers["content-encoding"] == "gzip"
    assert "max-age=86400" in raw.headers["cache-control"]
    collection = raw.json()  # httpx undoes the gzip encoding
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 18
    assert len(collection["insets"]) == 5
    again = http.get(
        "/v1/geo/shapes",
        params={"level": "region", "layout": "insets"},
        headers={"If-None-Match": raw.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    plain = httpx.get(f"{http.base_url}/v1/geo/shapes", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.json()["features"]) == 101  # départements by default


@pytest.mark.parametrize(
    ("query", "field"),
    [({"level": "commune"}, "level"), ({"layout": "lambert"}, "layout"), ({"lvl": "x"}, "lvl")],
)
def test_shapes_bad_parameters_name_the_field(
    http: httpx.Client, query: dict[str, str], field: str
) -> None:
    answer = http.get("/v1/geo/shapes", params=query)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_the_pages_are_in_the_openapi_document(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert paths["/"]["get"]["tags"] == ["pages"]
    assert paths["/availability"]["get"]["tags"] == ["pages"]
    assert paths["/v1/geo/shapes"]["get"]["tags"] == ["reference"]


def test_commune_outlines_by_departement(http: httpx.Client) -> None:
    raw = httpx.get(
        f"{http.base_url}/v1/geo/communes",
        params={"departement": "2a"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert raw.status_code == 200 and raw.headers["content-encoding"] == "gzip"
    assert raw.headers["content-type"] == "application/geo+json"
    assert raw.num_bytes_downloaded < 100_000  # gzipped: small enough for a phone
    collection = raw.json()
    assert collection["departement"] == "2A"
    assert "2A004" in {f["properties"]["code"] for f in collection["features"]}  # Ajaccio
    again = http.get(
        "/v1/geo/communes",
        params={"departement": "2A"},
        headers={"If-None-Match": raw.headers["etag"]},
    )
    assert again.status_code == 304
    unknown = http.get("/v1/geo/communes", params={"departement": "99"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "departement"
    missing = http.get("/v1/geo/communes")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "departement"
