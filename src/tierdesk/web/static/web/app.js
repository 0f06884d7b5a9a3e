// tierdesk pages: small behaviours every page shares (auto-submitting selects, compose tabs).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  // Tabs: buttons [data-tab="id"] inside [data-tabs] show the panel with that id.
  function selectTab(button) {
    var group = button.closest("[data-tabs]");
    if (!group) return;
    group.querySelectorAll("[data-tab]").forEach(function (other) {
      var selected = other === button;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      var panel = document.getElementById(other.dataset.tab);
      if (panel) panel.hidden = !selected;
    });
  }
  window.tierdeskSelectTab = function (panelId) {
    var button = document.querySelector('[data-tab="' + panelId + '"]');
    if (button) selectTab(button);
    return document.getElementById(panelId);
  };
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tab]");
    if (button) {
      event.preventDefault();
      selectTab(button);
    }
  });
})();
