// Builds the weight sliders and the filter controls from the schema, and
// copies values between them and the search state.

import { pretty } from "./schema.js";
import { WEIGHT_MIN, WEIGHT_MAX, defaultWeight, needsValue, weightOf } from "./state.js";

/** Creates an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c);
  }
  return el;
}

const MODE_HINTS = {
  minimum: "lower is better",
  maximum: "higher is better",
  similar: "closer is better",
};

function spaceHint(s) {
  if (s.kind === "number") return MODE_HINTS[s.mode] || "number";
  if (s.kind === "recency") return "newer is better";
  if (s.kind === "text") return "text match";
  if (s.kind === "category") return "category match";
  return s.kind;
}

/** Formats a weight: "off" at 0, a true minus sign below. */
export function formatWeight(w) {
  if (w === 0) return "off";
  const s = Math.abs(w).toFixed(1);
  return w < 0 ? `\u2212${s}` : s;
}

const weightState = (w) => (w === 0 ? "off" : w < 0 ? "neg" : "on");

// The ids of generated controls use the index, because space and field
// names may hold any character; data-testid keeps the readable name.

/** The query-value input of a space that takes one: a category or a number. */
function valueInput(s, id) {
  const attrs = { id, "data-testid": `value-${s.name}`, dataset: { space: s.name } };
  if (s.kind === "category" && s.categories.length) {
    return h("select", attrs,
      h("option", { value: "", text: "Choose…" }),
      s.categories.map((c) => h("option", { value: c, text: c })));
  }
  if (s.kind === "category") return h("input", { ...attrs, type: "text", placeholder: "e.g. Electronics" });
  return h("input", { ...attrs, type: "number", inputmode: "decimal", step: "any", placeholder: "e.g. 100",
    min: s.min ?? undefined, max: s.max ?? undefined });
}

/**
 * Builds one row per space: a slider, the space's share of the ranking,
 * and, for a space that scores nothing without a query value (a category,
 * a number in "similar" mode), the input that gives it one. Such a space
 * says "needs a value" instead of showing a slider that would do nothing.
 * onInput(name, weight) fires on every move; onValue(name, value) when the
 * query value changes, with null when it is cleared.
 */
export function buildSliders(container, spaces, onInput, onValue) {
  container.replaceChildren();
  spaces.forEach((s, i) => {
    const id = `w-${i}`;
    const input = h("input", {
      type: "range", id, min: WEIGHT_MIN, max: WEIGHT_MAX, step: "0.1",
      "data-testid": `slider-${s.name}`, dataset: { space: s.name },
    });
    const out = h("output", { for: id, id: `${id}-out`, "data-testid": `slider-${s.name}-value` });
    const share = h("span", { class: "share", id: `${id}-share`, "data-testid": `share-${s.name}`, hidden: true });
    input.setAttribute("aria-describedby", share.id);
    let valueBox = null;
    if (onValue && (s.kind === "category" || (s.kind === "number" && s.mode === "similar"))) {
      const vid = `v-${i}`;
      const field = valueInput(s, vid);
      const note = h("span", { class: "needs", id: `${vid}-note`, "data-testid": `needs-${s.name}`, text: "needs a value" });
      field.setAttribute("aria-describedby", note.id);
      valueBox = h("div", { class: "value" },
        h("label", { for: vid, text: s.kind === "category" ? `Match ${pretty(s.field || s.name).toLowerCase()}` : `Close to ${pretty(s.field || s.name).toLowerCase()}` }),
        field, note);
      const fire = () => {
        const raw = field.value.trim();
        let v = raw === "" ? null : raw;
        if (v !== null && s.kind === "number") v = field.validity.valid && Number.isFinite(Number(raw)) ? Number(raw) : null;
        onValue(s.name, v);
      };
      field.addEventListener(field.tagName === "SELECT" ? "change" : "input", fire);
    }
    const row = h("div", { class: "slider", "data-testid": `space-${s.name}`, dataset: { space: s.name } },
      h("label", { for: id }, pretty(s.name), h("span", { class: "kind", text: spaceHint(s) })),
      h("span", { class: "slider-nums" }, share, out), input, valueBox);
    input.addEventListener("input", () => {
      const v = Math.round(Number(input.value) * 10) / 10;
      paintSlider(row, input, out, v);
      onInput(s.name, v);
    });
    container.append(row);
  });
}

function paintSlider(row, input, out, w) {
  const label = formatWeight(w);
  out.value = label;
  out.textContent = label;
  const state = weightState(w);
  out.dataset.state = state;
  row.dataset.state = state;
  input.setAttribute("aria-valuetext", w === 0 ? "off" : w < 0 ? `${label}, inverted` : label);
}

