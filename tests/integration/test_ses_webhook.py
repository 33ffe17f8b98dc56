"""POST /webhooks/ses, the SNS HTTP endpoint: verified messages are processed like the SNS-invoked
function's, subscriptions are confirmed only after verification, anything unverified is refused
with 403 and changes nothing; a certificate SNS cannot serve asks SNS to retry."""

import json
from datetime import timedelta

import pytest
import time_machine

import functions.ses_webhook.handler as webhook_function
from consentmail.composition import ses_webhook as webhook_services
from consentmail.core.clock import now
from consentmail.core.records import ContactStatus
from consentmail.ses_events.sns_verify import FETCH_FAILURE_KEPT, SnsVerifier
from consentmail.ses_events.webhook import SesWebhook
from consentmail.store.contacts import ContactRepository
from tests.http_events import FakeContext, headers_of, load_event
from tests.sns_signing import CERT_URL, FakeSns, iso_ms, new_key, sign
from tests.tracking_helpers import sent_to, ses_event, totals


@pytest.fixture
def sns(aws, monkeypatch) -> FakeSns:
    fake = FakeSns()
    verifier = SnsVerifier([aws.ses_topic_arn], ["eu-west-3"], fetch=fake.fetch)
    webhook = SesWebhook(verifier)
    monkeypatch.setattr(webhook_services, "webhook", lambda: webhook)
    return fake


@pytest.fixture
def reader(demo_list):
    return sent_to(demo_list, "reader@example.org", tracking=True)


def sns_message(aws, ses: dict | None = None, template: str = "sns_notification", **changes) -> dict:
    message = {
        **load_event(template),
        "TopicArn": aws.ses_topic_arn,
        "Timestamp": iso_ms(now() - timedelta(seconds=3)),
        **changes,
    }
    if ses is not None:
        message["Message"] = json.dumps(ses)
    if template == "sns_subscription_confirmation":
        message["SubscribeURL"] = (
            f"https://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription&TopicArn={aws.ses_topic_arn}&Token=abc"
        )
    return message


def post(message: dict | str, message_type: str | None = None) -> dict:
    event = load_event("webhook_ses")
    body = message if isinstance(message, str) else json.dumps(message)
    event["body"] = body
    kind = message_type or (message.get("Type") if isinstance(message, dict) else "Notification")
    event["headers"]["x-amz-sns-message-type"] = kind
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return webhook_function.handler(event, FakeContext())


def status(contact) -> ContactStatus:
    return ContactRepository().get(contact.list_id, contact.contact_id, now()).status


def test_a_verified_bounce_notification_suppresses_the_address(aws, sns, reader):
    response = post(sign(sns_message(aws, ses_event("ses_bounce_permanent", reader)), sns.key))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "processed"}
    assert status(reader) == ContactStatus.BOUNCED and totals()["bounced"] == 1


def test_the_same_notification_delivered_twice_counts_once(aws, sns, reader):
    message = sign(sns_message(aws, ses_event("ses_delivery", reader)), sns.key)

    assert post(message)["statusCode"] == 200
    assert post(message)["statusCode"] == 200
    assert totals()["delivered"] == 1


def test_identity_notifications_are_processed_too(aws, sns, demo_list):
    from tests.sending_helpers import add_contact

    contact = add_contact(demo_list, "recipient@example.org")

    response = post(sign(sns_message(aws, load_event("ses_notification_complaint")), sns.key, "1"))

    assert response["statusCode"] == 200 and status(contact) == ContactStatus.COMPLAINED


@pytest.mark.promise("webhook.verified")
def test_a_forged_notification_is_refused_with_403_and_changes_nothing(aws, sns, reader):
    response = post(sign(sns_message(aws, ses_event("ses_complaint", reader)), new_key()))

    assert response["statusCode"] == 403
    assert headers_of(response)["Content-Type"] == "application/problem+json"
    assert status(reader) == ContactStatus.CONFIRMED and totals()["complained"] == 0


def test_a_tampered_notification_is_refused(aws, sns, reader):
    message = sign(sns_message(aws, ses_event("ses_delivery", reader)), sns.key)
    message["Message"] = json.dumps(ses_event("ses_complaint", reader))

    assert post(message)["statusCode"] == 403
    assert status(reader) == ContactStatus.CONFIRMED


