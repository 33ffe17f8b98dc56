"""The sensitive-data guard: contact attributes and campaign content must hold no full card
numbers, government ids (US SSN, French NIR), bank account numbers (IBAN) nor health data.

Each detector checks the structure a real value has (Luhn, the NIR key, IBAN mod 97, the issuer
prefixes of card networks), so ordinary phone numbers, dates and order numbers pass. A refusal
names the field and the category, never the value: the error travels to logs and clients.
"""

import re
import unicodedata
from collections.abc import Iterator
from enum import StrEnum

from consentmail.core.errors import FieldError, InvalidInput


class Category(StrEnum):
    CARD_NUMBER = "payment card number"
    US_SSN = "US social security number"
    FR_NIR = "French social security number (NIR)"
    IBAN = "bank account number (IBAN)"
    HEALTH = "health data"


# --- how numbers are written ---------------------------------------------------------------------

# People group numbers with spaces (plain, non-breaking, narrow: NFKC makes them plain), dots,
# dashes or slashes, sometimes with spaces around a dash ("4111 - 1111"). A separator is a run of
# spaces or one punctuation mark with optional spaces around it.
_SEPARATOR = r"(?:[ \t]*[./-][ \t]*|[ \t]+)"
# Runs of groups joined by separators; a group is digits (cards, SSN) or letters and digits (NIR
# with Corsica's 2A/2B, IBAN).
_DIGIT_RUN = re.compile(rf"(?<![\w.-])\d+(?:{_SEPARATOR}\d+)*(?!\w)")
_ALNUM_RUN = re.compile(rf"(?<![\w.-])[^\W_]+(?:{_SEPARATOR}[^\W_]+)*(?!\w)")
_SPLIT = re.compile(_SEPARATOR)


def _plain(text: str) -> str:
    """NFKC folds non-breaking and narrow spaces to spaces and full-width digits to ASCII ones."""
    return unicodedata.normalize("NFKC", text)


def _windows(text: str, run: re.Pattern, first: re.Pattern, lengths: range) -> Iterator[list[str]]:
    """Every sequence of consecutive groups of every run whose first group starts like the number
    sought (`first`) and whose joined length is one of `lengths`: a number may sit inside a longer
    run ("ref 12 4111 1111 1111 1111", "IBAN FR76 ...")."""
    for match in run.finditer(_plain(text)):
        groups = _SPLIT.split(match.group())
        for start, group in enumerate(groups):
            if not first.match(group):
                continue
            length = 0
            for end in range(start, len(groups)):
                length += len(groups[end])
                if length > lengths.stop - 1:
                    break
                if length >= lengths.start:
                    yield groups[start : end + 1]


# --- payment cards -------------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_issuer_prefix(digits: str) -> bool:
    """Issuer ranges of the card networks (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37,
    Diners 30/36/38/39, JCB 35, Discover/UnionPay/Maestro 5 and 6). A number starting with 0, 1,
    7, 8 or 9 is no card, which spares most order and phone numbers written with an area code."""
    if digits[0] in "456":
        return True
    if digits[0] == "3":
        return digits[1] in "045789"
    return digits[0] == "2" and 2221 <= int(digits[:4]) <= 2720


def _grouped_like_a_card(groups: list[str]) -> bool:
    # Cards are printed in groups of 4 (Amex and Diners: 4-6-5, 4-6-4); phone numbers in groups of
    # 2 or 3. Only the last group may be shorter.
    return len(groups) == 1 or all(4 <= len(group) <= 6 for group in groups[:-1])


def _is_card_number(groups: list[str]) -> bool:
    digits = "".join(groups)
    return (
        13 <= len(digits) <= 19
        and _grouped_like_a_card(groups)
        and _card_issuer_prefix(digits)
        and luhn_valid(digits)
    )


_CARD_START = re.compile(r"[2-6]")


def _has_card_number(text: str) -> bool:
    return any(_is_card_number(window) for window in _windows(text, _DIGIT_RUN, _CARD_START, range(13, 20)))


# --- US social security number -------------------------------------------------------------------

# Three groups with the same separator each time; an SSN has no checksum, so nine digits without
# the 3-2-4 grouping are any number and pass.
_SSN = re.compile(r"(?<![\w.-])(\d{3})([ .-]|[ \t]*-[ \t]*)(\d{2})\2(\d{4})(?![\w-])")


def _has_us_ssn(text: str) -> bool:
    for match in _SSN.finditer(_plain(text)):
        area, _, group, serial = match.groups()
        # Never issued: area 000, 666 or 900-999; group 00; serial 0000.
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            return True
    return False


# --- French NIR (numéro de sécurité sociale) -----------------------------------------------------

# 15 characters once the separators are gone: sex (1/2, 3/4/7/8 for provisional numbers), year,
# month, department (2A/2B in Corsica; 3 digits overseas, then a 2-digit commune), commune, order,
# then the 2-digit key. Grouped as on the carte Vitale (1 84 12 75 108 042 31) or any other way.
_NIR = re.compile(r"([1-478])(\d{2})(\d{2})(\d{2}|2[AB])(\d{6})(\d{2})")


def nir_key_valid(number13: str, key: int) -> bool:
    """The key is 97 - (the 13 digits mod 97); Corsica's 2A and 2B count as 19 and 18."""
    digits = number13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97 == key


