// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { ev.preventDefault(); }
}, true);
document.addEventListener("click", function (ev) {
  var id = ev.target && ev.target.getAttribute && ev.target.getAttribute("data-copy");
  if (!id) { return; }
  var el = document.getElementById(id);
  if (el && navigator.clipboard) { navigator.clipboard.writeText(el.textContent.trim()); }
});
