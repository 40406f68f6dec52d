// The pages: sign-in, the home page (upload, uploads, live jobs), a source (player, storyboard,
// timeline, the clip request), a job (live progress, clips), and the admin pages.
import * as api from "./api.js";
import { $, attempt, bytes, h, showError, when } from "./dom.js";
import { clock, drawBars, drawTimeline, drawTrim } from "./timeline.js";

export const canWrite = () => api.session.me && api.session.me.role !== "viewer";
const isAdmin = () => api.session.me?.role === "admin";
export const terminal = (status) => ["succeeded", "failed", "cancelled"].includes(status);

export function progressBar(id, value) {
  return h(`progress${id ? `#${id}` : ""}`, { max: 1, value: value ?? 0 });
}

/** Seconds from "75", "75.5", "1:15" or "1:15.5". */
export function seconds(text) {
  const parts = String(text).trim().split(":").map(Number);
  if (!parts.length || parts.some((p) => !Number.isFinite(p) || p < 0)) return NaN;
  return parts.reduce((total, part) => total * 60 + part, 0);
}

// MARK: sign-in

export function signInView(root, { onSignedIn }) {
  const email = h("input#email", { type: "email", autocomplete: "username", required: true, placeholder: "you@example.com" });
  const password = h("input#password", { type: "password", autocomplete: "current-password", required: true });
  const form = h("form#sign-in-form.card", {
    on: {
      submit: async (event) => {
        event.preventDefault();
        await attempt(async () => {
          await api.signIn(email.value.trim(), password.value);
          onSignedIn();
        });
      },
    },
  }, h("h1", {}, "Sign in to ClipGen"), h("label", {}, "Email", email), h("label", {}, "Password", password),
  h("button#sign-in", { type: "submit" }, "Sign in"));
  root.replaceChildren(form);
  email.focus();
}

// MARK: home: upload, uploads, jobs

export function homeView(root, { navigate, onEvent }) {
  const uploads = h("ul#uploads.list");
  const jobs = h("tbody#jobs");
  root.replaceChildren(
    canWrite() ? uploadPanel(navigate) : null,
    h("section.card", {}, h("h2", {}, "Sources"), uploads),
    h("section.card", {}, h("h2", {}, "Jobs"),
      h("table.jobs", {}, h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "Status"), h("th", {}, "Stage"), h("th", {}, "Progress"),
        h("th", {}, "Clips"), h("th", {}, "Created"))), jobs)),
  );

  const jobRow = (job) => h("tr", { "data-job-id": job.id },
    h("td", {}, h("a", { href: `#/jobs/${job.id}` }, job.id.slice(0, 8))),
    h("td.status", {}, job.status), h("td.stage", {}, job.stage), h("td", {}, progressBar(null, job.progress)),
    h("td.clips", {}, String(job.clips.length)), h("td", {}, when(job.createdAt)));
  const loadJobs = () => attempt(async () => {
    const list = (await api.call("GET", "/v1/jobs?limit=50")).items;
    jobs.replaceChildren(...(list.length ? list.map(jobRow) : [h("tr", {}, h("td.muted", { colspan: 6 }, "No jobs yet."))]));
  });
  const loadUploads = () => attempt(async () => {
    const list = (await api.call("GET", "/v1/uploads?limit=50")).items;
    uploads.replaceChildren(...list.map((u) => h("li", { "data-upload-id": u.id },
      h("span.name", {}, u.filename), h("span.muted", {}, ` ${bytes(u.size)} · ${when(u.createdAt)} `),
      canWrite() ? h("button.analyse", { type: "button", on: { click: () => analyse(u.id, navigate) } }, "Open") : null)));
    if (!list.length) uploads.append(h("li.muted", {}, canWrite() ? "Nothing uploaded yet: drop a video above." : "Nothing uploaded yet."));
  });
  loadJobs();
  loadUploads();
  // Live: a row's status, stage and progress move as events arrive; an unknown job reloads the list.
  onEvent((event) => {
    const row = jobs.querySelector(`tr[data-job-id="${event.jobId}"]`);
    if (!row) return loadJobs();
    row.querySelector(".status").textContent = event.status;
    row.querySelector(".stage").textContent = event.stage;
    row.querySelector("progress").value = event.progress;
    if (event.type === "clip") row.querySelector(".clips").textContent = String(Number(row.querySelector(".clips").textContent) + 1);
  });
}

/**
 * A source is opened through an analysis job (analysis and storyboard, no clips): a recent one
 * of the same upload that has not failed is reused, else one is started.
 */
async function analyse(uploadId, navigate) {
  await attempt(async () => {
    const recent = (await api.call("GET", "/v1/jobs?limit=50")).items;
    const reusable = recent.find((j) => j.source?.uploadId === uploadId && j.analysisUrl && j.clips.length === 0
      && j.storyboard && !["failed", "cancelled"].includes(j.status));
    const job = reusable || await api.call("POST", "/v1/jobs", { source: { uploadId }, analyze: true, thumbnails: true });
    navigate(`#/sources/${uploadId}/${job.id}`);
  });
}

