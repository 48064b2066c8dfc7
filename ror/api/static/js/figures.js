// Capacity figures as the availability pages show them: freshness buckets, occupancy rate,
// the freshness cell of a table, and tables downloaded as CSV (French Excel: ";" and a BOM).

import { el, formatInt } from "./format.js";

export const FRESHNESS = [
  ["lt_1h", "moins d'1 h"],
  ["lt_3h", "1 à 3 h"],
  ["lt_6h", "3 à 6 h"],
  ["lt_12h", "6 à 12 h"],
  ["lt_24h", "12 à 24 h"],
  ["older", "plus de 24 h"],
];

export function freshnessCell(freshness) {
  const total = FRESHNESS.reduce((sum, [key]) => sum + (freshness[key] || 0), 0);
  if (!total) return "—";
  const bar = el("span", { class: "freshness", "aria-hidden": "true" });
  FRESHNESS.forEach(([key], i) => {
    if (!freshness[key]) return;
    const part = el("span", { class: `f${i}` });
    part.style.width = `${(100 * freshness[key]) / total}%`;
    bar.append(part);
  });
  const words = FRESHNESS.filter(([key]) => freshness[key]).map(
    ([key, label]) => `${label} : ${formatInt(freshness[key])}`,
  );
  return el(
    "span",
    { class: "freshness-cell", title: words.join(", ") },
    bar,
    el("span", { class: "visually-hidden" }, `Mises à jour : ${words.join(", ")}`),
  );
}

// Occupied / installed, in whole percent; null without installed beds.
export function occupancy(figures) {
  return figures.installed > 0 ? Math.round((100 * figures.occupied) / figures.installed) : null;
}

export function occupancyText(figures) {
  const rate = occupancy(figures);
  return rate === null ? "—" : `${rate} %`;
}

// A file name part: "Réanimation adulte" -> "reanimation-adulte".
export function slug(text) {
  return text.normalize("NFD").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

// Download `lines` (arrays of cells) as a CSV file named `name`.
export function downloadCsv(lines, name) {
  const cell = (value) => (/[";\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value));
  const text = "\ufeff" + lines.map((line) => line.map(cell).join(";")).join("\r\n") + "\r\n";
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
