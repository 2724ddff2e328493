// The midge hub dashboard: reads the hub's JSON API (midge_host/hub/api.py) and draws
// devices, detections per class over time (inline SVG) and recent detections.
// The filters (device, class, time range) become the API's query parameters and the
// page's own URL; ?token=TOKEN is sent with every API call. Times are UTC throughout,
// as the hub stores them. Data goes into the page as text nodes only, never as HTML.
"use strict";

const REFRESH_MS = 15000;
const RECENT = 100;
const HOUR = 3600e3, DAY = 24 * HOUR;
const RANGES = { "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY };
const COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d31", "#000000",
                "#f0e442", "#7f7f7f"];
const STALE_MS = HOUR;  // a device silent this long is shown as quiet

const page = new URLSearchParams(location.search);
const token = page.get("token");
const $ = (id) => document.getElementById(id);
let timer = null, generation = 0, labels = [];

// ---- small DOM helpers -------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  node.append(...children.map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  node.append(...children.map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}

function table(head, rows) {
  const cls = (i) => (head[i].num ? { class: "num" } : {});
  return el("table", {},
    el("thead", {}, el("tr", {}, ...head.map((h, i) => el("th", cls(i), h.title)))),
    el("tbody", {}, ...rows));
}

function empty(text) {
  return el("p", { class: "empty" }, text);
}

// ---- filters and the API -----------------------------------------------------------

// The filters as API parameters; preset ranges end now, so they slide at each refresh.
function filters() {
  const out = {}, range = $("range").value;
  if ($("device").value) out.device = $("device").value;
  if ($("label").value) out.label = $("label").value;
  if (RANGES[range]) out.since = utc(Date.now() - RANGES[range]);
  if (range === "custom") {
    if ($("since").value) out.since = $("since").value + "Z";
    if ($("until").value) out.until = $("until").value + "Z";
  }
  return out;
}

function query(params) {
  const q = new URLSearchParams(params);
  return q.toString() ? "?" + q : "";
}

async function api(path, params) {
  const reply = await fetch(path + query(params), { headers: token ? { Authorization: "Bearer " + token } : {} });
  const body = await reply.json().catch(() => ({}));
  if (reply.status === 401) throw new Error("This hub needs its token: open this page as /?token=TOKEN.");
  if (!reply.ok) throw new Error(`${path}: ${body.error || reply.status + " " + reply.statusText}`);
  return body;
}

// Counts per hour for spans up to 7 days, else per day; an open span is asked per day
// first, and again per hour when its data spans 7 days or less.
async function counts(f) {
  const params = { device: f.device, since: f.since, until: f.until };
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  if (f.since) {
    const span = (f.until ? Date.parse(f.until) : Date.now()) - Date.parse(f.since);
    return api("api/counts", { ...params, bucket: span <= 7 * DAY ? "hour" : "day" });
  }
  const daily = await api("api/counts", { ...params, bucket: "day" });
  const days = daily.counts.map((c) => Date.parse(c.bucket));
  if (days.length && Math.max(...days) - Math.min(...days) > 7 * DAY) return daily;
  return api("api/counts", { ...params, bucket: "hour" });
}

function remember() {
  const state = new URLSearchParams();
  if (token) state.set("token", token);
  for (const id of ["device", "label"]) if ($(id).value) state.set(id, $(id).value);
  if ($("range").value !== "all") state.set("range", $("range").value);
  if ($("range").value === "custom") {
    for (const id of ["since", "until"]) if ($(id).value) state.set(id, $(id).value);
  }
  history.replaceState(null, "", location.pathname + query(state));
}

function restore() {
  for (const id of ["device", "label"]) {
    if (page.get(id)) setOption($(id), page.get(id));
  }
  if (page.get("range")) $("range").value = page.get("range");
  for (const id of ["since", "until"]) if (page.get(id)) $(id).value = page.get(id);
  showCustom();
}

function showCustom() {
  for (const node of document.querySelectorAll("label.custom")) node.hidden = $("range").value !== "custom";
}

// ---- formatting --------------------------------------------------------------------

