// Leaflet maps drawn from our own shapes (GET /v1/geo/shapes): no tile server, no CDN.
// Leaflet is the vendored classic script (window.L), loaded before the page modules.

import { apiGet } from "./api.js";

export const L = window.L;

const SHAPES_ATTRIBUTION =
  'Contours : <a href="https://geoservices.ign.fr/adminexpress">IGN</a>, INSEE, ' +
  '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence Ouverte 2.0</a>';

const shapesCache = new Map();

// The areas of `level` ("departement" or "region") as GeoJSON, fetched once per page.
export function loadShapes(level, layout = "geographic") {
  const key = `${level}/${layout}`;
  if (!shapesCache.has(key)) {
    const request = apiGet("/v1/geo/shapes", { level, layout });
    request.catch(() => shapesCache.delete(key)); // a failed load is retried next time
    shapesCache.set(key, request);
  }
  return shapesCache.get(key);
}

// A map in `element` with French controls; `label` names it for screen readers.
export function createMap(element, { label, minZoom = 2, maxZoom = 15 } = {}) {
  const map = L.map(element, {
    zoomControl: false,
    minZoom,
    maxZoom,
    zoomSnap: 0.25,
    attributionControl: true,
  });
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.attributionControl.addAttribution(SHAPES_ATTRIBUTION);
  element.setAttribute("role", "region");
  element.setAttribute("aria-label", label);
  let refit = 0;
  new ResizeObserver(() => {
    clearTimeout(refit);
    refit = setTimeout(() => {
      map.invalidateSize();
      if (fits.has(map)) map.fitBounds(...fits.get(map));
    }, 100);
  }).observe(element);
  map.on("popupopen", (event) => {
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", "Fermer");
      close.setAttribute("title", "Fermer");
    }
  });
  return map;
}

const fits = new WeakMap(); // map -> the fitBounds arguments to keep when its size changes

// Show `bounds` and keep showing them when the map's box changes size (phone rotated…).
export function fitTo(map, bounds, options) {
  fits.set(map, [bounds, options]);
  map.fitBounds(bounds, options);
}

// Give a marker an accessible name (Leaflet only sets `title` on icon images).
export function labelMarker(marker, label) {
  const element = marker.getElement();
  if (element) element.setAttribute("aria-label", label);
}

const communesCache = new Map(); // département code -> promise of its communes (GeoJSON)

function loadCommunes(departement) {
  if (!communesCache.has(departement)) {
    const request = apiGet("/v1/geo/communes", { departement });
    request.catch(() => communesCache.delete(departement));
    communesCache.set(departement, request);
  }
  return communesCache.get(departement);
}

const NAMES_SHOWN = 150; // at most this many commune names at once: a readable map

// Commune outlines from `minZoom` and their names from `labelZoom`, for the départements in
// view (GET /v1/geo/communes): a city-zoom map is never blank. Names are decoration for the
// eye (aria-hidden): the page says the same in words.
export function showCommunes(map, { minZoom = 10, labelZoom = 12 } = {}) {
  map.createPane("commune-names").style.zIndex = 450; // over the outlines, under the markers
  const outlines = new Map(); // département -> its outlines layer, drawn once
  const names = L.layerGroup().addTo(map);
  const boxes = loadShapes("departement").then((shapes) =>
    shapes.features.map((f) => ({ code: f.properties.code, bounds: L.geoJSON(f).getBounds() })),
  );
  let version = 0;
  async function refresh() {
    const mine = (version += 1);
    const zoom = map.getZoom();
    names.clearLayers();
    if (zoom < minZoom) {
      for (const layer of outlines.values()) layer.remove();
      return;
    }
    const view = map.getBounds();
    const codes = (await boxes).filter((d) => d.bounds.intersects(view)).map((d) => d.code);
    const collections = await Promise.all(codes.map((code) => loadCommunes(code).catch(() => null)));
    if (mine !== version) return; // the map moved on meanwhile
    codes.forEach((code, i) => {
      if (!collections[i]) return;
      if (!outlines.has(code)) {
        outlines.set(code, L.geoJSON(collections[i], { interactive: false, className: "commune" }));
      }
      outlines.get(code).addTo(map);
    });
    if (zoom < labelZoom) return;
    const shown = collections
      .filter(Boolean)
      .flatMap((c) => c.features)
      .filter((f) => view.contains(f.properties.label))
      .slice(0, NAMES_SHOWN);
    for (const feature of shown) {
      const icon = L.divIcon({ className: "commune-name", html: "", iconSize: null });
      const marker = L.marker(feature.properties.label, {
        icon,
        interactive: false,
        keyboard: false,
        pane: "commune-names",
      });
      marker.on("add", () => {
        const element = marker.getElement();
        element.textContent = feature.properties.name;
        element.setAttribute("aria-hidden", "true");
      });
      marker.addTo(names);
    }
  }
  map.on("moveend", refresh);
  map.whenReady(refresh); // once the map has a view
}
