// Page-wide form helpers, loaded by base.html.
// Every POST form carries a one-time token, made when it is first submitted: a second submit of the same
// form (a double click, a resend) carries the same token, and the server does not do it again
// (repairnet/idempotency.py).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  if (form.querySelector('input[name="_once"]')) return;
  const token = document.createElement("input");
  token.type = "hidden";
  token.name = "_once";
  token.value = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  form.appendChild(token);
}, true);

// <select data-autosubmit> / <input data-autosubmit>: send the form when the value changes (no inline handlers:
// the Content-Security-Policy allows no inline script).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
});

// <select data-options-url>: its options are fetched when it is first used (the page spends no query on them).
async function fillOptions(select) {
  if (select.dataset.loaded) return;
  select.dataset.loaded = "1";
  try {
    const response = await fetch(select.dataset.optionsUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    for (const { value, label } of (await response.json()).options) select.add(new Option(label, value));
  } catch (error) {
    delete select.dataset.loaded; // try again on the next use
  }
}
for (const select of document.querySelectorAll("select[data-options-url]")) {
  select.addEventListener("focus", () => fillOptions(select));
  select.addEventListener("pointerdown", () => fillOptions(select));
  // ticking a row of the select's form is the first use too
  const form = select.form;
  if (form && form.id) {
    document.addEventListener("change", (event) => {
      if (event.target instanceof HTMLInputElement && event.target.getAttribute("form") === form.id) fillOptions(select);
    });
  }
}
