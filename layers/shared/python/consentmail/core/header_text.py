"""Text that ends up in an email header (list names, sender names, subjects, contact names that
personalise a subject) or in a file name: checked once, when it is saved.

A line break inside a header ends the header, and Python's `email` package refuses to build the
message at send time; by then the list or campaign already exists and every email to it fails.
So line and paragraph separators (CR, LF, U+0085, U+2028, U+2029), the vertical tab and every
other control character are refused at entry with a 422 that names the field.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

from consentmail.core.errors import FieldError, InvalidInput

# Cc: C0 and C1 controls (tab, CR, LF, VT, FF, NEL...); Zl/Zp: the Unicode line and paragraph
# separators; Cs: lone surrogates, which no encoder can write.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})


def unsafe_character(value: str) -> str | None:
    """How the first character that may not appear in a header is named (`U+2028 LINE
    SEPARATOR`), or None when the text is safe."""
    for char in value:
        if unicodedata.category(char) in _UNSAFE_CATEGORIES:
            name = unicodedata.name(char, "control character")
            return f"U+{ord(char):04X} {name}"
    return None


def problem(value: str) -> str | None:
    """The message a client reads when `value` cannot go into a header, else None."""
    found = unsafe_character(value)
    if found is None:
        return None
    return f"must be a single line of text without control characters (found {found})"


def check(value: str, field: str) -> str:
    """`value` unchanged, or InvalidInput (422) naming `field`."""
    message = problem(value)
    if message:
        raise InvalidInput(f"{field} {message}.", [FieldError(field, message)])
    return value


def _validated(value: str | None) -> str | None:
    if value is not None:
        message = problem(value)
        if message:
            raise ValueError(message)
    return value


# The same rule as a JSON Schema pattern, for the OpenAPI document: Cc is exactly U+0000-U+001F and
# U+007F-U+009F, Zl and Zp are U+2028 and U+2029 alone. Lone surrogates (Cs), refused too, are no
# Unicode text (only a JSON escape can carry one) and not every regex engine can name them. A unit
# test holds the pattern to `problem` over arbitrary text. Documentation only: `_validated` decides.
PATTERN = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029]*$"

# For pydantic models: a string that can go into a header; a refusal names the field.
HeaderText = Annotated[str, AfterValidator(_validated), Field(json_schema_extra={"pattern": PATTERN})]
