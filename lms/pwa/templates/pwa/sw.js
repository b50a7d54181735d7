/* 党校在线 service worker, version {{ version }} (rendered by lms/pwa/views.py).
 *
 * - The shell (offline page, site CSS/JS, icons) is kept at install; static files are served
 *   from that cache and refreshed in the background.
 * - Pages the member visits are network-first: a fresh copy is kept after each visit; offline,
 *   the kept copy is shown read-only with the banner "离线浏览，内容可能不是最新".
 * - Never cached: anything but GET, the API, admin, login/logout, media files, redirected or
 *   "no-store" responses. Signing in or out, or another user on the page, clears every kept
 *   page (and pwa.js clears the heartbeat queue of whoever signed out). */
"use strict";
var CONFIG = {{ config|safe }};
var SHELL = "pso-shell-" + CONFIG.version;
var PAGES = "pso-pages";
var USER_KEY = "/__pso_user__";
var NETWORK_TIMEOUT_MS = 10000;

// API writes (heartbeats, the page-hide beacon) bypass this worker altogether: Chromium loses a
// keepalive request that a page hands to its worker while the page is being unloaded (the
// beacon on leaving a lesson never arrived), and the worker has nothing to add to a write.
function routeWritesToNetwork(event) {
  if (!event.addRoutes || typeof URLPattern === "undefined") return Promise.resolve();
  return event
    .addRoutes([
      { condition: { requestMethod: "POST", urlPattern: new URLPattern(CONFIG.api + "*", self.location.origin) }, source: "network" },
    ])
    .catch(function () {
      /* an older router: writes still pass the fetch handler below untouched */
    });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    routeWritesToNetwork(event)
      .then(function () {
        return caches.open(SHELL);
      })
      .then(function (cache) {
        return cache.addAll(CONFIG.shell);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        // Old shells go; kept pages go too (they point at the old static files).
        return Promise.all(
          names
            .filter(function (name) {
              return name !== SHELL && (name.indexOf("pso-shell-") === 0 || name === PAGES);
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function clearPages() {
  return caches.delete(PAGES);
}

// pwa.js tells which user a page belongs to; pages of anyone else are dropped at once.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "user") {
    event.waitUntil(
      caches.open(SHELL).then(function (cache) {
        return cache.match(USER_KEY).then(function (kept) {
          return (kept ? kept.text() : Promise.resolve(null)).then(function (previous) {
            var steps = [cache.put(USER_KEY, new Response(String(data.user)))];
            if (previous !== null && previous !== String(data.user)) steps.push(clearPages());
            return Promise.all(steps);
          });
        });
      })
    );
  } else if (data.type === "clear") {
    event.waitUntil(Promise.all([clearPages(), caches.open(SHELL).then(function (c) { return c.delete(USER_KEY); })]));
  }
});

function neverCached(url) {
  return CONFIG.never.some(function (prefix) {
    return url.pathname.indexOf(prefix) === 0;
  });
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () {
      reject(new Error("timeout"));
    }, ms);
    promise.then(
      function (value) {
        clearTimeout(timer);
        resolve(value);
      },
      function (error) {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

function cacheable(response) {
  if (!response || response.status !== 200 || response.redirected || response.type !== "basic") return false;
  var type = response.headers.get("Content-Type") || "";
  var control = response.headers.get("Cache-Control") || "";
  return type.indexOf("text/html") === 0 && control.indexOf("no-store") === -1;
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
  });
}

// A kept page, marked as offline: the banner goes right after <body>, the page turns read-only.
function offlineCopy(response) {
  return response.text().then(function (html) {
    var banner =
      '<div id="offline-banner" class="offline-banner" role="status" data-offline="1">' +
      escapeHtml(CONFIG.banner) +
      "</div>";
    var marked = html.replace(/<html([^>]*)>/i, '<html$1 data-offline="1">').replace(/<body([^>]*)>/i, function (tag) {
      return tag + banner;
    });
    return new Response(marked, {
      status: 200,
      headers: { "Content-Type": "text/html; charset=utf-8", "X-PSO-Offline": "1" },
    });
  });
}

function offlineFallback() {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(CONFIG.offline).then(function (page) {
      if (page) return offlineCopy(page);
      return new Response("<!doctype html><meta charset=utf-8><p>" + escapeHtml(CONFIG.banner) + "</p>", {
        status: 503,
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    });
  });
}

function navigate(request) {
  return withTimeout(fetch(request), NETWORK_TIMEOUT_MS)
    .then(function (response) {
      if (cacheable(response)) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) {
          return cache.put(request, copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.open(PAGES).then(function (cache) {
        return cache.match(request).then(function (kept) {
          return kept ? offlineCopy(kept) : offlineFallback();
        });
      });
    });
}

function staticFile(request) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (kept) {
      var fresh = fetch(request)
        .then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        })
        .catch(function () {
          return kept || Response.error();
        });
      return kept || fresh;
    });
  });
}

function offlineWriteRefused() {
  var body =
    '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>离线 · 党校在线</title><body style=\"font:1.1rem/1.6 sans-serif;padding:1.5rem\">" +
    "<h1>当前离线，无法提交</h1><p>离线时只能查看已打开过的页面。请连上网络后再提交，已填写的内容请返回上一页查看。</p>" +
    '<p><a href="javascript:history.back()">返回上一页</a></p></body></html>';
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === "/logout/" || url.pathname === "/login/") {
      // A session begins or ends: nothing kept for the previous user may stay.
      event.respondWith(
        clearPages().then(function () {
          return fetch(request);
        })
      );
    } else if (request.mode === "navigate") {
      event.respondWith(fetch(request).catch(offlineWriteRefused));
    }
    return; // writes (heartbeats, sign-in scans…) go to the network untouched
  }
  if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(staticFile(request));
    return;
  }
  if (request.mode === "navigate" && !neverCached(url)) {
    event.respondWith(navigate(request));
  }
});
