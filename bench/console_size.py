"""What the console's first load transfers (`python -m bench --only console`): the JS and CSS a
browser downloads to open /console/, asked of local mode's own console site (infra/local/console.py,
the WSGI app the local gateway mounts, called in this process) with `Accept-Encoding: gzip`, as a
browser asks.

The first load is index.html's module script and stylesheets (and any modulepreload it names), and
every module those scripts import statically, followed import by import; a chunk only reached by
a dynamic `import()` (the report's chart) is loaded later, when a screen needs it, and is listed
apart. Each file is counted as it is served: local mode gzips JS, CSS and HTML (level 6).

Deployed, the same files come from the console's bucket through API Gateway (infra/constructs/
console.py), which gzips any answer over 1 KB for a client that accepts it (the RestApi's
`min_compression_size`, infra/constructs/api.py); its compression level is not documented, so the
AWS figure is taken as the local one (`aws_compressed`), and the uncompressed bytes are reported
beside it."""

import gzip
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

from werkzeug.test import Client

from infra import console_site
from infra.local.console import ConsoleSite

GOAL_BYTES = 200 * 1024
# Whether API Gateway compresses what it serves: it does once `min_compression_size` is set on
# the RestApi (infra/constructs/api.py), as it is.
AWS_COMPRESSED = True

_ENTRY = re.compile(
    r"<script\b[^>]*\bsrc=\"([^\"]+\.js)\"|<link\b[^>]*\brel=\"(?:stylesheet|modulepreload)\"[^>]*\bhref=\"([^\"]+)\""
)
# `import x from "./a.js"`, `import{a as b}from"./a.js"`, `import "./a.js"`, `export * from "./a.js"`:
# static imports, which the browser fetches before the module runs. `import("./a.js")` is not one.
_STATIC = re.compile(r"""(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["']([^"']+\.js)["']""")
# Vite writes a dynamic import's name as a template literal: import(`./a.js`).
_DYNAMIC = re.compile(r"""\bimport\(\s*["'`]([^"'`]+\.js)["'`]\s*\)""")


def first_load(index_html: str, index_url: str, fetch: Callable[[str], bytes]) -> dict:
    """The files of the first load, from index.html and what `fetch(path)` answers (the file's
    decoded body): `{"first_load": [path, …], "lazy": [path, …]}`, in the order found."""
    found: list[str] = []
    lazy: list[str] = []
    queue = [urljoin(index_url, a or b) for a, b in _ENTRY.findall(index_html)]
    while queue:
        path = queue.pop(0)
        if path in found:
            continue
        found.append(path)
        if not path.endswith(".js"):
            continue
        source = fetch(path).decode()
        queue += [urljoin(path, name) for name in _STATIC.findall(source)]
        lazy += [urljoin(path, name) for name in _DYNAMIC.findall(source)]
    return {"first_load": found, "lazy": [p for p in dict.fromkeys(lazy) if p not in found]}


def measure(dist: Path = console_site.CONSOLE_DIST) -> dict:
    """Each file of the first load as local mode serves it: its bytes on the wire (gzip) and
    uncompressed; the totals against the goal; the lazy chunks apart."""
    if not (dist / console_site.INDEX).is_file():
        raise SystemExit(
            f"{dist} has no {console_site.INDEX}: build the console (npm run build in console/)."
        )
    client = Client(ConsoleSite(dist))

    def get(path: str) -> tuple[bytes, bytes]:
        answer = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, f"{path}: {answer.status}"
        wire = answer.get_data()
        body = gzip.decompress(wire) if answer.headers.get("Content-Encoding") == "gzip" else wire
        return wire, body

    index = f"{console_site.PREFIX}/"
    _, index_html = get(index)
    files = first_load(index_html.decode(), index, lambda path: get(path)[1])

    def sizes(paths: list[str]) -> list[dict]:
        out = []
        for path in paths:
            wire, body = get(path)
            out.append({"path": path, "served_bytes": len(wire), "uncompressed_bytes": len(body)})
        return out

    first, lazy = sizes(files["first_load"]), sizes(files["lazy"])
    served = sum(f["served_bytes"] for f in first)
    uncompressed = sum(f["uncompressed_bytes"] for f in first)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": first,
        "lazy": lazy,
        "served_bytes": served,
        "uncompressed_bytes": uncompressed,
        "goal_bytes": GOAL_BYTES,
        "aws_compressed": AWS_COMPRESSED,
        "aws_bytes": served if AWS_COMPRESSED else uncompressed,
    }
