/* Knowledge: a "Copy" button on every code block of an article, and "Insert in reply" on the
   ticket card (fills the public reply box and records the link as reused in a reply). */
(function () {
  "use strict";

  function label(name, fallback) {
    var root = document.querySelector("[data-copy-label]");
    return (root && root.getAttribute(name)) || fallback;
  }

  function addCopyButtons(scope) {
    scope.querySelectorAll(".article-body pre > code").forEach(function (code) {
      var pre = code.parentElement;
      if (pre.parentElement.classList.contains("code-block")) return;
      var wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentElement.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = label("data-copy-label", "Copy");
      button.addEventListener("click", function () {
        var done = function () {
          button.textContent = label("data-copied-label", "Copied");
          setTimeout(function () { button.textContent = label("data-copy-label", "Copy"); }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(code.textContent).then(done, done);
        } else {
          var area = document.createElement("textarea");
          area.value = code.textContent;
          document.body.appendChild(area);
          area.select();
          try { document.execCommand("copy"); } catch (e) { /* nothing to do */ }
          area.remove();
          done();
        }
      });
      wrap.appendChild(button);
    });
  }

  function insertInReply(button) {
    var box = document.getElementById("reply_body");
    if (!box) return;
    var text = button.getAttribute("data-title") + "\n\n" + button.getAttribute("data-resolution");
    var url = button.getAttribute("data-url");
    if (url) text += "\n\n" + url;
    box.value = box.value ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
    var tab = document.querySelector('[data-tab="compose-reply"]');
    if (tab) tab.click();
    box.focus();
    var form = button.closest("form");
    if (form) {
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        var card = document.getElementById("knowledge-card");
        if (!html || !card) return;
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh) return;
        card.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-reply]");
    if (button) {
      event.preventDefault();
      insertInReply(button);
    }
  });

  function ready() { addCopyButtons(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