def test_a_replayed_old_notification_is_refused(aws, sns, reader):
    old = iso_ms(now() - timedelta(hours=3))
    message = sign(sns_message(aws, ses_event("ses_complaint", reader), Timestamp=old), sns.key)

    assert post(message)["statusCode"] == 403
    assert status(reader) == ContactStatus.CONFIRMED


def test_a_certificate_url_off_the_sns_host_is_refused_without_fetching(aws, sns, reader):
    url = "https://sns.s3-eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
    message = sign(sns_message(aws, ses_event("ses_complaint", reader), SigningCertURL=url), sns.key)

    assert post(message)["statusCode"] == 403
    assert sns.fetched == []


@pytest.mark.promise("webhook.verified")
def test_a_topic_we_did_not_configure_is_refused(aws, sns, reader):
    message = sign(
        sns_message(aws, ses_event("ses_complaint", reader), TopicArn="arn:aws:sns:eu-west-3:999999999999:x"),
        sns.key,
    )

    assert post(message)["statusCode"] == 403
    assert sns.fetched == []


@pytest.mark.parametrize("body", ["", "not json", "[]", "{}"])
def test_a_body_that_is_not_an_sns_message_is_refused(aws, sns, body):
    assert post(body)["statusCode"] == 403


def test_a_header_that_contradicts_the_message_type_is_refused(aws, sns, reader):
    message = sign(sns_message(aws, ses_event("ses_delivery", reader)), sns.key)

    assert post(message, "SubscriptionConfirmation")["statusCode"] == 403


def test_an_unreachable_certificate_answers_403_and_is_not_fetched_on_every_request(aws, sns, reader):
    sns.fail = True
    message = sign(sns_message(aws, ses_event("ses_complaint", reader)), sns.key)

    answers = [post(message)["statusCode"] for _ in range(10)]

    assert answers == [403] * 10
    assert len(sns.fetched) == 1
    assert status(reader) == ContactStatus.CONFIRMED


def test_forged_notifications_with_a_well_formed_certificate_url_fetch_the_certificate_once(aws, sns, reader):
    # Issue 12, finding 13: a forger pointing at the genuine certificate URL gets 403 every time,
    # and each request does not make us fetch the certificate again (it is cached per URL).
    forged = sign(sns_message(aws, ses_event("ses_complaint", reader)), new_key())

    answers = [post(forged)["statusCode"] for _ in range(5)]

    assert answers == [403] * 5
    assert sns.fetched == [CERT_URL]
    assert status(reader) == ContactStatus.CONFIRMED and totals()["complained"] == 0


def test_a_certificate_that_could_not_be_fetched_is_tried_again_once_the_failure_is_old(aws, sns, reader):
    sns.fail = True
    message = sign(sns_message(aws, ses_event("ses_delivery", reader)), sns.key)
    assert post(message)["statusCode"] == 403
    sns.fail = False

    # Within the failure's few minutes the URL is refused without fetching it again...
    assert post(message)["statusCode"] == 403
    assert len(sns.fetched) == 1
    # ...and once they are over, it is fetched again and the genuine message goes through.
    later = now() + FETCH_FAILURE_KEPT + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        fresh = sign(sns_message(aws, ses_event("ses_delivery", reader), Timestamp=iso_ms(later)), sns.key)
        assert post(fresh)["statusCode"] == 200
    assert len(sns.fetched) == 2


def test_a_verified_subscription_confirmation_is_confirmed(aws, sns):
    message = sign(sns_message(aws, template="sns_subscription_confirmation"), sns.key)

    response = post(message)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "confirmed"}
    assert sns.fetched[-1] == message["SubscribeURL"]


def test_an_unverified_subscription_confirmation_is_never_confirmed(aws, sns):
    message = sign(sns_message(aws, template="sns_subscription_confirmation"), new_key())

    assert post(message)["statusCode"] == 403
    assert not any("ConfirmSubscription" in url for url in sns.fetched)


@pytest.mark.promise("http.no_cookies")
def test_no_response_sets_a_cookie(aws, sns, reader):
    for response in (post("{}"), post(sign(sns_message(aws, ses_event("ses_send", reader)), sns.key))):
        assert "set-cookie" not in {name.lower() for name in headers_of(response)}
