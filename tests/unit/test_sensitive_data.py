"""The sensitive-data guard: each category is refused, naming field and category but never the
value, and ordinary values (phone numbers, dates, order numbers) pass."""

import pytest

from consentmail.core.errors import InvalidInput
from consentmail.core.sensitive_data import (
    Category,
    categories_in,
    check_content,
    check_fields,
    iban_valid,
    luhn_valid,
    names_health_data,
)


def with_luhn_digit(partial: str) -> str:
    """`partial` completed with the digit that makes it Luhn-valid."""
    return next(partial + d for d in "0123456789" if luhn_valid(partial + d))


def nir(first13: str) -> str:
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


# --- payment cards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555 5555 5555 4444",
        "2223 0031 2200 3222",
        "3782 822463 10005",
        "4222222222222",  # 13 digits
        with_luhn_digit("411111111111111111"),  # 19 digits
        "my card is 4111 1111 1111 1111, expires 12/28",
    ],
)
@pytest.mark.promise("sensitive_data.refused")
def test_a_card_number_is_refused(value):
    assert categories_in(value) == [Category.CARD_NUMBER]


@pytest.mark.parametrize(
    "value",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "411111111111",  # 12 digits
        with_luhn_digit("41111111111111111111"),  # 21 digits
        "1234567890123",  # 13 digits, no card network starts with 1
    ],
)
def test_a_number_that_is_no_card_passes(value):
    assert Category.CARD_NUMBER not in categories_in(value)


# --- US SSN --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["123-45-6789", "SSN 078-05-1120", "123 45 6789"])
def test_a_us_ssn_is_refused(value):
    assert categories_in(value) == [Category.US_SSN]


@pytest.mark.parametrize("value", ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-6789", "123-45-0000"])
def test_ssn_shapes_never_issued_pass(value):
    assert categories_in(value) == []


# --- French NIR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        nir("1850578006084"),
        "1 85 05 78 006 084 " + nir("1850578006084")[-2:],
        nir("2900120A04123".replace("20A", "2A0")),
        nir("29001" + "2B" + "004123"),
    ],
)
@pytest.mark.promise("sensitive_data.refused")
def test_a_french_nir_with_a_valid_key_is_refused(value):
    assert Category.FR_NIR in categories_in(value)


def test_a_nir_shape_with_a_wrong_key_passes():
    right = nir("1850578006084")
    wrong = right[:-2] + f"{(int(right[-2:]) + 1) % 97:02d}"
    assert Category.FR_NIR not in categories_in(wrong)


# --- IBAN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR7630006000011234567890189",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "pay to fr76 3000 6000 0112 3456 7890 189 please",
    ],
)
def test_an_iban_is_refused(value):
    assert categories_in(value) == [Category.IBAN]


def test_an_iban_with_wrong_check_digits_passes():
    assert not iban_valid("FR77 3000 6000 0112 3456 7890 189")
    assert categories_in("FR77 3000 6000 0112 3456 7890 189") == []


# --- health data in attribute names --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "health_status",
        "medicalHistory",
        "Diagnosis",
        "allergies",
        "HIV status",
        "blood-type",
        "pregnancy",
        "disability",
        "santé",
        "état_de_santé",
        "maladie chronique",
        "Groupe sanguin",
        "antécédents médicaux",
        "handicap",
        "grossesse",
    ],
)
@pytest.mark.promise("sensitive_data.refused")
def test_an_attribute_name_announcing_health_data_is_refused(name):
    assert names_health_data(name)
    with pytest.raises(InvalidInput) as refused:
        check_fields({}, {name: "yes"})
    assert refused.value.errors[0].field == f"attributes.{name}"
    assert "health data" in refused.value.errors[0].message


@pytest.mark.parametrize(
    "name",
    [
        "phone",
        "birthday",
        "order_number",
        "company",
        "city",
        "archive",
        "hivernage",
        "environmental",
        "favourite_colour",
    ],
)
def test_ordinary_attribute_names_pass(name):
    assert not names_health_data(name)


# --- false positives: what must pass -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "+33 6 12 34 56 78",
        "06 12 34 56 78",
        "0033 612 345 678",
        "(555) 123-4567",
        "+1-800-555-0199",
        "+44 20 7946 0958",
        "2026-11-25",
        "25/11/2026",
        "2026-11-25T10:30:00Z",
        "ORD-2026-000123",
        "Order #100045678912",
        "INV-2026-11-000045",
        "SIRET 732 829 320 00074",
        "Jean-Pierre",
        "12 rue de la Paix, 75002 Paris",
    ],
)
def test_phone_numbers_dates_and_order_numbers_pass(value):
    assert categories_in(value) == []
    check_fields({"first_name": value}, {"phone": value, "order": value})


# --- the refusal ---------------------------------------------------------------------------------


@pytest.mark.promise("sensitive_data.refused")
def test_the_refusal_names_field_and_category_never_the_value():
    with pytest.raises(InvalidInput) as refused:
        check_fields({"first_name": "Ada"}, {"note": "card 4111 1111 1111 1111"})
    error = refused.value
    assert error.status == 422
    assert [(e.field, Category.CARD_NUMBER in e.message) for e in error.errors] == [("attributes.note", True)]
    assert "4111" not in error.detail
    assert all("4111" not in e.message for e in error.errors)


def test_every_finding_is_reported_field_by_field():
    with pytest.raises(InvalidInput) as refused:
        check_fields(
            {"last_name": "123-45-6789"},
            {"iban": "DE89 3704 0044 0532 0130 00", "health": "fine", "nested": {"card": 4111111111111111}},
        )
    fields = {(e.field, e.message.split(",")[0]) for e in refused.value.errors}
    assert ("last_name", f"contains a {Category.US_SSN}") in fields
    assert ("attributes.iban", f"contains a {Category.IBAN}") in fields
    assert ("attributes.nested.card", f"contains a {Category.CARD_NUMBER}") in fields
    assert any(f == "attributes.health" for f, _ in fields)


def test_clean_contact_data_passes():
    check_fields(
        {"first_name": "Zoë", "last_name": "O'Brien"}, {"city": "Lyon", "plan": "premium", "age": 42}
    )


def test_campaign_content_is_checked_for_values_not_topics():
    # A newsletter may talk about health; it may not carry someone's bank number.
    check_content(
        {"subject": "Health tips for winter", "html": "<p>Call +33 1 23 45 67 89</p>", "text": "Hi"}
    )
    with pytest.raises(InvalidInput) as refused:
        check_content({"subject": "Your refund", "text": "Sent to FR76 3000 6000 0112 3456 7890 189"})
    assert [e.field for e in refused.value.errors] == ["text"]
    assert "FR76" not in refused.value.detail
