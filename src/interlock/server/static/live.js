// Live updates for the approver pages, without a framework.
// The page names its event stream in [data-live-src]; on each "changed" event it
// re-fetches itself and swaps the regions marked [data-live]. A region marked
// data-live="state" (the vote form) is swapped only when its data-state differs, so
// a comment being typed is not lost. Pages work fully without this script.
(function () {
  "use strict";
  var marker = document.querySelector("[data-live-src]");
  if (!marker || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var busy = false, again = false;
  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (old) {
      var next = fresh.getElementById(old.id);
      if (!next) { return; }
      if (old.dataset.live === "state" && old.dataset.state === next.dataset.state) { return; }
      old.replaceWith(document.importNode(next, true));
    });
    document.title = fresh.title || document.title;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(swap)
      .catch(function () { /* the next event or a reload tries again */ })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var source = new EventSource(marker.getAttribute("data-live-src"));
  source.addEventListener("changed", refresh);
  document.documentElement.dataset.live = "on";
})();
