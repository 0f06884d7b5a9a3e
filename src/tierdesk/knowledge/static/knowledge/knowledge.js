/* Knowledge: a "Copy" button on every code block of an article, and "Insert in reply" on the
   ticket page (fills the public reply box and records the link as reused in a reply). */
(function () {
  "use strict";
  // The ticket card brings this script again each time htmx redraws it: one set of handlers.
  if (window.tierdeskKnowledge) return;
  window.tierdeskKnowledge = true;

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

  // "Insert in reply": any element with data-insert-article="<id>" on the ticket page (the
  // Knowledge card, its link box, the Suggested card) puts the article's public text in the
  // reply box and records the link as reused in a reply. The addresses come from the Knowledge
  // card, which is drawn only for staff who may reply.
  function insertInReply(button) {
    var box = document.getElementById("reply_body");
    var card = document.getElementById("knowledge-card");
    var id = button.getAttribute("data-insert-article");
    if (!box || !card || !/^[0-9]+$/.test(id || "")) return;
    var textUrl = card.getAttribute("data-kcs-reply-text-url");
    var linkUrl = card.getAttribute("data-kcs-link-url");
    if (!textUrl || !linkUrl) return;
    fetch(textUrl.replace(/\/0\/reply-text\/$/, "/" + id + "/reply-text/"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) {
        window.alert(answer.body.detail || "");
        return;
      }
      var article = answer.body;
      var text = article.title + "\n\n" + article.text;
      if (article.url) text += "\n\n" + article.url;
      box.value = box.value ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
      var tab = document.querySelector('[data-tab="compose-reply"]');
      if (tab) tab.click();
      box.focus();
      var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
      var data = new FormData();
      data.append("article", id);
      data.append("source", "reply");
      if (csrf) data.append("csrfmiddlewaretoken", csrf.value);
      return fetch(linkUrl, {
        method: "POST",
        body: data,
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        var current = document.getElementById("knowledge-card");
        if (!html || !current) return;
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh) return;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-article]");
    if (button) {
      event.preventDefault();
      insertInReply(button);
    }
  });

  function ready() { addCopyButtons(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
