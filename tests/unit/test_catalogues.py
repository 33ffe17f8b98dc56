"""The message catalogues are complete: every message the code uses is translated in every
language, no catalogue keeps a message the code no longer uses, placeholders survive translation,
and the catalogues load the way the Lambda layer loads them (compiled from the `.po` in memory)."""

import re
import string
from datetime import UTC, datetime

import pytest

from consentmail.core import i18n
from tools.catalogues import extracted, read

TRANSLATED = [language for language in i18n.LANGUAGES if language != i18n.SOURCE_LANGUAGE]


@pytest.fixture(scope="module")
def messages() -> dict:
    return extracted()


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_code_is_translated_and_none_is_unused(language, messages):
    catalogue = read(language)
    in_catalogue = {message.id for message in catalogue if message.id}

    missing = sorted(set(messages) - in_catalogue)
    unused = sorted(in_catalogue - set(messages))
    untranslated = sorted(m.id for m in catalogue if m.id and (not m.string or m.fuzzy))

    assert not missing, f"{language}: not in the catalogue (run python -m tools.catalogues): {missing}"
    assert not unused, f"{language}: no longer used by the code (run python -m tools.catalogues): {unused}"
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder_and_pass_babels_checks(language):
    catalogue = read(language)
    for message in catalogue:
        if message.id:
            assert placeholders(message.string) == placeholders(message.id), (language, message.id)
    problems = [(message.id, errors) for message, errors in catalogue.check() if errors]
    assert not problems, problems


def test_the_code_writes_no_message_babel_cannot_find():
    """A `gettext(` whose first argument is not a literal (a variable, a concatenation) would be
    shown untranslated: the extracted calls are every call in the code."""
    from tools.catalogues import SOURCES

    calls = 0
    for source in SOURCES:
        for path in source.rglob("*.py"):
            if path.name != "i18n.py":
                calls += len(re.findall(r"\bgettext\(", path.read_text()))
    assert calls == sum(len(places) for places in extracted().values())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Vos données et vos droits"),
        ("de", "Ihre Daten und Ihre Rechte"),
        ("es", "Tus datos y tus derechos"),
        ("it", "I tuoi dati e i tuoi diritti"),
        ("en", "Your data and your rights"),
    ],
)
def test_each_language_loads_from_its_catalogue(language, expected):
    assert i18n.texts(language).gettext("Your data and your rights") == expected


def test_placeholders_are_filled_after_translation():
    text = i18n.texts("de").gettext("You are now subscribed to {list_name}.", list_name="Neuigkeiten")
    assert text == "Sie sind jetzt bei Neuigkeiten angemeldet."


def test_dates_follow_the_locale():
    at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert i18n.texts("en").date(at) == "December 7, 2026"
    assert i18n.texts("fr").date(at) == "7 décembre 2026"
    assert i18n.texts("de").date(at) == "7. Dezember 2026"
    assert i18n.texts("es").date(at) == "7 de diciembre de 2026"
    assert i18n.texts("it").date(at) == "7 dicembre 2026"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7", "fr"),
        ("de-DE,de;q=0.9", "de"),
        ("pt-BR,pt;q=0.9,es;q=0.8,en;q=0.5", "es"),
        ("en;q=0.5, it", "it"),
        ("it;q=0, fr;q=0.1", "fr"),
        ("ja, zh", None),
        ("", None),
        (None, None),
        ("garbage;;q=x,,", None),
    ],
)
def test_the_browsers_language_is_the_first_of_ours_it_prefers(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_an_explicit_switch_beats_the_lists_language_which_beats_the_browser():
    assert i18n.choose("de", "fr", default="it") == "de"
    assert i18n.choose(None, "fr", default="it") == "it"
    assert i18n.choose(None, "fr") == "fr"
    assert i18n.choose("xx", "ja") == "en"
