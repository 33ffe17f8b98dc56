"""Small server-rendered HTML pages (confirmation, unsubscribe, preferences, errors), each with the
security headers of the contract. Every interpolated value is escaped here."""

from html import escape

from aws_lambda_powertools.event_handler import Response

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
    "color:#1d2433;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem;cursor:pointer}"
    "label{display:block;margin:.75rem 0}pre{white-space:pre-wrap;overflow-wrap:anywhere}"
    "input[type=text],input[type=email]{width:100%;padding:.4rem}"
)


def render(title: str, body_html: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body_html}</body></html>"
    )


def html_response(title: str, body_html: str, status: int = 200) -> Response:
    return Response(status, "text/html; charset=utf-8", render(title, body_html), dict(SECURITY_HEADERS))


def message_page(title: str, message: str, status: int = 200) -> Response:
    return html_response(title, f"<p>{escape(message)}</p>", status)


def post_button_page(title: str, message: str, action: str, button: str) -> Response:
    """A page whose only effect is a button that POSTs: GETs (link scanners) change nothing."""
    form = (
        f"<p>{escape(message)}</p>"
        f'<form method=post action="{escape(action)}"><button type=submit>{escape(button)}</button></form>'
    )
    return html_response(title, form)


def redirect(location: str) -> Response:
    return Response(303, None, "", {"Location": location, "Cache-Control": "no-store"})
