"""Before a campaign goes out, against moto through the accounts function: personalization checked
at save time and rendered per recipient, preview, test send, scheduling (an EventBridge Scheduler
one-time schedule that starts the same send path once, even if it fires twice) and duplicate."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import time_machine

import functions.fanout.handler as fanout_function
import functions.sender.handler as sender_function
from consentmail.adapters.scheduler import CampaignSchedules, schedule_name
from consentmail.composition import accounts as account_services
from consentmail.composition import fanout as fanout_services
from consentmail.composition import sender as sender_services
from consentmail.core.errors import Retryable
from consentmail.sending.fanout import FanOut
from consentmail.store.accounts import AccountRepository
from consentmail.store.contacts import ContactRepository
from consentmail.store.counters import CounterRepository
from tests.accounts_helpers import call, open_account
from tests.conftest import sent_messages
from tests.integration.test_sending import FakeTime, drain, make_sender
from tests.sending_helpers import add_contact, parse, parts

OWNER = {"sub": "account-demo"}
STRANGER = {"sub": "account-other"}
OWN_ADDRESS = "account-demo@example.com"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PERSONAL = {
    "list_id": "list-demo",
    "subject": "Hello {{ first_name }}",
    "html": '<p>Hi {{ first_name | default("there") }}, plan {{ attributes.plan | default("basic") }}.</p>'
    '<p><a href="https://example.com/offer">Offer</a></p>',
    "text": 'Hi {{ first_name | default("there") }}',
}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def accounts(aws, demo_list, clock):
    open_account(OWNER["sub"])
    open_account(STRANGER["sub"])
    return demo_list


@pytest.fixture
def pipeline(aws, monkeypatch):
    """The fan-out and sender functions bound to this test's moto; the sender paced on a fake clock."""
    fanout = FanOut()
    monkeypatch.setattr(fanout_services, "fanout", lambda: fanout)
    sender = make_sender(FakeTime())
    sender._clock = lambda: datetime.now(UTC)
    monkeypatch.setattr(sender_services, "sender", lambda: sender)

    def run() -> None:
        drain(aws.environment["CONSENTMAIL_FANOUT_QUEUE_URL"], fanout_function.handler)
        drain(aws.environment["CONSENTMAIL_SEND_QUEUE_URL"], sender_function.handler)

    return run


def create(**changes) -> dict:
    reply = call("POST", "/campaigns", claims=OWNER, body={**PERSONAL, **changes})
    assert reply.status == 201, reply.text
    return reply.json()


def scheduler():
    return boto3.client("scheduler", region_name="eu-west-3")


def subjects() -> list[tuple[str, str]]:
    return sorted((parse(m.raw_data)["To"], parse(m.raw_data)["Subject"]) for m in sent_messages())


# --- personalization -----------------------------------------------------------------------------


def test_an_unknown_tag_is_refused_at_save_time_naming_the_tag_and_line(accounts):
    reply = call(
        "POST", "/campaigns", claims=OWNER, body={**PERSONAL, "html": "<p>Hi</p>\n<p>{{ nickname }}</p>"}
    )

    assert reply.status == 422
    [error] = reply.problem["errors"]
    assert error["field"] == "html"
    assert "line 2" in error["message"] and "{{ nickname }}" in error["message"]
    assert call("GET", "/campaigns", claims=OWNER).json()["items"] == []


def test_a_syntax_error_or_another_filter_in_an_edit_is_refused_and_the_draft_kept(accounts):
    campaign = create()

    broken = call(
        "PATCH", f"/campaigns/{campaign['campaign_id']}", claims=OWNER, body={"text": "Hi {{ email "}
    )
    filtered = call(
        "PATCH",
        f"/campaigns/{campaign['campaign_id']}",
        claims=OWNER,
        body={"subject": "{{ email | upper }}"},
    )

    assert broken.status == 422 and broken.problem["errors"][0]["field"] == "text"
    assert filtered.status == 422 and "unknown filter 'upper'" in filtered.problem["detail"]
    assert (
        call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()["text"] == PERSONAL["text"]
    )


