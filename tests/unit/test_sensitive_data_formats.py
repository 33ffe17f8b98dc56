"""The sensitive-data guard against the ways people really type numbers: spaces (plain,
non-breaking, narrow), dots, dashes, slashes, grouped as printed or not grouped at all. The
checksums (NIR key, Luhn, IBAN mod 97) keep ordinary numbers out, whatever their separators."""

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from consentmail.core.sensitive_data import Category, categories_in, luhn_valid


def nir(first13: str) -> str:
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


def iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in rearranged)) % 97
    return f"{country}{check:02d}{bban}"


def with_luhn_digit(partial: str) -> str:
    return next(partial + d for d in "0123456789" if luhn_valid(partial + d))


# The carte Vitale prints 1 84 12 75 108 042 and the key 31 (97 - 1841275108042 mod 97).
CARTE_VITALE = "1 84 12 75 108 042 31"


@pytest.mark.parametrize(
    "value",
    [
        CARTE_VITALE,
        "1841275108042 31",
        "1.84.12.75.108.042.31",
        "1-84-12-75-108-042-31",
        "1 84 12 75 108 042 - 31",
        "1 84 12 75 108 042/31",
        "1\u00a084\u00a012\u00a075\u00a0108\u00a0042\u00a031",  # non-breaking spaces
        "1\u202f84\u202f12\u202f75\u202f108\u202f042\u202f31",  # narrow no-break spaces
        "1  84  12  75  108  042  31",
        "n° sécu : 1 84 12 75 108 042 31.",
        "1 84 12 971 08 042 " + nir("1841297108042")[-2:],  # overseas department, 3 digits
        " ".join(["2", "69", "05", "2A", "123", "456", nir("269052A123456")[-2:]]),
        "2.69.05.2b.123.456." + nir("269052B123456")[-2:],
    ],
)
def test_a_nir_is_refused_however_it_is_written(value):
    assert Category.FR_NIR in categories_in(value)


def test_a_nir_grouped_as_on_the_carte_vitale_is_refused_even_with_a_mistyped_key():
    # `1 84 12 75 108 042 36` as reported: the key of those 13 digits is 31. Written in the carte
    # Vitale's grouping it is a NIR all the same (a key is easily mistyped); grouped any other way, a
    # wrong key is what keeps 15-digit order numbers from being refused.
    assert Category.FR_NIR in categories_in("1 84 12 75 108 042 36")
    assert Category.FR_NIR in categories_in("n° 2.69.05.2A.123.456.00")
    assert Category.FR_NIR not in categories_in("184127510804236")
    assert Category.FR_NIR not in categories_in("1841 2751 0804 236")


@pytest.mark.parametrize(
    "value",
    [
        "4111.1111.1111.1111",
        "4111 - 1111 - 1111 - 1111",
        "4111\u00a01111\u00a01111\u00a01111",
        "4111/1111/1111/1111",
        "card: 4111-1111-1111-1111.",
    ],
)
def test_a_card_number_is_refused_however_it_is_written(value):
    assert Category.CARD_NUMBER in categories_in(value)


@pytest.mark.parametrize(
    "value",
    [
        "FR76-3000-6000-0112-3456-7890-189",
        "FR76.3000.6000.0112.3456.7890.189",
        "FR 76 3000 6000 0112 3456 7890 189",
        "FR76\u00a03000\u00a06000\u00a00112\u00a03456\u00a07890\u00a0189",
        "IBAN: fr76 3000 6000 0112 3456 7890 189",
        "FR76 30006 00001 12345678901 89",  # grouped as on a French RIB
    ],
)
def test_an_iban_is_refused_however_it_is_written(value):
    assert Category.IBAN in categories_in(value)


@pytest.mark.parametrize("value", ["123.45.6789", "123 - 45 - 6789", "123\u00a045\u00a06789"])
def test_a_us_ssn_is_refused_however_it_is_written(value):
    assert Category.US_SSN in categories_in(value)


