"""GDPR subject requests end to end through the subject-requests function, against moto: an
address held by two accounts, verified by the emailed link, then access, rectification, erasure."""

import email
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.records import (
    ConsentAction,
    ConsentProof,
    Contact,
    ContactStatus,
    MailingList,
    RequestStatus,
)
from consentmail.store.accounts import AccountRepository
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.counters import CounterRepository
from consentmail.store.lists import ListRepository
from consentmail.store.requests import DAILY_LIMIT, RequestRepository
from consentmail.store.suppression import ERASED, Reason, SuppressionRepository
from functions.subject_requests.handler import handler
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event, headers_of, load_event
from tests.stored_items import every_item
from tests.tracking_helpers import sent_and_opened

ADDRESS = "Grace.Hopper@Example.org"
OTHER = "someone.else@example.org"
ACCOUNTS = ("account-a", "account-b")


def call(event: dict) -> dict:
    return handler(event, FakeContext())


def request(kind: str, address: str = ADDRESS, **extra) -> dict:
    return call(api_event("POST", "/subject-requests", body={"email": address, "type": kind, **extra}))


def messages_to(address: str) -> list:
    return [m for m in sent_messages() if address.lower() in str(m.destinations).lower()]


def link_in(message, path: str) -> str:
    parsed = email.message_from_string(message.raw_data)
    text = parsed.get_payload()[0].get_payload(decode=True).decode()
    return re.search(rf"https://mail\.example\.test{path}\?token=([^\s&]+)", text).group(1)


def confirm(token: str, method: str = "POST") -> dict:
    return call(api_event(method, "/subject-requests/confirm", query={"token": token}))


def verify_last(kind: str, address: str = ADDRESS, **extra) -> dict:
    assert request(kind, address, **extra)["statusCode"] == 202
    token = link_in(messages_to(address)[-1], "/subject-requests/confirm")
    return confirm(token)


@pytest.fixture
def held(aws) -> dict:
    """The address on one list of each of two accounts, with consent records, a send marker and
    an open event, a campaign with counters, and a bounce suppression in account-a."""
    at = now()
    hashed = email_hash(ADDRESS)
    contacts: dict[str, str] = {}
    for account_id in ACCOUNTS:
        list_id = f"list-{account_id}"
        ListRepository().create(
            MailingList(
                list_id=list_id,
                account_id=account_id,
                name=f"News of {account_id}",
                from_email="news@example.com",
                created_at=at,
            )
        )
        contact_id = contact_id_for(list_id, hashed)
        ContactRepository().create(
            Contact(
                contact_id=contact_id,
                list_id=list_id,
                account_id=account_id,
                email=ADDRESS,
                email_hash=hashed,
                first_name="Grace",
                last_name="Hoper",
                status=ContactStatus.CONFIRMED,
                tracking_consent=True,
                attributes={"city": "Arlington"},
                consent=ConsentProof(source="fair", obtained_at=at, text="Yes, send me news"),
                created_at=at,
            )
        )
        for action in (ConsentAction.ADDED_BY_ACCOUNT, ConsentAction.TRACKING_GRANTED):
            ConsentRepository().append(
                email_hash=hashed,
                account_id=account_id,
                list_id=list_id,
                contact_id=contact_id,
                action=action,
                at=at,
                ip="198.51.100.7",
                text="Yes, send me news",
            )
        sent_and_opened(
            contact_id=contact_id,
            campaign_id=f"campaign-{account_id}",
            account_id=account_id,
            list_id=list_id,
            at=at,
        )
        contacts[account_id] = contact_id
    SuppressionRepository().suppress_for_account(hashed, "account-a", Reason.BOUNCE, at)
    return {"hash": hashed, "contacts": contacts}


def test_receiving_answers_202_pending_and_emails_a_verification_link(aws):
    response = call(load_event("subject_requests_receive"))

    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {"status": "pending"}
    [message] = messages_to("ada@example.org")
    parsed = email.message_from_string(message.raw_data)
    assert "privacy@example.com" in parsed["From"]
    assert link_in(message, "/subject-requests/confirm")


@pytest.mark.promise("consent.no_enumeration")
def test_known_and_unknown_addresses_get_identical_answers(held):
    known = request("access", ADDRESS)
    unknown = request("access", "nobody.here@example.net")

    assert (known["statusCode"], known["body"]) == (unknown["statusCode"], unknown["body"])
    assert headers_of(known).get("Content-Type") == headers_of(unknown).get("Content-Type")
    # Both get the verification email: nothing is looked up before the address is verified.
    assert len(messages_to(ADDRESS)) == 1
    assert len(messages_to("nobody.here@example.net")) == 1


