"""The /campaigns routes through the campaign router (as the accounts function includes it),
against moto: CRUD, ownership, content expiry, the sensitive-data guard and a send that starts once."""

import copy
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import time_machine

import functions.accounts.campaign_routes as campaign_routes
from consentmail.core.records import MailingList
from consentmail.store.lists import ListRepository
from consentmail.web.api import make_resolver
from tests.accounts_helpers import open_account
from tests.http_events import FakeContext, api_event, headers_of, load_event

OWNER = {"sub": "account-demo"}
STRANGER = {"sub": "account-other"}
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BODY = {"list_id": "list-demo", "subject": "Autumn news", "html": "<p>Hello</p>", "text": "Hello"}


@pytest.fixture
def app(aws, demo_list, monkeypatch):
    open_account(OWNER["sub"])
    open_account(STRANGER["sub"])
    resolver = make_resolver()
    resolver.include_router(campaign_routes.router)
    return resolver


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def call(app, method, path, claims=OWNER, body=None):
    parts = path.strip("/").split("/")
    params, resource = None, path
    if len(parts) >= 2:
        params = {"campaign_id": parts[1]}
        resource = "/campaigns/{campaign_id}" + ("/send" if path.endswith("/send") else "")
    response = app.resolve(
        api_event(method, path, body=body, claims=claims, resource=resource, path_params=params),
        FakeContext(),
    )
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def create(app, **changes):
    status, body = call(app, "POST", "/campaigns", body={**BODY, **changes})
    assert status == 201, body
    return body


def fanout_messages(aws) -> list[dict]:
    sqs = boto3.client("sqs", region_name="eu-west-3")
    url = aws.environment["CONSENTMAIL_FANOUT_QUEUE_URL"]
    found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in found]


def test_create_answers_201_with_the_campaign_as_a_draft(app, clock):
    campaign = create(app)

    assert campaign == {
        "campaign_id": campaign["campaign_id"],
        "list_id": "list-demo",
        "subject": "Autumn news",
        "html": "<p>Hello</p>",
        "text": "Hello",
        "status": "draft",
        "content_expired": False,
        "created_at": "2026-11-20T09:00:00Z",
        "scheduled_at": None,
        "sent_at": None,
    }


def test_sample_create_event_is_accepted(app, clock):
    event = copy.deepcopy(load_event("campaigns_create"))

    response = app.resolve(event, FakeContext())

    assert response["statusCode"] == 201
    assert json.loads(response["body"])["text"] is None


def test_get_list_patch_delete_round_trip(app, clock):
    campaign = create(app)
    cid = campaign["campaign_id"]

    assert call(app, "GET", f"/campaigns/{cid}") == (200, campaign)
    status, listing = call(app, "GET", "/campaigns")
    assert status == 200 and [c["campaign_id"] for c in listing["items"]] == [cid]

    status, patched = call(app, "PATCH", f"/campaigns/{cid}", body={"subject": "Winter news"})
    assert status == 200 and patched["subject"] == "Winter news" and patched["html"] == "<p>Hello</p>"

    assert call(app, "DELETE", f"/campaigns/{cid}")[0] == 204
    assert call(app, "GET", f"/campaigns/{cid}")[0] == 404


@pytest.mark.promise("accounts.isolation")
def test_another_accounts_campaign_answers_404_like_an_unknown_one(app, clock):
    cid = create(app)["campaign_id"]

    for method, path, body in (
        ("GET", f"/campaigns/{cid}", None),
        ("PATCH", f"/campaigns/{cid}", {"subject": "Mine now"}),
        ("DELETE", f"/campaigns/{cid}", None),
        ("POST", f"/campaigns/{cid}/send", None),
    ):
        status, problem = call(app, method, path, claims=STRANGER, body=body)
        assert status == 404 and problem == call(app, "GET", "/campaigns/unknown", claims=STRANGER)[1]
    assert call(app, "GET", "/campaigns", claims=STRANGER)[1] == {"items": []}
    assert call(app, "GET", f"/campaigns/{cid}")[1]["subject"] == "Autumn news"


def test_a_list_of_another_account_is_refused(app, clock):
    ListRepository().create(
        MailingList(
            list_id="list-other",
            account_id="account-other",
            name="Other",
            from_email="o@example.com",
            created_at=NOW,
        )
    )

    status, problem = call(app, "POST", "/campaigns", body={**BODY, "list_id": "list-other"})

    assert status == 422 and problem["errors"] == [{"field": "list_id", "message": "no such list"}]


def test_invalid_bodies_answer_422_problems(app, clock):
    for body in ({**BODY, "subject": ""}, {"list_id": "list-demo"}, {**BODY, "subject": "a\r\nBcc: x@y.z"}):
        status, problem = call(app, "POST", "/campaigns", body=body)
        assert status == 422 and problem["status"] == 422


