// Contact form: while the customer types the subject and message, ask the help center for up to
// three articles that may already answer (the chat's engine and confidence) and list them under the
// message. "This answered my question" submits the form to the deflection address instead of
// sending it (formaction: no nested form, works with the keyboard). Server text goes in as text.
(function () {
  var box = document.getElementById("contact-suggestions");
  if (!box || !window.fetch || !window.FormData) { return; }
  var form = box.closest("form");
  var subject = form.querySelector("[name=subject]");
  var message = form.querySelector("[name=message]");
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var list = box.querySelector("ul");
  var timer = null;
  var last = "";
  var asked = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function render(articles) {
    list.textContent = "";
    articles.forEach(function (article) {
      var item = el("li", "suggestion");
      var link = el("a", "suggestion-title", article.title);
      link.href = article.url;
      item.appendChild(link);
      if (article.notice) { item.appendChild(el("p", "muted", article.notice)); }
      if (article.snippet) { item.appendChild(el("p", "snippet", article.snippet)); }
      var button = el("button", "suggestion-answered", box.getAttribute("data-answered-label"));
      button.type = "submit";
      button.name = "article";
      button.value = String(article.id);
      button.formAction = box.getAttribute("data-answered-url");
      button.formNoValidate = true;
      item.appendChild(button);
      list.appendChild(item);
    });
    box.hidden = articles.length === 0;
  }

  function ask() {
    var text = subject.value.trim() + "\n" + message.value.trim();
    if (text === last) { return; }
    last = text;
    if (text.replace(/\s+/g, "").length < 8) { render([]); return; }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append("subject", subject.value.slice(0, 200));
    body.append("message", message.value.slice(0, 10000));
    var mine = ++asked;
    fetch(box.getAttribute("data-suggest-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token }
    })
      .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
      .then(function (data) { if (mine === asked) { render(data.articles || []); } })
      .catch(function () { /* suggestions are a help, not a step: the form still works */ });
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 450); }
  subject.addEventListener("input", later);
  message.addEventListener("input", later);
  if (subject.value || message.value) { ask(); }  // a form shown again after an error
})();