function utc(ms) {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

function shown(time) {
  return time ? time.replace("T", " ").replace("Z", "") : "–";
}

function ago(time) {
  const s = Math.max(0, (Date.now() - Date.parse(time)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function value(x, format) {
  return x === undefined || x === null ? "–" : format ? format(x) : String(x);
}

function color(label) {
  const i = labels.indexOf(label);
  return COLORS[(i < 0 ? labels.length : i) % COLORS.length];
}

// ---- the three views ---------------------------------------------------------------

function setOption(select, wanted) {
  if (![...select.options].some((o) => o.value === wanted)) select.append(el("option", { value: wanted }, wanted));
  select.value = wanted;
}

// The select's options become `values` (after its first, "all"), keeping the choice;
// untouched when they are already those (an open drop-down stays open).
function fillSelect(select, values) {
  const chosen = select.value, first = select.options[0];
  const now = [...select.options].slice(1).map((o) => o.value);
  if (now.join("\n") === values.join("\n")) return;
  select.replaceChildren(first, ...values.map((v) => el("option", { value: v }, v)));
  if (chosen) setOption(select, chosen);
}

function showDevices(devices) {
  fillSelect($("device"), devices.map((d) => d.device));
  if (!devices.length) {
    $("devices").replaceChildren(empty("No devices yet: a board appears here when its first message reaches the hub."));
    return;
  }
  const head = [{ title: "device" }, { title: "kind" }, { title: "last seen" }, { title: "battery", num: 1 },
                { title: "heap free", num: 1 }, { title: "windows", num: 1 }, { title: "dropped", num: 1 },
                { title: "outbox", num: 1 }, { title: "detections", num: 1 }];
  const rows = devices.map((d) => {
    const h = d.health || {};
    const stale = Date.now() - Date.parse(d.last_seen) > STALE_MS;
    const outbox = h.outbox === undefined ? "–" : h.outbox + (h.outbox_dropped ? ` (${h.outbox_dropped} lost)` : "");
    const row = el("tr", { "data-device": d.device, class: (stale ? "stale " : "") +
                               (d.device === $("device").value ? "selected" : "") },
      el("td", {}, d.device), el("td", {}, d.kind),
      el("td", { class: "seen", title: shown(d.last_seen) + " UTC" }, ago(d.last_seen)),
      el("td", { class: "num" }, value(d.battery_mv, (mv) => (mv / 1000).toFixed(2) + " V")),
      el("td", { class: "num" }, value(h.heap_free, (b) => (b / 1024).toFixed(1) + " KiB")),
      el("td", { class: "num" }, value(h.windows)), el("td", { class: "num" }, value(h.dropped)),
      el("td", { class: "num" }, outbox), el("td", { class: "num" }, d.detections));
    if (d.health_at) row.title = `health at ${shown(d.health_at)} UTC, boot ${d.boot}`;
    row.addEventListener("click", () => choose("device", $("device").value === d.device ? "" : d.device));
    return row;
  });
  $("devices").replaceChildren(table(head, rows));
}

function showLabels(devices, rows) {
  const seen = new Set(rows.map((c) => c.label));
  for (const d of devices) for (const label of Object.keys((d.health || {}).detections || {})) seen.add(label);
  labels = [...seen].sort();
  fillSelect($("label"), labels);
}

// Series per class over every bucket of the span (missing buckets count 0).
function series(result, f) {
  const step = result.bucket === "day" ? DAY : HOUR;
  const rows = result.counts.filter((c) => !f.label || c.label === f.label);
  const times = rows.map((c) => Date.parse(c.bucket));
  const floor = (ms) => Math.floor(ms / step) * step;
  const start = f.since ? floor(Date.parse(f.since)) : Math.min(...times);
  const end = f.until ? floor(Date.parse(f.until) - 1) : f.since ? floor(Date.now()) : Math.max(...times);
  const buckets = [];
  for (let t = start; t <= end; t += step) buckets.push(t);
  const byLabel = new Map();
  for (const c of rows) {
    if (!byLabel.has(c.label)) byLabel.set(c.label, new Array(buckets.length).fill(0));
    const i = Math.round((Date.parse(c.bucket) - start) / step);
    if (i >= 0 && i < buckets.length) byLabel.get(c.label)[i] += c.count;
  }
  return { step, buckets, byLabel };
}

function niceStep(max, ticks) {
  const raw = Math.max(1, max / ticks), power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

function showPlot(result, f) {
  $("bucket").textContent = `(per ${result.bucket}, UTC)`;
  const { step, buckets, byLabel } = series(result, f);
  const legend = $("legend");
  if (!byLabel.size) {
    const filtered = f.device || f.label || f.since || f.until;
    $("plot").replaceChildren(empty(filtered ? "No detections match these filters." : "No detections yet."));
    legend.replaceChildren();
    return;
  }
  // Stacked bars: one per bucket, a segment per class (classes in the legend's order).
  const W = Math.max(320, $("plot").clientWidth || 800), H = 260, L = 44, R = 12, T = 10, B = 30;
  const n = buckets.length, order = [...byLabel.keys()].sort();
  const totals = buckets.map((_, i) => order.reduce((sum, label) => sum + byLabel.get(label)[i], 0));
  const max = Math.max(1, ...totals);
  const yStep = niceStep(max, 5), yMax = Math.ceil(max / yStep) * yStep;
  const band = (W - L - R) / n, bar = Math.max(1, band * 0.8);
  const x = (i) => L + band * (i + 0.5);
  const y = (v) => T + (H - T - B) * (1 - v / yMax);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "detections per class over time" });
  for (let v = 0; v <= yMax; v += yStep) {
    root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(v), y2: y(v) }),
                svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor((W - L - R) / 110))));
  const format = (ms) => (step === DAY ? utc(ms).slice(0, 10) : utc(ms).slice(5, 16).replace("T", " "));
  for (let i = 0; i < n; i += every) {
    const anchor = x(i) < L + 40 ? "start" : x(i) > W - R - 40 ? "end" : "middle";
    root.append(svg("text", { x: x(i), y: H - 10, "text-anchor": anchor }, format(buckets[i])));
  }
  buckets.forEach((bucket, i) => {
    let below = 0;
    for (const label of order) {
      const v = byLabel.get(label)[i];
      if (!v) continue;
      root.append(svg("rect", { class: "bar", "data-label": label, x: (x(i) - bar / 2).toFixed(1),
                                y: y(below + v).toFixed(1), width: bar.toFixed(1),
                                height: (y(below) - y(below + v)).toFixed(1), fill: color(label) },
                      svg("title", {}, `${label}: ${v} (${format(bucket)} UTC)`)));
      below += v;
    }
  });
  $("plot").replaceChildren(root);
  legend.replaceChildren(...order.map((label) => {
    const values = byLabel.get(label);
    const item = el("li", { title: "show only this class" },
                    el("span", { class: "swatch", style: `background: ${color(label)}` }),
                    `${label} (${values.reduce((a, b) => a + b, 0)})`);
    item.addEventListener("click", () => choose("label", f.label === label ? "" : label));
    return item;
  }));
}

