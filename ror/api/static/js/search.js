// The public search page ("/"): où ?, quoi ?, filters, results with their explanations,
// near-misses, facets, paging and a map. The query lives in the URL with the names of
// GET /v1/search (plus `ou` and `quoi`, the labels shown in the boxes), so any search can be
// shared as a link and the back button walks through past searches.

import { apiGet, ApiError, isAbort } from "./api.js";
import { Combobox } from "./combobox.js";
import { clear, el, formatEur, formatInt, formatKm, plural } from "./format.js";
import { L, createMap, fitTo, labelMarker, loadShapes, showCommunes } from "./maps.js";
import { ageRange, establishmentUrl, firstPhone, offerUrl } from "./offers.js";

const PAGE_SIZE = 10;
const LABEL_PARAMS = ["ou", "quoi"]; // shown in the boxes, never sent to the API
const WHERE_PARAMS = ["ou", "place", "lat", "lon", "precision", "radius_km"];
const WHAT_PARAMS = ["quoi", "text"];
const CODE_FIELDS = [
  "activity",
  "offer_type",
  "champ",
  "care_mode",
  "public",
  "modalities",
  "specialisations",
  "professions",
];
const FIELD_NAMES = {
  activity: "Activité",
  offer_type: "Type d'offre",
  champ: "Champ",
  care_mode: "Mode de prise en charge",
  public: "Public",
  modalities: "Modalité",
  specialisations: "Spécialisation",
  professions: "Profession",
};
const FACETS_SHOWN = 6; // per facet, the rest behind "voir plus"
const NURSING_HOME_TYPES = new Set(["21", "23", "24", "26"]); // R244 EHPAD offer types
const NARROW = window.matchMedia("(max-width: 63.99rem)"); // one column: panels start closed
const AROUND_ME = "Autour de moi";
const GROUP = "establishment"; // one card per establishment unless the URL asks otherwise
const OTHERS_SENTENCE = "aussi dans cet établissement : "; // ror/ranking/explain.py, grouped()
const COUNTED = {
  offers: ["offre trouvée", "offres trouvées"],
  locations: ["lieu d'accueil trouvé", "lieux d'accueil trouvés"],
  establishments: ["établissement trouvé", "établissements trouvés"],
};

const form = document.getElementById("search");
const ouInput = document.getElementById("ou");
const quoiInput = document.getElementById("quoi");
const offerTypeSelect = document.getElementById("offer_type");
const statusBox = document.getElementById("status");
const resultsSection = document.getElementById("resultats");
const resultsList = document.getElementById("results");
const pager = document.getElementById("pager");
const nearSection = document.getElementById("near");
const nearList = document.getElementById("near-list");
const facetsBox = document.getElementById("facets-list");
const mapElement = document.getElementById("map");
const radiusSelect = document.getElementById("radius_km");
const panels = [document.getElementById("filters-panel"), document.getElementById("facets-panel")];

const labels = new Map(); // "field:code" -> label, learnt from answers
let placePick = null; // {text, params} chosen in the où box (or "autour de moi")
let whatPick = null; // {text, field, codes} chosen in the quoi box
let controller = null;
let map = null;
let markers = null;
let detailContext = {}; // what a link to a detail page carries: search point, way back
let lastAnswer = null; // the answer shown, for the filters that depend on the need
const pointLegend = el("strong", {}); // the search point's name, in the map's corner
let resultMarkers = []; // in rank order

// --- the two boxes ---------------------------------------------------------------------------

new Combobox(ouInput, {
  minLength: 2,
  source: async (query, signal) => {
    const answer = await apiGet("/v1/geocode", { q: query, limit: 8 }, { signal });
    return answer.candidates.map((c) => {
      if (c.kind === "departement" || c.kind === "region") {
        const departement = c.kind === "departement";
        const text = departement ? `${c.name} (${c.departement})` : c.name;
        return {
          label: text,
          detail: departement ? `Département, ${c.region_name}` : "Région",
          text,
          data: { place: departement ? c.departement : c.name }, // a number would be a département
          territory: true,
        };
      }
      const postcode = c.postcodes.includes(query) ? query : c.postcodes[0] || "";
      const text = postcode ? `${c.name} (${postcode})` : c.name;
      return {
        label: text,
        detail: [c.departement_name, c.region_name].filter(Boolean).join(", "),
        text,
        data: { place: c.insee },
      };
    });
  },
  onPick: (option) => {
    placePick = { text: option.text, params: option.data };
    setInvalid(ouInput, null);
    searchWhole(Boolean(option.territory));
  },
  onEdit: () => {
    setInvalid(ouInput, null);
    searchWhole(false);
  },
});

