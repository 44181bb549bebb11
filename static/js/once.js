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
