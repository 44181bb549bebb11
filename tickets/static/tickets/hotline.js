// Hotline page: look up customer and device as the agent types the phone or serial number.
(function () {
  "use strict";
  const box = document.getElementById("lookup-results");
  if (!box) return;
  const url = box.dataset.url;
  const $ = (id) => document.getElementById(id);
  let timer = null;
  let seq = 0;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function fillCustomer(c) {
    $("id_customer_id").value = c.id;
    $("id_phone").value = c.phone_display || c.phone;
    $("id_customer_name").value = c.name;
    $("id_address").value = c.address || "";
    if (c.region_id) $("id_region").value = c.region_id;
  }

  function fillDevice(d) {
    $("id_serial").value = d.serial;
    if (d.model_id) $("id_device_model").value = d.model_id;
    if (d.purchase_date) $("id_purchase_date").value = d.purchase_date;
    $("id_has_invoice").checked = !!d.has_invoice;
  }

  function ticketsHtml(tickets) {
    return tickets.map((t) =>
      `<div class="small ${t.is_open ? "text-danger" : "text-muted"}">${esc(t.number)} · ${esc(t.status_label)} · ${esc(t.received_at)} ${esc(t.station)}</div>`
    ).join("");
  }

  function render(data) {
    const parts = [];
    data.customers.forEach((c, i) => {
      parts.push(`<div class="border rounded p-2 mb-2"><div class="d-flex justify-content-between align-items-center">
        <strong>${esc(c.name)}</strong> <span class="small">${esc(c.phone_display)}</span>
        <button type="button" class="btn btn-sm btn-outline-primary" data-customer="${i}">${esc(box.dataset.tUse)}</button></div>
        <div class="small text-muted">${esc(c.region)} ${esc(c.address)}</div>
        ${c.devices.map((d, j) => `<button type="button" class="btn btn-sm btn-link p-0 me-2" data-customer="${i}" data-device="${j}">${esc(d.model)} ${esc(d.serial)}</button>`).join("")}
        ${ticketsHtml(c.tickets)}</div>`);
    });
    data.devices.forEach((d, i) => {
      parts.push(`<div class="border rounded p-2 mb-2"><div class="d-flex justify-content-between align-items-center">
        <strong>${esc(d.serial)}</strong> <span class="small">${esc(d.model)} · ${esc(d.customer.name)} ${esc(d.customer.phone_display)}</span>
        <button type="button" class="btn btn-sm btn-outline-primary" data-serial="${i}">${esc(box.dataset.tUse)}</button></div>
        ${ticketsHtml(d.tickets)}</div>`);
    });
    box.innerHTML = parts.join("") || `<p class="text-muted small mb-0">${esc(box.dataset.tNone)}</p>`;
    box.querySelectorAll("[data-customer]").forEach((b) => b.addEventListener("click", () => {
      const c = data.customers[+b.dataset.customer];
      fillCustomer(c);
      if (b.dataset.device !== undefined) {
        const d = c.devices[+b.dataset.device];
        $("id_serial").value = d.serial;
        $("id_device_model").value = d.model_id;
        lookup(d.serial, true);
      }
    }));
    box.querySelectorAll("[data-serial]").forEach((b) => b.addEventListener("click", () => {
      const d = data.devices[+b.dataset.serial];
      fillDevice(d);
      fillCustomer(d.customer);
    }));
    // A repeat caller: an exact phone or serial match fills the form at once (no mouse needed). Phones are
    // compared in E.164: the server reads the typed number (data.phone), in whatever format it was typed.
    const serialValue = $("id_serial").value.trim().toUpperCase();
    const byPhone = data.phone ? data.customers.filter((c) => c.phone === data.phone) : [];
    if (byPhone.length === 1 && !$("id_customer_id").value) fillCustomer(byPhone[0]);
    const bySerial = data.devices.filter((d) => d.serial === serialValue);
    if (bySerial.length === 1) {
      fillDevice(bySerial[0]);
      if (!$("id_customer_id").value) fillCustomer(bySerial[0].customer);
    }
    const w = data.warnings || {};
    const warn = $("serial-warning");
    if (warn) {
      const msgs = [];
      if (w.open_ticket) msgs.push(`<span class="text-danger"><i class="bi bi-exclamation-triangle"></i> ${esc(box.dataset.tOpen)} ${esc(w.open_ticket)}</span>`);
      if (w.repeat_of) msgs.push(`<span class="text-warning"><i class="bi bi-arrow-repeat"></i> ${esc(box.dataset.tRepeat)} ${esc(w.repeat_of)}</span>`);
      warn.innerHTML = msgs.join("<br>");
    }
  }

  function lookup(q, isSerial) {
    q = (q || "").trim();
    if (q.length < 3) return;
    const mine = ++seq;
    const params = new URLSearchParams({ q: q });
    if (isSerial) params.set("serial", q);
    fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => { if (data && mine === seq) render(data); })
      .catch(() => {});
  }

  ["id_phone", "id_serial"].forEach((id) => {
    const input = $(id);
    if (!input) return;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      if (id === "id_phone") $("id_customer_id").value = "";
      timer = setTimeout(() => lookup(input.value, id === "id_serial"), 150);
    });
  });
  const phone = $("id_phone");
  if (phone && !phone.value) phone.focus();
})();