// A département or région is searched whole: no distance to choose.
function searchWhole(territory) {
  radiusSelect.disabled = territory;
  radiusSelect.title = territory ? "Un département ou une région est cherché en entier" : "";
  if (territory) radiusSelect.value = "";
}

new Combobox(quoiInput, {
  minLength: 2,
  source: async (query, signal) => {
    const answer = await apiGet("/v1/suggest", { q: query, limit: 8 }, { signal });
    return answer.suggestions.map((s) => ({
      label: s.label,
      detail: FIELD_NAMES[s.field] || s.field,
      text: s.label,
      data: { field: s.field, codes: s.codes },
    }));
  },
  onPick: (option) => {
    const { field, codes } = option.data;
    whatPick = { text: option.text, field, codes };
    if (field === "offer_type") {
      chooseOfferType(codes, option.text);
      showFiltersFor({ nursing: isNursingHome(codes), ages: true });
    }
  },
  onEdit: () => {
    if (whatPick && whatPick.field === "offer_type" && offerTypeSelect.value === whatPick.codes.join(",")) {
      chooseOfferType([], "");
    }
    whatPick = null;
  },
});

document.getElementById("around-me").addEventListener("click", () => {
  if (!navigator.geolocation) {
    say("La localisation n'est pas disponible dans ce navigateur.");
    return;
  }
  say("Recherche de votre position…");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      const precision = accuracy <= 200 ? "exact" : accuracy <= 2000 ? "street" : "city";
      placePick = {
        text: AROUND_ME,
        params: { lat: latitude.toFixed(5), lon: longitude.toFixed(5), precision },
      };
      ouInput.value = AROUND_ME;
      setInvalid(ouInput, null);
      submit();
    },
    (error) => say(`Position indisponible : ${error.message || "refusée"}. Indiquez une commune.`),
    { timeout: 10000, maximumAge: 60000 },
  );
});

// --- from the form to the URL ----------------------------------------------------------------

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

for (const input of form.querySelectorAll("[data-filter]")) {
  input.addEventListener("change", () => {
    if (input.checkValidity() && hasSearch(currentParams())) submit();
  });
}

function submit() {
  if (!form.reportValidity()) return;
  run(paramsFromForm(currentParams()), { push: true });
}

function currentParams() {
  return new URLSearchParams(location.search);
}

function hasSearch(params) {
  return ["place", "lat", "text", ...CODE_FIELDS].some((name) => params.has(name));
}

function hasPlace(params) {
  return params.has("place") || params.has("lat");
}

function isNursingHome(codes) {
  return codes.length > 0 && codes.every((code) => NURSING_HOME_TYPES.has(code));
}

// The need of these parameters (and of the answer to them, if it is the one shown):
// nursing home (offer types all EHPAD) and whether the offers found have an age range.
function needOf(params, answer) {
  const types = (params.get("offer_type") || "").split(",").filter(Boolean);
  const resolved = answer && answer.criteria.text && answer.criteria.offer_type ? answer.criteria.offer_type : [];
  const offers = answer ? [...answer.matches, ...answer.near_misses].map((m) => m.offer) : [];
  return {
    nursing: isNursingHome(types) || (!types.length && isNursingHome(resolved)),
    ages: params.has("age") || offers.some((o) => o.age_range.min || o.age_range.max !== null),
  };
}

// Show the filters that belong to the need; the others are hidden and emptied.
function showFiltersFor(need) {
  for (const box of form.querySelectorAll("[data-need]")) {
    const shown = Boolean(need[box.dataset.need === "age" ? "ages" : "nursing"]);
    box.hidden = !shown;
    if (shown) continue;
    for (const input of box.querySelectorAll("input, select")) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
    }
  }
}

