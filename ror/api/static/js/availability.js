// The availability overview ("/availability"): beds or places by région or département for an
// activity or offer type, on a map coloured by available beds and in a table with totals and
// the freshness of the figures. Reads GET /v1/availability/overview, which needs a token
// entitled to capacities; the token lives in this tab's sessionStorage, never in the URL.

import { AccessPanel, focusHeading } from "./access.js";
import { ApiError, apiGet, isAbort, token } from "./api.js";
import { FRESHNESS, downloadCsv, freshnessCell, occupancy, occupancyText, slug } from "./figures.js";
import { clear, el, formatDateTime, formatInt, plural } from "./format.js";
import { L, createMap, fitTo, loadShapes } from "./maps.js";
import { WHAT_FIELDS as FIELDS, WhatBox } from "./what.js";

const CLASSES = 5; // colour classes of the map, light to dark
const LEVEL_NAMES = { region: "région", departement: "département" };

const viewForm = document.getElementById("view");
const groupBy = document.getElementById("group_by");
const bedNature = document.getElementById("bed_nature");
const colour = document.getElementById("colour");
const OCCUPANCY = "occupation";
// Upper bounds (%) of the occupancy classes: the same scale for every territory and filter.
const OCCUPANCY_BREAKS = [49, 69, 84, 94, 100];
const quoiInput = document.getElementById("quoi");
const statusBox = document.getElementById("status");
const overview = document.getElementById("overview");
const mapElement = document.getElementById("map");
const legend = document.getElementById("legend");
const totalsList = document.getElementById("totals");
const generated = document.getElementById("generated");
const caption = document.getElementById("areas-caption");
const tbody = document.querySelector("#areas tbody");
const tfoot = document.querySelector("#areas tfoot");

let controller = null;
let map = null;
let areasLayer = null;
let insetsLayer = null;

// --- access ----------------------------------------------------------------------------------

const access = new AccessPanel(({ entered }) =>
  load(currentParams()).then(() => {
    if (entered && token()) focusHeading("table-title"); // the form is gone: focus what it opened
  }),
);

// --- the view form and the URL ---------------------------------------------------------------

const whatBox = new WhatBox(quoiInput);

viewForm.addEventListener("submit", (event) => {
  event.preventDefault();
  navigate(paramsFromForm());
});
for (const select of viewForm.querySelectorAll("[data-filter]")) {
  select.addEventListener("change", () => navigate(paramsFromForm()));
}

function currentParams() {
  return new URLSearchParams(location.search);
}

function paramsFromForm() {
  const current = currentParams();
  const next = new URLSearchParams({ group_by: groupBy.value, bed_nature: bedNature.value });
  if (colour.value === OCCUPANCY) next.set("couleur", OCCUPANCY);
  if (current.has("champ")) next.set("champ", current.get("champ")); // e.g. 04 for profile 3
  if (!whatBox.copy(current, next)) {
    say("Choisissez une activité ou un type d'offre dans la liste proposée.", true);
    return null;
  }
  return next;
}

function navigate(params) {
  if (!params) return;
  const url = `/availability?${params}`;
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  load(params);
}

function fillForm(params) {
  groupBy.value = params.get("group_by") === "departement" ? "departement" : "region";
  bedNature.value = params.get("bed_nature") === "02" ? "02" : "01";
  colour.value = params.get("couleur") === OCCUPANCY ? OCCUPANCY : "disponibles";
  whatBox.fill(params);
}

function say(message, isError = false) {
  statusBox.textContent = message;
  statusBox.classList.toggle("error", isError);
}

// --- loading ---------------------------------------------------------------------------------

async function load(params) {
  fillForm(params);
  const level = groupBy.value;
  const query = new URLSearchParams({ group_by: level, bed_nature: bedNature.value });
  for (const field of [...FIELDS, "champ"]) if (params.has(field)) query.set(field, params.get(field));
  if (controller) controller.abort();
  controller = new AbortController();
  say("Chargement…");
  try {
    const [answer, shapes] = await Promise.all([
      apiGet("/v1/availability/overview", query, { signal: controller.signal }),
      loadShapes(level, "insets"),
    ]);
    access.granted();
    render(answer, shapes, params);
  } catch (error) {
    if (isAbort(error)) return;
    overview.hidden = true;
    const refused = access.refused(error);
    if (refused) {
      say(refused, true);
    } else if (error instanceof ApiError && error.status === 404 && !error.field) {
      say("La vue d'ensemble des capacités n'est pas disponible sur ce serveur.", true);
    } else {
      say(error.message, true);
    }
  }
}

// --- rendering -------------------------------------------------------------------------------