def test_each_recipient_gets_the_email_rendered_for_them(accounts, pipeline):
    ada = add_contact(accounts, "ada@example.org")
    anonymous = add_contact(accounts, "anon@example.org")
    anonymous.first_name = ""
    anonymous.attributes = {"plan": "<b>gold</b>"}
    ContactRepository().replace(anonymous)
    campaign = create()

    assert call("POST", f"/campaigns/{campaign['campaign_id']}/send", claims=OWNER).status == 202
    pipeline()

    assert subjects() == [("ada@example.org", "Hello Ada"), ("anon@example.org", "Hello")]
    by_address = {parse(m.raw_data)["To"]: parts(m.raw_data) for m in sent_messages()}
    _, text, html = by_address[anonymous.email]
    assert "Hi there, plan &lt;b&gt;gold&lt;/b&gt;." in html and "<b>gold</b>" not in html
    assert text.startswith("Hi there")
    assert "Hi Ada, plan basic." in by_address[ada.email][2]


def test_a_recipient_whose_rendered_email_carries_sensitive_data_is_counted_failed(accounts, pipeline):
    add_contact(accounts, "ada@example.org")
    leaky = add_contact(accounts, "leaky@example.org")
    leaky.attributes = {"plan": "4111 1111 1111 1111"}
    ContactRepository().replace(leaky)
    campaign = create()

    call("POST", f"/campaigns/{campaign['campaign_id']}/send", claims=OWNER)
    pipeline()

    assert [to for to, _ in subjects()] == ["ada@example.org"]
    counts = CounterRepository().totals(campaign["campaign_id"])
    assert (counts["recipients"], counts["sent"], counts["failed"]) == (2, 1, 1)


# --- preview ---------------------------------------------------------------------------------------


def test_preview_renders_for_a_contact_with_the_tracking_that_contact_gets(accounts):
    tracked = add_contact(accounts, "ada@example.org", tracking=True)
    campaign = create()

    reply = call(
        "GET",
        f"/campaigns/{campaign['campaign_id']}/preview",
        claims=OWNER,
        query={"contact_id": tracked.contact_id},
    )

    assert reply.status == 200, reply.text
    preview = reply.json()
    assert preview["subject"] == "Hello Ada"
    assert "/t/o/" in preview["html"] and "/t/c/" in preview["html"]
    assert "/unsubscribe?token=" in preview["html"] and "/unsubscribe?token=" in preview["text"]
    assert sent_messages() == []


def test_preview_without_a_contact_uses_a_sample_without_tracking(accounts):
    campaign = create()

    preview = call("GET", f"/campaigns/{campaign['campaign_id']}/preview", claims=OWNER).json()

    assert preview["subject"] == "Hello Ada"
    assert "plan basic" in preview["html"]
    assert "/t/o/" not in preview["html"] and 'href="https://example.com/offer"' in preview["html"]


def test_preview_of_an_unknown_contact_or_another_accounts_campaign_is_404(accounts):
    campaign = create()
    path = f"/campaigns/{campaign['campaign_id']}/preview"

    assert call("GET", path, claims=OWNER, query={"contact_id": "nobody"}).status == 404
    assert call("GET", path, claims=STRANGER).status == 404


def test_preview_of_expired_content_is_410(accounts, clock):
    campaign = create()
    clock.shift(timedelta(days=6, seconds=1))

    reply = call("GET", f"/campaigns/{campaign['campaign_id']}/preview", claims=OWNER)

    assert reply.status == 410 and "expired" in reply.problem["detail"]


# --- test send -------------------------------------------------------------------------------------


def test_a_test_send_goes_to_my_own_address_marked_test_without_tracking_or_stats(accounts):
    add_contact(accounts, "ada@example.org", tracking=True)
    campaign = create()

    reply = call(
        "POST", f"/campaigns/{campaign['campaign_id']}/test", claims=OWNER, body={"to": [OWN_ADDRESS]}
    )

    assert reply.status == 202, reply.text
    [message] = sent_messages()
    email, text, html = parts(message.raw_data)
    assert email["To"] == OWN_ADDRESS
    assert email["Subject"] == "[Test] Hello Ada"
    assert "/t/o/" not in html and "/t/c/" not in html
    stats = call("GET", f"/campaigns/{campaign['campaign_id']}/stats", claims=OWNER).json()
    assert stats["recipients"] == stats["sent"] == 0
    assert call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()["status"] == "draft"


