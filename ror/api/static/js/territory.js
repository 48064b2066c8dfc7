// A territory's availability ("/availability/departement/31", "/availability/region/76"):
// its establishments and units with their counts and freshness (GET /v1/availability/units),
// the trend of the territory (GET /v1/availability/trend) as charts and a table, and for a
// région its départements (GET /v1/availability/overview). Filters (activity, capacity,
// temporality, assignment, gender, freshness, trend window) live in the URL; the token in the
// tab's sessionStorage only.

import { AccessPanel, focusHeading } from "./access.js";
import { ApiError, apiGet, isAbort, token } from "./api.js";
import { lineChart } from "./chart.js";
import { FRESHNESS, downloadCsv, freshnessCell, occupancy, occupancyText, slug } from "./figures.js";
import { clear, el, formatDateTime, formatInt, plural, timeAgo } from "./format.js";
import { WHAT_FIELDS, WhatBox } from "./what.js";

const LEVELS = { region: "région", departement: "département" };
const CHECKS = ["assignment", "gender", "freshness"];
const SELECTS = ["bed_nature", "temporality", "days"];
const DEFAULTS = { bed_nature: "01", temporality: "01", days: "2" };
const TEMPORALITY = {
  "01": "maintenant",
  "02": "prévision à 1 h",
  "03": "prévision à 24 h",
  "04": "prévision à 48 h",
  "05": "prévision à 7 jours",
};
const METRICS = ["available", "installed", "occupied", "closed", "extra"];

const [, , level, code] = location.pathname.split("/").map(decodeURIComponent);
const form = document.getElementById("view");
const statusBox = document.getElementById("status");
const results = document.getElementById("resultats");
const whatBox = new WhatBox(document.getElementById("quoi"));
const access = new AccessPanel(({ entered }) =>
  load(currentParams()).then(() => {
    if (entered && token()) focusHeading("units-title");
  }),
);

// On a phone the filters start closed, above the figures.
document.getElementById("filters-panel").open = matchMedia("(min-width: 48rem)").matches;

let controller = null;
let lastTrend = null; // {query, token, answer}: the trend shown
let shown = null; // {units, params}: what the CSV export writes
let loads = 0; // finished loads (the browser tests wait on it)

// --- the form and the URL --------------------------------------------------------------------

function currentParams() {
  return new URLSearchParams(location.search);
}

function paramsFromForm() {
  const current = currentParams();
  const next = new URLSearchParams();
  if (!whatBox.copy(current, next)) {
    say("Choisissez une activité ou un type d'offre dans la liste proposée.", true);
    return null;
  }
  if (current.has("champ")) next.set("champ", current.get("champ"));
  for (const name of SELECTS) {
    const value = document.getElementById(name).value;
    if (value !== DEFAULTS[name]) next.set(name, value);
  }
  for (const name of CHECKS) {
    const values = [...form.querySelectorAll(`[data-name=${name}] input:checked`)].map((box) => box.value);
    if (values.length) next.set(name, values.join(","));
  }
  return next;
}

function fillForm(params) {
  whatBox.fill(params);
  for (const name of SELECTS) {
    const select = document.getElementById(name);
    const wanted = params.get(name) || DEFAULTS[name];
    select.value = [...select.options].some((o) => o.value === wanted) ? wanted : DEFAULTS[name];
  }
  for (const name of CHECKS) {
    const values = (params.get(name) || "").split(",");
    for (const box of form.querySelectorAll(`[data-name=${name}] input`)) box.checked = values.includes(box.value);
  }
}