# The grouping printed on the carte Vitale (and copied from it): sex, year, month, department,
# commune, order, key. Nobody writes an order or invoice number this way, so a number in exactly
# this grouping with a NIR's structure is a NIR even when its key is mistyped.
CARTE_VITALE_GROUPS = (1, 2, 2, 2, 3, 3, 2)


def _is_nir(groups: list[str]) -> bool:
    match = _NIR.fullmatch("".join(groups).upper())
    if match is None:
        return False
    sex, year, month, department, place_and_order, key = match.groups()
    month_value = int(month)
    if not (1 <= month_value <= 12 or 20 <= month_value <= 42 or 50 <= month_value <= 99):
        return False
    if tuple(len(group) for group in groups) == CARTE_VITALE_GROUPS:
        return True
    return nir_key_valid(sex + year + month + department + place_and_order, int(key))


_NIR_START = re.compile(r"[1-478]")


def _has_fr_nir(text: str) -> bool:
    return any(_is_nir(window) for window in _windows(text, _ALNUM_RUN, _NIR_START, range(15, 16)))


# --- IBAN ----------------------------------------------------------------------------------------

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip

_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]+")
# A country code first: the check digits may come in the same group or the next ("FR 76 3000").
_IBAN_START = re.compile(r"[A-Za-z]{2}(?:\d|$)")


def iban_valid(candidate: str) -> bool:
    compact = "".join(_SPLIT.split(_plain(candidate).strip())).upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not _IBAN_SHAPE.fullmatch(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _has_iban(text: str) -> bool:
    windows = _windows(text, _ALNUM_RUN, _IBAN_START, range(15, 35))
    return any(iban_valid("".join(window)) for window in windows)


# --- health data in attribute names --------------------------------------------------------------

# Stems (accents removed, lower case) that announce health data in an attribute's name, in English
# and French; matched anywhere in the name, so "healthStatus" and "etat_de_sante" are caught.
HEALTH_STEMS = (
    "health", "medical", "medic", "medicament", "medication", "diagnos", "disease", "illness",
    "allerg", "disabilit", "handicap", "pregnan", "grossesse", "patholog", "symptom",
    "vaccin", "therap", "cancer", "diabet", "prescription", "ordonnance", "patient", "bloodtype",
    "sanguin", "sante", "maladie", "psychiatr", "infirmit",
)  # fmt: skip
# Short terms matched only as whole words, so "hivernal" or "archive" pass.
HEALTH_WORDS = ("hiv", "vih", "sida", "aids", "covid", "bmi", "imc")


def _folded(text: str) -> str:
    """Lower case without accents: "Santé" -> "sante"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def names_health_data(name: str) -> bool:
    folded = _folded(name)
    # camelCase, kebab-case and spaces all become underscores before matching.
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", unicodedata.normalize("NFKD", name))
    words = set(re.split(r"[^a-z0-9]+", _folded(spaced)))
    squashed = re.sub(r"[^a-z0-9_]+", "_", folded)
    return any(stem in squashed or stem in squashed.replace("_", "") for stem in HEALTH_STEMS) or bool(
        words & set(HEALTH_WORDS)
    )


# --- the guard -----------------------------------------------------------------------------------

_VALUE_DETECTORS = (
    (Category.CARD_NUMBER, _has_card_number),
    (Category.US_SSN, _has_us_ssn),
    (Category.FR_NIR, _has_fr_nir),
    (Category.IBAN, _has_iban),
)


def categories_in(text: str) -> list[Category]:
    """The categories of sensitive data found in a text value (empty when it is clean)."""
    return [category for category, detect in _VALUE_DETECTORS if detect(text)]


def _texts(value, path: str) -> Iterator[tuple[str, str]]:
    """Every scalar inside a value as text, with the field path that reaches it."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _texts(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _texts(inner, f"{path}[{index}]")
    else:
        yield path, str(value)


def _names(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield f"{path}.{key}", str(key)
            yield from _names(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _names(inner, f"{path}[{index}]")


def problems(fields: dict, attributes: dict | None = None) -> list[FieldError]:
    """Every finding, one per field and category; values are never part of a message."""
    found: list[FieldError] = []
    for path, name in _names(attributes or {}, "attributes"):
        if names_health_data(name):
            found.append(
                FieldError(path, f"the attribute's name announces {Category.HEALTH}, which is not accepted")
            )
    scanned = [
        *(_texts(value, name) for name, value in fields.items()),
        _texts(attributes or {}, "attributes"),
    ]
    for texts in scanned:
        for path, text in texts:
            for category in categories_in(text):
                found.append(FieldError(path, f"contains a {category}, which is not accepted"))
    return found


def _refuse(found: list[FieldError]) -> None:
    if found:
        detail = "Sensitive data is not accepted: " + "; ".join(f"{e.field} ({e.message})" for e in found)
        raise InvalidInput(detail, found)


def check_fields(fields: dict, attributes: dict) -> None:
    """Contact data: named fields (first name, last name...) and free attributes, whose names are
    also checked for health data. InvalidInput (422) naming each field and category."""
    _refuse(problems(fields, attributes))


def check_content(fields: dict) -> None:
    """Campaign content (subject, html, text): values only, since a newsletter may well talk about
    health; what it must not carry is someone's card, id or bank number."""
    _refuse(problems(fields))