// The next URL: what the boxes and filters say, keeping the refinements (facets) of the
// current search when its "quoi" did not change.
function paramsFromForm(current) {
  const next = new URLSearchParams();
  const where = ouInput.value.trim();
  if (where && where === boxLabel(current, "ou")) {
    copy(current, next, WHERE_PARAMS);
  } else if (placePick && placePick.text === where) {
    next.set("ou", where);
    for (const [name, value] of Object.entries(placePick.params)) next.set(name, value);
  } else if (where) {
    next.set("place", where); // the API resolves commune names, postcodes and INSEE codes
  }
  const what = quoiInput.value.trim();
  if (what === boxLabel(current, "quoi")) {
    copy(current, next, [...WHAT_PARAMS, ...CODE_FIELDS.filter((f) => f !== "offer_type")]);
  } else if (whatPick && whatPick.text === what) {
    next.set("quoi", what);
    if (whatPick.field !== "offer_type") next.set(whatPick.field, whatPick.codes.join(","));
  } else if (what) {
    next.set("text", what);
  }
  const sameWhat = what === boxLabel(current, "quoi");
  const chosenType = offerTypeSelect.value;
  if (whatPick && whatPick.text === what && whatPick.field === "offer_type") {
    next.set("offer_type", whatPick.codes.join(","));
  } else if (chosenType && (sameWhat || chosenType !== (current.get("offer_type") || ""))) {
    next.set("offer_type", chosenType); // a type left from another "quoi" is dropped
  }
  const need = needOf(next, sameWhat ? lastAnswer : null);
  if (!sameWhat && !next.has("offer_type")) need.nursing = false;
  showFiltersFor(need);
  for (const input of form.querySelectorAll("[data-filter]")) {
    if (input === offerTypeSelect) continue;
    const box = input.closest("[data-need]");
    const value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value.trim();
    if (value && !input.disabled && !(box && box.hidden)) next.set(input.name, value);
    else next.delete(input.name);
  }
  copy(current, next, ["profile", "limit", "group"]);
  if (next.get("radius_km") && !hasPlace(next)) next.delete("radius_km");
  return next;
}

function boxLabel(params, name) {
  if (name === "ou") {
    if (params.has("ou")) return params.get("ou");
    if (params.has("place")) return params.get("place");
    return params.has("lat") ? AROUND_ME : "";
  }
  return params.get("quoi") ?? params.get("text") ?? "";
}

function copy(from, to, names) {
  for (const name of names) if (from.has(name)) to.set(name, from.get(name));
}

// --- from the URL to the page ----------------------------------------------------------------

function fillForm(params) {
  ouInput.value = boxLabel(params, "ou");
  quoiInput.value = boxLabel(params, "quoi");
  placePick = null;
  whatPick = null;
  for (const input of form.querySelectorAll("[data-filter]")) {
    if (input === offerTypeSelect) continue;
    if (input.type === "checkbox") input.checked = params.get(input.name) === "true";
    else input.value = params.get(input.name) || "";
  }
  const types = (params.get("offer_type") || "").split(",").filter(Boolean);
  chooseOfferType(types, params.get("quoi") || "");
  chooseRadius(params.get("radius_km") || "");
}

// Select this radius, adding an option for one the page did not offer (a shared link, or the
// automatic radius held while paging).
function chooseRadius(value) {
  if (value && ![...radiusSelect.options].some((o) => o.value === value)) {
    radiusSelect.append(el("option", { value }, `${value.replace(".", ",")} km`));
  }
  radiusSelect.value = value;
}

// Select these offer types in the "type d'offre" list, adding an option when needed.
function chooseOfferType(codes, label) {
  const value = codes.join(",");
  if (value && ![...offerTypeSelect.options].some((o) => o.value === value)) {
    const text = codes.length === 1 ? labelOf("offer_type", codes[0]) : label;
    offerTypeSelect.append(el("option", { value }, text || `${codes.length} types d'offre`));
  }
  offerTypeSelect.value = value;
}

function labelOf(field, code) {
  return labels.get(`${field}:${code}`) || code;
}

