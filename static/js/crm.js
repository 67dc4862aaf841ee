// Small conveniences of the staff UI: search shortcut, confirmations, copy-link of list filters.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("global-search");
    if (!box) return;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      box.focus();
      box.select();
    }
    if (event.key === "Escape" && document.activeElement === box) {
      document.getElementById("search-popup").innerHTML = "";
      box.blur();
    }
  });
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // Instead of inline handlers, which the Content-Security-Policy refuses: print, submit on change, no Enter.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) event.target.form.requestSubmit();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-no-enter-submit]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-link]");
    if (!button) return;
    var url = window.location.href;
    if (navigator.clipboard) navigator.clipboard.writeText(url);
    button.setAttribute("data-copied", url);
  });
})();
