"""Careless and hostile text at every entry point, refused when it is saved (issue 12, findings 2,
4, 11, 12 and 13): characters that break a header, addresses SES cannot take, attribute names
that break reads or spreadsheets, CSV files in other encodings, URLs with trailing line breaks.
Against moto, through the functions as API Gateway calls them."""

import base64
import email
import json

import pytest

from consentmail.audience.imports import contacts_csv
from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.records import ContactStatus
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.lists import ListRepository
from functions.subscription.handler import handler as subscription_handler
from tests.accounts_helpers import CONSENT, add_contact, call, create_list, invoke, resource_of, signed_in
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event, headers_of

HEADER_BREAKERS = {
    "CR LF": "Demo\r\nBcc: victim@example.org",
    "LF": "Demo\n",
    "U+2028": "Demo\u2028News",
    "U+2029": "Demo\u2029News",
    "U+0085": "Demo\u0085News",
    "vertical tab": "Demo\x0bNews",
    "NUL": "Demo\x00News",
    "escape": "Demo\x1b[31mNews",
}


@pytest.fixture(autouse=True)
def fresh_services(aws):
    return aws  # the aws fixture starts every service afresh (container.reset_all)


@pytest.fixture
def owner(aws) -> dict:
    return signed_in("owner@example.com")


@pytest.fixture
def list_id(owner) -> str:
    return create_list(owner)["list_id"]


def subscribe(list_id: str, **fields) -> dict:
    body = {"list_id": list_id, "email": "ada@example.org", "consent": True, **fields}
    return subscription_handler(api_event("POST", "/subscribe", body=body), FakeContext())


def subscribe_form(list_id: str, **fields) -> dict:
    form = {"list_id": list_id, "email": "ada@example.org", "consent": "on", **fields}
    return subscription_handler(api_event("POST", "/subscribe", form=form), FakeContext())


def fields_of(problem: dict) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def problem_of(response: dict) -> dict:
    assert headers_of(response)["Content-Type"] == "application/problem+json", response
    return json.loads(response["body"])


def import_bytes(owner: dict, list_id: str, raw: bytes):
    """A CSV import whose body is exactly these bytes (API Gateway passes them base64-encoded)."""
    path = f"/lists/{list_id}/contacts/import"
    resource, params = resource_of("POST", path)
    event = api_event(
        "POST",
        path,
        headers={"Content-Type": "text/csv", "Authorization": "Bearer <id_token>"},
        resource=resource,
        path_params=params,
        claims=owner,
    )
    event["body"] = base64.b64encode(raw).decode("ascii")
    event["isBase64Encoded"] = True
    return invoke(event)


# --- finding 2: header-breaking characters are refused at save time ----------------------------------


@pytest.mark.promise("input.header_safe")
@pytest.mark.parametrize("field", ["name", "from_name"])
@pytest.mark.parametrize("kind", sorted(HEADER_BREAKERS))
def test_a_list_name_or_sender_name_that_would_break_a_header_is_refused_with_422(owner, field, kind):
    body = {"name": "Demo", "from_email": "news@example.com", field: HEADER_BREAKERS[kind]}

    created = call("POST", "/lists", claims=owner, body=body)

    assert created.status == 422
    assert fields_of(created.problem) == [field]
    assert call("GET", "/lists", claims=owner).json()["items"] == []


@pytest.mark.promise("input.header_safe")
@pytest.mark.parametrize("field", ["name", "from_name"])
def test_a_list_cannot_be_edited_into_a_header_breaker(owner, list_id, field):
    patched = call("PATCH", f"/lists/{list_id}", claims=owner, body={field: "News\u2028Bcc: x@example.org"})

    assert patched.status == 422 and fields_of(patched.problem) == [field]
    assert subscribe(list_id)["statusCode"] == 202


@pytest.mark.promise("input.header_safe")
@pytest.mark.parametrize("kind", sorted(HEADER_BREAKERS))
def test_a_campaign_subject_that_would_break_a_header_is_refused_with_422(owner, list_id, kind):
    body = {"list_id": list_id, "subject": HEADER_BREAKERS[kind], "html": "<p>Hello</p>"}

    created = call("POST", "/campaigns", claims=owner, body=body)

    assert created.status == 422 and fields_of(created.problem) == ["subject"]
    assert call("GET", "/campaigns", claims=owner).json()["items"] == []


