/* Checklist autosave: every change is queued in localStorage and POSTed at once; a lost connection or a
   reload loses nothing (the queue is replayed on load and when the browser comes back online). */
(function () {
  "use strict";
  var root = document.getElementById("insp-fill");
  if (!root) return;
  var key = "insp-pending-" + root.dataset.inspection;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var msgs = JSON.parse(document.getElementById("insp-messages").textContent);

  function load() { try { return JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { return {}; } }
  function store(p) { try { localStorage.setItem(key, JSON.stringify(p)); } catch (e) { /* private mode */ } }
  function state(el, s, text) { var n = el.querySelector(".insp-state"); n.dataset.state = s; n.textContent = text; }
  function byKey(k) { return root.querySelector('[data-key="' + k + '"]'); }

  function progress() {
    var items = root.querySelectorAll(".insp-item");
    var done = 0;
    items.forEach(function (el) { if (el.querySelector("input[type=radio]:checked")) done++; });
    var badge = document.getElementById("insp-progress");
    badge.textContent = done + "/" + items.length;
    badge.className = "badge fs-6 text-bg-" + (done === items.length ? "success" : "primary");
  }

  function queue(el, fields) {
    var p = load();
    p[el.dataset.key] = Object.assign(p[el.dataset.key] || { url: el.dataset.saveUrl }, fields);
    store(p);
    send(el);
  }

  function send(el) {
    var entry = load()[el.dataset.key];
    if (!entry) return Promise.resolve();
    var body = new FormData();
    Object.keys(entry).forEach(function (k) { if (k !== "url") body.append(k, entry[k]); });
    state(el, "saving", msgs.saving);
    return fetch(entry.url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (data) {
          var p = load();
          if (JSON.stringify(p[el.dataset.key]) === JSON.stringify(entry)) { delete p[el.dataset.key]; store(p); }
          if (!r.ok) { state(el, "error", data.detail || msgs.error); return; }
          state(el, "saved", msgs.saved);
          document.getElementById("insp-connection").textContent = "";
        });
      })
      .catch(function () {
        state(el, "offline", msgs.offline);
        document.getElementById("insp-connection").textContent = msgs.offline;
      });
  }

  function flush() {
    var p = load();
    return Promise.all(Object.keys(p).map(function (k) { var el = byKey(k); return el ? send(el) : null; }));
  }

  root.querySelectorAll(".insp-item").forEach(function (el) {
    el.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () { queue(el, { score: radio.value }); progress(); });
    });
    var comment = el.querySelector(".insp-comment");
    var timer = null;
    comment.addEventListener("input", function () {
      var p = load();
      p[el.dataset.key] = Object.assign(p[el.dataset.key] || { url: el.dataset.saveUrl }, { comment: comment.value });
      store(p);  // kept locally at once, sent after a short pause
      clearTimeout(timer);
      timer = setTimeout(function () { send(el); }, 700);
    });
    comment.addEventListener("blur", function () { clearTimeout(timer); send(el); });
    var photo = el.querySelector(".insp-photo");
    photo.addEventListener("change", function () {
      if (!photo.files.length) return;
      var body = new FormData();
      body.append("photo", photo.files[0]);
      state(el, "saving", msgs.uploading);
      fetch(el.dataset.saveUrl, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
        .then(function (r) {
          return r.json().then(function (data) {
            if (!r.ok) { state(el, "error", data.detail || msgs.error); return; }
            var img = el.querySelector(".insp-thumb-sm");
            img.src = data.photo_url; img.classList.remove("d-none");
            state(el, "saved", msgs.saved);
          });
        })
        .catch(function () { state(el, "offline", msgs.photo_offline); });
    });
  });

  root.querySelectorAll(".insp-stock").forEach(function (el) {
    var input = el.querySelector(".insp-count");
    input.addEventListener("change", function () { queue(el, { counted_quantity: input.value }); });
  });

  // Replay what was not sent before a reload or while offline; show it in the form first.
  var pending = load();
  Object.keys(pending).forEach(function (k) {
    var el = byKey(k);
    if (!el) return;
    var entry = pending[k];
    if (entry.score !== undefined) {
      var radio = el.querySelector('input[type=radio][value="' + entry.score + '"]');
      if (radio) radio.checked = true;
    }
    if (entry.comment !== undefined) el.querySelector(".insp-comment").value = entry.comment;
    if (entry.counted_quantity !== undefined) el.querySelector(".insp-count").value = entry.counted_quantity;
  });
  progress();
  flush();
  window.addEventListener("online", flush);

  document.getElementById("submit-form").addEventListener("submit", function (ev) {
    if (Object.keys(load()).length) {
      ev.preventDefault();
      var form = ev.target;
      flush().then(function () {
        if (Object.keys(load()).length) { alert(msgs.pending); } else { form.submit(); }
      });
    }
  });
})();
