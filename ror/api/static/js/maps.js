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
