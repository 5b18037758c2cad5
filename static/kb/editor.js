/* The article editor (kb/editor.py): EasyMDE on every textarea marked data-markdown-editor, with a
   live preview rendered by the server (the site's own renderer), and images or files dropped,
   pasted or picked uploaded at once, their reference inserted where the cursor is. No inline script:
   the page's texts and URLs come in data attributes. */
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || response.statusText);
        return data;
      });
    });
  }

  function isImage(file) {
    return /^image\//.test(file.type) || /\.(png|jpe?g|gif|webp|svg|avif|heic|bmp|tiff?)$/i.test(file.name);
  }

  function setup(textarea) {
    var texts = JSON.parse(textarea.dataset.texts || "{}");
    var language = textarea.dataset.language;
    var status = document.createElement("p");
    status.className = "editor-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    var previewTimer = null;
    function renderPreview(plainText, preview) {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(function () {
        var body = new FormData();
        body.append("text", plainText);
        body.append("language", language);
        post(textarea.dataset.previewUrl, body).then(function (data) {
          preview.innerHTML = data.html; // sanitised by the server's renderer (nh3)
        }).catch(function (error) {
          preview.textContent = format(texts.failed || "%(error)s", { error: error.message });
        });
      }, 250);
      return preview.innerHTML || texts.loading;
    }

    var editor;
    function upload(file, where) {
      var alt = "";
      if (isImage(file)) {
        alt = window.prompt(texts.alt, "");
        if (alt === null || !alt.trim()) {
          status.textContent = texts.altMissing;
          return;
        }
      }
      var cm = editor.codemirror;
      if (where) cm.setCursor(where);
      var body = new FormData();
      body.append("file", file, file.name);
      body.append("alt", alt.trim());
      body.append("language", language);
      status.textContent = format(texts.uploading, { name: file.name });
      post(textarea.dataset.uploadUrl, body).then(function (data) {
        var markdown = data.markdown;
        if (data.kind === "image") {
          // An image is a paragraph of its own (a figure on the page): blank lines around it.
          var cur = cm.getCursor("from"), end = cm.getCursor("to");
          var before = cm.getLine(cur.line).slice(0, cur.ch), after = cm.getLine(end.line).slice(end.ch);
          var above = cur.line > 0 && cm.getLine(cur.line - 1).trim();
          var below = end.line + 1 < cm.lineCount() && cm.getLine(end.line + 1).trim();
          markdown = (before.trim() ? "\n\n" : above ? "\n" : "") + markdown + (after.trim() ? "\n\n" : below ? "\n" : "");
        }
        cm.replaceSelection(markdown);
        cm.focus();
        status.textContent = format(texts.uploaded, { name: file.name });
      }).catch(function (error) {
        status.textContent = format(texts.failed, { error: error.message });
      });
    }

    var picker = document.createElement("input");
    picker.type = "file";
    picker.hidden = true;
    picker.addEventListener("change", function () {
      Array.prototype.forEach.call(picker.files, function (file) { upload(file); });
      picker.value = "";
    });

    editor = new EasyMDE({
      element: textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      nativeSpellcheck: true,
      forceSync: true,
      status: false,
      autofocus: false,
      minHeight: "240px",
      previewClass: ["editor-preview", "article-body"],
      previewRender: renderPreview,
      sideBySideFullscreen: false,
      toolbar: [
        { name: "bold", action: EasyMDE.toggleBold, className: "fa fa-bold", title: texts.bold },
        { name: "italic", action: EasyMDE.toggleItalic, className: "fa fa-italic", title: texts.italic },
        { name: "heading", action: EasyMDE.toggleHeadingSmaller, className: "fa fa-header", title: texts.heading },
        "|",
        { name: "quote", action: EasyMDE.toggleBlockquote, className: "fa fa-quote-left", title: texts.quote },
        { name: "unordered-list", action: EasyMDE.toggleUnorderedList, className: "fa fa-list-ul", title: texts.ul },
        { name: "ordered-list", action: EasyMDE.toggleOrderedList, className: "fa fa-list-ol", title: texts.ol },
        { name: "table", action: EasyMDE.drawTable, className: "fa fa-table", title: texts.table },
        "|",
        { name: "link", action: EasyMDE.drawLink, className: "fa fa-link", title: texts.link },
        { name: "upload", action: function () { picker.click(); }, className: "fa fa-picture-o", title: texts.insert },
        "|",
        { name: "preview", action: EasyMDE.togglePreview, className: "fa fa-eye no-disable", title: texts.preview, noDisable: true },
        { name: "side-by-side", action: EasyMDE.toggleSideBySide, className: "fa fa-columns no-disable no-mobile", title: texts.side, noDisable: true },
        { name: "fullscreen", action: EasyMDE.toggleFullScreen, className: "fa fa-arrows-alt no-disable no-mobile", title: texts.fullscreen, noDisable: true },
      ],
    });
    var wrapper = editor.codemirror.getWrapperElement().parentNode;
    wrapper.appendChild(picker);
    wrapper.appendChild(status);

    var cm = editor.codemirror;
    cm.on("paste", function (_cm, event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        Array.prototype.forEach.call(files, function (file) { upload(file); });
      }
    });
    cm.on("drop", function (_cm, event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        event.preventDefault();
        var where = cm.coordsChar({ left: event.clientX, top: event.clientY });
        Array.prototype.forEach.call(files, function (file) { upload(file, where); });
      }
    });
    textarea.markdownEditor = editor;
    return editor;
  }

  function start() {
    var editors = Array.prototype.map.call(document.querySelectorAll("textarea[data-markdown-editor]"), setup);
    // The admin's language tabs show a hidden editor: CodeMirror measures itself again then.
    document.addEventListener("click", function () {
      setTimeout(function () { editors.forEach(function (e) { e.codemirror.refresh(); }); }, 0);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
