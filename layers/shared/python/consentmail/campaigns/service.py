"""Campaign rules: CRUD scoped to the owning account (another account's campaign is as absent as
none), content through the sensitive-data guard and with its 6-day expiry restarted by every edit,
changes only while a draft, and a send that starts exactly once — now, or at a scheduled time.

Before a send: a preview renders the email one contact (or a sample) would get; a test send mails
it, subject `[Test]`, without tracking and outside every statistic, only to the account holder's
own address, at most 20 a day; a schedule (5 minutes to 6 days out) is an EventBridge Scheduler
one-time schedule that starts the same send path; a duplicate is a new draft with the same content.

A repeated `send` answers with the campaign's current status (202, `sending` or `sent`) and sends
nothing again: the draft -> sending transition is one conditional write, and only its winner
enqueues the fan-out."""

import uuid
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.adapters.scheduler import CampaignSchedules
from consentmail.adapters.ses import TAG_KIND, send_raw
from consentmail.adapters.sqs import SendQueues
from consentmail.campaigns.models import (
    CampaignCreate,
    CampaignPatch,
    CampaignView,
    PreviewView,
    ScheduleAccepted,
    TestSendAccepted,
)
from consentmail.campaigns.stats import (
    CampaignStats,
    LinkStats,
    Timeline,
    campaign_links,
    campaign_stats,
    campaign_timeline,
)
from consentmail.core.addresses import normalize
from consentmail.core.clock import iso
from consentmail.core.errors import (
    Conflict,
    EmailNotSent,
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
    Retryable,
    TooManyRequests,
    Unavailable,
)
from consentmail.core.records import (
    CampaignRecord,
    CampaignStatus,
    Contact,
    ContactStatus,
    Content,
    MailingList,
)
from consentmail.core.sensitive_data import check_content
from consentmail.mail.campaign_email import RenderedEmail, mime_of, render_campaign_email
from consentmail.mail.personalization import CampaignTemplates, RenderingFailed, check_templates
from consentmail.sending.models import FanOutMessage
from consentmail.store.accounts import AccountRepository
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.contacts import ContactRepository
from consentmail.store.content import ContentRepository
from consentmail.store.counters import CounterRepository
from consentmail.store.lists import ListRepository

logger = Logger(child=True)

# A schedule at least this far out (time to change one's mind) and at most this far: the content
# is kept 6 days from the scheduling, so it still exists when the send starts.
SCHEDULE_SOONEST = timedelta(minutes=5)
SCHEDULE_LATEST = timedelta(days=6)
TEST_SENDS_PER_DAY = 20
TEST_PREFIX = "[Test] "
# Test emails carry only this tag: SES events of an untagged-account message change no statistic.
TEST_KIND = "test"


def _sample_contact(record: CampaignRecord, at: datetime, first="Ada", last="Lovelace", email="") -> Contact:
    """Who a preview without a contact, and a test send, are rendered for: no attributes (so every
    `default` shows) and no tracking."""
    return Contact(
        contact_id="sample",
        list_id=record.list_id,
        account_id=record.account_id,
        email=email or "ada.lovelace@example.com",
        email_hash="",
        first_name=first,
        last_name=last,
        status=ContactStatus.CONFIRMED,
        tracking_consent=False,
        created_at=at,
    )