def test_a_test_send_to_any_other_address_is_422_and_sends_nothing(accounts):
    campaign = create()

    reply = call(
        "POST",
        f"/campaigns/{campaign['campaign_id']}/test",
        claims=OWNER,
        body={"to": [OWN_ADDRESS, "stranger@example.org"]},
    )

    assert reply.status == 422
    assert [e["field"] for e in reply.problem["errors"]] == ["to.1"]
    assert sent_messages() == []


@pytest.mark.parametrize("body", [{}, {"to": []}, {"to": "me@example.com"}, {"to": [OWN_ADDRESS], "cc": []}])
def test_a_malformed_test_request_is_422(accounts, body):
    campaign = create()

    assert call("POST", f"/campaigns/{campaign['campaign_id']}/test", claims=OWNER, body=body).status == 422
    assert sent_messages() == []


def test_at_most_20_test_sends_a_day(accounts, clock):
    campaign = create()
    path = f"/campaigns/{campaign['campaign_id']}/test"

    answers = [call("POST", path, claims=OWNER, body={"to": [OWN_ADDRESS]}).status for _ in range(21)]

    assert answers == [202] * 20 + [429]
    assert len(sent_messages()) == 20
    clock.shift(timedelta(days=1))
    assert call("POST", path, claims=OWNER, body={"to": [OWN_ADDRESS]}).status == 202


# --- scheduling -------------------------------------------------------------------------------------


def schedule(campaign_id: str, at: datetime | str, claims=OWNER):
    value = at if isinstance(at, str) else at.isoformat()
    return call("POST", f"/campaigns/{campaign_id}/schedule", claims=claims, body={"at": value})


def test_schedule_creates_a_one_time_schedule_that_deletes_itself(accounts, aws):
    campaign = create()
    when = datetime(2026, 11, 24, 10, 0, tzinfo=UTC).astimezone(
        datetime.fromisoformat("2026-11-24T11:00:00+01:00").tzinfo
    )

    reply = schedule(campaign["campaign_id"], when)

    assert reply.status == 202, reply.text
    assert reply.json() == {"status": "scheduled", "scheduled_at": "2026-11-24T10:00:00Z"}
    view = call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()
    assert (view["status"], view["scheduled_at"]) == ("scheduled", "2026-11-24T10:00:00Z")
    stored = scheduler().get_schedule(
        Name=schedule_name(campaign["campaign_id"]), GroupName=aws.environment["CONSENTMAIL_SCHEDULE_GROUP"]
    )
    assert stored["ScheduleExpression"] == "at(2026-11-24T10:00:00)"
    assert stored["ActionAfterCompletion"] == "DELETE"
    assert stored["Target"]["Arn"] == aws.environment["CONSENTMAIL_FANOUT_QUEUE_ARN"]


@pytest.mark.parametrize(
    ("at", "field"),
    [
        ("2026-11-21T09:00:00", "at"),  # no offset
        ("tomorrow", "at"),
        ((NOW + timedelta(minutes=4)).isoformat(), "at"),
        ((NOW + timedelta(days=6, minutes=1)).isoformat(), "at"),
        ((NOW - timedelta(hours=1)).isoformat(), "at"),
    ],
)
def test_a_schedule_outside_5_minutes_to_6_days_or_without_offset_is_422(accounts, aws, at, field):
    campaign = create()

    reply = schedule(campaign["campaign_id"], at)

    assert reply.status == 422 and reply.problem["errors"][0]["field"] == field
    assert call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()["status"] == "draft"
    group = aws.environment["CONSENTMAIL_SCHEDULE_GROUP"]
    assert scheduler().list_schedules(GroupName=group)["Schedules"] == []


def test_scheduling_another_accounts_campaign_is_404(accounts):
    campaign = create()

    assert schedule(campaign["campaign_id"], NOW + timedelta(hours=1), claims=STRANGER).status == 404


