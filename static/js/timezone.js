// Fills hidden time-zone fields with the browser's IANA zone, so replies can say "09:00 your time".
document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
  try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* stays UTC */ }
});
