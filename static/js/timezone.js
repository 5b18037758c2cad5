// Fills hidden time-zone fields with the browser's IANA zone, so replies can say "09:00 your time",
// and remembers the zone in a cookie for pages that show times (the support page reloads once to
// show them in it; without JavaScript it names the zone it uses instead).
(function () {
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* stays UTC */ }
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) { input.value = zone; });
  var page = document.querySelector("[data-timezone-cookie]");
  if (!zone || !page) { return; }
  var name = page.getAttribute("data-timezone-cookie");
  var current = (document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)")) || [])[1];
  if (current === zone) { return; }
  document.cookie = name + "=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  var stored = (document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)")) || [])[1];
  // Reload only if the cookie stuck, the page is not already in that zone and no zone was chosen.
  if (page.hasAttribute("data-reload") && stored === zone &&
      page.getAttribute("data-current-zone") !== zone && !/[?&]tz=/.test(location.search)) {
    location.reload();
  }
})();