def test_a_scheduled_campaign_cannot_be_edited_until_unscheduled(accounts, aws):
    campaign = create()
    path = f"/campaigns/{campaign['campaign_id']}"
    schedule(campaign["campaign_id"], NOW + timedelta(hours=1))

    refused = call("PATCH", path, claims=OWNER, body={"subject": "Changed"})
    unscheduled = call("DELETE", f"{path}/schedule", claims=OWNER)
    again = call("DELETE", f"{path}/schedule", claims=OWNER)

    assert refused.status == 409 and "unschedule" in refused.problem["detail"]
    assert unscheduled.status == 200
    assert (unscheduled.json()["status"], unscheduled.json()["scheduled_at"]) == ("draft", None)
    assert again.status == 409
    group = aws.environment["CONSENTMAIL_SCHEDULE_GROUP"]
    assert scheduler().list_schedules(GroupName=group)["Schedules"] == []
    assert call("PATCH", path, claims=OWNER, body={"subject": "Changed"}).status == 200


def test_a_scheduler_that_refuses_leaves_the_draft_as_it_was(accounts, monkeypatch):
    campaign = create()

    class Refusing:
        def put(self, *args):
            raise Retryable("ThrottlingException")

    service = account_services.campaigns()
    monkeypatch.setattr(service, "_schedules", Refusing())

    reply = schedule(campaign["campaign_id"], NOW + timedelta(hours=1))

    assert reply.status == 503
    view = call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()
    assert (view["status"], view["scheduled_at"]) == ("draft", None)


def test_a_schedule_that_fires_twice_sends_each_contact_once(accounts, aws, clock, pipeline):
    add_contact(accounts, "ada@example.org")
    add_contact(accounts, "grace@example.org")
    campaign = create()
    when = NOW + timedelta(hours=2)
    schedule(campaign["campaign_id"], when)
    schedules = CampaignSchedules()
    clock.move_to(when + timedelta(seconds=1))

    [due] = schedules.due(datetime.now(UTC))
    schedules.fire(due)
    schedules.fire(due)  # at-least-once delivery: the same message again
    pipeline()

    assert subjects() == [("ada@example.org", "Hello Ada"), ("grace@example.org", "Hello Ada")]
    view = call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()
    assert view["status"] == "sent"
    assert schedules.due(datetime.now(UTC)) == []
    stats = call("GET", f"/campaigns/{campaign['campaign_id']}/stats", claims=OWNER).json()
    assert (stats["recipients"], stats["sent"]) == (2, 2)
    # and, started by its schedule, it kept its link order for its link statistics
    links = call("GET", f"/campaigns/{campaign['campaign_id']}/stats/links", claims=OWNER).json()
    assert links == [{"url": "https://example.com/offer", "clicks": 0, "unique_clicks": 0}]


def test_nothing_is_due_before_its_time_and_a_replaced_schedule_starts_nothing(
    accounts, aws, clock, pipeline
):
    add_contact(accounts, "ada@example.org")
    campaign = create()
    first = NOW + timedelta(hours=1)
    schedule(campaign["campaign_id"], first)
    old_message = json.dumps(
        {
            "campaign_id": campaign["campaign_id"],
            "account_id": OWNER["sub"],
            "scheduled_at": "2026-11-20T10:00:00Z",
        }
    )
    schedule(campaign["campaign_id"], NOW + timedelta(hours=3))
    schedules = CampaignSchedules()

    assert schedules.due(NOW + timedelta(hours=2)) == []
    boto3.client("sqs", region_name="eu-west-3").send_message(
        QueueUrl=aws.environment["CONSENTMAIL_FANOUT_QUEUE_URL"], MessageBody=old_message
    )
    pipeline()

    assert sent_messages() == []
    assert call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()["status"] == "scheduled"


def test_sending_now_a_scheduled_campaign_removes_its_schedule(accounts, aws, pipeline):
    add_contact(accounts, "ada@example.org")
    campaign = create()
    schedule(campaign["campaign_id"], NOW + timedelta(hours=1))

    reply = call("POST", f"/campaigns/{campaign['campaign_id']}/send", claims=OWNER)
    pipeline()

    assert reply.status == 202 and reply.json() == {"status": "sending"}
    assert len(sent_messages()) == 1
    assert CampaignSchedules().due(NOW + timedelta(days=7)) == []


# --- duplicate -------------------------------------------------------------------------------------


