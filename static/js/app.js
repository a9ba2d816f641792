/*
 * app.js — the page behaviours that would otherwise be inline handlers (forbidden by the CSP).
 *
 *   <form data-confirm="Mark this statement paid?">       asks before submitting
 *   <input type="checkbox" data-check-all="statements">   ticks every input[name=statements]
 *   <select data-autosubmit>                               submits its form when changed
 *
 * Loaded (deferred) by templates/base.html. Delegated listeners, so htmx-swapped content works too.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLSelectElement && box.hasAttribute("data-autosubmit") && box.form) {
      box.form.submit();
      return;
    }
    if (!(box instanceof HTMLInputElement) || !box.dataset.checkAll) return;
    document.querySelectorAll('input[name="' + box.dataset.checkAll + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });
})();