function render(answer, shapes, params) {
  overview.hidden = false;
  const level = answer.group_by;
  const unit = bedNature.value === "02" ? ["place", "places"] : ["lit", "lits"];
  const what = params.get("quoi") || "toutes activités";
  const areas = new Map(answer.areas.map((area) => [area.code, area]));
  const byOccupancy = params.get("couleur") === OCCUPANCY;
  const valueOf = byOccupancy ? occupancy : (area) => (area.units > 0 ? area.available : null);
  const breaks = byOccupancy
    ? OCCUPANCY_BREAKS
    : classBreaks(answer.areas.filter((a) => a.units > 0).map((a) => a.available));
  const names = new Map(shapes.features.map((f) => [f.properties.code, f.properties]));

  const capitalised = unit[1][0].toUpperCase() + unit[1].slice(1);
  caption.textContent = `${capitalised} par ${LEVEL_NAMES[level]} — ${what}`;
  generated.textContent = answer.generated_at ? `Chiffres au ${formatDateTime(answer.generated_at)}.` : "";
  say(
    `${plural(answer.totals.available, [`${unit[0]} disponible`, `${unit[1]} disponibles`])} ` +
      `sur ${plural(answer.totals.installed, [`${unit[0]} installé`, `${unit[1]} installés`])} ` +
      `(${what}, ${plural(answer.areas.length, [LEVEL_NAMES[level], `${LEVEL_NAMES[level]}s`])}).`,
  );
  renderTotals(answer.totals, unit);
  renderTable(answer, names, params);
  if (byOccupancy) renderOccupancyLegend();
  else renderLegend(breaks, unit);
  lastShown = { answer, names, what, unit };
  renderFreshnessLegend(answer.totals.freshness);
  renderMap(shapes, areas, breaks, unit, valueOf);
}

// Upper bounds of CLASSES colour classes (quantiles of the values, rounded, increasing).
function classBreaks(values) {
  if (!values.length) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const bounds = [];
  for (let i = 1; i <= CLASSES; i += 1) {
    const value = sorted[Math.min(sorted.length - 1, Math.ceil((i / CLASSES) * sorted.length) - 1)];
    if (!bounds.length || value > bounds[bounds.length - 1]) bounds.push(value);
  }
  return bounds;
}

function classOf(value, breaks) {
  const index = breaks.findIndex((bound) => value <= bound);
  return index < 0 ? breaks.length - 1 : index;
}

function renderTotals(totals, unit) {
  clear(totalsList);
  const items = [
    ["Disponibles", totals.available],
    ["Installés", totals.installed],
    ["Occupés", totals.occupied],
    ["Fermés", totals.closed],
    ["Unités", totals.units],
  ];
  for (const [label, value] of items) {
    totalsList.append(el("li", {}, el("strong", {}, formatInt(value)), label === "Unités" ? "unités" : `${unit[1]} ${label.toLowerCase()}`));
  }
}

function renderTable(answer, names, params) {
  clear(tbody);
  clear(tfoot);
  const nameOf = (area) => area.name || names.get(area.code)?.name || area.code;
  const rows = [...answer.areas].sort((a, b) => nameOf(a).localeCompare(nameOf(b), "fr"));
  for (const area of rows) {
    const name = nameOf(area);
    tbody.append(
      el(
        "tr",
        { id: `area-${area.code}`, "data-code": area.code },
        el("th", { scope: "row" }, `${name} (${area.code})`),
        ...numbers(area),
        el(
          "td",
          {},
          area.units > 0
            ? el("a", { href: unitsLink(answer.group_by, area.code, params), "aria-label": `${plural(area.units, ["unité", "unités"])} : ${name}` }, formatInt(area.units))
            : formatInt(area.units),
        ),
        el("td", {}, occupancyText(area)),
        el("td", {}, freshnessCell(area.freshness)),
      ),
    );
  }
  tfoot.append(
    el(
      "tr",
      {},
      el("th", { scope: "row" }, "Total"),
      ...numbers(answer.totals),
      el("td", {}, formatInt(answer.totals.units)),
      el("td", {}, occupancyText(answer.totals)),
      el("td", {}, freshnessCell(answer.totals.freshness)),
    ),
  );
}

function numbers(row) {
  return ["available", "installed", "occupied", "closed", "extra"].map((name) =>
    el("td", {}, formatInt(row[name])),
  );
}

// The territory's page: its establishments and units, with the same activity and capacity.
function unitsLink(level, code, params) {
  const link = new URLSearchParams();
  for (const name of ["quoi", ...FIELDS, "champ", "bed_nature"]) if (params.has(name)) link.set(name, params.get(name));
  const query = link.toString();
  return `/availability/${level}/${encodeURIComponent(code)}${query ? `?${query}` : ""}`;
}

function renderOccupancyLegend() {
  clear(legend);
  let low = 0;
  OCCUPANCY_BREAKS.forEach((bound, i) => {
    const text = i === 0 ? `moins de ${bound + 1} %` : i === OCCUPANCY_BREAKS.length - 1 ? `${low} % et plus` : `${low} à ${bound} %`;
    legend.append(el("li", {}, el("span", { class: `swatch c${i}` }), `occupation ${text}`));
    low = bound + 1;
  });
  legend.append(el("li", {}, el("span", { class: "swatch cnone" }), "aucun lit installé"));
}

