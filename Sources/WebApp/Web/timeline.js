// The analysis drawn as a timeline (SVG): shots, fades, black and silent stretches, the loudness
// curve, highlight markers with their scores and reasons; drag across it to pick a range.

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const LANES = { shots: [0, 18], marks: [22, 34], loudness: [38, 112], highlights: [116, 140] };
const HEIGHT = 144;

function element(name, attributes = {}, parent) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function titled(node, text) {
  element("title", {}, node).textContent = text;
  return node;
}

export const clock = (seconds) => {
  const s = Math.max(0, seconds);
  const minutes = Math.floor(s / 60);
  return `${minutes}:${(s - minutes * 60).toFixed(1).padStart(4, "0")}`;
};

/**
 * Draws `analysis` into `container`. `onSelect(start, end)` is called when a range is dragged;
 * `onSeek(time)` on a click. Returns { setSelection(start, end), setPlayhead(time) }.
 */
export function drawTimeline(container, analysis, { onSelect, onSeek }) {
  const duration = Math.max(analysis.duration || 0, 0.001);
  const x = (time) => (Math.min(Math.max(time, 0), duration) / duration) * WIDTH;
  const svg = element("svg", { id: "timeline", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: "none", role: "img",
    "aria-label": "analysis timeline: drag to pick a range" });
  container.replaceChildren(svg);

  // Shots: alternating bands between cuts, a line at each cut.
  const cuts = [0, ...(analysis.cuts || []).map((c) => c.time), duration];
  cuts.slice(0, -1).forEach((start, i) => {
    titled(element("rect", { class: `shot shot-${i % 2}`, x: x(start), y: LANES.shots[0], width: Math.max(0.5, x(cuts[i + 1]) - x(start)),
      height: LANES.shots[1] - LANES.shots[0] }, svg), `shot ${i + 1}: ${clock(start)} – ${clock(cuts[i + 1])}`);
  });
  (analysis.cuts || []).forEach((cut) => titled(element("line", { class: "cut", x1: x(cut.time), x2: x(cut.time), y1: 0, y2: LANES.shots[1] }, svg),
    `cut at ${clock(cut.time)} (score ${cut.score.toFixed(1)})`));

  // Fades, black and silent stretches share a lane, each its own colour.
  const marks = [
    ...(analysis.fades || []).map((f) => ["fade", f, `fade ${f.kind}`]),
    ...(analysis.black || []).map((b) => ["black", b, "black"]),
    ...(analysis.silences || []).map((s) => ["silence", s, "silence"]),
  ];
  for (const [kind, range, label] of marks) {
    titled(element("rect", { class: kind, x: x(range.start), y: LANES.marks[0], width: Math.max(1, x(range.end) - x(range.start)),
      height: LANES.marks[1] - LANES.marks[0] }, svg), `${label}: ${clock(range.start)} – ${clock(range.end)}`);
  }

  // Loudness: momentary LUFS from -60 (bottom) to 0 (top).
  const curve = analysis.loudness?.curve || [];
  if (curve.length) {
    const [top, bottom] = LANES.loudness;
    const y = (lufs) => bottom - ((Math.min(Math.max(lufs, -60), 0) + 60) / 60) * (bottom - top);
    const d = curve.map((p, i) => `${i ? "L" : "M"}${x(p.time).toFixed(1)},${y(p.momentaryLUFS).toFixed(1)}`).join(" ");
    titled(element("path", { class: "loudness", d }, svg), `loudness (integrated ${analysis.loudness.integratedLUFS?.toFixed(1) ?? "–"} LUFS)`);
  }

  // Highlights (or, for an analysis alone, the picker's suggestions): a marker per window, its
  // score written on it, its reason in the tooltip.
  const highlights = analysis.highlights?.length ? analysis.highlights : analysis.suggestions || [];
  highlights.forEach((h, i) => {
    const group = element("g", { class: "highlight", "data-index": i }, svg);
    element("rect", { x: x(h.start), y: LANES.highlights[0], width: Math.max(2, x(h.end) - x(h.start)),
      height: LANES.highlights[1] - LANES.highlights[0] }, group);
    element("text", { x: x(h.start) + 3, y: LANES.highlights[1] - 7 }, group).textContent = h.score.toFixed(2);
    titled(group, `highlight ${i + 1}: ${clock(h.start)} – ${clock(h.end)}, score ${h.score.toFixed(2)}: ${h.reason}`);
  });

  const selection = element("rect", { id: "selection", x: 0, y: 0, width: 0, height: HEIGHT, visibility: "hidden" }, svg);
  const playhead = element("line", { class: "playhead", x1: 0, x2: 0, y1: 0, y2: HEIGHT }, svg);

  const timeAt = (event) => {
    const box = svg.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * duration;
  };
  const show = (start, end) => {
    const [a, b] = start <= end ? [start, end] : [end, start];
    selection.setAttribute("x", x(a));
    selection.setAttribute("width", Math.max(0, x(b) - x(a)));
    selection.setAttribute("visibility", "visible");
  };
  let anchor = null;
  svg.addEventListener("pointerdown", (event) => {
    anchor = timeAt(event);
    svg.setPointerCapture?.(event.pointerId);
    show(anchor, anchor);
  });
  svg.addEventListener("pointermove", (event) => { if (anchor !== null) show(anchor, timeAt(event)); });
  svg.addEventListener("pointerup", (event) => {
    if (anchor === null) return;
    const end = timeAt(event);
    const [a, b] = [Math.max(0, Math.min(anchor, end)), Math.min(duration, Math.max(anchor, end))];
    anchor = null;
    // A click (under a fifth of a second wide) seeks; a drag picks a range.
    if (b - a < 0.2) { selection.setAttribute("visibility", "hidden"); onSeek?.(a); } else { onSelect?.(a, b); }
  });

  return {
    setSelection: (start, end) => show(start, end),
    setPlayhead: (time) => { playhead.setAttribute("x1", x(time)); playhead.setAttribute("x2", x(time)); },
  };
}