class CampaignService:
    def __init__(
        self,
        campaigns=None,
        content=None,
        lists=None,
        queues=None,
        counters=None,
        contacts=None,
        accounts=None,
        schedules=None,
        send=send_raw,
    ):
        self.campaigns = campaigns or CampaignRepository()
        self.content = content or ContentRepository()
        self.lists = lists or ListRepository()
        self.counters = counters or CounterRepository()
        self.contacts = contacts or ContactRepository()
        self.accounts = accounts or AccountRepository()
        self._queues = queues
        self._schedules = schedules
        self._send = send

    @property
    def schedules(self) -> CampaignSchedules:
        if self._schedules is None:
            self._schedules = CampaignSchedules()
        return self._schedules

    @property
    def queues(self) -> SendQueues:
        if self._queues is None:
            self._queues = SendQueues()
        return self._queues

    def _own_list(self, account_id: str, list_id: str, at: datetime) -> None:
        if self.lists.get_for_account(account_id, list_id, at) is None:
            raise InvalidInput("There is no list with this id.", [FieldError("list_id", "no such list")])

    def _campaign(self, account_id: str, campaign_id: str, at: datetime) -> CampaignRecord:
        record = self.campaigns.get_for_account(account_id, campaign_id, at)
        if record is None:
            raise NotFound("There is no campaign with this id.")
        return record

    def create(self, account_id: str, request: CampaignCreate, at: datetime) -> CampaignView:
        self._own_list(account_id, request.list_id, at)
        check_templates({"subject": request.subject, "html": request.html, "text": request.text})
        check_content({"subject": request.subject, "html": request.html, "text": request.text or ""})
        record = CampaignRecord(
            campaign_id=uuid.uuid4().hex,
            account_id=account_id,
            list_id=request.list_id,
            created_at=at,
            updated_at=at,
        )
        content = Content(subject=request.subject, html=request.html, text=request.text)
        # Content first: a campaign item never points at content that was not written.
        self.content.put(record.campaign_id, content, at)
        self.campaigns.create(record)
        return CampaignView.of(record, content)

    def get(self, account_id: str, campaign_id: str, at: datetime) -> CampaignView:
        record = self._campaign(account_id, campaign_id, at)
        return CampaignView.of(record, self.content.get(campaign_id, at))

    def stats(self, account_id: str, campaign_id: str, at: datetime) -> CampaignStats:
        """The campaign's statistics; another account's campaign is as absent as none (404)."""
        return campaign_stats(self._campaign(account_id, campaign_id, at), at, self.counters)

    def timeline(self, account_id: str, campaign_id: str, at: datetime) -> Timeline:
        """Hourly then daily buckets from the send on; none before the campaign is sent."""
        return campaign_timeline(self._campaign(account_id, campaign_id, at), at, self.counters)

    def links(self, account_id: str, campaign_id: str, at: datetime) -> list[LinkStats]:
        """Clicks per link in the campaign's link order; another account's campaign is a 404."""
        return campaign_links(self._campaign(account_id, campaign_id, at), at, self.counters)

    def of_account(self, account_id: str, at: datetime) -> list[CampaignView]:
        return [
            CampaignView.of(record, self.content.get(record.campaign_id, at))
            for record in self.campaigns.of_account(account_id, at)
        ]

    def update(self, account_id: str, campaign_id: str, patch: CampaignPatch, at: datetime) -> CampaignView:
        record = self._campaign(account_id, campaign_id, at)
        if record.status == CampaignStatus.SCHEDULED:
            raise Conflict("A scheduled campaign cannot be changed: unschedule it first.")
        if record.status != CampaignStatus.DRAFT:
            raise Conflict("Only a draft campaign can be changed: this one has been sent.")
        changes = patch.model_dump(exclude_unset=True)
        if changes.get("list_id") is not None:
            self._own_list(account_id, changes["list_id"], at)
            record.list_id = changes["list_id"]
        content = self.content.get(campaign_id, at)
        touches_content = any(name in changes for name in ("subject", "html", "text"))
        if touches_content:
            subject = changes.get("subject") or (content.subject if content else None)
            html = changes.get("html") or (content.html if content else None)
            text = changes.get("text", content.text if content else None)
            if not subject or not html:
                # Expired content is gone: an edit must bring the whole message again.
                missing = [
                    FieldError(name, "required: the earlier content has expired")
                    for name, value in (("subject", subject), ("html", html))
                    if not value
                ]
                raise InvalidInput("The campaign's content has expired; send subject and html.", missing)
            check_templates({"subject": subject, "html": html, "text": text})
            check_content({"subject": subject, "html": html, "text": text or ""})
            content = Content(subject=subject, html=html, text=text)
            self.content.put(campaign_id, content, at)
        record.updated_at = at
        self.campaigns.save_draft(record)
        return CampaignView.of(record, content)

    def delete(self, account_id: str, campaign_id: str, at: datetime) -> None:
        record = self._campaign(account_id, campaign_id, at)
        if record.status == CampaignStatus.SCHEDULED:
            # Its schedule would otherwise fire into a campaign that is gone (harmless, but noise).
            self._delete_schedule(campaign_id)
        self.content.delete(campaign_id)
        self.campaigns.delete(campaign_id)

    def start_send(self, account_id: str, campaign_id: str, at: datetime) -> CampaignStatus:
        """Start the send once; every later call answers the current status and does nothing."""
        record = self._campaign(account_id, campaign_id, at)
        if record.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            return record.status
        if self.lists.get_for_account(account_id, record.list_id, at) is None:
            raise Conflict("The campaign's list no longer exists.")
        # Send start restarts the content's 6 days; expired content is never revived.
        if not self.content.extend(campaign_id, at):
            raise Conflict("The campaign's content has expired: edit it before sending.")
        if not self.campaigns.start_sending(campaign_id, at):
            current = self.campaigns.get(campaign_id, at)
            return current.status if current else CampaignStatus.SENDING
        try:
            self.queues.enqueue_fanout(FanOutMessage(campaign_id=campaign_id, account_id=account_id))
        except Exception:
            # Nothing was handed over: back to draft so the next call can start it again.
            self.campaigns.undo_start(campaign_id, at)
            raise
        if record.status == CampaignStatus.SCHEDULED:
            # Sent now instead: the schedule's firing would start nothing, but it should not fire.
            self._delete_schedule(campaign_id)
        logger.info("campaign send started", extra={"campaign_id": campaign_id})
        return CampaignStatus.SENDING

    # --- before a send: preview, test, schedule, duplicate ------------------------------------

    def _sendable_parts(self, record: CampaignRecord, at: datetime) -> tuple[MailingList, Content]:
        content = self.content.get(record.campaign_id, at)
        if content is None:
            raise Gone("The campaign's content has expired (6 days after its last edit): nothing to use.")
        mailing_list = self.lists.get_for_account(record.account_id, record.list_id, at)
        if mailing_list is None:
            raise Conflict("The campaign's list no longer exists.")
        return mailing_list, content

    @staticmethod
    def _render(templates, mailing_list, contact, record, at, tracked: bool) -> RenderedEmail:
        try:
            return render_campaign_email(
                templates=templates,
                mailing_list=mailing_list,
                contact=contact,
                campaign_id=record.campaign_id,
                at=at,
                tracked=tracked,
            )
        except RenderingFailed as failed:
            raise InvalidInput(f"The campaign cannot be rendered: {failed}. Edit its content.") from failed

    def preview(self, account_id: str, campaign_id: str, contact_id: str | None, at: datetime) -> PreviewView:
        """The email `contact_id` would get (its tracking included), or a sample contact's."""
        record = self._campaign(account_id, campaign_id, at)
        mailing_list, content = self._sendable_parts(record, at)
        if contact_id:
            contact = self.contacts.get(record.list_id, contact_id, at)
            if contact is None:
                raise NotFound("There is no contact with this id in the campaign's list.")
        else:
            contact = _sample_contact(record, at)
        email = self._render(CampaignTemplates(content), mailing_list, contact, record, at, tracked=True)
        return PreviewView(subject=email.subject, html=email.html, text=email.text)

    def test_send(self, account_id: str, campaign_id: str, to: list[str], at: datetime) -> TestSendAccepted:
        """The rendered email, `[Test]`, to the account holder's own address only: no tracking, no
        statistics (its SES events carry no account), at most 20 a day."""
        record = self._campaign(account_id, campaign_id, at)
        profile = self.accounts.get_profile(account_id, at)
        own = _normalized(profile.email) if profile else None
        addresses: list[str] = []
        errors: list[FieldError] = []
        for index, address in enumerate(to):
            normalized = _normalized(address)
            if own is None or normalized != own:
                errors.append(FieldError(f"to.{index}", "not your own verified address"))
            elif normalized not in addresses:
                addresses.append(normalized)
        if errors:
            raise InvalidInput(
                "A test is sent only to your own verified address (the one you sign in with).", errors
            )
        mailing_list, content = self._sendable_parts(record, at)
        assert profile is not None
        contact = _sample_contact(record, at, profile.first_name, profile.last_name, profile.email)
        email = self._render(CampaignTemplates(content), mailing_list, contact, record, at, tracked=False)
        email = RenderedEmail(
            subject=TEST_PREFIX + email.subject,
            html=email.html,
            text=email.text,
            unsubscribe_url=email.unsubscribe_url,
        )
        if not self.campaigns.take_test_sends(account_id, len(addresses), TEST_SENDS_PER_DAY, at):
            raise TooManyRequests(
                f"At most {TEST_SENDS_PER_DAY} test emails a day: try again tomorrow (UTC)."
            )
        for address in addresses:
            try:
                self._send(
                    mime_of(email, mailing_list, address, at),
                    from_email=mailing_list.from_email,
                    to=address,
                    tags={TAG_KIND: TEST_KIND},
                )
            except EmailNotSent as error:
                raise Unavailable(f"SES did not take the test email ({error.code}); try again.") from error
        logger.info("campaign test sent", extra={"campaign_id": campaign_id, "count": len(addresses)})
        return TestSendAccepted(to=addresses)

    def schedule(self, account_id: str, campaign_id: str, when: datetime, at: datetime) -> ScheduleAccepted:
        """Schedule (or move) the send; nothing is left half-written if the scheduler refuses."""
        when = when.replace(microsecond=0)
        if when < at + SCHEDULE_SOONEST or when > at + SCHEDULE_LATEST:
            raise InvalidInput(
                "A send is scheduled at least 5 minutes and at most 6 days out.",
                [
                    FieldError(
                        "at", f"must be between {iso(at + SCHEDULE_SOONEST)} and {iso(at + SCHEDULE_LATEST)}"
                    )
                ],
            )
        record = self._campaign(account_id, campaign_id, at)
        if record.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise Conflict("This campaign has been sent: it cannot be scheduled.")
        self._sendable_parts(record, at)
        if not self.campaigns.schedule(campaign_id, when, at):
            raise Conflict("This campaign has been sent meanwhile: it cannot be scheduled.")
        message = FanOutMessage(campaign_id=campaign_id, account_id=account_id, scheduled_at=iso(when))
        try:
            self.schedules.put(campaign_id, when, message.model_dump_json())
        except Retryable as error:
            self._restore(record, at)
            raise Unavailable(f"The schedule could not be created ({error}); try again.") from error
        except Exception:
            self._restore(record, at)
            raise
        # The content must outlive the wait: scheduling restarts its 6 days, as a send start does.
        self.content.extend(campaign_id, at)
        logger.info("campaign scheduled", extra={"campaign_id": campaign_id, "scheduled_at": iso(when)})
        return ScheduleAccepted(status=CampaignStatus.SCHEDULED, scheduled_at=iso(when))

    def _restore(self, before: CampaignRecord, at: datetime) -> None:
        """Undo a schedule change the scheduler did not take: back to the earlier time or draft."""
        if before.status == CampaignStatus.SCHEDULED and before.scheduled_at is not None:
            self.campaigns.schedule(before.campaign_id, before.scheduled_at, at)
        else:
            self.campaigns.unschedule(before.campaign_id, at)

    def unschedule(self, account_id: str, campaign_id: str, at: datetime) -> CampaignView:
        """Back to draft; 409 if it is not scheduled (its send may have started)."""
        record = self._campaign(account_id, campaign_id, at)
        if record.status != CampaignStatus.SCHEDULED:
            raise Conflict(f"This campaign is not scheduled (it is {record.status.value}).")
        # The schedule goes first: if the status change then loses to its firing, nothing is
        # left that could fire again.
        self._delete_schedule(campaign_id)
        if not self.campaigns.unschedule(campaign_id, at):
            raise Conflict("This campaign's scheduled send has already started.")
        return self.get(account_id, campaign_id, at)

    def _delete_schedule(self, campaign_id: str) -> None:
        try:
            self.schedules.delete(campaign_id)
        except Retryable as error:
            raise Unavailable(f"The schedule could not be removed ({error}); try again.") from error

    def duplicate(self, account_id: str, campaign_id: str, at: datetime) -> CampaignView:
        """A new draft with the same list and content; 410 once the content has expired."""
        record = self._campaign(account_id, campaign_id, at)
        content = self.content.get(campaign_id, at)
        if content is None:
            raise Gone(
                "The campaign's content has expired (kept 6 days after its last edit or send): "
                "there is nothing to copy."
            )
        if self.lists.get_for_account(account_id, record.list_id, at) is None:
            raise Conflict("The campaign's list no longer exists: create a new campaign for another list.")
        copy = CampaignRecord(
            campaign_id=uuid.uuid4().hex,
            account_id=account_id,
            list_id=record.list_id,
            created_at=at,
            updated_at=at,
        )
        self.content.put(copy.campaign_id, content, at)
        self.campaigns.create(copy)
        return CampaignView.of(copy, content)


def _normalized(address: str) -> str:
    """Compared case-folded, as the addresses' keyed hashes are; a malformed one matches nothing."""
    try:
        return normalize(address, "to").casefold()
    except InvalidInput:
        return ""
