"""The SES event models read every sample of events/, in both shapes."""

import json

import pytest

from consentmail.ses_events.models import EventKind, SesEvent
from consentmail.ses_events.processing import parse_message
from tests.http_events import load_event

SAMPLES = {
    "ses_send": EventKind.SEND,
    "ses_delivery": EventKind.DELIVERY,
    "ses_bounce_permanent": EventKind.BOUNCE,
    "ses_bounce_transient": EventKind.BOUNCE,
    "ses_bounce_suppression_list": EventKind.BOUNCE,
    "ses_complaint": EventKind.COMPLAINT,
    "ses_reject": EventKind.REJECT,
    "ses_delivery_delay": EventKind.DELIVERY_DELAY,
    "ses_rendering_failure": EventKind.RENDERING_FAILURE,
    "ses_notification_bounce": EventKind.BOUNCE,
    "ses_notification_complaint": EventKind.COMPLAINT,
    "ses_notification_delivery": EventKind.DELIVERY,
}


@pytest.mark.parametrize("name, kind", SAMPLES.items())
def test_every_sample_parses_with_its_kind_and_recipient(name, kind):
    event = SesEvent.model_validate(load_event(name))

    assert event.kind == kind
    assert event.recipients() == ["recipient@example.org"]
    assert event.identity_notification == name.startswith("ses_notification")


def test_configuration_set_events_carry_our_tags():
    event = SesEvent.model_validate(load_event("ses_bounce_permanent"))

    assert event.mail.tag("cm_campaign") == "campaign-demo"
    assert event.mail.tag("cm_missing") == ""
    assert event.bounce.bounce_type == "Permanent"


def test_several_recipients_are_read():
    data = load_event("ses_bounce_permanent")
    data["bounce"]["bouncedRecipients"] = [
        {"emailAddress": "a@example.org"},
        {"emailAddress": "b@example.org"},
    ]

    assert SesEvent.model_validate(data).recipients() == ["a@example.org", "b@example.org"]


def test_the_sns_notification_sample_carries_an_ses_event():
    assert parse_message(load_event("sns_notification")["Message"]).kind == EventKind.DELIVERY


@pytest.mark.parametrize(
    "message", ["{", "[]", json.dumps({"mail": {}}), json.dumps({"eventType": "Bounce"})]
)
def test_what_is_not_an_ses_event_parses_to_none(message):
    assert parse_message(message) is None
