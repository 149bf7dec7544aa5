(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var events = Array.prototype.slice.call(document.querySelectorAll("#timeline .event"));
  var years = Array.prototype.slice.call(document.querySelectorAll("#timeline .year"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.theme"));
  var search = document.getElementById("search");
  var count = document.getElementById("count");
  var reader = document.getElementById("reader");
  var back = document.getElementById("back");
  var texts = events.map(function (e) { return e.textContent.toLowerCase(); });
  var selected = new Set();

  function apply() {
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    events.forEach(function (e, i) {
      var themes = (e.getAttribute("data-themes") || "").split(" ");
      var ok = selected.size === 0 || themes.some(function (t) { return selected.has(t); });
      ok = ok && terms.every(function (t) { return texts[i].indexOf(t) >= 0; });
      e.hidden = !ok;
      if (ok) { shown += 1; }
    });
    years.forEach(function (y) { y.hidden = !y.querySelector(".event:not([hidden])"); });
    count.textContent = shown + " of " + events.length + " events";
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      var theme = b.getAttribute("data-theme");
      if (selected.has(theme)) { selected.delete(theme); } else { selected.add(theme); }
      b.setAttribute("aria-pressed", selected.has(theme) ? "true" : "false");
      apply();
    });
  });
  document.getElementById("clear").addEventListener("click", function () {
    selected.clear();
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    search.value = "";
    apply();
  });
  search.addEventListener("input", apply);

  function close() {
    reader.classList.remove("open");
    document.querySelectorAll(".source.open").forEach(function (s) { s.classList.remove("open"); });
  }

  function open(target) {
    var source = target.closest(".source");
    if (!source) { return false; }
    close();
    document.querySelectorAll("mark.current").forEach(function (m) {
      m.classList.remove("current");
    });
    if (target.classList.contains("anchor")) {
      source.querySelectorAll("mark").forEach(function (m) {
        if ((m.getAttribute("data-q") || "").split(" ").indexOf(target.id) >= 0) {
          m.classList.add("current");
        }
      });
      var from = document.querySelector('a.quote[href="#' + target.id + '"]');
      var event = from && from.closest(".event");
      back.setAttribute("href", event ? "#" + event.id : "#top");
    }
    source.classList.add("open");
    reader.classList.add("open");
    (source.querySelector("mark.current") || source).scrollIntoView({block: "center"});
    return true;
  }

  function route() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target || !open(target)) { close(); }
  }
  window.addEventListener("hashchange", route);
  route();
  apply();
})();