@pytest.mark.promise("sensitive_data.refused")
def test_sensitive_data_in_content_is_refused_naming_field_and_category(app, clock):
    status, problem = call(app, "POST", "/campaigns", body={**BODY, "text": "Card 4111 1111 1111 1111"})

    assert status == 422
    assert problem["errors"][0]["field"] == "text" and "card" in problem["errors"][0]["message"]
    assert "4111" not in json.dumps(problem)


def test_unauthenticated_calls_answer_401(app, clock):
    event = api_event("GET", "/campaigns")

    assert app.resolve(event, FakeContext())["statusCode"] == 401


def test_a_closed_or_unknown_account_opens_nothing(app, clock):
    assert call(app, "GET", "/campaigns", claims={"sub": "account-never-opened"})[0] == 401


@pytest.mark.promise("retention.content.6d")
def test_content_expires_six_days_after_creation(app, clock):
    cid = create(app)["campaign_id"]

    clock.shift(timedelta(days=6) - timedelta(seconds=1))
    assert call(app, "GET", f"/campaigns/{cid}")[1]["content_expired"] is False
    clock.shift(timedelta(seconds=1))
    status, campaign = call(app, "GET", f"/campaigns/{cid}")

    assert status == 200
    assert campaign["content_expired"] is True
    assert (campaign["subject"], campaign["html"], campaign["text"]) == (None, None, None)


@pytest.mark.promise("retention.content.6d")
def test_an_edit_restarts_the_six_days(app, clock):
    cid = create(app)["campaign_id"]
    clock.shift(timedelta(days=5))
    call(app, "PATCH", f"/campaigns/{cid}", body={"text": "Hello again"})

    clock.shift(timedelta(days=5))

    assert call(app, "GET", f"/campaigns/{cid}")[1]["content_expired"] is False


@pytest.mark.promise("retention.content.6d")
def test_send_start_restarts_the_six_days(app, clock):
    cid = create(app)["campaign_id"]
    clock.shift(timedelta(days=5))
    assert call(app, "POST", f"/campaigns/{cid}/send")[0] == 202

    clock.shift(timedelta(days=5))
    assert call(app, "GET", f"/campaigns/{cid}")[1]["content_expired"] is False
    clock.shift(timedelta(days=1))
    assert call(app, "GET", f"/campaigns/{cid}")[1]["content_expired"] is True


def test_expired_content_cannot_be_sent_and_an_edit_needs_it_whole(app, clock):
    cid = create(app)["campaign_id"]
    clock.shift(timedelta(days=7))

    status, problem = call(app, "POST", f"/campaigns/{cid}/send")
    assert status == 409 and "expired" in problem["detail"]
    assert call(app, "PATCH", f"/campaigns/{cid}", body={"subject": "New"})[0] == 422

    status, campaign = call(app, "PATCH", f"/campaigns/{cid}", body={"subject": "New", "html": "<p>New</p>"})
    assert status == 200 and campaign["content_expired"] is False and campaign["text"] is None


def test_send_answers_202_sending_and_enqueues_one_fanout(app, clock, aws):
    cid = create(app)["campaign_id"]

    assert call(app, "POST", f"/campaigns/{cid}/send") == (202, {"status": "sending"})

    campaign = call(app, "GET", f"/campaigns/{cid}")[1]
    assert campaign["status"] == "sending" and campaign["sent_at"] == "2026-11-20T09:00:00Z"
    assert fanout_messages(aws) == [{"campaign_id": cid, "account_id": "account-demo"}]


def test_a_repeated_send_answers_202_and_starts_nothing_again(app, clock, aws):
    cid = create(app)["campaign_id"]
    call(app, "POST", f"/campaigns/{cid}/send")

    for _ in range(3):
        assert call(app, "POST", f"/campaigns/{cid}/send") == (202, {"status": "sending"})

    assert len(fanout_messages(aws)) == 1


def test_a_campaign_being_sent_cannot_be_changed(app, clock):
    cid = create(app)["campaign_id"]
    call(app, "POST", f"/campaigns/{cid}/send")

    status, problem = call(app, "PATCH", f"/campaigns/{cid}", body={"subject": "Too late"})

    assert status == 409 and problem["title"] == "Conflict"


def test_campaign_responses_are_json(app, clock):
    event = api_event("POST", "/campaigns", body=BODY, claims=OWNER)

    response = app.resolve(event, FakeContext())

    assert headers_of(response)["Content-Type"] == "application/json"


def test_the_accounts_function_serves_the_campaign_routes(app, clock):
    from functions.accounts.handler import handler

    created = handler(load_event("campaigns_create"), FakeContext())
    cid = json.loads(created["body"])["campaign_id"]
    event = load_event("campaigns_send")
    event["path"] = event["requestContext"]["path"] = f"/campaigns/{cid}/send"
    event["pathParameters"] = {"campaign_id": cid}

    sent = handler(event, FakeContext())

    assert created["statusCode"] == 201
    assert (sent["statusCode"], json.loads(sent["body"])) == (202, {"status": "sending"})
