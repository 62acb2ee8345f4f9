// mockscim dashboard tools: export as scenario, faults, library flows (verify matcher).
//
// Loaded after dashboard.js, whose helpers it uses (window.mockscimDashboard). Same rules:
// everything from requests goes into the page with textContent only, never innerHTML.
"use strict";

(() => {
  const dash = window.mockscimDashboard;
  const { api, el, call, notify, statusClass, openEntry, track, ext } = dash;
  const $ = (id) => document.getElementById(id);
  const selected = new Set(); // journal ids ticked in the feed
  const state = { faultsOpen: false, faultsTimer: null, libraryJson: "", libraryLoad: null, libraryAgain: false };

  // -- selection and export ---------------------------------------------------------------------

  function rowCell(row) {
    const box = el("input", { type: "checkbox", "aria-label": `Select request #${row.id}`, checked: selected.has(row.id) });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(row.id);
      else selected.delete(row.id);
      renderSelection();
    });
    return el("label", { class: "c-sel", title: "Select for export" }, box);
  }

  function renderSelection() {
    const shown = dash.shownRows();
    const ticked = shown.filter((row) => selected.has(row.id)).length;
    const all = $("select-shown");
    all.checked = shown.length > 0 && ticked === shown.length;
    all.indeterminate = ticked > 0 && ticked < shown.length;
    all.disabled = shown.length === 0;
    const hidden = selected.size - ticked;
    $("selection-count").textContent = selected.size
      ? `${selected.size} selected${hidden ? ` (${hidden} hidden by the filters)` : ""}`
      : `nothing selected: export takes all ${shown.length} shown`;
    $("selection-clear").hidden = selected.size === 0;
    $("action-export").disabled = selected.size === 0 && shown.length === 0;
  }

  function selectShown() {
    const on = $("select-shown").checked;
    for (const row of dash.shownRows()) on ? selected.add(row.id) : selected.delete(row.id);
    for (const box of document.querySelectorAll("#feed .c-sel input")) box.checked = on;
    renderSelection();
  }

  function clearSelection() {
    selected.clear();
    for (const box of document.querySelectorAll("#feed .c-sel input")) box.checked = false;
    renderSelection();
  }

  function exportIds() {
    if (selected.size) return [...selected].sort((a, b) => a - b);
    return dash.shownRows().map((row) => row.id).reverse();
  }

  async function exportScenario() {
    const ids = exportIds();
    const name = $("export-name").value.trim() || "Recorded Okta session";
    const response = await fetch(api.export_entries, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/yaml", "X-Mockscim-Dashboard": "1" },
      body: JSON.stringify({ ids, name }),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      notify(data && data.detail ? data.detail : `Export failed: HTTP ${response.status}`, "error");
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const filename = (disposition.match(/filename="([^"]+)"/) || [])[1] || "recorded.scenario.yaml";
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: filename, hidden: true });
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    notify(`Exported ${ids.length} request${ids.length === 1 ? "" : "s"} as ${filename}.`);
  }

  // -- faults -----------------------------------------------------------------------------------

  function describeMatch(match) {
    const parts = Object.entries(match || {}).map(([key, value]) => (key === "method" || key === "path" ? value : `${key}=${value}`));
    return parts.length ? parts.join(" ") : "every request";
  }

  function describeAction(action) {
    return Object.entries(action || {}).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(", ");
  }

  function faultRow(fault) {
    const when = fault.times ? `${fault.times} · ${fault.remaining} left` : fault.probability ? `p=${fault.probability}` : "always";
    const remove = el("button", { type: "button", class: "small", text: "Delete", "aria-label": `Delete fault ${fault.id}` });
    remove.addEventListener("click", () => deleteFault(fault.id).catch(() => {}));
    return el(
      "tr",
      { "data-id": fault.id },
      el("td", { text: fault.id }),
      el("td", {}, el("code", { text: describeMatch(fault.match) })),
      el("td", {}, el("code", { text: describeAction(fault.action) })),
      el("td", { text: when }),
      el("td", { class: "hits", text: `${fault.hits} hit${fault.hits === 1 ? "" : "s"}` }),
      el("td", {}, remove),
    );
  }

  async function loadFaults() {
    const data = await call(api.faults);
    $("faults").tBodies[0].replaceChildren(...data.faults.map(faultRow));
    $("faults").hidden = data.faults.length === 0;
    $("faults-empty").hidden = data.faults.length > 0;
    $("faults-clear").disabled = data.faults.length === 0;
    $("faults-count").textContent = data.faults.length ? `(${data.faults.length})` : "";
    const presets = $("fault-preset");
    if (presets.options.length === 1) {
      data.presets.forEach((preset, index) => presets.append(el("option", { value: index, text: preset.label })));
      state.presets = data.presets;
    }
  }

  function toggleFaults(open) {
    state.faultsOpen = open === undefined ? !state.faultsOpen : open;
    $("faults-panel").hidden = !state.faultsOpen;
    $("action-faults").setAttribute("aria-expanded", String(state.faultsOpen));
    if (state.faultsOpen) {
      track(loadFaults());
      $("fault-preset").focus();
    } else $("action-faults").focus();
  }

  function choosePreset() {
    const preset = state.presets && state.presets[$("fault-preset").value];
    if (preset) $("fault-spec").value = JSON.stringify(preset.spec, null, 2);
    $("fault-error").hidden = true;
  }

  async function addFault(event) {
    event.preventDefault();
    const error = $("fault-error");
    error.hidden = true;
    try {
      // The text goes to the server as is: its message says what is wrong (JSON or the spec).
      const fault = await call(api.faults, { method: "POST", body: $("fault-spec").value, quiet: true });
      notify(`Fault ${fault.id} added.`);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      return;
    }
    await loadFaults();
  }

  async function deleteFault(id) {
    await call(`${api.faults}/${encodeURIComponent(id)}`, { method: "DELETE" });
    notify(`Fault ${id} deleted.`);
    await loadFaults();
  }

  async function clearFaults() {
    if (!window.confirm("Remove every fault?")) return;
    await call(api.faults, { method: "DELETE" });
    notify("Faults cleared: requests are served normally.");
    await loadFaults();
  }

  function refreshFaultsSoon() {
    // Hits and remaining change as requests arrive: refresh the open panel, at most twice a second.
    if (!state.faultsOpen || state.faultsTimer !== null) return;
    state.faultsTimer = setTimeout(() => {
      state.faultsTimer = null;
      track(loadFaults());
    }, 500);
  }

  // -- library flows ----------------------------------------------------------------------------

  function requestText(request) {
    return `#${request.id} ${request.method} ${request.path}${request.query ? `?${request.query}` : ""} → ${request.status}`;
  }

  function entryButton(request, text, title) {
    return el("button", { type: "button", class: `step ${statusClass(request.status)}`, "data-entry": request.id, title, text, on: { click: () => openEntry(request.id) } });
  }

  function stepChain(flow) {
    return el(
      "ol",
      { class: "steps", "aria-label": "Steps and the requests that matched them" },
      flow.steps.map((step) => el("li", {}, step.entry
        ? entryButton(step.entry, `#${step.entry.id} ${step.entry.method} ${step.entry.status}`, `${step.name}: ${requestText(step.entry)}`)
        : el("span", { class: "step missing", title: `${step.name}: no matching request`, text: "missing" }))),
    );
  }

  function missingBlock(flow) {
    const step = flow.steps.find((s) => s.matched === null);
    if (!step) return null;
    return el(
      "div",
      { class: "missing" },
      el("p", {}, "First missing step: ", el("b", { text: step.name }), ` (line ${step.line})`),
      el("p", {}, "expected ", el("code", { text: step.expected })),
      step.closest_entry
        ? el("p", {}, "closest request ", entryButton(step.closest_entry, requestText(step.closest_entry), "Open the closest request"))
        : el("p", { class: "muted", text: "No request in the journal comes close." }),
      step.differences.length ? el("ul", { class: "differences" }, step.differences.map((d) => el("li", { text: d }))) : null,
    );
  }

  function libraryItem(flow) {
    const label = flow.status === "complete" ? "complete" : flow.total_steps ? `${flow.matched_steps}/${flow.total_steps} steps` : "nothing to match";
    const outcome = { complete: "complete", incomplete: "unfinished", unseen: "unseen" }[flow.status];
    return el(
      "li",
      { class: `flow library-flow outcome-${outcome}`, "data-flow": flow.flow, "data-status": flow.status },
      el("div", { class: "flow-head" }, el("span", { class: "flow-title", text: flow.title }), " ", el("span", { class: `badge outcome-${outcome}`, text: label })),
      el("code", { class: "flow-id", text: flow.flow }),
      flow.total_steps ? stepChain(flow) : el("p", { class: "muted", text: "Its steps are the harness's own checks: nothing Okta sends." }),
      flow.status === "incomplete" ? missingBlock(flow) : null,
      el("details", { class: "report" }, el("summary", { text: "verify report" }), el("pre", { class: "body", text: flow.report })),
    );
  }

  function lastMatched(flow) {
    return Math.max(0, ...flow.steps.map((s) => s.matched || 0));
  }

  function renderLibrary(data) {
    const all = $("library-all").checked;
    const complete = data.flows.filter((f) => f.status === "complete").sort((a, b) => lastMatched(b) - lastMatched(a));
    const incomplete = data.flows
      .filter((f) => f.status !== "complete" && (all || f.status === "incomplete"))
      .sort((a, b) => b.matched_steps / (b.total_steps || 1) - a.matched_steps / (a.total_steps || 1) || a.flow.localeCompare(b.flow));
    const open = new Set([...document.querySelectorAll("#library details[open]")].map((d) => d.closest("li").dataset.flow));
    $("library-complete").replaceChildren(...complete.map(libraryItem));
    $("library-incomplete").replaceChildren(...incomplete.map(libraryItem));
    for (const li of document.querySelectorAll("#library li[data-flow]")) if (open.has(li.dataset.flow)) li.querySelector("details").open = true;
    $("library-complete-count").textContent = `(${complete.length})`;
    $("library-incomplete-count").textContent = `(${incomplete.length})`;
    const unseen = data.flows.filter((f) => f.status === "unseen").length;
    $("library-hidden").textContent = all || !unseen ? "" : `${unseen} flow${unseen === 1 ? "" : "s"} with no matched step hidden.`;
    const w = data.window;
    $("library-window").textContent = w.count
      ? `Matched over journal #${w.first}–#${w.last} (${w.partial ? `the newest ${w.count} of ${w.journal} requests` : `${w.count} requests`}) in ${data.elapsed_ms} ms.`
      : "The journal is empty.";
    $("library-command").textContent = w.command;
    $("library-errors").textContent = data.errors.join("\n");
    $("library-errors").hidden = data.errors.length === 0;
  }

  async function fetchLibrary() {
    const data = await call(api.library_flows);
    const { elapsed_ms: elapsed, cached, ...rest } = data;
    const json = JSON.stringify(rest);
    if (json !== state.libraryJson) { // unchanged: keep the DOM (open reports, focus)
      state.libraryJson = json;
      state.library = data;
      renderLibrary(data);
    }
    return cached ? 0 : elapsed;
  }

  function loadLibrary() {
    // One request at a time: matching a long journal takes a while; ask again once it is done.
    if (state.libraryLoad) {
      state.libraryAgain = true;
      return state.libraryLoad;
    }
    state.libraryLoad = (async () => {
      for (;;) {
        state.libraryAgain = false;
        const elapsed = await fetchLibrary();
        if (!state.libraryAgain) break;
        // The server worked `elapsed` ms: leave it as long again for the requests being recorded.
        await new Promise((resolve) => setTimeout(resolve, Math.min(elapsed, 5000)));
      }
    })().finally(() => { state.libraryLoad = null; });
    return state.libraryLoad;
  }

  // -- wiring -----------------------------------------------------------------------------------

  function wire() {
    ext.rowCell = rowCell;
    ext.feedRendered.push(renderSelection);
    ext.entryAdded.push(() => { renderSelection(); refreshFaultsSoon(); });
    ext.journalCleared.push(() => { selected.clear(); state.libraryJson = ""; });
    ext.flowsLoaders.push(loadLibrary);
    $("select-shown").addEventListener("change", selectShown);
    $("selection-clear").addEventListener("click", clearSelection);
    $("action-export").addEventListener("click", () => exportScenario().catch((e) => notify(e.message, "error")));
    $("action-faults").addEventListener("click", () => toggleFaults());
    $("faults-close").addEventListener("click", () => toggleFaults(false));
    $("faults-clear").addEventListener("click", () => clearFaults().catch(() => {}));
    $("fault-preset").addEventListener("change", choosePreset);
    $("fault-form").addEventListener("submit", (event) => addFault(event).catch(() => {}));
    $("library-all").addEventListener("change", () => state.library && renderLibrary(state.library));
    track(loadFaults()); // the count on the Faults button
  }

  wire();
})();
