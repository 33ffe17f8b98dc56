"""The campaign set-ups of the tracking, SES-event, statistics, purge and subject-request tests: a
campaign sent to contacts (send markers as the sender writes them), a campaign a contact opened
(marker with its first open, counters), tokens of the links an email carries, SES events
aimed at our contacts, and the counters."""

import copy
import json
from datetime import UTC, datetime, timedelta

from consentmail.core.clock import iso, now
from consentmail.core.links import Recipient, click_url, open_url
from consentmail.core.records import CampaignRecord, CampaignStatus, Contact, ContactStatus, MailingList
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from tests.http_events import load_event
from tests.sending_helpers import add_contact

CAMPAIGN = "campaign-demo"


def create_campaign(mailing_list: MailingList, campaign_id: str = CAMPAIGN) -> CampaignRecord:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    record = CampaignRecord(
        campaign_id=campaign_id,
        account_id=mailing_list.account_id,
        list_id=mailing_list.list_id,
        status=CampaignStatus.SENT,
        created_at=at,
        updated_at=at,
        sent_at=at,
    )
    CampaignRepository().create(record)
    return record


def sent_to(
    mailing_list: MailingList,
    address: str,
    *,
    tracking: bool = True,
    campaign_id: str = CAMPAIGN,
    sent_at: datetime | None = None,
    contact: Contact | None = None,
) -> Contact:
    """A confirmed contact the campaign was sent to (the sender's marker, `sent`)."""
    contact = contact or add_contact(mailing_list, address, ContactStatus.CONFIRMED, tracking=tracking)
    events = EventRepository()
    events.claim_send(
        contact_id=contact.contact_id,
        campaign_id=campaign_id,
        account_id=mailing_list.account_id,
        list_id=mailing_list.list_id,
        tracked=contact.tracking_consent,
        at=sent_at or now() - timedelta(hours=1),
    )
    events.finish_send(contact.contact_id, campaign_id, "sent", "message-" + contact.contact_id)
    CounterRepository().add(
        campaign_id, {"recipients": 1, "sent": 1}, at=sent_at or now() - timedelta(hours=1)
    )
    return contact


def sent_and_opened(
    *, contact_id: str, campaign_id: str, account_id: str, list_id: str, at: datetime
) -> None:
    """The campaign was sent at `at` to one tracked contact, who opened it then: the send marker
    with the open's first time (the whole record of an open) and the campaign's counters, as the
    sender and the tracking function write them."""
    events = EventRepository()
    events.claim_send(
        contact_id=contact_id,
        campaign_id=campaign_id,
        account_id=account_id,
        list_id=list_id,
        tracked=True,
        at=at,
    )
    events.track(
        contact_id=contact_id, campaign_id=campaign_id, account_id=account_id, outcomes=("opened",), at=at
    )
    CounterRepository().add(campaign_id, {"recipients": 1, "sent": 1, "delivered": 1, "opened": 1}, at=at)


def recipient(contact: Contact, campaign_id: str = CAMPAIGN) -> Recipient:
    return Recipient(contact.account_id, campaign_id, contact.list_id, contact.contact_id)


def open_token(contact: Contact, campaign_id: str = CAMPAIGN) -> str:
    return open_url(recipient(contact, campaign_id), now() - timedelta(hours=1)).rpartition("/t/o/")[2]


def click_token(contact: Contact, url: str, campaign_id: str = CAMPAIGN) -> str:
    return click_url(recipient(contact, campaign_id), url, now() - timedelta(hours=1)).rpartition("/t/c/")[2]


def totals(campaign_id: str = CAMPAIGN) -> dict[str, int]:
    return CounterRepository().totals(campaign_id)


def ses_event(
    name: str, contact: Contact | None, *, campaign_id: str = CAMPAIGN, kind: str = "campaign"
) -> dict:
    """A sample SES event of events/, retargeted at this contact (tags and recipient)."""
    event = copy.deepcopy(load_event(name))
    if contact is None:
        return event
    mail = event["mail"]
    # The samples' times, moved to just after the send the helpers above make.
    mail["timestamp"] = iso(now() - timedelta(minutes=59))
    for part in ("delivery", "bounce", "complaint", "deliveryDelay"):
        if part in event:
            event[part]["timestamp"] = iso(now() - timedelta(minutes=58))
    mail["destination"] = [contact.email]
    if "tags" in mail:
        mail["tags"].update(
            cm_kind=[kind],
            cm_account=[contact.account_id],
            cm_campaign=[campaign_id],
            cm_list=[contact.list_id],
            cm_contact=[contact.contact_id],
        )
        if kind == "optin":
            del mail["tags"]["cm_campaign"]
    for part, key in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")):
        if part in event:
            event[part][key] = [{**event[part][key][0], "emailAddress": contact.email}]
    if "delivery" in event:
        event["delivery"]["recipients"] = [contact.email]
    if "deliveryDelay" in event:
        event["deliveryDelay"]["delayedRecipients"][0]["emailAddress"] = contact.email
    return event


def sqs_lambda_event(*messages: dict) -> dict:
    """What the SQS event source invokes the ses_events function with: one record per SES event,
    its body the event itself (the topic's raw delivery)."""
    template = load_event("ses_events_sqs")["Records"][0]
    records = []
    for index, message in enumerate(messages):
        record = copy.deepcopy(template)
        record["body"] = json.dumps(message)
        record["messageId"] = f"059f36b4-87a3-44ab-83d2-{index:012d}"
        records.append(record)
    return {"Records": records}
