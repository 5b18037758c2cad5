// Every agents' page hears what comes in without a reload (/ws/agents/): a new ticket is added at
// the top of its region's open queue page and announced (the aria-live region, and a short tone when
// "Sound alerts" is ticked); a chat waiting in one of the agent's regions is announced and listed on
// the live chats page. The page's heartbeat keeps the agent's presence (away after no activity).
// Without WebSockets (a browser or proxy that has none) the same events come by polling over plain
// HTTP: the events after the last ticket and customer message ids seen, and the chats waiting now.
(function () {
  "use strict";
  var live = document.getElementById("staff-live");
  if (!live) { return; }
  var sound = document.getElementById("live-sound");
  var active = false;
  var failures = 0;
  var socket = null;
  if (sound) {
    sound.checked = localStorage.getItem("nimbus-live-sound") === "on";
    sound.addEventListener("change", function () { localStorage.setItem("nimbus-live-sound", sound.checked ? "on" : "off"); });
  }
  ["keydown", "pointerdown", "scroll"].forEach(function (name) {
    document.addEventListener(name, function () { active = true; }, { passive: true });
  });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] === undefined ? "" : String(values[key]); });
  }

  function announce(message) {
    var line = document.createElement("p");
    line.className = "live-alert";
    line.textContent = message;
    live.appendChild(line);
    while (live.children.length > 5) { live.removeChild(live.firstChild); }
    if (sound && sound.checked) { beep(); }
  }

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.18);
    } catch (e) { /* no audio: the visual alert remains */ }
  }

  function cell(row, content, href) {
    var td = row.insertCell(-1);
    if (href) { var a = document.createElement("a"); a.href = href; a.textContent = content; td.appendChild(a); }
    else { td.textContent = content; }
    return td;
  }

  function newTicket(ticket) {
    announce(fill(live.getAttribute("data-new-ticket"), ticket));
    var table = document.querySelector('table[data-live-queue="' + ticket.region + '"]');
    if (!table) { return; }
    var body = table.tBodies[0];
    var empty = body.querySelector("td[colspan]");
    if (empty) { empty.parentNode.remove(); }
    var row = body.insertRow(0);
    row.className = "live-new";
    cell(row, ticket.reference, live.getAttribute("data-ticket-url").replace("REFERENCE", encodeURIComponent(ticket.reference)));
    cell(row, ticket.subject);
    cell(row, ticket.language);
    cell(row, ticket.status);
    cell(row, "—");
    cell(row, "—");
  }

  function ticketMessage(ticket) {
    announce(fill(live.getAttribute("data-ticket-message"), ticket));
    // On that ticket's own page: its messages again, without a reload (what is being typed stays).
    var heading = document.querySelector('[data-live-ticket="' + ticket.reference + '"]');
    var messages = document.querySelector(".article-layout > div > ol.conversation");
    if (!heading || !messages) { return; }
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".article-layout > div > ol.conversation");
        if (fresh) { messages.replaceChildren.apply(messages, Array.prototype.slice.call(fresh.childNodes)); }
      })
      .catch(function () { /* the announcement stays; a reload shows it */ });
  }

  function overviewChanged() {
    // The overview's figures (overview.js) refresh at once rather than at the next minute.
    document.dispatchEvent(new CustomEvent("staff:changed"));
  }

  function chatWaiting(chat) {
    announce(fill(live.getAttribute("data-new-chat"), chat));
    var list = document.getElementById("waiting-chats");
    if (!list || list.querySelector('[data-chat="' + chat.id + '"]')) { return; }
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.setAttribute("data-chat", chat.id);
    var form = document.createElement("form");
    form.method = "post";
    form.action = list.getAttribute("data-accept-url").replace("00000000-0000-0000-0000-000000000000", chat.id);
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { form.appendChild(token.cloneNode()); }
    var label = document.createElement("span");
    label.textContent = chat.region + " · " + chat.language + (chat.subject ? " · " + chat.subject : "");
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = list.getAttribute("data-accept-label");
    form.appendChild(label);
    form.appendChild(button);
    item.appendChild(form);
    list.appendChild(item);
  }

  function chatTaken(chat) {
    var item = document.querySelector('#waiting-chats [data-chat="' + chat.id + '"]');
    if (item) { item.remove(); }
  }

  function handle(data) {
    if (data.event === "ticket.new") { newTicket(data.ticket); overviewChanged(); }
    else if (data.event === "ticket.message") { ticketMessage(data.ticket); overviewChanged(); }
    else if (data.event === "chat.waiting") { chatWaiting(data.chat); }
    else if (data.event === "chat.taken") { chatTaken(data.chat); }
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); });
  }

  function poll() {
    // The first answer carries no events, only where to start; each later one what came since.
    var cursor = null;
    var waiting = null;  // the ids of the chats waiting at the last poll
    var delay = 3000;
    function once() {
      var url = live.getAttribute("data-poll-url") + (cursor ? "?tickets=" + cursor.tickets + "&messages=" + cursor.messages + (active ? "&active=1" : "") : "");
      active = false;
      getJson(url).then(function (data) {
        cursor = { tickets: data.tickets, messages: data.messages };
        data.events.forEach(handle);
        return getJson(live.getAttribute("data-waiting-url"));
      }).then(function (data) {
        var now = {};
        data.chats.forEach(function (chat) {
          now[chat.id] = true;
          if (waiting !== null && !waiting[chat.id]) { chatWaiting(chat); }
        });
        if (waiting !== null) { Object.keys(waiting).forEach(function (id) { if (!now[id]) { chatTaken({ id: id }); } }); }
        waiting = now;
        delay = 3000;
      }).catch(function () {
        delay = Math.min(30000, delay * 2);  // refused (429) or unreachable: slower, never lost
      }).then(function () { setTimeout(once, delay); });
    }
    once();
  }

  if (!window.WebSocket) { poll(); return; }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + live.getAttribute("data-socket"));
    socket.onopen = function () { failures = 0; };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4403) { return; }
      failures += 1;
      setTimeout(connect, Math.min(15000, 500 * Math.pow(2, failures)));
    };
  }
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "heartbeat", active: active })); active = false; }
  }, 25000);
  connect();
})();
