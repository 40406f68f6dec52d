// Batches: one preset and job settings applied to many uploads or URLs, their progress live,
// and every clip in one download.
import * as api from "./api.js";
import { attempt, h, when } from "./dom.js";
import { canWrite, progressBar } from "./views.js";

const countsText = (c) => ["succeeded", "failed", "cancelled", "running", "queued"]
  .filter((key) => c[key]).map((key) => `${c[key]} ${key}`).join(" · ") || "no jobs";

export function batchesView(root, { navigate }) {
  const rows = h("tbody#batches");
  const load = () => attempt(async () => {
    const list = (await api.call("GET", "/v1/batches?limit=50")).items;
    rows.replaceChildren(...(list.length ? list.map((b) => h("tr", { "data-batch-id": b.id },
      h("td", {}, h("a", { href: `#/batches/${b.id}` }, b.name || b.id.slice(0, 8))), h("td.status", {}, b.status),
      h("td", {}, progressBar(null, b.progress)), h("td.muted", {}, countsText(b.counts)), h("td", {}, when(b.createdAt))))
      : [h("tr", {}, h("td.muted", { colspan: 5 }, "No batches yet."))]));
  });
  root.replaceChildren(
    canWrite() ? batchForm(navigate) : null,
    h("section.card", {}, h("h2", {}, "Batches"),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Batch"), h("th", {}, "Status"), h("th", {}, "Progress"),
        h("th", {}, "Jobs"), h("th", {}, "Created"))), rows)));
  load();
}

/** Uploads ticked and URLs pasted, with a preset and the job fields every one of them gets. */
function batchForm(navigate) {
  const uploads = h("ul#batch-uploads.list");
  const urls = h("textarea#batch-urls", { rows: 3, cols: 60, placeholder: "https://… one address a line (optional)" });
  const preset = h("select#batch-preset", {}, h("option", { value: "" }, "no preset"));
  const name = h("input#batch-name", { placeholder: "name (optional)", maxlength: 200 });
  const job = h("textarea#batch-job", { rows: 3, cols: 60, spellcheck: false }, '{"highlights": {"count": 2}}');
  attempt(async () => {
    const [files, presets] = await Promise.all([api.call("GET", "/v1/uploads?limit=100"), api.call("GET", "/v1/presets")]);
    uploads.replaceChildren(...files.items.map((u) => h("li", {}, h("label", {},
      h("input", { type: "checkbox", value: u.id, "data-upload-id": u.id }), ` ${u.filename} `, h("span.muted", {}, when(u.createdAt))))));
    if (!files.items.length) uploads.append(h("li.muted", {}, "Nothing uploaded yet."));
    preset.append(...presets.items.map((p) => h("option", { value: p.name }, p.name)));
  });
  const submit = (event) => {
    event.preventDefault();
    attempt(async () => {
      const sources = [...uploads.querySelectorAll("input:checked")].map((box) => ({ uploadId: box.value }))
        .concat(urls.value.split("\n").map((line) => line.trim()).filter(Boolean).map((url) => ({ url })));
      if (!sources.length) throw new Error("tick an upload or paste an address");
      let fields;
      try { fields = JSON.parse(job.value || "{}"); } catch { throw new Error("the job settings are not JSON"); }
      const body = { sources, job: fields };
      if (preset.value) body.preset = preset.value;
      if (name.value.trim()) body.name = name.value.trim();
      const batch = await api.call("POST", "/v1/batches", body);
      navigate(`#/batches/${batch.id}`);
    });
  };
  return h("section.card", {}, h("h2", {}, "Start a batch"),
    h("form#batch-form", { on: { submit } },
      h("p.muted", {}, "The same settings for every source: a preset, and job fields laid over it."),
      uploads, urls, h("div.row", {}, preset, name), h("div", {}, job), h("button#batch-start", { type: "submit" }, "Start batch")));
}

export function batchView(root, id, { onEvent }) {
  const status = h("span#batch-status", {}, "…");
  const counts = h("span#batch-counts.muted", {}, "");
  const bar = progressBar("batch-progress", 0);
  const rows = h("tbody#batch-jobs");
  const title = h("h2", {}, `Batch ${id.slice(0, 8)}`);
  const cancel = h("button#cancel-batch", { type: "button", hidden: true, on: { click: () => attempt(async () => render(await api.call("POST", api.path`/v1/batches/${id}/cancel`))) } },
    "Cancel batch");
  const archive = h("a#batch-zip.button", { href: api.media(api.path`/v1/batches/${id}/clips.zip`), download: `batch-${id.slice(0, 8)}.zip` },
    "Download every clip (ZIP)");
  let members = new Set();
  const render = (batch) => {
    title.textContent = batch.name ? `Batch “${batch.name}”` : `Batch ${id.slice(0, 8)}`;
    status.textContent = batch.status;
    counts.textContent = countsText(batch.counts);
    bar.value = batch.progress;
    cancel.hidden = batch.status !== "running" || !canWrite();
    archive.hidden = !batch.counts.succeeded;
    members = new Set(batch.jobs.map((j) => j.id));
    rows.replaceChildren(...batch.jobs.map((j, index) => h("tr", { "data-job-id": j.id },
      h("td", {}, String(index + 1)), h("td", {}, h("a", { href: `#/jobs/${j.id}` }, j.id.slice(0, 8))),
      h("td.muted", {}, j.source.url || j.source.uploadId?.slice(0, 8) || ""), h("td.status", {}, j.status),
      h("td", {}, progressBar(null, j.progress)), h("td.muted", {}, j.error ? j.error.message : ""))));
  };
  const load = () => attempt(async () => render(await api.call("GET", api.path`/v1/batches/${id}`)));
  root.replaceChildren(h("section.card", {}, title, h("div.row", {}, status, bar, counts, cancel), h("p.row", {}, archive)),
    h("section.card", {}, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Job"), h("th", {}, "Source"),
      h("th", {}, "Status"), h("th", {}, "Progress"), h("th", {}, ""))), rows)));
  load();
  // A job's row moves with its events; the batch's figures are read again when one ends.
  onEvent((event) => {
    if (!members.has(event.jobId)) return;
    const row = rows.querySelector(`tr[data-job-id="${event.jobId}"]`);
    row.querySelector(".status").textContent = event.status;
    row.querySelector("progress").value = event.progress;
    if (event.type === "status") load();
  });
}
