/* Searchable teacher picker for the session form (served locally, no CDN).
   Enhances the plain <select name="teacher">: a search box and a list of the year's roster with
   kind, unit, school, specialties and whether the teacher is free at the chosen time. The list
   comes from the picker URL (JSON) and is fetched again when the time or item kind changes. */
(function () {
  "use strict";
  var box = document.querySelector(".teacher-picker");
  if (!box || !window.fetch) return;
  var select = box.querySelector("select");
  var form = select.form;
  var url = box.getAttribute("data-picker-url");
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };

  var ui = document.createElement("div");
  ui.className = "picker";
  ui.innerHTML =
    '<p class="picker-chosen" id="teacher-chosen" aria-live="polite"></p>' +
    '<input type="search" id="teacher-search" placeholder="搜索讲师：姓名、类别、单位、党校或专长" autocomplete="off">' +
    '<label class="picker-free"><input type="checkbox" id="teacher-free-only"> 只看该时段有空的讲师</label>' +
    '<p class="muted" id="teacher-count"></p>' +
    '<ul class="picker-list" id="teacher-results" role="listbox" aria-label="可选讲师"></ul>';
  box.appendChild(ui);
  select.hidden = true;
  var search = ui.querySelector("#teacher-search");
  var list = ui.querySelector("#teacher-results");
  var count = ui.querySelector("#teacher-count");
  var chosen = ui.querySelector("#teacher-chosen");
  var freeOnly = ui.querySelector("#teacher-free-only");
  var rows = [];

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function showChosen() {
    var opt = select.options[select.selectedIndex];
    chosen.textContent = opt && opt.value ? "已选：" + opt.textContent : "未选择讲师";
    if (opt && opt.value) {
      var clear = text("button", "link", "清除");
      clear.type = "button";
      clear.addEventListener("click", function () { select.value = ""; showChosen(); render(); });
      chosen.appendChild(document.createTextNode(" "));
      chosen.appendChild(clear);
    }
  }

  function render() {
    var words = search.value.trim().split(/\s+/).filter(Boolean);
    list.textContent = "";
    var shown = 0;
    rows.forEach(function (r) {
      var hay = [r.name, r.kind_label, r.unit, r.title, r.school].concat(r.specialties).join(" ");
      if (words.some(function (w) { return hay.indexOf(w) < 0; })) return;
      if (freeOnly.checked && r.busy) return;
      shown += 1;
      if (shown > 60) return;
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("data-id", r.id);
      li.setAttribute("aria-selected", String(select.value === String(r.id)));
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "picker-item" + (r.busy || !r.kind_ok ? " unavailable" : "");
      var head = document.createElement("span");
      head.className = "picker-name";
      head.appendChild(text("strong", "", r.name));
      head.appendChild(text("span", "badge", r.kind_label));
      if (r.duplicate_name) head.appendChild(text("span", "badge warn", "同名"));
      head.appendChild(text("span", "badge " + (r.busy ? "bad" : "ok"), r.busy ? "该时段已有安排" : "该时段有空"));
      btn.appendChild(head);
      var meta = [r.unit, r.title, r.school].filter(Boolean).join(" · ");
      if (meta) btn.appendChild(text("span", "picker-meta", meta));
      if (r.specialties.length) btn.appendChild(text("span", "picker-meta", "专长：" + r.specialties.join("、")));
      if (r.busy) btn.appendChild(text("span", "picker-meta error", r.busy));
      if (!r.kind_ok) btn.appendChild(text("span", "picker-meta error", "该项目须由领导干部类讲师讲授"));
      btn.addEventListener("click", function () {
        select.value = String(r.id);
        showChosen();
        render();
      });
      li.appendChild(btn);
      list.appendChild(li);
    });
    count.textContent = shown > 60 ? "共 " + shown + " 位，显示前 60 位，请输入关键词缩小范围" : "共 " + shown + " 位";
  }

  var timer = null;
  function load() {
    var q = new URLSearchParams();
    ["starts_at", "ends_at", "kind"].forEach(function (n) { var f = field(n); if (f && f.value) q.set(n, f.value); });
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    fetch(url + sep + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { teachers: [] }; })
      .then(function (data) { rows = data.teachers || []; render(); })
      .catch(function () { count.textContent = "讲师列表加载失败，请刷新页面重试。"; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(load, 300); }

  search.addEventListener("input", render);
  freeOnly.addEventListener("change", render);
  ["starts_at", "ends_at", "kind"].forEach(function (n) { var f = field(n); if (f) f.addEventListener("change", later); });
  showChosen();
  load();
})();
