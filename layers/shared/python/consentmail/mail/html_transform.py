"""Changes to a campaign's HTML made with a real HTML parser (the standard library's), never with
regular expressions over HTML: rewriting link targets, inserting a fragment before `</body>`,
and deriving a plain-text version.

Rewriting splices only the `href` value of the tags it changes into the original text, so every
other byte of the campaign (comments, conditional comments, entities, formatting) stays exactly as
written. Link values are decoded the way a browser decodes attribute values (HTML5 "character
reference in attribute" rules), so `?a=1&amp;b=2` is the link `?a=1&b=2` and `?a=1&copy=2` stays
`?a=1&copy=2`, as a browser would follow them."""

import html
import re
from collections.abc import Callable
from html.entities import html5 as HTML5_ENTITIES
from html.parser import HTMLParser, attrfind_tolerant, tagfind_tolerant

LINK_TAGS = frozenset({"a", "area"})
_LONGEST_ENTITY = max(len(name) for name in HTML5_ENTITIES)
_NUMERIC = re.compile(r"#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def unescape_attribute(value: str) -> str:
    """Decode character references in an attribute value as HTML5 does: a named reference without
    its `;` followed by `=` or an alphanumeric is left as written (it is part of a query string)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        amp = value.find("&", i)
        if amp < 0:
            out.append(value[i:])
            break
        out.append(value[i:amp])
        rest = value[amp + 1 : amp + 1 + _LONGEST_ENTITY + 8]
        numeric = _NUMERIC.match(rest)
        if numeric:
            code = int(numeric.group(1), 16) if numeric.group(1) else int(numeric.group(2))
            out.append(html.unescape(f"&#{code};") if code < 0x110000 else "\ufffd")
            i = amp + 1 + numeric.end()
            continue
        name = next((rest[:n] for n in range(len(rest), 0, -1) if rest[:n] in HTML5_ENTITIES), None)
        following = rest[len(name)] if name and len(rest) > len(name) else ""
        if name is None or (not name.endswith(";") and (following == "=" or following.isalnum())):
            out.append("&")
            i = amp + 1
            continue
        out.append(HTML5_ENTITIES[name])
        i = amp + 1 + len(name)
    return "".join(out)


def _raw_attributes(tag_text: str) -> list[tuple[str, int, int, str | None]]:
    """(name, start, end, raw value) of each attribute of a start tag, `start:end` spanning the
    value as written (quotes included); the same tokenizer html.parser itself uses."""
    found = []
    match = tagfind_tolerant.match(tag_text, 1)
    k = match.end() if match else len(tag_text)
    while k < len(tag_text):
        m = attrfind_tolerant.match(tag_text, k)
        if not m or m.end() == k:
            break
        name, rest, value = m.group(1, 2, 3)
        if rest:
            found.append((name.lower(), m.start(3), m.end(3), value))
        else:
            found.append((name.lower(), m.end(1), m.end(1), None))
        k = m.end()
    return found


def _unquoted(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


class _Locator(HTMLParser):
    """Finds the offsets of link start tags and of the first `</body>` in the original text."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.source = source
        self.links: list[tuple[int, str]] = []  # (offset, raw start tag)
        self.body_end: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in LINK_TAGS:
            raw = self.get_starttag_text() or ""
            offset = self._offset()
            if self.source.startswith(raw, offset):
                self.links.append((offset, raw))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "body" and self.body_end is None:
            self.body_end = self._offset()


def _locate(source: str) -> _Locator:
    locator = _Locator(source)
    locator.feed(source)
    locator.close()
    return locator


def is_web_link(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


def rewrite_links(source: str, rewrite: Callable[[str], str | None]) -> str:
    """Every `<a href>` / `<area href>` passed through `rewrite(link as a browser reads it)`; a
    None answer leaves the tag untouched. Only the href value changes."""
    pieces: list[str] = []
    position = 0
    for offset, tag_text in _locate(source).links:
        for name, start, end, raw_value in _raw_attributes(tag_text):
            if name != "href" or raw_value is None:
                continue
            replacement = rewrite(read_link(_unquoted(raw_value)))
            if replacement is not None:
                pieces.append(source[position : offset + start])
                pieces.append('"' + html.escape(replacement, quote=True) + '"')
                position = offset + end
            break  # the first href is the one a browser follows
    pieces.append(source[position:])
    return "".join(pieces)


def raw_links(source: str) -> list[str]:
    """The `href` of every `<a>` / `<area>` that `rewrite_links` visits, in order, as written in
    the source (quotes removed, character references not decoded)."""
    found: list[str] = []
    for _, tag_text in _locate(source).links:
        for name, _, _, raw_value in _raw_attributes(tag_text):
            if name == "href" and raw_value is not None:
                found.append(_unquoted(raw_value))
                break
    return found


def read_link(raw: str) -> str:
    """A link as a browser reads its `href` value (what `rewrite_links` passes on)."""
    return unescape_attribute(raw).strip()


def insert_before_body_end(source: str, fragment: str) -> str:
    """The fragment just before `</body>`, or at the end when the HTML has no body end tag."""
    body_end = _locate(source).body_end
    if body_end is None:
        return source + fragment
    return source[:body_end] + fragment + source[body_end:]


_BLOCKS = frozenset(
    {"p", "div", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
     "article", "header", "footer", "hr", "center", "pre"}
)  # fmt: skip
_HIDDEN = frozenset({"head", "title", "script", "style", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS or tag == "br":
            self.parts.append("\n\n" if tag in _BLOCKS else "\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self._links.append((self._href(), len(self.parts)))

    def _href(self) -> str | None:
        # html.parser decodes attribute values like text; links need the attribute rules.
        for name, _, _, raw_value in _raw_attributes(self.get_starttag_text() or ""):
            if name == "href" and raw_value is not None:
                return unescape_attribute(_unquoted(raw_value))
        return None

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            href = (href or "").strip()
            if href and not href.startswith("#") and href != label:
                self.parts.append(f" ({href.removeprefix('mailto:')})" if label else href)

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(source: str) -> str:
    """A readable plain-text version of an HTML email: block structure as blank lines, links as
    `label (url)`, no markup, no scripts or styles."""
    extractor = _TextExtractor()
    extractor.feed(source)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