/** Shows or hides the slider of a space by whether it still needs a value. */
function paintNeeds(row, needs) {
  row.dataset.needs = needs ? "true" : "false";
  const input = row.querySelector("input[type=range]");
  input.hidden = needs;
  input.disabled = needs;
  row.querySelector("output").hidden = needs;
  if (needs) row.querySelector(".share").hidden = true; // until the next answer repaints it
  const note = row.querySelector(".needs");
  if (note) note.hidden = !needs;
}

/** Moves every slider to the weight in st, and every value input to its value. */
export function syncSliders(container, st, schema) {
  for (const input of container.querySelectorAll("input[type=range]")) {
    const name = input.dataset.space;
    const w = weightOf(st, schema, name);
    input.value = String(w);
    const row = input.closest(".slider");
    paintSlider(row, input, container.querySelector(`#${input.id}-out`), w);
    const space = schema.spaces.find((x) => x.name === name);
    const field = row.querySelector(".value [data-space]");
    if (field) {
      const v = Object.hasOwn(st.similar, name) ? String(st.similar[name]) : "";
      if (field.tagName === "SELECT" && v !== "" && ![...field.options].some((o) => o.value === v)) {
        field.append(h("option", { value: v, text: v })); // from a hand-made link
      }
      field.value = v;
    }
    paintNeeds(row, Boolean(space) && needsValue(st, space));
  }
}

/**
 * Moves the sliders the user has not moved to the weights the last query
 * set (a natural-language intent: "cheap" sets price, and turns the other
 * attribute defaults off), or back to the schema's where it set none, and
 * marks those set by the query. A slider the user moves is theirs again.
 */
export function paintQueryWeights(container, st, schema, queryWeights) {
  for (const input of container.querySelectorAll("input[type=range]")) {
    const name = input.dataset.space;
    const row = input.closest(".slider");
    if (Object.hasOwn(st.weights, name)) {
      row.dataset.from = "user";
      input.title = "";
      continue;
    }
    const fromQuery = Boolean(queryWeights) && Number.isFinite(queryWeights[name]);
    const w = fromQuery ? queryWeights[name] : defaultWeight(schema, name);
    input.value = String(w);
    paintSlider(row, input, container.querySelector(`#${input.id}-out`), w);
    row.dataset.from = fromQuery ? "query" : "schema";
    input.title = fromQuery ? "Set by the query; move it to set your own" : "";
  }
}

/** Shows "needs a value" or the slider of each space, by the values in st. */
export function syncNeeds(container, st, schema) {
  for (const row of container.querySelectorAll(".slider")) {
    const space = schema.spaces.find((x) => x.name === row.dataset.space);
    paintNeeds(row, Boolean(space) && needsValue(st, space));
  }
}

/**
 * Shows next to each slider its space's share of the ranking: |weight| over
 * the sum of |weight| of the response's effective weights. Without weights
 * in the response the shares are hidden.
 */
export function paintShares(container, weights) {
  const ok = weights && typeof weights === "object";
  const total = ok ? Object.values(weights).reduce((a, w) => a + (Number.isFinite(w) ? Math.abs(w) : 0), 0) : 0;
  for (const row of container.querySelectorAll(".slider")) {
    const share = row.querySelector(".share");
    const w = ok ? weights[row.dataset.space] : undefined;
    if (!Number.isFinite(w) || total <= 0 || row.dataset.needs === "true") {
      share.hidden = true;
      share.textContent = "";
      delete share.dataset.value;
      continue;
    }
    const frac = Math.abs(w) / total;
    const pct = Math.round(frac * 100);
    share.hidden = false;
    share.dataset.value = String(frac);
    share.dataset.state = w === 0 ? "off" : "on";
    share.replaceChildren(w !== 0 && pct === 0 ? "<1%" : `${pct}%`, h("span", { class: "sr-only", text: " of the ranking" }));
    share.title = `${pct}% of the ranking in the last search`;
  }
}

const RATING_STEPS = [1, 2, 3, 3.5, 4, 4.5];

/**
 * Builds one control per filter. onChange(field, value, {debounce}) fires
 * with the field's new filter value, or null when it is cleared.
 */
