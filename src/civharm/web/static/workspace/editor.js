// The incident editor's duplicate warning: while the date, place or coordinates are typed,
// ask the server which incidents in the record look like this one, and show them. Without
// JavaScript the "Check for duplicates" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("incident-editor");
  var box = document.getElementById("similar");
  if (!form || !box || !window.fetch) { return; }
  var url = form.getAttribute("data-similar-url");
  var exclude = form.getAttribute("data-exclude") || "";
  var timer = null;
  var last = "";

  function value(key) {
    var field = form.querySelector("[data-similar='" + key + "']");
    return field ? field.value.trim() : "";
  }

  function dateCell() {
    var precision = form.querySelector("[name='incident-date_precision']");
    var until = form.querySelector("[name='incident-date_until']");
    var day = value("date");
    if (precision && precision.value === "window" && until && until.value.trim()) {
      return day + "/" + until.value.trim();
    }
    return day;
  }

  function victimNames() {
    var names = [];
    form.querySelectorAll("[name$='-name'], [name$='-name_ar']").forEach(function (input) {
      if (input.name.indexOf("victims-") === 0 && input.value.trim()) { names.push(input.value.trim()); }
    });
    return names.slice(0, 50);
  }

  function ask() {
    var date = dateCell();
    if (!date) { box.innerHTML = ""; return; }
    var query = new URLSearchParams();
    query.set("date", date);
    query.set("place", value("place"));
    query.set("lat", value("lat"));
    query.set("lon", value("lon"));
    query.set("precision", value("precision"));
    query.set("exclude", exclude);
    victimNames().forEach(function (name) { query.append("name", name); });
    var text = query.toString();
    if (text === last) { return; }
    last = text;
    fetch(url + "?" + text, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (text === last) { box.innerHTML = html; } })
      .catch(function () { /* the button still works */ });
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.name) { return; }
    if (target.hasAttribute("data-similar") || /^incident-date/.test(target.name) ||
        /^victims-\d+-name/.test(target.name)) {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 450);
    }
  });
})();
