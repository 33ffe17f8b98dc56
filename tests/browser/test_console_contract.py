"""The console against the contract, without a browser: every route its one API client calls is
in docs/openapi.json or on the commented list of contract routes not in it yet; and the files it
is served as carry the security headers and caching rule, and stay within the size budget."""

import gzip
import re

import pytest

from infra import console_site
from tests.browser.conftest import routes_in_document

pytestmark = pytest.mark.browser

API = console_site.CONSOLE_SOURCES / "src" / "api"
ROUTE = re.compile(r'"((?:GET|POST|PUT|PATCH|DELETE) /[^"]*)"')
# The first load's JS and CSS, compressed: the budget.
FIRST_LOAD_BUDGET = 200 * 1024


def _listed(name: str) -> list[str]:
    source = (API / "contract.ts").read_text()
    block = re.search(rf"export const {name} = \[(.*?)\] as const;", source, re.S)
    assert block, f"contract.ts has no {name} list"
    return ROUTE.findall(block.group(1))


def test_every_route_the_console_calls_is_in_the_openapi_document_or_listed_as_not_yet():
    in_document, not_yet = _listed("IN_DOCUMENT"), _listed("NOT_YET_IN_DOCUMENT")
    called = set(ROUTE.findall((API / "client.ts").read_text()))
    document = routes_in_document()

    assert called, "client.ts names no route"
    assert called <= set(in_document) | set(not_yet), called - set(in_document) - set(not_yet)
    assert sorted(set(in_document) - document) == [], "listed as in the document but not there"


def test_a_route_that_ships_moves_off_the_not_yet_list():
    shipped = sorted(set(_listed("NOT_YET_IN_DOCUMENT")) & routes_in_document())
    assert shipped == [], f"now in docs/openapi.json: move them to IN_DOCUMENT in contract.ts: {shipped}"


def test_the_console_is_served_with_a_strict_csp_index_uncached_and_hashed_assets_immutable(api):
    index = api.get("/console/")
    assert index.status == 200 and index.content_type == "text/html"
    csp = index.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert index.headers["X-Frame-Options"] == "DENY"
    assert index.headers["Referrer-Policy"] == "no-referrer"
    assert index.headers["Cache-Control"] == "no-cache"
    assert "<script>" not in index.text, "an inline script would be refused by the CSP"

    [script] = re.findall(r'src="(/console/assets/[^"]+\.js)"', index.text)
    asset = api.get(script)
    assert asset.status == 200 and asset.content_type == "text/javascript"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # A screen's URL opens the app; a stale asset name is a 404, not the app.
    assert api.get("/console/lists/some-list/import").text == index.text
    assert api.get("/console/assets/gone-1234.js").status == 404
    assert api.get("/console/%2e%2e/pyproject.toml").text == index.text
    assert api.request("POST", "/console/").status == 405
    assert api.get("/console").headers["Location"] == "/console/"


def test_the_first_load_transfers_at_most_200_kb_of_js_and_css_compressed(api, capsys):
    index = api.get("/console/").text
    files = re.findall(r'(?:src|href)="(/console/assets/[^"]+\.(?:js|css))"', index)
    sizes = {}
    for path in files:
        answer = api.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.headers["Content-Encoding"] == "gzip"
        sizes[path] = len(answer.body)
        assert gzip.decompress(answer.body)
    total = sum(sizes.values())
    with capsys.disabled():
        print(f"\nconsole first load: {total / 1024:.1f} kB of JS and CSS, gzip ({len(files)} files)")
    assert total <= FIRST_LOAD_BUDGET, sizes