def test_duplicate_is_a_new_draft_with_the_same_content(accounts, pipeline):
    add_contact(accounts, "ada@example.org")
    original = create()
    call("POST", f"/campaigns/{original['campaign_id']}/send", claims=OWNER)
    pipeline()

    reply = call("POST", f"/campaigns/{original['campaign_id']}/duplicate", claims=OWNER)

    assert reply.status == 201, reply.text
    copy = reply.json()
    assert copy["campaign_id"] != original["campaign_id"]
    assert (copy["status"], copy["sent_at"], copy["scheduled_at"]) == ("draft", None, None)
    assert {k: copy[k] for k in ("list_id", "subject", "html", "text")} == {
        k: original[k] for k in ("list_id", "subject", "html", "text")
    }
    assert len(call("GET", "/campaigns", claims=OWNER).json()["items"]) == 2


def test_duplicating_expired_content_is_410_and_creates_nothing(accounts, clock):
    original = create()
    clock.shift(timedelta(days=7))

    reply = call("POST", f"/campaigns/{original['campaign_id']}/duplicate", claims=OWNER)

    assert reply.status == 410 and "content has expired" in reply.problem["detail"]
    assert len(call("GET", "/campaigns", claims=OWNER).json()["items"]) == 1


def test_duplicating_another_accounts_campaign_is_404(accounts):
    original = create()

    assert call("POST", f"/campaigns/{original['campaign_id']}/duplicate", claims=STRANGER).status == 404


@pytest.mark.parametrize(
    "name",
    [
        "campaigns_preview",
        "campaigns_test",
        "campaigns_schedule",
        "campaigns_unschedule",
        "campaigns_duplicate",
    ],
)
def test_each_sample_event_reaches_its_route(accounts, name):
    """The samples in events/ are what API Gateway delivers: each one is routed and validated, and
    answers 404 for its campaign id, which no account has."""
    from functions.accounts.handler import handler
    from tests.accounts_helpers import sample
    from tests.http_events import FakeContext

    result = handler(sample(name, OWNER), FakeContext())

    assert result["statusCode"] == 404, result["body"]
    assert json.loads(result["body"])["detail"] == "There is no campaign with this id."


def test_a_schedule_firing_after_the_account_closed_sends_nothing(accounts, aws, clock, pipeline):
    add_contact(accounts, "ada@example.org")
    campaign = create()
    when = NOW + timedelta(hours=1)
    schedule(campaign["campaign_id"], when)
    message = CampaignSchedules().due(when)[0].payload
    from consentmail.core.records import AccountStatus
    from consentmail.store.accounts import AccountRepository

    profile = AccountRepository().get_profile(OWNER["sub"], NOW)
    profile.status = AccountStatus.CLOSED
    AccountRepository().save_profile(profile)
    clock.move_to(when)

    boto3.client("sqs", region_name="eu-west-3").send_message(
        QueueUrl=aws.environment["CONSENTMAIL_FANOUT_QUEUE_URL"], MessageBody=message
    )
    pipeline()

    assert sent_messages() == []


def test_an_unverified_account_can_preview_but_neither_test_send_nor_schedule(accounts):
    # Given an account whose address nobody proved yet, with a campaign it prepared
    AccountRepository().save_profile(
        AccountRepository().get_profile(OWNER["sub"], NOW).model_copy(update={"email_verified": False})
    )
    campaign = create()

    # When it previews, tests and schedules
    preview = call("GET", f"/campaigns/{campaign['campaign_id']}/preview", claims=OWNER)
    test = call(
        "POST", f"/campaigns/{campaign['campaign_id']}/test", claims=OWNER, body={"to": [OWN_ADDRESS]}
    )
    at = (NOW + timedelta(hours=1)).isoformat()
    schedule = call("POST", f"/campaigns/{campaign['campaign_id']}/schedule", claims=OWNER, body={"at": at})

    # Then it sees its email, but nothing goes out from an address nobody proved
    assert preview.status == 200
    assert test.status == 403 and "verif" in test.problem["detail"].lower()
    assert schedule.status == 403
    assert sent_messages() == []
    assert call("GET", f"/campaigns/{campaign['campaign_id']}", claims=OWNER).json()["status"] == "draft"
