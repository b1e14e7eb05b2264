// SegmentService dashboard: plain browser JavaScript, no build step. Reads the admin API with the key kept in
// sessionStorage (this tab only) and renders whatever fields the API returns: unknown fields are shown as they come,
// missing ones as "–".
"use strict";

const KEY_STORAGE = "segmentservice.adminKey";
const REFRESH_MS = 10000;
const PALETTE = ["#2f6fde", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#e67700", "#5c940d", "#862e9c", "#495057"];
const charts = {};
let timer = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "style") { Object.assign(node.style, value); } else { node.setAttribute(name, value); }
  }
  for (const child of children.flat()) {
    node.append(child instanceof Node ? child : document.createTextNode(child == null ? "–" : String(child)));
  }
  return node;
}

function fmt(value, digits = 3) {
  if (value == null) { return "–"; }
  if (typeof value === "number") { return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(digits); }
  if (typeof value === "object") { return JSON.stringify(value); }
  return String(value);
}

function when(text) {
  return text ? new Date(text).toLocaleString("en-GB", { hour12: false }) : "–";
}

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function api(path) {
  const response = await fetch(path, { headers: { "X-Api-Key": sessionStorage.getItem(KEY_STORAGE) || "" } });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const error = new Error(`${path}: ${response.status} ${problem.title || response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

// A white→blue scale over [min, max] (red below zero), for heatmap cells.
function heat(value, min, max) {
  if (value == null || Number.isNaN(value)) { return "#f5f7fa"; }
  if (value < 0) {
    const t = min < 0 ? Math.min(1, value / min) : 0;
    return `rgba(224, 49, 49, ${0.12 + 0.6 * t})`;
  }
  const t = max > 0 ? Math.min(1, value / max) : 0;
  return `rgba(47, 111, 222, ${0.08 + 0.72 * t})`;
}

function renderSegments(segments) {
  const body = $("segments").tBodies[0];
  body.replaceChildren();
  if (!Array.isArray(segments) || segments.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "No segments yet: no segmentation run has succeeded.")));
    $("segments-run").textContent = "";
    return;
  }
  $("segments-run").textContent = segments[0].runId != null ? `run ${segments[0].runId}` : "";
  for (const s of segments) {
    body.append(el("tr", { "data-segment": s.key },
      el("td", {}, s.key), el("td", {}, s.label), el("td", { class: "num" }, fmt(s.size)),
      el("td", {}, (s.topItems || []).map((item) => el("span", { class: "pill" }, item)))));
  }
}

function metricsText(metrics) {
  if (!metrics || typeof metrics !== "object") { return "–"; }
  return Object.entries(metrics)
    .filter(([, v]) => v == null || typeof v !== "object")
    .map(([k, v]) => `${k} ${fmt(v)}`).join(", ") || "–";
}

function renderRuns(runs) {
  const body = $("runs").tBodies[0];
  body.replaceChildren();
  const list = Array.isArray(runs) ? runs : [];
  for (const r of list.slice(0, 10)) {
    body.append(el("tr", {},
      el("td", {}, r.runId), el("td", { class: `status-${r.status}` }, r.status), el("td", {}, r.trigger),
      el("td", { class: "num" }, fmt(r.k)), el("td", { class: "num" }, fmt(r.users)),
      el("td", {}, r.error ? `${metricsText(r.metrics)} ${r.error}` : metricsText(r.metrics)),
      el("td", {}, when(r.startedAt)), el("td", {}, when(r.finishedAt))));
  }
  if (list.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: "8", class: "muted" }, "No runs yet.")));
  }
  const latest = list.find((r) => Array.isArray(r.transitions) && r.transitions.length > 0);
  renderTransitions(latest);
}

function renderTransitions(run) {
  const box = $("transitions");
  box.replaceChildren();
  $("transition-run").textContent = run ? `run ${run.runId} (rows: from, columns: to)` : "";
  if (!run) {
    box.append(el("p", { class: "muted" }, "No run with transitions yet."));
    return;
  }
  const from = [...new Set(run.transitions.map((t) => t.fromKey))].sort();
  const to = [...new Set(run.transitions.map((t) => t.toKey))].sort();
  const cell = new Map(run.transitions.map((t) => [`${t.fromKey}\u0000${t.toKey}`, t.users]));
  const max = Math.max(...run.transitions.map((t) => t.users), 1);
  const table = el("table", { class: "heat" },
    el("thead", {}, el("tr", {}, el("th", {}, "from \\ to"), to.map((k) => el("th", { class: "item" }, k)))),
    el("tbody", {}, from.map((f) => el("tr", {}, el("th", {}, f), to.map((t) => {
      const users = cell.get(`${f}\u0000${t}`);
      return el("td", { class: "cell", style: { background: heat(users ?? null, 0, max) } }, users ?? "");
    })))));
  box.append(table);
}

function renderPolicy(policy) {
  const box = $("heatmap");
  box.replaceChildren();
  const segments = (policy && Array.isArray(policy.segments)) ? policy.segments : [];
  const exploration = policy && policy.exploration ? Object.entries(policy.exploration).map(([k, v]) => `${k} ${fmt(v)}`).join(", ") : "";
  $("policy-meta").textContent = policy ? `version ${fmt(policy.policyVersion)}; ${exploration}; η ${fmt(policy.learningRate)}, γ ${fmt(policy.discount)}` : "";
  if (segments.length === 0) {
    box.append(el("p", { class: "muted" }, "No learnt values yet: the policy learns from feedback on recommendations."));
    return;
  }
  // Rows: segments; columns: rank 1..N of each segment's own top items; colour: the item's learnt value.
  const ranks = Math.max(...segments.map((s) => (s.topItems || []).length), 0);
  const values = segments.flatMap((s) => (s.topItems || []).map((it) => it.q)).filter((q) => typeof q === "number");
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const table = el("table", { class: "heat" },
    el("thead", {}, el("tr", {}, el("th", {}, "segment"), el("th", { class: "num" }, "items"), el("th", { class: "num" }, "visits"),
      Array.from({ length: ranks }, (_, r) => el("th", { class: "cell" }, `#${r + 1}`)))),
    el("tbody", {}, segments.map((s) => el("tr", {}, el("th", {}, s.key), el("td", { class: "num" }, fmt(s.items)), el("td", { class: "num" }, fmt(s.visits)),
      Array.from({ length: ranks }, (_, r) => {
        const it = (s.topItems || [])[r];
        return el("td", { class: "cell", title: it ? `${it.itemId}: Q ${fmt(it.q, 4)}, ${fmt(it.visits)} visits` : "", style: { background: heat(it ? it.q : null, min, max) } },
          it ? [el("div", { class: "item-id" }, it.itemId), fmt(it.q, 2)] : "");
      })))));
  box.append(table);
}

