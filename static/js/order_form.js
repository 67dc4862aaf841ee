// The counter's order form: a next-best offer's button selects that offering (adding it to the list if a search
// narrowed the list); submitting disables the button so a double click sends one order (the server also
// refuses duplicates through the form's idempotency key).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-offering]");
    if (!button) return;
    var select = document.getElementById("id_offering");
    if (!select) return;
    var id = button.getAttribute("data-pick-offering");
    if (!select.querySelector('option[value="' + id + '"]')) {
      var option = document.createElement("option");
      option.value = id; option.textContent = button.getAttribute("data-name");
      select.appendChild(option);
    }
    select.value = id;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "order-form") return;
    var submit = form.querySelector('button[type="submit"]');
    if (submit) setTimeout(function () { submit.disabled = true; }, 0);
  });
})();