/** A bar chart (SVG) of `rows` [{label, value}], for the analytics page. */
export function drawBars(container, rows, { unit = "" } = {}) {
  const height = 160, barGap = 4;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = element("svg", { class: "bars", viewBox: `0 0 ${WIDTH} ${height + 20}`, preserveAspectRatio: "none", role: "img" });
  const width = rows.length ? WIDTH / rows.length : WIDTH;
  rows.forEach((row, i) => {
    const h = (row.value / max) * height;
    titled(element("rect", { x: i * width + barGap / 2, y: height - h, width: Math.max(1, width - barGap), height: h }, svg),
      `${row.label}: ${row.value}${unit}`);
    // A label every few bars, so a month of days stays legible.
    if (i % Math.ceil(rows.length / 10) === 0) {
      element("text", { x: i * width + width / 2, y: height + 16, "text-anchor": "middle" }, svg).textContent = row.label;
    }
  });
  container.replaceChildren(svg);
}

/**
 * A trim strip for a clip's edges: the source around the clip, the kept range shaded between two
 * handles. Drag a handle (or focus it and use the arrow keys, a tenth of a second a press, a
 * second with Shift) to move that edge; `onChange(start, end)` follows. Returns { set(start, end) }.
 */
export function drawTrim(container, { duration, start, end, onChange }) {
  const margin = Math.max(5, end - start);
  const from = Math.max(0, start - margin), to = Math.min(duration || end + margin, end + margin);
  const span = Math.max(to - from, 0.001);
  const height = 40;
  const x = (time) => ((Math.min(Math.max(time, from), to) - from) / span) * WIDTH;
  const svg = element("svg", { class: "trim", viewBox: `0 0 ${WIDTH} ${height}`, preserveAspectRatio: "none",
    "aria-label": `trim: ${clock(from)} to ${clock(to)} of the source` });
  container.replaceChildren(svg);
  element("rect", { class: "trim-track", x: 0, y: 8, width: WIDTH, height: height - 16 }, svg);
  const original = element("rect", { class: "trim-original", x: x(start), y: height - 6, width: Math.max(1, x(end) - x(start)), height: 4 }, svg);
  titled(original, `the clip as rendered: ${clock(start)} – ${clock(end)}`);
  const kept = element("rect", { class: "trim-kept", y: 8, height: height - 16 }, svg);
  const edges = { start, end };
  const handles = {};
  const place = () => {
    kept.setAttribute("x", x(edges.start));
    kept.setAttribute("width", Math.max(0, x(edges.end) - x(edges.start)));
    for (const name of ["start", "end"]) {
      handles[name].setAttribute("x", x(edges[name]) - 10);
      handles[name].setAttribute("aria-valuenow", edges[name].toFixed(2));
      handles[name].setAttribute("aria-valuetext", clock(edges[name]));
    }
  };
  // An edge stays inside the strip and a tenth of a second from the other one.
  const move = (name, time) => {
    const value = Math.round(time * 100) / 100;
    edges[name] = name === "start" ? Math.min(Math.max(value, from), edges.end - 0.1) : Math.max(Math.min(value, to), edges.start + 0.1);
    place();
    onChange?.(edges.start, edges.end);
  };
  const timeAt = (event) => {
    const box = svg.getBoundingClientRect();
    return from + ((event.clientX - box.left) / box.width) * span;
  };
  for (const name of ["start", "end"]) {
    const handle = element("rect", { class: `trim-handle trim-${name}`, y: 0, width: 20, height, rx: 3, tabindex: 0, role: "slider",
      "aria-label": `clip ${name}`, "aria-valuemin": from.toFixed(2), "aria-valuemax": to.toFixed(2) }, svg);
    handles[name] = handle;
    let dragging = false;
    handle.addEventListener("pointerdown", (event) => {
      dragging = true;
      handle.setPointerCapture?.(event.pointerId);
      event.preventDefault();
    });
    handle.addEventListener("pointermove", (event) => { if (dragging) move(name, timeAt(event)); });
    handle.addEventListener("pointerup", () => { dragging = false; });
    handle.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 1 : 0.1;
      if (event.key === "ArrowLeft") move(name, edges[name] - step);
      else if (event.key === "ArrowRight") move(name, edges[name] + step);
      else return;
      event.preventDefault();
    });
  }
  place();
  return {
    set: (newStart, newEnd) => {
      if (newStart >= 0 && newEnd > newStart) { edges.start = newStart; edges.end = newEnd; place(); }
    },
  };
}
