// One live chat, for the agent: the transcript grows through the socket (/ws/agents/chats/<id>/,
// resuming after the last message shown), replies and internal notes go out through it, and each
// side sees the other typing. Everything from the server is inserted as text. Without WebSockets
// the transcript is polled over plain HTTP (`events/?after=<last id>`, the same ids, so nothing is
// shown twice) and replies are posted (`messages/`); typing indicators need the socket.
(function () {
  "use strict";
  var list = document.getElementById("live-transcript");
  if (!list) { return; }
  var polling = !window.WebSocket;
  var form = document.getElementById("live-reply");
  var text = document.getElementById("live-text");
  var internal = document.getElementById("live-internal");
  var typing = document.getElementById("customer-typing");
  var saved = document.getElementById("live-saved");
  var lastId = parseInt(list.getAttribute("data-last-id"), 10) || 0;
  var shown = {};
  Array.prototype.forEach.call(list.querySelectorAll("[data-message-id]"), function (li) { shown[li.getAttribute("data-message-id")] = true; });
  var socket = null;
  var over = false;
  var failures = 0;
  var typingTimer = null;
  var lastTyped = 0;
  var active = false;

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function show(m) {
    if (shown[m.id]) { return; }
    shown[m.id] = true;
    if (m.id > lastId) { lastId = m.id; }
    var kind = m.internal ? "note" : m.role === "customer" ? "from-customer" : "from-agent";
    var li = el("li", "bubble " + kind);
    li.setAttribute("data-message-id", String(m.id));
    var who = list.getAttribute(m.internal ? "data-who-note" : "data-who-" + m.role) || m.role;
    li.appendChild(el("p", "muted", who + (m.name ? " · " + m.name : "")));
    var body = li.appendChild(el("div", "message-body"));
    body.appendChild(el("p", "", m.text));
    if (m.follow_up) { body.appendChild(el("p", "", m.follow_up)); }
    list.appendChild(li);
    if (m.role === "customer") { typing.textContent = ""; }
    li.scrollIntoView({ block: "nearest" });
  }

  function handle(data) {
    if (data.type === "message") { show(data.message); }
    else if (data.type === "typing" && data.who === "customer") {
      typing.textContent = typing.getAttribute("data-typing");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
    } else if (data.type === "status" && data.live_status === "ended") {
      over = true;
      if (form) { form.hidden = true; }
    } else if (data.type === "error") {
      list.appendChild(el("li", "bubble note", data.error));
    }
  }

  var pollDelay = 2000;
  function poll() {
    if (over) { return; }
    var url = list.getAttribute("data-events-url") + "?after=" + lastId + (active ? "&active=1" : "");
    active = false;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (data) {
        data.messages.forEach(show);
        handle(data);
        pollDelay = 2000;
      })
      .catch(function () { pollDelay = Math.min(30000, pollDelay * 2); })
      .then(function () { setTimeout(poll, pollDelay); });
  }

  function post(value, isInternal) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new URLSearchParams({ text: value });
    if (isInternal) { body.set("internal", "on"); }
    return fetch(list.getAttribute("data-message-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) { show(data.message); } else { handle({ type: "error", error: data.error }); }
      });
    }).catch(function () {
      if (!text.value) { text.value = value; }  // not sent: the text comes back for another try
    });
  }

  function connect() {
    if (over) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + list.getAttribute("data-socket") + "?after=" + lastId);
    socket.onopen = function () { failures = 0; };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (event) {
      socket = null;
      if (over || event.code === 4403) { return; }
      failures += 1;
      setTimeout(connect, Math.min(10000, 500 * Math.pow(2, failures)));
    };
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = text.value.trim();
      if (!value) { return; }
      if (polling || !socket || socket.readyState !== WebSocket.OPEN) {
        // No open socket (polling, or the socket still opening or reconnecting): over plain HTTP,
        // so that Enter always sends; the socket's catch-up skips what is shown already.
        var isInternal = internal.checked;
        text.value = "";
        internal.checked = false;
        post(value, isInternal);
        return;
      }
      socket.send(JSON.stringify({ type: "message", text: value, internal: internal.checked }));
      // The message clears "typing…" on the other side: the next keystroke says it again at once.
      lastTyped = 0;
      text.value = "";
      internal.checked = false;
    });
    text.addEventListener("input", function () {
      active = true;
      var now = Date.now();
      if (polling || internal.checked || !socket || socket.readyState !== WebSocket.OPEN || now - lastTyped < 1500) { return; }
      lastTyped = now;
      socket.send(JSON.stringify({ type: "typing" }));
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
  }
  if (saved) {
    var texts = JSON.parse(document.getElementById("live-saved-texts").textContent);
    saved.addEventListener("change", function () {
      if (saved.value !== "") { text.value = texts[parseInt(saved.value, 10)]; text.focus(); }
    });
  }
  // The chat's own heartbeat keeps the agent present while this page is open.
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "heartbeat", active: active })); active = false; }
  }, 25000);
  list.scrollTop = list.scrollHeight;  // the latest first in view
  if (polling) { poll(); } else { connect(); }
})();
