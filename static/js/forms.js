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
