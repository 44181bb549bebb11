// Ticket page, dispatch by keyboard: the first suggested station has the focus on load (right after the
// hotline logs the call), keys 1–9 choose the n-th suggestion, Enter dispatches to the chosen one.
(function () {
  "use strict";
  const buttons = Array.from(document.querySelectorAll(".dispatch-suggested[data-dispatch-key]"));
  if (!buttons.length) return;
  const typing = (window.RepairNetShortcuts && window.RepairNetShortcuts.typing) || (() => false);

  function choose(button) {
    buttons.forEach((b) => b.closest("form").classList.toggle("border-primary", b === button));
    buttons.forEach((b) => b.closest("form").classList.toggle("bg-primary-subtle", b === button));
    button.focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target) || !/^[1-9]$/.test(event.key)) return;
    const button = buttons.find((b) => b.dataset.dispatchKey === event.key);
    if (!button) return;
    event.preventDefault();
    choose(button);
  });
  buttons.forEach((b) => b.addEventListener("focus", () => choose(b)));
  if (!location.hash && (document.activeElement === document.body || !document.activeElement)) choose(buttons[0]);
})();
