"""The message catalogues: extracts every `gettext("…")` of the package and the functions (Babel's
Python extractor) and brings each language's `.po` up to date with it: new messages are added
untranslated (the catalogue test then fails until they are translated), messages no longer in the
code are dropped, translations are kept.

Usage: python -m tools.catalogues            (update every catalogue)
       python -m tools.catalogues --check    (exit 1 when a catalogue is not up to date)"""

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from consentmail.core.i18n import DOMAIN, LANGUAGES, SOURCE_LANGUAGE, catalogue_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "layers" / "shared" / "python" / "consentmail", ROOT / "functions")
KEYWORDS = {"gettext": None}
# Our own extractor (below): Babel's Python extractor reads tokens and misses calls written inside
# f-strings, which the syntax tree shows like any other call.
METHODS = [("**.py", "tools.catalogues:extract_gettext_calls")]


def extract_gettext_calls(fileobj, keywords, comment_tags, options):
    """Babel extraction method: every `….gettext("literal", …)` or `gettext("literal")` call."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        first = node.args[0]
        if name in keywords and isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield node.lineno, name, first.value, []


def extracted() -> dict[str, list[tuple[str, int]]]:
    """Every message in the code, with where it is used."""
    messages: dict[str, list[tuple[str, int]]] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
            str(source), method_map=METHODS, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if isinstance(message, str):
                where = (str((source / filename).relative_to(ROOT)), line)
                messages.setdefault(message, []).append(where)
    return messages


def read(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


def updated(language: str, messages: dict[str, list[tuple[str, int]]]) -> Catalog:
    path = catalogue_path(language)
    old = read(language) if path.exists() else Catalog(locale=language, domain=DOMAIN)
    # The header's dates stay as they were, so an unchanged catalogue is rewritten byte for byte.
    catalogue = Catalog(
        locale=language,
        domain=DOMAIN,
        project="consentmail",
        version="1",
        copyright_holder="consentmail",
        creation_date=old.creation_date,
        revision_date=old.revision_date,
        fuzzy=False,
    )
    for message_id in sorted(messages):
        previous = old.get(message_id)
        translation = previous.string if previous is not None else ""
        flags = ("python-brace-format",) if "{" in message_id else ()
        catalogue.add(message_id, translation, locations=messages[message_id], flags=flags)
    return catalogue


def render(catalogue: Catalog) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    # Without line numbers: moving code does not rewrite every catalogue.
    write_po(buffer, catalogue, width=100, sort_output=True, include_lineno=False)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    messages = extracted()
    stale = []
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalogue_path(language)
        content = render(updated(language, messages))
        if "--check" in argv:
            current = read(language) if path.exists() else Catalog()
            if {m.id for m in current if m.id} != set(messages):
                stale.append(language)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"catalogues: wrote {path.relative_to(ROOT)}")
    if stale:
        print("catalogues out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
