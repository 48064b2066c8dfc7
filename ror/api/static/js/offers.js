// What the pages say about one offer or establishment, shared by the search page and the
// detail pages: links to the detail pages, ages, opening hours ("ouvert maintenant"), contacts,
// an estimated travel time and the price lines as families compare them.

import { el, formatEur, formatKm } from "./format.js";

// Search-point parameters a detail link carries (travel time, way back to the results).
const CONTEXT_PARAMS = ["lat", "lon", "ou", "retour"];
const CLOSING_HOURS = "08"; // R252 "Horaire de fermeture"
const PHONE_CHANNELS = ["1", "2"]; // R200 mobile, fixe
const MAIL_CHANNEL = "3";
const WEB_CHANNEL = "4";
const DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const DAYS_PER_MONTH = 30.4; // the monthly price of a daily tariff (as the API computes it)

export function establishmentKey(establishment) {
  return establishment.finess || establishment.id;
}

export function offerUrl(offer, context) {
  return withContext(`/offres/${encodeURIComponent(offer.id)}`, context);
}

export function establishmentUrl(establishment, context) {
  return withContext(`/etablissements/${encodeURIComponent(establishmentKey(establishment))}`, context);
}

// `context`: URLSearchParams of a detail page or {lat, lon, ou, retour} from a search.
function withContext(path, context) {
  const params = new URLSearchParams();
  if (context) {
    const get = (name) => (context instanceof URLSearchParams ? context.get(name) : context[name]);
    for (const name of CONTEXT_PARAMS) {
      const value = get(name);
      if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
    }
  }
  return params.toString() ? `${path}?${params}` : path;
}

export function ageRange({ min, max }) {
  if (min !== null && max !== null) return `De ${min} à ${max} ans`;
  if (min !== null && min > 0) return `À partir de ${min} ans`;
  if (max !== null) return `Jusqu'à ${max} ans`;
  return "";
}

export function labels(codes) {
  return codes.map((c) => c.label || c.code);
}

// --- contacts --------------------------------------------------------------------------------

// Distinct contacts as links: phones (tel:), e-mails (mailto:), web sites (https only).
export function contactLinks(contacts) {
  const seen = new Set();
  const out = [];
  for (const contact of contacts) {
    const channel = contact.channel ? contact.channel.code : "";
    const value = contact.value.trim();
    if (!value || seen.has(value)) continue;
    seen.add(value);
    const purpose = contact.purpose ? ` (${contact.purpose.label || contact.purpose.code})` : "";
    if (PHONE_CHANNELS.includes(channel)) {
      const number = value.replace(/[^0-9+]/g, "");
      out.push({ kind: "Téléphone", node: el("a", { href: `tel:${number}` }, value), purpose });
    } else if (channel === MAIL_CHANNEL) {
      out.push({ kind: "Courriel", node: el("a", { href: `mailto:${value}` }, value), purpose });
    } else if (channel === WEB_CHANNEL) {
      const url = /^https?:\/\//i.test(value) ? value : `https://${value}`;
      out.push({ kind: "Site web", node: el("a", { href: url, rel: "noopener" }, value), purpose });
    } else {
      const kind = contact.channel ? contact.channel.label || channel : "Contact";
      out.push({ kind, node: document.createTextNode(value), purpose });
    }
  }
  return out;
}

export function firstPhone(contacts) {
  return contacts.find((c) => c.channel && PHONE_CHANNELS.includes(c.channel.code)) || null;
}

// --- opening hours ---------------------------------------------------------------------------

// The ISO weekday (1 = Monday) and "HH:MM" of `date` in Paris.
function parisNow(date) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Paris",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday) + 1;
  return { day, time: `${parts.hour}:${parts.minute}` };
}

function covers(hours, { day, time }, today) {
  if (hours.valid_from && today < hours.valid_from) return false;
  if (hours.valid_to && today > hours.valid_to) return false;
  if (!hours.days.includes(day)) return false;
  if (hours.all_day) return true;
  const start = (hours.start || "00:00").slice(0, 5);
  const end = (hours.end || "24:00").slice(0, 5);
  return start <= time && time < end;
}

