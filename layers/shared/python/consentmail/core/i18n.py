"""The languages recipients are addressed in: gettext message catalogues (one `.po` per language
under `consentmail/locales/`, English being the source text), the choice of a language from a
list's setting, a `?lang=` switch or the browser's `Accept-Language`, and dates per locale.

The `.po` sources are compiled in memory by Babel the first time a language is used in a
container, so the Lambda layer, local mode and the tests all read the same committed files and
no compiled `.mo` can go stale. Every user-facing sentence is a `Texts.gettext` call, which is
what the catalogue test extracts and compares with each catalogue.

Babel is imported where it is used, not with this module: every function imports the language
codes (records carry a list's language), few translate or format a date on a given request."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path
from typing import Literal

SOURCE_LANGUAGE = "en"
# The languages of every page and system email; a list's `language` is one of them.
LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "es", "it")
# A list's language, as the API validates it (an unknown code is a 422 naming the five).
Language = Literal["en", "fr", "de", "es", "it"]
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> NullTranslations:
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with catalogue_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True)
class Texts:
    """The messages, names and date formats of one language."""

    language: str

    def gettext(self, message: str, **values: object) -> str:
        """`message` in this language, its `{placeholders}` filled with `values`."""
        translated = _translations(self.language).gettext(message)
        return translated.format(**values) if values else translated

    def date(self, value: datetime) -> str:
        from babel.dates import format_date

        return format_date(value, format="long", locale=self.language)

    def datetime(self, value: datetime) -> str:
        """Date and time in this locale's medium format, in UTC (the time zone is shown)."""
        from babel.dates import format_datetime

        return format_datetime(value, format="medium", tzinfo=UTC, locale=self.language) + " UTC"


def texts(language: str | None) -> Texts:
    return Texts(language if language in LANGUAGES else SOURCE_LANGUAGE)


def language_name(language: str) -> str:
    """The language's own name for itself ("Deutsch"), as a language switcher shows it."""
    from babel import Locale

    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the browser asks for, by preference (RFC 9110 `q` weights);
    None when it asks for none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, entry in enumerate((header or "").split(",")):
        tag, _, parameters = entry.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else None


def choose(requested: str | None, accept_language: str | None = None, default: str | None = None) -> str:
    """The language of a page: an explicit `?lang=` switch first, then the list's language
    (`default`) or else the browser's preference, then English."""
    for candidate in (requested, default, from_accept_language(accept_language)):
        if candidate in LANGUAGES:
            return candidate
    return SOURCE_LANGUAGE
