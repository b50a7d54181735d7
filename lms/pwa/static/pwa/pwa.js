/* 安装到手机 (PWA): registers the service worker (/sw.js), marks pages shown offline, keeps
 * offline pages read-only, sends queued heartbeats when the network is back, and clears what
 * this phone kept (pages, queued heartbeats) when the member signs out. */
(function () {
  "use strict";
  var script = document.currentScript;
  var BANNER = "离线浏览，内容可能不是最新";
  var root = document.documentElement;
  var servedOffline = root.getAttribute("data-offline") === "1"; // a kept copy (service worker)

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }
  function queue() {
    return window.PSOHeartbeatQueue || null;
  }

  // --- the offline banner and read-only pages ------------------------------------------------
  function banner() {
    var el = document.getElementById("offline-banner");
    if (!el) {
      el = document.createElement("div");
      el.id = "offline-banner";
      el.className = "offline-banner";
      el.setAttribute("role", "status");
      el.setAttribute("data-offline", "1");
      document.body.insertBefore(el, document.body.firstChild);
    }
    return el;
  }
  function readOnly(on) {
    var forms = document.querySelectorAll("main form");
    Array.prototype.forEach.call(forms, function (form) {
      Array.prototype.forEach.call(form.querySelectorAll("button, input[type=submit]"), function (b) {
        if (on) {
          if (!b.disabled) b.setAttribute("data-offline-disabled", "1");
          b.disabled = true;
        } else if (b.getAttribute("data-offline-disabled")) {
          b.disabled = false;
          b.removeAttribute("data-offline-disabled");
        }
      });
    });
  }
  function showOffline() {
    var el = banner();
    el.textContent = BANNER;
    el.hidden = false;
    root.classList.add("is-offline");
    readOnly(true);
  }
  function showOnline() {
    root.classList.remove("is-offline");
    var el = document.getElementById("offline-banner");
    if (!el) return;
    if (servedOffline) {
      // Still the kept copy: offer the fresh page instead of pretending it is current.
      el.innerHTML = "";
      var a = document.createElement("a");
      a.href = window.location.href;
      a.textContent = "已恢复联网，点此刷新为最新内容";
      el.appendChild(a);
    } else {
      el.hidden = true;
      readOnly(false);
    }
  }
  if (servedOffline || navigator.onLine === false) showOffline();
  window.addEventListener("offline", showOffline);
  window.addEventListener("online", function () {
    showOnline();
    var q = queue();
    if (q) q.flush();
  });

  // --- service worker ------------------------------------------------------------------------
  var sw = navigator.serviceWorker;
  if (sw && script && script.dataset.sw) {
    // After the page has loaded: installing fetches the shell, which on a weak connection
    // should not compete with the page itself (or the lesson that starts playing).
    var register = function () {
      sw.register(script.dataset.sw, { scope: "/" }).catch(function () {
        /* no service worker (private mode, old browser): the site works online as before */
      });
    };
    if (document.readyState === "complete") register();
    else window.addEventListener("load", register);
    var tell = function (worker) {
      if (worker) worker.postMessage({ type: "user", user: meta("pso-user") || "anonymous" });
    };
    // Only a page fresh from the server knows who is signed in: a kept copy, or the offline
    // page kept when the worker was installed (before signing in), would name someone else
    // and make the worker drop this member's pages.
    if (!servedOffline) {
      sw.ready.then(function (registration) {
        tell(sw.controller || registration.active);
      });
    }
  }

  // --- queued heartbeats go out as soon as a page is online ------------------------------------
  if (navigator.onLine !== false && !servedOffline) {
    var q = queue();
    if (q) q.flush();
  }
  // navigator.onLine and its events are a hint, not a fact: a phone on a village network may say
  // "online" with no way out, or never tell the page the network came back. So while anything
  // waits, try again now and then; a heartbeat the server answers proves the network is back.
  setInterval(function () {
    var q = queue();
    if (q && q.pending() > 0) q.flush();
  }, 15000);
  document.addEventListener("pso:heartbeats-sent", showOnline);

  // --- signing out: send what waits, then forget this member on this phone --------------------
  Array.prototype.forEach.call(document.querySelectorAll("form.logout"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-cleared") === "1") return;
      event.preventDefault();
      var q = queue();
      var sent = q && navigator.onLine !== false ? q.flush({ keepalive: true }) : Promise.resolve(0);
      var timeout = new Promise(function (resolve) {
        setTimeout(resolve, 1500);
      });
      Promise.race([sent, timeout]).then(function () {
        if (q) q.clear();
        if (sw && sw.controller) sw.controller.postMessage({ type: "clear" });
        form.setAttribute("data-cleared", "1");
        form.submit();
      });
    });
  });

  // --- the offline page lists the pages kept on this phone -------------------------------------
  var list = document.getElementById("offline-pages");
  if (list && window.caches) {
    caches.open("pso-pages").then(function (cache) {
      cache.keys().then(function (requests) {
        var empty = document.getElementById("offline-empty");
        if (requests.length && empty) empty.hidden = true;
        requests.forEach(function (request) {
          var url = new URL(request.url);
          cache.match(request).then(function (response) {
            if (!response) return null; // dropped meanwhile (signed out)
            return response.text().then(function (html) {
              var title = new DOMParser().parseFromString(html, "text/html").title;
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = url.pathname + url.search;
              a.textContent = title ? title.replace(/\s*·\s*党校在线\s*$/, "") : url.pathname;
              li.appendChild(a);
              list.appendChild(li);
            });
          });
        });
      });
    });
  }
})();
