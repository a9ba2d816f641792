/*
 * app.js — the page behaviours that would otherwise be inline handlers (forbidden by the CSP).
 *
 *   <form data-confirm="Mark this statement paid?">       asks before submitting
 *   <input type="checkbox" data-check-all="statements">   ticks every input[name=statements]
 *   <select data-autosubmit>                               submits its form when changed
 *   <button type="submit" data-confirm="Publish?">         asks before submitting with that button
 *   <button data-print>                                    prints the page
 *   <a data-fill-field="id_line" data-fill-value="42"
 *      data-fill-label="dispute-line" data-fill-text="…">   puts a value into a form field and a label
 *
 * Loaded (deferred) by templates/base.html. Delegated listeners, so htmx-swapped content works too.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.dataset && button.dataset.confirm) || (form instanceof HTMLFormElement && form.dataset.confirm);
    if (form instanceof HTMLFormElement && question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print], [data-fill-field]") : null;
    if (!target) return;
    if (target.hasAttribute("data-print")) {
      window.print();
      return;
    }
    var field = document.getElementById(target.dataset.fillField);
    if (field) field.value = target.dataset.fillValue || "";
    var label = target.dataset.fillLabel && document.getElementById(target.dataset.fillLabel);
    if (label) label.textContent = target.dataset.fillText || "";
  });

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