@pytest.mark.parametrize(
    "value",
    [
        "06.12.34.56.78",
        "+33 (0)6 12 34 56 78",
        "18412.7510.8042.36",  # the NIR digits with a wrong key, not grouped as on the carte Vitale
        "FR77-3000-6000-0112-3456-7890-189",  # wrong IBAN check digits
        "4111.1111.1111.1112",  # fails Luhn
        "v1.84.12.75",
        "12.345.678,90 EUR",
        "2026.11.25 10.30",
        "SIRET 732.829.320.00074",
        "123456789",  # nine digits without the SSN's grouping: any number
    ],
)
def test_ordinary_numbers_with_separators_pass(value):
    assert categories_in(value) == []


# --- properties ----------------------------------------------------------------------------------

separators = st.sampled_from([" ", ".", "-", "\u00a0", "\u202f", " - ", "  ", "/"])


def spelled(compact: str, data: st.DataObject, first_cut: int = 1) -> str:
    """`compact` cut into random groups joined by one of the separators people use."""
    separator = data.draw(separators)
    cuts = sorted(data.draw(st.sets(st.integers(first_cut, len(compact) - 1), max_size=len(compact) - 1)))
    groups = [compact[a:b] for a, b in zip([0, *cuts], [*cuts, len(compact)], strict=True)]
    return separator.join(groups)


nir_bodies = st.builds(
    lambda sex, year, month, department, rest: f"{sex}{year:02d}{month:02d}{department}{rest:06d}",
    st.sampled_from("12"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.sampled_from(["01", "13", "2A", "2B", "59", "75", "95"]),
    st.integers(1, 999_999),
)


@settings(max_examples=200, deadline=None)
@given(body=nir_bodies, data=st.data())
def test_any_valid_nir_in_any_grouping_is_refused(body, data):
    assert Category.FR_NIR in categories_in(f"note: {spelled(nir(body), data)} end")


@settings(max_examples=200, deadline=None)
@given(body=nir_bodies, data=st.data())
def test_a_nir_shape_with_a_wrong_key_is_never_taken_for_a_nir(body, data):
    right = nir(body)
    wrong = f"{right[:-2]}{(int(right[-2:]) + data.draw(st.integers(1, 96))) % 97 or 97:02d}"
    written = spelled(wrong, data)
    # The carte Vitale's own grouping is a NIR whatever its key (see the test above).
    assume(not re.fullmatch(r"\w(\W+)\w\w\1\w\w\1\w\w\1\w{3}\1\w{3}\1\w\w", written))
    assert Category.FR_NIR not in categories_in(written)


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from(["4", "51", "55", "2221", "34", "37", "6011"]), data=st.data())
def test_any_valid_card_grouped_in_fours_is_refused(prefix, data):
    body = prefix + data.draw(st.text("0123456789", min_size=15 - len(prefix), max_size=15 - len(prefix)))
    card = with_luhn_digit(body)
    separator = data.draw(separators)
    grouped = separator.join(card[i : i + 4] for i in range(0, 16, 4))
    assert Category.CARD_NUMBER in categories_in(grouped)


@settings(max_examples=200, deadline=None)
@given(
    country_bban=st.sampled_from([("FR", 23), ("DE", 18), ("ES", 20), ("IT", 23), ("BE", 12), ("NL", 14)]),
    data=st.data(),
)
def test_any_valid_iban_in_any_grouping_is_refused(country_bban, data):
    country, length = country_bban
    bban = data.draw(st.text("0123456789", min_size=length, max_size=length))
    # Nobody splits the country code ("F R76..."); everything after it is fair game.
    value = spelled(iban(country, bban), data, first_cut=2)
    assert Category.IBAN in categories_in(value)


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(st.text("0123456789", min_size=1, max_size=3), min_size=1, max_size=8),
    separator=separators,
)
def test_phone_like_numbers_in_short_groups_are_no_card(groups, separator):
    # Phone numbers are written in groups of 2 or 3 digits; cards never are.
    assert Category.CARD_NUMBER not in categories_in(separator.join(groups))
