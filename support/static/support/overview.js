// The agents' overview keeps its figures current without reloading the page: every minute it
// fetches the page again and swaps in the figures only, so focus, scroll position and anything being
// read stay put (a <meta refresh> reset them all). The pause button stops it (WCAG 2.2.1, 2.2.2).
(function () {
  "use strict";
  var live = document.getElementById("overview-live");
  var button = document.querySelector("[data-refresh-pause]");
  if (!live || !button || !window.fetch) { return; }
  var paused = false;
  var timer = null;

  function schedule() {
    clearTimeout(timer);
    if (paused) { return; }
    var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 60;
    timer = setTimeout(refresh, seconds * 1000);
  }

  function refresh() {
    // Never pull the figures from under the keyboard focus, nor work for a hidden tab.
    if (document.hidden || live.contains(document.activeElement)) { schedule(); return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("overview-live");
        // A signed-out agent gets the login page: keep the last figures rather than blank them.
        if (fresh && !paused && !live.contains(document.activeElement)) {
          live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(schedule);
  }

  // A new ticket or a customer's message heard live (support/live.js): the figures now.
  document.addEventListener("staff:changed", function () { if (!paused) { clearTimeout(timer); refresh(); } });
  button.hidden = false;
  button.addEventListener("click", function () {
    paused = !paused;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    schedule();
  });
  schedule();
})();
