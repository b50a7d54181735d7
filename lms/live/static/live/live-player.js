/* Live player: hls.js on a signed nginx-rtmp HLS stream.
 * - shows the latency behind the live edge, and a "回到直播" control that jumps back to it;
 * - reconnects by itself after a network loss or before the broadcast starts;
 * - "仅听声音" switches to the audio-only rendition (weak networks);
 * - members: every ~15 s it reports the intervals really played, on the broadcast's timeline
 *   (seconds since it went live), which the platform credits by the on-demand rule. */
(function () {
  "use strict";
  var video = document.getElementById("live-player");
  if (!video) return;
  var d = video.dataset;
  var stateEl = document.getElementById("live-state");
  var latencyEl = document.getElementById("live-latency");
  var creditedEl = document.getElementById("live-credited");
  var audioBtn = document.getElementById("live-audio");
  var t0 = performance.now();
  var elapsed0 = parseFloat(d.elapsed || "0");
  var started = d.status === "live" || elapsed0 > 0;
  var hls = null, audioOnly = false, retryTimer = null, offset = null;
  var pending = [], current = null, lastCt = null, clockOpened = false;

  function elapsedNow() { return elapsed0 + (performance.now() - t0) / 1000; }
  function setState(text, on) {
    stateEl.textContent = text;
    stateEl.className = "live-state " + (on ? "on" : "off");
  }
  function latency() {
    if (hls && typeof hls.latency === "number" && isFinite(hls.latency)) return hls.latency;
    return null;
  }
  function source() { return audioOnly ? d.audio : d.hls; }

  function attach() {
    clearTimeout(retryTimer);
    closeInterval();
    offset = null;
    if (hls) { hls.destroy(); hls = null; }
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ lowLatencyMode: false, liveSyncDurationCount: 2, manifestLoadingMaxRetry: 2,
                             levelLoadingMaxRetry: 4, fragLoadingMaxRetry: 4 });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        setState(started ? "网络中断，正在重新连接…" : "等待开播…", false);
        retryTimer = setTimeout(attach, 3000);
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
        started = true;
        var p = video.play(); if (p && p.catch) p.catch(function () {});
      });
      hls.loadSource(source());
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source();  // Safari / iOS play HLS natively
      video.addEventListener("error", function () { retryTimer = setTimeout(attach, 3000); }, { once: true });
    } else {
      setState("您的浏览器不支持直播播放，请更换浏览器。", false);
    }
  }

  /* Played intervals on the broadcast timeline. */
  function position() {
    if (offset === null) {
      var behind = latency();
      offset = elapsedNow() - (behind === null ? 6 : behind + 2) - video.currentTime;
    }
    return Math.max(0, Math.min(video.currentTime + offset, elapsedNow()));
  }
  function closeInterval() {
    if (current && current[1] > current[0]) pending.push([current[0], current[1]]);
    current = null; lastCt = null;
  }
  video.addEventListener("timeupdate", function () {
    if (video.paused || video.seeking || video.readyState < 3) return;
    var ct = video.currentTime;
    if (lastCt !== null && (ct < lastCt || ct - lastCt > 2)) closeInterval();
    var pos = position();
    if (!current) current = [pos, pos]; else current[1] = Math.max(current[1], pos);
    lastCt = ct;
    var behind = latency();
    latencyEl.textContent = behind === null ? "—" : behind.toFixed(1);
  });
  ["pause", "waiting", "seeking", "ended"].forEach(function (ev) { video.addEventListener(ev, closeInterval); });
  video.addEventListener("playing", function () {
    setState(audioOnly ? "直播中（仅声音）" : "直播中", true);
    if (!clockOpened) { clockOpened = true; beat(); }
  });

  function beat(final) {
    if (!d.heartbeat) return;
    var intervals = pending.slice();
    if (current && current[1] > current[0]) { intervals.push([current[0], current[1]]); current = [current[1], current[1]]; }
    pending = [];
    var body = { intervals: intervals.map(function (i) { return [Math.round(i[0] * 1000) / 1000, Math.round(i[1] * 1000) / 1000]; }) };
    if (d.site) body.site = parseInt(d.site, 10);
    var init = { method: "POST", credentials: "same-origin", keepalive: !!final,
                 headers: { "Content-Type": "application/json", "X-CSRFToken": d.csrf }, body: JSON.stringify(body) };
    return fetch(d.heartbeat, init).then(function (r) { return r.ok ? r.json() : null; }).then(function (res) {
      if (res && creditedEl && d.track === "1") {
        creditedEl.textContent = Math.floor(res.live_credited_seconds);
        creditedEl.dataset.total = res.live_credited_seconds;
      }
      if (res && res.elapsed) { elapsed0 = res.elapsed; t0 = performance.now(); }
    }).catch(function () { pending = intervals.concat(pending); });
  }
  setInterval(function () { if (clockOpened) beat(); }, 15000);
  document.addEventListener("visibilitychange", function () { if (document.hidden && clockOpened) beat(true); });

  document.getElementById("live-edge").addEventListener("click", function () {
    if (hls && hls.liveSyncPosition) video.currentTime = hls.liveSyncPosition;
    else if (video.seekable.length) video.currentTime = video.seekable.end(video.seekable.length - 1) - 1;
    var p = video.play(); if (p && p.catch) p.catch(function () {});
  });
  audioBtn.addEventListener("click", function () {
    audioOnly = !audioOnly;
    audioBtn.setAttribute("aria-pressed", audioOnly ? "true" : "false");
    audioBtn.textContent = audioOnly ? "恢复画面" : "仅听声音";
    video.muted = false;
    attach();
  });
  document.getElementById("live-unmute").addEventListener("click", function () { video.muted = false; video.play(); });
  window.addEventListener("online", function () { if (!video.paused) return; attach(); });
  setState(started ? "正在连接…" : "等待开播…", false);
  attach();
  window.livePlayer = { video: video, get hls() { return hls; }, beat: beat };
})();
