// Live chat in the console: the waiting list drawn again as it changes, waits counting up, and a
// chat's lines arriving as they are written, all over Server-Sent Events (see chat/streams.py).
(function () {
  "use strict";

  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // Waits count up every second; past the target they are marked.
  function tickWaits() {
    var lists = document.getElementById("chat-lists");
    var target = lists ? Number(lists.dataset.target) || 30 : 30;
    document.querySelectorAll("time.wait[data-since]").forEach(function (node) {
      var since = Date.parse(node.dataset.since);
      if (isNaN(since)) return;
      var seconds = (Date.now() - since) / 1000;
      node.textContent = clockText(seconds);
      node.classList.toggle("over-target", seconds > target);
    });
  }

  var baseTitle = document.title;

  function waitingList(container) {
    var source = new EventSource(container.dataset.events);
    source.addEventListener("waiting", function (event) {
      container.innerHTML = event.data;
      tickWaits();
      var count = container.querySelector("[data-waiting-count]");
      var waiting = count ? Number(count.dataset.waitingCount) : 0;
      document.title = waiting ? "(" + waiting + ") " + baseTitle : baseTitle;
    });
  }

  function lineNode(line, internalLabel) {
    var item = document.createElement("li");
    item.className = "chat-line " + (line.from === "agent" ? "agent" : "customer") + (line.internal ? " internal" : "");
    item.dataset.id = String(line.id);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = line.author + (line.internal ? " · " + internalLabel : "");
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    var time = document.createElement("time");
    time.setAttribute("datetime", line.at);
    time.textContent = line.time || "";
    item.append(who, text, time);
    return item;
  }

  function chatView(list) {
    var seen = {};
    list.querySelectorAll("[data-id]").forEach(function (node) { seen[node.dataset.id] = true; });
    var internalLabel = list.dataset.internalLabel || "";
    function add(line) {
      if (seen[line.id]) return;
      seen[line.id] = true;
      list.appendChild(lineNode(line, internalLabel));
      list.scrollTop = list.scrollHeight;
    }
    list.scrollTop = list.scrollHeight;

    var source = new EventSource(list.dataset.events + "?after=" + encodeURIComponent(list.dataset.after || "0"));
    source.addEventListener("line", function (event) { add(JSON.parse(event.data)); });
    source.addEventListener("status", function (event) {
      var status = JSON.parse(event.data);
      if (status.status === "ended") source.close();
      // Taken by someone, or ended: the buttons on the page change, so draw it again.
      if (status.status !== list.dataset.status) window.location.reload();
    });

    var form = document.getElementById("chat-reply");
    if (!form) return;
    var body = form.querySelector("textarea");
    var error = document.getElementById("chat-reply-error");
    body.focus();
    body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!body.value.trim()) return;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        button.disabled = false;
        if (result.ok) {
          error.hidden = true;
          body.value = "";
          add(result.data);
        } else {
          error.textContent = result.data.detail || "";
          error.hidden = false;
        }
        body.focus();
      }, function () {
        button.disabled = false;
        form.submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lists = document.getElementById("chat-lists");
    if (lists && window.EventSource) waitingList(lists);
    var chat = document.getElementById("chat-lines");
    if (chat && window.EventSource) chatView(chat);
    tickWaits();
    setInterval(tickWaits, 1000);
  });
})();
