"""The console's static site, as both servers deliver it: where the build lands, the security
headers every response carries, and the caching rule (hashed assets immutable, `index.html`
never cached). The local gateway (infra/local/console.py) and the CDK construct
(infra/constructs/console.py) both read this module, so the two cannot drift."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SOURCES = ROOT / "console"
CONSOLE_DIST = CONSOLE_SOURCES / "dist"

# The URL path the console is served under, on the API's own origin.
PREFIX = "/console"
INDEX = "index.html"
# Vite writes content-hashed file names here (vite.config.ts `assetsDir`).
ASSETS_DIR = "assets"


# No inline script or style, API calls to this origin only (and a large import's file to the
# transfer bucket, whose presigned URL the API gives), never framed. The campaign preview is an
# `about:srcdoc` frame sandboxed without scripts; `img-src https:` lets its images show.
def content_security_policy(transfers: str | None = None) -> str:
    """The console's policy; `transfers` is the transfer bucket's origin (`transfer_origin`), which
    the large-import screen PUTs its file to. An export's download is a navigation, which
    connect-src does not govern."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",
            "font-src 'self'",
            "connect-src 'self'" + (f" {transfers}" if transfers else ""),
            "frame-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


def transfer_origin(bucket: str, region: str) -> str:
    """The origin of the transfer bucket's presigned URLs in AWS (virtual-hosted, regional:
    consentmail.adapters.aws_clients.s3)."""
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def security_headers(transfers: str | None = None) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(transfers),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS: dict[str, str] = security_headers()

# A new deployment must reach every browser at once: index.html is revalidated on each load; the
# files it names carry their content hash, so they can be kept for a year.
INDEX_CACHE_CONTROL = "no-cache"
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def cache_control(relative_path: str) -> str:
    return ASSET_CACHE_CONTROL if relative_path.startswith(f"{ASSETS_DIR}/") else INDEX_CACHE_CONTROL
