// Renders search results as cards. Each card shows, next to the product,
// one bar per space with its contribution to the score, on a fixed scale
// (1.0 fills a bar), so the reader can compare why items rank as they do
// and see at a glance how well the query matched at all.

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

/**
 * The contribution that fills a bar: scores are absolute (each space's
 * part lies roughly within [-1, 1] and the parts sum to the score), so a
 * bar is drawn on this fixed scale, never against the best result on the
 * page. A query that matches nothing well draws short bars.
 */
export const BAR_FULL_SCALE = 1;

/** The width of a bar for contribution v, in % of its track. */
export const barWidth = (v) => Math.min(100, (Math.abs(Number(v) || 0) / BAR_FULL_SCALE) * 100);

function bar(v) {
  const fill = h("span", { class: "bar-fill" });
  fill.style.width = `${barWidth(v)}%`;
  return h("span", { class: "bar-track", "aria-hidden": "true" }, fill);
}

const signOf = (v) => (v < 0 ? "neg" : v > 0 ? "pos" : "off");

function breakdown(r, spaceNames) {
  const scores = r.scores || {};
  const names = [...spaceNames, ...Object.keys(scores).filter((n) => !spaceNames.includes(n))];
  const rows = names.filter((n) => Object.hasOwn(scores, n)).map((name) => {
    const v = Number(scores[name]) || 0;
    return h("li", { class: "bar-row", "data-testid": `score-${name}`, "data-sign": signOf(v), "data-value": String(v) },
      h("span", { class: "bar-name", title: pretty(name), text: pretty(name) }),
      bar(v),
      h("span", { class: "bar-val", text: formatScore(v) }));
  });
  const total = Number(r.score) || 0;
  const rel = typeof r.relevance === "number" ? r.relevance : NaN;
  return h("div", { class: "why", "aria-label": "Score breakdown" },
    h("div", { class: "why-total", "data-testid": "score-total", "data-sign": signOf(total), "data-value": String(total) },
      h("span", { class: "bar-name", text: "Score" }),
      bar(total),
      h("strong", { class: "bar-val", "data-testid": "result-score", "data-value": String(total), text: total.toFixed(3) })),
    h("ul", { class: "bars" }, rows),
    Number.isFinite(rel) ? h("p", { class: "relevance", "data-testid": "result-relevance", "data-value": String(rel),
      text: `Matches the words: ${Math.round(Math.max(0, Math.min(1, rel)) * 100)}%` }) : null);
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Splits text into text nodes and <mark> elements around the words of
 * matched: case-insensitive, at word starts, and allowing a plural ending
 * ("earbud" marks "Earbuds"). Builds nodes, never HTML, so nothing in the
 * data is parsed as markup.
 */
export function highlight(text, matched) {
  const words = Array.isArray(matched)
    ? [...new Set(matched.map((w) => String(w).trim()).filter(Boolean))].sort((a, b) => b.length - a.length)
    : [];
  if (!words.length) return [text];
  let re;
  try {
    re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join("|")})(?:e?s)?(?![\\p{L}\\p{N}])`, "giu");
  } catch {
    return [text];
  }
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (!m[0]) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h("mark", { text: m[0] }));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Builds one result card; rank counts from 1. */
function card(r, rank, roles, spaceNames) {
  const fields = r.fields || {};
  const title = String(fields[roles.title] || r.id);
  const desc = fields[roles.description];
  return h("li", { class: "card", "data-testid": "result-card", "data-id": String(r.id),
    "data-on-topic": typeof r.on_topic === "boolean" ? String(r.on_topic) : null },
  h("div", { class: "card-main" },
    h("div", { class: "card-head" },
      h("span", { class: "rank", text: `#${rank}` }),
      h("h3", { class: "card-title", "data-testid": "result-title" }, highlight(title, r.matched))),
    meta(fields, roles),
    desc ? h("p", { class: "desc", "data-testid": "result-description", text: String(desc) }) : null,
    h("p", { class: "card-id", text: `${roles.id || "id"}: ${r.id}` })),
  breakdown(r, spaceNames));
}

/**
 * Replaces the list's content with cards for results, with a "Less
 * relevant results" divider before the first result that is off topic.
 */
export function renderResults(list, results, roles, spaces) {
  const names = spaces.map((s) => s.name);
  const items = [];
  let divided = false;
  results.forEach((r, i) => {
    if (!divided && r.on_topic === false) {
      divided = true;
      items.push(h("li", { class: "divider", "data-testid": "relevance-divider" },
        h("h3", { text: "Less relevant results" }),
        h("p", { text: i === 0 ? "Nothing matches the words of the search closely; these come nearest."
          : "These match the words of the search weakly or not at all." })));
    }
    items.push(card(r, i + 1, roles, names));
  });
  list.replaceChildren(...items);
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
