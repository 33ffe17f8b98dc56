"""The SES simulator: what Amazon SES publishes through a configuration set's SNS destination for
each email sent, which moto never does. Builders for the events (the `eventType` shape AWS
documents) and the SQS records they reach ses_events in (the topic delivers them raw to a queue),
usable by tests and the benchmark, and a simulator that watches every SES v2 SendEmail of this
process (a botocore event hook on the default boto3 session) and delivers the events, in order and
in batches, to the `ses_events` function.

Recipients at the SES mailbox simulator behave as in SES:
bounce@ → a permanent General Bounce; complaint@ → Delivery + Complaint;
suppressionlist@ → a permanent OnAccountSuppressionList Bounce; anyone else → Delivery (Send events
are built too but, as in our configuration set, not published)."""

import hashlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any

from consentmail.ses_events.published import PUBLISHED_EVENT_TYPES
from infra.local.invoke import ACCOUNT_ID, MissingFunction
from infra.local.provision import SIMULATOR_DOMAIN
from infra.local.workers import StoppableLoop

logger = logging.getLogger(__name__)

BOUNCE = f"bounce@{SIMULATOR_DOMAIN}"
COMPLAINT = f"complaint@{SIMULATOR_DOMAIN}"
SUPPRESSION_LIST = f"suppressionlist@{SIMULATOR_DOMAIN}"
OUT_OF_THE_OFFICE = f"ooto@{SIMULATOR_DOMAIN}"
SENDING_IP = "127.0.0.1"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"