async function run(params, { push = false } = {}) {
  if (push) {
    params.delete("offset");
    const url = params.toString() ? `/?${params}` : "/";
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }
  if (!hasSearch(params)) {
    showIntro();
    return;
  }
  if (!hasPlace(params)) {
    askForPlace(params);
    return;
  }
  const query = new URLSearchParams(params);
  for (const name of LABEL_PARAMS) query.delete(name);
  if (!query.has("limit")) query.set("limit", String(PAGE_SIZE));
  if (!query.has("group")) query.set("group", GROUP);
  query.set("facets", "true"); // the filters beside the results
  if (controller) controller.abort();
  controller = new AbortController();
  resultsSection.setAttribute("aria-busy", "true");
  say("Recherche en cours…");
  try {
    const answer = await apiGet("/v1/search", query, { signal: controller.signal });
    render(answer, params);
    if (push && NARROW.matches) {
      document.getElementById("results-title").scrollIntoView({ block: "start" });
    }
  } catch (error) {
    if (isAbort(error)) return;
    showError(error);
  } finally {
    resultsSection.removeAttribute("aria-busy");
  }
}

function showIntro() {
  clearResults();
  document.title = "Trouver une offre de soins près de chez vous — ror";
  say("Indiquez où et quoi chercher : une commune, un code postal, ou votre position.");
}

function askForPlace(params) {
  clearResults();
  fillForm(params);
  lastAnswer = null;
  showFiltersFor(needOf(params, null));
  const message = "Indiquez où chercher : une commune, un code postal, un département ou votre position.";
  setInvalid(ouInput, message);
  say(message, true);
  document.title = "Où chercher ? — ror";
}

function clearResults() {
  clear(resultsList);
  clear(nearList);
  clear(facetsBox);
  clear(pager);
  nearSection.hidden = true;
  if (markers) markers.clearLayers();
}

function showError(error) {
  const message = error instanceof ApiError ? error.message : `Erreur : ${error.message}`;
  const field = error instanceof ApiError ? (error.field || "").replace(/^where\./, "") : "";
  if (["where", "place", "lat", "lon", "precision", "radius_km"].includes(field)) {
    setInvalid(ouInput, message);
  } else if (field === "text") {
    setInvalid(quoiInput, message);
  }
  say(message, true);
}

function setInvalid(input, message) {
  const help = document.getElementById(`${input.id}-error`);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    help.textContent = message;
    help.hidden = false;
  } else {
    input.removeAttribute("aria-invalid");
    help.textContent = "";
    help.hidden = true;
  }
}

function say(message, isError = false) {
  statusBox.textContent = message;
  statusBox.classList.toggle("error", isError);
}

// --- rendering an answer ---------------------------------------------------------------------

function render(answer, params) {
  learnLabels(answer);
  lastAnswer = answer;
  const { lat, lon } = answer.territory ? {} : answer.criteria; // a territory has no patient point
  detailContext = {
    lat: lat ?? "",
    lon: lon ?? "",
    ou: boxLabel(params, "ou"),
    retour: location.pathname + location.search,
  };
  fillForm(params);
  const offset = Number(params.get("offset") || 0);
  const limit = Number(params.get("limit") || PAGE_SIZE);
  const where = boxLabel(params, "ou");
  const territory = answer.territory;
  searchWhole(Boolean(territory));
  const around = territory ? ` ${territory.where}` : where ? ` autour de ${where}` : "";
  const count = plural(answer.total, COUNTED[answer.counted.total] || COUNTED.offers);
  const radius = answer.radius_km ? ` à moins de ${formatKm(answer.radius_km)}` : "";
  say([`${count}${radius}${around}.`, ...answer.warnings.map((w) => w.message)].join(" "));
  showFiltersFor(needOf(params, answer));
  const what = boxLabel(params, "quoi");
  const page = offset ? ` (page ${Math.floor(offset / limit) + 1})` : "";
  document.title = `${what || "Offres de soins"}${around}${page} : ${count} — ror`;

  clear(resultsList);
  resultsList.start = offset + 1;
  answer.matches.forEach((match, i) => resultsList.append(resultItem(match, offset + i + 1)));
  if (!answer.matches.length) {
    const none = answer.group === "establishment" ? "Aucun établissement ne remplit" : "Aucune offre ne remplit";
    resultsList.append(el("li", { class: "empty" }, `${none} tous les critères.`));
  }
  renderPager(answer.total, offset, limit, params, answer.radius_km);
  renderNearMisses(answer.near_misses);
  renderFacets(answer.facets, params);
  renderOfferTypes(answer.facets, params);
  renderMap(answer, offset, where);
}

