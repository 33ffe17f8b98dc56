"""The GDPR and retention promises in local mode, through real HTTP as a person, an account holder
and the operator's `POST /_local/jobs/purge` would use them: an address held by two accounts is
exported and then erased everywhere; a sent campaign's content and events go on time; a closed
account leaves nothing after its deletion_due."""

import email
import json
import re
import uuid
from datetime import timedelta
from email.policy import default as default_policy

import pytest

from consentmail.core.clock import iso, now, parse_iso
from consentmail.core.retention import add_months
from tests.local import flows
from tests.local.local_client import LocalClient
from tests.stored_items import holding

PROOF = {"source": "event sign-up sheet", "obtained_at": "2026-11-01T00:00:00Z", "text": "Send me news"}


def text_of(raw: str) -> str:
    return (
        email.message_from_string(raw, policy=default_policy)
        .get_body(preferencelist=("plain",))
        .get_content()
    )


def link_to(client: LocalClient, address: str, path: str) -> str:
    for sent in client.get("/_local/outbox", query={"to": address}).json():
        found = re.search(rf"https?://\S+{path}\?token=\S+", text_of(sent["raw"]))
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link sent to the address")


def sign_up(client: LocalClient, owner: str) -> dict:
    return flows.sign_up(client, owner, first_name="Dorothy", last_name="Vaughan")


def list_with(client: LocalClient, account: dict, name: str, address: str) -> dict:
    list_id = client.post_json(
        "/lists", {"name": name, "from_email": "news@example.com", "from_name": name}, account["auth"]
    ).json()["list_id"]
    added = client.post_json(
        f"/lists/{list_id}/contacts",
        {"email": address, "first_name": "Katherine", "consent": PROOF},
        account["auth"],
    )
    assert added.status == 201, added.text
    return {"list_id": list_id, "contact_id": added.json()["contact_id"]}


def send_campaign(client: LocalClient, local_mode, account: dict, list_id: str, subject: str) -> str:
    return flows.send_campaign(client, local_mode, account["auth"], list_id, subject)


def purge_as(client: LocalClient, moment) -> dict:
    answer = flows.run_purge(client, iso(moment))
    assert answer.status == 200, answer.text
    return answer.json()


