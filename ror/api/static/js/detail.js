// The detail pages: /offres/{id} (one offer) and /etablissements/{finess} (an establishment
// and its offers). Both read the JSON API as any client would (GET /v1/offers/{id},
// GET /v1/establishments/{id}); bed counts show only when the API gives them, that is to a
// caller whose token (kept in this tab by the availability page) is entitled to them.

import { apiGet, ApiError } from "./api.js";
import { clear, el, formatDateTime, plural, timeAgo } from "./format.js";
import { L, createMap, fitTo, loadShapes, showCommunes } from "./maps.js";
import {
  ageRange,
  contactLinks,
  establishmentUrl,
  hoursText,
  labels,
  offerUrl,
  openNow,
  priceTable,
  scrollingTable,
  travelText,
} from "./offers.js";

const AVAILABLE = "02"; // R330 Disponible
const CURRENT = "01"; // R331 Courant
const params = new URLSearchParams(location.search);
const [, kind, rawKey] = location.pathname.split("/");
const key = decodeURIComponent(rawKey || "");
const main = document.getElementById("detail-main");
const statusBox = document.getElementById("status");
const title = document.getElementById("title");

const back = document.getElementById("back");
const retour = params.get("retour") || "";
if (/^\/(?!\/)/.test(retour)) back.href = retour; // a path of this site only

function say(message, isError = false) {
  statusBox.hidden = !message; // no empty gap under the title once loaded
  statusBox.textContent = message;
  statusBox.classList.toggle("error", isError);
}

function section(id, heading, ...content) {
  return el(
    "section",
    { "aria-labelledby": id, class: "block" },
    el("h2", { id }, heading),
    ...content,
  );
}

function list(items, attrs = {}) {
  return el("ul", attrs, items.map((item) => el("li", {}, item)));
}

// <dl> of [term, value] pairs, skipping empty values.
function facts(pairs) {
  const kept = pairs.filter(([, value]) => value !== "" && value !== null && !(Array.isArray(value) && !value.length));
  return el(
    "dl",
    { class: "facts-list" },
    kept.map(([term, value]) => [
      el("dt", {}, term),
      el("dd", {}, Array.isArray(value) ? value.join(", ") : value),
    ]),
  );
}

function openBadge(hours) {
  const open = openNow(hours);
  if (open === null) return null;
  return el("p", { class: open ? "open-now" : "closed-now" }, open ? "Ouvert maintenant" : "Fermé maintenant");
}

function contactsBlock(contacts, place, id) {
  const links = contactLinks(contacts);
  return section(
    id,
    "Adresse et contacts",
    el(
      "dl",
      { class: "facts-list" },
      el("dt", {}, "Adresse"),
      el("dd", {}, addressText(place)),
      links.map((c) => [el("dt", {}, c.kind), el("dd", {}, c.node, c.purpose)]),
    ),
    links.length ? null : el("p", {}, "Aucun contact public."),
  );
}

function hoursBlock(hours, id) {
  if (!hours.length) return section(id, "Horaires", el("p", {}, "Horaires non renseignés."));
  return section(
    id,
    "Horaires",
    openBadge(hours),
    list(hours.map((h) => `${hoursText(h)}${h.kind ? ` (${h.kind.label || h.kind.code})` : ""}`), { class: "hours" }),
  );
}

function pricesBlock(establishment) {
  const blocks = [];
  if (establishment.prices.length) {
    blocks.push(priceTable(establishment.prices, `Tarifs de ${establishment.name}`));
  } else {
    blocks.push(el("p", {}, "Aucun tarif publié."));
  }
  const aid = establishment.social_aid
    ? "Habilité à l'aide sociale à l'hébergement"
    : "Non habilité à l'aide sociale à l'hébergement";
  const places = establishment.social_aid_places;
  const placeText = [
    places.permanent !== null ? `${plural(places.permanent, ["place", "places"])} en accueil permanent` : "",
    places.temporary !== null ? `${plural(places.temporary, ["place", "places"])} en accueil temporaire` : "",
  ].filter(Boolean);
  blocks.push(
    facts([
      ["Aide sociale", aid],
      ["Places à l'aide sociale", placeText],
      ["Aides financières", labels(establishment.financial_help)],
    ]),
  );
  return section("prices-title", "Tarifs et aides", ...blocks);
}

