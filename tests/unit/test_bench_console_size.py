"""The benchmark's first-load figure of the console (bench/console_size.py): the files a browser
downloads to open /console/, static imports followed, dynamic ones left for later, each counted as
local mode serves it."""

import gzip

from bench import console_size
from infra import console_site

INDEX = """<!doctype html><html><head>
<script type="module" crossorigin src="/console/assets/index-a1.js"></script>
<link rel="modulepreload" crossorigin href="/console/assets/vendor-b2.js">
<link rel="stylesheet" crossorigin href="/console/assets/index-c3.css">
</head><body><div id="root"></div></body></html>"""
FILES = {
    "assets/index-a1.js": 'import{a as b}from"./vendor-b2.js";import "./util-d4.js";'
    "const C=lazy(()=>p(()=>import(`./Chart-e5.js`),[]));const s='import(\"./not-a-chunk\")';",
    "assets/vendor-b2.js": 'export * from "./util-d4.js";export const a=1;',
    "assets/util-d4.js": "export const u=2;" + "x" * 3000,
    "assets/Chart-e5.js": 'import{a}from"./index-a1.js";export default a;',
    "assets/index-c3.css": "body{margin:0}",
}


def test_the_first_load_follows_static_imports_once_and_leaves_dynamic_ones_for_later():
    def fetch(path: str) -> bytes:
        return FILES[path.removeprefix("/console/")].encode()

    files = console_site.PREFIX + "/assets/"
    found = console_size.first_load(INDEX, "/console/", fetch)

    assert found["first_load"] == [
        files + "index-a1.js",
        files + "vendor-b2.js",
        files + "index-c3.css",
        files + "util-d4.js",
    ]
    assert found["lazy"] == [files + "Chart-e5.js"]


def test_each_file_counts_as_served_gzip_as_local_mode_and_api_gateway_serve_it(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)

    measured = console_size.measure(tmp_path)

    by_path = {f["path"]: f for f in measured["files"]}
    util = by_path["/console/assets/util-d4.js"]
    assert util["uncompressed_bytes"] == len(FILES["assets/util-d4.js"])
    assert util["served_bytes"] == len(gzip.compress(FILES["assets/util-d4.js"].encode(), compresslevel=6))
    assert measured["served_bytes"] == sum(f["served_bytes"] for f in measured["files"])
    assert measured["served_bytes"] < measured["uncompressed_bytes"]
    assert [f["path"] for f in measured["lazy"]] == ["/console/assets/Chart-e5.js"]
    assert measured["goal_bytes"] == 200 * 1024
    assert measured["aws_bytes"] == measured["served_bytes"]


def test_the_benchmark_knows_whether_the_deployed_api_compresses():
    """API Gateway compresses only with a minimum compression size set on the RestApi."""
    construct = (console_site.ROOT / "infra" / "constructs" / "api.py").read_text()
    assert ("min_compression_size" in construct) == console_size.AWS_COMPRESSED
