// Renders search results as cards. Each card shows, next to the product,
// one bar per space with its contribution to the score, on a scale shared
// by the whole list, so the reader can compare why items rank as they do.

import { h } from "./controls.js";
import { pretty } from "./schema.js";

const numberFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const countFmt = new Intl.NumberFormat();

function formatPrice(value, currency) {
  if (typeof currency === "string" && /^[A-Z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);
    } catch {
      // an unknown currency code: fall through to the plain number
    }
  }
  return numberFmt.format(value);
}

/** Formats a signed contribution with a true minus sign. */
function formatScore(v) {
  const s = Math.abs(v).toFixed(3);
  if (v < 0) return `\u2212${s}`;
  return v > 0 ? `+${s}` : s;
}

const asNumber = (v) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);

function stars(rating) {
  const pct = Math.max(0, Math.min(100, (rating / 5) * 100));
  const fill = h("span", { class: "stars-fill", "aria-hidden": "true", text: "★★★★★" });
  fill.style.width = `${pct}%`;
  return h("span", { class: "stars", "aria-hidden": "true" }, "★★★★★", fill);
}

function meta(fields, roles) {
  const parts = [];
  const price = asNumber(fields[roles.price]);
  if (roles.price && Number.isFinite(price)) {
    parts.push(h("span", { class: "price", "data-testid": "result-price", "data-price": String(price) },
      formatPrice(price, fields[roles.currency])));
  }
  const rating = asNumber(fields[roles.rating]);
  if (roles.rating && Number.isFinite(rating)) {
    const reviews = asNumber(fields[roles.reviews]);
    parts.push(h("span", { class: "rating", "data-testid": "result-rating", "data-rating": String(rating), role: "img",
      "aria-label": `Rated ${rating.toFixed(1)} out of 5${Number.isFinite(reviews) ? `, ${countFmt.format(reviews)} reviews` : ""}` },
      stars(rating), h("span", { "aria-hidden": "true", text: rating.toFixed(1) }),
      Number.isFinite(reviews) ? h("span", { class: "reviews", "aria-hidden": "true", text: `(${countFmt.format(reviews)})` }) : null));
  }
  const cat = fields[roles.category];
  if (roles.category && cat !== undefined && cat !== null && cat !== "") {
    const cats = Array.isArray(cat) ? cat : [cat];
    for (const c of cats) parts.push(h("span", { class: "chip", "data-testid": "result-category", text: String(c) }));
  }
  const brand = fields[roles.brand];
  if (roles.brand && brand) parts.push(h("span", { class: "brand-label", "data-testid": "result-brand", text: `by ${brand}` }));
  return h("div", { class: "meta" }, parts);
}

/** The largest absolute contribution in results, the scale of every bar. */
export function scoreScale(results) {
  let max = 0;
  for (const r of results) {
    for (const v of Object.values(r.scores || {})) max = Math.max(max, Math.abs(v));
  }
  return max;
}

function breakdown(r, spaceNames, scale, diverging) {
  const scores = r.scores || {};
  const names = [...spaceNames, ...Object.keys(scores).filter((n) => !spaceNames.includes(n))];
  const rows = names.filter((n) => Object.hasOwn(scores, n)).map((name) => {
    const v = Number(scores[name]) || 0;
    const sign = v < 0 ? "neg" : v > 0 ? "pos" : "off";
    const span = diverging ? 50 : 100;
    const width = scale > 0 ? (Math.abs(v) / scale) * span : 0;
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${width}%`;
    fill.style.left = `${diverging ? (v < 0 ? 50 - width : 50) : 0}%`;
    const zero = diverging ? h("span", { class: "bar-zero" }) : null;
    if (zero) zero.style.left = "50%";
    return h("li", { class: "bar-row", "data-testid": `score-${name}`, "data-sign": sign, "data-value": String(v) },
      h("span", { class: "bar-name", title: pretty(name), text: pretty(name) }),
      h("span", { class: "bar-track", "aria-hidden": "true" }, zero, fill),
      h("span", { class: "bar-val", text: formatScore(v) }));
  });
  const total = Number(r.score) || 0;
  return h("div", { class: "why", "aria-label": "Score breakdown" },
    h("div", { class: "why-total" }, h("span", { text: "Score" }),
      h("strong", { "data-testid": "result-score", "data-value": String(total), text: total.toFixed(3) })),
    h("ul", { class: "bars" }, rows));
}

/** Builds one result card; rank counts from 1. */
function card(r, rank, roles, spaceNames, scale, diverging) {
  const fields = r.fields || {};
  const title = fields[roles.title] || r.id;
  const desc = fields[roles.description];
  return h("li", { class: "card", "data-testid": "result-card", "data-id": String(r.id) },
    h("div", { class: "card-main" },
      h("div", { class: "card-head" },
        h("span", { class: "rank", text: `#${rank}` }),
        h("h3", { class: "card-title", "data-testid": "result-title", text: String(title) })),
      meta(fields, roles),
      desc ? h("p", { class: "desc", "data-testid": "result-description", text: String(desc) }) : null,
      h("p", { class: "card-id", text: `${roles.id || "id"}: ${r.id}` })),
    breakdown(r, spaceNames, scale, diverging));
}

/** Replaces the list's content with cards for results. */
export function renderResults(list, results, roles, spaces) {
  const names = spaces.map((s) => s.name);
  const scale = scoreScale(results);
  // Zero sits in the middle only when some contribution is negative, so
  // the common all-positive case uses the full width.
  const diverging = results.some((r) => Object.values(r.scores || {}).some((v) => v < 0));
  list.replaceChildren(...results.map((r, i) => card(r, i + 1, roles, names, scale, diverging)));
}

const INTERPRETED_LABELS = { text: "Searching for", understood: "Understood", filter: "Filter", weights: "Weights", source: "Read by" };

function interpretedValue(key, v) {
  if (key === "understood" && Array.isArray(v)) {
    return h("ul", { class: "understood" }, v.map((note) => h("li", { text: String(note) })));
  }
  if (key === "weights" && v && typeof v === "object") {
    return Object.entries(v).map(([k, w]) => `${pretty(k)} ${w}`).join(", ");
  }
  if (key === "source" && v === "offline") return "built-in rules";
  if (key === "source" && v === "llm") return "language model";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Shows what a natural-language query was understood as, or hides the box. */
export function renderInterpreted(box, body, interpreted) {
  if (!interpreted || typeof interpreted !== "object" || !Object.keys(interpreted).length) {
    box.hidden = true;
    body.replaceChildren();
    return;
  }
  const known = Object.keys(INTERPRETED_LABELS).filter((k) => Object.hasOwn(interpreted, k));
  const keys = [...known, ...Object.keys(interpreted).filter((k) => !known.includes(k))];
  const rows = keys.flatMap((k) => {
    const v = interpreted[k];
    if (v === null || v === undefined || v === "" || (typeof v === "object" && !Object.keys(v).length)) return [];
    return [h("dt", { text: INTERPRETED_LABELS[k] || pretty(k) }), h("dd", {}, interpretedValue(k, v))];
  });
  body.replaceChildren(...rows);
  box.hidden = rows.length === 0;
}