function showRecent(detections, f) {
  if (!detections.length) {
    const filtered = f.device || f.label || f.since || f.until;
    $("recent").replaceChildren(empty(filtered ? "No detections match these filters." : "No detections yet."));
    return;
  }
  const head = [{ title: "time" }, { title: "device" }, { title: "class" }, { title: "score (0-255)", num: 1 },
                { title: "boot", num: 1 }, { title: "seq", num: 1 }, { title: "source" }];
  const rows = detections.map((d) => el("tr", {},
    el("td", { title: d.board_time ? "board's time" : "received by the hub" }, shown(d.event_at)),
    el("td", {}, d.device), el("td", {}, d.label), el("td", { class: "num" }, d.score),
    el("td", { class: "num" }, d.boot), el("td", { class: "num" }, d.seq), el("td", {}, d.source)));
  const note = detections.length === RECENT ? [empty(`The newest ${RECENT}; the CSV has them all.`)] : [];
  $("recent").replaceChildren(table(head, rows), ...note);
}

// ---- refresh -----------------------------------------------------------------------

async function refresh() {
  clearTimeout(timer);
  const mine = ++generation, f = filters();
  $("csv").href = "export.csv" + query({ ...f, ...(token ? { token } : {}) });
  try {
    const [devices, recent, result] = await Promise.all(
      [api("api/devices"), api("api/detections", { ...f, limit: RECENT }), counts(f)]);
    if (mine !== generation) return;  // the filters changed meanwhile: a newer refresh draws
    showDevices(devices.devices);
    showLabels(devices.devices, result.counts);
    showPlot(result, f);
    showRecent(recent.detections, f);
    $("error").hidden = true;
    $("status").textContent = `updated ${utc(Date.now()).slice(11, 19)} UTC, every ${REFRESH_MS / 1000} s`;
  } catch (err) {
    if (mine !== generation) return;
    $("error").textContent = err.message;
    $("error").hidden = false;
    $("status").textContent = "not updated";
  } finally {
    if (mine === generation) timer = setTimeout(refresh, REFRESH_MS);
  }
}

function choose(id, wanted) {
  if (wanted) setOption($(id), wanted);
  else $(id).value = "";
  changed();
}

function changed() {
  showCustom();
  remember();
  refresh();
}

for (const id of ["device", "label", "range", "since", "until"]) $(id).addEventListener("change", changed);
$("filters").addEventListener("submit", (event) => event.preventDefault());
restore();
refresh();
