"""Fixtures of the recipients' browser tests: local mode on free ports, Debian's Chromium driven by
Playwright (`executable_path` points at the system browser; Playwright's own download is not
used), and axe-core (from npm, `package.json` beside this file) injected into every page checked.

Screenshots go to `build/recipient-screenshots/`, or to the folder `RECIPIENT_SCREENSHOTS_DIR`
names (`docs/recipients` refreshes the documentation)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.local.runtime import LocalMode
from tests.local.local_client import LocalClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / os.environ.get("RECIPIENT_SCREENSHOTS_DIR", "build/recipient-screenshots")
# The Chromium session (`browser`) is the one tests/browser/conftest.py launches for both folders.
# WCAG 2.2 AA: the success criteria of every level up to AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The narrowest width WCAG's reflow criterion asks for (1.4.10).
NARROW = {"width": 320, "height": 800}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core comes from npm: install node and npm.")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)  # noqa: S603
    return AXE.read_text()


@pytest.fixture(scope="module")
def local_mode():
    mode = LocalMode(port=0).start()
    try:
        yield mode
    finally:
        mode.stop()


@pytest.fixture(scope="module")
def api(local_mode) -> LocalClient:
    return LocalClient(local_mode.urls.base)


class Recipient:
    """A person's browser tab, with what every page they reach is checked for."""

    def __init__(self, page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.results: list[tuple[str, str, int]] = []

    def check(self, name: str, language: str, screenshot: bool = False) -> None:
        """axe-core (WCAG 2.2 AA): no serious or critical violation; the page's `lang` is its
        language; nothing overflows at 320 px; then, when asked, a screenshot."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == language, name
        page.add_script_tag(content=self.axe_source)
        results = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name} [{language}]: {serious}"
        self.results.append((name, language, len(results["violations"])))
        width = page.viewport_size["width"]
        page.set_viewport_size(NARROW)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})
        assert overflow <= NARROW["width"], f"{name} [{language}] scrolls sideways at 320 px"
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}.png"), full_page=True)


@pytest.fixture
def recipient(browser, axe_source):
    # bypass_csp: our pages allow no script, and axe-core has to be injected into them.
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="en-GB", bypass_csp=True)
    try:
        yield Recipient(context.new_page(), axe_source)
    finally:
        context.close()