def test_more_than_the_daily_limit_answers_the_same_but_sends_nothing(aws):
    answers = [request("access") for _ in range(DAILY_LIMIT + 2)]

    [(status, body)] = {(a["statusCode"], a["body"]) for a in answers}
    assert (status, json.loads(body)) == (202, {"status": "pending"})
    assert len(messages_to(ADDRESS)) == DAILY_LIMIT
    assert len(messages_to(OTHER)) == 0
    request("access", OTHER)
    assert len(messages_to(OTHER)) == 1
    with time_machine.travel(now() + timedelta(days=1), tick=False):
        request("access")
    assert len(messages_to(ADDRESS)) == DAILY_LIMIT + 1


@pytest.mark.promise("rights.verified_requests")
def test_each_request_has_a_status_and_a_due_date_30_days_after_receipt(aws):
    request("erasure")

    [stored] = RequestRepository().of_subject(email_hash(ADDRESS))
    assert stored.status == RequestStatus.AWAITING_VERIFICATION
    assert stored.due_at - stored.received_at == timedelta(days=30)


def test_malformed_requests_are_refused_with_422(aws):
    assert request("forget-me")["statusCode"] == 422
    assert request("rectification")["statusCode"] == 422
    assert request("access", "not an address")["statusCode"] == 422
    assert sent_messages() == []


@pytest.mark.promise("rights.verified_requests")
def test_the_confirm_page_changes_nothing_until_its_button_posts(held):
    request("erasure")
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/confirm")

    page = confirm(token, "GET")

    assert page["statusCode"] == 200
    assert headers_of(page)["Content-Type"].startswith("text/html")
    assert "<form method=post" in page["body"]
    assert headers_of(page)["X-Frame-Options"] == "DENY"
    assert len(ContactRepository().with_email_hash(held["hash"], now())) == 2


@pytest.mark.promise("rights.verified_requests")
def test_an_invalid_or_expired_confirm_link_answers_400(held):
    request("erasure")
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/confirm")

    assert confirm("not-a-token")["statusCode"] == 400
    with time_machine.travel(now() + timedelta(days=7, seconds=1), tick=False):
        assert confirm(token)["statusCode"] == 400
    assert len(ContactRepository().with_email_hash(held["hash"], now())) == 2


@pytest.mark.promise("rights.erasure")
def test_erasure_leaves_no_item_holding_the_address_or_its_contact_ids_in_any_table(held):
    response = verify_last("erasure")

    assert response["statusCode"] == 200
    forbidden = [ADDRESS.lower(), *held["contacts"].values()]
    for table, item in every_item():
        text = json.dumps(item).lower()
        for value in forbidden:
            assert value.lower() not in text, f"{table} still holds {value}: {item}"
    # Only the keyed hash remains, as the global suppression an import cannot get past.
    assert SuppressionRepository().is_erased(held["hash"], now())
    assert [s.scope for s in SuppressionRepository().scopes_of(held["hash"], now())] == [ERASED]
    # The counters (statistics) hold no one and stay.
    assert CounterRepository().totals("campaign-account-a")["sent"] == 1


@pytest.mark.promise("rights.erasure")
def test_erasure_notifies_both_account_holders_without_the_address(held):
    verify_last("erasure")

    for account_id in ACCOUNTS:
        [notice] = AccountRepository().notifications(account_id, now())
        assert notice.kind == "subject_request"
        assert notice.data["request_type"] == "erasure"
        assert notice.data["lists"] == [{"list_id": f"list-{account_id}", "name": f"News of {account_id}"}]
        assert notice.data["date"]
        text = json.dumps(notice.model_dump(mode="json")).lower()
        assert ADDRESS.lower() not in text and held["hash"] not in text
        assert held["contacts"][account_id] not in text


@pytest.mark.promise("rights.erasure")
def test_a_done_request_keeps_only_the_keyed_hash(held):
    verify_last("erasure")

    [stored] = RequestRepository().of_subject(held["hash"])
    assert stored.status == RequestStatus.COMPLETED
    assert stored.email is None and stored.changes == {}


def test_erasure_also_clears_the_address_from_the_subjects_other_open_requests(held):
    request("access")
    verify_last("erasure")

    statuses = sorted(r.status for r in RequestRepository().of_subject(held["hash"]))
    assert statuses == [RequestStatus.CANCELLED, RequestStatus.COMPLETED]
    assert all(r.email is None for r in RequestRepository().of_subject(held["hash"]))


def test_confirming_twice_carries_the_request_out_once(held):
    request("access")
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/confirm")

    first, second = confirm(token), confirm(token)

    assert first["statusCode"] == second["statusCode"] == 200
    assert "already" in second["body"]
    exports = [m for m in messages_to(ADDRESS) if "/subject-requests/export" in m.raw_data]
    assert len(exports) == 1


