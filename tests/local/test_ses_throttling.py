"""Zero emails lost to SES throttling, end to end in local mode: SES answers
`TooManyRequestsException`/`Throttling` for a stretch longer than a send batch's five receives
could absorb (as deployed: the send queue's dead-letter queue after 5), and every email still goes
out exactly once, counted once, with nothing dead-lettered and no manual redrive."""

import json
from collections import Counter

import boto3
import pytest

from bench.ses_throttle import SesThrottle
from consentmail.core import container
from consentmail.sending import sender as sender_module
from consentmail.sending.sender import SEND_ATTEMPTS
from tests.local.flows import sign_up, wait_until

RECIPIENTS = 60  # two send batches of the fan-out (50 contacts each at most)
MAX_RECEIVES = 5  # infra/constructs/queues.py: a send batch dead-letters after 5 receives
# Longer than the old behaviour survives: each receive of a throttled batch used SEND_ATTEMPTS calls.
THROTTLED_CALLS = (MAX_RECEIVES + 2) * SEND_ATTEMPTS
SUBJECT = "Throttled news"


@pytest.fixture
def owner(local_client) -> dict:
    """A verified account holder's authorization header (an unverified account may not send)."""
    return sign_up(local_client, "throttle-owner@example.org")["auth"]


@pytest.fixture
def dead_letters(local_mode) -> str:
    """The send queue with its dead-letter queue after 5 receives, as the stacks deploy it."""
    sqs = boto3.client("sqs", region_name=local_mode.region)
    dlq_url = sqs.create_queue(QueueName="consentmail-send-dlq")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]
    redrive = {"deadLetterTargetArn": attributes["QueueArn"], "maxReceiveCount": str(MAX_RECEIVES)}
    sqs.set_queue_attributes(
        QueueUrl=local_mode.provisioned.environment["CONSENTMAIL_SEND_QUEUE_URL"],
        Attributes={"RedrivePolicy": json.dumps(redrive)},
    )
    return dlq_url


@pytest.fixture
def throttled_ses(monkeypatch):
    """SES throttles the next THROTTLED_CALLS sends; the sender's backoff is shortened so the test
    does not wait out real backoff pauses (the number of attempts is unchanged)."""
    monkeypatch.setattr(sender_module, "backoff_delays", lambda attempts: [0.01] * (attempts - 1))
    throttle = SesThrottle(THROTTLED_CALLS).install()
    container.reset_all()  # the sender's SES client is made again, with the hook
    try:
        yield throttle
    finally:
        throttle.uninstall()
        container.reset_all()


def queue_depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


@pytest.mark.promise("sending.throttled_no_loss")
def test_a_throttled_stretch_loses_no_email_and_sends_none_twice(
    local_mode, local_client, owner, dead_letters, throttled_ses
):
    # Given a list of 60 confirmed contacts
    auth = owner
    list_id = local_client.post_json(
        "/lists", {"name": "Throttled", "from_email": "news@example.com", "from_name": "News"}, auth
    ).json()["list_id"]
    addresses = [f"reader{n:03d}@example.org" for n in range(RECIPIENTS)]
    csv = "email,first_name\r\n" + "".join(f"{address},Reader\r\n" for address in addresses)
    imported = local_client.request(
        "POST", f"/lists/{list_id}/contacts/import", csv.encode(), {"Content-Type": "text/csv", **auth}
    )
    assert imported.status == 200 and not imported.json().get("rejected")

    # When a campaign is sent while SES throttles a long stretch of sends
    campaign_id = local_client.post_json(
        "/campaigns", {"list_id": list_id, "subject": SUBJECT, "html": "<p>Hello</p>", "text": "Hello"}, auth
    ).json()["campaign_id"]
    assert local_client.post_json(f"/campaigns/{campaign_id}/send", {}, auth).status == 202
    sqs = boto3.client("sqs", region_name=local_mode.region)
    send_queue = local_mode.provisioned.environment["CONSENTMAIL_SEND_QUEUE_URL"]

    def all_sent() -> list[str] | None:
        sent = [
            to
            for email in local_client.get("/_local/outbox").json()
            if email["subject"] == SUBJECT
            for to in email["to"]
        ]
        return sent if len(sent) >= RECIPIENTS and queue_depth(sqs, send_queue) == 0 else None

    sent = wait_until(all_sent, what="every email sent and the send queue empty", timeout=180)
    assert local_mode.simulator.wait_idle(10)

    # Then the stretch really happened, and every contact got exactly one email
    assert throttled_ses.throttled == THROTTLED_CALLS
    assert Counter(sent) == Counter(addresses)
    # nothing waits in the send queue and nothing was dead-lettered: no manual redrive to do
    assert queue_depth(sqs, send_queue) == 0
    assert queue_depth(sqs, dead_letters) == 0
    # and the statistics count each contact once, none as failed (recipients = sent + failed)
    stats = local_client.get(f"/campaigns/{campaign_id}/stats", headers=auth).json()
    assert (stats["recipients"], stats["sent"], stats["delivered"]) == (RECIPIENTS, RECIPIENTS, RECIPIENTS)
