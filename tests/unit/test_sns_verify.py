"""The SNS signature verifier, offline: our own key and certificate behind an injected fetcher."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from consentmail.ses_events.sns_verify import SnsRejected, SnsUnavailable, SnsVerifier, string_to_sign
from tests.http_events import load_event
from tests.sns_signing import CERT_URL, REGION, FakeSns, canonical, certificate_pem, iso_ms, new_key, sign

TOPIC = f"arn:aws:sns:{REGION}:123456789012:consentmail-ses-events"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def sns() -> FakeSns:
    return FakeSns()


@pytest.fixture
def verifier(sns) -> SnsVerifier:
    return SnsVerifier([TOPIC], [REGION, "eu-west-1"], fetch=sns.fetch)


def notification(**changes) -> dict:
    message = {**load_event("sns_notification"), "Timestamp": iso_ms(NOW - timedelta(seconds=5))}
    message.update(changes)
    return message


def confirmation(**changes) -> dict:
    message = {**load_event("sns_subscription_confirmation"), "Timestamp": iso_ms(NOW - timedelta(seconds=5))}
    message.update(changes)
    return message


# -- valid messages -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_signed_by_sns_verifies_in_both_signature_versions(verifier, sns, version):
    message = sign(notification(), sns.key, version)

    assert verifier.verify(message, NOW) is message
    assert sns.fetched == [CERT_URL]


def test_a_notification_with_a_subject_signs_the_subject_too(verifier, sns):
    message = sign(notification(Subject="Amazon SES Email Event Notification"), sns.key)

    assert verifier.verify(message, NOW)
    with pytest.raises(SnsRejected):
        verifier.verify({**message, "Subject": "another subject"}, NOW)


def test_the_string_to_sign_follows_aws_field_order_per_message_type():
    message = notification()
    assert string_to_sign(message) == canonical(message)
    assert string_to_sign(message).decode().split("\n")[::2][:-1] == [
        "Message",
        "MessageId",
        "Timestamp",
        "TopicArn",
        "Type",
    ]
    confirm = confirmation(Message="You have chosen to subscribe.")
    assert string_to_sign(confirm) == canonical(confirm)
    assert string_to_sign(confirm).decode().split("\n")[::2][:-1] == [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ]


def test_the_certificate_is_fetched_once_and_cached(verifier, sns):
    verifier.verify(sign(notification(), sns.key), NOW)
    verifier.verify(sign(notification(MessageId="another"), sns.key), NOW)

    assert sns.fetched == [CERT_URL]


def test_a_verified_subscription_confirmation_is_confirmed_by_its_subscribe_url(verifier, sns):
    message = verifier.verify(sign(confirmation(), sns.key), NOW)
    verifier.confirm_subscription(message)

    assert sns.fetched == [CERT_URL, message["SubscribeURL"]]


# -- forged, tampered, replayed --------------------------------------------------------------


def test_a_message_signed_by_another_key_is_rejected(verifier):
    with pytest.raises(SnsRejected):
        verifier.verify(sign(notification(), new_key()), NOW)


@pytest.mark.parametrize(
    "field, value",
    [
        ("Message", json.dumps({"eventType": "Complaint"})),
        ("MessageId", "00000000-0000-0000-0000-000000000000"),
        ("Timestamp", iso_ms(NOW - timedelta(seconds=1))),
        ("Type", "SubscriptionConfirmation"),
    ],
)
@pytest.mark.promise("webhook.verified")
def test_a_tampered_message_is_rejected(verifier, sns, field, value):
    message = sign(notification(), sns.key)

    with pytest.raises(SnsRejected):
        verifier.verify({**message, field: value}, NOW)


def test_a_replayed_old_message_is_rejected_even_with_a_valid_signature(verifier, sns):
    message = sign(notification(Timestamp=iso_ms(NOW - timedelta(hours=2))), sns.key)

    with pytest.raises(SnsRejected, match="replay"):
        verifier.verify(message, NOW)


def test_a_message_from_the_future_is_rejected(verifier, sns):
    with pytest.raises(SnsRejected):
        verifier.verify(sign(notification(Timestamp=iso_ms(NOW + timedelta(hours=1))), sns.key), NOW)


@pytest.mark.parametrize("version", ["3", "", None, 2, "1 "])
def test_only_signature_versions_1_and_2_are_accepted(verifier, sns, version):
    message = {**sign(notification(), sns.key), "SignatureVersion": version}

    with pytest.raises(SnsRejected):
        verifier.verify(message, NOW)
    assert sns.fetched == []


@pytest.mark.parametrize("signature", ["", "not base64!", None])
def test_a_missing_or_malformed_signature_is_rejected(verifier, sns, signature):
    with pytest.raises(SnsRejected):
        verifier.verify({**sign(notification(), sns.key), "Signature": signature}, NOW)


def test_a_topic_the_operator_did_not_configure_is_rejected_before_any_fetch(verifier, sns):
    other = f"arn:aws:sns:{REGION}:999999999999:attacker-topic"
    message = sign(notification(TopicArn=other), sns.key)

    with pytest.raises(SnsRejected, match="TopicArn"):
        verifier.verify(message, NOW)
    assert sns.fetched == []


@pytest.mark.parametrize("body", [None, [], "text", {"Type": "Notification"}])
def test_anything_but_an_sns_message_is_rejected(verifier, body):
    with pytest.raises(SnsRejected):
        verifier.verify(body, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        # An S3 bucket named "sns" matches the common `sns.*.amazonaws.com` pattern.
        "https://sns.s3-eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.s3.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-3.amazonaws.com.evil.example/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem",
        "https://evil-sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-3.amazonaws.co/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-3.amazonaws.com./SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://SNS.EU-WEST-3.AMAZONAWS.COM/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://evil.example/sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem",
        "https://evil.example/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://evil.example/?u=https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-1.pem",
        "https://sns.eu-west-3.amazonaws.com@evil.example/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem",
        "https://user:pw@sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec.pem",
        "https://sns.eu-west-3.amazonaws.com:8443/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-3.amazonaws.com/evil.pem",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-not-hex.pem",
        "https://sns.eu-west-3.amazonaws.com/x/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem/../evil.pem",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem?redirect=1",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem#x",
        "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd2301.pem\n",
        # A region we do not use, and a configured region that is not the topic's.
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "//sns.eu-west-3.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "",
        None,
    ],
)
@pytest.mark.promise("webhook.verified")
def test_a_forged_certificate_url_is_rejected_and_never_fetched(verifier, sns, url):
    message = sign(notification(SigningCertURL=url), sns.key)

    with pytest.raises(SnsRejected):
        verifier.verify(message, NOW)
    assert sns.fetched == []


def test_a_certificate_that_cannot_be_fetched_is_refused_and_not_fetched_again_for_a_while(sns):
    unreachable = FakeSns(key=sns.key, fail=True)
    verifier = SnsVerifier([TOPIC], [REGION], fetch=unreachable.fetch)
    message = sign(notification(), sns.key)

    for _ in range(20):
        with pytest.raises(SnsRejected, match="could not fetch|a moment ago"):
            verifier.verify(message, NOW)

    assert len(unreachable.fetched) == 1


def test_a_certificate_url_that_failed_is_fetched_again_once_the_failure_is_forgotten(sns):
    flaky = FakeSns(key=sns.key, pem=sns.pem, fail=True)
    verifier = SnsVerifier([TOPIC], [REGION], fetch=flaky.fetch)
    with pytest.raises(SnsRejected):
        verifier.verify(sign(notification(), sns.key), NOW)
    flaky.fail = False

    later = NOW + timedelta(minutes=6)
    assert verifier.verify(sign(notification(Timestamp=iso_ms(later - timedelta(seconds=5))), sns.key), later)


def test_an_expired_certificate_is_rejected(sns):
    key = new_key()
    old = datetime(2020, 1, 1, tzinfo=UTC)
    expired = FakeSns(key=key, pem=certificate_pem(key, old, old + timedelta(days=30)))
    verifier = SnsVerifier([TOPIC], [REGION], fetch=expired.fetch)

    with pytest.raises(SnsRejected, match="not valid now"):
        verifier.verify(sign(notification(), key), NOW)


def test_a_body_that_is_not_a_certificate_is_rejected(sns):
    verifier = SnsVerifier([TOPIC], [REGION], fetch=lambda url: b"<html>not a certificate</html>")

    with pytest.raises(SnsRejected):
        verifier.verify(sign(notification(), sns.key), NOW)


@pytest.mark.parametrize(
    "subscribe_url",
    [
        "https://evil.example/?Action=ConfirmSubscription&TopicArn=" + TOPIC,
        "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + TOPIC,
        "http://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + TOPIC,
        "https://sns.eu-west-3.amazonaws.com/other?Action=ConfirmSubscription&TopicArn=" + TOPIC,
        "https://sns.eu-west-3.amazonaws.com/?Action=Subscribe&TopicArn=" + TOPIC,
        "https://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:eu-west-3:1:x",
    ],
)
def test_a_subscription_whose_subscribe_url_is_not_the_topics_own_is_never_confirmed(
    verifier, sns, subscribe_url
):
    message = sign(confirmation(SubscribeURL=subscribe_url), sns.key)

    with pytest.raises(SnsRejected):
        verifier.verify(message, NOW)
    assert subscribe_url not in sns.fetched


def test_a_failed_confirmation_asks_sns_to_retry(sns):
    flaky = FakeSns(key=sns.key, pem=sns.pem)
    verifier = SnsVerifier([TOPIC], [REGION], fetch=flaky.fetch)
    message = verifier.verify(sign(confirmation(), sns.key), NOW)
    flaky.fail = True

    with pytest.raises(SnsUnavailable):
        verifier.confirm_subscription(message)
