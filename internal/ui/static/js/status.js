// The status strip: polls GET /v1/stats and shows the number of rows, how
// long ago the index last changed, the query rate and, when the server
// consumes stream sources (Kafka, NATS), each one's kind and lag.

import { getStats } from "./api.js";

const POLL_MS = 3000;
const countFmt = new Intl.NumberFormat();

/** Formats the time since t (ms since epoch) as "12 s ago". */
export function ago(t, now = Date.now()) {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.round(m / 60);
  if (hrs < 48) return `${hrs} h ago`;
  return `${Math.round(hrs / 24)} d ago`;
}

/**
 * Summarises stream sources as "kafka lag 12 (1.5 s)", one per source;
 * a paused or disconnected source says so. Returns "" for none.
 */
export function sourceSummary(sources) {
  return (sources || [])
    .map((s) => {
      let text = `${s.kind} lag ${countFmt.format(s.lag_messages ?? 0)}`;
      const secs = Number(s.lag_seconds) || 0;
      if (secs > 0) text += ` (${secs.toFixed(secs < 10 ? 1 : 0)} s)`;
      if (!s.connected) text += ", disconnected";
      else if (s.paused) text += ", paused";
      return text;
    })
    .join(" · ");
}

/** Starts polling; returns refresh(), which polls at once. */
export function startStatus(els) {
  let lastUpdate = null;
  let timer = 0;

  const paintFreshness = () => {
    els.fresh.textContent = lastUpdate === null ? "–" : ago(lastUpdate);
  };

  const poll = async () => {
    clearTimeout(timer);
    try {
      const st = await getStats();
      els.rows.textContent = countFmt.format(st.rows ?? 0);
      els.rows.dataset.value = String(st.rows ?? 0);
      const t = st.last_update ? Date.parse(st.last_update) : NaN;
      lastUpdate = Number.isFinite(t) && t > 0 ? t : null;
      els.fresh.title = st.last_update || "";
      const qps = Number(st.queries_per_s) || 0;
      els.qps.textContent = qps.toFixed(qps < 10 ? 1 : 0);
      if (els.source && els.sourceItem) {
        const summary = sourceSummary(st.sources);
        els.sourceItem.hidden = summary === "";
        els.source.textContent = summary || "–";
        els.source.title = (st.sources || [])
          .map((s) => `${s.name}: ${s.events_per_s ?? 0} events/s${s.last_error ? `; ${s.last_error}` : ""}`)
          .join("\n");
        els.source.dataset.lag = String((st.sources || []).reduce((n, s) => n + (s.lag_messages ?? 0), 0));
      }
      els.dot.dataset.state = "ok";
      els.dot.setAttribute("aria-label", "Connected");
      els.dot.title = "Connected";
    } catch (err) {
      els.dot.dataset.state = "down";
      els.dot.setAttribute("aria-label", `Stats unavailable: ${err.message}`);
      els.dot.title = `Stats unavailable: ${err.message}`;
    }
    paintFreshness();
    // Hidden tabs do not poll; visibilitychange restarts the loop.
    if (!document.hidden) timer = setTimeout(poll, POLL_MS);
  };

  setInterval(paintFreshness, 1000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  poll();
  return poll;
}
