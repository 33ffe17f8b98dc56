"""Fixtures of the browser tier: the console built from its sources when they changed, local mode
on a free port, and Debian's Chromium driven by Playwright (the browser Playwright downloads is not
used: `executable_path` points at the system one). Each screen a test reaches is checked with
axe-core, and its screenshot saved (into `build/console-screenshots/`, or the folder
`CONSOLE_SCREENSHOTS_DIR` names, e.g. `docs/console` to refresh the documentation)."""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from infra import console_site
from infra.local.runtime import LocalMode
from tests.local.local_client import LocalClient

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = console_site.CONSOLE_SOURCES / "node_modules" / "axe-core" / "axe.min.js"
OPENAPI = ROOT / "docs" / "openapi.json"
SCREENSHOTS = ROOT / os.environ.get("CONSOLE_SCREENSHOTS_DIR", "build/console-screenshots")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.2 AA (the success criteria of every level up to AA) and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _newest_source() -> float:
    sources = [
        console_site.CONSOLE_SOURCES / name for name in ("package-lock.json", "index.html", "vite.config.ts")
    ]
    sources += [p for p in (console_site.CONSOLE_SOURCES / "src").rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in sources)


def build_console() -> None:
    """`npm ci` when node_modules is missing, `npm run build` when a source is newer than the build
    (the Makefile's stamp does the same for make run/test/synth)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The console needs node and npm to build: install them (the README says which versions).")
    cwd = console_site.CONSOLE_SOURCES
    if not AXE.exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=cwd, check=True)  # noqa: S603
    index = console_site.CONSOLE_DIST / console_site.INDEX
    if not index.exists() or index.stat().st_mtime < _newest_source():
        subprocess.run([npm, "run", "build"], cwd=cwd, check=True)  # noqa: S603


def routes_in_document() -> set[str]:
    document = json.loads(OPENAPI.read_text())
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}


def needs_routes(*routes: str):
    """Switches a test on once every route it needs is in the OpenAPI document (routes of the
    contract the server does not offer yet)."""
    missing = sorted(set(routes) - routes_in_document())
    return pytest.mark.skipif(bool(missing), reason=f"needs routes not in docs/openapi.json yet: {missing}")


def routes_served(api: LocalClient) -> set[str]:
    """The routes of the OpenAPI document the running server serves (`GET /openapi.json`)."""
    document = api.get("/openapi.json").json()
    return {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}


@pytest.fixture(scope="session")
def built_console() -> Path:
    build_console()
    return console_site.CONSOLE_DIST


@pytest.fixture(scope="module")
def local_mode(built_console) -> Iterator[LocalMode]:
    mode = LocalMode(port=0).start()
    try:
        yield mode
    finally:
        mode.stop()


@pytest.fixture(scope="module")
def api(local_mode) -> LocalClient:
    return LocalClient(local_mode.urls.base)


@pytest.fixture(scope="module")
def demo(local_mode) -> dict:
    return local_mode.config()["demo"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium chromium-driver` (make test does it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # launch() gives Chromium a new, temporary user-data-dir of its own (it refuses one in args).
            args=CHROMIUM_ARGS,
            headless=True,
        )
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """A page of the console in a fresh browser context, with what a test asserts on every screen."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.csp_violations: list[str] = []
        self.page_errors: list[str] = []
        page.on(
            "console",
            lambda message: (
                self.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.base_url}/console/{path.lstrip('/')}")

    def heading(self) -> str:
        return self.page.locator("h1").inner_text()

    def check(self, name: str, full_page: bool = True) -> None:
        """axe-core on the screen as it is now: zero serious or critical violations; then its screenshot."""
        # Every loading placeholder of the console carries data-loading: wait until none is left.
        expect(self.page.locator("[data-loading]")).to_have_count(0)
        results = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"{name}: axe-core finds {serious}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    def sign_in(self, email: str, password: str, then: str = "") -> None:
        """Signs in and lands on `then` (a console path), as a person following a link would. Tokens
        live in the page's memory: open other screens by clicking, not by loading a URL."""
        self.open(f"sign-in?next=/{then.lstrip('/')}" if then else "sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        if then:
            self.page.wait_for_url(f"**/console/{then.lstrip('/')}")
        else:
            self.page.get_by_role("heading", name="Dashboard", level=1).wait_for()


@pytest.fixture
def console(browser, local_mode) -> Iterator[Console]:
    context = browser.new_context(
        viewport=DESKTOP, locale="en-GB", timezone_id="Europe/Paris", accept_downloads=True
    )
    # axe-core goes in as an init script: the console's CSP (rightly) refuses inline scripts.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console(page, local_mode.urls.base)
    try:
        yield console
        assert console.csp_violations == [], f"CSP violations: {console.csp_violations}"
        assert console.page_errors == [], f"errors in the page: {console.page_errors}"
    finally:
        context.close()