function learnLabels(answer) {
  for (const facet of answer.facets) {
    for (const value of facet.values) labels.set(`${facet.field}:${value.code}`, value.label);
  }
}

// A match of a grouped answer stands for its establishment: the card is the establishment's,
// listing its fitting offers (the match's best one first) with their prices.
function isEstablishmentCard(match) {
  return lastAnswer?.group === "establishment" && Boolean(match.offer.establishment.id);
}

function cardTitle(match) {
  return isEstablishmentCard(match) ? match.offer.establishment.name || match.offer.name : match.offer.name;
}

function resultItem(match, rank) {
  const offer = match.offer;
  const headingId = `r-${rank}-title`;
  const card = isEstablishmentCard(match);
  const href = card ? establishmentUrl(offer.establishment, detailContext) : offerUrl(offer, detailContext);
  const shown = card ? [{ offer, price: match.price }, ...(match.members || [])] : [];
  const reasons = card ? match.explain.filter((s) => !s.startsWith(OTHERS_SENTENCE)) : match.explain; // the card lists them
  return el(
    "li",
    { class: card ? "result grouped" : "result", id: `r-${rank}` },
    el(
      "article",
      { "aria-labelledby": headingId },
      el(
        "div",
        { class: "result-head" },
        el(
          "h3",
          { id: headingId },
          el("span", { class: "rank", "aria-hidden": "true" }, String(rank)),
          " ",
          el("a", { href }, cardTitle(match)),
        ),
        el("p", { class: "distance" }, distanceText(match)),
      ),
      el("p", { class: "establishment" }, card ? addressOf(offer) : establishmentLink(offer)),
      card ? memberList(shown) : null,
      el(
        "ul",
        { class: "facts", "aria-label": "En bref" },
        [card ? priceNote(shown) : priceFact(match.price), ...facts(offer, card)].filter(Boolean).map((f) => el("li", {}, f)),
      ),
      reasons.length
        ? el(
            "ul",
            { class: "explain", "aria-label": card ? "Pourquoi cet établissement" : "Pourquoi cette offre" },
            reasons.map((sentence) => el("li", {}, sentence)),
          )
        : null,
    ),
  );
}

function distanceText(match) {
  if (match.by_zone) return "Intervient à domicile";
  return shownKm(match.distance_km);
}

// A distance worth showing: not the one from a territory's inner point (it only orders).
function shownKm(km) {
  return km === null || lastAnswer?.territory ? "" : formatKm(km);
}

function establishmentLine(offer) {
  const place = offer.place;
  const town = [place.postal_code, place.city].filter(Boolean).join(" ");
  return [offer.establishment.name, [place.address, town].filter(Boolean).join(", ")]
    .filter(Boolean)
    .join(" — ");
}

function addressOf(offer) {
  const place = offer.place;
  const town = [place.postal_code, place.city].filter(Boolean).join(" ");
  return [place.address, town].filter(Boolean).join(", ");
}

function establishmentLink(offer) {
  const address = addressOf(offer);
  return [
    el("a", { href: establishmentUrl(offer.establishment, detailContext) }, offer.establishment.name),
    address ? ` — ${address}` : "",
  ];
}

// The price as families compare it (GET /v1/search's match.price): per month for a nursing
// home (accommodation and the GIR 5-6 dependency tariff), per day for day care.
function priceFact(price) {
  if (!price) return null;
  if (price.kind === "residential" && price.monthly_eur !== null) {
    const lowest = Math.min(price.monthly_eur, ...price.rooms.map((r) => r.monthly_eur));
    const from = price.rooms.length > 1 ? "À partir de " : "";
    return el("strong", {}, `${from}${formatEur(lowest, { whole: true })} par mois, dépendance GIR 5-6 comprise`);
  }
  if (price.daily_eur !== null) {
    return el("strong", {}, `${formatEur(price.daily_eur)} par jour, dépendance comprise`);
  }
  return null;
}

