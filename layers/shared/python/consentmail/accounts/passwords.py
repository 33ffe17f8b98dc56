"""The account password rule (CNIL, deliberation 2022-100, case 2): at least 8 characters, with at
least one letter, one digit and one special character. Checked before Cognito sees the password;
the user pool's own policy is the second line.

A letter is any Unicode letter ("é" counts), a digit any decimal digit, and a special character
anything that is neither a letter, a digit nor whitespace. The password itself never appears in
an error, a log line or a repr.
"""

import unicodedata

from consentmail.core.errors import FieldError, InvalidInput

MIN_LENGTH = 8
# Cognito refuses passwords longer than 256 characters.
MAX_LENGTH = 256

RULE_LENGTH = f"must be at least {MIN_LENGTH} characters long"
RULE_LETTER = "must contain at least one letter"
RULE_DIGIT = "must contain at least one digit"
RULE_SPECIAL = "must contain at least one special character (neither a letter, a digit nor a space)"
RULE_MAX_LENGTH = f"must be at most {MAX_LENGTH} characters long"


def _is_letter(char: str) -> bool:
    return char.isalpha()


def _is_digit(char: str) -> bool:
    return unicodedata.category(char) == "Nd"


def _is_special(char: str) -> bool:
    return not (_is_letter(char) or _is_digit(char) or char.isspace())


# Characters Python's str.isspace() counts as whitespace, written out for a regex engine: ECMA-262's
# \s (JSON Schema's) is a slightly different set.
_WHITESPACE = r"\t-\r\x1C- \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
# The rule as JSON Schema says it (ECMA-262 regex with Unicode property escapes: \p{L} is exactly
# what str.isalpha() calls a letter, \p{Nd} a decimal digit), applied to the NFC form as
# `broken_rules` does; a unit test holds the two together over arbitrary text.
PATTERN = rf"^(?=[\s\S]*\p{{L}})(?=[\s\S]*\p{{Nd}})(?=[\s\S]*[^\p{{L}}\p{{Nd}}{_WHITESPACE}])[\s\S]*$"
# The user pool's own policy (the second line, infra/constructs/auth.py) is narrower: its digit is
# 0-9 and its special character one of these. A password that keeps our rule but not the pool's is
# refused all the same (422), so the document states both.
POOL_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"
_POOL_SYMBOL_CLASS = "".join("\\" + c if c in "^[]\\-" else c for c in POOL_SYMBOLS)
ACCEPTED_PATTERN = rf"^(?=[\s\S]*[0-9])(?=[\s\S]*[{_POOL_SYMBOL_CLASS}]){PATTERN[1:]}"
PASSWORD_SCHEMA = {
    "format": "password",
    "minLength": MIN_LENGTH,
    "maxLength": MAX_LENGTH,
    "pattern": ACCEPTED_PATTERN,
    "description": (
        f"The CNIL rule: {MIN_LENGTH} to {MAX_LENGTH} characters (after Unicode NFC normalization), with "
        "at least one letter (any script), one decimal digit and one special character (neither a "
        "letter, a digit nor whitespace); each broken rule is named in a 422. The user pool's own "
        "policy also wants a digit 0-9 and one of " + " ".join(POOL_SYMBOLS) + " (else a 422 too)."
    ),
}


def broken_rules(password: str) -> list[str]:
    """The rules this password breaks, in a stable order; empty when it is acceptable."""
    # NFC first, so "é" typed as "e" + a combining accent is one letter, not a letter and a symbol.
    text = unicodedata.normalize("NFC", password)
    broken = []
    if len(text) < MIN_LENGTH:
        broken.append(RULE_LENGTH)
    if len(text) > MAX_LENGTH:
        broken.append(RULE_MAX_LENGTH)
    if not any(_is_letter(c) for c in text):
        broken.append(RULE_LETTER)
    if not any(_is_digit(c) for c in text):
        broken.append(RULE_DIGIT)
    if not any(_is_special(c) for c in text):
        broken.append(RULE_SPECIAL)
    return broken


def check_password(password: str) -> None:
    """InvalidInput (422) naming every broken rule, or nothing."""
    broken = broken_rules(password)
    if broken:
        raise InvalidInput(
            "The password does not follow the rules: it " + "; it ".join(broken) + ".",
            [FieldError("password", rule) for rule in broken],
        )
