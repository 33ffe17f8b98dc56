"""The send rate the pipeline reaches against the configured `max_send_rate`, with SES throttling
a stretch of sends: one campaign in local mode, paced as deployed (the cost benchmark lifts the
pace to measure our code; this one keeps it), with the first sends answered
`TooManyRequestsException`/`Throttling` (ses_throttle.py) and the sender's real backoff.

Reported: emails per second from the send request to the last accepted SendEmail, and over the
steady part after the throttled stretch, against the configured rate; and what throttling cost:
emails missing, sent twice, and send batches dead-lettered or left in the queue (all must be 0)."""

import json
import time
from collections import Counter

import boto3

from bench.campaign import Api, _expect, progress
from bench.ses_throttle import SesThrottle
from consentmail.core import container
from consentmail.sending.sender import SEND_ATTEMPTS
from infra.local.runtime import LocalMode, free_port
from tests.local.flows import emailed_token

REGION = "eu-west-3"
RECIPIENTS = 300
MAX_RECEIVES = 5  # infra/constructs/queues.py
THROTTLED_CALLS = 2 * SEND_ATTEMPTS  # two receives' worth under the old behaviour: real backoff


def _queue_depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def measure(
    recipients: int = RECIPIENTS, throttled_calls: int = THROTTLED_CALLS, timeout: float = 600
) -> dict:
    mode = LocalMode(port=free_port(), region=REGION, purge_interval=10**7).start()
    throttle = SesThrottle(throttled_calls)
    accepted: list[float] = []  # when each SendEmail SES accepted returned

    def record(http_response, parsed, **_kwargs) -> None:
        if getattr(http_response, "status_code", 500) < 300 and "MessageId" in (parsed or {}):
            accepted.append(time.perf_counter())

    try:
        rate = float(mode.provisioned.environment["CONSENTMAIL_MAX_SEND_RATE"])
        sqs = boto3.client("sqs", region_name=REGION)
        dlq = sqs.create_queue(QueueName="consentmail-send-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        send_queue = mode.provisioned.environment["CONSENTMAIL_SEND_QUEUE_URL"]
        sqs.set_queue_attributes(
            QueueUrl=send_queue,
            Attributes={
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
                )
            },
        )
        container.reset_all()
        api = Api(mode.urls.base)
        owner = {"email": "pacing@example.com", "password": "Bench-pass-2026"}
        _expect(
            api.call(
                "POST",
                "/accounts",
                {
                    **owner,
                    "first_name": "P",
                    "last_name": "Ace",
                    "country": "FR",
                    "accept_privacy_policy": "2026-11",
                },
            ),
            201,
            "create account",
        )
        # Only a verified account sends; its verification email is not one of the campaign's, so
        # SES is throttled and its sends counted from here on.
        verify_token = emailed_token(api.client, owner["email"], "Verify your email address")
        _expect(api.call("POST", "/accounts/verify", {"token": verify_token}), 204, "verify")
        throttle.install()
        boto3.DEFAULT_SESSION.events.register("after-call.sesv2.SendEmail", record)
        # Clients made from here on carry the hooks (a client copies its session's at creation).
        container.reset_all()
        api.token = _expect(api.call("POST", "/auth/login", owner), 200, "login")["id_token"]
        list_id = _expect(
            api.call(
                "POST", "/lists", {"name": "Paced", "from_email": "news@example.com", "from_name": "News"}
            ),
            201,
            "create list",
        )["list_id"]
        addresses = [f"paced{n:05d}@example.org" for n in range(recipients)]
        csv = "email,first_name\r\n" + "".join(f"{a},Reader\r\n" for a in addresses)
        _expect(
            api.call(
                "POST",
                f"/lists/{list_id}/contacts/import",
                body=csv.encode(),
                headers={"Content-Type": "text/csv"},
            ),
            200,
            "import",
        )
        campaign_id = _expect(
            api.call(
                "POST",
                "/campaigns",
                {"list_id": list_id, "subject": "Paced", "html": "<p>Hi</p>", "text": "Hi"},
            ),
            201,
            "create campaign",
        )["campaign_id"]
        started = time.perf_counter()
        _expect(api.call("POST", f"/campaigns/{campaign_id}/send"), 202, "send")
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if len(accepted) >= recipients and _queue_depth(sqs, send_queue) == 0:
                break
            time.sleep(0.2)
        mode.simulator.wait_idle(30)
        outbox = [
            to
            for email in json.loads(api.call("GET", "/_local/outbox").body)
            if email["subject"] == "Paced"
            for to in email["to"]
        ]
        counts = Counter(outbox)
        times = sorted(accepted)
        steady = times[len(times) // 4 :] if len(times) >= 8 else times
        result = {
            "recipients": recipients,
            "max_send_rate": rate,
            "throttled_calls": throttle.throttled,
            "seconds": (times[-1] - started) if times else 0.0,
            "emails_per_s": len(times) / (times[-1] - started) if times else 0.0,
            "steady_emails_per_s": (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0,
            "missing": sum(1 for a in addresses if counts[a] == 0),
            "sent_twice": sum(1 for a in addresses if counts[a] > 1),
            "dead_lettered": _queue_depth(sqs, dlq),
            "left_in_queue": _queue_depth(sqs, send_queue),
        }
        result["share_of_max_rate"] = result["steady_emails_per_s"] / rate if rate else 0.0
        progress(
            f"paced: {result['emails_per_s']:.1f} emails/s overall, "
            f"{result['steady_emails_per_s']:.1f}/s steady "
            f"(max {rate:.0f}/s), {result['throttled_calls']} throttled calls, {result['missing']} missing, "
            f"{result['sent_twice']} twice, {result['dead_lettered']} dead-lettered"
        )
        return result
    finally:
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.unregister("after-call.sesv2.SendEmail", record)
        throttle.uninstall()
        mode.stop()
        container.reset_all()
