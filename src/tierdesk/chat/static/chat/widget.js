/* tierdesk live chat widget.
 *
 * A website includes it with one tag:
 *   <script src="https://desk.example.com/chat/widget.js" data-desk="https://desk.example.com" async></script>
 * Optional attributes: data-lang="ja" (otherwise the browser's language), data-mount="#selector"
 * (draw the chat inside that element instead of a floating button and panel).
 *
 * No framework, no cookies, no request to anywhere but the desk. Everything lives in a shadow
 * root (the site's styles do not reach in, ours do not leak out), nothing is evaluated from
 * strings and no inline style or script is written, so a Content-Security-Policy only has to
 * allow the desk in script-src, style-src and connect-src. A chat survives page loads on the
 * same site: its id and secret are kept in the site's localStorage until a new chat starts, or
 * until the desk answers that the chat is gone (410, a while after it ended).
 *
 * The secret travels only in the X-Chat-Token header. The event stream (EventSource cannot send
 * headers) is opened with a one-time stream ticket asked for just before each connection, so
 * each reconnect asks for a new one.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.tierdeskChatLoaded) return;
  window.tierdeskChatLoaded = true;

  var desk = (script.getAttribute("data-desk") || new URL(script.src, location.href).origin)
    .replace(/\/+$/, "");
  var mountSelector = script.getAttribute("data-mount");
  var presetChat = script.getAttribute("data-chat");
  var presetToken = script.getAttribute("data-token");
  var language = script.getAttribute("data-lang") || navigator.language || "";
  var storageKey = "tierdesk-chat:" + desk;
  var inline = !!mountSelector;

  var strings = {};
  var state = {
    chat: null, token: null, lastId: 0, seen: {}, status: null, takenBy: null,
    startedAt: null, unread: 0, open: inline, source: null, offlineTimer: null, clock: null,
    reconnectTimer: null
  };
  var ui = {};

  // --- small helpers ---------------------------------------------------------------------------

  function t(key, params) {
    var text = strings[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function withLanguage(path) {
    return desk + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(language);
  }

  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers["X-Chat-Token"] = state.token;
    return fetch(withLanguage(path), {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }, function () {
      return { ok: false, status: 0, data: {} };
    });
  }

  function remember() {
    try {
      if (state.chat && !presetChat) {
        localStorage.setItem(storageKey, JSON.stringify({ id: state.chat, token: state.token }));
      }
    } catch (e) { /* storage refused (private mode): the chat lasts as long as the page */ }
  }

  function forget() {
    try { localStorage.removeItem(storageKey); } catch (e) { /* nothing kept */ }
  }

  function remembered() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || "null");
      return saved && saved.id && saved.token ? saved : null;
    } catch (e) { return null; }
  }

  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // --- drawing -----------------------------------------------------------------------------------

  function field(name, label, control) {
    var error = el("p", { className: "error", id: "td-error-" + name, hidden: true });
    control.setAttribute("id", "td-" + name);
    control.setAttribute("name", name);
    control.setAttribute("aria-describedby", "td-error-" + name);
    return el("div", { className: "field" }, [el("label", { "for": "td-" + name, text: label }), control, error]);
  }

  function build() {
    var host = el("div", { id: "tierdesk-chat" });
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("link", { rel: "stylesheet", href: desk + "/chat/widget.css" }));
    var frame = el("div", { className: "td-chat " + (inline ? "inline" : "floating") });

    ui.unread = el("span", { className: "unread", hidden: true });
    if (!inline) {
      ui.launcher = el("button", {
        type: "button", className: "launcher", "aria-expanded": "false", "aria-controls": "td-panel"
      }, [el("span", { text: t("open") }), ui.unread]);
      ui.launcher.addEventListener("click", function () { toggle(!state.open); });
      frame.appendChild(ui.launcher);
    }

    ui.panel = el("section", { id: "td-panel", className: "panel", "aria-label": t("title"), hidden: !inline });
    ui.ticket = el("span", { className: "ticket" });
    var head = el("header", { className: "head" }, [el("h2", { text: t("title") }), ui.ticket]);
    if (!inline) {
      var close = el("button", { type: "button", className: "close", "aria-label": t("close"), text: "×" });
      close.addEventListener("click", function () { toggle(false); });
      head.appendChild(close);
    }
    ui.panel.appendChild(head);

    ui.status = el("p", { className: "status", role: "status" });
    ui.offline = el("p", { className: "offline", text: t("offline"), hidden: true });
    ui.panel.appendChild(ui.status);
    ui.panel.appendChild(ui.offline);

    // The start form: who and what.
    ui.name = el("input", { type: "text", autocomplete: "name", maxlength: "120", required: true });
    ui.email = el("input", { type: "email", autocomplete: "email", maxlength: "254", required: true });
    ui.message = el("textarea", { rows: "3", maxlength: "5000", required: true });
    ui.startError = el("p", { className: "error", role: "alert", hidden: true });
    ui.startButton = el("button", { type: "submit", className: "primary", text: t("start") });
    ui.start = el("form", { className: "start", novalidate: true }, [
      el("p", { className: "intro", text: t("intro") }),
      field("name", t("name"), ui.name),
      field("email", t("email"), ui.email),
      field("message", t("message"), ui.message),
      ui.startError,
      ui.startButton
    ]);
    ui.start.addEventListener("submit", onStart);

    // The conversation.
    ui.lines = el("ol", { className: "lines", "aria-live": "polite", "aria-label": t("title") });
    ui.body = el("textarea", { rows: "2", maxlength: "5000", "aria-label": t("line"), placeholder: t("line") });
    ui.body.setAttribute("name", "body");
    ui.sendError = el("p", { className: "error", role: "alert", hidden: true });
    ui.send = el("button", { type: "submit", className: "primary", text: t("send") });
    ui.compose = el("form", { className: "compose", hidden: true }, [ui.body, ui.send, ui.sendError]);
    ui.compose.addEventListener("submit", onSend);
    ui.body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        ui.compose.requestSubmit ? ui.compose.requestSubmit() : onSend(event);
      }
    });

    ui.end = el("button", { type: "button", className: "link end", text: t("end"), hidden: true });
    ui.end.addEventListener("click", onEnd);
    ui.again = el("button", { type: "button", className: "primary again", text: t("new_chat"), hidden: true });
    ui.again.addEventListener("click", onAgain);

    ui.panel.appendChild(ui.start);
    ui.panel.appendChild(ui.lines);
    ui.panel.appendChild(ui.compose);
    ui.panel.appendChild(el("footer", { className: "foot" }, [ui.end, ui.again]));
    frame.appendChild(ui.panel);
    root.appendChild(frame);

    var mount = inline ? document.querySelector(mountSelector) : null;
    (mount || document.body).appendChild(host);
  }

  function toggle(open) {
    state.open = open;
    ui.panel.hidden = !open;
    if (ui.launcher) ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      state.unread = 0;
      ui.unread.hidden = true;
      var first = !ui.start.hidden ? ui.name : ui.body;
      if (first && !first.disabled) first.focus();
      scrollDown();
    }
  }

  function scrollDown() {
    ui.lines.scrollTop = ui.lines.scrollHeight;
  }

  function showStartForm() {
    ui.start.hidden = false;
    ui.lines.hidden = true;
    ui.compose.hidden = true;
    ui.end.hidden = true;
    ui.again.hidden = true;
    ui.status.textContent = "";
    ui.ticket.textContent = "";
  }

  function showConversation() {
    ui.start.hidden = true;
    ui.lines.hidden = false;
  }

  function addSystemLine(text) {
    ui.lines.appendChild(el("li", { className: "line system", text: text }));
    scrollDown();
  }

  function addLine(line) {
    if (state.seen[line.id]) return;
    state.seen[line.id] = true;
    state.lastId = Math.max(state.lastId, line.id);
    var mine = line.from === "customer";
    var at = new Date(line.at);
    var time = isNaN(at) ? "" : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    ui.lines.appendChild(el("li", { className: "line " + (mine ? "mine" : "agent"), "data-id": String(line.id) }, [
      el("span", { className: "who", text: mine ? t("you") : line.author }),
      el("span", { className: "text", text: line.text }),
      el("time", { dateTime: line.at, text: time })
    ]));
    scrollDown();
    if (!state.open && !mine) {
      state.unread += 1;
      ui.unread.textContent = String(state.unread);
      ui.unread.setAttribute("aria-label", t("new_lines"));
      ui.unread.hidden = false;
    }
  }

  function tick() {
    if (state.status === "waiting" && state.startedAt) {
      ui.status.textContent = t("waiting") + " " + clockText((Date.now() - state.startedAt) / 1000);
    }
  }

  function setStatus(status) {
    var previous = state.status;
    state.status = status.status;
    if (status.ticket) ui.ticket.textContent = t("ticket", { number: status.ticket });
    showConversation();
    if (status.status === "waiting") {
      ui.compose.hidden = false;
      ui.end.hidden = false;
      ui.again.hidden = true;
      if (!state.clock) state.clock = setInterval(tick, 1000);
      tick();
    } else {
      if (state.clock) { clearInterval(state.clock); state.clock = null; }
    }
    if (status.status === "active") {
      ui.compose.hidden = false;
      ui.end.hidden = false;
      ui.again.hidden = true;
      ui.status.textContent = t("joined", { name: status.taken_by || "" });
      if (previous !== "active" && status.taken_by !== state.takenBy && previous !== null) {
        addSystemLine(t("joined", { name: status.taken_by || "" }));
      }
      state.takenBy = status.taken_by;
    }
    if (status.status === "ended") {
      disconnect();
      ui.compose.hidden = true;
      ui.end.hidden = true;
      ui.again.hidden = false;
      var text = status.end_reason === "left" ? t("left") : t("ended");
      ui.status.textContent = text;
      if (previous !== "ended" && previous !== null) addSystemLine(text);
    }
  }

  // The desk no longer opens this chat (it ended a while ago): forget it and say so.
  function gone() {
    disconnect();
    forget();
    if (state.clock) { clearInterval(state.clock); state.clock = null; }
    state.status = "ended";
    showConversation();
    ui.compose.hidden = true;
    ui.end.hidden = true;
    ui.again.hidden = false;
    ui.status.textContent = t("gone");
  }

  function showErrors(response, errorNodes, fallback) {
    Object.keys(errorNodes).forEach(function (name) { errorNodes[name].hidden = true; });
    var listed = false;
    (response.data.errors || []).forEach(function (error) {
      var node = errorNodes[error.field];
      if (node) {
        node.textContent = error.reason;
        node.hidden = false;
        listed = true;
      }
    });
    if (!listed) {
      fallback.textContent = response.data.detail || t("error");
      fallback.hidden = false;
    }
  }

  // --- the stream ----------------------------------------------------------------------------------

  function offlineSoon() {
    // A stream ends every ~25 s and a new one opens at once; only a longer gap is news.
    clearTimeout(state.offlineTimer);
    state.offlineTimer = setTimeout(function () { ui.offline.hidden = false; }, 4000);
  }

  function reconnect(delay) {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function connect() {
    disconnect();
    if (typeof EventSource === "undefined" || !state.chat) return;
    var chat = state.chat;
    call("POST", "/chat/widget/sessions/" + chat + "/stream-ticket", {}).then(function (response) {
      if (state.chat !== chat || state.status === "ended" || state.source) return;
      if (response.status === 410) { gone(); return; }
      if (response.status === 403 || response.status === 404) { resume(); return; }
      if (!response.ok) { offlineSoon(); reconnect(3000); return; }
      listen(response.data.ticket);
    });
  }

  function listen(ticket) {
    var openedAt = Date.now();
    var source = new EventSource(withLanguage(
      "/chat/sessions/" + state.chat + "/events?ticket=" + encodeURIComponent(ticket) + "&after=" + state.lastId
    ));
    state.source = source;
    source.addEventListener("line", function (event) { addLine(JSON.parse(event.data)); });
    source.addEventListener("status", function (event) { setStatus(JSON.parse(event.data)); });
    source.addEventListener("open", function () {
      clearTimeout(state.offlineTimer);
      ui.offline.hidden = true;
    });
    source.addEventListener("error", function () {
      if (state.source !== source) return;
      // The stream ended (every ~25 s, or at once when the desk is busy) or was refused. Its
      // ticket is used up, so the browser's own reconnect would be refused: open a new stream
      // with a new ticket, soon after a long stream and after a second otherwise.
      source.close();
      state.source = null;
      offlineSoon();
      reconnect(Date.now() - openedAt > 2000 ? 250 : 1000);
    });
  }

  function disconnect() {
    clearTimeout(state.reconnectTimer);
    if (state.source) { state.source.close(); state.source = null; }
    clearTimeout(state.offlineTimer);
    ui.offline.hidden = true;
  }

  // --- what the visitor does -------------------------------------------------------------------------

  function opened(data) {
    state.chat = data.id;
    state.startedAt = Date.parse(data.started_at) || Date.now();
    state.status = null;
    (data.lines || []).forEach(addLine);
    setStatus(data);
    if (data.status !== "ended") connect();
  }

  function onStart(event) {
    event.preventDefault();
    ui.startButton.disabled = true;
    ui.startButton.textContent = t("starting");
    call("POST", "/chat/widget/sessions", {
      name: ui.name.value,
      email: ui.email.value,
      message: ui.message.value,
      page_url: location.href,
      language: language
    }).then(function (response) {
      ui.startButton.disabled = false;
      ui.startButton.textContent = t("start");
      if (!response.ok) {
        showErrors(response, {
          name: ui.start.querySelector("#td-error-name"),
          email: ui.start.querySelector("#td-error-email"),
          message: ui.start.querySelector("#td-error-message")
        }, ui.startError);
        return;
      }
      ui.startError.hidden = true;
      state.token = response.data.token;
      ui.message.value = "";
      opened(response.data);
      remember();
      ui.body.focus();
    });
  }

  function onSend(event) {
    if (event) event.preventDefault();
    var text = ui.body.value;
    if (!text.trim() || ui.send.disabled) return;
    ui.send.disabled = true;
    call("POST", "/chat/widget/sessions/" + state.chat + "/messages", { body: text }).then(function (response) {
      ui.send.disabled = false;
      if (response.status === 410) { gone(); return; }
      if (!response.ok) {
        showErrors(response, { body: ui.sendError }, ui.sendError);
        if (response.status === 409) resume();
        return;
      }
      ui.sendError.hidden = true;
      ui.body.value = "";
      addLine(response.data);
      ui.body.focus();
    });
  }

  function onEnd() {
    call("POST", "/chat/widget/sessions/" + state.chat + "/end").then(function (response) {
      if (response.ok) setStatus(response.data);
      else if (response.status === 410) gone();
    });
  }

  function onAgain() {
    forget();
    if (presetChat) {
      location.reload();
      return;
    }
    disconnect();
    state.chat = null;
    state.token = null;
    state.lastId = 0;
    state.seen = {};
    state.status = null;
    state.takenBy = null;
    while (ui.lines.firstChild) ui.lines.removeChild(ui.lines.firstChild);
    showStartForm();
    ui.name.focus();
  }

  function resume() {
    if (!state.chat || !state.token) { showStartForm(); return; }
    call("GET", "/chat/widget/sessions/" + state.chat + "?after=" + state.lastId).then(function (response) {
      if (response.ok) {
        opened(response.data);
      } else if (response.status === 410) {
        gone();
      } else if (response.status === 403 || response.status === 404) {
        forget();
        if (presetChat) { location.reload(); return; }
        state.chat = null;
        state.token = null;
        showStartForm();
      } else {
        setTimeout(resume, 5000);
      }
    });
  }

  // --- start ------------------------------------------------------------------------------------------

  function init() {
    call("GET", "/chat/widget/config").then(function (response) {
      if (!response.ok) {
        if (window.console) console.warn("tierdesk chat:", response.data.detail || response.status);
        return;
      }
      strings = response.data.strings || {};
      build();
      if (presetChat && presetToken) {
        state.chat = Number(presetChat);
        state.token = presetToken;
      } else {
        var saved = remembered();
        if (saved) { state.chat = saved.id; state.token = saved.token; }
      }
      resume();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
