// Reads the catalogue schema (GET /v1/schema) into what the page needs:
// the sliders (one per space), the filter controls, and which field plays
// which part on a result card.

import { DEFAULT_WEIGHT } from "./state.js";

const CATEGORY_TYPES = new Set(["category", "category_list"]);
const NUMBER_TYPES = new Set(["number", "integer"]);

/** Turns "review_rating" into "Review rating". */
export function pretty(name) {
  const s = String(name).replace(/[_.-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const isRating = (name, f) => (f && f.format === "rating") || /rating/i.test(name);

/**
 * Describes one filter control. kind is "category" (pick values),
 * "rating" (a minimum), "range" (min and max), "bool" or "text" (contains).
 */
function filterControl(name, schema) {
  const f = (schema.fields || {})[name] || {};
  const type = f.type || "";
  if (CATEGORY_TYPES.has(type)) {
    const space = (schema.spaces || []).find((s) => s.kind === "category" && s.field === name);
    return { field: name, kind: "category", label: pretty(name), options: (space && space.categories) || [] };
  }
  if (NUMBER_TYPES.has(type)) {
    if (isRating(name, f)) return { field: name, kind: "rating", label: `Minimum ${pretty(name).toLowerCase()}` };
    return { field: name, kind: "range", label: pretty(name), step: type === "integer" ? 1 : "any" };
  }
  if (type === "bool") return { field: name, kind: "bool", label: pretty(name) };
  if (type === "time") return null; // no date picker in the demo
  return { field: name, kind: "text", label: pretty(name) };
}

/** Picks the field that plays each part on a result card. */
function cardRoles(schema) {
  const fields = schema.fields || {};
  // field_order keeps the schema file's order; the fields object has none.
  const names = Array.isArray(schema.field_order) ? schema.field_order.filter((n) => Object.hasOwn(fields, n)) : Object.keys(fields);
  const catSpace = (schema.spaces || []).find((s) => s.kind === "category" && Object.hasOwn(fields, s.field));
  const has = (n) => Object.hasOwn(fields, n);
  const first = (pred) => names.find((n) => pred(n, fields[n])) || "";
  return {
    id: schema.id || "",
    title: has("title") ? "title" : first((n, f) => f.type === "text" && n !== schema.id && /name|title/i.test(n)) ||
      first((n, f) => f.type === "text" && n !== schema.id),
    description: has("description") ? "description" : first((n, f) => f.type === "text" && /desc|about|summary/i.test(n)),
    price: has("price") ? "price" : first((n, f) => f.format === "money" || /price/i.test(n)),
    rating: first((n, f) => NUMBER_TYPES.has(f.type) && isRating(n, f)),
    reviews: first((n, f) => NUMBER_TYPES.has(f.type) && (f.format === "count" || /review_count|rating_count|reviews/i.test(n))),
    category: has("category") ? "category" : catSpace ? catSpace.field : first((n, f) => CATEGORY_TYPES.has(f.type) && !/brand/i.test(n)),
    brand: has("brand") ? "brand" : first((n) => /brand|maker|manufacturer/i.test(n)),
    currency: has("currency") ? "currency" : "",
  };
}

/** Normalises the API's schema into { name, spaces, filters, roles }. */
export function readSchema(schema) {
  if (!schema || !Array.isArray(schema.spaces)) {
    throw new Error("the schema from /v1/schema has no spaces");
  }
  const filters = (schema.filters || []).map((f) => filterControl(f, schema)).filter(Boolean);
  return {
    name: schema.name || "",
    spaces: schema.spaces.map((s) => ({
      name: s.name, kind: s.kind || "", field: s.field || "", mode: s.mode || "",
      categories: Array.isArray(s.categories) ? s.categories : [],
      min: Number.isFinite(s.min) ? s.min : null, max: Number.isFinite(s.max) ? s.max : null,
      // A schema can give a space another default weight than 1.
      weight: Number.isFinite(s.weight) ? s.weight : DEFAULT_WEIGHT,
    })),
    filters,
    // The numeric filter fields, which the results can be sorted by.
    sortFields: filters.filter((c) => c.kind === "range" || c.kind === "rating").map((c) => ({ field: c.field, label: pretty(c.field), kind: c.kind })),
    roles: cardRoles(schema),
  };
}

/**
 * The source columns a file for this schema should have, in the schema's
 * order: the id, then each field's column (its name unless it says
 * otherwise), or the column a field is extracted from.
 */
export function expectedColumns(schema) {
  const fields = (schema && schema.fields) || {};
  const names = Array.isArray(schema && schema.field_order) ? schema.field_order : Object.keys(fields);
  const cols = [];
  const add = (c) => { if (c && !cols.includes(c)) cols.push(c); };
  if (schema && schema.id) add((fields[schema.id] && fields[schema.id].column) || schema.id);
  for (const n of names) {
    const f = fields[n] || {};
    add((f.extract && f.extract.from) || f.column || n);
  }
  return cols;
}
