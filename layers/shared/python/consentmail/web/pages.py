"""Small server-rendered HTML pages for recipients (confirmation, unsubscribe, preferences, the
rights page, errors), each with the security headers of the contract. Every interpolated value is
escaped here.

Every recipient page is in one of our languages (`Page`): `lang` set on the document, a language
switcher, and a link to the rights page. The style is written for WCAG 2.2 AA: text and controls
well above 4.5:1 contrast, a visible focus ring, targets of at least 24 px, one column that
reflows down to 320 px."""

from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from consentmail.core import i18n
from consentmail.core.i18n import LANGUAGES, Texts
from consentmail.core.links import rights_url

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
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;"
    "color:#1d2433;background:#fff;line-height:1.5;overflow-wrap:break-word}"
    "a{color:#1a4fb5}a:hover{color:#123a85}"
    ":focus-visible{outline:3px solid #1a4fb5;outline-offset:2px}"
    "button{font:inherit;min-height:2.75rem;padding:.5rem 1.25rem;cursor:pointer;border-radius:.3rem;"
    "border:2px solid #1a4fb5;background:#1a4fb5;color:#fff}"
    "button.secondary{background:#fff;color:#1a4fb5}"
    "a.button{display:inline-block;padding:.5rem 1.25rem;border-radius:.3rem;background:#1a4fb5;color:#fff;"
    "text-decoration:none;font-weight:600}a.button:hover{background:#123a85;color:#fff}"
    ".error{color:#a4161a}div.error{border-left:4px solid #a4161a;padding:0 1rem}"
    "label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
    "label.choice{font-weight:400;display:flex;gap:.5rem;align-items:flex-start}"
    "label.choice input{margin-top:.35rem;width:1.25rem;height:1.25rem;flex:none}"
    "input[type=text],input[type=email],textarea{width:100%;padding:.5rem;font:inherit;"
    "border:1px solid #5c6370;border-radius:.3rem}"
    "fieldset{border:1px solid #5c6370;border-radius:.3rem;margin:1rem 0;padding:.5rem 1rem}"
    "legend{font-weight:600;padding:0 .25rem}"
    ".hint{color:#464e5c;margin:.25rem 0}"
    ".notice{background:#e8f1e4;border-left:4px solid #2d6a1f;padding:.5rem 1rem}"
    "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:0 0 1rem}"
    "nav a{display:inline-block;padding:.25rem 0;min-height:1.5rem}"
    "nav a[aria-current]{font-weight:700;color:#1d2433;text-decoration:none}"
    "footer{margin-top:2.5rem;border-top:1px solid #c8ccd3;padding-top:1rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{text-align:left;vertical-align:top;border-bottom:1px solid #c8ccd3;padding:.35rem .5rem .35rem 0}"
    "pre,.wrap{white-space:pre-wrap;overflow-wrap:anywhere}"
    "[aria-invalid=true]{border:2px solid #a4161a}"
    ".scroll{overflow-x:auto;margin:.5rem 0 1rem}.scroll table{min-width:36rem;margin:0}"
    "td.when{white-space:nowrap}"
)


@dataclass(frozen=True)
class Page:
    """The language a page is shown in, and how to show the same page in another one: its path
    and query without `lang` (the switcher's links repeat them with another `lang`)."""

    texts: Texts
    query: dict[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.texts.language

    def url_in(self, language: str) -> str:
        """This page in `language`, relative to the current path (a token in the query is kept)."""
        return "?" + urlencode({**self.query, "lang": language})

    def action(self) -> str:
        """The form action that POSTs back to this page and keeps its language."""
        return self.url_in(self.language)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def page_for(event: APIGatewayProxyEvent, default_language: str | None = None) -> Page:
    """The page's language: `?lang=` when set, else `default_language` (a list's), else the
    browser's `Accept-Language`, else English."""
    # Only values that are text go back into the page's own links: one that cannot be encoded (a
    # broken link's token) is what the page is refusing, never something to repeat.
    query = {
        name: value
        for name, value in (event.query_string_parameters or {}).items()
        if isinstance(value, str) and value.isprintable() and _encodable(value)
    }
    requested = query.pop("lang", None)
    headers = event.headers or {}
    accept = headers.get("Accept-Language") or headers.get("accept-language")
    return Page(i18n.texts(i18n.choose(requested, accept, default_language)), query)


ENGLISH = Page(i18n.texts("en"))


def _switcher(page: Page) -> str:
    t = page.texts
    items = []
    for language in LANGUAGES:
        name = escape(i18n.language_name(language))
        href = escape(page.url_in(language))
        current = "aria-current=true" if language == page.language else f"hreflang={language}"
        items.append(f'<li><a href="{href}" lang={language} {current}>{name}</a>')
    return f'<nav aria-label="{escape(t.gettext("Language"))}"><ul>{"".join(items)}</ul></nav>'


def render(title: str, body_html: str, page: Page | None = None) -> str:
    """A whole document. With `page` (every recipient page) it is in that page's language, with
    the language switcher and the link to the rights page; without, an English operator page."""
    language = page.language if page else "en"
    header = f"<header>{_switcher(page)}</header>" if page else ""
    footer = (
        f'<footer><a href="{escape(rights_url(language))}">'
        f"{escape(page.texts.gettext('Your data and your rights'))}</a></footer>"
        if page
        else ""
    )
    return (
        f"<!doctype html><html lang={language}><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{header}<main><h1>{escape(title)}</h1>{body_html}</main>{footer}</body></html>"
    )


def html_response(title: str, body_html: str, status: int = 200, page: Page = ENGLISH) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Language": page.language}
    return Response(status, "text/html; charset=utf-8", render(title, body_html, page), headers)


def message_page(page: Page, title: str, message: str, status: int = 200) -> Response:
    return html_response(title, f"<p>{escape(message)}</p>", status, page)


def post_button_page(page: Page, title: str, message: str, button: str) -> Response:
    """A page whose only effect is a button that POSTs back to it: GETs (link scanners) change
    nothing."""
    form = (
        f"<p>{escape(message)}</p>"
        f'<form method=post action="{escape(page.action())}">'
        f"<button type=submit>{escape(button)}</button></form>"
    )
    return html_response(title, form, 200, page)


def redirect(location: str) -> Response:
    return Response(303, None, "", {"Location": location, "Cache-Control": "no-store"})
