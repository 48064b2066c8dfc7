// The WCAG 2.1 contrast ratio of every visible text under `selector` against the background
// behind it (the first ancestor with an opaque background colour): answers the failures
// (ratio under 4.5, or 3 for large text). Evaluated by browser_support.contrast_failures.
(selector) => {
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(n).backgroundColor);
      if (a >= 0.99 && getComputedStyle(n).backgroundColor !== "transparent") return [r, g, b];
    }
    return [255, 255, 255];
  };
  const failures = [];
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const node = text.parentElement;
    if (!text.textContent.trim() || !node.checkVisibility()) continue;
    if (node.closest(".visually-hidden, .leaflet-container")) continue;
    const style = getComputedStyle(node);
    const fg = luminance(rgb(style.color));
    const bg = luminance(background(node));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`${ratio.toFixed(2)} ${node.tagName}.${node.className}: ${text.textContent.trim().slice(0, 40)}`);
    }
  }
  return failures;
}
