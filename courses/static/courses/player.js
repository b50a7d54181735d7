/* Lesson player: native HLS where it works, else hls.js, else MP4; resumes at the last
 * position; reports really-played intervals every 15 s and on page hide (sendBeacon).
 * The server decides what is credited (courses/watch.py); this only reports what played.
 * Heartbeats that fail (offline, server busy) wait in window.PSOHeartbeatQueue
 * (heartbeat-queue.js, localStorage) and are sent when the network is back. */
(function () {
  "use strict";
  var video = document.getElementById("lesson-player");
  if (!video) return;
  var ds = video.dataset;
  var duration = parseFloat(ds.duration) || 0;
  var resume = parseFloat(ds.resume) || 0;
  var track = ds.track === "1";
  var url = ds.heartbeat;
  var csrf = ds.csrf;
  var HEARTBEAT_MS = 15000;

  function shouldResume() {
    return resume > 0.5 && resume < duration - 1;
  }

  // On a weak or metered connection nothing is fetched before the member presses play or
  // 仅听声音: the poster and 时长 are on the page already, and a few hundred kbit/s should go to
  // what they chose (a video's first segment alone is ~300 KB). Elsewhere metadata loads early.
  var connection = navigator.connection;
  var weak =
    !!connection &&
    (connection.saveData || (connection.downlink > 0 && connection.downlink < 1) || /2g/.test(connection.effectiveType || ""));
  if (weak) video.preload = "none";
  var wantsPlay = false; // the member pressed play (a fallback player carries on from there)
  video.addEventListener("play", function () {
    wantsPlay = true;
  });

  // Native HLS first where the browser claims it (iOS/Android, Safari, current Chromium); a
  // claim is not a promise (a browser may say "maybe" and then fail on the playlist), so an
  // error before the first frame falls back to hls.js (loaded then, from the project's own
  // static files: data-hlsjs) and then to the MP4.
  var hls = null;
  var attachId = 0;
  function attach(src) {
    attachId += 1;
    if (src && video.canPlayType("application/vnd.apple.mpegurl")) {
      var mine = attachId;
      var fallback = function () {
        video.removeEventListener("error", fallback);
        if (mine !== attachId || video.readyState > 0) return; // played, or replaced since
        viaHlsJs(src, function (mode) { ds.mode = mode; });
      };
      video.addEventListener("error", fallback);
      video.addEventListener("loadedmetadata", function () { video.removeEventListener("error", fallback); }, { once: true });
      video.src = src;
      return "native-hls";
    }
    var mode = "none";
    viaHlsJs(src, function (m) { mode = m; ds.mode = m; });
    return mode;
  }

  function viaHlsJs(src, done) {
    if (src && window.Hls && window.Hls.isSupported()) {
      video.removeAttribute("src");
      var lazy = video.preload === "none" && !wantsPlay;
      var instance = new window.Hls({ startPosition: shouldResume() ? resume : -1, autoStartLoad: !lazy });
      hls = instance;
      instance.on(window.Hls.Events.ERROR, function (_event, data) {
        if (data.fatal) {
          instance.destroy();
          if (hls === instance) hls = null;
          if (ds.mp4) {
            video.src = ds.mp4;
            ds.mode = "mp4";
          }
        }
      });
      if (lazy) {
        video.addEventListener("play", function start() {
          video.removeEventListener("play", start);
          if (hls === instance) instance.startLoad();
        });
      }
      instance.loadSource(src);
      instance.attachMedia(video);
      if (wantsPlay) video.play().catch(function () {}); // native failed after play was pressed
      return done("hls.js");
    }
    if (src && !window.Hls && ds.hlsjs && window.MediaSource) {
      var script = document.createElement("script"); // only the browsers that need it pay for it
      var mine = attachId;
      script.src = ds.hlsjs;
      script.onload = function () {
        if (mine === attachId) viaHlsJs(src, done); // not if 仅听声音 switched the source since
      };
      script.onerror = function () {
        if (mine === attachId) mp4(done);
      };
      document.body.appendChild(script);
      return done("loading");
    }
    return mp4(done);
  }

  function mp4(done) {
    if (ds.mp4) {
      video.src = ds.mp4;
      return done("mp4");
    }
    return done("none");
  }
  ds.mode = attach(ds.hls);

  video.addEventListener("loadedmetadata", function () {
    if (shouldResume() && video.currentTime < 0.5) {
      video.currentTime = resume;
    }
    ds.ready = "1";
  });

  // --- really-played intervals ------------------------------------------------------------
  var segStart = null;
  var lastTime = null;
  var lastWall = null;
  var pending = [];

  function startSegment() {
    segStart = video.currentTime;
    lastTime = segStart;
    lastWall = performance.now();
  }
  function closeSegment(useCurrent) {
    if (segStart === null) return;
    if (useCurrent && video.currentTime > lastTime && video.currentTime - lastTime < 2) {
      lastTime = video.currentTime;
    }
    if (lastTime > segStart) pending.push([segStart, lastTime]);
    segStart = null;
    lastTime = null;
  }
  video.addEventListener("playing", startSegment);
  video.addEventListener("seeked", function () {
    if (!video.paused) startSegment();
  });
  video.addEventListener("seeking", function () {
    closeSegment(false); // currentTime is already the seek target
  });
  video.addEventListener("timeupdate", function () {
    if (video.paused || video.seeking) return;
    if (segStart === null) {
      startSegment();
      return;
    }
    var t = video.currentTime;
    var now = performance.now();
    var wall = (now - lastWall) / 1000;
    var step = t - lastTime;
    if (step < 0 || step > wall * Math.max(video.playbackRate, 1) + 1) {
      closeSegment(false); // a jump, not playback
      startSegment();
    } else {
      lastTime = t;
      lastWall = now;
    }
  });

  function collect() {
    if (segStart !== null && lastTime > segStart) {
      pending.push([segStart, lastTime]);
      segStart = lastTime;
    }
    var batch = pending.splice(0, pending.length);
    return batch.map(function (iv) {
      return [Math.max(0, Math.round(iv[0] * 1000) / 1000), Math.min(duration, Math.round(iv[1] * 1000) / 1000)];
    });
  }

  // --- heartbeats --------------------------------------------------------------------------
  var watched = document.getElementById("watched-seconds");
  var badge = document.getElementById("completed-badge");
  var inflight = false;
  var lastSentPosition = resume;

  function show(data) {
    if (watched) watched.textContent = Math.round(data.watched_seconds);
    if (badge && data.completed) badge.hidden = false;
    ds.credited = String(data.watched_seconds);
  }

  function queue() {
    return window.PSOHeartbeatQueue || null;
  }
  // Keep what could not be sent: in the persistent queue when there is one, else in memory.
  function keep(intervals, position) {
    var q = queue();
    if (q) q.add(url, intervals, position);
    else pending = intervals.concat(pending);
  }

  function send() {
    if (!track || inflight) return;
    var played = collect();
    var position = video.currentTime;
    var q = queue();
    if (navigator.onLine === false) {
      keep(played, position);
      return;
    }
    // What was played while offline (maybe on an earlier visit) goes along; it leaves the queue
    // only when the server has answered.
    var queued = q ? q.peek(url) : null;
    var intervals = queued ? queued.intervals.concat(played) : played;
    inflight = true;
    lastSentPosition = position;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true, // a heartbeat on its way when the page goes still arrives
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ intervals: intervals, position: position }),
    })
      .then(function (r) {
        if (r.status === 429 || r.status >= 500) {
          keep(played, position); // retry later
          return null;
        }
        if (queued) q.ack(url, queued.t); // credited or refused: the server has decided
        return r.ok ? r.json().then(show) : null;
      })
      .catch(function () {
        keep(played, position);
      })
      .then(function () {
        inflight = false;
      });
  }

  function beacon() {
    if (!track) return;
    var intervals = collect();
    if (!intervals.length && Math.abs(video.currentTime - lastSentPosition) < 0.5) return; // nothing new
    lastSentPosition = video.currentTime;
    if (navigator.onLine === false) {
      keep(intervals, video.currentTime); // sent from the next page that is online
      return;
    }
    var form = new FormData();
    form.append("csrfmiddlewaretoken", csrf);
    form.append("payload", JSON.stringify({ intervals: intervals, position: video.currentTime }));
    if (!navigator.sendBeacon || !navigator.sendBeacon(url, form)) keep(intervals, video.currentTime);
  }

  video.addEventListener("play", send); // opens the server's clock for this viewing
  video.addEventListener("pause", function () {
    closeSegment(true);
    send();
  });
  video.addEventListener("ended", function () {
    closeSegment(true);
    send();
  });
  setInterval(function () {
    var q = queue();
    if (!video.paused || pending.length || (q && q.has(url))) send();
  }, HEARTBEAT_MS);
  window.addEventListener("online", send); // back online: what waited goes now
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beacon();
  });
  window.addEventListener("pagehide", beacon);

  // --- 仅听声音: the lesson's audio-only rendition (AAC ~64 kbps) on weak networks -----------
  // Same element, same really-played reporting: listening is credited by the same rule.
  // 适老化 mode: large play/pause, back 15 s and full-screen buttons (the page shows them only
  // in that mode); they drive the same <video>, so crediting is unchanged.
  var big = document.getElementById("big-controls");
  if (big) {
    var playButton = big.querySelector('[data-act="play"]');
    var label = function () {
      playButton.textContent = video.paused ? "播放" : "暂停";
    };
    big.hidden = false;
    big.addEventListener("click", function (event) {
      var act = event.target && event.target.getAttribute("data-act");
      if (act === "play") {
        if (video.paused) video.play().catch(function () {});
        else video.pause();
      } else if (act === "back") {
        video.currentTime = Math.max(0, video.currentTime - 15);
      } else if (act === "full") {
        var request = video.requestFullscreen || video.webkitRequestFullscreen || video.webkitEnterFullscreen;
        if (request) request.call(video);
      }
    });
    video.addEventListener("play", label);
    video.addEventListener("pause", label);
  }

  var toggle = document.getElementById("audio-only-toggle");
  var canHls = video.canPlayType("application/vnd.apple.mpegurl") || window.Hls || (ds.hlsjs && window.MediaSource);
  if (toggle && ds.audio && canHls) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var listening = ds.listening !== "1";
      var playing = !video.paused;
      closeSegment(true);
      send();
      resume = video.currentTime;
      if (hls) {
        hls.destroy();
        hls = null;
      }
      ds.listening = listening ? "1" : "0";
      ds.mode = attach(listening ? ds.audio : ds.hls);
      toggle.setAttribute("aria-pressed", listening ? "true" : "false");
      toggle.textContent = listening ? "恢复视频画面" : "仅听声音";
      if (playing) video.play();
    });
  }
})();