function uploadPanel(navigate) {
  const input = h("input#file-input", { type: "file", accept: "video/*,audio/*" });
  const bar = progressBar("upload-progress", 0);
  const status = h("span#upload-status.muted", {}, "");
  const cancel = h("button#upload-cancel", { type: "button", hidden: true }, "Cancel");
  let current = null;
  const send = async (file) => {
    if (!file || current) return;
    bar.value = 0;
    cancel.hidden = false;
    current = api.upload(file, (sent, total) => {
      bar.value = total ? sent / total : 0;
      status.textContent = `${bytes(sent)} of ${bytes(total)}`;
    });
    cancel.onclick = () => current?.cancel();
    try {
      const upload = await current.done;
      bar.value = 1;
      status.textContent = `uploaded ${upload.filename} (${bytes(upload.size)})`;
      await analyse(upload.id, navigate);
    } catch (error) {
      status.textContent = error.message;
      if (error.message !== "upload cancelled") showError(error);
    } finally {
      current = null;
      cancel.hidden = true;
      input.value = "";
    }
  };
  input.addEventListener("change", () => send(input.files[0]));
  const zone = h("section#upload-zone.card.drop", {
    on: {
      dragover: (event) => { event.preventDefault(); zone.classList.add("over"); },
      dragleave: () => zone.classList.remove("over"),
      drop: (event) => { event.preventDefault(); zone.classList.remove("over"); send(event.dataTransfer.files[0]); },
    },
  }, h("h2", {}, "Upload a video"), h("p.muted", {}, "Drop a file here, or ", h("label.button", {}, "choose one", input)),
  h("div.row", {}, bar, status, cancel));
  return zone;
}

// MARK: a source: player, storyboard, timeline, the clip request

export function sourceView(root, uploadId, analysisJobId, { navigate, onEvent }) {
  const status = h("p#analysis-status.muted", {}, "Analysing…");
  const bar = progressBar("analysis-progress", 0);
  root.replaceChildren(h("section.card", {}, h("h2", {}, "Source"), status, bar));
  let shown = false;
  const check = () => attempt(async () => {
    const job = await api.call("GET", api.path`/v1/jobs/${analysisJobId}`);
    bar.value = job.progress;
    status.textContent = `${job.status} · ${job.stage}`;
    if (job.status === "failed") throw new api.APIError(0, job.error?.message || "the analysis failed");
    if (job.status === "succeeded" && !shown) {
      shown = true;
      const analysis = await api.call("GET", api.path`/v1/jobs/${analysisJobId}/analysis`);
      renderSource(root, uploadId, job, analysis, navigate);
    }
  });
  check();
  onEvent((event) => {
    if (event.jobId !== analysisJobId || shown) return;
    bar.value = event.progress;
    status.textContent = `${event.status} · ${event.stage}`;
    if (terminal(event.status)) check();
  });
}

