// Builds the weight sliders and the filter controls from the schema, and
// copies values between them and the search state.

import { pretty } from "./schema.js";
import { WEIGHT_MIN, WEIGHT_MAX, weightOf } from "./state.js";

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

/** Builds one slider per space; onInput(name, value) fires on every move. */
export function buildSliders(container, spaces, onInput) {
  container.replaceChildren();
  spaces.forEach((s, i) => {
    const id = `w-${i}`;
    const input = h("input", {
      type: "range", id, min: WEIGHT_MIN, max: WEIGHT_MAX, step: "0.1",
      "data-testid": `slider-${s.name}`, dataset: { space: s.name },
    });
    const out = h("output", { for: id, id: `${id}-out`, "data-testid": `slider-${s.name}-value` });
    const row = h("div", { class: "slider" },
      h("label", { for: id }, pretty(s.name), h("span", { class: "kind", text: spaceHint(s) })),
      out, input);
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

/** Moves every slider to the weight in st. */
export function syncSliders(container, st, schema) {
  for (const input of container.querySelectorAll("input[type=range]")) {
    const w = weightOf(st, schema, input.dataset.space);
    input.value = String(w);
    paintSlider(input.closest(".slider"), input, container.querySelector(`#${input.id}-out`), w);
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