// Renders every field of the evaluation: numbers, nested estimate objects (ips, snips, standard errors, ...) and names.
function renderEvaluation(evaluation) {
  const box = $("evaluation");
  box.replaceChildren();
  if (!evaluation || typeof evaluation !== "object") {
    box.append(el("p", { class: "muted" }, "No evaluation."));
    return;
  }
  const scalars = Object.entries(evaluation).filter(([, v]) => v == null || typeof v !== "object");
  const nested = Object.entries(evaluation).filter(([, v]) => v != null && typeof v === "object" && !Array.isArray(v));
  box.append(el("dl", { class: "kv" }, scalars.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, /At$|^from$|^to$/.test(k) ? when(v) : fmt(v, 4))])));
  if (nested.length > 0) {
    const columns = [...new Set(nested.flatMap(([, v]) => Object.keys(v)))];
    box.append(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "policy"), columns.map((c) => el("th", { class: "num" }, c)))),
      el("tbody", {}, nested.map(([name, v]) => el("tr", {}, el("th", {}, name), columns.map((c) => el("td", { class: "num" }, fmt(v[c], 4))))))));
  }
}

function lineChart(id, title, datasets) {
  if (typeof Chart === "undefined") { return; }
  if (charts[id]) {
    charts[id].data.datasets = datasets;
    charts[id].update("none");
    return;
  }
  charts[id] = new Chart($(id), {
    type: "line",
    data: { datasets },
    options: {
      animation: false, maintainAspectRatio: false, parsing: false, spanGaps: true,
      plugins: { title: { display: true, text: title }, legend: { position: "bottom", labels: { boxWidth: 12 } } },
      scales: {
        x: { type: "linear", title: { display: true, text: "minutes ago" }, ticks: { callback: (v) => fmt(Number(v), 0) } },
        y: { beginAtZero: true },
      },
    },
  });
}

function renderHistory(history) {
  const points = history && Array.isArray(history.points) ? history.points : [];
  const now = history && history.to ? new Date(history.to).getTime() : Date.now();
  $("history-window").textContent = history ? `${fmt(history.bucketSeconds)} s buckets, ${points.length} points` : "";
  const keys = [...new Set(points.map((p) => p.segmentKey))].sort();
  const series = (field) => keys.map((key, i) => ({
    label: key,
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    pointRadius: 2,
    data: points.filter((p) => p.segmentKey === key)
      .map((p) => ({ x: -(now - new Date(p.bucketStart).getTime()) / 60000, y: p[field] })),
  }));
  lineChart("ctr-chart", "CTR (clicked items / shown items)", series("ctr"));
  lineChart("reward-chart", "Mean reward per shown item", series("meanReward"));
}

async function refresh() {
  if (!sessionStorage.getItem(KEY_STORAGE)) {
    setStatus("Enter the admin key to load the dashboard.", false);
    return;
  }
  const to = new Date();
  const from = new Date(to.getTime() - 30 * 60 * 1000);
  const historyPath = `/admin/policy/history?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&bucket=20`;
  const parts = [
    ["/segments", renderSegments],
    ["/admin/segmentation/runs?limit=20", renderRuns],
    ["/admin/policy?top=6", renderPolicy],
    [historyPath, renderHistory],
    ["/admin/policy/evaluation", renderEvaluation],
  ];
  const results = await Promise.allSettled(parts.map(([path]) => api(path)));
  const failures = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") { parts[i][1](result.value); } else { failures.push(result.reason); }
  });
  if (failures.some((f) => f.status === 401 || f.status === 403)) {
    setStatus("The key was refused: enter an admin key.", true);
  } else if (failures.length > 0) {
    setStatus(failures.map((f) => f.message).join("; "), true);
  } else {
    setStatus(`Updated ${to.toLocaleTimeString("en-GB", { hour12: false })}`, false);
  }
}

function start() {
  // A key may be handed over once in the fragment (#key=...): it moves to sessionStorage and leaves the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("key")) {
    sessionStorage.setItem(KEY_STORAGE, fragment.get("key"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("admin-key").value.trim();
    if (key) { sessionStorage.setItem(KEY_STORAGE, key); }
    $("admin-key").value = "";
    refresh();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setStatus("Key forgotten.", false);
  });
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", start);
