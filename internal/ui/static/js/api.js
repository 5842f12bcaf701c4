// Thin client for Tessera's REST API. Every call resolves to the decoded
// JSON body or rejects with an ApiError carrying the server's message and
// the offending field, so the page can show both next to the control.

/** An error answered by the API ({"error":{"code","message","field"}}) or by the network. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = "", field = "" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function request(path, { method = "GET", json, body, signal } = {}) {
  const init = { method, signal, headers: { Accept: "application/json" } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body; // FormData sets its own multipart Content-Type
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(`Cannot reach the server (${method} ${path}): ${err.message}`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(`${method} ${path}: the server sent invalid JSON`, { status: res.status });
    }
  }
  if (!res.ok) {
    const e = data && data.error;
    if (e && typeof e === "object") {
      throw new ApiError(e.message || `${method} ${path} failed with ${res.status}`, {
        status: res.status, code: e.code || "", field: e.field || "",
      });
    }
    const detail = text && !data ? `: ${text.trim().slice(0, 200)}` : "";
    throw new ApiError(`${method} ${path} failed with ${res.status} ${res.statusText}${detail}`, { status: res.status });
  }
  return data;
}

/** GET /v1/schema */
export const getSchema = (signal) => request("/v1/schema", { signal });

/** POST /v1/search */
export const search = (req, signal) => request("/v1/search", { method: "POST", json: req, signal });

/** GET /v1/stats */
export const getStats = (signal) => request("/v1/stats", { signal });

/** POST /v1/ingest with the file as multipart field "file". */
export function ingest(file, signal) {
  const form = new FormData();
  form.append("file", file, file.name);
  return request("/v1/ingest", { method: "POST", body: form, signal });
}

/** GET /v1/jobs/{id} */
export const getJob = (id, signal) => request(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