function capacityRows(capacities) {
  return capacities.map((c) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, [c.nature, c.status].map((x) => (x ? x.label || x.code : "")).join(" — ")),
      el("td", {}, c.temporality ? c.temporality.label : ""),
      el("td", {}, c.gender ? c.gender.label : ""),
      el("td", {}, c.assignment ? c.assignment.label : ""),
      el("td", { class: "number" }, String(c.count)),
      el("td", {}, el("time", { datetime: c.updated_at, title: formatDateTime(c.updated_at) }, timeAgo(c.updated_at))),
    ),
  );
}

function capacitiesBlock(offer) {
  if (!("capacities" in offer)) return null; // not given to this caller
  if (!offer.capacities.length) {
    return section("beds-title", "Lits et places", el("p", {}, "Aucun lit ni place déclaré."));
  }
  return section(
    "beds-title",
    "Lits et places",
    scrollingTable("Capacités déclarées (réservé aux professionnels habilités)", "prices", [
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["Capacité", "Temporalité", "Genre", "Affectation", "Nombre", "Mise à jour"].map((h) =>
            el("th", { scope: "col" }, h),
          ),
        ),
      ),
      el("tbody", {}, capacityRows(offer.capacities)),
    ]),
  );
}

// "3 lits disponibles, mis à jour il y a 25 min" from current available counters.
function availableText(offer) {
  if (!("capacities" in offer)) return "";
  const current = offer.capacities.filter(
    (c) => c.status && c.status.code === AVAILABLE && c.temporality && c.temporality.code === CURRENT,
  );
  if (!current.length) return "";
  const beds = current.filter((c) => c.nature && c.nature.code === "01").reduce((s, c) => s + c.count, 0);
  const seats = current.filter((c) => c.nature && c.nature.code !== "01").reduce((s, c) => s + c.count, 0);
  const newest = current.map((c) => c.updated_at).sort().at(-1);
  const counts = [
    beds || !seats ? plural(beds, ["lit disponible", "lits disponibles"]) : "",
    seats ? plural(seats, ["place disponible", "places disponibles"]) : "",
  ].filter(Boolean);
  return `${counts.join(", ")}, mis à jour ${timeAgo(newest)}`;
}

function whoAndWhat(offer) {
  return facts([
    ["Type d'offre", labels(offer.offer_type)],
    ["Âges", ageRange(offer.age_range)],
    ["Public", labels(offer.public)],
    ["Accueil", labels(offer.reception)],
    ["Mode de prise en charge", labels(offer.care_mode)],
    ["Activités", labels(offer.activity)],
    ["Spécialisations", labels(offer.specialisations)],
    ["Professions", labels(offer.professions)],
    ["Actes", labels(offer.acts)],
    ["Modalités", labels(offer.modalities)],
    ["Expertises", labels(offer.expertise)],
    [
      "Équipements",
      offer.equipment.map((e) => `${e.label || e.code}${e.count !== null ? ` (${e.count})` : ""}`),
    ],
  ]);
}

function closedNotice(offer) {
  if (!offer.closed_from) return null;
  const until = offer.reopens_at ? `, réouverture prévue le ${formatDateTime(offer.reopens_at)}` : "";
  return el("p", { class: "notice" }, `Fermé depuis le ${formatDateTime(offer.closed_from)}${until}.`);
}

