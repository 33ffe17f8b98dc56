"""The recipient's preference page: tracking consent on and off, names, unsubscribe; every change
a consent-ledger entry; a withdrawal effective at once, for earlier and later emails."""

import re

import pytest

from consentmail.core.clock import now
from consentmail.core.links import preferences_url, unsubscribe_url
from consentmail.core.records import ConsentAction, ContactStatus, Content
from consentmail.mail.campaign_email import build_campaign_email
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository
from functions.subscription.handler import handler
from functions.tracking.handler import handler as tracking_handler
from tests.http_events import FakeContext, api_event, headers_of, load_event
from tests.sending_helpers import parts
from tests.tracking_helpers import open_token, sent_to, totals


def token_of(url: str) -> str:
    return url.partition("token=")[2]


@pytest.fixture
def reader(demo_list):
    return sent_to(demo_list, "reader@example.org", tracking=True)


def page(token: str) -> dict:
    event = load_event("preferences_page")
    event["queryStringParameters"] = {"token": token}
    event["multiValueQueryStringParameters"] = {"token": [token]}
    return handler(event, FakeContext())


def post(token: str, form: dict | None = None, body: str | None = None) -> dict:
    event = api_event("POST", "/preferences", query={"token": token}, form=form)
    if body is not None:
        event["body"] = body
        event["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
    return handler(event, FakeContext())


def contact_now(contact):
    return ContactRepository().get(contact.list_id, contact.contact_id, now())


def ledger(contact) -> list:
    return [r.action for r in ConsentRepository().of_contact(contact.email_hash, contact.contact_id, now())]


def assert_html_with_security_headers(response: dict) -> None:
    headers = headers_of(response)
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "set-cookie" not in {name.lower() for name in headers}


def test_the_preference_page_shows_the_current_choices(reader):
    response = page(token_of(preferences_url(reader, now())))

    assert response["statusCode"] == 200
    assert_html_with_security_headers(response)
    assert re.search(r"name=tracking_consent value=true checked", response["body"])
    assert 'value="Ada"' in response["body"]
    assert "Unsubscribe from Demo News" in response["body"]


@pytest.mark.parametrize("token", ["", "nonsense", "a.b.c"])
def test_an_invalid_preference_link_answers_400(reader, token):
    assert page(token)["statusCode"] == 400
    assert post(token, {"tracking_consent": "false"})["statusCode"] == 400


def test_another_purposes_token_is_not_a_preference_link(reader):
    assert page(token_of(unsubscribe_url(reader, now())))["statusCode"] == 400


@pytest.mark.promise("consent.ledger", "tracking.consent_only")
def test_one_post_withdraws_tracking_and_the_ledger_records_it(reader):
    response = post(token_of(preferences_url(reader, now())), {"tracking_consent": "false"})

    assert response["statusCode"] == 200
    assert_html_with_security_headers(response)
    assert contact_now(reader).tracking_consent is False
    assert ledger(reader) == [ConsentAction.TRACKING_WITHDRAWN]
    assert contact_now(reader).first_name == "Ada"  # fields not posted are left as they are


def test_the_page_form_posts_false_when_the_box_is_unticked(reader):
    # The form sends the hidden "false" and, when ticked, "true" after it: the last value wins.
    token = token_of(preferences_url(reader, now()))
    post(token, body="tracking_consent=false&first_name=Ada&last_name=")
    assert contact_now(reader).tracking_consent is False

    post(token, body="tracking_consent=false&tracking_consent=true&first_name=Ada&last_name=")
    assert contact_now(reader).tracking_consent is True
    assert ledger(reader) == [ConsentAction.TRACKING_WITHDRAWN, ConsentAction.TRACKING_GRANTED]


@pytest.mark.promise("consent.ledger")
def test_a_post_that_changes_nothing_adds_no_ledger_entry(reader):
    post(token_of(preferences_url(reader, now())), {"tracking_consent": "true", "first_name": "Ada"})

    assert ledger(reader) == []


def test_withdrawal_stops_the_earlier_emails_pixel_at_once(reader):
    pixel_token = open_token(reader)
    post(token_of(preferences_url(reader, now())), {"tracking_consent": "false"})

    event = api_event(
        "GET", f"/t/o/{pixel_token}", resource="/t/o/{token}", path_params={"token": pixel_token}
    )
    response = tracking_handler(event, FakeContext())

    assert response["statusCode"] == 200
    assert totals()["opened"] == 0


@pytest.mark.promise("tracking.consent_only")
def test_withdrawal_removes_the_pixel_and_rewritten_links_from_the_next_email(demo_list, reader):
    post(token_of(preferences_url(reader, now())), {"tracking_consent": "false"})
    content = Content(
        subject="News", html='<html><body><a href="https://shop.example.com/">Shop</a></body></html>'
    )

    raw = build_campaign_email(
        content=content,
        mailing_list=demo_list,
        contact=contact_now(reader),
        campaign_id="campaign-2",
        at=now(),
    )

    _, text, html = parts(raw)
    decoded = text + html
    assert "/t/o/" not in decoded and "/t/c/" not in decoded
    assert "https://shop.example.com/" in decoded


def test_names_can_be_corrected_and_the_change_is_recorded(reader):
    post(token_of(preferences_url(reader, now())), {"first_name": "Ada ", "last_name": "Lovelace"})

    assert contact_now(reader).last_name == "Lovelace"
    assert ledger(reader) == [ConsentAction.RECTIFIED]


def test_sensitive_data_in_a_name_is_refused(reader):
    response = post(token_of(preferences_url(reader, now())), {"last_name": "4111 1111 1111 1111"})

    assert response["statusCode"] == 422
    assert contact_now(reader).last_name == ""


def test_unsubscribing_from_the_preference_page_is_recorded_and_counted(reader):
    token = token_of(preferences_url(reader, now()))
    post(token, {"unsubscribe": "true"})
    post(token, {"unsubscribe": "true"})

    assert contact_now(reader).status == ContactStatus.UNSUBSCRIBED
    assert ledger(reader) == [ConsentAction.UNSUBSCRIBED]
    assert totals()["unsubscribed"] == 1


def test_the_unsubscribe_link_counts_an_unsubscribe_for_the_latest_campaign(demo_list, reader):
    token = token_of(unsubscribe_url(reader, now()))
    for _ in range(2):
        event = api_event("POST", "/unsubscribe", query={"token": token}, body="List-Unsubscribe=One-Click")
        event["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
        assert handler(event, FakeContext())["statusCode"] == 200

    assert totals()["unsubscribed"] == 1


def test_an_unsubscribe_succeeds_even_when_it_cannot_be_counted(reader, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("events table unavailable")

    monkeypatch.setattr("consentmail.store.events.EventRepository.latest_send", broken)

    response = post(token_of(preferences_url(reader, now())), {"unsubscribe": "true"})

    assert response["statusCode"] == 200
    assert contact_now(reader).status == ContactStatus.UNSUBSCRIBED
