"""A list read carries its contacts' `counts` by status, kept as contacts change (subscribe,
confirm, unsubscribe, bounce, complaint, import, deletion, erasure) rather than counted by a scan:
after any mix of them the counts add up to what the list holds."""

import email
import re
from collections import Counter

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.links import unsubscribe_url
from consentmail.core.statuses import ContactStatus
from consentmail.store.contacts import ContactRepository, contact_id_for
from functions.ses_events.handler import handler as ses_events
from functions.subscription.handler import handler as subscription
from tests.accounts_helpers import CONSENT, add_contact, call, create_list, signed_in
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event
from tests.integration.test_subject_requests import verify_last
from tests.stored_items import holding
from tests.tracking_helpers import ses_event, sqs_lambda_event

ZERO = {"pending": 0, "confirmed": 0, "unsubscribed": 0, "bounced": 0, "complained": 0}


def contact(list_id: str, address: str):
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())


def confirm_token_in_last_email() -> str:
    raw = sent_messages()[-1].raw_data
    text = email.message_from_string(raw).get_payload()[0].get_payload(decode=True).decode()
    return re.search(r"https://mail\.example\.test/confirm\?token=(\S+)", text).group(1)


def held(owner: dict, list_id: str) -> dict[str, int]:
    """What the list really holds, by status (read page after page)."""
    statuses: Counter = Counter()
    cursor = None
    while True:
        query = {"cursor": cursor} if cursor else None
        page = call("GET", f"/lists/{list_id}/contacts", claims=owner, query=query).json()
        statuses.update(item["status"] for item in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return {**ZERO, **statuses}


def test_a_new_list_counts_zero_of_every_status(aws):
    owner = signed_in("counts@example.com")
    created = create_list(owner)

    assert created["counts"] == ZERO
    assert call("GET", f"/lists/{created['list_id']}", claims=owner).json()["counts"] == ZERO


def test_counts_add_up_after_a_mix_of_every_status_change(aws):
    # Given an account holder's list
    owner = signed_in("counts@example.com")
    list_id = create_list(owner)["list_id"]

    # When contacts are added (with proof, and with double opt-in), subscribe on the website
    # and confirm, unsubscribe, bounce, complain, are deleted, edited and imported
    for name in ("kept", "leaving", "bouncing", "complaining", "deleted"):
        add_contact(owner, list_id, f"{name}@example.org")
    add_contact(owner, list_id, "waiting@example.org", double_opt_in=True)
    body = {"list_id": list_id, "email": "web@example.org", "consent": True}
    subscription(api_event("POST", "/subscribe", body=body), FakeContext())
    token = confirm_token_in_last_email()
    subscription(api_event("POST", "/subscribe", body=body), FakeContext())  # repeated: one contact
    confirmed = subscription(api_event("POST", "/confirm", query={"token": token}), FakeContext())
    assert confirmed["statusCode"] in (200, 303), confirmed["body"]
    unsubscribe = unsubscribe_url(contact(list_id, "leaving@example.org"), now()).split("=")[1]
    for _ in range(2):
        subscription(api_event("POST", "/unsubscribe", query={"token": unsubscribe}), FakeContext())
    bounce = ses_event("ses_bounce_permanent", contact(list_id, "bouncing@example.org"))
    complaint = ses_event("ses_complaint", contact(list_id, "complaining@example.org"))
    for _ in range(2):  # SES redelivers
        ses_events(sqs_lambda_event(bounce, complaint), FakeContext())
    deleted = contact(list_id, "deleted@example.org").contact_id
    assert call("DELETE", f"/lists/{list_id}/contacts/{deleted}", claims=owner).status == 204
    kept = contact(list_id, "kept@example.org").contact_id
    patch = call("PATCH", f"/lists/{list_id}/contacts/{kept}", claims=owner, body={"first_name": "Kim"})
    assert patch.status == 200
    csv_body = (
        "email\r\nimported1@example.org\r\nimported2@example.org\r\nkept@example.org\r\nnot-an-address\r\n"
    )
    imported = call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body=csv_body,
        headers={"Content-Type": "text/csv"},
        query={"consent_source": CONSENT["source"], "consent_text": CONSENT["text"]},
    )
    assert imported.status == 200 and imported.json()["imported"] == 2

    # Then the list's counts are exactly what it holds, on the list and in the list of lists
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert counts == held(owner, list_id)
    assert counts == {"pending": 1, "confirmed": 4, "unsubscribed": 1, "bounced": 1, "complained": 1}
    [listed] = call("GET", "/lists", claims=owner).json()["items"]
    assert listed["counts"] == counts


def test_a_list_id_naming_a_count_item_is_no_list(aws):
    owner = signed_in("counts@example.com")
    list_id = create_list(owner)["list_id"]
    add_contact(owner, list_id, "one@example.org")

    for shard in range(8):
        reply = call("GET", f"/lists/{list_id}%23COUNTS%23{shard:02d}", claims=owner)
        assert reply.status == 404


def test_an_erasure_takes_the_erased_contact_out_of_the_counts(aws):
    # Given a list with a confirmed and a pending contact
    owner = signed_in("counts@example.com")
    list_id = create_list(owner)["list_id"]
    add_contact(owner, list_id, "stays@example.org")
    add_contact(owner, list_id, "erased@example.org", double_opt_in=True)
    before = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert (before["confirmed"], before["pending"]) == (1, 1)

    # When the pending one has their data erased at their own request, twice (a repeated link)
    assert verify_last("erasure", "erased@example.org")["statusCode"] == 200
    assert verify_last("erasure", "erased@example.org")["statusCode"] == 200

    # Then the list counts only what it still holds
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert counts == held(owner, list_id) == {**ZERO, "confirmed": 1}


def test_deleting_a_list_deletes_its_counts(aws):
    owner = signed_in("counts@example.com")
    list_id = create_list(owner)["list_id"]
    add_contact(owner, list_id, "one@example.org")
    assert holding(list_id)

    assert call("DELETE", f"/lists/{list_id}", claims=owner).status == 204

    assert holding(list_id) == []


def test_counts_stay_right_when_a_contact_changes_between_a_read_and_its_write(aws, monkeypatch):
    # Given a contact waiting for its confirmation, and its unsubscribe link
    owner = signed_in("counts@example.com")
    list_id = create_list(owner)["list_id"]
    add_contact(owner, list_id, "racing@example.org", double_opt_in=True)
    waiting = contact(list_id, "racing@example.org")
    token = unsubscribe_url(waiting, now()).split("=")[1]

    # When its unsubscribe reads it as pending while it is confirmed meanwhile (a status the
    # unsubscribe's write then replaces without knowing it)
    read = waiting.model_copy()
    ContactRepository().replace(waiting.model_copy(update={"status": ContactStatus.CONFIRMED}))
    monkeypatch.setattr(ContactRepository, "get", lambda self, *args: read.model_copy())
    reply = subscription(api_event("POST", "/unsubscribe", query={"token": token}), FakeContext())
    monkeypatch.undo()
    assert reply["statusCode"] in (200, 303), reply["body"]

    # Then the list counts the one unsubscribed contact it holds, and no confirmed one
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert counts == held(owner, list_id) == {**ZERO, "unsubscribed": 1}
