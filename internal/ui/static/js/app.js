// Entry point of the demo page: loads the schema, builds the controls, keeps
// the search state in the URL and re-runs the search whenever it changes.

import { ApiError, getSchema, search } from "./api.js";
import { readSchema, expectedColumns } from "./schema.js";
import { emptyState, parseState, searchRequest, stateToParams } from "./state.js";
import { buildFilters, buildSliders, h, paintQueryWeights, paintShares, syncFilters, syncNeeds, syncSliders } from "./controls.js";
import { renderInterpreted, renderResults } from "./results.js";
import { startStatus } from "./status.js";
import { startIngest, showExpectedColumns } from "./ingest.js";

const PAGE_SIZE = 20;
const SLIDER_DEBOUNCE_MS = 150;
const TYPING_DEBOUNCE_MS = 250;

const $ = (id) => document.getElementById(id);
const els = {
  form: $("search-form"), input: $("search-input"), nl: $("nl-toggle"),
  sliders: $("sliders"), filters: $("filters"),
  resetWeights: $("reset-weights"), clearFilters: $("clear-filters"),
  list: $("results"), count: $("result-count"), error: $("search-error"), more: $("load-more"),
  interpreted: $("interpreted"), interpretedBody: $("interpreted-body"),
  catalogue: $("catalogue-name"), sortBox: $("sort-box"), sort: $("sort-select"),
};

let schema = null;
let st = emptyState();
let shown = []; // the results on the page, across "show more" pages
let total = 0;
let seq = 0; // the number of the latest search; older answers are dropped
let inflight = null;
let timer = 0;
const countFmt = new Intl.NumberFormat();

function writeURL() {
  const qs = stateToParams(st, schema).toString();
  const url = qs ? `${location.pathname}?${qs}` : location.pathname;
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => runSearch(false), ms);
}

function markInvalid(field) {
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (!field) return;
  const [head, name] = field.split(".");
  let el = null;
  if (head === "weights" && name) el = els.sliders.querySelector(`input[data-space="${CSS.escape(name)}"]`);
  else if (head === "filter" && name) el = els.filters.querySelector(`[data-field="${CSS.escape(name)}"]`);
  else if (head === "similar" && name) el = els.sliders.querySelector(`.value [data-space="${CSS.escape(name)}"]`);
  else if (head === "sort") el = els.sort;
  else if (head === "text" || head === "q") el = els.input;
  if (el) el.setAttribute("aria-invalid", "true");
}

function showError(err) {
  if (!err) {
    els.error.hidden = true;
    els.error.replaceChildren();
    markInvalid("");
    return;
  }
  const parts = [document.createTextNode(err.message)];
  if (err instanceof ApiError && err.field) {
    const code = document.createElement("code");
    code.textContent = err.field;
    parts.push(document.createTextNode(" — field "), code);
  }
  els.error.replaceChildren(...parts);
  els.error.hidden = false;
  markInvalid(err.field || "");
}

async function runSearch(append) {
  clearTimeout(timer);
  if (!schema) return;
  writeURL();
  if (inflight) inflight.abort();
  const ctl = new AbortController();
  inflight = ctl;
  const mine = ++seq;
  els.list.setAttribute("aria-busy", "true");
  els.list.dataset.state = "loading";
  const req = searchRequest(st, schema, { limit: PAGE_SIZE, offset: append ? shown.length : 0 });
  try {
    const res = await search(req, ctl.signal);
    if (mine !== seq) return;
    const page = Array.isArray(res.results) ? res.results : [];
    shown = append ? shown.concat(page) : page;
    total = Number.isFinite(res.total) ? res.total : shown.length;
    showError(null);
    renderResults(els.list, shown, schema.roles, schema.spaces);
    if (!shown.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "Nothing matches. Loosen a filter or change the words.";
      els.list.append(li);
    }
    // next_cursor says whether there are more; total counts the matching
    // items (an older server counts only those fetched so far).
    // Under relevance ranking (results carry on_topic) total counts the
    // on-topic items; the less relevant ones below them are not "matching".
    const ranked = shown.some((r) => typeof r.on_topic === "boolean");
    const more = Boolean(res.next_cursor) || total > shown.length;
    const took = Number(res.took_ms);
    const n = ranked ? total : Math.max(total, shown.length);
    const words = !shown.length ? "No results"
      : ranked ? `${countFmt.format(n)} matching${n > shown.length ? `, showing ${countFmt.format(shown.length)}` : ""}`
        : more && total <= shown.length ? `${countFmt.format(shown.length)}+ matching`
          : `${countFmt.format(n)} matching${n > shown.length ? `, showing ${countFmt.format(shown.length)}` : ""}`;
    els.count.textContent = `${words}${shown.length && Number.isFinite(took) ? ` in ${took.toFixed(1)} ms` : ""}`;
    els.count.dataset.total = String(total);
    paintShares(els.sliders, res.shares || res.weights);
    st.queryWeights = (res.interpreted && res.interpreted.weights) || null;
    paintQueryWeights(els.sliders, st, schema, st.queryWeights);
    renderInterpreted(els.interpreted, els.interpretedBody, res.interpreted);
    els.more.hidden = !more || page.length === 0;
    els.list.dataset.state = "done";
  } catch (err) {
    if (err.name === "AbortError" || mine !== seq) return;
    shown = [];
    els.list.replaceChildren();
    els.count.textContent = "Search failed";
    paintShares(els.sliders, null);
    st.queryWeights = null;
    paintQueryWeights(els.sliders, st, schema, null);
    els.more.hidden = true;
    renderInterpreted(els.interpreted, els.interpretedBody, null);
    showError(err);
    els.list.dataset.state = "error";
  } finally {
    if (mine === seq) {
      els.list.setAttribute("aria-busy", "false");
      els.list.dataset.seq = String(mine);
      inflight = null;
    }
  }
}

