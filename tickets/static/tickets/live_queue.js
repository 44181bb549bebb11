/* Live work queues: poll the queue's one-query state endpoint (data-live-url) every data-live-seconds; when
   its version changes, fetch this page again and swap the list in place (no reload), then show a badge with
   how many new items arrived (data-live-count names the state field that counts them) and, if the user
   turned it on, beep. Polling pauses while the tab is hidden. No inline script (CSP). */
(function () {
  "use strict";
  var box = document.querySelector("[data-live-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-live-url");
  var seconds = Math.max(1, parseInt(box.getAttribute("data-live-seconds"), 10) || 15);
  var countField = box.getAttribute("data-live-count") || "count";
  var badge = document.getElementById("live-new");
  var soundButton = document.getElementById("live-sound");
  var baseTitle = document.title;
  var version = null, lastCount = null, fresh = 0, timer = null, audio = null;

  function soundOn() {
    try { return window.localStorage.getItem("repairnet.liveSound") === "1"; } catch (e) { return false; }
  }
  function showSound() {
    if (!soundButton) return;
    var on = soundOn();
    soundButton.setAttribute("aria-pressed", on ? "true" : "false");
    soundButton.querySelector("i").className = on ? "bi bi-volume-up" : "bi bi-volume-mute";
    soundButton.querySelector("span").textContent = soundButton.getAttribute(on ? "data-on" : "data-off");
  }
  function beep() {
    if (!soundOn()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio: the badge still shows */ }
  }
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      try { window.localStorage.setItem("repairnet.liveSound", soundOn() ? "0" : "1"); } catch (e) { /* private mode */ }
      showSound();
      beep();  // the click unlocks audio in browsers that need a gesture, and lets the user hear it
    });
    showSound();
  }
  function showBadge() {
    if (!badge) return;
    if (fresh > 0) {
      badge.textContent = (badge.getAttribute("data-label") || "{n}").replace("{n}", String(fresh));
      badge.classList.remove("d-none");
      document.title = "(" + fresh + ") " + baseTitle;
    } else {
      badge.classList.add("d-none");
      document.title = baseTitle;
    }
  }
  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById(box.id);
        if (next) box.innerHTML = next.innerHTML;
        box.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
      });
  }
  function poll() {
    timer = null;
    if (document.hidden) return schedule();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return null;
        var count = Number(state[countField]) || 0;
        if (version !== null && state.version !== version) {
          if (lastCount !== null && count > lastCount) {
            fresh += count - lastCount;
            beep();
          }
          version = state.version; lastCount = count;
          showBadge();
          return refresh();
        }
        version = state.version; lastCount = count;
        return null;
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(schedule);
  }
  function schedule() {
    if (!timer) timer = window.setTimeout(poll, seconds * 1000);
  }
  // looking at the page clears the badge
  ["click", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (fresh && !(soundButton && soundButton.contains(event.target))) { fresh = 0; showBadge(); }
    }, { passive: true });
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden && !timer) poll(); });
  poll();
})();
