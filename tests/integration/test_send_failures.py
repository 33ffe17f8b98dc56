"""No silent loss on the send path (issue 12): a recipient whose email cannot be built or sent is
counted `failed` with a reason the account holder can read in the campaign's stats; the sender
reports failures as a metric (alarmed on in the CDK app). And a property of the MIME builder: any
Unicode in subject, HTML, text or names gives a message the stdlib parses back, with no raw CR/LF
in a header and ASCII addresses."""

import email
import json
from datetime import UTC, datetime
from email.policy import default

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentmail.core.errors import EmailRefused
from consentmail.core.records import CampaignRecord, CampaignStatus, Content, MailingList
from consentmail.mail import campaign_email
from consentmail.mail.campaign_email import build_campaign_email
from consentmail.sending.models import SendBatch
from consentmail.sending.pacing import RateLimiter
from consentmail.sending.sender import Sender
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.content import ContentRepository
from tests.accounts_helpers import open_account
from tests.integration.test_campaign_stats import stats
from tests.sending_helpers import add_contact

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def campaign(mailing_list: MailingList, content: Content) -> str:
    campaign_id = "campaign-failures"
    CampaignRepository().create(
        CampaignRecord(
            campaign_id=campaign_id,
            account_id=mailing_list.account_id,
            list_id=mailing_list.list_id,
            status=CampaignStatus.SENDING,
            created_at=AT,
            updated_at=AT,
            sent_at=AT,
        )
    )
    ContentRepository().put(campaign_id, content, AT)
    return campaign_id


def send(mailing_list: MailingList, campaign_id: str, contacts: list, send=None) -> None:
    kwargs = {"send": send} if send else {}
    sender = Sender(limiter=RateLimiter(1000), sleep=lambda _s: None, clock=lambda: AT, **kwargs)
    batch = SendBatch(
        campaign_id=campaign_id,
        account_id=mailing_list.account_id,
        list_id=mailing_list.list_id,
        contact_ids=[c.contact_id for c in contacts],
    )
    sender.send_batch(batch)


def test_a_recipient_whose_email_cannot_be_built_is_counted_failed_with_a_readable_reason(
    demo_list, monkeypatch
):
    open_account(demo_list.account_id)
    contacts = [add_contact(demo_list, f"reader{i}@example.org") for i in range(3)]
    campaign_id = campaign(demo_list, Content(subject="Autumn news", html="<p>Hi</p>", text="Hi"))
    real = campaign_email.build_campaign_email
    broken = contacts[1].contact_id

    def build(**kwargs):
        if kwargs["contact"].contact_id == broken:
            raise ValueError("a header this recipient's values cannot hold")
        return real(**kwargs)

    monkeypatch.setattr("consentmail.sending.sender.build_campaign_email", build)

    send(demo_list, campaign_id, contacts)

    body = json.loads(stats(campaign_id, demo_list.account_id)["body"])
    assert (body["recipients"], body["sent"], body["failed"]) == (3, 2, 1)
    [failure] = body["failures"]
    assert failure["reason"] == "email_not_built" and failure["count"] == 1
    assert "could not be built" in failure["description"]
    assert "reader" not in json.dumps(body)


def test_ses_refusals_are_counted_failed_under_their_code(demo_list):
    open_account(demo_list.account_id)
    contacts = [add_contact(demo_list, f"reader{i}@example.org") for i in range(2)]
    campaign_id = campaign(demo_list, Content(subject="Autumn news", html="<p>Hi</p>", text="Hi"))

    def refuse(raw, **_kwargs):
        raise EmailRefused("MessageRejected")

    send(demo_list, campaign_id, contacts, send=refuse)

    body = json.loads(stats(campaign_id, demo_list.account_id)["body"])
    assert body["failed"] == 2
    assert body["failures"] == [
        {
            "reason": "MessageRejected",
            "description": "Amazon SES refused the email (MessageRejected).",
            "count": 2,
        }
    ]


def test_the_sender_reports_failed_recipients_as_a_metric(demo_list, monkeypatch, capsys):
    from functions.sender import handler as sender_function

    contacts = [add_contact(demo_list, "reader@example.org")]
    campaign_id = campaign(demo_list, Content(subject="Autumn news", html="<p>Hi</p>", text="Hi"))
    monkeypatch.setattr(
        "consentmail.sending.sender.build_campaign_email", lambda **_k: (_ for _ in ()).throw(ValueError("x"))
    )
    batch = SendBatch(
        campaign_id=campaign_id,
        account_id=demo_list.account_id,
        list_id=demo_list.list_id,
        contact_ids=[c.contact_id for c in contacts],
    )
    record = {
        "messageId": "m1",
        "receiptHandle": "r1",
        "body": batch.model_dump_json(),
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-3:123456789012:send",
        "awsRegion": "eu-west-3",
    }
    from tests.http_events import FakeContext

    sender_function.handler({"Records": [record]}, FakeContext())

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get(sender_function.FAILED_METRIC) == [1.0] for m in emitted), emitted


# --- the MIME builder ---------------------------------------------------------------------------

anything = st.text(max_size=60)


@pytest.fixture
def reader(demo_list):
    return add_contact(demo_list, "reader@example.org")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    subject=anything.filter(str.strip),
    html=anything,
    text=st.none() | anything,
    first=anything,
    name=anything,
)
def test_any_unicode_in_subject_html_text_or_names_gives_a_valid_deliverable_message(
    demo_list, reader, subject, html, text, first, name
):
    mailing_list = demo_list.model_copy(update={"from_name": name})
    contact = reader.model_copy(update={"first_name": first, "last_name": name})

    raw = build_campaign_email(
        content=Content(subject=subject, html=html or "<p></p>", text=text),
        mailing_list=mailing_list,
        contact=contact,
        campaign_id="c1",
        at=AT,
    )

    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    for line in head.split(b"\r\n"):
        # Folded continuation lines start with whitespace; nothing else breaks a header.
        assert b"\r" not in line and b"\n" not in line
    message = email.message_from_bytes(raw, policy=default)
    assert not message.defects
    assert message["To"].addresses[0].addr_spec == "reader@example.org"
    assert message["From"].addresses[0].addr_spec.isascii()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message.get_body(preferencelist=("html",)) is not None


@pytest.mark.parametrize(
    "subject", ["Autumn\u2028news", "Autumn\x0bnews", "Autumn\x85news", "Autumn\r\nBcc: x@y.z"]
)
def test_a_subject_with_line_breaking_characters_still_builds_a_message_with_one_subject_line(
    demo_list, subject
):
    contact = add_contact(demo_list, "reader@example.org")

    raw = build_campaign_email(
        content=Content(subject=subject, html="<p>Hi</p>"),
        mailing_list=demo_list,
        contact=contact,
        campaign_id="c1",
        at=AT,
    )

    message = email.message_from_bytes(raw, policy=default)
    assert (
        message["Subject"].startswith("Autumn")
        and "news" in message["Subject"]
        or "Bcc" in message["Subject"]
    )
    assert message["Bcc"] is None