function renderSource(root, uploadId, job, analysis, navigate) {
  const player = h("video#player", { controls: true, preload: "metadata", src: api.media(api.path`/v1/uploads/${uploadId}/content`) });
  const cropPreview = h("div#crop-preview", { hidden: true });
  const playerBox = h("div.player", {}, player, cropPreview);
  const storyboard = h("div#storyboard.storyboard", { role: "list", "aria-label": "storyboard: click a frame to seek" });
  const timelineBox = h("div.timeline");
  const startInput = h("input#range-start", { inputmode: "decimal", placeholder: "start (s or m:ss)", size: 10 });
  const endInput = h("input#range-end", { inputmode: "decimal", placeholder: "end", size: 10 });
  const ranges = h("ul#ranges.list");
  const picked = [];
  const seek = (time) => { player.currentTime = time; };
  const timeline = drawTimeline(timelineBox, analysis, {
    onSelect: (start, end) => { startInput.value = start.toFixed(2); endInput.value = end.toFixed(2); },
    onSeek: seek,
  });
  player.addEventListener("timeupdate", () => timeline.setPlayhead(player.currentTime));
  const typed = () => timeline.setSelection(seconds(startInput.value) || 0, seconds(endInput.value) || 0);
  startInput.addEventListener("input", typed);
  endInput.addEventListener("input", typed);

  const renderRanges = () => ranges.replaceChildren(...picked.map((r, i) => h("li.range", {},
    `${clock(r.start)} – ${clock(r.end)} (${(r.end - r.start).toFixed(1)} s) `,
    h("button.remove", { type: "button", on: { click: () => { picked.splice(i, 1); renderRanges(); } } }, "Remove"))));
  const addRange = () => {
    const start = seconds(startInput.value), end = seconds(endInput.value);
    if (!(start >= 0) || !(end > start)) return showError(new Error("pick a range on the timeline, or type a start before its end"));
    if (end > analysis.duration + 0.01) return showError(new Error(`the source is ${clock(analysis.duration)} long; end the range before that`));
    picked.push({ start, end });
    renderRanges();
  };

  // Highlights and output options.
  const hlCount = h("input#hl-count", { type: "number", min: 0, max: 20, value: 0 });
  const hlMin = h("input#hl-min", { type: "number", min: 1, max: 600, value: 5 });
  const hlMax = h("input#hl-max", { type: "number", min: 1, max: 600, value: 15 });
  const select = (id, options, value) => h(`select#${id}`, {}, ...options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
  const mode = select("mode", [["smart", "smart (frame-exact, fast)"], ["exact", "exact (re-encode)"], ["keyframe", "keyframe (copy)"]], "smart");
  const format = select("format", [["mp4", "MP4"], ["webm", "WebM"], ["gif", "GIF"]], "mp4");
  const aspect = select("aspect", [["original", "original"], ["16:9", "16:9"], ["9:16", "9:16 (phones)"], ["1:1", "1:1"]], "original");
  const height = select("height", [["", "source"], ["1080", "1080p"], ["720", "720p"], ["480", "480p"], ["360", "360p"]], "");
  const cropX = h("input#crop-x", { type: "range", min: 0, max: 1, step: 0.01, value: 0.5 });
  const fade = h("input#fade", { type: "number", min: 0, max: 5, step: 0.1, value: 0 });
  const normalize = h("input#normalize", { type: "checkbox" });
  // Speech and faces: each of these makes the job transcribe its source (or find faces) first.
  const captions = select("captions", [["", "none"], ["karaoke", "karaoke"], ["plain", "plain"], ["boxed", "boxed"]], "");
  const reframe = select("reframe", [["center", "still at crop position"], ["face", "follow the face"], ["fit", "whole picture"]], "center");
  const silences = h("input#remove-silences", { type: "checkbox" });
  const fillers = h("input#remove-fillers", { type: "checkbox" });
  const join = h("input#join-ranges", { type: "checkbox" });
  const crossfade = h("input#crossfade", { type: "number", min: 0, max: 2, step: 0.1, value: 0, title: "seconds each range fades into the next" });
  const chapters = h("input#chapters", { type: "checkbox" });
  // The organisation's presets: the job's own choices below are laid over the one picked.
  const preset = h("select#preset", {}, h("option", { value: "" }, "none"));
  attempt(async () => {
    const presets = (await api.call("GET", "/v1/presets")).items;
    preset.append(...presets.map((p) => h("option", { value: p.name }, p.description ? `${p.name} — ${p.description}` : p.name)));
  });
  const query = h("input#hl-query", { type: "text", maxlength: 200, placeholder: "words to find (optional)" });
  const showCrop = () => {
    const vertical = aspect.value === "9:16", square = aspect.value === "1:1";
    cropPreview.hidden = !(vertical || square);
    if (cropPreview.hidden || !player.videoWidth) return;
    // The crop window over the displayed picture: full height, the target shape's width.
    const box = player.getBoundingClientRect();
    const shown = Math.min(box.width / player.videoWidth, box.height / player.videoHeight);
    const pictureWidth = player.videoWidth * shown, pictureHeight = player.videoHeight * shown;
    const cropWidth = Math.min(pictureWidth, pictureHeight * (vertical ? 9 / 16 : 1));
    const left = (box.width - pictureWidth) / 2 + (pictureWidth - cropWidth) * Number(cropX.value);
    Object.assign(cropPreview.style, { left: `${left}px`, width: `${cropWidth}px`, top: `${(box.height - pictureHeight) / 2}px`, height: `${pictureHeight}px` });
  };
  for (const control of [aspect, cropX]) control.addEventListener("input", showCrop);
  player.addEventListener("loadedmetadata", showCrop);
  window.addEventListener("resize", showCrop);

  const submit = h("button#submit-job", {
    type: "button",
    on: {
      click: () => attempt(async () => {
        const count = Number(hlCount.value);
        const body = {
          source: { uploadId },
          output: { mode: mode.value, format: format.value, aspect: aspect.value, cropX: Number(cropX.value), fadeSeconds: Number(fade.value),
            normalizeAudio: normalize.checked, ...(height.value ? { height: Number(height.value) } : {}) },
        };
        if (captions.value) body.output.captions = { style: captions.value };
        if (reframe.value !== "center" && aspect.value !== "original") body.output.reframe = reframe.value;
        if (silences.checked) body.output.removeSilences = {};
        if (fillers.checked) body.output.removeFillers = {};
        if (chapters.checked) body.chapters = true;
        if (preset.value) body.preset = preset.value;
        const parts = [...picked].sort((a, b) => a.start - b.start)
          .map((r) => ({ start: Number(r.start.toFixed(3)), end: Number(r.end.toFixed(3)) }));
        if (parts.length > 1 && join.checked) {
          body.clips = [{ ranges: parts, ...(Number(crossfade.value) > 0 ? { crossfade: Number(crossfade.value) } : {}) }];
        }
        else if (parts.length) body.clips = parts;
        if (count > 0) body.highlights = { count, minDuration: Number(hlMin.value), maxDuration: Number(hlMax.value), ...(query.value.trim() ? { query: query.value.trim() } : {}) };
        if (!body.clips && !body.highlights) throw new Error("add a range, or ask for at least one highlight");
        const created = await api.call("POST", "/v1/jobs", body);
        navigate(`#/jobs/${created.id}`);
      }),
    },
  }, "Make clips");

  root.replaceChildren(
    h("section.card", {}, h("h2", {}, "Source"), h("p.muted", {},
      `${clock(analysis.duration)} · ${analysis.cuts.length} cuts · ${(analysis.highlights.length ? analysis.highlights : analysis.suggestions || []).length} highlights`
      + (analysis.loudness?.integratedLUFS != null ? ` · ${analysis.loudness.integratedLUFS.toFixed(1)} LUFS` : "")),
    playerBox, storyboard, timelineBox,
    h("p.legend.muted", {}, h("span.key.shot-0", {}), "shots ", h("span.key.fade", {}), "fades ", h("span.key.black", {}), "black ",
      h("span.key.silence", {}), "silence ", h("span.key.loudness", {}), "loudness ", h("span.key.highlight", {}), "highlights")),
    canWrite() ? h("section.card", {}, h("h2", {}, "Clips to make"),
      h("div.row", {}, h("label", {}, "From", startInput), h("label", {}, "to", endInput),
        h("button#add-range", { type: "button", on: { click: addRange } }, "Add range")), ranges,
      h("div.row", {}, h("label", {}, "Highlights", hlCount), h("label", {}, "of", hlMin), h("label", {}, "to", hlMax), h("span.muted", {}, "seconds"), query),
      h("div.grid", {}, h("label", {}, "Mode", mode), h("label", {}, "Format", format), h("label", {}, "Aspect", aspect),
        h("label", {}, "Crop position", cropX), h("label", {}, "Height", height), h("label", {}, "Fade (s)", fade),
        h("label.inline", {}, normalize, "Normalise loudness"), h("label", {}, "Captions", captions), h("label", {}, "Reframe", reframe),
        h("label.inline", {}, silences, "Cut pauses in speech"), h("label.inline", {}, fillers, "Cut filler words (um, uh)"),
        h("label.inline", {}, join, "Join the ranges into one clip"), h("label.inline", {}, "crossfade (s)", crossfade), h("label.inline", {}, chapters, "Chapter markers"),
        h("label", {}, "Preset", preset)),
      submit) : null,
  );
  if (job.storyboard) drawStoryboard(storyboard, job.storyboard, seek);
}

async function drawStoryboard(container, links, seek) {
  await attempt(async () => {
    const vtt = await api.call("GET", links.vttUrl);
    const sprite = api.media(links.spriteUrl);
    const cues = [...vtt.matchAll(/(\d+):(\d+):([\d.]+) --> [^\n]+\n[^#\n]*#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
    container.replaceChildren(...cues.map((m) => {
      const time = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
      const [x, y, w, hgt] = m.slice(4).map(Number);
      return h("button.tile", {
        type: "button", role: "listitem", title: clock(time), "aria-label": `seek to ${clock(time)}`,
        style: { width: `${w}px`, height: `${hgt}px`, backgroundImage: `url("${sprite}")`, backgroundPosition: `-${x}px -${y}px` },
        on: { click: () => seek(time) },
      });
    }));
  });
}

// MARK: a job: live progress, clips as they finish

/**
 * A clip's "render again" panel: its edges (trim handles on the source around it, or typed), layout
 * and caption style, as a new version.
 */
function renderAgainPanel(clip, currentOutput, sourceDuration, navigate) {
  const output = currentOutput();
  const field = (name, label, input) => h("label", {}, label, input);
  const start = h("input", { name: "start", type: "number", step: "0.01", min: "0", value: String(clip.start) });
  const end = h("input", { name: "end", type: "number", step: "0.01", min: "0", value: String(clip.end) });
  const trimBox = h("div.trim-box");
  // Drawn when the panel opens: by then the job, and so the source's length, has been read.
  let trim = null;
  const opened = () => {
    if (trim) return;
    trim = drawTrim(trimBox, { duration: sourceDuration(), start: clip.start, end: clip.end,
      onChange: (a, b) => { start.value = a.toFixed(2); end.value = b.toFixed(2); } });
  };
  const typed = () => trim?.set(seconds(start.value), seconds(end.value));
  start.addEventListener("input", typed);
  end.addEventListener("input", typed);
  const aspect = h("select", { name: "aspect" }, ...["original", "16:9", "9:16", "1:1", "4:5"].map((a) =>
    h("option", { value: a, selected: (output.aspect || "original") === a }, a)));
  const style = h("select", { name: "captions" }, h("option", { value: "" }, "no captions"),
    ...["karaoke", "plain", "boxed"].map((c) => h("option", { value: c, selected: output.captions?.style === c }, c)));
  const message = h("p.error-text", { hidden: true });
  const submit = async (event) => {
    event.preventDefault();
    message.hidden = true;
    const next = { ...currentOutput(), aspect: aspect.value };
    if (aspect.value === "original") delete next.reframe;
    if (style.value) next.captions = { ...(output.captions || {}), style: style.value }; else delete next.captions;
    try {
      const job = await api.call("POST", api.path`/v1/clips/${clip.id}/renders`,
        { start: seconds(start.value), end: seconds(end.value), output: next });
      navigate(`#/jobs/${job.id}`);
    } catch (error) {
      message.textContent = error.message;
      message.hidden = false;
    }
  };
  return h("details.render-again", { on: { toggle: opened } }, h("summary", {}, "Render again"), trimBox,
    h("form.row", { on: { submit } }, field("start", "Start ", start), field("end", "End ", end),
      field("aspect", "Layout ", aspect), field("captions", "Captions ", style),
      h("button", { type: "submit" }, "Render again")), message);
}

export function jobView(root, id, { navigate, onEvent }) {
  const status = h("span#job-status", {}, "…");
  const stage = h("span#job-stage.muted", {}, "");
  const bar = progressBar("job-progress", 0);
  const clips = h("div#clips.clips");
  // The job's output, which a clip rendered again starts from, and its source's length.
  let output = {};
  let sourceDuration = 0;
  const cancel = h("button#cancel-job", { type: "button", hidden: true, on: { click: () => attempt(async () => render(await api.call("POST", api.path`/v1/jobs/${id}/cancel`))) } },
    "Cancel job");
  const error = h("p#job-error.error-text", { hidden: true });
  // The clips as an edit to finish in another editor: links, so the browser saves the file.
  const exportLink = (format, label) => h("a.export.button", {
    href: api.media(`${api.path`/v1/jobs/${id}/timeline`}?format=${format}`), download: `job-${id.slice(0, 8)}.${format}`,
    "data-format": format,
  }, label);
  const exports = h("p#timeline-export.row", { hidden: true }, h("span.muted", {}, "Timeline for an editor: "),
    exportLink("fcpxml", "Final Cut Pro (FCPXML)"), exportLink("otio", "OpenTimelineIO"), exportLink("edl", "EDL"));
  root.replaceChildren(h("section.card", {}, h("h2", {}, `Job ${id.slice(0, 8)}`), h("div.row", {}, status, stage, bar, cancel), error, exports), clips);

  // A clip's card is made when its event arrives; its quality figures come with a later read.
  const cards = new Map();
  const describe = (clip) => {
    const q = clip.quality;
    return [
      `${clip.duration.toFixed(2)} s`, clip.modeUsed, clip.format,
      q?.psnr != null ? `PSNR ${q.psnr.toFixed(1)} dB` : null, q?.ssim != null ? `SSIM ${q.ssim.toFixed(3)}` : null,
      (q?.loudnessLUFS ?? clip.loudnessLUFS) != null ? `${(q?.loudnessLUFS ?? clip.loudnessLUFS).toFixed(1)} LUFS` : null,
      clip.reframe ? `crop: ${clip.reframe.layout}` : null, clip.captions ? `${clip.captions.words} words` : null,
      clip.keptRanges ? `${clip.keptRanges.length} parts` : null, clip.chapters ? `${clip.chapters.length} chapters` : null,
    ].filter(Boolean).join(" · ");
  };
  const addClip = (clip) => {
    if (cards.has(clip.id)) {
      cards.get(clip.id).querySelector(".figures").textContent = describe(clip);
      return;
    }
    const poster = clip.thumbnailUrl ? api.media(clip.thumbnailUrl) : undefined;
    const media = clip.format === "gif"
      ? h("img.clip-player", { src: api.media(clip.url), alt: clip.name || `clip ${clip.index + 1}` })
      : h("video.clip-player", { controls: true, preload: "metadata", playsinline: true, src: api.media(clip.url), poster },
        // Words not burned in are a subtitle track the player can show.
        clip.captionsVttUrl && !clip.captions?.burnedIn
          ? h("track", { kind: "captions", srclang: "en", label: "English", src: api.media(clip.captionsVttUrl) }) : null);
    const card = h("article.card.clip", { "data-clip-id": clip.id },
      h("h3", {}, clip.name || `Clip ${clip.index + 1}`, clip.reason ? h("span.muted", {}, ` — ${clip.reason}`) : null),
      poster && clip.format === "gif" ? h("img.poster", { src: poster, alt: "" }) : null,
      media, h("p.figures.muted", {}, describe(clip)),
      clip.fallbackReason ? h("p.muted", {}, `cut ${clip.modeUsed}: ${clip.fallbackReason}`) : null,
      h("a.download.button", { href: api.media(clip.url), download: `${clip.name || `clip-${clip.index + 1}`}.${clip.format}` }, "Download"),
      clip.captionsSrtUrl
        ? h("a.download.button", { href: api.media(clip.captionsSrtUrl), download: `${clip.name || `clip-${clip.index + 1}`}.srt` }, "Subtitles (SRT)") : null,
      canWrite() ? renderAgainPanel(clip, () => output, () => sourceDuration, navigate) : null);
    cards.set(clip.id, card);
    // In the job's order, whichever finishes first.
    card.dataset.index = clip.index;
    const after = [...clips.children].find((other) => Number(other.dataset.index) > clip.index);
    clips.insertBefore(card, after || null);
  };
  const render = (job) => {
    output = job.output || {};
    sourceDuration = job.source?.duration || 0;
    status.textContent = job.status;
    stage.textContent = job.stage;
    bar.value = job.progress;
    cancel.hidden = terminal(job.status) || !canWrite();
    error.hidden = !job.error;
    error.textContent = job.error ? `${job.error.code}: ${job.error.message}` : "";
    [...job.clips].sort((a, b) => a.index - b.index).forEach(addClip);
    exports.hidden = job.clips.length === 0;
  };
  const load = () => attempt(async () => render(await api.call("GET", api.path`/v1/jobs/${id}`)));
  load();
  onEvent((event) => {
    if (event.jobId !== id) return;
    status.textContent = event.status;
    stage.textContent = event.stage;
    bar.value = event.progress;
    if (event.clip) addClip(event.clip);
    if (terminal(event.status)) load();
  });
}

// MARK: admin and keys

export function usersView(root) {
  const rows = h("tbody#users");
  const email = h("input#new-user-email", { type: "email", placeholder: "email", required: true });
  const password = h("input#new-user-password", { type: "password", placeholder: "password (12+ characters)", required: true });
  const role = h("select#new-user-role", {}, ...["user", "viewer", "admin"].map((r) => h("option", { value: r }, r)));
  const load = () => attempt(async () => {
    const users = (await api.call("GET", "/v1/users")).items;
    rows.replaceChildren(...users.map((u) => {
      const roleSelect = h("select", { on: { change: () => attempt(async () => { await api.call("PATCH", api.path`/v1/users/${u.id}`, { role: roleSelect.value }); load(); }) } },
        ...["admin", "user", "viewer"].map((r) => h("option", { value: r, selected: r === u.role }, r)));
      const toggle = h("button", { type: "button", on: { click: () => attempt(async () => { await api.call("PATCH", api.path`/v1/users/${u.id}`, { disabled: !u.disabled }); load(); }) } },
        u.disabled ? "Enable" : "Disable");
      return h("tr", {}, h("td", {}, u.email), h("td", {}, roleSelect), h("td", {}, u.disabled ? "disabled" : "active"), h("td", {}, toggle));
    }));
  });
  const form = h("form.row", {
    on: {
      submit: (event) => {
        event.preventDefault();
        attempt(async () => {
          await api.call("POST", "/v1/users", { email: email.value.trim(), password: password.value, role: role.value });
          email.value = "";
          password.value = "";
          load();
        });
      },
    },
  }, email, password, role, h("button", { type: "submit" }, "Add user"));
  root.replaceChildren(h("section.card", {}, h("h2", {}, "Users"), form,
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}, "State"), h("th", {}, ""))), rows)));
  load();
}

