"""The first request each function answers in the cold-start benchmark: a real one, against data
seeded in the emulator, so that it does what a deployed function's first request does (settings,
its clients, the signing secret, its reads and writes, the email it sends) and not a short way
out (an unknown token, a list that does not exist, a missing authorizer).

Each round gets its own event where a request changes what it touches (a first open by a new
reader, a new subscriber, a new campaign to fan out, a new recipient to send to, a new delivery),
so round 11 does the same work as round 1. Seeded through the repositories and the tests' own
helpers, in the benchmark's process, against moto's server the measured functions talk to.

Two functions keep a short answer on purpose: `ses_webhook` (its sample's topic is not
configured, so the signature check refuses it before fetching a certificate from the internet,
a request this benchmark must not make) and `purge` (measured up to its import and settings:
its hourly job's duration is not a cold start)."""

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consentmail.core.routes import Function

ACCOUNT = "account-cold"
LIST = "list-cold"
SENT_CAMPAIGN = "campaign-cold-sent"
SENDING_CAMPAIGN = "campaign-cold-sending"
EVENTS = Path(__file__).resolve().parents[1] / "events"
# A campaign as an account holder writes one: a personalized greeting and a tracked link.
SUBJECT = 'News for {{ first_name | default("you") }}'
HTML = '<p>Hello {{ first_name | default("there") }},</p><p><a href="https://example.com/articles/1">Read</a></p>'
# Rows of the file each importer round imports: a small first file, so the figure is the start-up
# and not the import's own length.
IMPORT_ROWS = 10
# What the sample events are when the function answers without seeded data.
SAMPLE = {
    Function.SUBJECT_REQUESTS: "subject_requests_receive.json",
    Function.SES_WEBHOOK: "webhook_ses.json",
}


@dataclass(frozen=True)
class FirstRequests:
    """Each function's event file per round; `describe` says what each one does."""

    events: dict[Function, list[Path]]
    describe: dict[Function, str]


def _load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _write(directory: Path, name: str, event: dict) -> Path:
    path = directory / name
    path.write_text(json.dumps(event))
    return path


def _sqs(sample: str, body: str) -> dict:
    event = _load(sample)
    event["Records"] = [{**event["Records"][0], "body": body}]
    return event