// The offers of an establishment's card, each with its price:
// "Hébergement permanent — 2 094 € par mois · Accueil de jour — 46,35 € par jour".
function memberList(shown) {
  const establishment = shown[0].offer.establishment.name || "";
  return el(
    "ul",
    { class: "members", "aria-label": plural(shown.length, ["offre de l'établissement", "offres de l'établissement"]) },
    shown.map(({ offer, price }) => {
      const cost = shortPrice(price);
      const name = shortName(offer.name, establishment);
      const label = name === offer.name ? {} : { "aria-label": offer.name }; // out of the card too
      return el(
        "li",
        {},
        el("a", { href: offerUrl(offer, detailContext), ...label }, name),
        cost ? [" — ", el("span", { class: "member-price" }, cost)] : null,
      );
    }),
  );
}

// "Hébergement permanent - EHPAD Les Magnolias" on the card of EHPAD Les Magnolias:
// "Hébergement permanent".
function shortName(name, establishment) {
  for (const dash of [" - ", " – ", " — "]) {
    const tail = `${dash}${establishment}`;
    if (establishment && name.endsWith(tail) && name.length > tail.length) return name.slice(0, -tail.length);
  }
  return name;
}

// The price of one offer on a card (the card says once what it includes).
function shortPrice(price) {
  if (!price) return "";
  if (price.kind === "residential" && price.monthly_eur !== null) {
    const lowest = Math.min(price.monthly_eur, ...price.rooms.map((r) => r.monthly_eur));
    const from = price.rooms.length > 1 ? "dès " : "";
    return `${from}${formatEur(lowest, { whole: true })} par mois`;
  }
  return price.daily_eur !== null ? `${formatEur(price.daily_eur)} par jour` : "";
}

function priceNote(shown) {
  const kinds = new Set(shown.map(({ price }) => price && price.kind));
  if (kinds.has("residential")) return "Prix dépendance GIR 5-6 comprise";
  return kinds.has("day_care") ? "Prix dépendance comprise" : null;
}

function facts(offer, card = false) {
  const out = [];
  const types = offer.offer_type.map((c) => c.label || c.code);
  if (types.length && !card) out.push(types.join(", "));
  const modes = offer.care_mode.map((c) => c.label || c.code);
  if (modes.length && !card) out.push(modes.join(", "));
  const age = ageRange(offer.age_range);
  if (age) out.push(age);
  if (offer.establishment.social_aid) out.push("Habilité à l'aide sociale");
  const phone = firstPhone(offer.contacts);
  if (phone) {
    const number = phone.value.replace(/[^0-9+]/g, "");
    out.push(el("a", { href: `tel:${number}` }, `Tél. ${phone.value}`));
  }
  return out;
}

function renderPager(total, offset, limit, params, radiusUsed) {
  clear(pager);
  if (total <= limit) return;
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.ceil(total / limit);
  const link = (text, newOffset, rel) => {
    const next = new URLSearchParams(params);
    if (!next.has("radius_km") && radiusUsed) next.set("radius_km", String(radiusUsed)); // same question on every page
    if (newOffset) next.set("offset", String(newOffset));
    else next.delete("offset");
    return el("a", { href: `/?${next}`, rel, onclick: followLink }, text);
  };
  pager.append(
    page > 1 ? link("← Page précédente", offset - limit, "prev") : el("span"),
    el("span", { class: "page" }, `Page ${page} sur ${pages}`),
    page < pages && offset + limit < 10000 ? link("Page suivante →", offset + limit, "next") : el("span"),
  );
}

function followLink(event) {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  history.pushState(null, "", event.currentTarget.getAttribute("href"));
  run(currentParams());
  document.getElementById("results-title").focus();
}

function renderNearMisses(misses) {
  clear(nearList);
  nearSection.hidden = misses.length === 0;
  for (const miss of misses) {
    nearList.append(
      el(
        "li",
        {},
        el("a", { class: "near-name", href: offerUrl(miss.offer, detailContext) }, miss.offer.name),
        " — ",
        el("strong", {}, miss.reason),
        shownKm(miss.distance_km) ? ` (à ${shownKm(miss.distance_km)})` : "",
        el("span", { class: "near-establishment" }, establishmentLine(miss.offer)),
      ),
    );
  }
}