// true (open now), false (closed now) or null (no hours known).
export function openNow(hours, date = new Date()) {
  const opening = hours.filter((h) => !h.kind || h.kind.code !== CLOSING_HOURS);
  if (!opening.length) return null;
  const now = parisNow(date);
  const today = date.toLocaleDateString("sv-SE", { timeZone: "Europe/Paris" }); // YYYY-MM-DD
  if (hours.some((h) => h.kind && h.kind.code === CLOSING_HOURS && covers(h, now, today))) {
    return false;
  }
  return opening.some((h) => covers(h, now, today));
}

export function daysText(days) {
  const sorted = [...days].sort((a, b) => a - b);
  if (sorted.length === 7) return "Tous les jours";
  const consecutive = sorted.every((d, i) => i === 0 || d === sorted[i - 1] + 1);
  if (consecutive && sorted.length > 2) {
    return `Du ${DAY_NAMES[sorted[0] - 1]} au ${DAY_NAMES[sorted.at(-1) - 1]}`;
  }
  const names = sorted.map((d) => DAY_NAMES[d - 1]);
  const text = names.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function hoursText(hours) {
  const time = hours.all_day
    ? "24 h sur 24"
    : `${(hours.start || "").slice(0, 5).replace(":", " h ")} – ${(hours.end || "").slice(0, 5).replace(":", " h ")}`;
  return `${daysText(hours.days)} : ${time}`;
}

// --- travel ----------------------------------------------------------------------------------

// "environ 18 min en voiture (10 km à vol d'oiseau)" from the API's `travel` (ror.geo.travel).
export function travelText(travel) {
  const m = travel.minutes;
  const time = m < 60 ? `${Math.max(1, m)} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")}`;
  return `environ ${time} en voiture (${formatKm(travel.distance_km)} à vol d'oiseau)`;
}

// --- prices ----------------------------------------------------------------------------------

// Rows of the price table: what, for whom, per day (or per unit) and per month.
export function priceRows(prices) {
  return prices.map((p) => {
    const what = [p.type ? p.type.label || p.type.code : "Tarif"];
    if (p.dependency_level) what.push(p.dependency_level.label || p.dependency_level.code);
    if (p.residential_type) what.push(p.residential_type.label || p.residential_type.code);
    const conditions = [];
    if (p.reception) conditions.push(`Accueil ${(p.reception.label || "").toLowerCase()}`);
    if (p.condition) conditions.push(p.condition.label || p.condition.code);
    if (p.under_60) conditions.push("Moins de 60 ans");
    const unit = p.unit ? p.unit.label || p.unit.code : "";
    return {
      what: what.join(" — "),
      conditions: conditions.join(", "),
      amount: `${formatEur(p.amount_eur)}${unit ? ` (${unit.toLowerCase()})` : ""}`,
      monthly: p.monthly_eur !== null && p.monthly_eur !== undefined ? formatEur(p.monthly_eur, { whole: true }) : "",
    };
  });
}

export function priceTable(prices, caption) {
  const rows = priceRows(prices);
  return scrollingTable(caption, "prices", [
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Prestation"),
        el("th", { scope: "col" }, "Tarif"),
        el("th", { scope: "col" }, `Par mois (${String(DAYS_PER_MONTH).replace(".", ",")} jours)`),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((r) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, r.what, r.conditions ? el("span", { class: "conditions" }, r.conditions) : null),
          el("td", {}, r.amount),
          el("td", {}, r.monthly),
        ),
      ),
    ),
  ]);
}

let tables = 0;

// A table in a box that scrolls sideways on a phone: the box is a named, focusable region so
// that keyboard users can scroll it too.
export function scrollingTable(caption, className, parts) {
  tables += 1;
  const id = `table-${tables}-caption`;
  return el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": id },
    el("table", { class: className }, el("caption", { id }, caption), parts),
  );
}