@pytest.mark.promise("input.header_safe")
def test_a_campaign_subject_cannot_be_edited_into_a_header_breaker(owner, list_id):
    body = {"list_id": list_id, "subject": "Hello", "html": "<p>Hello</p>"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]

    patched = call("PATCH", f"/campaigns/{campaign_id}", claims=owner, body={"subject": "Hi\x0bthere"})

    assert patched.status == 422 and fields_of(patched.problem) == ["subject"]
    assert call("GET", f"/campaigns/{campaign_id}", claims=owner).json()["subject"] == "Hello"


def test_unicode_that_is_not_a_control_character_stays_welcome(owner, list_id):
    # Accents, emoji and right-to-left scripts are text, not header breakers.
    body = {"list_id": list_id, "subject": "Été 🌞 — شكرا", "html": "<p>Hello</p>"}
    assert call("POST", "/campaigns", claims=owner, body=body).status == 201
    assert call("PATCH", f"/lists/{list_id}", claims=owner, body={"from_name": "Zoë & Søren"}).status == 200


@pytest.mark.promise("input.header_safe")
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_contact_names_that_would_break_a_personalised_subject_are_refused(owner, list_id, field):
    body = {"email": "ada@example.org", "consent": CONSENT, field: "Ada\r\nBcc: x@example.org"}
    added = call("POST", f"/lists/{list_id}/contacts", claims=owner, body=body)
    assert added.status == 422 and fields_of(added.problem) == [field]

    contact_id = add_contact(owner, list_id, "bob@example.org")["contact_id"]
    patched = call(
        "PATCH", f"/lists/{list_id}/contacts/{contact_id}", claims=owner, body={field: "B\u2028ob"}
    )
    assert patched.status == 422 and fields_of(patched.problem) == [field]

    assert subscribe(list_id, **{field: "Ada\u0085"})["statusCode"] == 422
    assert subscribe_form(list_id, **{field: "Ada\u2029"})["statusCode"] == 422
    # Nothing went out, the owner's own verification email aside.
    assert len(sent_messages()) == len(sent_messages(to="owner@example.com"))


@pytest.mark.parametrize(
    "address", ["ada@example.org\r\nBcc: x@example.org", "ada@example.org\n", "ada\u2028@example.org"]
)
def test_an_address_with_a_line_break_is_refused_at_every_entry_point(owner, list_id, address):
    added = call(
        "POST", f"/lists/{list_id}/contacts", claims=owner, body={"email": address, "consent": CONSENT}
    )
    assert added.status == 422 and fields_of(added.problem) == ["email"]

    refused = problem_of(subscribe(list_id, email=address))
    assert refused["status"] == 422 and fields_of(refused) == ["email"]

    sender = call("PATCH", f"/lists/{list_id}", claims=owner, body={"from_email": address})
    assert sender.status == 422 and fields_of(sender.problem) == ["from_email"]
    # Nothing went out, the owner's own verification email aside.
    assert len(sent_messages()) == len(sent_messages(to="owner@example.com"))


# --- finding 13: internationalized addresses ----------------------------------------------------------


def test_a_non_ascii_local_part_is_refused_at_entry_with_the_reason(owner, list_id):
    added = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "José@example.com", "consent": CONSENT},
    )
    assert added.status == 422 and fields_of(added.problem) == ["email"]
    assert "SMTPUTF8" in added.problem["errors"][0]["message"]

    refused = problem_of(subscribe(list_id, email="josé@example.com"))
    assert refused["status"] == 422 and "ASCII" in refused["errors"][0]["message"]

    imported = call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body="email\r\njosé@example.com\r\nada@example.org\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status == 200
    assert imported.json()["imported"] == 1 and [r["line"] for r in imported.json()["rejected"]] == [2]
    # Nothing went out, the owner's own verification email aside.
    assert len(sent_messages()) == len(sent_messages(to="owner@example.com"))


