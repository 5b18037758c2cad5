// Saved replies on the agents' ticket page: "Insert" puts the reply, already in the ticket's
// language with its placeholders filled by the server, into the reply box without reloading, so
// what the agent has typed stays. Without JavaScript the picker is a GET form that reloads the page
// with the reply in the box.
(function () {
  var picker = document.getElementById("saved-reply-picker");
  var form = document.getElementById("reply-form");
  var data = document.getElementById("saved-replies");
  if (!picker || !form || !data) return;
  var replies = {};
  JSON.parse(data.textContent).forEach(function (reply) { replies[String(reply.id)] = reply; });
  var notice = document.getElementById("saved-reply-fallback");

  picker.addEventListener("submit", function (event) {
    var reply = replies[picker.elements.saved_reply.value];
    if (!reply) return;  // let the server answer
    event.preventDefault();
    var box = form.elements.body;
    var start = box.selectionStart, end = box.selectionEnd;
    if (box.value && typeof start === "number") {
      box.value = box.value.slice(0, start) + reply.text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + reply.text.length;
    } else {
      box.value = reply.text;
    }
    // Reply or note is the reply box's own choice (one pair of controls on the page): left as it is.
    form.elements.saved_reply.value = reply.id;
    if (notice) {
      notice.textContent = reply.fallback;
      notice.hidden = !reply.fallback;
    }
    box.focus();
    box.scrollTop = 0;
  });
})();
