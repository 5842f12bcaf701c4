// The ingest panel: uploads a file to POST /v1/ingest, then polls the job
// until it is done or failed, showing progress, counts and rejected rows.

import { ingest, getJob } from "./api.js";
import { h } from "./controls.js";

const POLL_MS = 400;
const MAX_REJECTS_SHOWN = 200;

/** Names the columns an upload should have (from expectedColumns). */
export function showExpectedColumns(el, cols) {
  el.hidden = cols.length === 0;
  el.textContent = cols.length ? `Columns: ${cols.join(", ")}` : "";
}

/** Wires the ingest panel; onDone(job) runs when a job finishes. */
export function startIngest(els, onDone) {
  let polling = 0;

  const showFile = () => {
    const f = els.file.files[0];
    els.fileName.textContent = f ? `${f.name} (${Math.max(1, Math.round(f.size / 1024))} KB)` : "";
    els.submit.disabled = !f;
  };
  els.file.addEventListener("change", showFile);

  // Dropping a file on the zone is the same as picking it.
  els.dropzone.addEventListener("dragover", (e) => {
    e.preventDefault();
    els.dropzone.dataset.drag = "on";
  });
  els.dropzone.addEventListener("dragleave", () => delete els.dropzone.dataset.drag);
  els.dropzone.addEventListener("drop", (e) => {
    e.preventDefault();
    delete els.dropzone.dataset.drag;
    if (e.dataTransfer && e.dataTransfer.files.length) {
      els.file.files = e.dataTransfer.files;
      showFile();
    }
  });

  const paint = (job) => {
    els.job.hidden = false;
    els.jobFile.textContent = job.file || "";
    const status = job.status || "running";
    els.status.textContent = status;
    els.status.dataset.status = status;
    const progress = Number(job.progress);
    if (status === "done") els.progress.value = 1;
    else if (Number.isFinite(progress)) els.progress.value = Math.max(0, Math.min(1, progress));
    else els.progress.removeAttribute("value"); // indeterminate
    for (const k of ["read", "ingested", "merged", "rejected"]) els[k].textContent = String(job[k] ?? 0);

    const rejects = job.rejects || [];
    els.rejects.hidden = rejects.length === 0;
    const shown = rejects.slice(0, MAX_REJECTS_SHOWN);
    els.rejectsBody.replaceChildren(...shown.map((r) => h("tr", { "data-testid": "reject-row" },
      h("td", { text: String(r.row ?? "") }),
      h("td", { text: r.column || "" }),
      h("td", { text: r.value ?? "" }),
      h("td", { text: r.reason || "" }))));
    const total = Math.max(rejects.length, Number(job.rejected) || 0);
    els.rejectsNote.textContent = total > shown.length ? `(first ${shown.length} of ${total})` : `(${total})`;
    // The whole list (up to the 1,000 the job keeps) as a file, once the
    // job has ended.
    const ended = status === "done" || status === "failed";
    els.download.hidden = !(ended && job.id && total > 0);
    if (!els.download.hidden) {
      els.download.href = `/v1/jobs/${encodeURIComponent(job.id)}/rejects`;
      const base = String(job.file || "upload").replace(/\.[^.]*$/, "");
      els.download.download = `${base}-rejects.csv`;
    }

    const failed = status === "failed" || job.error;
    els.error.hidden = !failed;
    els.error.textContent = failed ? `Ingest failed: ${job.error || "unknown error"}` : "";
  };

  const poll = async (id) => {
    const mine = ++polling;
    for (;;) {
      if (mine !== polling) return; // a newer upload took over
      let job;
      try {
        job = await getJob(id);
      } catch (err) {
        paint({ id, status: "failed", error: err.message });
        return;
      }
      paint(job);
      if (job.status !== "running" && job.status !== "queued") {
        onDone(job);
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };

  els.form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = els.file.files[0];
    if (!f) return;
    els.submit.disabled = true;
    paint({ file: f.name, status: "uploading", progress: 0 });
    try {
      const job = await ingest(f);
      paint({ file: f.name, ...job });
      await poll(job.id);
    } catch (err) {
      paint({ file: f.name, status: "failed", error: err.field ? `${err.message} (${err.field})` : err.message });
    } finally {
      els.submit.disabled = !els.file.files[0];
    }
  });
}
