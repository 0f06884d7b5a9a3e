// Keyboard shortcuts of the agent console. Documented in the "?" overlay (web/_shortcuts.html).
//   j / k   next / previous ticket (rows on the list, neighbours on a ticket page)
//   Enter   open the selected ticket (list)
//   r / n   focus the reply (the follow-up on a closed ticket) / the internal note
//   c       take the ticket ("take it")
//   g l     back to the ticket list
//   /       focus the search box
//   ?       this help
(function () {
  "use strict";

  var waitingForG = false;
  var gTimer = null;

  function isTyping(target) {
    if (!target) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-ticket-url]"));
  }

  function moveSelection(step) {
    var all = rows();
    if (!all.length) return false;
    var current = all.findIndex(function (row) { return row.classList.contains("is-selected"); });
    var next = current === -1 ? 0 : Math.min(all.length - 1, Math.max(0, current + step));
    all.forEach(function (row) { row.classList.remove("is-selected"); });
    all[next].classList.add("is-selected");
    all[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  function focusCompose(panelId) {
    var panel = window.tierdeskSelectTab ? window.tierdeskSelectTab(panelId) : document.getElementById(panelId);
    var box = panel && panel.querySelector("textarea");
    if (box) {
      box.focus();
      return true;
    }
    return false;
  }

  function toggleHelp() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  var actions = {
    j: function () { return moveSelection(1) || follow('[data-shortcut="next"]'); },
    k: function () { return moveSelection(-1) || follow('[data-shortcut="previous"]'); },
    Enter: function () {
      // Enter on a focused link or button keeps its own meaning.
      if (document.activeElement && document.activeElement !== document.body) return false;
      var selected = document.querySelector("tr.is-selected[data-ticket-url]");
      if (selected) {
        window.location.assign(selected.dataset.ticketUrl);
        return true;
      }
      return false;
    },
    // On a closed ticket the reply box is the follow-up's.
    r: function () { return focusCompose("compose-reply") || focusCompose("compose-follow-up"); },
    n: function () { return focusCompose("compose-note"); },
    c: function () {
      var form = document.querySelector('form[data-shortcut="claim"]');
      if (!form) return false;
      form.requestSubmit ? form.requestSubmit() : form.submit();
      return true;
    },
    "/": function () {
      var box = document.querySelector('[data-shortcut="search"]');
      if (!box) return false;
      box.focus();
      if (box.select) box.select();
      return true;
    },
    "?": function () { toggleHelp(); return true; },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (waitingForG) {
      waitingForG = false;
      clearTimeout(gTimer);
      if (event.key === "l") {
        event.preventDefault();
        follow('[data-shortcut="list"]') || follow('[data-shortcut="list-fallback"]');
      }
      return;
    }
    if (event.key === "g") {
      waitingForG = true;
      gTimer = setTimeout(function () { waitingForG = false; }, 1500);
      return;
    }
    var action = actions[event.key];
    if (action && action()) event.preventDefault();
  });
})();
