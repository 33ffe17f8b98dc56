"""Tenant isolation, route by route: another account's list or contact answers 404 exactly like an
id that does not exist, and changes nothing."""

import pytest

from consentmail.core.clock import now
from consentmail.store.contacts import ContactRepository
from consentmail.store.lists import ListRepository
from tests.accounts_helpers import CONSENT, add_contact, call, create_list, signed_in

UNKNOWN_LIST = "0123456789abcdef0123456789abcdef"
UNKNOWN_CONTACT = "0123456789abcdef01234567"

# Every account route that takes a list id or a contact id, with a valid request for each.
LIST_ROUTES = [
    ("GET", "/lists/{list}", None, None),
    ("PATCH", "/lists/{list}", {"name": "Taken over"}, None),
    ("DELETE", "/lists/{list}", None, None),
    ("POST", "/lists/{list}/contacts", {"email": "mallory@example.org", "consent": CONSENT}, None),
    ("POST", "/lists/{list}/contacts/import", "email\r\nmallory@example.org\r\n", None),
    ("GET", "/lists/{list}/contacts", None, None),
    ("GET", "/lists/{list}/contacts/export", None, {"format": "csv"}),
    ("GET", "/lists/{list}/contacts/export", None, {"format": "json"}),
]
CONTACT_ROUTES = [
    ("GET", "/lists/{list}/contacts/{contact}", None),
    ("PATCH", "/lists/{list}/contacts/{contact}", {"first_name": "Mallory"}),
    ("DELETE", "/lists/{list}/contacts/{contact}", None),
]


@pytest.fixture(autouse=True)
def fresh_services(aws):
    return aws


@pytest.fixture
def tenants(aws) -> dict:
    """Two accounts, each with a list and a contact."""
    owner = signed_in("owner@example.com")
    intruder = signed_in("intruder@example.com")
    owner_list = create_list(owner)["list_id"]
    intruder_list = create_list(intruder, "Intruder News")["list_id"]
    return {
        "owner": owner,
        "intruder": intruder,
        "owner_list": owner_list,
        "owner_contact": add_contact(owner, owner_list, "ada@example.org")["contact_id"],
        "intruder_list": intruder_list,
        "intruder_contact": add_contact(intruder, intruder_list, "eve@example.org")["contact_id"],
    }


def assert_owner_data_untouched(tenants: dict) -> None:
    mailing_list = ListRepository().get(tenants["owner_list"], now())
    assert mailing_list is not None and mailing_list.name == "Demo News"
    contacts = list(ContactRepository().all_of_list(tenants["owner_list"], now()))
    assert [(c.contact_id, c.first_name) for c in contacts] == [(tenants["owner_contact"], "Ada")]


@pytest.mark.promise("accounts.isolation")
@pytest.mark.parametrize(("method", "template", "body", "query"), LIST_ROUTES)
def test_another_accounts_list_answers_404_like_an_unknown_list(tenants, method, template, body, query):
    intruder = tenants["intruder"]

    foreign = call(
        method, template.format(list=tenants["owner_list"]), claims=intruder, body=body, query=query
    )
    unknown = call(method, template.format(list=UNKNOWN_LIST), claims=intruder, body=body, query=query)

    assert foreign.status == unknown.status == 404
    assert foreign.text == unknown.text
    assert foreign.headers["Content-Type"] == unknown.headers["Content-Type"] == "application/problem+json"
    assert_owner_data_untouched(tenants)


@pytest.mark.promise("accounts.isolation")
@pytest.mark.parametrize(("method", "template", "body"), CONTACT_ROUTES)
def test_another_accounts_contact_answers_404_like_an_unknown_contact(tenants, method, template, body):
    intruder = tenants["intruder"]
    owner_list, owner_contact = tenants["owner_list"], tenants["owner_contact"]

    # the owner's list and contact, addressed directly
    foreign = call(
        method, template.format(list=owner_list, contact=owner_contact), claims=intruder, body=body
    )
    unknown_list = call(
        method, template.format(list=UNKNOWN_LIST, contact=owner_contact), claims=intruder, body=body
    )
    # the owner's contact id under the intruder's own list
    smuggled = call(
        method,
        template.format(list=tenants["intruder_list"], contact=owner_contact),
        claims=intruder,
        body=body,
    )
    unknown_contact = call(
        method,
        template.format(list=tenants["intruder_list"], contact=UNKNOWN_CONTACT),
        claims=intruder,
        body=body,
    )

    assert foreign.status == unknown_list.status == smuggled.status == unknown_contact.status == 404
    assert foreign.text == unknown_list.text
    assert smuggled.text == unknown_contact.text
    assert_owner_data_untouched(tenants)


@pytest.mark.promise("accounts.isolation")
def test_the_list_index_shows_only_the_callers_lists(tenants):
    owner_view = call("GET", "/lists", claims=tenants["owner"]).json()["items"]
    intruder_view = call("GET", "/lists", claims=tenants["intruder"]).json()["items"]

    assert [m["list_id"] for m in owner_view] == [tenants["owner_list"]]
    assert [m["list_id"] for m in intruder_view] == [tenants["intruder_list"]]


def test_profile_export_and_notifications_are_the_callers_own(tenants):
    from consentmail.store.accounts import AccountRepository

    AccountRepository().add_notification(
        tenants["owner"]["sub"], "erasure", {"lists": [tenants["owner_list"]]}, now()
    )
    intruder = tenants["intruder"]

    assert call("GET", "/account", claims=intruder).json()["email"] == "intruder@example.com"
    export = call("GET", "/account/export", claims=intruder).json()
    assert export["profile"]["email"] == "intruder@example.com"
    assert [m["list_id"] for m in export["lists"]] == [tenants["intruder_list"]]
    assert export["notifications"] == []
    assert call("GET", "/account/notifications", claims=intruder).json()["items"] == []


def test_closing_one_account_leaves_the_other_untouched(tenants):
    call("DELETE", "/account", claims=tenants["intruder"])

    assert call("GET", "/account", claims=tenants["owner"]).status == 200
    assert ListRepository().get(tenants["owner_list"], now()) is not None
    from consentmail.adapters import aws_clients
    from consentmail.core.tables import Table

    item = aws_clients.table(Table.LISTS).get_item(Key={"list_id": tenants["owner_list"]})["Item"]
    assert "expires_at" not in item