def iso_ms(at: datetime) -> str:
    """SES and SNS timestamps: ISO 8601 UTC with milliseconds and a Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def address_of(value: str) -> str:
    addresses = getaddresses([value])
    return (addresses[0][1] if addresses and addresses[0][1] else value).strip()


@dataclass(frozen=True)
class SentEmail:
    """One SendEmail call as SES saw it."""

    message_id: str
    from_email: str
    destinations: list[str]
    tags: dict[str, str] = field(default_factory=dict)
    configuration_set: str | None = None
    raw: bytes | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _headers(raw: bytes | None) -> tuple[list[dict], dict]:
    if not raw:
        return [], {}
    message = message_from_bytes(raw, policy=default_policy)
    headers = [{"name": name, "value": str(value)} for name, value in message.items()]
    common: dict[str, Any] = {}
    for header, key in (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Reply-To", "replyTo")):
        if message[header]:
            common[key] = [str(message[header])]
    for header, key in (("Date", "date"), ("Subject", "subject")):
        if message[header]:
            common[key] = str(message[header])
    return headers, common


def mail_object(sent: SentEmail, region: str) -> dict:
    """The `mail` object every SES event carries."""
    headers, common = _headers(sent.raw)
    common["messageId"] = sent.message_id
    from_domain = address_of(sent.from_email).rpartition("@")[2]
    tags: dict[str, list[str]] = {
        "ses:operation": ["SendEmail"],
        "ses:source-ip": [SENDING_IP],
        "ses:from-domain": [from_domain],
        "ses:caller-identity": ["consentmail-local"],
    }
    if sent.configuration_set:
        tags["ses:configuration-set"] = [sent.configuration_set]
    tags.update({name: [value] for name, value in sent.tags.items()})
    return {
        "timestamp": iso_ms(sent.at),
        "source": sent.from_email,
        "sourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{from_domain}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": sent.message_id,
        "destination": list(sent.destinations),
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
        "tags": tags,
    }


def send_event(sent: SentEmail, region: str) -> dict:
    return {"eventType": "Send", "mail": mail_object(sent, region), "send": {}}


def delivery_event(sent: SentEmail, region: str, recipient: str, at: datetime | None = None) -> dict:
    at = at or sent.at + timedelta(milliseconds=350)
    return {
        "eventType": "Delivery",
        "mail": mail_object(sent, region),
        "delivery": {
            "timestamp": iso_ms(at),
            "processingTimeMillis": max(0, int((at - sent.at).total_seconds() * 1000)),
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": REPORTING_MTA,
        },
    }


def bounce_event(
    sent: SentEmail,
    region: str,
    recipient: str,
    bounce_type: str = "Permanent",
    sub_type: str = "General",
    at: datetime | None = None,
) -> dict:
    at = at or sent.at + timedelta(milliseconds=500)
    if sub_type == "OnAccountSuppressionList":
        diagnostic = (
            "Amazon SES did not send the message to this address because it is on the suppression list "
            "for your account. For more information about removing addresses from the suppression list, "
            "see the Amazon SES Developer Guide."
        )
        mta = "dns; amazonses.com"
    else:
        diagnostic = "smtp; 550 5.1.1 user unknown"
        mta = f"dsn; {REPORTING_MTA}"
    return {
        "eventType": "Bounce",
        "mail": mail_object(sent, region),
        "bounce": {
            "feedbackId": f"{uuid.uuid4().hex}-000000",
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": diagnostic,
                }
            ],
            "timestamp": iso_ms(at),
            "reportingMTA": mta,
        },
    }


def complaint_event(sent: SentEmail, region: str, recipient: str, at: datetime | None = None) -> dict:
    at = at or sent.at + timedelta(seconds=2)
    return {
        "eventType": "Complaint",
        "mail": mail_object(sent, region),
        "complaint": {
            "feedbackId": f"{uuid.uuid4().hex}-000000",
            "complaintSubType": None,
            "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": iso_ms(at),
            "userAgent": "Amazon SES Mailbox Simulator",
            "complaintFeedbackType": "abuse",
            "arrivalDate": iso_ms(sent.at),
        },
    }


def events_for(sent: SentEmail, region: str) -> list[dict]:
    """The SES events, in publication order, that sending this email produces and the
    configuration set publishes."""
    events: list[dict] = []
    for destination in sent.destinations:
        recipient = address_of(destination)
        lowered = recipient.lower()
        if lowered == SUPPRESSION_LIST:
            events.append(bounce_event(sent, region, recipient, "Permanent", "OnAccountSuppressionList"))
        elif lowered == BOUNCE:
            events += [send_event(sent, region), bounce_event(sent, region, recipient)]
        elif lowered == COMPLAINT:
            events += [
                send_event(sent, region),
                delivery_event(sent, region, recipient),
                complaint_event(sent, region, recipient),
            ]
        else:
            events += [send_event(sent, region), delivery_event(sent, region, recipient)]
    return [event for event in events if event["eventType"] in PUBLISHED_EVENT_TYPES]


# Events per invocation, and how long a batch waits to fill: the deployed event source mapping
# waits up to 5 s; locally half a second keeps the flow snappy and still fills batches under load.
BATCH = 10
BATCH_WINDOW_SECONDS = 0.5


def queue_arn(region: str) -> str:
    """The queue the SES events topic delivers to (raw) and ses_events consumes."""
    return f"arn:aws:sqs:{region}:{ACCOUNT_ID}:consentmail-ses-events"


def sqs_record(message: dict | str, region: str) -> dict:
    """One record of the event Lambda's SQS event source invokes ses_events with; the body is the
    SES event itself, as SNS raw message delivery puts it in the queue."""
    body = message if isinstance(message, str) else json.dumps(message)
    now_ms = str(int(datetime.now(UTC).timestamp() * 1000))
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now_ms,
            "SenderId": "AIDAIT2UOQQY3AUEKVGXU",
            "ApproximateFirstReceiveTimestamp": now_ms,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(region),
        "awsRegion": region,
    }


def sqs_event(messages: list[dict | str], region: str) -> dict:
    return {"Records": [sqs_record(message, region) for message in messages]}


_PARAMS_KEY = "consentmail_local_send_params"


class SesSimulator:
    """Watches SES v2 SendEmail calls made through a boto3 session and delivers, on its own thread,
    the SES events they produce to `deliver` (the ses_events function), in batches of up to BATCH
    records as its SQS event source does."""

    def __init__(self, region: str, deliver: Callable[[dict], Any]):
        self.region = region
        self.deliver = deliver
        # Events not delivered (ses_events missing or failing), kept for inspection.
        self.undelivered: list[dict] = []
        self.sent_at: dict[str, datetime] = {}
        self._queue: queue.Queue[dict | None] = queue.Queue()
        self._loop = StoppableLoop("ses-simulator", self.deliver_batch)
        self._warned_missing = False
        self._session = None
        self._idle = threading.Condition()
        self._pending = 0

    # -- the hooks ---------------------------------------------------------------------------
    def install(self, session) -> None:
        """Register on a boto3 session: clients created from it afterwards are watched."""
        self._session = session
        session.events.register("before-parameter-build.sesv2.SendEmail", self._remember_params)
        session.events.register("after-call.sesv2.SendEmail", self._after_send)

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister("before-parameter-build.sesv2.SendEmail", self._remember_params)
            self._session.events.unregister("after-call.sesv2.SendEmail", self._after_send)
            self._session = None

    def _remember_params(self, params: dict, context: dict, **_kwargs) -> None:
        context[_PARAMS_KEY] = dict(params)

    def _after_send(self, http_response, parsed: dict, context: dict, **_kwargs) -> None:
        params = context.get(_PARAMS_KEY)
        if params is None or getattr(http_response, "status_code", 500) >= 300 or "MessageId" not in parsed:
            return
        try:
            sent = sent_email_of(params, parsed["MessageId"])
            if not sent.configuration_set:
                # SES publishes events only through a configuration set: none, no events (a bug to see).
                self.sent_at[sent.message_id] = sent.at
                logger.warning(
                    "SES simulator: message %s was sent without a configuration set", sent.message_id
                )
                return
            self.record(sent)
        except Exception:  # a simulator bug must never fail the send that triggered it
            logger.exception("SES simulator: could not build the events of message %s", parsed["MessageId"])

    # -- delivery ----------------------------------------------------------------------------
    def record(self, sent: SentEmail) -> list[dict]:
        """Queue the events of one sent email for delivery; returns them."""
        self.sent_at[sent.message_id] = sent.at
        events = events_for(sent, self.region)
        with self._idle:
            self._pending += len(events)
        for event in events:
            self._queue.put(event)
        return events

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 10) -> None:
        self.uninstall()
        # The None goes behind every event already queued: those are delivered before the loop ends.
        self._loop.stop(timeout, wake=lambda: self._queue.put(None))

    def wait_idle(self, timeout: float = 10) -> bool:
        """Block until every queued event was handed to ses_events (tests use this)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def deliver_batch(self) -> None:
        """Wait for an event, gather up to BATCH within BATCH_WINDOW_SECONDS, deliver them as one
        SQS event (a None in the queue means stop: what was gathered is still delivered)."""
        first = self._queue.get()
        if first is None:
            return
        events = [first]
        deadline = time.monotonic() + BATCH_WINDOW_SECONDS
        while len(events) < BATCH:
            try:
                more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if more is None:
                break
            events.append(more)
        try:
            self._deliver(events)
        finally:
            with self._idle:
                self._pending -= len(events)
                self._idle.notify_all()

    def _deliver(self, events: list[dict]) -> None:
        try:
            batch = sqs_event(events, self.region)
            result = self.deliver(batch)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            records = zip(events, batch["Records"], strict=True)
            self.undelivered.extend(event for event, record in records if record["messageId"] in failed)
            if failed:
                logger.error("SES simulator: ses_events reported %d failed events", len(failed))
        except MissingFunction as error:
            self.undelivered.extend(events)
            if not self._warned_missing:
                logger.error("SES simulator: %s; SES events are kept, not delivered", error)
                self._warned_missing = True
        except Exception:
            self.undelivered.extend(events)
            logger.exception("SES simulator: the ses_events function failed on a batch")


def sent_email_of(params: dict, message_id: str, at: datetime | None = None) -> SentEmail:
    """The SentEmail of SES v2 SendEmail parameters (as the client was called) and its MessageId."""
    destination = params.get("Destination") or {}
    recipients = [
        *destination.get("ToAddresses", []),
        *destination.get("CcAddresses", []),
        *destination.get("BccAddresses", []),
    ]
    raw = ((params.get("Content") or {}).get("Raw") or {}).get("Data")
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    from_email = params.get("FromEmailAddress") or ""
    if not from_email and raw:
        from_email = str(message_from_bytes(raw, policy=default_policy)["From"] or "")
    return SentEmail(
        message_id=message_id,
        from_email=from_email,
        destinations=recipients,
        tags={tag["Name"]: tag["Value"] for tag in params.get("EmailTags") or []},
        configuration_set=params.get("ConfigurationSetName"),
        raw=raw,
        at=at or datetime.now(UTC),
    )