export function keysView(root) {
  const rows = h("tbody#keys");
  const name = h("input#new-key-name", { placeholder: "what the key is for", required: true });
  const role = h("select#new-key-role", {}, ...["user", "viewer", ...(isAdmin() ? ["admin"] : [])].map((r) => h("option", { value: r }, r)));
  const shown = h("div#new-key-box", { hidden: true });
  const load = () => attempt(async () => {
    const keys = (await api.call("GET", "/v1/api-keys")).items;
    rows.replaceChildren(...keys.map((k) => h("tr", {}, h("td", {}, k.name), h("td", {}, k.role), h("td", {}, when(k.createdAt)),
      h("td", {}, k.revokedAt ? "revoked" : when(k.lastUsedAt)),
      h("td", {}, k.revokedAt ? null : h("button", { type: "button", on: { click: () => attempt(async () => { await api.call("DELETE", api.path`/v1/api-keys/${k.id}`); load(); }) } }, "Revoke")))));
  });
  const form = h("form.row", {
    on: {
      submit: (event) => {
        event.preventDefault();
        attempt(async () => {
          const created = await api.call("POST", "/v1/api-keys", { name: name.value.trim(), role: role.value });
          shown.replaceChildren(h("p", {}, "Copy the key now: it is shown only once."), h("code#new-key", {}, created.key));
          shown.hidden = false;
          name.value = "";
          load();
        });
      },
    },
  }, name, role, h("button", { type: "submit" }, "Create key"));
  root.replaceChildren(h("section.card", {}, h("h2", {}, "API keys"), form, shown,
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", {}, "Created"), h("th", {}, "Last used"), h("th", {}, ""))), rows)));
  load();
}

export function auditView(root) {
  const rows = h("tbody#audit");
  const more = h("button#audit-more", { type: "button", hidden: true }, "Older entries");
  let cursor = null;
  const load = () => attempt(async () => {
    const page = await api.call("GET", `/v1/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    rows.append(...page.items.map((e) => h("tr", {}, h("td", {}, when(e.at)), h("td", {}, e.action), h("td", {}, e.target || ""),
      h("td", {}, e.outcome), h("td", {}, String(e.status)), h("td", {}, e.address || ""))));
    cursor = page.nextCursor;
    more.hidden = !cursor;
  });
  more.addEventListener("click", load);
  root.replaceChildren(h("section.card", {}, h("h2", {}, "Audit log"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Action"), h("th", {}, "Target"), h("th", {}, "Outcome"),
      h("th", {}, "Status"), h("th", {}, "Address"))), rows), more));
  load();
}

export function analyticsView(root) {
  const jobsChart = h("div#chart-jobs.chart"), minutesChart = h("div#chart-minutes.chart");
  const totals = h("dl#analytics-totals.totals"), stages = h("tbody#analytics-stages"), quality = h("dl#quality-totals.totals");
  root.replaceChildren(
    h("section.card", {}, h("h2", {}, "Last 30 days"), totals, h("h3", {}, "Jobs a day"), jobsChart, h("h3", {}, "Media minutes a day"), minutesChart),
    h("section.card", {}, h("h2", {}, "Processing time by stage"),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Stage"), h("th", {}, "Tasks"), h("th", {}, "p50 (s)"), h("th", {}, "p95 (s)"))), stages)),
    h("section.card", {}, h("h2", {}, "Quality"), quality));
  attempt(async () => {
    const summary = await api.call("GET", "/v1/analytics/summary?groupBy=day");
    const t = summary.totals;
    const jobCount = Object.values(t.jobs).reduce((a, b) => a + b, 0);
    totals.replaceChildren(...[["Jobs", jobCount], ["Succeeded", t.jobs.succeeded || 0], ["Failed", t.jobs.failed || 0],
      ["Clips", t.clips], ["Media minutes", t.mediaMinutes.toFixed(1)]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]));
    // Every day of the window, those without jobs at zero (the report leaves them out).
    const byDay = new Map(summary.buckets.map((b) => [b.start.slice(0, 10), b]));
    const days = [];
    for (let t = Date.parse(summary.from.slice(0, 10)); t < Date.parse(summary.to); t += 86400000) days.push(new Date(t).toISOString().slice(0, 10));
    const bars = (value) => days.map((d) => ({ label: d.slice(5), value: byDay.has(d) ? value(byDay.get(d)) : 0 }));
    drawBars(jobsChart, bars((b) => Object.values(b.jobs).reduce((a, c) => a + c, 0)));
    drawBars(minutesChart, bars((b) => Number(b.mediaMinutes.toFixed(1))), { unit: " min" });
    stages.replaceChildren(...Object.entries(t.processingSeconds).map(([stage, d]) => h("tr", {}, h("td", {}, stage), h("td", {}, String(d.count)),
      h("td", {}, d.p50.toFixed(1)), h("td", {}, d.p95.toFixed(1)))));
    const q = await api.call("GET", "/v1/quality/summary");
    quality.replaceChildren(...[["Clips", q.clips], ["PSNR p50", q.psnr ? `${q.psnr.p50.toFixed(1)} dB` : "–"],
      ["SSIM p50", q.ssim ? q.ssim.p50.toFixed(3) : "–"], ["Below thresholds", q.belowThresholds.length],
      ["Smart-cut fallbacks", q.fallbacks.length]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]));
  });
}

const retentionLabels = {
  uploads: "Uploads", clips: "Clip files", analyses: "Analyses", jobs: "Finished jobs", audit: "Audit entries", webhooks: "Webhook deliveries",
};
const days = (n) => (n === 0 ? "for good" : `${n} day${n === 1 ? "" : "s"}`);

export function dataView(root) {
  const usage = h("dl#storage-use.totals");
  const meter = h("progress#storage-meter", { max: 1, value: 0, hidden: true });
  const rows = h("tbody#retention");
  const bound = h("p#retention-bound.muted");
  const inputs = {};
  const show = (retention) => {
    bound.textContent = retention.maxDays ? `The service keeps nothing longer than ${days(retention.maxDays)}.` : "The service sets no longest time.";
    rows.replaceChildren(...Object.keys(retentionLabels).map((category) => {
      const own = retention.own[category];
      inputs[category] = h(`input#retention-${category}`, {
        type: "number", min: retention.maxDays ? 1 : 0, max: retention.maxDays || 36500, step: 1,
        value: own ?? "", placeholder: `default: ${days(retention.defaults[category])}`,
      });
      return h("tr", {}, h("td", {}, retentionLabels[category]), h("td", {}, inputs[category]),
        h("td.effective", {}, days(retention.effective[category])));
    }));
  };
  const form = h("form#retention-form", {
    on: {
      submit: (event) => {
        event.preventDefault();
        attempt(async () => {
          const own = Object.fromEntries(Object.entries(inputs).map(([category, input]) => [category, input.value === "" ? null : Number(input.value)]));
          show(await api.call("PUT", "/v1/retention", own));
        });
      },
    },
  }, h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Kept"), h("th", {}, "Days (empty: the default; 0: for good)"), h("th", {}, "Applies"))), rows),
  bound, h("button#retention-save", { type: "submit" }, "Save"));
  root.replaceChildren(
    h("section.card", {}, h("h2", {}, "Storage"), usage, meter),
    h("section.card", {}, h("h2", {}, "Retention"),
      h("p.muted", {}, "What is older goes within the hour: uploads no running job or the brand kit uses, finished jobs' files and rows, audit entries, webhook deliveries."),
      form));
  attempt(async () => {
    const quotas = await api.call("GET", "/v1/quotas");
    const limit = quotas.limits.storedBytes;
    usage.replaceChildren(...[["Stored", bytes(quotas.usage.storedBytes)], ["Limit", limit ? bytes(limit) : "none"],
      ["Jobs under way", quotas.usage.activeJobs]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]));
    if (limit) {
      meter.value = Math.min(1, quotas.usage.storedBytes / limit);
      meter.hidden = false;
    }
    show(await api.call("GET", "/v1/retention"));
  });
}

