// French number, distance and date formatting, and small DOM helpers shared by the pages.

const integer = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

export function formatInt(value) {
  return integer.format(value);
}

export function formatKm(km) {
  if (km === null || km === undefined) return "";
  return `${km < 10 ? oneDecimal.format(km) : integer.format(km)} km`;
}

// "1 lit" / "3 lits": `forms` is [singular, plural]; French uses the singular for 0 and 1.
export function plural(count, [one, many]) {
  return `${formatInt(count)} ${Math.abs(count) < 2 ? one : many}`;
}

export function formatDateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("fr-FR", { dateStyle: "long", timeStyle: "short" });
}

// An element with attributes and children (strings become text nodes: never parsed as HTML).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
const wholeEuros = new Intl.NumberFormat("fr-FR", {
  style: "currency",
  currency: "EUR",
  maximumFractionDigits: 0,
});

export function formatEur(amount, { whole = false } = {}) {
  if (amount === null || amount === undefined) return "";
  return (whole ? wholeEuros : euros).format(amount);
}

// "il y a 25 min", "il y a 3 h", "il y a 2 jours" from an ISO date (the freshness of a figure).
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return `il y a ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `il y a ${hours} h`;
  return `il y a ${plural(Math.round(hours / 24), ["jour", "jours"])}`;
}
