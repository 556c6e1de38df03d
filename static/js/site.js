// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) {
      if (!window.confirm(el.getAttribute("data-confirm"))) e.preventDefault();
    });
  });

  // Type-ahead on a search box: up to six titles matching what is typed,
  // each a link to the record. Without this the box is a plain search.
  var box = document.getElementById("q");
  if (box && box.form && window.fetch) {
    var form = box.form, list = document.createElement("ul"), timer, last = "";
    list.id = "suggest";
    list.className = "suggest";
    list.hidden = true;
    list.setAttribute("aria-label", "输入提示");
    box.setAttribute("aria-controls", "suggest");
    box.setAttribute("aria-expanded", "false");
    form.appendChild(list);
    var close = function () { list.hidden = true; box.setAttribute("aria-expanded", "false"); };
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (q === last) return;
        last = q;
        if (q.length < 2) { close(); return; }
        fetch("/api/v1/suggest?q=" + encodeURIComponent(q)).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(function (d) {
          if (!d || d.q !== box.value.trim()) return;
          list.textContent = "";
          d.suggestions.forEach(function (s) {
            if (s.url.charAt(0) !== "/" || s.url.charAt(1) === "/") return;
            var li = document.createElement("li"), a = document.createElement("a");
            a.href = s.url;
            a.textContent = s.title;
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = !list.firstChild;
          box.setAttribute("aria-expanded", String(!list.hidden));
        }).catch(close);
      }, 150);
    });
    form.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "Escape") { close(); box.focus(); }
      else if (e.key === "ArrowDown" && !list.hidden && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
      else if (e.key === "ArrowUp" && i >= 0) { e.preventDefault(); (i === 0 ? box : links[i - 1]).focus(); }
    });
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });
  }
})();