function addressText(place) {
  return [place.address, [place.postal_code, place.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

// --- the two pages ---------------------------------------------------------------------------

function show(...blocks) {
  main.append(...blocks.filter(Boolean));
}

function renderOffer(offer, siblings) {
  const establishment = offer.establishment;
  setTitle(offer.name, `${offer.name} — ${establishment.name}`);
  show(
    el(
      "p",
      { class: "establishment-link" },
      "Établissement : ",
      el("a", { href: establishmentUrl(establishment, params) }, establishment.name),
      establishment.legal_entity ? ` — géré par ${establishment.legal_entity}` : "",
    ),
    closedNotice(offer),
    availableText(offer) ? el("p", { class: "available" }, availableText(offer)) : null,
    contactsBlock(offer.contacts, offer.place, "contacts-title"),
    hoursBlock(offer.hours, "hours-title"),
    section("what-title", "Pour qui, pour quoi ?", whoAndWhat(offer)),
    pricesBlock(establishment),
    capacitiesBlock(offer),
    siblingsBlock(siblings.filter((o) => o.id !== offer.id), "Autres offres de cet établissement"),
    updated(offer.last_updated),
  );
  showPlace(offer.place, offer.name, offer.travel);
}

function renderEstablishment(answer) {
  const { establishment, offers } = answer;
  const first = offers[0];
  setTitle(establishment.name, establishment.name);
  const contacts = offers.flatMap((o) => o.contacts);
  show(
    facts([
      ["Catégorie", establishment.category ? establishment.category.label || establishment.category.code : ""],
      ["Gestionnaire", establishment.legal_entity || ""],
      ["FINESS", establishment.finess || ""],
    ]),
    contactsBlock(contacts, first.place, "contacts-title"),
    pricesBlock(establishment),
    siblingsBlock(offers, `Offres de l'établissement (${offers.length})`),
    updated(offers.map((o) => o.last_updated).filter(Boolean).sort().at(-1)),
  );
  showPlace(first.place, establishment.name, first.travel);
}

function siblingsBlock(offers, heading) {
  if (!offers.length) return null;
  return section(
    "offers-title",
    heading,
    el(
      "ul",
      { class: "offer-cards" },
      offers.map((o) =>
        el(
          "li",
          {},
          el("h3", {}, el("a", { href: offerUrl(o, params) }, o.name)),
          el(
            "p",
            { class: "card-facts" },
            [labels(o.offer_type).join(", "), labels(o.care_mode).join(", "), ageRange(o.age_range)]
              .filter(Boolean)
              .join(" · "),
          ),
          openBadge(o.hours),
          availableText(o) ? el("p", { class: "available" }, availableText(o)) : null,
        ),
      ),
    ),
  );
}

function updated(iso) {
  return iso ? el("p", { class: "generated" }, `Dernière mise à jour des informations : ${formatDateTime(iso)}.`) : null;
}

function setTitle(heading, pageTitle) {
  title.textContent = heading;
  document.title = `${pageTitle} — ror`;
}

function showPlace(place, name, travel) {
  document.getElementById("address").textContent = addressText(place);
  const origin = startingPoint();
  if (origin && travel) {
    const from = params.get("ou") || "votre point de recherche";
    document.getElementById("travel").textContent = `Depuis ${from} : ${travelText(travel)}.`;
  }
  document.getElementById("detail").hidden = false;
  const map = createMap(document.getElementById("detail-map"), { label: `Carte : ${name}` });
  loadShapes("departement")
    .then((shapes) => L.geoJSON(shapes, { interactive: false, className: "area" }).addTo(map).bringToBack())
    .catch(() => {});
  showCommunes(map);
  L.circleMarker([place.lat, place.lon], { radius: 9, className: "place-point", interactive: false }).addTo(map);
  const points = [[place.lat, place.lon]];
  if (origin) {
    L.circleMarker(origin, { radius: 7, className: "search-point", interactive: false }).addTo(map);
    points.push(origin);
  }
  if (points.length > 1) fitTo(map, points, { padding: [30, 30], maxZoom: 14 });
  else map.setView(points[0], 14);
}

// The search point the page was opened from ([lat, lon]), if the link carried a valid one.
function startingPoint() {
  const lat = Number(params.get("lat"));
  const lon = Number(params.get("lon"));
  const valid = params.get("lat") && params.get("lon") && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  return valid ? [lat, lon] : null;
}

function fromQuery() {
  const origin = startingPoint();
  return origin ? { lat: String(origin[0]), lon: String(origin[1]) } : {};
}

async function start() {
  try {
    if (kind === "offres") {
      const offer = await apiGet(`/v1/offers/${encodeURIComponent(key)}`, fromQuery());
      const key2 = offer.establishment.finess || offer.establishment.id;
      const siblings = await apiGet(`/v1/establishments/${encodeURIComponent(key2)}`)
        .then((answer) => answer.offers)
        .catch(() => []);
      renderOffer(offer, siblings);
    } else {
      renderEstablishment(await apiGet(`/v1/establishments/${encodeURIComponent(key)}`, fromQuery()));
    }
    say("");
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    const what = kind === "offres" ? "Cette offre" : "Cet établissement";
    setTitle("Fiche introuvable", "Fiche introuvable");
    say(missing ? `${what} n'existe pas ou n'est pas visible : ${key}.` : `Erreur : ${error.message}`, true);
  }
}

clear(main);
start();
