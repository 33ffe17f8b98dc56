"""The CNIL password rule: at least 8 characters, a letter (any Unicode letter), a digit and a
special character; every broken rule is named, the password never is."""

import pytest

from consentmail.accounts.passwords import (
    RULE_DIGIT,
    RULE_LENGTH,
    RULE_LETTER,
    RULE_SPECIAL,
    broken_rules,
    check_password,
)
from consentmail.core.errors import InvalidInput


@pytest.mark.parametrize(
    "password",
    ["abcdef1!", "correct horse 9 battery!", "motdepassé1!", "Пароль123!", "密码密码密码1#", "ñandú_42"],
)
def test_a_password_with_every_rule_passes(password):
    assert broken_rules(password) == []
    check_password(password)


@pytest.mark.promise("passwords.cnil")
def test_seven_characters_break_the_length_rule():
    assert broken_rules("abcde1!") == [RULE_LENGTH]


def test_exactly_eight_characters_are_enough():
    assert broken_rules("abcdef1!") == []


def test_no_letter_breaks_the_letter_rule():
    assert broken_rules("12345678!") == [RULE_LETTER]


def test_no_digit_breaks_the_digit_rule():
    assert broken_rules("abcdefgh!") == [RULE_DIGIT]


@pytest.mark.promise("passwords.cnil")
def test_no_special_character_breaks_the_special_rule():
    assert broken_rules("abcdefgh1") == [RULE_SPECIAL]


def test_an_accented_letter_counts_as_a_letter():
    # Given a password whose only letter is é
    # Then the letter rule holds
    assert broken_rules("é1234567!") == []


def test_an_accented_letter_is_not_a_special_character():
    assert broken_rules("éééééé12") == [RULE_SPECIAL]


def test_a_decomposed_accent_is_still_a_letter_not_a_symbol():
    # "e" + combining acute accent is normalized to "é" first
    assert broken_rules("e\u0301" * 6 + "12") == [RULE_SPECIAL]


def test_whitespace_is_not_a_special_character():
    assert broken_rules("abcd 1234") == [RULE_SPECIAL]


@pytest.mark.promise("passwords.cnil")
def test_every_broken_rule_is_named_at_once():
    assert broken_rules("abc") == [RULE_LENGTH, RULE_DIGIT, RULE_SPECIAL]
    assert broken_rules("") == [RULE_LENGTH, RULE_LETTER, RULE_DIGIT, RULE_SPECIAL]


def test_the_refusal_names_the_rules_and_never_the_password():
    with pytest.raises(InvalidInput) as refused:
        check_password("secretpw")
    error = refused.value
    assert error.status == 422
    assert [e.field for e in error.errors] == ["password", "password"]
    assert [e.message for e in error.errors] == [RULE_DIGIT, RULE_SPECIAL]
    assert "secretpw" not in error.detail
    assert all("secretpw" not in e.message for e in error.errors)
