// A small line chart drawn as SVG (no library, no CDN): one series over time, its axis labels
// in French, a title and a description for assistive technologies. The page gives the same
// values as a table; the chart is an image of it (role="img").

import { formatInt } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_WIDTH = 640;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

const hour = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

// `points`: [{at: Date, value: number|null}], oldest first; `title` names the series;
// `format(value)` writes a value ("12 %", "340 lits"). Returns the <svg>.
// `width`: the room it has, in CSS pixels (its text keeps its size on a phone).
export function lineChart({ id, points, title, format = formatInt, maxValue = null, width = MAX_WIDTH }) {
  const WIDTH = Math.max(280, Math.min(MAX_WIDTH, Math.round(width)));
  const HEIGHT = Math.round(WIDTH * 0.36) + 40;
  const known = points.filter((p) => p.value !== null);
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    class: "chart",
    "aria-labelledby": `${id}-title ${id}-desc`,
  });
  root.append(svg("title", { id: `${id}-title` }, title));
  const desc = known.length
    ? `Du ${hour.format(points[0].at)} au ${hour.format(points[points.length - 1].at)} : ` +
      `de ${format(known[0].value)} à ${format(known[known.length - 1].value)}, ` +
      `minimum ${format(Math.min(...known.map((p) => p.value)))}, maximum ${format(Math.max(...known.map((p) => p.value)))}.`
    : "Aucune valeur connue sur la période.";
  root.append(svg("desc", { id: `${id}-desc` }, desc));
  const top = maxValue ?? Math.max(1, ...known.map((p) => p.value));
  const x = (i) => PAD.left + (i * (WIDTH - PAD.left - PAD.right)) / Math.max(1, points.length - 1);
  const y = (v) => HEIGHT - PAD.bottom - (v * (HEIGHT - PAD.top - PAD.bottom)) / top;
  const axes = svg("g", { class: "chart-axes", "aria-hidden": "true" });
  for (const v of [0, top / 2, top]) {
    axes.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: "chart-grid" }));
    axes.append(svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, format(Math.round(v))));
  }
  const ticks = [0, Math.floor((points.length - 1) / 2), points.length - 1];
  for (const [n, i] of ticks.entries()) {
    const anchor = n === 0 ? "start" : n === 2 ? "end" : "middle";
    axes.append(svg("text", { x: x(i), y: HEIGHT - 12, "text-anchor": anchor }, hour.format(points[i].at)));
  }
  root.append(axes);
  let path = "";
  points.forEach((p, i) => {
    if (p.value === null) return;
    const joined = i > 0 && points[i - 1].value !== null;
    path += `${joined ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
  });
  root.append(svg("path", { d: path.trim() || "M0,0", class: "chart-line", "aria-hidden": "true" }));
  return root;
}
