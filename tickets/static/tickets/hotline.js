// Hotline page, keyboard first: look up customer and device as the agent types the phone or serial number;
// ↑/↓ move through the results and Enter uses the highlighted one (it fills the form, never submits it);
// a searchable district (Tom Select over the server-rendered <select>, so Chinese typing finds 锦江);
// ?phone= (a softphone's screen pop) runs the look-up on load; a serial with an open ticket shows a warning
// whose default action (Enter, Ctrl+Enter) adds the call to that ticket.
(function () {
  "use strict";
  const box = document.getElementById("lookup-results");
  const form = document.getElementById("log-call-form");
  if (!box || !form) return;
  const url = box.dataset.url;
  const $ = (id) => document.getElementById(id);
  const alertBox = $("open-ticket-alert");
  let timer = null;
  let seq = 0;
  let options = []; // the look-up results the keyboard can pick: {el, pick()}
  let active = -1;
  let owner = null; // the input (phone or serial) the highlighted result belongs to
  let dismissedOpen = null; // the open ticket the agent chose not to add the call to

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  const fmt = (text, number) => String(text).replace("%(number)s", number);

  // --- the district: Tom Select over the <select> (its option labels are the full names, one query) -------
  const regionSelect = $("id_region");
  let district = null;
  if (regionSelect && window.TomSelect) {
    district = new window.TomSelect(regionSelect, {
      maxOptions: 50,
      openOnFocus: false,
      selectOnTab: true,
      placeholder: box.dataset.tPickDistrict,
      render: { no_results: () => `<div class="no-results">${esc(box.dataset.tNoDistrict)}</div>` },
    });
    district.control_input.setAttribute("data-hotkey", "alt+d");
    district.control_input.setAttribute("aria-label", (document.querySelector('label[for="id_region"]') || {}).textContent || "");
    form.addEventListener("reset", () => district.clear(true));
  }
  function setRegion(id) {
    if (!id) return;
    if (district) district.setValue(String(id), true);
    else regionSelect.value = id;
  }

  const hotkeys = { id_phone: "alt+p", id_serial: "alt+s", id_fault_category: "alt+g" };
  Object.entries(hotkeys).forEach(([id, key]) => { if ($(id)) $(id).setAttribute("data-hotkey", key); });

  // --- filling the form ------------------------------------------------------------------------------
  function fillCustomer(c) {
    $("id_customer_id").value = c.id;
    $("id_phone").value = c.phone_display || c.phone;
    $("id_customer_name").value = c.name;
    $("id_address").value = c.address || "";
    if ($("id_carrier_account") && c.carrier_account) $("id_carrier_account").value = c.carrier_account;
    setRegion(c.region_id);
  }

  function fillDevice(d) {
    $("id_serial").value = d.serial;
    if (d.model_id) $("id_device_model").value = d.model_id;
    if (d.purchase_date) $("id_purchase_date").value = d.purchase_date;
    if (d.has_invoice !== undefined) $("id_has_invoice").checked = !!d.has_invoice;
  }

  // After a pick, the next field the agent has to decide: the serial if none yet, else the fault category.
  function focusNext() {
    const next = !$("id_serial").value.trim() ? $("id_serial") : $("id_fault_category");
    next.focus();
  }

  // --- the open-ticket warning ------------------------------------------------------------------------
  function showOpenTicket(number, id) {
    if (!alertBox) return;
    if (!number || !id || String(id) === dismissedOpen) {
      if (!number) alertBox.innerHTML = "";
      return;
    }
    const href = alertBox.dataset.ticketUrl.replace("/0/", `/${encodeURIComponent(id)}/`);
    alertBox.innerHTML = `<div class="alert alert-danger" role="alert">
      <div class="fw-semibold"><i class="bi bi-exclamation-octagon"></i> ${esc(fmt(alertBox.dataset.tOpen, number))}
        <a href="${esc(href)}" class="alert-link">${esc(number)}</a></div>
      <div class="small mb-2">${esc(alertBox.dataset.tWhy)}</div>
      <div class="d-flex flex-wrap gap-2">
        <button type="submit" name="add_to_ticket" value="${esc(id)}" class="btn btn-danger" id="add-to-open">${esc(fmt(alertBox.dataset.tAdd, number))} <kbd>Enter</kbd></button>
        <button type="button" class="btn btn-outline-secondary" id="log-another">${esc(alertBox.dataset.tAnother)}</button>
      </div></div>`;
    wireOpenTicket();
    // the default action takes the focus unless the agent is typing in a text field
    const here = document.activeElement;
    if (!here || here === document.body || here.tagName === "SELECT" || here.tagName === "BUTTON") $("add-to-open").focus();
  }

  function wireOpenTicket() {
    const another = $("log-another");
    if (!another) return;
    another.addEventListener("click", () => {
      const add = $("add-to-open");
      if (add) { dismissedOpen = add.value; add.remove(); }
      another.remove();
      const row = $("duplicate-reason-row");
      if (row) { row.hidden = false; $("id_duplicate_reason").focus(); }
    });
  }
  wireOpenTicket(); // the server-rendered warning (a refused second ticket)

  // --- the look-up results, a listbox the phone and serial inputs drive (aria-activedescendant) -----------
  function ticketsHtml(tickets) {
    return tickets.map((t) =>
      `<div class="small ${t.is_open ? "text-danger fw-semibold" : "text-muted"}">${t.is_open ? '<i class="bi bi-exclamation-triangle"></i> ' : ""}${esc(t.number)} · ${esc(t.status_label)} · ${esc(t.received_at)} ${esc(t.station)}</div>`
    ).join("");
  }

  function setActive(i, input) {
    options.forEach((o, j) => {
      o.el.classList.toggle("active", j === i);
      o.el.setAttribute("aria-selected", j === i ? "true" : "false");
    });
    active = i;
    owner = i >= 0 ? input : null;
    ["id_phone", "id_serial"].forEach((id) => {
      const el = $(id);
      if (el && i >= 0 && el === input) el.setAttribute("aria-activedescendant", options[i].el.id);
      else if (el) el.removeAttribute("aria-activedescendant");
    });
    if (i >= 0) options[i].el.scrollIntoView({ block: "nearest" });
  }

  function pick(i) {
    const o = options[i];
    if (!o) return;
    o.pick();
    setActive(-1, null);
    focusNext();
  }

  function option(label, hint, onPick, classes) {
    const el = document.createElement("button");
    el.type = "button";
    el.tabIndex = -1; // reached with ↑/↓ from the phone or serial field (one tab stop less each)
    el.id = `lookup-opt-${options.length}`;
    el.setAttribute("role", "option");
    el.className = `list-group-item list-group-item-action py-1 ${classes || ""}`;
    el.innerHTML = `${label}${hint ? `<div class="small text-muted">${hint}</div>` : ""}`;
    const entry = { el: el, pick: onPick };
    el.addEventListener("click", () => pick(options.indexOf(entry)));
    options.push(entry);
    return el;
  }

  function render(data, from) {
    options = [];
    active = -1;
    const list = document.createElement("div");
    list.className = "list-group";
    list.id = "lookup-list";
    list.setAttribute("role", "listbox");
    let preselect = -1;
    const phoneExact = data.phone ? data.customers.filter((c) => c.phone === data.phone) : [];
    data.customers.forEach((c) => {
      const head = `<strong>${esc(c.name)}</strong> <span class="small">${esc(c.phone_display)}</span>`;
      const where = `${esc(c.region)} ${esc(c.address)}${ticketsHtml(c.tickets)}`;
      list.appendChild(option(`${head} · ${esc(box.dataset.tCustomerOnly)}`, where, () => { fillCustomer(c); $("id_serial").value = ""; $("id_device_model").value = ""; showOpenTicket(null); }));
      c.devices.forEach((d) => {
        const el = option(`<span class="ms-3"><i class="bi bi-tv"></i> ${esc(d.model)} <strong>${esc(d.serial)}</strong> · ${esc(c.name)}</span>`, "", () => {
          fillCustomer(c);
          fillDevice(d);
          lookup(d.serial, true, null); // purchase date, invoice, open ticket and repeat warnings
        });
        // the exact caller's first device is what a repeat caller usually rings about: one Enter takes it
        if (preselect < 0 && phoneExact.length === 1 && phoneExact[0] === c) preselect = options.length - 1;
        list.appendChild(el);
      });
    });
    data.devices.forEach((d) => {
      list.appendChild(option(
        `<i class="bi bi-tv"></i> <strong>${esc(d.serial)}</strong> <span class="small">${esc(d.model)} · ${esc(d.customer.name)} ${esc(d.customer.phone_display)}</span>`,
        ticketsHtml(d.tickets),
        () => { fillDevice(d); fillCustomer(d.customer); lookup(d.serial, true, null); }
      ));
    });
    box.innerHTML = "";
    if (options.length) box.appendChild(list);
    else box.innerHTML = `<p class="text-muted small mb-0">${esc(box.dataset.tNone)}</p>`;
    ["id_phone", "id_serial"].forEach((id) => {
      const el = $(id);
      if (!el) return;
      el.setAttribute("aria-controls", options.length ? "lookup-list" : "lookup-results");
      el.setAttribute("aria-expanded", options.length ? "true" : "false");
    });

    // A repeat caller: an exact phone or serial match fills the form at once. Phones are compared in E.164:
    // the server reads the typed number (data.phone), in whatever format it was typed.
    const serialValue = $("id_serial").value.trim().toUpperCase();
    if (phoneExact.length === 1 && !$("id_customer_id").value) fillCustomer(phoneExact[0]);
    const bySerial = data.devices.filter((d) => d.serial === serialValue);
    if (bySerial.length === 1) {
      fillDevice(bySerial[0]);
      if (!$("id_customer_id").value) fillCustomer(bySerial[0].customer);
    }
    if (preselect >= 0 && from === $("id_phone") && !serialValue) setActive(preselect, from);
    const w = data.warnings || {};
    const warn = $("serial-warning");
    if (warn) {
      const msgs = [];
      if (w.open_ticket) msgs.push(`<span class="text-danger"><i class="bi bi-exclamation-triangle"></i> ${esc(box.dataset.tOpen)} ${esc(w.open_ticket)}</span>`);
      if (w.repeat_of) msgs.push(`<span class="text-warning"><i class="bi bi-arrow-repeat"></i> ${esc(box.dataset.tRepeat)} ${esc(w.repeat_of)}</span>`);
      warn.innerHTML = msgs.join("<br>");
    }
    if (data.warnings && serialValue) showOpenTicket(w.open_ticket, w.open_ticket_id);
  }

  function lookup(q, isSerial, from) {
    q = (q || "").trim();
    if (q.length < 3) return;
    const mine = ++seq;
    const params = new URLSearchParams({ q: q });
    if (isSerial) params.set("serial", q);
    box.setAttribute("aria-busy", "true");
    fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => { if (data && mine === seq) { render(data, from); box.dataset.ready = String(mine); } })
      .catch(() => {})
      .finally(() => { if (mine === seq) box.removeAttribute("aria-busy"); });
  }

  ["id_phone", "id_serial"].forEach((id) => {
    const input = $(id);
    if (!input) return;
    // an editable combobox over the look-up results (WAI-ARIA combobox pattern, list autocomplete)
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.addEventListener("input", () => {
      clearTimeout(timer);
      if (id === "id_phone") $("id_customer_id").value = "";
      if (id === "id_serial") { dismissedOpen = null; showOpenTicket(null); }
      setActive(-1, null);
      timer = setTimeout(() => lookup(input.value, id === "id_serial", input), 150);
    });
    input.addEventListener("keydown", (event) => {
      if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        const from = owner === input ? active : -1;
        setActive(from < 0 ? (step > 0 ? 0 : options.length - 1) : (from + step + options.length) % options.length, input);
      } else if (event.key === "Escape" && active >= 0) {
        event.preventDefault();
        setActive(-1, null);
      } else if (event.key === "Enter") {
        if (owner === input && active >= 0) {
          event.preventDefault();
          pick(active);
        } else if (!$("id_serial").value.trim() || (id === "id_phone" && !$("id_customer_id").value && !$("id_customer_name").value.trim())) {
          // the form is not complete: Enter goes on to the next field instead of submitting an empty form
          event.preventDefault();
          if (options.length && !$("id_customer_id").value) pick(0);
          else (id === "id_phone" && !$("id_customer_id").value ? $("id_customer_name") : $("id_serial")).focus();
        }
      }
    });
  });

  // Ctrl+Enter from any field: the form's default action (add to the open ticket when one is shown).
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit($("add-to-open") || $("log-call-submit"));
    }
  });

  const phone = $("id_phone");
  if ($("add-to-open")) $("add-to-open").focus();
  else if (phone) phone.focus();
  // Screen pop: /tickets/hotline/?phone=… comes with the phone filled in; look it up at once.
  if (phone && phone.value.trim() && !$("id_customer_name").value) lookup(phone.value, false, phone);
  else if ($("id_serial") && $("id_serial").value.trim() && !$("add-to-open")) lookup($("id_serial").value, true, null);
})();