def seed(directory: Path, rounds: int) -> FirstRequests:
    """Seeds the emulator the current environment points at (endpoint and settings) and writes
    the events into `directory`."""
    import boto3

    from consentmail.adapters.s3 import import_key
    from consentmail.audience.imports import default_proof
    from consentmail.core import container
    from consentmail.core.clock import now
    from consentmail.core.records import (
        CampaignRecord,
        CampaignStatus,
        ContactStatus,
        Content,
        ExportJob,
        ImportJob,
        MailingList,
    )
    from consentmail.core.settings import get_settings
    from consentmail.store.accounts import AccountRepository
    from consentmail.store.campaigns import CampaignRepository
    from consentmail.store.content import ContentRepository
    from consentmail.store.lists import ListRepository
    from tests.accounts_helpers import open_account, sample
    from tests.sending_helpers import add_contact
    from tests.tracking_helpers import create_campaign, open_token, sent_to, ses_event

    container.reset_all()
    at = now()
    created = at - timedelta(days=2)
    open_account(ACCOUNT, created)
    mailing_list = MailingList(
        list_id=LIST,
        account_id=ACCOUNT,
        name="Cold start news",
        from_email="news@example.com",
        from_name="Cold start news",
        created_at=created,
    )
    ListRepository().create(mailing_list)
    create_campaign(mailing_list, SENT_CAMPAIGN)
    campaigns, content = CampaignRepository(), ContentRepository()

    def sending_campaign(campaign_id: str) -> None:
        campaigns.create(
            CampaignRecord(
                campaign_id=campaign_id,
                account_id=ACCOUNT,
                list_id=LIST,
                status=CampaignStatus.SENDING,
                created_at=created,
                updated_at=at,
                sent_at=at,
            )
        )
        content.put(campaign_id, Content(subject=SUBJECT, html=HTML), at)

    sending_campaign(SENDING_CAMPAIGN)
    # The list the fan-outs page through: a few contacts besides the readers added below.
    for n in range(3):
        add_contact(mailing_list, f"member{n}@example.org", ContactStatus.CONFIRMED, tracking=True)

    events: dict[Function, list[Path]] = {function: [] for function in Function}
    jobs, s3, bucket = AccountRepository(), boto3.client("s3"), get_settings().transfer_bucket
    sent_at = datetime.now(UTC) - timedelta(hours=1)
    stats = sample(
        "campaigns_stats",
        {"sub": ACCOUNT, "email": f"{ACCOUNT}@example.com", "token_use": "id"},
        campaign_id=SENT_CAMPAIGN,
    )
    for round_number in range(rounds):
        suffix = f"{round_number:02d}"
        # tracking: a first open of the campaign by a reader who allows tracking.
        reader = sent_to(
            mailing_list, f"reader{suffix}@example.org", campaign_id=SENT_CAMPAIGN, sent_at=sent_at
        )
        token = open_token(reader, SENT_CAMPAIGN)
        pixel = _load("tracking_open.json")
        pixel["path"] = pixel["path"].replace("REPLACE_WITH_AN_OPEN_TOKEN", token)
        pixel["requestContext"]["path"] = pixel["requestContext"]["path"].replace(
            "REPLACE_WITH_AN_OPEN_TOKEN", token
        )
        pixel["pathParameters"] = {"token": token}
        events[Function.TRACKING].append(_write(directory, f"tracking-{suffix}.json", pixel))
        # subscription: a new address subscribes to the list (the opt-in email goes out).
        subscribe = _load("subscribe_json.json")
        subscribe["body"] = json.dumps(
            {
                "list_id": LIST,
                "email": f"subscriber{suffix}@example.org",
                "first_name": "Ada",
                "consent": True,
            }
        )
        events[Function.SUBSCRIPTION].append(_write(directory, f"subscription-{suffix}.json", subscribe))
        # accounts: the statistics of the sent campaign, read by its owner.
        events[Function.ACCOUNTS].append(_write(directory, f"accounts-{suffix}.json", copy.deepcopy(stats)))
        # fanout: a campaign of its own, started, fanned out onto the send queue.
        campaign_id = f"campaign-cold-fanout-{suffix}"
        sending_campaign(campaign_id)
        body = json.dumps({"campaign_id": campaign_id, "account_id": ACCOUNT})
        events[Function.FANOUT].append(
            _write(directory, f"fanout-{suffix}.json", _sqs("sqs_fanout.json", body))
        )
        # sender: a batch with a recipient not sent to yet (one email through SES).
        recipient = add_contact(
            mailing_list, f"recipient{suffix}@example.org", ContactStatus.CONFIRMED, tracking=True
        )
        body = json.dumps(
            {
                "campaign_id": SENDING_CAMPAIGN,
                "account_id": ACCOUNT,
                "list_id": LIST,
                "contact_ids": [recipient.contact_id],
            }
        )
        events[Function.SENDER].append(
            _write(directory, f"sender-{suffix}.json", _sqs("sqs_send.json", body))
        )
        # ses_events: the delivery of an email the campaign sent.
        delivered = sent_to(
            mailing_list, f"delivered{suffix}@example.org", campaign_id=SENT_CAMPAIGN, sent_at=sent_at
        )
        body = json.dumps(ses_event("ses_delivery", delivered, campaign_id=SENT_CAMPAIGN))
        events[Function.SES_EVENTS].append(
            _write(directory, f"ses_events-{suffix}.json", _sqs("ses_events_sqs.json", body))
        )
        # importer: an uploaded file of IMPORT_ROWS new contacts, through its S3 event.
        import_id = f"{round_number:032x}"
        jobs.create_job(
            ImportJob(
                import_id=import_id,
                account_id=ACCOUNT,
                list_id=LIST,
                created_at=at,
                upload_expires_at=at + timedelta(hours=1),
                proof=default_proof(at, None, None, None),
            ),
            at + timedelta(days=30),
        )
        key = import_key(ACCOUNT, import_id)
        rows = "".join(f"import{suffix}-{n}@example.org,Ada\n" for n in range(IMPORT_ROWS))
        s3.put_object(Bucket=bucket, Key=key, Body=("email,first_name\n" + rows).encode())
        upload = json.loads(_load("sqs_import_upload.json")["Records"][0]["body"])
        upload["Records"][0]["s3"]["object"]["key"] = key
        upload["Records"][0]["s3"]["bucket"]["name"] = bucket
        events[Function.IMPORTER].append(
            _write(directory, f"importer-{suffix}.json", _sqs("sqs_import_upload.json", json.dumps(upload)))
        )
        # exporter: the list exported as CSV.
        export_id = f"{round_number + 1_000:032x}"
        jobs.create_job(
            ExportJob(export_id=export_id, account_id=ACCOUNT, list_id=LIST, format="csv", created_at=at),
            at + timedelta(days=1),
        )
        body = json.dumps({"account_id": ACCOUNT, "export_id": export_id})
        events[Function.EXPORTER].append(
            _write(directory, f"exporter-{suffix}.json", _sqs("sqs_export.json", body))
        )
        for function, name in SAMPLE.items():
            events[function].append(EVENTS / name)
    container.reset_all()
    describe = {
        Function.TRACKING: "a first open of a sent campaign by a reader who allows tracking (valid token)",
        Function.SUBSCRIPTION: "a new address subscribes to an existing list (opt-in email sent)",
        Function.ACCOUNTS: "the owner reads a sent campaign's statistics",
        Function.FANOUT: "a started campaign fanned out onto the send queue",
        Function.SENDER: "a batch of one recipient not yet sent to (one personalized email)",
        Function.SES_EVENTS: "an SES Delivery event for a sent email",
        Function.IMPORTER: f"an uploaded CSV file of {IMPORT_ROWS} new contacts, through its S3 event",
        Function.EXPORTER: "the list (a few dozen contacts) exported as CSV to the transfer bucket",
        Function.SUBJECT_REQUESTS: "events/" + SAMPLE[Function.SUBJECT_REQUESTS],
        Function.SES_WEBHOOK: "events/"
        + SAMPLE[Function.SES_WEBHOOK]
        + " for a topic not configured (refused before any certificate fetch)",
    }
    return FirstRequests(events, describe)