export function buildFilters(container, filters, onChange) {
  container.replaceChildren();
  filters.forEach((c, i) => {
    const id = `f-${i}`;
    const tid = `filter-${c.field}`;
    let el;
    switch (c.kind) {
      case "category": {
        if (c.options.length) {
          const checks = c.options.map((opt, j) => h("label", { class: "check" },
            h("input", { type: "checkbox", id: `${id}-${j}`, value: opt, "data-testid": `${tid}-option`, dataset: { field: c.field } }),
            opt));
          el = h("fieldset", { "data-testid": tid }, h("legend", { text: c.label }), h("div", { class: "checks" }, checks));
          el.addEventListener("change", () => {
            const vals = [...el.querySelectorAll("input:checked")].map((x) => x.value);
            onChange(c.field, vals.length ? { in: vals } : null, { debounce: false });
          });
        } else {
          // The categories are learned at ingest and not listed: type them.
          const input = h("input", { type: "text", id, "data-testid": tid, placeholder: "e.g. Electronics, Books", dataset: { field: c.field } });
          el = h("div", {}, h("label", { class: "filter-label", for: id, text: `${c.label} (comma separated)` }), input);
          input.addEventListener("input", () => {
            const vals = input.value.split(",").map((v) => v.trim()).filter(Boolean);
            onChange(c.field, vals.length ? { in: vals } : null, { debounce: true });
          });
        }
        break;
      }
      case "rating": {
        const select = h("select", { id, "data-testid": `${tid}-min`, dataset: { field: c.field, part: "min" } },
          h("option", { value: "", text: "Any" }),
          RATING_STEPS.map((r) => h("option", { value: String(r), text: `${r} or more` })));
        el = h("div", {}, h("label", { class: "filter-label", for: id, text: c.label }), select);
        select.addEventListener("change", () => {
          onChange(c.field, select.value === "" ? null : { min: Number(select.value) }, { debounce: false });
        });
        break;
      }
      case "range": {
        const min = h("input", { type: "number", id: `${id}-min`, inputmode: "decimal", step: c.step, placeholder: "Any", "data-testid": `${tid}-min`, dataset: { field: c.field, part: "min" } });
        const max = h("input", { type: "number", id: `${id}-max`, inputmode: "decimal", step: c.step, placeholder: "Any", "data-testid": `${tid}-max`, dataset: { field: c.field, part: "max" } });
        el = h("fieldset", { "data-testid": tid }, h("legend", { text: c.label }),
          h("div", { class: "range" },
            h("div", {}, h("label", { for: min.id, text: "Min" }), min),
            h("div", {}, h("label", { for: max.id, text: "Max" }), max)));
        const fire = () => {
          const lo = min.value === "" || !min.validity.valid ? null : Number(min.value);
          const hi = max.value === "" || !max.validity.valid ? null : Number(max.value);
          onChange(c.field, lo === null && hi === null ? null : { min: lo, max: hi }, { debounce: true });
        };
        min.addEventListener("input", fire);
        max.addEventListener("input", fire);
        break;
      }
      case "bool": {
        const select = h("select", { id, "data-testid": tid, dataset: { field: c.field } },
          h("option", { value: "", text: "Any" }), h("option", { value: "true", text: "Yes" }), h("option", { value: "false", text: "No" }));
        el = h("div", {}, h("label", { class: "filter-label", for: id, text: c.label }), select);
        select.addEventListener("change", () => {
          onChange(c.field, select.value === "" ? null : { eq: select.value === "true" }, { debounce: false });
        });
        break;
      }
      default: {
        const input = h("input", { type: "text", id, "data-testid": tid, placeholder: "contains…", dataset: { field: c.field } });
        el = h("div", {}, h("label", { class: "filter-label", for: id, text: c.label }), input);
        input.addEventListener("input", () => {
          onChange(c.field, input.value.trim() ? { contains: input.value.trim() } : null, { debounce: true });
        });
      }
    }
    el.classList.add("filter");
    container.append(el);
  });
}

/** Sets every filter control to the value in st. */
export function syncFilters(container, filters, st) {
  filters.forEach((c, i) => {
    const f = st.filter[c.field] || {};
    const id = `f-${i}`;
    switch (c.kind) {
      case "category": {
        const vals = new Set(f.in || []);
        const text = container.querySelector(`#${id}`);
        if (text) text.value = [...vals].join(", ");
        for (const box of container.querySelectorAll(`input[type=checkbox][id^="${id}-"]`)) box.checked = vals.has(box.value);
        break;
      }
      case "rating": {
        const select = container.querySelector(`#${id}`);
        const v = f.min === undefined || f.min === null ? "" : String(f.min);
        if (v !== "" && ![...select.options].some((o) => o.value === v)) {
          select.append(h("option", { value: v, text: `${v} or more` })); // from a hand-made link
        }
        select.value = v;
        break;
      }
      case "range":
        container.querySelector(`#${id}-min`).value = f.min ?? "";
        container.querySelector(`#${id}-max`).value = f.max ?? "";
        break;
      case "bool":
        container.querySelector(`#${id}`).value = f.eq === undefined ? "" : String(f.eq);
        break;
      default:
        container.querySelector(`#${id}`).value = f.contains || "";
    }
  });
}