function renderFacets(facets, params) {
  clear(facetsBox);
  for (const facet of facets) {
    if (!facet.values.length) continue;
    const selected = new Set((params.get(facet.field) || "").split(",").filter(Boolean));
    const values = [...facet.values].sort((a, b) => Number(b.selected) - Number(a.selected));
    const box = (value) => {
      const id = `facet-${facet.field}-${value.code}`;
      return el(
        "li",
        {},
        el("input", {
          type: "checkbox",
          id,
          checked: selected.has(value.code),
          "data-field": facet.field,
          "data-code": value.code,
          onchange: toggleFacet,
        }),
        el("label", { for: id }, value.label || value.code, " ", el("span", { class: "count" }, `(${formatInt(value.count)})`)),
      );
    };
    const shown = values.slice(0, FACETS_SHOWN);
    const rest = values.slice(FACETS_SHOWN);
    facetsBox.append(
      el(
        "fieldset",
        { class: "facet" },
        el("legend", {}, FIELD_NAMES[facet.field] || facet.field),
        el("ul", {}, shown.map(box)),
        rest.length
          ? el(
              "details",
              {},
              el("summary", {}, `Voir ${plural(rest.length, ["autre valeur", "autres valeurs"])}`),
              el("ul", {}, rest.map(box)),
            )
          : null,
      ),
    );
  }
}

function toggleFacet(event) {
  const { field, code } = event.currentTarget.dataset;
  const params = currentParams();
  const codes = new Set((params.get(field) || "").split(",").filter(Boolean));
  if (event.currentTarget.checked) codes.add(code);
  else codes.delete(code);
  if (codes.size) params.set(field, [...codes].join(","));
  else params.delete(field);
  run(params, { push: true });
}

function renderOfferTypes(facets, params) {
  const facet = facets.find((f) => f.field === "offer_type");
  const current = params.get("offer_type") || "";
  clear(offerTypeSelect);
  offerTypeSelect.append(el("option", { value: "" }, "Tous les types"));
  for (const value of facet ? facet.values : []) {
    offerTypeSelect.append(
      el("option", { value: value.code }, `${value.label || value.code} (${formatInt(value.count)})`),
    );
  }
  chooseOfferType(current.split(",").filter(Boolean), params.get("quoi") || "");
}

// --- the map ---------------------------------------------------------------------------------

async function renderMap(answer, offset, where) {
  if (!map) {
    map = createMap(mapElement, { label: "Carte des résultats et du point de recherche" });
    markers = L.layerGroup().addTo(map);
    const legend = L.control({ position: "topright" });
    legend.onAdd = () =>
      el("div", { class: "point-legend" }, el("span", { class: "point-swatch", "aria-hidden": "true" }), " Recherche : ", pointLegend);
    legend.addTo(map);
    map.on("zoomend", spreadMarkers);
    map.setView([46.6, 2.4], 5);
    loadShapes("departement")
      .then((shapes) => {
        L.geoJSON(shapes, { interactive: false, className: "area" }).addTo(map).bringToBack();
      })
      .catch((error) => say(`Fond de carte indisponible : ${error.message}`, true));
    showCommunes(map);
  }
  markers.clearLayers();
  resultMarkers = [];
  const points = [];
  const { lat, lon } = answer.territory ? {} : answer.criteria;
  if (lat !== null && lat !== undefined) {
    const label = where || "Point de recherche";
    L.circleMarker([lat, lon], { radius: 9, className: "search-point", interactive: false }).addTo(markers);
    pointLegend.textContent = label; // in a corner: it never hides a marker, nor they it
    points.push([lat, lon]);
  }
  for (const group of samePlace(answer.matches, offset)) {
    const { lat: y, lon: x } = group[0].match.offer.place;
    const ranks = rankLabel(group.map((g) => g.rank));
    const icon = L.divIcon({
      className: "result-marker",
      html: `<span>${ranks}</span>`, // digits, commas and dashes only
      iconSize: [Math.max(28, 12 + 8 * ranks.length), 28],
    });
    const names = group.map((g) => `${g.rank}. ${cardTitle(g.match)}`).join(" ; ");
    const marker = L.marker([y, x], { icon, title: names, keyboard: true })
      .bindPopup(() => popup(group))
      .addTo(markers);
    labelMarker(marker, `${ranks} : ${names}`); // the visible ranks first (WCAG 2.5.3)
    resultMarkers.push(marker);
    points.push([y, x]);
  }
  if (points.length) fitTo(map, points, { padding: [40, 40], maxZoom: 13 });
  spreadMarkers();
}

