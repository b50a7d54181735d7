/* Heartbeats that could not be sent (offline, server busy) wait here, in localStorage, per user
 * and lesson, until the network is back — even across page loads. They go to the same endpoint
 * as live heartbeats, and the server's wall-clock cap (courses/watch.py) decides what is
 * credited when they arrive: waiting earns nothing extra. Only the signed-in user's own
 * heartbeats are ever sent; signing out clears the queue (lms/pwa/static/pwa/pwa.js).
 *
 * An entry leaves the queue only once the server has answered it (peek, send, ack): a page
 * that goes away while the request is on its way (the member taps on at the moment the network
 * comes back) loses nothing. Sending an entry twice is harmless — the server merges intervals,
 * so what it already has earns nothing again. */
(function () {
  "use strict";
  var KEY = "pso-heartbeats";
  var MAX_INTERVALS = 200; // the server refuses more in one heartbeat (courses/watch.py)
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  var flushing = null;

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }
  function user() {
    return meta("pso-user");
  }
  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  function save(all) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(all));
    } catch (e) {
      /* storage full or disabled: the in-page retry still holds them */
    }
  }
  function merge(intervals) {
    var sorted = intervals
      .filter(function (iv) {
        return iv && iv.length === 2 && iv[1] > iv[0];
      })
      .sort(function (a, b) {
        return a[0] - b[0];
      });
    var out = [];
    sorted.forEach(function (iv) {
      var last = out[out.length - 1];
      if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
      else out.push([iv[0], iv[1]]);
    });
    return out.slice(0, MAX_INTERVALS);
  }

  function add(url, intervals, position) {
    var who = user();
    if (!who || !url) return;
    var all = load();
    var mine = all[who] || {};
    var entry = mine[url] || { i: [], p: null, t: Date.now() };
    entry.i = merge(entry.i.concat(intervals || []));
    if (!entry.i.length) return; // nothing played: an empty heartbeat would only spend the clock
    if (typeof position === "number" && isFinite(position)) entry.p = position;
    entry.t = Date.now();
    mine[url] = entry;
    all[who] = mine;
    save(all);
  }

  /* What waits for `url`, left in the queue until ack(url, entry.t). */
  function peek(url) {
    var who = user();
    var mine = load()[who];
    if (!who || !mine || !mine[url]) return null;
    var entry = mine[url];
    return { intervals: entry.i, position: entry.p, t: entry.t };
  }

  /* The server has answered what peek() returned: drop it, unless more was added since (then
   * the whole entry goes again with the next heartbeat; the repeated part earns nothing). */
  function ack(url, t) {
    var who = user();
    var all = load();
    var mine = all[who];
    if (!who || !mine || !mine[url] || mine[url].t !== t) return;
    delete mine[url];
    save(all);
  }

  function pending() {
    var mine = load()[user()] || {};
    return Object.keys(mine).reduce(function (n, url) {
      return n + mine[url].i.length;
    }, 0);
  }

  function has(url) {
    var mine = load()[user()] || {};
    return !!mine[url];
  }

  function post(url, entry, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": meta("pso-csrf") },
      body: JSON.stringify({ intervals: entry.intervals, position: entry.position }),
    }).then(
      function (r) {
        // 429/5xx: stays for later; any other answer (credited, lesson gone, not a member any
        // more): the server has decided.
        if (r.status !== 429 && r.status < 500) ack(url, entry.t);
        return r.ok;
      },
      function () {
        return false; // still queued
      }
    );
  }

  /* Send every queued heartbeat of the signed-in user; resolves when all have been tried. */
  function flush(options) {
    if (flushing) return flushing;
    var who = user();
    if (!who || navigator.onLine === false) return Promise.resolve(0);
    var mine = load()[who] || {};
    var now = Date.now();
    var urls = Object.keys(mine);
    var jobs = urls.map(function (url) {
      var entry = peek(url);
      if (!entry) return Promise.resolve(false);
      if (now - entry.t > MAX_AGE_MS) {
        ack(url, entry.t); // a week old: the server would credit nothing
        return Promise.resolve(false);
      }
      return post(url, entry, options && options.keepalive);
    });
    flushing = Promise.all(jobs).then(function (results) {
      flushing = null;
      var sent = results.filter(Boolean).length;
      if (sent) document.dispatchEvent(new CustomEvent("pso:heartbeats-sent", { detail: { sent: sent } }));
      return sent;
    });
    return flushing;
  }

  function clear() {
    try {
      window.localStorage.removeItem(KEY);
    } catch (e) {
      /* nothing stored */
    }
  }

  window.PSOHeartbeatQueue = { add: add, peek: peek, ack: ack, has: has, pending: pending, flush: flush, clear: clear };
})();
