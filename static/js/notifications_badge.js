/* The navbar's unread-notification badge (templates/partials/notifications_badge.html): re-counted every
   minute from a one-query JSON endpoint, while the tab is visible. */
(function () {
  "use strict";
  var link = document.getElementById("notifications-badge");
  var count = document.getElementById("notifications-badge-count");
  if (!link || !count || !window.fetch) return;
  var url = link.getAttribute("data-unread-url");
  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        count.textContent = data.unread;
        count.classList.toggle("d-none", !data.unread);
      })
      .catch(function () { /* offline: keep the last count */ });
  }
  window.setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
})();
