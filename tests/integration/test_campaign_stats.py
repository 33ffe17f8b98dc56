"""GET /campaigns/{campaign_id}/stats through the accounts function: a campaign's journey from
send to SES events to opens, clicks and unsubscribes, as its owner sees it; anyone else gets 404."""

import json

import pytest

from consentmail.core.clock import now
from consentmail.core.links import unsubscribe_url
from functions.accounts.handler import handler
from functions.ses_events.handler import handler as ses_events
from functions.subscription.handler import handler as subscription
from functions.tracking.handler import handler as tracking
from tests.accounts_helpers import call, create_list, open_account, signed_in
from tests.http_events import FakeContext, api_event, load_event
from tests.tracking_helpers import (
    click_token,
    create_campaign,
    open_token,
    sent_to,
    ses_event,
    sqs_lambda_event,
)

LINK = "https://shop.example.com/autumn"


def stats(campaign_id: str, account_id: str = "account-demo") -> dict:
    event = load_event("campaigns_stats")
    event["path"] = f"/campaigns/{campaign_id}/stats"
    event["pathParameters"] = {"campaign_id": campaign_id}
    event["requestContext"]["authorizer"]["claims"]["sub"] = account_id
    return handler(event, FakeContext())


def track(kind: str, token: str) -> dict:
    event = api_event(
        "GET", f"/t/{kind}/{token}", resource=f"/t/{kind}/{{token}}", path_params={"token": token}
    )
    return tracking(event, FakeContext())


@pytest.fixture
def campaign(demo_list):
    open_account("account-demo")
    open_account("account-other")
    return create_campaign(demo_list)


def test_a_new_campaign_has_all_zero_stats(campaign):
    response = stats(campaign.campaign_id)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "recipients": 0,
        "sent": 0,
        "failed": 0,
        "failures": [],
        "statistics_expired": False,
        "delivered": 0,
        "bounced": 0,
        "complained": 0,
        "tracked": 0,
        "opened": 0,
        "clicked": 0,
        "unsubscribed": 0,
        "machine_opens": 0,
        "open_rate": 0.0,
        "click_rate": 0.0,
        "bounce_rate": 0.0,
        "complaint_rate": 0.0,
        "unsubscribe_rate": 0.0,
    }


@pytest.mark.promise("statistics.counted")
def test_stats_follow_deliveries_bounces_complaints_opens_clicks_and_unsubscribes(demo_list, campaign):
    readers = [sent_to(demo_list, f"reader{n}@example.org", tracking=n < 2) for n in range(4)]
    bouncer = sent_to(demo_list, "bounce@simulator.amazonses.com")
    messages = [ses_event("ses_delivery", reader) for reader in readers]
    messages += [ses_event("ses_bounce_permanent", bouncer), ses_event("ses_complaint", readers[3])]
    ses_events(sqs_lambda_event(*messages), FakeContext())
    ses_events(sqs_lambda_event(*messages), FakeContext())  # redelivered: nothing moves twice
    track("o", open_token(readers[0]))
    track("o", open_token(readers[0]))
    track("c", click_token(readers[1], LINK))
    track("o", open_token(readers[2]))  # no tracking consent: not counted
    unsubscribe = api_event(
        "POST", "/unsubscribe", query={"token": unsubscribe_url(readers[2], now()).split("=")[1]}
    )
    subscription(unsubscribe, FakeContext())

    body = json.loads(stats(campaign.campaign_id)["body"])

    assert body["recipients"] == body["sent"] == 5
    assert body["delivered"] == 4 and body["bounced"] == 1 and body["complained"] == 1
    assert body["tracked"] == 2 and body["opened"] == 2 and body["clicked"] == 1
    assert body["unsubscribed"] == 1 and body["machine_opens"] == 0
    assert body["open_rate"] == 1.0 and body["click_rate"] == 0.5
    assert body["bounce_rate"] == 0.2
    assert body["complaint_rate"] == 0.25 and body["unsubscribe_rate"] == 0.25


def test_another_accounts_campaign_answers_404_like_an_unknown_one(campaign):
    assert stats(campaign.campaign_id, account_id="account-other")["statusCode"] == 404
    assert stats("no-such-campaign")["statusCode"] == 404


def test_stats_need_a_signed_in_caller(campaign):
    event = load_event("campaigns_stats")
    event["pathParameters"] = {"campaign_id": campaign.campaign_id}
    event["path"] = f"/campaigns/{campaign.campaign_id}/stats"
    del event["requestContext"]["authorizer"]

    assert handler(event, FakeContext())["statusCode"] == 401


def test_a_closed_accounts_still_valid_token_gets_the_same_401_on_stats_as_on_other_routes(aws):
    # Given an account holder with a campaign, who closes the account while their ID token is
    # still valid (up to an hour)
    owner = signed_in("closing@example.com")
    list_id = create_list(owner)["list_id"]
    body = {"list_id": list_id, "subject": "Autumn news", "html": "<p>Hello</p>", "text": "Hello"}
    campaign_id = call("POST", "/campaigns", claims=owner, body=body).json()["campaign_id"]
    assert call("GET", f"/campaigns/{campaign_id}/stats", claims=owner).status == 200
    assert call("DELETE", "/account", claims=owner).status == 202

    # When that token asks for the campaign's statistics
    refused = call("GET", f"/campaigns/{campaign_id}/stats", claims=owner)

    # Then it gets the 401 every other account route gives a closed account, word for word
    campaign_route = call("GET", f"/campaigns/{campaign_id}", claims=owner)
    assert refused.status == campaign_route.status == 401
    assert refused.text == campaign_route.text
