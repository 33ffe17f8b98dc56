"""Serves the built console (`console/dist`) at /console/ from the local gateway, as the deployed
API serves it from its bucket: the same security headers and caching rule (infra/console_site.py),
and every path that is not a file answered with `index.html`, so a screen's URL opens that screen."""

import gzip
from pathlib import Path

from werkzeug.wrappers import Request, Response

from infra import console_site


def is_console_path(path: str) -> bool:
    return path == console_site.PREFIX or path.startswith(console_site.PREFIX + "/")


class ConsoleSite:
    """A WSGI app for the console's paths."""

    def __init__(self, dist: Path = console_site.CONSOLE_DIST, transfers: str | None = None):
        self.dist = dist.resolve()
        # The emulator's origin, where the presigned URLs of large imports point (set once it runs).
        self.transfers = transfers

    def __call__(self, environ: dict, start_response):
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return self._text(405, "The console is static: GET it.", {"Allow": "GET, HEAD"})
        if request.path == console_site.PREFIX:
            return Response(status=308, headers={"Location": console_site.PREFIX + "/"})
        relative = request.path[len(console_site.PREFIX) + 1 :]
        file = self._file(relative)
        if file is None:
            if relative.startswith(f"{console_site.ASSETS_DIR}/"):
                # A missing hashed asset is a stale page, not a screen: answering index.html would hide it.
                return self._text(404, "No such console asset.")
            relative = console_site.INDEX
            file = self._file(relative)
        if file is None:
            return self._text(
                503,
                "The console is not built: run `npm ci && npm run build` in console/ (make run does it).",
            )
        body = file.read_bytes()
        headers = {
            **console_site.security_headers(self.transfers),
            "Cache-Control": console_site.cache_control(relative),
            "Vary": "Accept-Encoding",
        }
        if "gzip" in request.headers.get("Accept-Encoding", "") and file.suffix in (".js", ".css", ".html"):
            # Compressed for a browser that accepts it. The deployed API does not compress (its RestApi
            # sets no minimum compression size): docs/benchmarks.md gives the first load both ways.
            body = gzip.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        # werkzeug drops the body of a HEAD response itself.
        return Response(body, 200, headers=headers, content_type=console_site.content_type(file.name))

    def _file(self, relative: str) -> Path | None:
        if not relative:
            return None
        candidate = (self.dist / relative).resolve()
        # Never outside the build folder, whatever the path says (`..`, encoded or not).
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None
        return candidate

    def _text(self, status: int, text: str, headers: dict | None = None) -> Response:
        return Response(
            text,
            status,
            headers={
                **console_site.security_headers(self.transfers),
                "Cache-Control": "no-store",
                **(headers or {}),
            },
            content_type="text/plain; charset=utf-8",
        )