// MARK: presets

export function presetsView(root) {
  const rows = h("tbody#presets");
  const name = h("input#preset-name", { placeholder: "name (a-z, 0-9, - and _)", required: true, pattern: "[a-z0-9_\\-]{1,64}" });
  const description = h("input#preset-description", { placeholder: "what it is for (optional)", maxlength: 500 });
  const settings = h("textarea#preset-settings", { rows: 6, cols: 60, spellcheck: false },
    '{"output": {"format": "mp4", "aspect": "9:16", "height": 720, "captions": {"style": "karaoke"}}}');
  const load = () => attempt(async () => {
    const presets = (await api.call("GET", "/v1/presets")).items;
    rows.replaceChildren(...presets.map((p) => h("tr", { "data-preset": p.name }, h("td", {}, p.name), h("td", {}, p.description || ""),
      h("td", {}, h("code", {}, JSON.stringify(p.settings))),
      h("td", {}, canWrite() ? h("button.delete", { type: "button", on: { click: () => attempt(async () => {
        await api.call("DELETE", api.path`/v1/presets/${p.name}`);
        load();
      }) } }, "Delete") : null))));
  });
  const form = h("form#preset-form", {
    on: {
      submit: (event) => {
        event.preventDefault();
        attempt(async () => {
          let parsed;
          try { parsed = JSON.parse(settings.value || "{}"); } catch { throw new Error("the settings are not JSON"); }
          await api.call("PUT", api.path`/v1/presets/${name.value.trim()}`,
            { settings: parsed, ...(description.value.trim() ? { description: description.value.trim() } : {}) });
          load();
        });
      },
    },
  }, h("div.row", {}, name, description), h("div", {}, settings), h("button#preset-save", { type: "submit" }, "Save preset"));
  root.replaceChildren(
    h("section.card", {}, h("h2", {}, "Presets"),
      h("p.muted", {}, "Job settings saved by name: a job that picks one gets them under its own choices."),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, "Settings"), h("th", {}, ""))), rows)),
    canWrite() ? h("section.card", {}, h("h2", {}, "Save a preset"), form) : null);
  load();
}

export function notFoundView(root) {
  root.replaceChildren(h("section.card", {}, h("h2", {}, "Nothing here"), h("p", {}, h("a", { href: "#/" }, "Back to your jobs"))));
}

export { $ };
