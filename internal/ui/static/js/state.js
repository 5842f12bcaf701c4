// The whole search state lives in the URL, so a copied address reloads the
// same search:  ?q=text&nl=0&w.<space>=0.5&s.<space>=value&f.<field>=A
// &f.<field>=B&f.<field>_min=10&f.<field>_max=100&sort=<field>:asc. Defaults (the schema's weight, no
// filter, natural language on) are left out to keep addresses short, and
// are not sent either, so the server applies its own defaults and a
// natural-language query may change them. Natural language is on by
// default: "cheap wireless earbuds" then means cheap earbuds, where as
// plain text "cheap" was a word no title holds; nl=0 sends plain text.

export const DEFAULT_WEIGHT = 1;
export const WEIGHT_MIN = -1;
export const WEIGHT_MAX = 3;

/** A fresh state with every weight at its default and no filter. */
export function emptyState() {
  // queryWeights: the weights the last natural-language query set (from
  // the response, not the URL).
  return { text: "", nl: true, weights: {}, similar: {}, filter: {}, sort: null, queryWeights: null };
}

/**
 * Whether a space scores nothing until the query gives it a value: a
 * category space, or a number space in "similar" mode.
 */
export const takesValue = (space) => space.kind === "category" || (space.kind === "number" && space.mode === "similar");

/** Whether space still waits for its query value in st. */
export const needsValue = (st, space) => takesValue(space) && !Object.hasOwn(st.similar, space.name);

const SORT_ORDERS = new Set(["asc", "desc"]);

const num = (s) => {
  if (s === null || s === undefined || String(s).trim() === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

/** Reads the state from URL search params, given the schema from readSchema. */
export function parseState(params, schema) {
  const st = emptyState();
  st.text = params.get("q") || "";
  st.nl = params.get("nl") !== "0";
  for (const [key, value] of params) {
    if (!key.startsWith("w.")) continue;
    const n = num(value);
    // Unknown spaces are kept on purpose: the server rejects them with a
    // message naming the field, which beats silently dropping part of a link.
    if (n !== null) st.weights[key.slice(2)] = n;
  }
  for (const sp of schema.spaces) {
    if (!takesValue(sp)) continue;
    const v = params.get(`s.${sp.name}`);
    if (v === null || v.trim() === "") continue;
    if (sp.kind === "number") {
      const n = num(v);
      if (n !== null) st.similar[sp.name] = n;
    } else {
      st.similar[sp.name] = v;
    }
  }
  const sort = params.get("sort") || "";
  const at = sort.lastIndexOf(":");
  if (at > 0) {
    const field = sort.slice(0, at);
    const order = sort.slice(at + 1);
    if (SORT_ORDERS.has(order) && schema.sortFields.some((f) => f.field === field)) st.sort = { field, order };
  }
  for (const c of schema.filters) {
    const key = `f.${c.field}`;
    switch (c.kind) {
      case "category": {
        const vals = params.getAll(key).filter((v) => v !== "");
        if (vals.length) st.filter[c.field] = { in: vals };
        break;
      }
      case "rating": {
        const min = num(params.get(`${key}_min`));
        if (min !== null) st.filter[c.field] = { min };
        break;
      }
      case "range": {
        const min = num(params.get(`${key}_min`));
        const max = num(params.get(`${key}_max`));
        if (min !== null || max !== null) st.filter[c.field] = { min, max };
        break;
      }
      case "bool": {
        const v = params.get(key);
        if (v === "true" || v === "false") st.filter[c.field] = { eq: v === "true" };
        break;
      }
      case "text": {
        const v = params.get(key);
        if (v) st.filter[c.field] = { contains: v };
        break;
      }
    }
  }
  return st;
}

/** Writes the state as URL search params, leaving defaults out. */
export function stateToParams(st, schema) {
  const p = new URLSearchParams();
  if (st.text) p.set("q", st.text);
  if (!st.nl) p.set("nl", "0");
  for (const [name, w] of Object.entries(changedWeights(st, schema))) p.set(`w.${name}`, String(w));
  for (const [name, v] of Object.entries(st.similar)) p.set(`s.${name}`, String(v));
  for (const c of schema.filters) {
    const f = st.filter[c.field];
    if (!f) continue;
    const key = `f.${c.field}`;
    if (f.in) for (const v of f.in) p.append(key, v);
    if (f.min !== null && f.min !== undefined) p.set(`${key}_min`, String(f.min));
    if (f.max !== null && f.max !== undefined) p.set(`${key}_max`, String(f.max));
    if (f.eq !== undefined) p.set(key, String(f.eq));
    if (f.contains) p.set(key, f.contains);
  }
  if (st.sort) p.set("sort", `${st.sort.field}:${st.sort.order}`);
  return p;
}

/** The default weight of a space: the schema's, else 1. */
export function defaultWeight(schema, name) {
  const s = schema.spaces.find((x) => x.name === name);
  return s ? s.weight : DEFAULT_WEIGHT;
}

/** The weight of a space in st (the default when unset). */
export const weightOf = (st, schema, name) =>
  (Object.hasOwn(st.weights, name) ? st.weights[name] : defaultWeight(schema, name));

/**
 * The weights in st that differ from their defaults, unknown spaces
 * included, and any the user set on a space the last query set (a slider
 * moved back to the schema's weight must still override the query's).
 */
export function changedWeights(st, schema) {
  const out = {};
  const fromQuery = st.queryWeights || {};
  for (const [name, w] of Object.entries(st.weights)) {
    if (w !== defaultWeight(schema, name) || Object.hasOwn(fromQuery, name)) out[name] = w;
  }
  return out;
}

/** Builds the POST /v1/search body for st. */
export function searchRequest(st, schema, { limit, offset }) {
  const req = { limit, offset };
  // Only moved sliders are sent: the server's defaults apply to the rest,
  // and explicit weights would override what a natural-language query asks.
  const weights = changedWeights(st, schema);
  if (Object.keys(weights).length) req.weights = weights;
  // The query values of category and similar-mode number spaces, without
  // which those spaces score nothing.
  if (Object.keys(st.similar).length) req.similar = { ...st.similar };
  // Sent only when picked: the default is the server's relevance order.
  if (st.sort) req.sort = { field: st.sort.field, order: st.sort.order };
  const text = st.text.trim();
  if (text) {
    if (st.nl) req.q = text;
    else req.text = text;
  }

  // One operator per clause, joined with "and", so every clause is in the
  // simplest form the filter language has.
  const clauses = [];
  for (const c of schema.filters) {
    const f = st.filter[c.field];
    if (!f) continue;
    if (f.in && f.in.length) clauses.push({ [c.field]: { in: f.in } });
    if (f.min !== null && f.min !== undefined) clauses.push({ [c.field]: { gte: f.min } });
    if (f.max !== null && f.max !== undefined) clauses.push({ [c.field]: { lte: f.max } });
    if (f.eq !== undefined) clauses.push({ [c.field]: { eq: f.eq } });
    if (f.contains) clauses.push({ [c.field]: { contains: f.contains } });
  }
  if (clauses.length === 1) req.filter = clauses[0];
  else if (clauses.length > 1) req.filter = { and: clauses };
  return req;
}
