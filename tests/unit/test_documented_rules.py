"""The OpenAPI document states the validation's rules as JSON Schema patterns (ECMA-262, as a
client or schemathesis reads them through a Rust regex engine); the validation stays the source
of truth. Each pattern here is held to its validator over arbitrary text, so the two cannot drift:
what the document allows is accepted, and what it refuses is refused."""

import unicodedata

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentmail.accounts import passwords
from consentmail.audience import models as audience_models
from consentmail.core import attribute_names, header_text
from consentmail.core.addresses import email_format, normalize
from consentmail.core.errors import InvalidInput

# Text as JSON carries it: no lone surrogates. Code points Python's Unicode database leaves
# unassigned are left out too: the Rust engine knows a newer Unicode, where some are letters.
TEXT = st.text(st.characters(exclude_categories=["Cs", "Cn"]))


def matches(pattern: str):
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid


def _mixed(specials: str) -> st.SearchStrategy[str]:
    """Text that often holds the characters a rule is about, not only what st.text() draws."""
    return st.lists(st.one_of(st.sampled_from(list(specials)), TEXT), max_size=12).map("".join)


HEADER = matches(header_text.PATTERN)


@given(_mixed("ab \t\r\n\x00\x1f\x7f\x85\x9f\xa0\u2028\u2029\u200b"))
def test_the_header_text_pattern_is_the_header_text_rule(text):
    assert HEADER(text) == (header_text.problem(text) is None)


WEB_URL = matches(audience_models.WEB_URL_PATTERN)
URLS = st.builds(
    str.__add__,
    st.sampled_from(["https://", "http://", "HTTPS://", "hTTp://", "ftp://", "https:/", ""]),
    _mixed("ab/?#@:. \t\n\x00\x85\xa0\u3000"),
)


def _web_url_accepts(value: str) -> bool:
    try:
        audience_models._web_url(value)
    except ValueError:
        return False
    return True


@given(URLS)
def test_the_url_pattern_is_the_list_url_rule(url):
    assert WEB_URL(url) == _web_url_accepts(url)


CNIL = matches(passwords.PATTERN)


@given(_mixed("aé1١!€ \t\u00a0_-^\\]"))
def test_the_password_pattern_is_the_password_rule_on_the_nfc_form(password):
    text = unicodedata.normalize("NFC", password)
    within = passwords.MIN_LENGTH <= len(text) <= passwords.MAX_LENGTH
    assert (CNIL(text) and within) == (passwords.broken_rules(text) == [])


@pytest.mark.parametrize("symbol", list(passwords.SYMBOLS))
def test_every_symbol_the_user_pool_counts_is_a_special_character_of_the_rule(symbol):
    assert CNIL(f"Password1{symbol}")
    assert passwords.broken_rules(f"Password1{symbol}") == []


def test_a_symbol_the_user_pool_would_refuse_is_named_in_the_rule_not_left_to_the_pool():
    assert not CNIL("Motdepasse1€")
    assert passwords.broken_rules("Motdepasse1€") == [passwords.RULE_SPECIAL]
    assert passwords.broken_rules("Motdepasse١!") == [passwords.RULE_DIGIT]


NAME = matches(attribute_names.NAME_PATTERN)


@given(_mixed("a_- 1½é=+@\n"))
def test_the_attribute_name_pattern_is_the_attribute_name_rule(name):
    documented = NAME(name) and 1 <= len(name) <= attribute_names.MAX_LENGTH
    assert documented == (attribute_names.name_problem(name) is None)


EMAIL = matches(email_format()["pattern"])


@pytest.mark.parametrize(
    "address",
    ["ada@example.test", "ada@mail.LOCALHOST", "ada@x.onion", "ada@printer.local", "ada@1.in-addr.arpa"],
)
def test_an_address_under_a_special_use_domain_is_refused_by_both(address):
    assert not EMAIL(address)
    with pytest.raises(InvalidInput):
        normalize(address)


@pytest.mark.parametrize(
    "address", ["ada@example.org", "ada@testing.fr", "ada@local-shop.de", "ada@bücher.de"]
)
def test_an_ordinary_address_is_allowed_by_both(address):
    assert EMAIL(address)
    normalize(address)
