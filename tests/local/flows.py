"""What the local-mode tests do again and again, over real HTTP as an account holder would: sign
up and sign in, send a campaign and wait until it has gone out, the queues are drained and its SES
events have come back; and waiting on a condition (with a deadline) instead of sleeping."""

import os
import re
import time
from collections.abc import Callable
from typing import TypeVar

import boto3

from consentmail.core.routes import Function
from consentmail.core.settings import PREFIX
from infra.timeouts import timeout_seconds
from tests.local.local_client import Answer, LocalClient
from tests.sending_helpers import parse

T = TypeVar("T")

OWNER_PASSWORD = "Owner-pass-1!"
# The queues a campaign send passes through, by the settings that name them.
SEND_QUEUES = (PREFIX + "FANOUT_QUEUE_URL", PREFIX + "SEND_QUEUE_URL")


def wait_until(condition: Callable[[], T], *, what: str, timeout: float = 30) -> T:
    """The condition's first truthy answer; fails naming `what` when the deadline passes first.
    Local mode offers nothing to block on for these (an outbox, a queue), so it is asked again,
    briefly at first and then every half second."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


# The token in the account emails' text part: `POST {"token": "<token>", ...}`.
_EMAILED_TOKEN = re.compile(r'\{"token": "([A-Za-z0-9_.-]+)"')


def emailed_token(client: LocalClient, to: str, subject: str) -> str:
    """The token of the newest account email (verification, reset) to `to`, from the outbox."""

    def newest() -> str | None:
        for sent in client.get("/_local/outbox", query={"to": to}).json():
            if sent["subject"] == subject:
                text = parse(sent["raw"]).get_body(("plain",)).get_content()
                match = _EMAILED_TOKEN.search(text)
                assert match, text
                return match.group(1)
        return None

    return wait_until(newest, what=f"the email {subject!r} to {to} in the outbox")


def sign_up(
    client: LocalClient,
    email: str,
    *,
    first_name: str = "Olga",
    last_name: str = "Weber",
    verified: bool = True,
) -> dict:
    """A new account holder, signed in: `account_id`, `email`, `password` and the `auth` header;
    its address verified through the emailed link unless `verified=False`."""
    credentials = {"email": email, "password": OWNER_PASSWORD}
    created = client.post_json(
        "/accounts",
        {
            **credentials,
            "first_name": first_name,
            "last_name": last_name,
            "country": "FR",
            "accept_privacy_policy": "2026-01",
        },
    )
    assert created.status == 201, created.text
    if verified:
        token = emailed_token(client, email, "Verify your email address")
        answer = client.post_json("/accounts/verify", {"token": token})
        assert answer.status == 204, answer.text
    signed_in = client.post_json("/auth/login", credentials)
    assert signed_in.status == 200, signed_in.text
    return {
        **credentials,
        "account_id": created.json()["account_id"],
        "refresh_token": signed_in.json()["refresh_token"],
        "auth": {"Authorization": f"Bearer {signed_in.json()['id_token']}"},
    }


def run_purge(client: LocalClient, moment: str) -> Answer:
    """`POST /_local/jobs/purge` as of `moment`, waiting as long as the purge function may run: a
    first run looks back 14 months of expiry buckets, which takes a while on a busy machine."""
    return client.post_json("/_local/jobs/purge", {"time": moment}, timeout=timeout_seconds(Function.PURGE))


def queues_drained() -> bool:
    """Nothing waiting or in flight on the fan-out and send queues: the send is done."""
    sqs = boto3.client("sqs")
    for setting in SEND_QUEUES:
        counts = sqs.get_queue_attributes(
            QueueUrl=os.environ[setting],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if any(int(count) for count in counts.values()):
            return False
    return True


def send_campaign(
    client: LocalClient,
    local_mode,
    auth: dict,
    list_id: str,
    subject: str,
    *,
    expected: int = 1,
    html: str = "<p>Hello</p>",
    text: str = "Hello",
) -> str:
    """Create and send a campaign; return once `expected` emails with its subject are in the
    outbox, the send queues are drained and the SES simulator has fed every event back (so its
    stats are final), checking that no more than `expected` went out."""
    created = client.post_json(
        "/campaigns", {"list_id": list_id, "subject": subject, "html": html, "text": text}, auth
    )
    assert created.status == 201, created.text
    campaign_id = created.json()["campaign_id"]
    assert client.post_json(f"/campaigns/{campaign_id}/send", {}, auth).status == 202

    def sent() -> list[dict]:
        return [e for e in client.get("/_local/outbox").json() if e["subject"] == subject]

    wait_until(lambda: len(sent()) >= expected, what=f"{expected} emails of {subject!r} in the outbox")
    wait_until(queues_drained, what="the fan-out and send queues to drain")
    assert local_mode.simulator.wait_idle(10), "the SES simulator still has events to feed back"
    assert len(sent()) == expected
    return campaign_id
