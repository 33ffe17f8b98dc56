"""The account password rule (CNIL, deliberation 2022-100, case 2): at least 8 characters, with at
least one letter, one digit and one special character. Checked before Cognito sees the password;
the user pool's own policy is the second line.

A letter is any Unicode letter ("é" counts), a digit one of 0-9, and a special character one of
SYMBOLS, the set the user pool's own policy counts. The password itself never appears in
an error, a log line or a repr.
"""

import unicodedata

from consentmail.core.errors import FieldError, InvalidInput

MIN_LENGTH = 8
# Cognito refuses passwords longer than 256 characters.
MAX_LENGTH = 256

# The special characters the user pool counts (Cognito's password policy, the second line in
# infra/constructs/auth.py). The CNIL asks for "a special character"; these are the ones both
# lines accept, so a password this rule takes is never refused by the pool for an unnamed reason.
SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"

RULE_LENGTH = f"must be at least {MIN_LENGTH} characters long"
RULE_LETTER = "must contain at least one letter"
RULE_DIGIT = "must contain at least one digit (0-9)"
RULE_SPECIAL = "must contain at least one of these special characters: " + " ".join(SYMBOLS)
RULE_MAX_LENGTH = f"must be at most {MAX_LENGTH} characters long"

_SYMBOL_CLASS = "".join("\\" + c if c in "^[]\\-" else c for c in SYMBOLS)
# The rule as JSON Schema says it (ECMA-262 regex with Unicode property escapes: \p{L} is exactly
# what str.isalpha() calls a letter), applied to the NFC form as `broken_rules` does; a unit test
# holds the two together over arbitrary text.
PATTERN = rf"^(?=[\s\S]*\p{{L}})(?=[\s\S]*[0-9])(?=[\s\S]*[{_SYMBOL_CLASS}])[\s\S]*$"
PASSWORD_SCHEMA = {
    "format": "password",
    "minLength": MIN_LENGTH,
    "maxLength": MAX_LENGTH,
    "pattern": PATTERN,
    "description": (
        f"The CNIL rule: {MIN_LENGTH} to {MAX_LENGTH} characters (after Unicode NFC normalization), with "
        "at least one letter (any script), one digit 0-9 and one of " + " ".join(SYMBOLS) + "; "
        "each broken rule is named in a 422."
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
    if not any(c.isalpha() for c in text):
        broken.append(RULE_LETTER)
    if not any(c in "0123456789" for c in text):
        broken.append(RULE_DIGIT)
    if not any(c in SYMBOLS for c in text):
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
