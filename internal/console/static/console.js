// pinpointd console: load the slow parts of a page (segment size, members, dashboard) after the
// page itself, reload a page of running jobs, and toggle the segment form between its fields and raw JSON. Everything works
// without this script too: each fragment has a link that opens it as a page.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-fragment]").forEach(function (el) {
    el.setAttribute("aria-busy", "true");
    el.insertAdjacentHTML("afterbegin", '<p class="muted loading">Loading…</p>');
    fetch(el.getAttribute("data-fragment"), {
      credentials: "same-origin",
      headers: { "X-Console-Fragment": "1" },
    })
      .then(function (r) {
        if (r.status === 401) {
          window.location.reload();
        }
        return r.text();
      })
      .then(function (html) {
        el.innerHTML = html; // server-rendered by html/template, escaped there
      })
      .catch(function () {
        var p = el.querySelector(".loading");
        if (p) p.textContent = "Could not load this part; use the link.";
      })
      .finally(function () {
        el.removeAttribute("aria-busy");
      });
  });

  // A page with running jobs reloads itself until they are done.
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    var secs = parseInt(refresh.getAttribute("data-refresh"), 10) || 3;
    setTimeout(function () {
      window.location.reload();
    }, secs * 1000);
  }

  var form = document.querySelector(".segment-form");
  if (form) {
    var sync = function () {
      var checked = form.querySelector('input[name="mode"]:checked');
      var json = checked && checked.value === "json";
      var f = form.querySelector(".mode-form");
      if (f) f.hidden = json;
    };
    form.querySelectorAll('input[name="mode"]').forEach(function (r) {
      r.addEventListener("change", sync);
    });
    sync();
  }
});