@pytest.mark.promise("rights.access")
def test_access_export_holds_both_accounts_contacts_consent_records_and_events(held):
    verify_last("access")
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/export")

    response = call(api_event("GET", "/subject-requests/export", query={"token": token}))

    assert response["statusCode"] == 200
    assert headers_of(response)["Content-Type"] == "application/json"
    export = json.loads(response["body"])
    assert export["accounts"] == list(ACCOUNTS)
    assert export["email"] == ADDRESS
    assert sorted(c["account_id"] for c in export["contacts"]) == list(ACCOUNTS)
    for contact in export["contacts"]:
        assert contact["first_name"] == "Grace" and contact["list_name"].startswith("News of")
        # The send marker is the record of the send and of the open (its first time).
        [send] = contact["events"]
        assert send["record"] == "send"
        assert send["campaign_id"].startswith("campaign-") and send["opened_at"]
    assert len(export["consent_records"]) == 4
    assert {r["account_id"] for r in export["consent_records"]} == set(ACCOUNTS)
    assert export["suppressions"] == [
        {
            "scope": "account",
            "account_id": "account-a",
            "reason": "bounce",
            "at": export["suppressions"][0]["at"],
        }
    ]
    assert [r["type"] for r in export["subject_requests"]] == ["access"]
    # Access changes nothing, and both account holders are told it happened.
    assert len(ContactRepository().with_email_hash(held["hash"], now())) == 2
    for account_id in ACCOUNTS:
        [notice] = AccountRepository().notifications(account_id, now())
        assert notice.data["request_type"] == "access"


def test_the_export_link_expires_after_7_days(held):
    verify_last("access")
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/export")

    with time_machine.travel(now() + timedelta(days=7, seconds=1), tick=False):
        response = call(api_event("GET", "/subject-requests/export", query={"token": token}))

    assert response["statusCode"] == 400
    assert headers_of(response)["Content-Type"] == "application/problem+json"


def test_an_unknown_address_gets_an_empty_export(aws):
    verify_last("access", "nobody.here@example.net")
    token = link_in(messages_to("nobody.here@example.net")[-1], "/subject-requests/export")

    export = json.loads(call(api_event("GET", "/subject-requests/export", query={"token": token}))["body"])

    assert export["contacts"] == [] and export["consent_records"] == [] and export["email"] is None


@pytest.mark.promise("rights.rectification")
def test_rectification_changes_every_contact_and_records_it_in_the_ledger(held):
    changes = {"last_name": "Hopper", "attributes": {"city": None, "rank": "Rear Admiral"}}

    assert verify_last("rectification", changes=changes)["statusCode"] == 200

    for contact in ContactRepository().with_email_hash(held["hash"], now()):
        assert (contact.first_name, contact.last_name) == ("Grace", "Hopper")
        assert contact.attributes == {"rank": "Rear Admiral"}
    records = ConsentRepository().of_email_hash(held["hash"], now())
    rectified = [r for r in records if r.action == ConsentAction.RECTIFIED]
    assert sorted(r.account_id for r in rectified) == list(ACCOUNTS)
    for account_id in ACCOUNTS:
        [notice] = AccountRepository().notifications(account_id, now())
        assert notice.data["request_type"] == "rectification"


def test_rectification_with_sensitive_data_is_refused_without_echoing_it(aws):
    response = request("rectification", changes={"attributes": {"card": "4111 1111 1111 1111"}})

    assert response["statusCode"] == 422
    assert "4111" not in response["body"]


def test_requests_of_an_erased_address_find_nothing_but_still_answer_the_same(held):
    verify_last("erasure")

    assert request("access")["statusCode"] == 202
    token = link_in(messages_to(ADDRESS)[-1], "/subject-requests/confirm")
    assert confirm(token)["statusCode"] == 200


@pytest.mark.promise("rights.verified_requests")
def test_nothing_is_looked_up_before_the_address_is_verified(held, monkeypatch):
    """Known and unknown addresses take the same path: no read of the data held about them."""
    from consentmail.store.subject_data import SubjectDataRepository

    def refuse(*_args, **_kwargs):
        raise AssertionError("looked up before verification")

    for name in ("contacts", "held", "contact_items", "consent_items", "event_items", "suppression_items"):
        monkeypatch.setattr(SubjectDataRepository, name, refuse)
    monkeypatch.setattr(ContactRepository, "with_email_hash", refuse)

    assert request("erasure")["statusCode"] == 202
    assert request("access", "nobody.here@example.net")["statusCode"] == 202


def test_received_time_is_the_clock_so_due_dates_follow_it(aws):
    moment = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        request("access")
    [stored] = RequestRepository().of_subject(email_hash(ADDRESS))
    assert stored.due_at == datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
