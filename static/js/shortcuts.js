// Keyboard shortcuts shared by pages (include after bootstrap.bundle). A page opts in with:
//  - a Bootstrap modal #shortcuts-overlay listing its shortcuts: "?" (outside text fields) or Ctrl+/ (anywhere)
//    shows or hides it; [data-shortcuts-open] buttons open it too;
//  - data-hotkey="alt+p" on any element: that key focuses it (fields) or clicks it (buttons, links).
//    Keys are written as modifiers then the key, lower case: "alt+p", "ctrl+enter", "1".
(function () {
  "use strict";
  const overlay = document.getElementById("shortcuts-overlay");
  const modal = overlay && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(overlay) : null;

  function typing(el) {
    if (!el || !(el instanceof HTMLElement)) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
  }

  function keyName(event) {
    const parts = [];
    if (event.ctrlKey || event.metaKey) parts.push("ctrl");
    if (event.altKey) parts.push("alt");
    if (event.shiftKey && event.key.length > 1) parts.push("shift");
    // Alt+letter gives other characters on some layouts: use the physical key for letters and digits.
    let key = event.key.toLowerCase();
    if (event.altKey && /^Key[A-Z]$/.test(event.code)) key = event.code.slice(3).toLowerCase();
    if (event.altKey && /^Digit\d$/.test(event.code)) key = event.code.slice(5);
    parts.push(key);
    return parts.join("+");
  }

  function toggle() {
    if (!modal) return;
    if (overlay.classList.contains("show")) modal.hide();
    else modal.show();
  }

  document.querySelectorAll("[data-shortcuts-open]").forEach((b) => b.addEventListener("click", () => modal && modal.show()));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const name = keyName(event);
    if (name === "ctrl+/" || (event.key === "?" && !typing(event.target) && !event.ctrlKey && !event.altKey)) {
      event.preventDefault();
      toggle();
      return;
    }
    if (overlay && overlay.classList.contains("show")) return;
    const target = document.querySelector(`[data-hotkey="${CSS.escape(name)}"]`);
    if (!target) return;
    if (!/[+]/.test(name) && typing(event.target)) return; // plain keys (digits) never steal typing
    event.preventDefault();
    if (typing(target) || target.tabIndex >= 0 && target.matches("input, select, textarea, [contenteditable]")) {
      target.focus();
      if (target.select && target.tagName === "INPUT") target.select();
    } else {
      target.click();
    }
  });

  window.RepairNetShortcuts = { toggle: toggle, typing: typing };
})();