// Markers that would cover one another are drawn apart (on a spiral around their point, in
// rank order), so every rank stays visible and clickable; their positions do not change.
function spreadMarkers() {
  const placed = [];
  for (const marker of resultMarkers) {
    const element = marker.getElement();
    if (!element) continue;
    const [width, height] = marker.options.icon.options.iconSize;
    const point = map.latLngToLayerPoint(marker.getLatLng());
    let dx = 0;
    let dy = 0;
    const hits = (x, y) => placed.some((p) => Math.abs(p.x - x) < (p.width + width) / 2 + 2 && Math.abs(p.y - y) < height + 2);
    for (let k = 1; k < 60 && hits(point.x + dx, point.y + dy); k += 1) {
      const angle = k * 2.4; // golden angle: no two tries in the same direction
      const radius = 14 + 5 * k;
      dx = Math.round(radius * Math.cos(angle));
      dy = Math.round(radius * Math.sin(angle));
    }
    placed.push({ x: point.x + dx, y: point.y + dy, width });
    element.style.marginLeft = `${dx - width / 2}px`;
    element.style.marginTop = `${dy - height / 2}px`;
  }
}

// Matches of the same establishment (or at the same point) share one marker:
// [[{match, rank}, …], …] in rank order.
function samePlace(matches, offset) {
  const groups = new Map();
  const byPoint = new Map(); // "lat,lon" -> the key of the group already there
  matches.forEach((match, i) => {
    const point = `${match.offer.place.lat},${match.offer.place.lon}`;
    const key = byPoint.get(point) || match.offer.establishment.id || point;
    byPoint.set(point, key);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ match, rank: offset + i + 1 });
  });
  return [...groups.values()];
}

// [1, 2, 3, 7] -> "1–3, 7"
function rankLabel(ranks) {
  const parts = [];
  for (let i = 0; i < ranks.length; i += 1) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j] + 1) j += 1;
    parts.push(j > i ? `${ranks[i]}–${ranks[j]}` : String(ranks[i]));
    i = j;
  }
  return parts.join(", ");
}

function popup(group) {
  return el(
    "div",
    { class: "popup" },
    group.map(({ match, rank }) =>
      el(
        "p",
        {},
        ...popupLines(match, rank),
        shownKm(match.distance_km) ? `à ${shownKm(match.distance_km)} — ` : "",
        el("a", { href: `#r-${rank}` }, "voir dans la liste"),
      ),
    ),
  );
}

function popupLines(match, rank) {
  const offer = match.offer;
  const establishment = el("a", { href: establishmentUrl(offer.establishment, detailContext) }, offer.establishment.name);
  if (!isEstablishmentCard(match)) {
    return [el("strong", {}, `${rank}. `, el("a", { href: offerUrl(offer, detailContext) }, offer.name)), el("br"), establishment, el("br")];
  }
  const names = [offer, ...(match.members || []).map((m) => m.offer)].map((o) => shortName(o.name, offer.establishment.name));
  return [el("strong", {}, `${rank}. `, establishment), el("br"), names.join(" · "), el("br")];
}

// --- start -----------------------------------------------------------------------------------

offerTypeSelect.addEventListener("change", () => {
  const types = offerTypeSelect.value.split(",").filter(Boolean);
  showFiltersFor({ nursing: isNursingHome(types), ages: !form.querySelector('[data-need="age"]').hidden });
});
if (NARROW.matches) for (const panel of panels) panel.open = false;

window.addEventListener("popstate", () => run(currentParams()));
fillForm(currentParams());
run(currentParams());
