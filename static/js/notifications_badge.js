/* The navbar's unread-notification badge (templates/partials/notifications_badge.html): counted when the page
   has loaded and every minute after, from a one-query JSON endpoint, while the tab is visible — so no page
   spends a query of its own on it. */
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
  poll();
  window.setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
})();
