// mockscim run report: expand/collapse, "only failures", and links that open what they point at.
(function () {
  "use strict";
  var all = function (selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); };
  document.getElementById("expand-all").addEventListener("click", function () {
    all("details.scenario, details.step").forEach(function (d) { d.open = true; });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    all("details.scenario, details.step").forEach(function (d) { d.open = false; });
  });
  document.getElementById("only-failures").addEventListener("change", function (event) {
    document.body.classList.toggle("only-failures", event.target.checked);
  });
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", reveal);
  reveal();
}());
