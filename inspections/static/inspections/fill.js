/* Checklist autosave: every change is queued in localStorage and POSTed at once, a photo in IndexedDB; a lost
   connection or a reload loses nothing (the queues are replayed on load and when the browser comes back online). */
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

  /* Photos (with the line's score and comment) wait in IndexedDB until they are uploaded. Each carries its
     own Idempotency-Key, so an upload whose answer was lost and is sent again is booked once. */
  var photos = (function () {
    var db = null;
    function open() {
      if (db) return db;
      db = new Promise(function (resolve, reject) {
        var req = indexedDB.open("repairnet-inspections", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("photos", { keyPath: "key" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
      return db;
    }
    function run(mode, fn) {
      return open().then(function (d) {
        return new Promise(function (resolve, reject) {
          var tx = d.transaction("photos", mode);
          var out = fn(tx.objectStore("photos"));
          tx.oncomplete = function () { resolve(out && out.result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    function all() {
      return run("readonly", function (s) { return s.getAll(); }).then(function (rows) {
        return (rows || []).filter(function (r) { return r.inspection === root.dataset.inspection; });
      });
    }
    return {
      all: all,
      put: function (item) { item.inspection = root.dataset.inspection; return run("readwrite", function (s) { s.put(item); }).then(count); },
      done: function (key) { return run("readwrite", function (s) { s.delete(key); }).then(count); },
      update: function (line, fields) {
        return all().then(function (rows) {
          return run("readwrite", function (s) {
            rows.forEach(function (r) { if (r.line === line) { s.put(Object.assign(r, fields)); } });
          });
        });
      },
    };
  })();

  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(36).slice(2);
  }

  function count() {
    return photos.all().then(function (rows) {
      var badge = document.getElementById("insp-upload-queue");
      badge.dataset.count = rows.length;
      badge.textContent = msgs.queued.replace("%(n)s", rows.length);
      badge.classList.toggle("d-none", rows.length === 0);
      return rows.length;
    });
  }

  var FINAL = [400, 404, 413, 422];  // refused for good: sending it again cannot help
  function sendPhoto(item) {
    var el = byKey(item.line);
    var body = new FormData();
    body.append("photo", item.photo, item.name || "photo.jpg");
    if (item.score !== undefined && item.score !== "") body.append("score", item.score);
    if (item.comment !== undefined) body.append("comment", item.comment);
    if (el) state(el, "saving", msgs.uploading);
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Idempotency-Key": item.key, "Accept": "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.ok) {
          if (el) {
            var img = el.querySelector(".insp-thumb-sm");
            img.src = data.photo_url + "?v=" + encodeURIComponent(item.key); img.classList.remove("d-none");
            state(el, "saved", msgs.uploaded);
          }
          return photos.done(item.key);
        }
        if (FINAL.indexOf(r.status) >= 0) {
          if (el) state(el, "error", firstError(data) || msgs.error);
          return photos.done(item.key);
        }
        if (el) state(el, "offline", msgs.photo_queued);
      });
    }).catch(function () { if (el) state(el, "offline", msgs.photo_queued); });
  }

  function firstError(data) {
    if (data.detail) return data.detail;
    var k = Object.keys(data)[0];
    return k ? [].concat(data[k])[0] : "";
  }

  var sendingPhotos = null;
  function flushPhotos() {
    if (sendingPhotos) return sendingPhotos;
    sendingPhotos = photos.all().then(function (rows) {
      return rows.reduce(function (p, item) { return p.then(function () { return sendPhoto(item); }); }, Promise.resolve());
    }).then(count, count).then(function (n) { sendingPhotos = null; return n; });
    return sendingPhotos;
  }

  function progress() {
    var items = root.querySelectorAll(".insp-item");
    var done = 0;
    items.forEach(function (el) { if (el.querySelector("input[type=radio]:checked")) done++; });
    var badge = document.getElementById("insp-progress");
    badge.textContent = done + "/" + items.length;
    badge.className = "badge fs-6 text-bg-" + (done === items.length ? "success" : "primary");
  }

  function queue(el, fields) {
    photos.update(el.dataset.key, fields);
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
      store(p);
      photos.update(el.dataset.key, { comment: comment.value });  // kept locally at once, sent after a short pause
      clearTimeout(timer);
      timer = setTimeout(function () { send(el); }, 700);
    });
    comment.addEventListener("blur", function () { clearTimeout(timer); send(el); });
    var photo = el.querySelector(".insp-photo");
    photo.addEventListener("change", function () {
      if (!photo.files.length) return;
      var checked = el.querySelector("input[type=radio]:checked");
      var item = { key: newKey(), line: el.dataset.key, url: el.dataset.photoUrl, photo: photo.files[0],
                   name: photo.files[0].name, comment: comment.value };
      if (checked) item.score = checked.value;
      photos.put(item).then(function () { photo.value = ""; return sendPhoto(item); });
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
  flushPhotos();
  window.addEventListener("online", function () { flush(); flushPhotos(); });

  document.getElementById("submit-form").addEventListener("submit", function (ev) {
    // The submit waits for every queued change and photo: a submitted inspection takes no more uploads.
    ev.preventDefault();
    var form = ev.target;
    Promise.all([flush(), flushPhotos()]).then(function (res) {
      if (Object.keys(load()).length || res[1]) { alert(msgs.pending); } else { form.submit(); }
    });
  });
})();
