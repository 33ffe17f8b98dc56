"""Withdrawn consent stays withdrawn, and a closed account collects nobody (issue 12, findings 9
and 10): an old confirm link (fetched by a link scanner or a mailbox preview) never brings back a
person who unsubscribed, and a closed account's list answers like an unknown one. Against moto,
through the subscription and accounts functions as API Gateway calls them."""

import email
import json
import re
from datetime import timedelta

import pytest
import time_machine

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.links import unsubscribe_url
from consentmail.core.records import ContactStatus
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository, contact_id_for
from functions.subscription.handler import handler
from tests.accounts_helpers import add_contact, call, create_list, signed_in
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event, headers_of

ADDRESS = "ada@example.org"


@pytest.fixture(autouse=True)
def fresh_services(aws):
    return aws  # the aws fixture starts every service afresh (container.reset_all)


@pytest.fixture
def owner(aws) -> dict:
    return signed_in("owner@example.com")


@pytest.fixture
def list_id(owner) -> str:
    return create_list(owner)["list_id"]


def subscription(event: dict) -> dict:
    return handler(event, FakeContext())


def subscribe(list_id: str, address: str = ADDRESS) -> dict:
    body = {"list_id": list_id, "email": address, "consent": True}
    return subscription(api_event("POST", "/subscribe", body=body))


def confirm_link_in_last_email() -> str:
    raw = sent_messages()[-1].raw_data
    text = email.message_from_string(raw).get_payload()[0].get_payload(decode=True).decode()
    return re.search(r"/confirm\?token=([^&\s]+)", text).group(1)


def confirm(token: str) -> dict:
    """The confirm page's button (a GET only shows the page), then what the page said."""
    shown = subscription(api_event("GET", "/confirm", query={"token": token}))
    if shown["statusCode"] != 200:
        return shown
    return subscription(api_event("POST", "/confirm", query={"token": token}))


def contact(list_id: str, address: str = ADDRESS):
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())


def unsubscribe(list_id: str, address: str = ADDRESS) -> None:
    token = unsubscribe_url(contact(list_id, address), now()).split("token=")[1]
    reply = subscription(
        api_event("POST", "/unsubscribe", query={"token": token}, form={"List-Unsubscribe": "One-Click"})
    )
    assert reply["statusCode"] == 200


def ledger(address: str = ADDRESS) -> list[str]:
    return [record.action.value for record in ConsentRepository().of_email_hash(email_hash(address), now())]


# --- finding 9 -----------------------------------------------------------------------------------


@pytest.mark.promise("consent.withdrawal_holds")
def test_an_old_confirm_link_does_not_bring_back_a_person_who_unsubscribed(list_id):
    subscribe(list_id)
    old_link = confirm_link_in_last_email()
    assert confirm(old_link)["statusCode"] == 200
    unsubscribe(list_id)

    # A link scanner fetches the old opt-in link.
    replay = confirm(old_link)

    assert replay["statusCode"] == 400
    assert headers_of(replay)["Content-Type"].startswith("text/html")
    assert contact(list_id).status == ContactStatus.UNSUBSCRIBED
    assert ledger() == ["subscribed", "confirmed", "unsubscribed"]


@pytest.mark.promise("consent.withdrawal_holds")
def test_an_unconfirmed_link_is_void_once_the_person_unsubscribed(list_id):
    subscribe(list_id)
    link = confirm_link_in_last_email()
    unsubscribe(list_id)

    assert confirm(link)["statusCode"] == 400
    assert contact(list_id).status == ContactStatus.UNSUBSCRIBED


@pytest.mark.promise("consent.withdrawal_holds")
def test_only_a_new_subscription_with_a_new_opt_in_brings_the_person_back(list_id):
    subscribe(list_id)
    old_link = confirm_link_in_last_email()
    confirm(old_link)
    unsubscribe(list_id)

    # After the 10-minute opt-in interval, which is not what is tested here.
    with time_machine.travel(now() + timedelta(minutes=11), tick=False):
        assert subscribe(list_id)["statusCode"] == 202
    new_link = confirm_link_in_last_email()
    assert new_link != old_link

    assert confirm(old_link)["statusCode"] == 400
    assert contact(list_id).status == ContactStatus.PENDING
    assert confirm(new_link)["statusCode"] == 200
    assert contact(list_id).status == ContactStatus.CONFIRMED
    # Confirming twice with the current link stays harmless.
    assert confirm(new_link)["statusCode"] == 200
    assert sorted(ledger()) == sorted(["subscribed", "confirmed", "unsubscribed", "subscribed", "confirmed"])


@pytest.mark.promise("consent.withdrawal_holds")
def test_an_old_link_is_void_after_the_account_holder_marks_the_contact_unsubscribed(owner, list_id):
    contact_id = add_contact(owner, list_id, ADDRESS, double_opt_in=True)["contact_id"]
    link = confirm_link_in_last_email()

    patched = call(
        "PATCH", f"/lists/{list_id}/contacts/{contact_id}", claims=owner, body={"status": "unsubscribed"}
    )
    assert patched.status == 200

    assert confirm(link)["statusCode"] == 400
    assert contact(list_id).status == ContactStatus.UNSUBSCRIBED


def test_the_opt_in_link_of_a_contact_added_with_double_opt_in_still_confirms(owner, list_id):
    add_contact(owner, list_id, ADDRESS, double_opt_in=True)
    assert confirm(confirm_link_in_last_email())["statusCode"] == 200
    assert contact(list_id).status == ContactStatus.CONFIRMED


# --- finding 10 ----------------------------------------------------------------------------------


def test_a_closed_accounts_list_answers_like_an_unknown_list_and_sends_nothing(owner, list_id):
    assert call("DELETE", "/account", claims=owner).status == 202

    closed = subscribe(list_id)
    unknown = subscribe("no-such-list")

    assert closed["statusCode"] == unknown["statusCode"] == 404
    assert json.loads(closed["body"]) == json.loads(unknown["body"])
    form = subscription(
        api_event("POST", "/subscribe", form={"list_id": list_id, "email": ADDRESS, "consent": "on"})
    )
    assert form["statusCode"] == 404
    assert sent_messages(to=ADDRESS) == []
    assert contact(list_id) is None


def test_a_pending_contact_of_a_closed_account_cannot_be_confirmed(owner, list_id):
    subscribe(list_id)
    link = confirm_link_in_last_email()
    assert call("DELETE", "/account", claims=owner).status == 202

    reply = confirm(link)

    assert reply["statusCode"] == 400
    assert contact(list_id).status == ContactStatus.PENDING
    assert ledger() == ["subscribed"]


def test_a_closed_accounts_contacts_can_still_unsubscribe(owner, list_id):
    subscribe(list_id)
    confirm(confirm_link_in_last_email())
    assert call("DELETE", "/account", claims=owner).status == 202

    unsubscribe(list_id)

    assert contact(list_id).status == ContactStatus.UNSUBSCRIBED
