// The dashboard: reads /dashboard/data, /dashboard/logs and runs the workload.
// Every value goes into the page as text (never as HTML), so log lines and names
// cannot inject markup.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 10000;
  let timer = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function num(value) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString();
  }
  function fillRows(body, rows, cells, empty) {
    body.replaceChildren();
    if (!rows || rows.length === 0) {
      const tr = el("tr");
      const td = el("td", empty || "Nothing in this window.");
      td.colSpan = cells.length;
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const row of rows) {
      const tr = el("tr");
      for (const [key, numeric] of cells) {
        tr.append(el("td", numeric ? num(row[key]) : row[key], numeric ? "num" : ""));
      }
      body.append(tr);
    }
  }
  function figures(target, pairs) {
    target.replaceChildren();
    for (const [label, value] of pairs) {
      const box = el("div");
      box.append(el("dt", label), el("dd", value));
      target.append(box);
    }
  }
  async function getJson(url, options) {
    const resp = await fetch(url, Object.assign({ credentials: "same-origin" }, options || {}));
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(body.message || ("HTTP " + resp.status));
    return body;
  }

  function renderComponents(components) {
    const body = $("components-body");
    body.replaceChildren();
    for (const c of components) {
      const tr = el("tr");
      tr.append(el("th", c.display_name || c.id));
      tr.firstChild.scope = "row";
      tr.append(el("td", c.status, "status status-" + c.status));
      const issues = el("td");
      if (c.issues.length === 0) issues.textContent = "none";
      else {
        const list = el("ul", null, "issues");
        for (const i of c.issues) {
          const item = el("li", i.severity + ": " + i.summary);
          if (i.details) item.append(el("div", i.details, "muted"));
          list.append(item);
        }
        issues.append(list);
      }
      tr.append(issues);
      const picked = Object.entries(c.metrics || {}).filter(([k]) => !k.includes("{")).slice(0, 8);
      tr.append(el("td", picked.map(([k, v]) => k + " " + v).join(" · ")));
      body.append(tr);
    }
  }
  function renderTimeline(points) {
    const box = $("timeline");
    box.replaceChildren();
    const max = Math.max(1, ...points.map((p) => p.requests));
    let total = 0;
    let errors = 0;
    for (const p of points) {
      total += p.requests;
      errors += p.errors;
      const bar = el("span", null, p.errors ? "has-errors" : "");
      bar.style.height = (100 * p.requests / max) + "%";
      bar.title = p.bucket + ": " + p.requests + " requests, " + p.errors + " 5xx";
      box.append(bar);
    }
    box.setAttribute("aria-label", "Requests per minute over " + points.length +
      " minutes: " + total + " requests, " + errors + " answered 5xx, at most " + max + " in one minute");
  }
  function renderRequests(req) {
    const t = req.total;
    figures($("request-summary"), [
      ["Requests", num(t.count)],
      ["5xx answers", num(t.errors)],
      ["5xx rate", (100 * t.error_rate).toFixed(2) + " %"],
      ["4xx answers", num(Object.entries(req.by_status).filter(([s]) => s.startsWith("4")).reduce((a, [, v]) => a + v, 0))],
      ["Mean ms", num(t.mean_ms)], ["p50 ms", num(t.p50_ms)], ["p95 ms", num(t.p95_ms)], ["p99 ms", num(t.p99_ms)],
    ]);
    renderTimeline(req.timeline);
    const cols = [["count", true], ["errors", true], ["p50_ms", true], ["p95_ms", true], ["p99_ms", true]];
    fillRows($("routes-body"), req.by_route, [["route", false]].concat(cols));
    fillRows($("types-body"), req.by_type, [["type", false]].concat(cols));
  }
  function renderPipeline(p) {
    fillRows($("ingest-body"), p.ingest, [["source", false], ["outcome", false], ["count", true], ["mean_ms", true], ["p95_ms", true]]);
    fillRows($("bytes-body"), p.ingested_bytes, [["source", false], ["bytes", true]]);
    fillRows($("rating-body"), p.rating, [["metric", false], ["count", true], ["errors", true], ["mean_ms", true], ["p95_ms", true]]);
    fillRows($("refusals-body"), p.refusals, [["rule", false], ["count", true]]);
    fillRows($("upstream-body"), p.upstream, [["host", false], ["status", false], ["count", true]]);
  }
  async function refresh() {
    const minutes = $("window").value;
    try {
      const data = await getJson("/dashboard/data?windowMinutes=" + encodeURIComponent(minutes));
      renderComponents(data.components);
      if (data.requests) renderRequests(data.requests);
      if (data.pipeline) renderPipeline(data.pipeline);
      $("updated").textContent = "Updated " + new Date(data.generated_at).toLocaleTimeString() +
        (data.figures_available ? "" : " (the shared figures cannot be read: see Components)");
    } catch (err) {
      $("updated").textContent = "Could not refresh: " + err.message;
    }
  }
  function schedule() {
    clearInterval(timer);
    if ($("auto-refresh").checked) timer = setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  }

  async function loadLogs(event) {
    if (event) event.preventDefault();
    const params = new URLSearchParams(new FormData($("logs-form")));
    $("logs-status").textContent = "Loading log lines…";
    try {
      const data = await getJson("/dashboard/logs?" + params.toString());
      const list = $("logs-list");
      list.replaceChildren();
      for (const line of data.lines) {
        const item = el("li");
        const details = el("details");
        const summary = el("summary");
        let fields = {};
        let pretty = line.line;
        try {
          fields = JSON.parse(line.line);
          pretty = JSON.stringify(fields, null, 2);
        } catch (e) { /* shown as written */ }
        // A request line says what it was about in its summary: GET /path -> 200 in 12 ms.
        const what = fields.method ? " " + fields.method + " " + fields.path + " → " + fields.status +
          " in " + fields.latency_ms + " ms" + (fields.user ? " by " + fields.user : "") : "";
        summary.append(el("span", line.at + " "), el("span", line.level, "level-" + line.level),
          el("span", " " + line.logger + " " + line.event + what +
            (line.request_id ? " [" + line.request_id + "]" : "")));
        details.append(summary, el("pre", pretty));
        item.append(details);
        list.append(item);
      }
      $("logs-status").textContent = data.lines.length + " line(s), newest first. Open one to read it in full.";
    } catch (err) {
      $("logs-status").textContent = "Could not load log lines: " + err.message;
    }
  }

  async function loadArtifacts() {
    const select = $("workload-artifact");
    try {
      const data = await getJson("/dashboard/artifacts");
      select.replaceChildren();
      for (const a of data.artifacts) {
        const option = el("option", a.name + " (" + a.type + ", " + a.id + ")");
        option.value = a.id;
        select.append(option);
      }
      if (data.artifacts.length === 0) select.append(el("option", "no artifacts yet"));
    } catch (err) {
      $("workload-status").textContent = "Could not list artifacts: " + err.message;
    }
  }
  async function runWorkload(event) {
    event.preventDefault();
    const body = { artifact_id: $("workload-artifact").value, clients: Number($("workload-clients").value) };
    $("workload-status").textContent = "Running " + body.clients + " concurrent downloads…";
    try {
      const r = await getJson("/dashboard/workload", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
      figures($("workload-result"), [
        ["Completed", r.completed + " of " + r.clients], ["Failed", num(r.failed)],
        ["Throughput MB/s", num(r.throughput_mb_per_s)], ["Downloads/s", num(r.downloads_per_s)],
        ["Mean ms", num(r.mean_ms)], ["Median ms", num(r.median_ms)], ["p99 ms", num(r.p99_ms)],
        ["Bytes", num(r.bytes)], ["Seconds", num(r.seconds)],
      ]);
      $("workload-status").textContent = "Done." + (r.failures.length ? " Failures: " + r.failures.join("; ") : "");
      refresh();
    } catch (err) {
      $("workload-status").textContent = "The workload did not run: " + err.message;
    }
  }

  $("window").addEventListener("change", refresh);
  $("refresh-now").addEventListener("click", refresh);
  $("auto-refresh").addEventListener("change", schedule);
  $("logs-form").addEventListener("submit", loadLogs);
  $("workload-form").addEventListener("submit", runWorkload);
  refresh();
  loadLogs();
  loadArtifacts();
  schedule();
})();