function navigate(params) {
  if (!params) return;
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ""}`;
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  load(params);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  navigate(paramsFromForm());
});
for (const input of form.querySelectorAll("[data-filter]")) {
  input.addEventListener("change", () => navigate(paramsFromForm()));
}
window.addEventListener("popstate", () => load(currentParams()));

function say(message, isError = false) {
  statusBox.textContent = message;
  statusBox.classList.toggle("error", isError);
}

// --- loading ---------------------------------------------------------------------------------

function apiQuery(params, names) {
  const query = new URLSearchParams({ group_by: level, area: code });
  for (const name of names) if (params.get(name)) query.set(name, params.get(name));
  return query;
}

async function load(params) {
  fillForm(params);
  if (!(level in LEVELS) || !code) {
    say("Territoire inconnu : l'adresse doit être /availability/departement/CODE ou /availability/region/CODE.", true);
    return;
  }
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const filters = [...WHAT_FIELDS, "champ", "bed_nature", "temporality", "assignment", "gender"];
  const narrowed = WHAT_FIELDS.some((name) => params.has(name));
  const wantUnits = level === "departement" || narrowed;
  say("Chargement…");
  const unitsCall = wantUnits
    ? apiGet("/v1/availability/units", apiQuery(params, [...filters, "freshness"]), { signal })
    : null;
  const trendQuery = apiQuery(params, [...filters, "days"]).toString();
  // The trend does not depend on the freshness filter: the same question is not asked again.
  const trendCall =
    lastTrend && lastTrend.query === trendQuery && token() === lastTrend.token
      ? Promise.resolve(lastTrend.answer)
      : apiGet("/v1/availability/trend", trendQuery, { signal }).catch((error) => error);
  const partsQuery = new URLSearchParams({ group_by: "departement" });
  for (const name of [...WHAT_FIELDS, "champ", "bed_nature"]) if (params.get(name)) partsQuery.set(name, params.get(name));
  const partsCall = level === "region" ? apiGet("/v1/availability/overview", partsQuery, { signal }) : null;
  try {
    const [units, parts] = await Promise.all([unitsCall, partsCall]);
    access.granted();
    if (units) render(params, units, parts, null); // the list first, the trend when it comes
    const trend = await trendCall;
    if (isAbort(trend)) return;
    lastTrend = trend instanceof Error ? null : { query: trendQuery, token: token(), answer: trend };
    if (!units) render(params, units, parts, trend); // a région: its name comes with the trend
    renderTrend(trend, unitWords(params), params);
  } catch (error) {
    if (isAbort(error)) return;
    results.hidden = true;
    const refused = access.refused(error);
    say(refused || error.message, true);
  } finally {
    loads += 1;
    document.body.dataset.loads = String(loads);
  }
}

// --- rendering -------------------------------------------------------------------------------

function unitWords(params) {
  return params.get("bed_nature") === "02" ? ["place", "places"] : ["lit", "lits"];
}

function render(params, units, parts, trend) {
  const area = (units || (trend instanceof Error ? null : trend))?.area || { code, name: code, within: null, parts: [] };
  const what = params.get("quoi") || "toutes activités";
  const words = unitWords(params);
  const when = TEMPORALITY[params.get("temporality") || "01"];
  const name = `${area.name || area.code} (${area.code})`;
  document.title = `${name} : ${words[1]} disponibles, ${what} — ror`;
  document.getElementById("title").textContent = `${name} : ${words[1]} disponibles, ${what}`;
  renderCrumbs(area, params);
  results.hidden = false;
  const totals = units ? units.totals : parts ? sumParts(parts, area) : null;
  if (totals) {
    const counted = units
      ? ` dans ${plural(totals.units, ["unité", "unités"])} de ${plural(units.establishments.length, ["établissement", "établissements"])}`
      : ` dans ${plural(totals.units, ["unité", "unités"])}`;
    say(
      `${plural(totals.available, [`${words[0]} disponible`, `${words[1]} disponibles`])} (${when}) sur ` +
        `${plural(totals.installed, [`${words[0]} installé`, `${words[1]} installés`])}${counted}.`,
    );
    renderTotals(totals, words);
  }
  document.getElementById("generated").textContent = units ? `Chiffres au ${formatDateTime(units.generated_at)}.` : "";
  renderParts(parts, area, params);
  renderUnits(units, words);
  shown = units ? { units, what } : null;
}

function renderCrumbs(area, params) {
  const list = document.getElementById("crumbs");
  const back = new URLSearchParams({ group_by: level });
  for (const name of ["quoi", ...WHAT_FIELDS, "champ", "bed_nature"]) if (params.get(name)) back.set(name, params.get(name));
  const keep = territoryQuery();
  const items = [el("li", {}, el("a", { href: `/availability?${back}` }, "Vue nationale"))];
  if (area.within) {
    items.push(el("li", {}, el("a", { href: `/availability/region/${area.within.code}${keep}` }, area.within.name)));
  }
  items.push(el("li", {}, el("a", { href: location.pathname + location.search, "aria-current": "page" }, area.name || area.code)));
  list.replaceChildren(...items);
}

// The filters of this page, for a link to another territory.
function territoryQuery() {
  const query = currentParams();
  return query.toString() ? `?${query}` : "";
}

function renderTotals(totals, words) {
  const list = clear(document.getElementById("totals"));
  const items = [
    ["Disponibles", totals.available],
    ["Installés", totals.installed],
    ["Occupés", totals.occupied],
    ["Fermés", totals.closed],
  ];
  for (const [label, value] of items) list.append(el("li", {}, el("strong", {}, formatInt(value)), `${words[1]} ${label.toLowerCase()}`));
  list.append(el("li", {}, el("strong", {}, occupancyText(totals)), "occupation"));
  list.append(el("li", {}, el("strong", {}, formatInt(totals.units)), "unités"));
}

function sumParts(parts, area) {
  const wanted = new Set(area.parts.map((p) => p.code));
  const total = { available: 0, installed: 0, occupied: 0, closed: 0, extra: 0, units: 0 };
  for (const row of parts.areas) if (wanted.has(row.code)) for (const key of Object.keys(total)) total[key] += row[key];
  return total;
}

function renderParts(parts, area, params) {
  const section = document.getElementById("parts");
  section.hidden = !parts;
  if (!parts) return;
  const tbody = clear(document.querySelector("#parts-table tbody"));
  const rows = new Map(parts.areas.map((row) => [row.code, row]));
  const keep = territoryQuery();
  document.getElementById("parts-caption").textContent =
    `Départements de ${area.name} : ${unitWords(params)[1]} courants, toutes affectations et fraîcheurs`;
  for (const part of area.parts) {
    const row = rows.get(part.code) || { available: 0, installed: 0, occupied: 0, units: 0, freshness: {} };
    tbody.append(
      el(
        "tr",
        {},
        el("th", { scope: "row" }, el("a", { href: `/availability/departement/${part.code}${keep}` }, `${part.name} (${part.code})`)),
        el("td", {}, formatInt(row.available)),
        el("td", {}, formatInt(row.installed)),
        el("td", {}, formatInt(row.occupied)),
        el("td", {}, formatInt(row.units)),
        el("td", {}, occupancyText(row)),
        el("td", {}, freshnessCell(row.freshness)),
      ),
    );
  }
}

const hourFormat = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

function renderTrend(trend, words, params) {
  const charts = clear(document.getElementById("charts"));
  const tbody = clear(document.querySelector("#trend-table tbody"));
  const note = document.getElementById("trend-status");
  const days = Number(params.get("days") || DEFAULTS.days);
  document.getElementById("trend-title").textContent = `Évolution sur ${plural(days, ["jour", "jours"])}`;
  document.getElementById("trend-details").hidden = trend instanceof Error;
  if (trend instanceof Error) {
    note.textContent = trend instanceof ApiError && trend.status === 400 ? trend.message : `Évolution indisponible : ${trend.message}`;
    return;
  }
  const last = trend.points[trend.points.length - 1];
  note.textContent =
    `Chaque compteur garde sa dernière valeur connue à chaque heure (historique des mises à jour : ` +
    `${plural(trend.history_entries, ["envoi lu", "envois lus"])}). ` +
    `${plural(last ? last.units : 0, ["unité renseignée", "unités renseignées"])} à la dernière heure.`;
  document.getElementById("trend-caption").textContent =
    `Évolution heure par heure, ${trend.step_hours === 1 ? "toutes les heures" : `toutes les ${trend.step_hours} heures`}`;
  const points = trend.points.map((p) => ({ ...p, at: new Date(p.at) }));
  const columns = charts.clientWidth >= 600 ? 2 : 1;
  const width = (charts.clientWidth - 16 * (columns - 1)) / columns;
  charts.append(
    el(
      "figure",
      {},
      lineChart({
        id: "chart-available",
        title: `${words[1][0].toUpperCase()}${words[1].slice(1)} disponibles`,
        points: points.map((p) => ({ at: p.at, value: p.units ? p.available : null })),
        width,
      }),
      el("figcaption", {}, `${words[1][0].toUpperCase()}${words[1].slice(1)} disponibles`),
    ),
    el(
      "figure",
      {},
      lineChart({
        id: "chart-occupancy",
        title: "Taux d'occupation (occupés sur installés)",
        points: points.map((p) => ({ at: p.at, value: occupancy(p) })),
        format: (v) => `${formatInt(v)} %`,
        maxValue: 100,
        width,
      }),
      el("figcaption", {}, "Taux d'occupation (occupés sur installés)"),
    ),
  );
  for (const p of [...points].reverse()) {
    tbody.append(
      el(
        "tr",
        {},
        el("th", { scope: "row" }, hourFormat.format(p.at)),
        el("td", {}, formatInt(p.available)),
        el("td", {}, formatInt(p.installed)),
        el("td", {}, formatInt(p.occupied)),
        el("td", {}, occupancyText(p)),
        el("td", {}, formatInt(p.units)),
      ),
    );
  }
}

function freshnessLabel(bucket) {
  return (FRESHNESS.find(([key]) => key === bucket) || [bucket, bucket])[1];
}

function renderUnits(units, words) {
  const section = document.getElementById("units");
  const table = document.getElementById("units-table");
  for (const body of table.querySelectorAll("tbody")) body.remove();
  const note = document.getElementById("units-status");
  document.getElementById("export").hidden = !units;
  if (!units) {
    note.textContent = "Choisissez un département, ou une activité, pour la liste des établissements et de leurs unités.";
    section.querySelector(".table-wrap").hidden = true;
    return;
  }
  section.querySelector(".table-wrap").hidden = !units.establishments.length;
  note.textContent = units.establishments.length
    ? `${plural(units.establishments.length, ["établissement", "établissements"])}, ${plural(units.totals.units, ["unité", "unités"])} ; les noms mènent aux fiches.`
    : "Aucune unité ne répond à ces filtres.";
  document.getElementById("units-caption").textContent = `Unités par établissement (${words[1]})`;
  for (const est of units.establishments) {
    const body = el("tbody", { class: "establishment" });
    const href = `/etablissements/${encodeURIComponent(est.finess || est.id)}`;
    body.append(
      el(
        "tr",
        { class: "est-row" },
        el("th", { scope: "rowgroup" }, el("a", { href }, est.name), el("span", { class: "est-city" }, ` — ${est.city}`)),
        ...METRICS.map((name) => el("td", {}, formatInt(est[name]))),
        el("td", {}, occupancyText(est)),
        el("td", {}, freshnessCell(est.freshness)),
      ),
    );
    for (const unit of est.locations) {
      const [first, ...others] = unit.offers;
      body.append(
        el(
          "tr",
          {},
          el(
            "th",
            { scope: "row", class: "unit-name" },
            el("a", { href: `/offres/${encodeURIComponent(first.id)}` }, first.name),
            others.length ? el("span", { class: "help" }, ` (+ ${plural(others.length, ["autre offre", "autres offres"])})`) : null,
          ),
          ...METRICS.map((name) => el("td", {}, formatInt(unit[name]))),
          el("td", {}, occupancyText(unit)),
          el(
            "td",
            { class: `fresh-${unit.freshness}` },
            el("time", { datetime: unit.updated_at, title: formatDateTime(unit.updated_at) }, timeAgo(unit.updated_at)),
            el("span", { class: "visually-hidden" }, ` (${freshnessLabel(unit.freshness)})`),
          ),
        ),
      );
    }
    table.append(body);
  }
}

// --- CSV export ------------------------------------------------------------------------------

document.getElementById("export").addEventListener("click", () => {
  if (!shown) return;
  const { units, what } = shown;
  const header = ["FINESS", "établissement", "commune", "unité (Location)", "offres", "disponibles", "installés", "occupés", "fermés", "supplémentaires", "occupation (%)", "mis à jour", "fraîcheur"];
  const lines = [header];
  for (const est of units.establishments) {
    for (const unit of est.locations) {
      lines.push([
        est.finess || "",
        est.name,
        est.city,
        unit.location_id,
        unit.offers.map((o) => o.name).join(" / "),
        ...["available", "installed", "occupied", "closed", "extra"].map((name) => unit[name]),
        occupancy(unit) ?? "",
        unit.updated_at,
        freshnessLabel(unit.freshness),
      ]);
    }
  }
  const day = units.generated_at.slice(0, 10);
  downloadCsv(lines, `disponibilites-${level}-${code}-${slug(what)}-${day}.csv`);
});

// --- start -----------------------------------------------------------------------------------

load(currentParams());
