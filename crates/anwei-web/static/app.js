// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { ev.preventDefault(); }
}, true);
// Long requests (imports): say that the server is working and keep the buttons from being
// pressed twice. The buttons are disabled after the submit event, so the one pressed still
// sends its name and value.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var busy = form && form.getAttribute && form.getAttribute("data-busy");
  if (!busy || ev.defaultPrevented) { return; }
  var note = form.querySelector(".busy");
  if (note) { note.textContent = busy; note.hidden = false; }
  window.setTimeout(function () {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  }, 0);
});
document.addEventListener("click", function (ev) {
  var id = ev.target && ev.target.getAttribute && ev.target.getAttribute("data-copy");
  if (!id) { return; }
  var el = document.getElementById(id);
  if (el && navigator.clipboard) { navigator.clipboard.writeText(el.textContent.trim()); }
});

// Live countdowns for statutory deadlines. The server renders the remaining time (so the page is
// right without JavaScript) and its own clock in data-now; the count continues from there, so a
// wrong clock on the PC does not show a wrong deadline.
(function () {
  var els = document.querySelectorAll(".countdown[data-due][data-now]");
  if (!els.length) { return; }
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var loaded = Date.now();
  function fmt(ms) {
    var mins = Math.floor(Math.abs(ms) / 60000);
    var h = Math.floor(mins / 60), m = mins % 60, s = Math.floor(Math.abs(ms) / 1000) % 60;
    var pad = function (n) { return n < 10 ? "0" + n : "" + n; };
    return zh ? h + " 小時 " + pad(m) + " 分 " + pad(s) + " 秒" : h + " h " + pad(m) + " min " + pad(s) + " s";
  }
  function tick() {
    els.forEach(function (el) {
      var now = Date.parse(el.getAttribute("data-now")) + (Date.now() - loaded);
      var left = Date.parse(el.getAttribute("data-due")) - now;
      el.textContent = (left >= 0 ? (zh ? "剩餘 " : "Remaining ") : (zh ? "已逾期 " : "Overdue by ")) + fmt(left);
      el.classList.toggle("overdue", left < 0);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