function syncControls() {
  els.input.value = st.text;
  els.nl.checked = st.nl;
  syncSliders(els.sliders, st, schema);
  syncFilters(els.filters, schema.filters, st);
  els.sort.value = st.sort ? `${st.sort.field}:${st.sort.order}` : "";
}

const SORT_WORDS = {
  rating: { asc: "lowest first", desc: "highest first" },
  range: { asc: "lowest first", desc: "highest first" },
};

/** Fills the sort menu: best match, then each numeric filter field both ways. */
function buildSort() {
  const opts = schema.sortFields.flatMap((f) => {
    const orders = f.kind === "rating" ? ["desc", "asc"] : ["asc", "desc"];
    return orders.map((o) => h("option", { value: `${f.field}:${o}`, text: `${f.label}, ${SORT_WORDS[f.kind][o]}` }));
  });
  els.sort.replaceChildren(h("option", { value: "", text: "Best match" }), ...opts);
  els.sortBox.hidden = opts.length === 0;
}

function wire() {
  els.form.addEventListener("submit", (e) => {
    e.preventDefault();
    st.text = els.input.value;
    runSearch(false);
  });
  els.input.addEventListener("input", () => {
    st.text = els.input.value;
    schedule(TYPING_DEBOUNCE_MS);
  });
  els.nl.addEventListener("change", () => {
    st.nl = els.nl.checked;
    runSearch(false);
  });
  els.resetWeights.addEventListener("click", () => {
    st.weights = {};
    syncSliders(els.sliders, st, schema);
    runSearch(false);
  });
  els.clearFilters.addEventListener("click", () => {
    st.filter = {};
    syncFilters(els.filters, schema.filters, st);
    runSearch(false);
  });
  els.sort.addEventListener("change", () => {
    const v = els.sort.value;
    const at = v.lastIndexOf(":");
    st.sort = at > 0 ? { field: v.slice(0, at), order: v.slice(at + 1) } : null;
    runSearch(false);
  });
  els.more.addEventListener("click", () => runSearch(true));
}

async function init() {
  try {
    const raw = await getSchema();
    schema = readSchema(raw);
    showExpectedColumns($("ingest-columns"), expectedColumns(raw));
  } catch (err) {
    showError(new ApiError(`Cannot load the schema: ${err.message}`, err));
    els.count.textContent = "";
    return;
  }
  if (schema.name) els.catalogue.textContent = `Catalogue: ${schema.name}`;
  buildSliders(els.sliders, schema.spaces, (name, w) => {
    st.weights[name] = w;
    schedule(SLIDER_DEBOUNCE_MS);
  }, (name, v) => {
    if (v === null) delete st.similar[name];
    else st.similar[name] = v;
    syncNeeds(els.sliders, st, schema);
    schedule(TYPING_DEBOUNCE_MS);
  });
  buildSort();
  buildFilters(els.filters, schema.filters, (field, value, { debounce }) => {
    if (value) st.filter[field] = value;
    else delete st.filter[field];
    if (debounce) schedule(TYPING_DEBOUNCE_MS);
    else runSearch(false);
  });
  st = parseState(new URLSearchParams(location.search), schema);
  syncControls();
  // On a phone the panels start closed, so the results come first.
  if (window.matchMedia("(max-width: 760px)").matches) {
    for (const d of document.querySelectorAll(".sidebar details")) d.open = false;
  }
  wire();
  document.body.dataset.ready = "true";
  runSearch(false);
}

const refreshStatus = startStatus({ rows: $("status-rows"), fresh: $("status-fresh"), qps: $("status-qps"), dot: $("status-dot"),
  source: $("status-source"), sourceItem: $("status-source-item") });

startIngest({
  form: $("ingest-form"), file: $("ingest-file"), fileName: $("ingest-file-name"), submit: $("ingest-submit"),
  dropzone: $("dropzone"), job: $("job"), jobFile: $("job-file"), status: $("job-status"), progress: $("job-progress"),
  read: $("job-read"), ingested: $("job-ingested"), merged: $("job-merged"), rejected: $("job-rejected"),
  error: $("job-error"), rejects: $("rejects"), rejectsBody: $("rejects-body"), rejectsNote: $("rejects-note"),
  download: $("rejects-download"),
}, () => {
  refreshStatus();
  runSearch(false);
});

init();
