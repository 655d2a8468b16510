"""The real browser of the end-to-end tests: Debian's Chromium, driven by Playwright (never a downloaded one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root, Chromium needs --no-sandbox; the rest keeps it from calling out to the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


# Every page a browser test opens reports what its Content-Security-Policy blocked: the event is recorded by
# a script Playwright injects through the debugging protocol (the page's own CSP does not apply to it).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${document.location.pathname}`);
});
"""


def csp_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the CSP blocked on the page now open (the record starts again on each navigation)."""
    return list(page.evaluate("window.__cspViolations || []"))


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A page in Debian's Chromium. Any Content-Security-Policy violation Chromium logs while the test runs
    fails the test at its end: the site's own pages need no inline script or style."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain blocking ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    logged: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        page.add_init_script(RECORD_CSP_VIOLATIONS)
        page.on(
            "console",
            lambda message: logged.append(message.text) if "Content Security Policy" in message.text else None,
        )
        yield page
        browser.close()
    assert logged == [], f"the Content-Security-Policy blocked something: {logged}"


# axe-core (Deque's accessibility engine, from the npm registry: tests/support/browser_tools), evaluated in the
# page through the debugging protocol, so the page's own CSP does not apply to it.
AXE = Path(__file__).resolve().parents[1] / "support" / "browser_tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:  # type: ignore[no-untyped-def]
    """What axe-core finds wrong with the page now open, at the given impacts, as sentences."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate(AXE_RUN)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in impacts
    ]


@pytest.fixture
def accessible():  # type: ignore[no-untyped-def]
    """``accessible(page)`` records the serious and critical axe-core violations of the page now open; the
    test fails at its end if any page had one (all are listed, not only the first)."""
    problems: list[str] = []

    def check(page) -> None:  # type: ignore[no-untyped-def]
        problems.extend(axe_violations(page))

    yield check
    assert problems == [], "accessibility (axe-core, serious or critical):\n" + "\n".join(problems)