def test_an_internationalized_domain_goes_out_in_punycode_never_rfc2047(owner, list_id):
    call("PATCH", f"/lists/{list_id}", claims=owner, body={"from_name": "Bücher & Zoë"})

    assert subscribe(list_id, email="user@bücher.de")["statusCode"] == 202

    [message] = sent_messages(to="user@xn--bcher-kva.de")
    parsed = email.message_from_string(message.raw_data)
    assert parsed["To"] == "user@xn--bcher-kva.de"
    # The display name is encoded as words, as it should be; the address never is.
    assert parsed["From"].startswith("=?utf-8?") and parsed["From"].endswith(" <news@example.com>")
    assert set(message.destinations) == {"user@xn--bcher-kva.de"}


def test_an_idn_contact_is_stored_once_whichever_form_it_is_typed_in(owner, list_id):
    add_contact(owner, list_id, "user@bücher.de")
    again = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "user@xn--bcher-kva.de", "consent": CONSENT},
    )
    assert again.status == 409


# --- findings 4 and 11: attribute names -----------------------------------------------------------------


BAD_NAMES = ["", " ", "=HYPERLINK(1)", "+cmd", "-2+3", "@SUM(A1)", "a\nb", "x" * 65, "tab\there", "trailing "]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_an_attribute_name_that_breaks_the_rules_is_refused_at_every_entry_point(owner, list_id, name):
    attributes = {name: "x"}

    assert subscribe(list_id, attributes=attributes)["statusCode"] == 422
    assert subscribe_form(list_id, attributes=json.dumps(attributes))["statusCode"] == 422
    added = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "bob@example.org", "consent": CONSENT, "attributes": attributes},
    )
    assert added.status == 422 and fields_of(added.problem) == ["attributes"]
    assert "attribute name" in added.problem["errors"][0]["message"]

    contact_id = add_contact(owner, list_id, "cy@example.org")["contact_id"]
    patched = call(
        "PATCH", f"/lists/{list_id}/contacts/{contact_id}", claims=owner, body={"attributes": attributes}
    )
    assert patched.status == 422

    # Nothing was saved: the list still reads, exports and pages.
    page = call("GET", f"/lists/{list_id}/contacts", claims=owner)
    assert page.status == 200 and [c["attributes"] for c in page.json()["items"]] == [{}]
    assert (
        call("GET", f"/lists/{list_id}/contacts/export", claims=owner, query={"format": "csv"}).status == 200
    )
    # Nothing went out, the owner's own verification email aside.
    assert len(sent_messages()) == len(sent_messages(to="owner@example.com"))


def test_a_nested_attribute_name_follows_the_same_rules(owner, list_id):
    assert subscribe(list_id, attributes={"address": {"": "x"}})["statusCode"] == 422
    assert subscribe(list_id, attributes={"address": {"city": "Lyon"}})["statusCode"] == 202


@pytest.mark.parametrize(
    "name", ["plan", "Company Name", "date-of-birth", "_internal", "société", "1st_order"]
)
def test_ordinary_attribute_names_are_accepted(owner, list_id, name):
    added = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "bob@example.org", "consent": CONSENT, "attributes": {name: "x"}},
    )
    assert added.status == 201 and added.json()["attributes"] == {name: "x"}


@pytest.mark.parametrize("name", ["=cmd", "@SUM(A1)", "", "a\nb"])
def test_a_rectification_request_with_a_bad_attribute_name_is_refused(aws, name):
    from functions.subject_requests.handler import handler

    body = {"email": "ada@example.org", "type": "rectification", "changes": {"attributes": {name: "x"}}}
    response = handler(api_event("POST", "/subject-requests", body=body), FakeContext())

    assert response["statusCode"] == 422
    # Nothing went out, the owner's own verification email aside.
    assert len(sent_messages()) == len(sent_messages(to="owner@example.com"))


def test_a_csv_header_that_is_no_attribute_name_is_refused_naming_the_column(owner, list_id):
    imported = call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body='email,=HYPERLINK("http://x"),plan\r\nada@example.org,1,gold\r\n',
        headers={"Content-Type": "text/csv"},
    )

    assert imported.status == 422
    assert fields_of(imported.problem) == ["header.column2"]
    assert call("GET", f"/lists/{list_id}/contacts", claims=owner).json()["items"] == []


