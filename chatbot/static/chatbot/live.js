// Live chat with a person, on top of widget.js: once the customer is in line (the widget fires
// "nimbus-chat:live"), messages come through a WebSocket (/ws/chat/<id>/?after=<last id>), or,
// where WebSockets do not work, by polling the events endpoint. Every message has an id and is shown
// once, however often the connection drops and resumes. Everything from the server is inserted as text.
(function () {
  "use strict";
  var root = document.getElementById("chat-widget");
  var texts = document.getElementById("chat-live");
  if (!root || !texts) { return; }
  var api = root.getAttribute("data-api");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var log = root.querySelector(".chat-log");
  var form = root.querySelector(".chat-form");
  var input = form.querySelector("textarea");
  var typing = document.createElement("p");
  typing.className = "chat-typing";
  typing.setAttribute("role", "status");
  form.parentNode.insertBefore(typing, form);
  var chat = null;  // {id, lastId, shown, socket, over, failures, opened, pollTimer}
  var typingTimer = null;
  var lastTyped = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function show(m) {
    if (!m || !m.id || chat.shown[m.id]) { return; }
    chat.shown[m.id] = true;
    if (m.id > chat.lastId) { chat.lastId = m.id; }
    var role = { customer: "customer", agent: "agent", notice: "notice" }[m.role] || "bot";
    var item = el("li", "chat-msg chat-" + role);
    item.setAttribute("data-message-id", String(m.id));
    if (role === "agent" && m.name) { item.appendChild(el("p", "chat-author", m.name)); }
    item.appendChild(el("p", "chat-text", m.text));
    if (m.link) {
      var link = el("a", "chat-support-link", texts.getAttribute("data-survey"));
      link.href = m.link;
      item.appendChild(el("p")).appendChild(link);
    }
    log.appendChild(item);
    if (role === "agent") { typing.textContent = ""; }
    log.scrollTop = log.scrollHeight;
  }

  function status(data) {
    if (data.live_status === "ended") {
      chat.over = true;
      root.removeAttribute("data-live");
      // Made a ticket: asking for a person again would only repeat it.
      if (data.status === "escalated") { root.querySelector(".chat-person").hidden = true; }
      if (chat.socket) { chat.socket.close(); }
    }
  }

  function handle(data) {
    if (data.type === "message") { show(data.message); }
    else if (data.type === "status") { status(data); }
    else if (data.type === "typing" && data.who === "agent") {
      typing.textContent = data.name ? texts.getAttribute("data-agent-typing").replace("{name}", data.name) : texts.getAttribute("data-typing");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 4000);
    } else if (data.type === "error") {
      log.appendChild(el("li", "chat-msg chat-error")).appendChild(el("p", "chat-text", data.error));
    }
  }

  function poll() {
    if (chat.over) { return; }
    fetch(api + "/" + chat.id + "/events?after=" + chat.lastId, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { data.messages.forEach(show); status(data); }
      })
      .catch(function () { /* next poll */ })
      .then(function () { if (!chat.over) { chat.pollTimer = setTimeout(poll, 2000); } });
  }

  function connect() {
    if (chat.over) { return; }
    if (!window.WebSocket || (chat.failures >= 3 && !chat.opened)) { poll(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + "/ws/chat/" + chat.id + "/?after=" + chat.lastId);
    } catch (e) { chat.failures = 3; poll(); return; }
    chat.socket = socket;
    socket.onopen = function () { chat.opened = true; chat.failures = 0; typing.textContent = ""; };
    socket.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* not ours */ }
    };
    socket.onclose = function (event) {
      chat.socket = null;
      if (chat.over || event.code === 4403) { return; }
      if (event.code === 4029) { chat.failures = 3; chat.opened = false; poll(); return; }  // too many sockets: poll
      chat.failures += 1;
      typing.textContent = texts.getAttribute("data-reconnecting");
      // Back off a little; it resumes after the last message shown, so nothing is lost or repeated.
      setTimeout(connect, Math.min(10000, 500 * Math.pow(2, chat.failures)));
    };
  }

  function send(text) {
    lastTyped = 0;  // the message clears "typing…" on the agent's side: the next keystroke says it again
    if (chat.socket && chat.socket.readyState === WebSocket.OPEN) {
      chat.socket.send(JSON.stringify({ type: "message", text: text }));
      return;
    }
    fetch(api + "/" + chat.id + "/messages", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ text: text })
    }).then(function (response) { return response.json(); })
      .then(function (data) { if (data.message) { show(data.message); } else if (data.error) { handle({ type: "error", error: data.error }); } });
  }

  root.addEventListener("nimbus-chat:live", function (event) {
    if (chat && chat.id === event.detail.id && !chat.over) { return; }
    chat = { id: event.detail.id, lastId: event.detail.after || 0, shown: {}, socket: null, over: false, failures: 0, opened: false };
    root.setAttribute("data-live", "on");
    connect();
  });
  root.addEventListener("nimbus-chat:send", function (event) { if (chat && !chat.over) { send(event.detail.text); } });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (!chat || chat.over || !chat.socket || chat.socket.readyState !== WebSocket.OPEN || now - lastTyped < 1500) { return; }
    lastTyped = now;
    chat.socket.send(JSON.stringify({ type: "typing" }));
  });
})();
