/* The platform's only script. Pages carry behaviour as data attributes, never as inline
   handlers, so the Content-Security-Policy can forbid inline script (script-src 'self'):
   a name such as 张三'+alert(1)+' is only ever text inside an attribute.
     <form data-confirm="确定…？">   asks before submitting (the message is plain text)
     <select data-autosubmit>         submits its form when the choice changes
     <button data-nav-toggle>         opens and closes the menu on phones
     <input data-check-all="name">    ticks or clears every checkbox named `name`
     <div data-error-summary>         takes the focus when the page loads              */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (link) {  /* an entry of the error summary: to its field, focused */
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) { event.preventDefault(); field.focus(); }
      return;
    }
    var button = event.target.closest && event.target.closest("[data-nav-toggle]");
    if (!button) { return; }
    var open = document.body.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  /* After a refused save the error summary takes the focus, so keyboard and screen-reader
     users land on the list of what to correct (each entry links to its field). A table
     wider than its box scrolls: it becomes focusable so the keyboard can scroll it too. */
  function ready() {
    focusSummary();
    markScrollable();
  }
  function focusSummary() {
    /* the summary of a form, else a page's refusal banner (a service's message) */
    var summary = document.querySelector("[data-error-summary]") || document.querySelector(".flash-error[role=alert]");
    if (!summary) { return; }
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
  /* a #fragment in the address (the skip link's #main) would take the focus back at load */
  window.addEventListener("load", function () { window.setTimeout(focusSummary, 0); });
  function markScrollable() {
    var tables = document.querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i], box = t.parentElement;
      var el = t.scrollWidth > t.clientWidth + 1 ? t : (box && box.scrollWidth > box.clientWidth + 1 ? box : null);
      if (el && !el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else { ready(); }
  window.addEventListener("resize", markScrollable);
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
    var group = el.getAttribute && el.getAttribute("data-check-all");
    if (group) {
      var boxes = document.querySelectorAll('input[type="checkbox"][name="' + group + '"]');
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = el.checked; }
    }
  });
})();