@pytest.fixture
def tag() -> str:
    """Each test's own names (subject, owners, subjects of campaigns), so no test sees another's
    request, export or erasure, whatever order they run in."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def subject(tag) -> str:
    """The data subject (capitals: addresses match case-insensitively)."""
    return f"Katherine.Johnson.{tag}@example.org"


@pytest.fixture
def two_accounts(local_mode, local_client, tag, subject) -> dict:
    """The subject on a list of each of two accounts, and a campaign each sent to them."""
    accounts = {}
    for owner, name in (
        (f"first-owner-{tag}@example.org", "First News"),
        (f"second-owner-{tag}@example.org", "Second News"),
    ):
        account = sign_up(local_client, owner)
        held = list_with(local_client, account, name, subject)
        held["campaign_id"] = send_campaign(
            local_client, local_mode, account, held["list_id"], f"{name} issue 1 to {tag}"
        )
        accounts[owner] = {**account, **held, "list_name": name}
    return accounts


@pytest.mark.promise("rights.access")
def test_an_access_export_holds_both_accounts_data_and_consent_records(two_accounts, subject, local_client):
    assert local_client.post_json("/subject-requests", {"email": subject, "type": "access"}).status == 202
    confirm = link_to(local_client, subject, "/subject-requests/confirm")
    assert local_client.get(confirm).status == 200
    assert local_client.post_form(confirm, {}).status == 200

    export = local_client.get(link_to(local_client, subject, "/subject-requests/export"))

    assert export.status == 200 and export.content_type == "application/json"
    data = export.json()
    expected = sorted(a["account_id"] for a in two_accounts.values())
    assert data["accounts"] == expected
    assert sorted(c["account_id"] for c in data["contacts"]) == expected
    assert {c["list_name"] for c in data["contacts"]} == {"First News", "Second News"}
    assert all(c["events"] for c in data["contacts"]), "each contact was sent a campaign"
    assert {r["account_id"] for r in data["consent_records"]} == set(expected)


@pytest.mark.promise("rights.erasure")
def test_an_erasure_leaves_no_item_with_the_address_and_both_holders_see_the_notice(
    two_accounts, subject, local_client
):
    assert local_client.post_json("/subject-requests", {"email": subject, "type": "erasure"}).status == 202
    # The access request's link came first; the erasure's is the newest one.
    sent = local_client.get("/_local/outbox", query={"to": subject}).json()
    confirm = next(
        m.group(0)
        for e in sent
        if "erasure" in text_of(e["raw"])
        for m in [re.search(r"https?://\S+/subject-requests/confirm\?token=\S+", text_of(e["raw"]))]
        if m
    )

    assert local_client.post_form(confirm, {}).status == 200

    assert holding(subject) == []
    for account in two_accounts.values():
        assert holding(account["contact_id"]) == []
        notices = local_client.get("/account/notifications", headers=account["auth"])
        assert notices.status == 200, notices.text
        erasures = [n for n in _items(notices.json()) if n["data"].get("request_type") == "erasure"]
        assert len(erasures) == 1
        assert erasures[0]["data"]["lists"] == [{"list_id": account["list_id"], "name": account["list_name"]}]
        assert subject.lower() not in json.dumps(erasures[0]).lower()


def _items(body) -> list[dict]:
    return body["items"] if isinstance(body, dict) and "items" in body else body


@pytest.mark.promise("retention.content.6d", "retention.events.13m")
def test_a_sent_campaigns_content_goes_at_7_days_and_its_events_and_statistics_at_13_months_and_2_days(
    local_mode, local_client
):
    account = sign_up(local_client, "third-owner@example.org")
    held = list_with(local_client, account, "Third News", "reader.three@example.org")
    campaign_id = send_campaign(local_client, local_mode, account, held["list_id"], "Third News issue 1")
    stats_before = local_client.get(f"/campaigns/{campaign_id}/stats", headers=account["auth"]).json()
    assert stats_before["sent"] == 1
    assert holding(held["contact_id"]), "the send left a marker and events"

    purge_as(local_client, now() + timedelta(days=7))

    campaign = local_client.get(f"/campaigns/{campaign_id}", headers=account["auth"]).json()
    assert campaign["content_expired"] is True and campaign["html"] is None
    assert [t for t, _ in holding(campaign_id) if t.endswith("content")] == []
    assert local_client.get(f"/campaigns/{campaign_id}/stats", headers=account["auth"]).json() == stats_before

    purge_as(local_client, add_months(now(), 13) + timedelta(days=2))

    assert [t for t, _ in holding(held["contact_id"]) if t.endswith("events")] == []
    # Statistics are event data: they went with the events they counted, and the report says why.
    stats_after = local_client.get(f"/campaigns/{campaign_id}/stats", headers=account["auth"]).json()
    # (`statistics_expired` is read at the route's own clock, which this purge-in-the-future did not move.)
    assert stats_after["sent"] == stats_after["delivered"] == 0


@pytest.mark.promise("retention.account.3m")
def test_a_closed_account_leaves_no_item_after_its_deletion_due(local_mode, local_client):
    account = sign_up(local_client, "fourth-owner@example.org")
    held = list_with(local_client, account, "Fourth News", "reader.four@example.org")
    send_campaign(local_client, local_mode, account, held["list_id"], "Fourth News issue 1")
    closed = local_client.request("DELETE", "/account", headers=account["auth"])
    assert closed.status == 202, closed.text
    deletion_due = parse_iso(closed.json()["deletion_due"])

    summary = purge_as(local_client, max(deletion_due, now()) + timedelta(days=1))

    assert summary["accounts_finished"] >= 1
    for value in (account["account_id"], held["list_id"], held["contact_id"], "fourth-owner@example.org"):
        assert holding(value) == [], value