// --- CSV export ------------------------------------------------------------------------------

let lastShown = null; // {answer, names, what, unit}: the table on screen

document.getElementById("export").addEventListener("click", () => {
  if (!lastShown) return;
  const { answer, names, what } = lastShown;
  const level = answer.group_by;
  const header = [
    "code",
    LEVEL_NAMES[level],
    "disponibles",
    "installés",
    "occupés",
    "fermés",
    "supplémentaires",
    "unités",
    "occupation (%)",
    ...FRESHNESS.map(([, label]) => `mis à jour ${label}`),
  ];
  const row = (code, name, f) => [
    code,
    name,
    f.available,
    f.installed,
    f.occupied,
    f.closed,
    f.extra,
    f.units,
    occupancy(f) ?? "",
    ...FRESHNESS.map(([key]) => f.freshness[key] || 0),
  ];
  const lines = [
    header,
    ...answer.areas.map((a) => row(a.code, a.name || names.get(a.code)?.name || a.code, a)),
    row("", "Total", answer.totals),
  ];
  const day = (answer.generated_at || new Date().toISOString()).slice(0, 10);
  downloadCsv(lines, `disponibilites-${level}s-${slug(what)}-${day}.csv`);
});

function renderLegend(breaks, unit) {
  clear(legend);
  let low = 0;
  breaks.forEach((bound, i) => {
    const text =
      bound === low
        ? plural(bound, [`${unit[0]} disponible`, `${unit[1]} disponibles`])
        : `${formatInt(low)} à ${formatInt(bound)} ${unit[1]} disponibles`;
    legend.append(el("li", {}, el("span", { class: `swatch c${colourIndex(i, breaks)}` }), text));
    low = bound + 1;
  });
  legend.append(el("li", {}, el("span", { class: "swatch cnone" }), "aucune unité"));
}

function colourIndex(index, breaks) {
  // Spread fewer classes over the whole light-to-dark scale.
  return breaks.length <= 1 ? CLASSES - 1 : Math.round((index * (CLASSES - 1)) / (breaks.length - 1));
}

function renderFreshnessLegend(freshness) {
  const box = document.getElementById("freshness-legend");
  clear(box);
  const total = FRESHNESS.reduce((sum, [key]) => sum + (freshness[key] || 0), 0);
  FRESHNESS.forEach(([key, label], i) => {
    const count = freshness[key] || 0;
    const share = total ? Math.round((100 * count) / total) : 0;
    box.append(el("li", {}, el("span", { class: `swatch f${i}` }), `${label} : ${formatInt(count)} (${share} %)`));
  });
}

function renderMap(shapes, areas, breaks, unit, valueOf) {
  if (!map) {
    map = createMap(mapElement, { label: "Carte des capacités disponibles ; le tableau donne les mêmes chiffres", minZoom: 3, maxZoom: 10 });
  }
  if (areasLayer) areasLayer.remove();
  if (insetsLayer) insetsLayer.remove();
  areasLayer = L.geoJSON(shapes, {
    style: (feature) => {
      const area = areas.get(feature.properties.code);
      const value = area ? valueOf(area) : null;
      const colour = value !== null ? `c${colourIndex(classOf(value, breaks), breaks)}` : "cnone";
      return { className: `choropleth fill-${colour}` }; // colours in pages.css, as the legend's
    },
    onEachFeature: (feature, layer) => {
      const area = areas.get(feature.properties.code);
      const text = area
        ? `${feature.properties.name} : ${plural(area.available, [`${unit[0]} disponible`, `${unit[1]} disponibles`])} sur ${formatInt(area.installed)}${occupancy(area) !== null ? `, occupation ${occupancy(area)} %` : ""}`
        : `${feature.properties.name} : aucune unité`;
      layer.bindTooltip(text, { sticky: true });
      layer.on("click", () => highlight(feature.properties.code));
      // The table holds the same figures: no area is a tab stop (a tooltip's focus listeners
      // make Chromium stop on each SVG path, 101 of them before the table).
      layer.on("add", () => layer.getElement()?.setAttribute("tabindex", "-1"));
    },
  }).addTo(map);
  insetsLayer = L.layerGroup(
    shapes.insets.map((inset) => {
      const [west, south, east, north] = inset.bbox;
      return L.rectangle([[south, west], [north, east]], { className: "inset-frame", interactive: false })
        .bindTooltip(inset.name, { permanent: true, direction: "bottom", className: "inset-label", offset: [0, 0] });
    }),
  ).addTo(map);
  fitTo(map, areasLayer.getBounds(), { padding: [8, 8] });
}

function highlight(code) {
  for (const row of tbody.querySelectorAll("tr.active")) row.classList.remove("active");
  const row = document.getElementById(`area-${code}`);
  if (!row) return;
  row.classList.add("active");
  row.scrollIntoView({ block: "nearest" });
}

// --- start -----------------------------------------------------------------------------------

window.addEventListener("popstate", () => load(currentParams()));
load(currentParams());
