// Page-wide layout helpers, loaded by base.html (no inline script: the Content-Security-Policy allows none).

// Tables read as card lists on phones (static/css/app.css, `.table-cards`): each cell is labelled with its column
// header in `data-label`, unless the template set one. A table with no header row, or marked `.table-keep`, stays a
// table. Rows a page replaces later (live refresh) are labelled again on `repairnet:content` / htmx's afterSettle.
function labelTables(root) {
  (root || document).querySelectorAll("main table").forEach((table) => {
    if (table.classList.contains("table-keep") || !table.tHead || !table.tHead.rows.length) return;
    const head = table.tHead.rows[table.tHead.rows.length - 1];
    const labels = [];
    for (const th of head.cells) for (let i = 0; i < (th.colSpan || 1); i += 1) labels.push(th.textContent.trim());
    table.classList.add("table-cards");
    for (const section of [...table.tBodies, ...(table.tFoot ? [table.tFoot] : [])]) {
      for (const row of section.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label")) {
            // a cell spanning every column ("No tickets.") is a message, not a field
            cell.setAttribute("data-label", cell.colSpan >= labels.length ? "" : labels[column] || "");
          }
          column += cell.colSpan || 1;
        }
      }
    }
  });
}
labelTables();
document.addEventListener("repairnet:content", (event) => labelTables(event.target instanceof Element ? event.target.closest("main") : null));
document.addEventListener("htmx:afterSettle", () => labelTables());

// "/" focuses the navbar's ticket search (number, phone, serial) from anywhere but a field; Escape leaves it.
document.addEventListener("keydown", (event) => {
  const search = document.getElementById("global-search");
  if (!search || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (event.key === "Escape" && target === search) {
    search.blur();
    return;
  }
  if (event.key !== "/" && event.key !== "、") return; // 、is "/" under a Chinese input method
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  event.preventDefault();
  const menu = document.getElementById("nav-main");
  if (menu && !search.offsetParent && window.bootstrap) window.bootstrap.Collapse.getOrCreateInstance(menu).show();
  search.focus();
  search.select();
});
