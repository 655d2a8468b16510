// A similarity report's page checks its own status while the report is queued or running, and reloads once
// it is done or failed. A static file (not an inline script): the Content-Security-Policy allows 'self' only.
(function () {
  const box = document.getElementById("similarity-report");
  if (!box || box.dataset.final === "yes") return;
  async function tick() {
    try {
      const response = await fetch(window.location.href, {headers: {"X-Requested-With": "fetch"}});
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("similarity-report");
        if (fresh && fresh.dataset.final === "yes") { window.location.reload(); return; }
        if (fresh) document.getElementById("similarity-status").textContent = fresh.dataset.status;
      }
    } catch (e) { /* a network hiccup: try again */ }
    setTimeout(tick, 3000);
  }
  setTimeout(tick, 2000);
})();