def test_the_export_neutralizes_formula_leading_attribute_names_in_the_header_row(owner, list_id):
    # Saved before the rules existed: the export must still not hand a spreadsheet a formula.
    contact_id = add_contact(owner, list_id, "ada@example.org")["contact_id"]
    contacts = ContactRepository()
    contact = contacts.get(list_id, contact_id, now())
    contact.attributes = {"=1+1": "x", "@cmd": "y", "plan": "gold"}
    contacts.replace(contact)

    header = contacts_csv([contacts.get(list_id, contact_id, now())]).splitlines()[0].split(",")

    assert header[-3:] == ["'=1+1", "'@cmd", "plan"]


# --- finding 4: CSV files in other encodings ------------------------------------------------------


ROWS = "email,first_name,city\r\nzoe@example.org,Zoë,Besançon\r\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp1252", "latin-1"]
)
def test_a_csv_import_in_another_encoding_is_read_without_mojibake(owner, list_id, encoding):
    if encoding == "utf-16-le-bom":
        raw = b"\xff\xfe" + ROWS.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        raw = b"\xfe\xff" + ROWS.encode("utf-16-be")
    else:
        raw = ROWS.encode(encoding)

    imported = import_bytes(owner, list_id, raw)

    assert imported.status == 200, imported.text
    assert imported.json() == {"imported": 1, "rejected": []}
    [contact] = call("GET", f"/lists/{list_id}/contacts", claims=owner).json()["items"]
    assert contact["first_name"] == "Zoë" and contact["attributes"] == {"city": "Besançon"}


def test_a_csv_import_in_utf16_without_a_byte_order_mark_is_refused_naming_the_encodings(owner, list_id):
    imported = import_bytes(owner, list_id, ROWS.encode("utf-16-le"))

    assert imported.status == 422
    assert "UTF-8" in imported.problem["detail"] and "UTF-16" in imported.problem["detail"]
    assert call("GET", f"/lists/{list_id}/contacts", claims=owner).json()["items"] == []


# --- finding 12: list URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["thank_you_url", "confirm_redirect_url"])
@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.org/thanks\n",
        "https://www.example.org/thanks\r\nSet-Cookie: a=b",
        "https://www.example.org/th anks",
        "https://www.example.org/\tthanks",
        "https://www.example.org/\u2028",
        " https://www.example.org/thanks",
        "javascript:alert(1)//https://",
        "ftp://www.example.org/",
        "https://",
    ],
)
def test_a_list_url_with_whitespace_or_a_control_character_is_refused(owner, list_id, field, url):
    created = call(
        "POST", "/lists", claims=owner, body={"name": "Demo", "from_email": "news@example.com", field: url}
    )
    patched = call("PATCH", f"/lists/{list_id}", claims=owner, body={field: url})

    assert created.status == 422 and fields_of(created.problem) == [field]
    assert patched.status == 422 and fields_of(patched.problem) == [field]
    assert subscribe_form(list_id)["statusCode"] == 200


@pytest.mark.parametrize("field", ["thank_you_url", "confirm_redirect_url"])
def test_a_list_url_is_kept_exactly_as_written(owner, list_id, field):
    url = "https://www.example.org/thanks?from=news&lang=fr#top"
    patched = call("PATCH", f"/lists/{list_id}", claims=owner, body={field: url})
    assert patched.status == 200 and patched.json()[field] == url
    assert ListRepository().get(list_id, now()).model_dump()[field] == url


def test_a_subscription_after_all_this_still_works(owner, list_id):
    # The refusals above leave nothing behind that would break the list.
    assert subscribe(list_id, first_name="Ada", attributes={"plan": "gold"})["statusCode"] == 202
    contact = ContactRepository().get(list_id, contact_id_for(list_id, email_hash("ada@example.org")), now())
    assert contact.status == ContactStatus.PENDING and contact.attributes == {"plan": "gold"}
