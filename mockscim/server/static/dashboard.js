// mockscim live dashboard: plain JavaScript, no build step, no CDN (works offline).
//
// Everything that came from a request is untrusted (it reaches us through a tunnel from the
// internet): it is only ever put in the page with textContent / text nodes, never innerHTML.
// The server's Content-Security-Policy forbids inline script as a second line of defence.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const api = config.api;
  const FEED_MAX = 2000; // rows kept in the page; the journal may hold more (download it)
  const model = { entries: [], maxId: 0, view: "feed", source: null, refreshTimer: null, pending: 0, meta: null, flowsJson: "", stateJson: "" };
  const $ = (id) => document.getElementById(id);
  // Extension points for dashboard-tools.js (export, faults, library flows), set before start().
  const ext = { rowCell: null, feedRendered: [], entryAdded: [], journalCleared: [], flowsLoaders: [] };
  const run = (hooks, ...args) => hooks.forEach((hook) => hook(...args));

  // -- DOM helpers: text only ------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clickable(node, action) {
    // Rows act as buttons: click, Enter or Space.
    node.tabIndex = 0;
    node.setAttribute("role", "button");
    node.addEventListener("click", action);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        action();
      }
    });
    return node;
  }

  function pretty(value) {
    if (value === null || value === undefined || value === "") return "(no body)";
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  }

  function timeOf(at) {
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? String(at || "") : date.toLocaleTimeString([], { hour12: false });
  }

  function statusClass(status) {
    return `s${String(status || 0).charAt(0)}xx`;
  }

  function notify(message, kind) {
    const notice = $("notice");
    notice.textContent = message;
    notice.dataset.kind = kind || "info";
    notice.hidden = false;
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => { notice.hidden = true; }, 4000);
  }

  // -- HTTP ------------------------------------------------------------------------------------

  async function call(url, options) {
    // options: fetch's, plus quiet (no notice on an error: the caller shows it where it belongs).
    const { quiet, ...rest } = options || {};
    const headers = { Accept: "application/json" };
    const init = { credentials: "same-origin", headers, ...rest };
    if (init.method && init.method !== "GET") {
      headers["X-Mockscim-Dashboard"] = "1"; // the server refuses actions without it (CSRF)
      if (init.body !== undefined) headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, init);
    if (response.status === 401) {
      notify("Your session has expired: reload the page to sign in again.", "error");
      throw new Error("unauthorized");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data && data.detail ? data.detail : `HTTP ${response.status}`;
      if (!quiet) notify(detail, "error");
      throw new Error(detail);
    }
    return data;
  }

  // -- feed ------------------------------------------------------------------------------------

  const filters = {
    operation: () => $("filter-operation").value,
    status: () => $("filter-status").value,
    findings: () => $("filter-findings").checked,
    text: () => $("filter-text").value.trim().toLowerCase(),
  };

  function matches(row) {
    const operation = filters.operation();
    const status = filters.status();
    const text = filters.text();
    if (operation && row.operation !== operation) return false;
    if (status && String(row.status).charAt(0) !== status) return false;
    if (filters.findings() && !row.findings) return false;
    if (!text) return true;
    const resource = row.resource ? `${row.resource.type} ${row.resource.id}` : "";
    const haystack = [row.method, row.path, row.query, row.label, row.operation, row.status, row.subject, resource];
    return haystack.join(" ").toLowerCase().includes(text);
  }

  function badge(row) {
    if (!row.severity) return el("span", { class: "badge sev-none", text: "none" });
    const count = `${row.findings} finding${row.findings === 1 ? "" : "s"}`;
    return el("span", { class: `badge sev-${row.severity}`, text: `${row.severity} · ${count}` });
  }

  function feedRow(row) {
    const line = `${row.path || ""}${row.query ? `?${row.query}` : ""}`;
    const li = el(
      "li",
      { class: `row ${statusClass(row.status)} sev-${row.severity || "none"}`, "data-id": row.id },
      ext.rowCell ? ext.rowCell(row) : el("span", { class: "c-sel" }),
      el("span", { class: "c-time", text: timeOf(row.at), title: row.at }),
      // The request line is the row's button (Tab, Enter, Space); a click anywhere else opens it too.
      el("button", { type: "button", class: "c-req", title: `Open request #${row.id}` }, el("b", { class: "method", text: row.method }), " ", el("span", { class: "path", text: line })),
      el("span", { class: "c-op", text: row.label }),
      el("span", { class: `c-status ${statusClass(row.status)}`, text: row.status }),
      el("span", { class: "c-dur", text: row.duration_ms === null ? "" : `${Number(row.duration_ms).toFixed(1)} ms` }),
      el("span", { class: "c-find" }, badge(row)),
    );
    li.addEventListener("click", (event) => {
      if (!event.target.closest(".c-sel")) openEntry(row.id);
    });
    return li;
  }

  function renderFeed() {
    const list = $("feed");
    const shown = model.entries.filter(matches).map(feedRow);
    list.replaceChildren(...shown);
    $("feed-empty").hidden = shown.length > 0;
    $("feed-empty").textContent = model.entries.length
      ? "No request matches the filters."
      : "No requests yet. Point Okta (or curl) at the base URL above; requests appear here as they arrive.";
    renderCount();
    run(ext.feedRendered);
  }

  function renderCount() {
    const dropped = model.meta && model.meta.dropped ? ` · ${model.meta.dropped} dropped` : "";
    $("count").textContent = `${model.entries.length}${dropped}`;
  }

  function addEntry(row) {
    if (row.id <= model.maxId) return;
    model.maxId = row.id;
    model.entries.unshift(row);
    if (model.entries.length > FEED_MAX) model.entries.length = FEED_MAX;
    if (matches(row)) {
      $("feed").prepend(feedRow(row));
      $("feed-empty").hidden = true;
    }
    renderCount();
    run(ext.entryAdded, row);
    scheduleRefresh();
  }

  async function loadEntries() {
    const data = await call(api.entries);
    model.entries = data.entries;
    model.meta = data.meta;
    model.maxId = data.entries.length ? data.entries[0].id : 0;
    renderFeed();
  }

  // -- live updates: server-sent events ---------------------------------------------------------

  function setLive(state, text) {
    const live = $("live");
    live.dataset.state = state;
    live.textContent = text;
  }

  function connect() {
    if (model.source) model.source.close();
    // EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed.
    const source = new EventSource(`${api.events}?since=${model.maxId}`);
    source.addEventListener("entry", (event) => addEntry(JSON.parse(event.data)));
    source.addEventListener("resync", () => loadEntries().catch(() => {}));
    source.addEventListener("open", () => setLive("live", "● live"));
    source.addEventListener("error", () => setLive("down", "○ reconnecting…"));
    model.source = source;
  }

  // data-busy on <body> is set while a refresh is scheduled or loading, so tests (and people)
  // can tell when the page has settled.
  function begin() {
    model.pending += 1;
    document.body.dataset.busy = "1";
  }

  function end() {
    model.pending -= 1;
    if (model.pending === 0) delete document.body.dataset.busy;
  }

  function track(promise) {
    begin();
    return promise.catch(() => {}).finally(end);
  }

  function loadVisible() {
    if (model.view === "flows") return Promise.all([loadFlows(), ...ext.flowsLoaders.map((load) => load())]);
    if (model.view === "state") return loadState();
    return Promise.resolve();
  }

  function scheduleRefresh() {
    // Flows and state follow the journal: refresh the visible one, at most every 300 ms.
    if (model.refreshTimer === null) begin();
    else clearTimeout(model.refreshTimer);
    model.refreshTimer = setTimeout(() => {
      model.refreshTimer = null;
      track(loadVisible()).finally(end);
    }, 300);
  }

  // -- detail panel ----------------------------------------------------------------------------

  function showDetail(...children) {
    $("detail-body").replaceChildren(...children);
    $("detail").hidden = false;
    document.body.classList.add("with-detail");
    $("detail-close").focus();
  }

  function closeDetail() {
    $("detail").hidden = true;
    document.body.classList.remove("with-detail");
  }

  function headerTable(headers) {
    const rows = Object.entries(headers || {}).map(([name, value]) =>
      el("tr", {}, el("th", { text: name, scope: "row" }), el("td", { text: value })),
    );
    return rows.length ? el("table", { class: "headers" }, el("tbody", {}, rows)) : el("p", { class: "muted", text: "(no headers)" });
  }

  function findingList(findings) {
    if (!findings || !findings.length) return el("p", { class: "muted", text: "No findings: the request looks like what Okta sends." });
    return el(
      "ul",
      { class: "findings" },
      findings.map((f) =>
        el(
          "li",
          { class: `finding sev-${f.severity}` },
          el("span", { class: `badge sev-${f.severity}`, text: f.severity }),
          " ",
          el("code", { class: "pointer", text: f.pointer || "/" }),
          " ",
          el("span", { class: "rule", text: f.rule }),
          el("p", { class: "message", text: f.message }),
        ),
      ),
    );
  }

  async function openEntry(id) {
    const entry = await call(config.entryUrl + encodeURIComponent(id));
    const request = entry.request;
    const query = entry.summary.query ? `?${entry.summary.query}` : "";
    const parts = [
      el("h2", { text: entry.label }),
      el(
        "p",
        { class: "meta" },
        `#${entry.id} · ${entry.at} · ${entry.duration_ms} ms · Okta reference ${entry.section} · `,
        el("a", { href: entry.doc_url, target: "_blank", rel: "noopener noreferrer", text: "Okta's SCIM 2.0 doc ↗" }),
      ),
      el("h3", { text: "Findings" }),
      findingList(entry.findings),
      el("h3", { text: "Request" }),
      el("p", { class: "request-line" }, el("b", { text: request.method }), " ", el("code", { text: `${request.path}${query}` })),
      headerTable(request.headers),
      el("pre", { class: "body", text: pretty(request.body) }),
      el("h3", { text: `Response ${entry.response.status}` }),
      headerTable(entry.response.headers),
      el("pre", { class: "body", text: pretty(entry.response.body) }),
    ];
    if (entry.fault) parts.splice(2, 0, el("p", { class: "fault", text: `Fault injected: ${pretty(entry.fault)}` }));
    if (entry.resource) {
      const { type, id: rid } = entry.resource;
      parts.push(el("p", {}, el("button", { type: "button", class: "small", on: { click: () => openResource(type, rid) }, text: `Open this ${type} and its requests` })));
    }
    showDetail(...parts);
  }

  async function openResource(type, id) {
    const data = await call(`${config.resourceUrl}${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
    const name = data.resource.userName || data.resource.displayName || id;
    const touched = data.requests.map((row) =>
      clickable(
        el("li", { class: `mini ${statusClass(row.status)}` }, el("span", { text: `#${row.id} ${timeOf(row.at)}` }), " ", el("span", { text: row.label }), " ", el("b", { text: row.status })),
        () => openEntry(row.id),
      ),
    );
    showDetail(
      el("h2", { text: `${type} ${name}` }),
      el("pre", { class: "body", text: pretty(data.resource) }),
      el("h3", { text: `Requests that touched it (${touched.length})` }),
      touched.length ? el("ol", { class: "touched" }, touched) : el("p", { class: "muted", text: "None in the journal." }),
    );
  }

  // -- flows -----------------------------------------------------------------------------------

  function flowItem(flow) {
    const steps = flow.steps.map((step) =>
      el("li", {}, el("button", { type: "button", class: `step ${statusClass(step.status)}`, "data-entry": step.entry_id, on: { click: () => openEntry(step.entry_id) }, text: step.text })),
    );
    return el(
      "li",
      { class: `flow outcome-${flow.outcome}`, "data-kind": flow.kind },
      // A session group carries no verdict (the library flows do); only a failed step is marked.
      el("div", { class: "flow-head" }, el("span", { class: "flow-title", text: flow.title }), flow.outcome === "failed" ? el("span", { class: "badge outcome-failed", text: "failed" }) : null),
      el("ol", { class: "steps" }, steps),
      flow.problem ? el("p", { class: "problem", text: flow.problem }) : null,
    );
  }

  async function loadFlows() {
    const data = await call(api.flows);
    const json = JSON.stringify(data.flows);
    if (json === model.flowsJson) return; // unchanged: keep the DOM (focus, hover, scroll)
    model.flowsJson = json;
    $("flows").replaceChildren(...data.flows.map(flowItem));
    $("flows-empty").hidden = data.flows.length > 0;
  }

  // -- state -----------------------------------------------------------------------------------

  function cells(...values) {
    return values.map((value) => el("td", { text: value === null || value === undefined ? "" : value }));
  }

  async function loadState() {
    const data = await call(api.state);
    const json = JSON.stringify(data);
    if (json === model.stateJson) return;
    model.stateJson = json;
    const users = data.users.map((u) =>
      clickable(el("tr", { class: u.active ? "" : "inactive", "data-id": u.id }, cells(u.userName, u.name, u.active ? "yes" : "no", u.externalId, u.groups.join(", "))), () => openResource("User", u.id)),
    );
    const groups = data.groups.map((g) =>
      clickable(el("tr", { "data-id": g.id }, cells(g.displayName, g.members.join(", "))), () => openResource("Group", g.id)),
    );
    $("users").tBodies[0].replaceChildren(...users);
    $("groups").tBodies[0].replaceChildren(...groups);
    $("users-count").textContent = String(users.length);
    $("groups-count").textContent = String(groups.length);
  }

  // -- views, actions, banner ------------------------------------------------------------------

  function show(view) {
    model.view = view;
    for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    for (const name of ["feed", "flows", "state"]) $(`view-${name}`).hidden = name !== view;
    track(loadVisible());
    if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  }

  async function resetState() {
    if (!window.confirm("Delete every user and group? The journal is kept.")) return;
    await call(api.reset, { method: "POST", body: JSON.stringify({ state: true, journal: false }) });
    notify("State reset: no users, no groups.");
    if (model.view === "state") await loadState();
  }

  async function clearJournal() {
    if (!window.confirm("Forget every recorded request?")) return;
    await call(api.clear, { method: "POST" });
    model.entries = [];
    run(ext.journalCleared);
    renderFeed();
    if (model.view === "flows") await loadVisible();
    closeDetail();
    notify("Journal cleared.");
  }

  async function toggleSecret() {
    const button = $("reveal");
    const secret = $("secret");
    if (secret.dataset.shown === "yes") {
      secret.textContent = "••••••••";
      secret.dataset.shown = "no";
      button.textContent = "Reveal";
      return;
    }
    const credentials = await call(api.credentials); // fetched only now: never in the page's HTML
    secret.textContent = credentials.token || "";
    secret.dataset.shown = "yes";
    button.textContent = "Hide";
  }

  async function copy(id) {
    try {
      await navigator.clipboard.writeText($(id).textContent);
      notify("Copied.");
    } catch (error) {
      notify("Copying is not allowed here: select the text instead.", "error");
    }
  }

  function wire() {
    const select = $("filter-operation");
    for (const op of config.operations) select.append(el("option", { value: op.value, text: `${op.label} (${op.value})` }));
    for (const id of ["filter-operation", "filter-status", "filter-findings", "filter-text"]) {
      for (const type of ["input", "change"]) $(id).addEventListener(type, renderFeed);
    }
    $("filters").addEventListener("submit", (event) => event.preventDefault());
    for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
    for (const button of document.querySelectorAll("[data-copy]")) button.addEventListener("click", () => copy(button.dataset.copy));
    $("action-reset").addEventListener("click", () => resetState().catch(() => {}));
    $("action-clear").addEventListener("click", () => clearJournal().catch(() => {}));
    if ($("reveal")) $("reveal").addEventListener("click", () => toggleSecret().catch(() => {}));
    if ($("action-logout")) $("action-logout").addEventListener("click", () => call(api.logout, { method: "POST" }).then(() => location.reload()));
    $("detail-close").addEventListener("click", closeDetail);
    document.addEventListener("keydown", (event) => {
      const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
      if (event.key === "Escape") closeDetail();
      else if (event.key === "/" && !typing) {
        event.preventDefault();
        show("feed");
        $("filter-text").focus();
      }
    });
  }

  async function start() {
    wire();
    const initial = location.hash.slice(1);
    show(["feed", "flows", "state"].includes(initial) ? initial : "feed");
    await track(loadEntries());
    connect();
  }

  window.mockscimDashboard = {
    config, api, ext, el, call, notify, statusClass, timeOf, openEntry, track,
    view: () => model.view,
    shownRows: () => model.entries.filter(matches),
  };
  // dashboard-tools.js (deferred, after this file) registers its hooks before the page starts.
  document.addEventListener("DOMContentLoaded", () => {
    start().catch((error) => notify(`The dashboard could not start: ${error.message}`, "error"));
  });
})();
