/* Lesson player: native HLS where supported, else hls.js, else MP4; resumes at the last
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

  var hls = null;
  function attach(src) {
    if (src && video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
      return "native-hls";
    }
    if (src && window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ startPosition: shouldResume() ? resume : -1 });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (data.fatal) {
          hls.destroy();
          if (ds.mp4) {
            video.src = ds.mp4;
            ds.mode = "mp4";
          }
        }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      return "hls.js";
    }
    if (ds.mp4) {
      video.src = ds.mp4;
      return "mp4";
    }
    return "none";
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
    var intervals = collect();
    var position = video.currentTime;
    var q = queue();
    var queued = q ? q.take(url) : null; // played while offline, maybe on an earlier visit
    if (queued) intervals = queued.intervals.concat(intervals);
    if (navigator.onLine === false) {
      keep(intervals, position);
      return;
    }
    inflight = true;
    lastSentPosition = position;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ intervals: intervals, position: position }),
    })
      .then(function (r) {
        if (r.ok) return r.json().then(show);
        if (r.status === 429 || r.status >= 500) keep(intervals, position); // retry later
        return null;
      })
      .catch(function () {
        keep(intervals, position);
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
  var toggle = document.getElementById("audio-only-toggle");
  var canHls = video.canPlayType("application/vnd.apple.mpegurl") || (window.Hls && window.Hls.isSupported());
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
