// Nimbus help-center chat widget: vanilla JS, no build step, no inline script (CSP-ready).
// Texts come translated from the page (json_script), with the reply kinds that ask "did this help?"
// or offer a person (chatbot.kinds); everything from the server is inserted as text.
(function () {
  "use strict";
  var root = document.getElementById("chat-widget");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var kinds = JSON.parse(document.getElementById("chat-kinds").textContent);
  // The conversations collection (chat_api:start); each conversation's own URLs are below it.
  var conversations = root.getAttribute("data-api");
  var language = root.getAttribute("data-language");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var panel = root.querySelector(".chat-panel");
  var launcher = root.querySelector(".chat-launcher");
  var log = root.querySelector(".chat-log");
  var form = root.querySelector(".chat-form");
  var input = form.querySelector("textarea");
  var personButton = root.querySelector(".chat-person");
  var storageKey = "nimbus-chat-" + language;
  var conversationId = null;
  var busy = false;
  // The last message id shown: a live chat (live.js) resumes after it.
  var lastId = 0;
  function seen(id) { if (id && id > lastId) { lastId = id; } }
  // Live chat with a person is live.js's: it hears these events and takes over sending.
  function goLive() {
    root.dispatchEvent(new CustomEvent("nimbus-chat:live", { detail: { id: conversationId, after: lastId } }));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function call(path, body, method) {
    return fetch(conversations + path, {
      method: method || "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || strings.error);
          error.status = response.status;
          error.fields = data.fields || {};
          throw error;
        }
        return data;
      });
    });
  }

  function addMessage(role, text) {
    var item = el("li", "chat-msg chat-" + role);
    item.appendChild(el("p", "chat-text", text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function addArticles(item, articles) {
    if (!articles || !articles.length) { return; }
    var list = el("ul", "chat-cards");
    articles.forEach(function (article) {
      var card = el("li", "chat-card");
      var link = el("a", "chat-card-title", article.title);
      link.href = article.url;
      if (article.language && article.language !== language) { link.hreflang = article.language; link.lang = article.language; }
      card.appendChild(link);
      // An article not translated into the customer's language yet says which language it is in.
      if (article.notice) { card.appendChild(el("p", "chat-card-notice", article.notice)); }
      if (article.snippet) { card.appendChild(el("p", "chat-card-snippet", article.snippet)); }
      list.appendChild(card);
    });
    item.appendChild(list);
  }

  function addFollowUp(item, text) {
    // Said below the cards: the customer is asked about articles they can already see.
    if (text) { item.appendChild(el("p", "chat-text chat-follow-up", text)); }
  }

  function addFeedback(item, messageId) {
    var row = el("div", "chat-feedback");
    [[true, strings.yes], [false, strings.no]].forEach(function (choice) {
      var button = el("button", "chat-small", choice[1]);
      button.type = "button";
      button.addEventListener("click", function () {
        // One answer per question, however many clicks: the row goes at the first one.
        if (busy || !row.isConnected) { return; }
        row.remove();
        send("/" + conversationId + "/feedback", { message: messageId, helpful: choice[0] });
      });
      row.appendChild(button);
    });
    item.appendChild(row);
  }

  function addEscalationForm() {
    if (root.querySelector(".chat-escalate")) { return; }
    var box = el("form", "chat-escalate");
    box.noValidate = true;
    var email = el("input"); email.type = "email"; email.required = true; email.autocomplete = "email";
    email.placeholder = strings.email; email.setAttribute("aria-label", strings.email);
    var name = el("input"); name.type = "text"; name.autocomplete = "name";
    name.placeholder = strings.name; name.setAttribute("aria-label", strings.name);
    var problem = el("p", "chat-field-error");
    problem.id = "chat-email-error"; problem.hidden = true;
    var submit = el("button", "", strings.send_to_person); submit.type = "submit";
    box.appendChild(email); box.appendChild(problem); box.appendChild(name); box.appendChild(submit);
    var sending = false;
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      // One hand-off per form: a second click while the first is on its way does nothing.
      if (sending) { return; }
      sending = true; submit.disabled = true; box.setAttribute("aria-busy", "true");
      call("/" + conversationId + "/escalate", { email: email.value, name: name.value })
        .then(function (data) {
          box.remove();
          if (data.live) { goLive(); return; }  // in line for a person: live.js shows the rest
          var item = addMessage("bot", data.text);
          if (data.support_url) {  // who answers which language, and their hours
            var link = el("a", "chat-support-link", strings.support_hours); link.href = data.support_url;
            item.appendChild(el("p")).appendChild(link);
          }
          personButton.hidden = true;
        })
        .catch(function (error) {
          sending = false; submit.disabled = false; box.removeAttribute("aria-busy");
          if (error.fields && error.fields.email) {
            // What is wrong with the address, next to it, in the page's language.
            problem.textContent = error.fields.email[0]; problem.hidden = false;
            email.setAttribute("aria-invalid", "true"); email.setAttribute("aria-describedby", problem.id);
            email.focus();
          } else {
            addMessage("error", error.message);
          }
        });
    });
    log.appendChild(el("li", "chat-msg chat-bot")).appendChild(box);
    log.scrollTop = log.scrollHeight;
    email.focus();
  }

  function showReply(reply) {
    seen(reply.id);
    var item = addMessage("bot", reply.text);
    addArticles(item, reply.articles);
    addFollowUp(item, reply.follow_up);
    if (kinds.feedback.indexOf(reply.kind) !== -1) { addFeedback(item, reply.id); }
    if (kinds.person.indexOf(reply.kind) !== -1) { addEscalationForm(); }
    // The cards and the question below them were added after the text: show the reply's end.
    log.scrollTop = log.scrollHeight;
  }

  // "The assistant is typing…" while an answer is on its way (kept out of the log's live region
  // until it is shown, then removed before the reply is added).
  function showTyping() {
    // Not a .chat-msg: it is no message of the conversation (and must not be counted as one).
    var item = el("li", "chat-typing");
    item.setAttribute("role", "status");
    var bubble = el("p", "chat-text");
    bubble.appendChild(el("span", "chat-typing-dots", "…"));
    bubble.appendChild(el("span", "chat-typing-label", strings.typing));
    item.appendChild(bubble);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function send(path, body) {
    busy = true;
    personButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    var typing = showTyping();
    return call(path, body)
      .then(function (data) { typing.remove(); showReply(data.reply); })
      .catch(function (error) {
        typing.remove();
        if (error.status === 404) { sessionStorage.removeItem(storageKey); conversationId = null; }
        addMessage("error", error.message);
      })
      .then(function () { busy = false; personButton.disabled = false; form.removeAttribute("aria-busy"); });
  }

  function ensureConversation() {
    if (conversationId) { return Promise.resolve(); }
    var saved = sessionStorage.getItem(storageKey);
    if (saved) {
      return call("/" + saved, undefined, "GET").then(function (data) {
        conversationId = data.id;
        data.messages.forEach(function (m) {
          seen(m.id);
          var role = m.role === "customer" || m.role === "agent" || m.role === "notice" ? m.role : "bot";
          var item = addMessage(role, m.text);
          if (m.name) { item.insertBefore(el("p", "chat-author", m.name), item.firstChild); }
          addArticles(item, m.articles);
          addFollowUp(item, m.follow_up);
          if (m.link) { var live = document.getElementById("chat-live"); var a = el("a", "chat-support-link", live ? live.getAttribute("data-survey") : m.link); a.href = m.link; item.appendChild(el("p")).appendChild(a); }
        });
        if (data.live_status === "waiting" || data.live_status === "active") { goLive(); }
      }).catch(function () { sessionStorage.removeItem(storageKey); return ensureConversation(); });
    }
    var zone = "UTC";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { /* keep UTC */ }
    return call("", { language: language, timezone: zone }).then(function (data) {
      conversationId = data.id;
      sessionStorage.setItem(storageKey, data.id);
      seen(data.greeting.id);
      addMessage("bot", data.greeting.text);
    });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    ensureConversation().catch(function (error) { addMessage("error", error.message); });
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  // The launcher floats over the page's bottom right corner. The stylesheet's scroll-padding keeps
  // an element that focus scrolls to above it, but the browser does not scroll an element that is
  // already partly on screen: lift that one clear of the launcher (WCAG 2.4.11, focus not obscured).
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (root.contains(target) || !launcher.offsetParent || !target.getBoundingClientRect) { return; }
    var box = target.getBoundingClientRect();
    var cover = launcher.getBoundingClientRect();
    var overlaps = box.right > cover.left && box.left < cover.right && box.bottom > cover.top && box.top < cover.bottom;
    if (overlaps) { window.scrollBy(0, Math.min(box.bottom - cover.top + 8, Math.max(box.top - 8, 0))); }
  });
  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  root.querySelector(".chat-close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden && !root.hasAttribute("data-inline")) { close(); }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  // The length limit is the API's: counted as the customer types or pastes, refused here, before
  // sending, rather than cut (a textarea maxlength would cut a paste without a word).
  var maxChars = parseInt(root.getAttribute("data-max-chars"), 10) || 2000;
  var counter = root.querySelector("#chat-count");
  function fill(template, count) {
    return template.replace("%(count)s", count).replace("%(max)s", maxChars);
  }
  function countCharacters() {
    var count = Array.from(input.value.trim()).length;
    var over = count > maxChars;
    counter.hidden = count < maxChars * 0.8 && !over;
    counter.textContent = over ? fill(strings.too_long, count) : fill(strings.count, count);
    counter.classList.toggle("chat-count-over", over);
    if (over) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    return !over;
  }
  input.addEventListener("input", countCharacters);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    if (!countCharacters()) { input.focus(); return; }
    input.value = "";
    countCharacters();
    if (root.getAttribute("data-live") === "on") {
      root.dispatchEvent(new CustomEvent("nimbus-chat:send", { detail: { text: text } }));
      return;
    }
    busy = true;  // at once: the conversation may still be starting when a second Enter comes
    ensureConversation().then(function () {
      addMessage("customer", text);
      return send("/" + conversationId + "/messages", { text: text });
    }, function () { busy = false; });
  });
  personButton.addEventListener("click", function () {
    // One request per click: busy is set before anything asynchronous, so a double click (the
    // second click arriving while the conversation starts or the first request runs) is ignored.
    if (busy) { return; }
    busy = true;
    personButton.disabled = true;
    ensureConversation().then(function () {
      addMessage("customer", strings.talk_to_person);
      // A structured request: the server never has to recognise the button's label as text.
      return send("/" + conversationId + "/messages", { action: "person" });
    }, function () { busy = false; personButton.disabled = false; });
  });
  if (root.hasAttribute("data-inline")) { open(); }
})();
