// The completion page's one-tap defaults: canned phrases, the no-fault choice, suggested parts, the charge
// and its consent out of warranty, and the camera buttons. Everything stays a plain form without script.
(function () {
  "use strict";
  const form = document.getElementById("complete-form");
  if (!form) return;
  const byId = (id) => document.getElementById(id);

  // the report boxes start one line high and grow with their text
  function grow(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 2 + "px";
  }
  ["id_fault_found", "id_work_done"].forEach((id) => {
    const box = byId(id);
    if (!box) return;
    box.addEventListener("input", () => grow(box));
    if (box.value) grow(box);
  });

  function put(textarea, text, replace) {
    if (!textarea || !text) return;
    const current = textarea.value.trim();
    if (replace || !current) textarea.value = text;
    else if (!current.includes(text)) textarea.value = current + "；" + text;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // canned phrases: a tap fills the box, a second phrase is added to the first
  form.querySelectorAll(".phrase-row[data-target]").forEach((row) => {
    const target = byId(row.dataset.target);
    row.addEventListener("click", (event) => {
      const button = event.target.closest(".phrase");
      if (!button) return;
      put(target, button.textContent.trim(), false);
      button.classList.add("active");
    });
  });

  // the explicit no-fault-found choice fills the report when it is still empty
  const nffBox = byId("no-fault-found");
  const nff = byId("id_no_fault_found");
  if (nff && nffBox) {
    nff.addEventListener("change", () => {
      if (!nff.checked) return;
      put(byId("id_fault_found"), nffBox.dataset.faultFound, false);
      put(byId("id_work_done"), nffBox.dataset.workDone, false);
      const part = byId("id_part_item");
      if (part && part.value) {
        part.value = "";
        part.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  // parts: a chip picks the part (quantity 1); the part implies the work done and, out of warranty, the charge
  const part = byId("id_part_item");
  const quantity = byId("id_part_quantity");
  const charge = byId("id_charge_amount");
  const consentBox = byId("charge");
  let autoCharge = charge && !charge.value;

  function chargeFromPart() {
    if (!charge || !part || !autoCharge) return;
    const option = part.selectedOptions[0];
    const price = option && option.dataset.price ? parseFloat(option.dataset.price) : 0;
    const qty = Math.max(parseInt((quantity && quantity.value) || "1", 10) || 1, 1);
    charge.value = part.value && price ? (price * qty).toFixed(2) : "";
  }

  function askConsent() {
    if (!consentBox || !charge) return;
    const charged = parseFloat(charge.value || "0") > 0 || Boolean(part && part.value);
    consentBox.classList.toggle("needs-consent", charged);
    byId("charge-consent").hidden = !charged;
  }

  if (part) {
    part.addEventListener("change", () => {
      const option = part.selectedOptions[0];
      const workDone = byId("id_work_done");
      if (option && option.dataset.workDone && workDone && !workDone.value.trim()) put(workDone, option.dataset.workDone, true);
      if (quantity && !quantity.value) quantity.value = "1";
      if (part.value && nff && nff.checked) nff.checked = false;
      form.querySelectorAll(".part-chip").forEach((c) => c.classList.toggle("active", c.dataset.item === part.value));
      chargeFromPart();
      askConsent();
    });
  }
  if (quantity) quantity.addEventListener("input", () => { chargeFromPart(); askConsent(); });
  if (charge) charge.addEventListener("input", () => { autoCharge = false; askConsent(); });
  form.querySelectorAll(".part-chip").forEach((chip) => {
    chip.addEventListener("click", () => {
      if (!part) return;
      part.value = part.value === chip.dataset.item ? "" : chip.dataset.item; // a second tap takes it back
      part.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  askConsent();

  // diagnosis and part serial: optional, one tap away
  const more = byId("more-toggle");
  const details = byId("more-details");
  if (more && details) {
    more.setAttribute("aria-expanded", String(!details.hidden));
    more.addEventListener("click", () => {
      details.hidden = !details.hidden;
      more.setAttribute("aria-expanded", String(!details.hidden));
    });
  }

  // camera buttons show that a photo was taken
  form.querySelectorAll(".photo-input").forEach((input) => {
    input.addEventListener("change", () => {
      const label = input.closest(".photo-button");
      if (label) label.classList.toggle("has-photo", input.files.length > 0);
    });
  });
})();
