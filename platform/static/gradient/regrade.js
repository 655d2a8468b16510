// Follows a regrade (one run, or a batch of runs): polls its small JSON status endpoint, moves the progress
// bar, and reloads the page once everything is final so the comparison appears. A static file, not an inline
// script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  const box = document.getElementById("regrade-progress");
  if (!box || box.dataset.final === "yes") return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  async function tick() {
    try {
      const response = await fetch(box.dataset.progressUrl, {headers: {"Accept": "application/json"}});
      if (response.ok) {
        const data = await response.json();
        if (data.final) { window.location.reload(); return; }
        if (bar && data.total) { bar.max = data.total; bar.value = data.done; }
        if (text) text.textContent = data.text;
      }
    } catch (e) { /* a network hiccup: try again */ }
    setTimeout(tick, 1000);
  }
  setTimeout(tick, 1000);
})();
