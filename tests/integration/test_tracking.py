"""The open pixel and the click redirect through the tracking function, against moto."""

import base64
from datetime import timedelta

import pytest

from consentmail.core.clock import now
from consentmail.core.links import Recipient, read_open
from consentmail.store.contacts import ContactRepository, TrackingConsent
from consentmail.store.counters import CounterRepository
from consentmail.store.events import EventRepository
from consentmail.tracking.service import Hit, TrackingService
from functions.tracking.handler import handler
from tests.http_events import FakeContext, api_event, headers_of, load_event
from tests.tracking_helpers import CAMPAIGN, click_token, open_token, sent_to, totals

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
LINK = "https://shop.example.com/autumn?utm_source=news&a=1&b=%C3%A9"


def hit(kind: str, token: str, *, method: str = "GET", agent: str = BROWSER, ip: str = "203.0.113.9") -> dict:
    path = f"/t/{kind}/{token}"
    event = api_event(
        method,
        path,
        resource=f"/t/{kind}/{{token}}",
        path_params={"token": token},
        headers={"User-Agent": agent},
        source_ip=ip,
    )
    return handler(event, FakeContext())


def is_pixel(response: dict) -> bool:
    headers = headers_of(response)
    body = base64.b64decode(response["body"]) if response.get("isBase64Encoded") else b""
    return (
        response["statusCode"] == 200
        and headers["Content-Type"] == "image/gif"
        and "no-store" in headers["Cache-Control"]
        and body.startswith(b"GIF89a")
        and len(body) == 43
    )


def no_cookie(response: dict) -> bool:
    names = {name.lower() for name in headers_of(response)}
    return "set-cookie" not in names


def marker(contact) -> dict | None:
    return EventRepository().get_send(contact.contact_id, CAMPAIGN, now())


def held(contact) -> list[dict]:
    """Everything the events table holds about the contact: its send marker, nothing else."""
    return EventRepository().of_contact(contact.contact_id, now())


@pytest.fixture
def reader(demo_list):
    return sent_to(demo_list, "reader@example.org", tracking=True)


def test_an_open_by_a_contact_who_allows_tracking_is_counted_once(reader):
    first = hit("o", open_token(reader))
    second = hit("o", open_token(reader))

    assert is_pixel(first) and is_pixel(second)
    assert no_cookie(first)
    assert totals()["opened"] == 1
    # The first open's time, on the send marker, is all that is kept of both.
    [kept] = held(reader)
    assert kept["sk"] == f"SEND#{CAMPAIGN}" and kept["opened_at"]


def test_two_opens_at_once_count_once(reader):
    """The second open arrives while the first is between its consent read and its write: each
    finds no first open before it writes, only one finds none when it writes."""
    token = open_token(reader)
    service = TrackingService()
    read_consent = service.contacts.tracking_consent
    person = Hit("GET", BROWSER, "203.0.113.9")

    def consent_read_meanwhile(list_id, contact_id, at):
        consent = read_consent(list_id, contact_id, at)
        service.contacts.tracking_consent = read_consent
        assert TrackingService().open(token, person, now())
        return consent

    service.contacts.tracking_consent = consent_read_meanwhile
    assert service.open(token, person, now())

    assert totals()["opened"] == 1
    assert sum(b[2]["opened"] for b in CounterRepository().timeline(CAMPAIGN, now())) == 1


@pytest.mark.promise("tracking.verdict_not_ip")
def test_an_open_keeps_the_verdict_but_never_the_ip_or_user_agent(reader):
    hit("o", open_token(reader), ip="198.51.100.77")
    hit("o", open_token(reader), agent="Mozilla/5.0 (compatible; Proofpoint URL Defense)", ip="198.51.100.77")

    [kept] = held(reader)
    assert kept["opened_at"] and kept["machine_opened_at"]
    stored = repr(kept)
    assert "198.51.100.77" not in stored and "Macintosh" not in stored and "Proofpoint" not in stored
    assert kept["expires_at"] > int((now() + timedelta(days=390)).timestamp())


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "k1.eyJwIjoib3AifQ.sig"])
def test_an_invalid_open_token_still_gets_the_pixel_and_records_nothing(reader, token):
    response = hit("o", token)

    assert is_pixel(response) and no_cookie(response)
    assert totals()["opened"] == 0


@pytest.mark.promise("tracking.consent_only")
def test_an_open_by_a_contact_without_tracking_consent_is_not_recorded(demo_list):
    contact = sent_to(demo_list, "private@example.org", tracking=False)

    before = marker(contact)

    assert is_pixel(hit("o", open_token(contact)))
    assert totals()["opened"] == 0
    assert held(contact) == [before]


@pytest.mark.promise("tracking.consent_only")
def test_withdrawing_tracking_stops_the_earlier_emails_pixel_at_once(reader):
    token = open_token(reader)
    reader.tracking_consent = False
    ContactRepository().replace(reader)
    before = marker(reader)

    assert is_pixel(hit("o", token))
    assert headers_of(hit("c", click_token(reader, LINK)))["Location"] == LINK
    assert totals()["opened"] == totals()["clicked"] == 0
    assert CounterRepository().links(CAMPAIGN, now()) == {}
    assert held(reader) == [before]


def test_a_deleted_contacts_pixel_records_nothing(reader):
    ContactRepository().delete(reader.list_id, reader.contact_id)

    assert is_pixel(hit("o", open_token(reader)))
    assert totals()["opened"] == 0


def test_a_hit_whose_send_marker_is_gone_recreates_nothing(reader):
    """The marker deleted (an erasure, a contact deletion) after the hit read the consent: the
    hit's update finds no marker and writes nothing, not even a marker of its own."""
    token = open_token(reader)
    service = TrackingService()
    read_consent = service.contacts.tracking_consent

    def marker_deleted_meanwhile(list_id, contact_id, at):
        consent = read_consent(list_id, contact_id, at)
        EventRepository().delete_contact(contact_id)
        return consent

    service.contacts.tracking_consent = marker_deleted_meanwhile
    assert not service.open(token, Hit("GET", BROWSER, "203.0.113.9"), now())

    assert held(reader) == []
    assert totals()["opened"] == 0


def test_a_token_of_another_account_for_the_marker_records_nothing(reader):
    recipient = read_open(open_token(reader), now())
    service = TrackingService()
    # The contact read agrees (a contact whose account is the token's), the marker does not.
    service.contacts.tracking_consent = lambda *_: TrackingConsent("another-account", True)
    forged = Recipient("another-account", recipient.campaign_id, recipient.list_id, recipient.contact_id)
    before = marker(reader)

    assert not service._record(forged, "open", Hit("GET", BROWSER, "203.0.113.9"), now())
    assert held(reader) == [before]
    assert totals()["opened"] == 0


@pytest.mark.parametrize(
    "method, agent, ip",
    [
        ("HEAD", BROWSER, "203.0.113.9"),
        ("GET", "Mozilla/5.0", "203.0.113.9"),  # Apple Mail Privacy Protection's proxy
        ("GET", BROWSER, "17.58.63.10"),  # Apple's network
        ("GET", "python-requests/2.32.3", "203.0.113.9"),
        ("GET", "Mozilla/5.0 (compatible; Proofpoint URL Defense)", "203.0.113.9"),
        ("GET", "", "203.0.113.9"),
    ],
)
def test_machine_opens_are_counted_apart_from_opens(reader, method, agent, ip):
    response = hit("o", open_token(reader), method=method, agent=agent, ip=ip)

    assert response["statusCode"] == 200
    assert totals()["opened"] == 0
    assert totals()["machine_opens"] == 1


def test_an_open_within_seconds_of_delivery_is_a_machine(demo_list):
    contact = sent_to(demo_list, "fast@example.org", tracking=True, sent_at=now() - timedelta(seconds=2))

    hit("o", open_token(contact))

    assert totals()["opened"] == 0 and totals()["machine_opens"] == 1


def test_a_person_opening_after_a_prefetch_still_counts_as_an_open(reader):
    hit("o", open_token(reader), agent="Mozilla/5.0")
    hit("o", open_token(reader))

    assert totals()["machine_opens"] == 1 and totals()["opened"] == 1


def test_a_click_redirects_to_the_exact_link_and_counts_a_unique_click_and_open(reader):
    first = hit("c", click_token(reader, LINK))
    second = hit("c", click_token(reader, LINK))

    assert first["statusCode"] == 302 and headers_of(first)["Location"] == LINK
    assert headers_of(second)["Location"] == LINK
    assert no_cookie(first)
    counts = totals()
    assert counts["clicked"] == 1 and counts["opened"] == 1
    assert CounterRepository().links(CAMPAIGN, now()) == {LINK: {"clicks": 2, "unique_clicks": 1}}


@pytest.mark.promise("tracking.verdict_not_ip")
def test_a_click_keeps_the_link_and_the_verdict_only(reader):
    hit("c", click_token(reader, LINK), ip="198.51.100.77")

    [kept] = held(reader)
    assert kept["clicked_at"] and kept["opened_at"] and "machine_clicked_at" not in kept
    assert len(kept["clicked_links"]) == 1
    assert "198.51.100.77" not in repr(kept) and "Macintosh" not in repr(kept)


@pytest.mark.promise("tracking.consent_only")
def test_a_click_without_tracking_consent_redirects_without_recording(demo_list):
    contact = sent_to(demo_list, "private@example.org", tracking=False)

    response = hit("c", click_token(contact, LINK))

    assert response["statusCode"] == 302 and headers_of(response)["Location"] == LINK
    assert totals()["clicked"] == 0


def _tampered(token: str) -> str:
    kid, payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "==").replace(b"shop.example.com", b"evil.example.net")
    return f"{kid}.{base64.urlsafe_b64encode(claims).rstrip(b'=').decode()}.{signature}"


def test_a_tampered_click_token_answers_404_and_redirects_nowhere(reader):
    response = hit("c", _tampered(click_token(reader, LINK)))

    assert response["statusCode"] == 404
    assert "Location" not in headers_of(response)
    assert totals()["clicked"] == 0


@pytest.mark.parametrize("token", ["", "nonsense", "a.b.c"])
def test_a_malformed_click_token_answers_404(reader, token):
    response = hit("c", token)

    assert response["statusCode"] == 404 and "Location" not in headers_of(response)


def test_an_open_token_is_not_a_click_token(reader):
    response = hit("c", open_token(reader))

    assert response["statusCode"] == 404


@pytest.mark.parametrize(
    "agent, method",
    [
        ("python-requests/2.32.3", "GET"),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "GET"),
        (BROWSER, "HEAD"),
    ],
)
def test_scanner_clicks_are_machine_clicks_and_still_redirect(reader, agent, method):
    response = hit("c", click_token(reader, LINK), agent=agent, method=method)

    assert response["statusCode"] == 302
    counts = totals()
    assert counts["clicked"] == 0 and counts["opened"] == 0 and counts["machine_clicks"] == 1


def test_other_methods_and_paths_answer_404(reader):
    event = api_event("POST", f"/t/o/{open_token(reader)}", resource="/t/o/{token}")
    assert handler(event, FakeContext())["statusCode"] == 404


def with_token(sample: str, token: str) -> dict:
    event = load_event(sample)
    event["path"] = event["path"].replace(event["pathParameters"]["token"], token)
    event["pathParameters"] = {"token": token}
    return event


def test_the_sample_events_are_what_the_function_answers(reader):
    pixel = handler(with_token("tracking_open", open_token(reader)), FakeContext())
    redirect = handler(with_token("tracking_click", click_token(reader, LINK)), FakeContext())

    assert is_pixel(pixel)
    assert redirect["statusCode"] == 302 and headers_of(redirect)["Location"] == LINK
    assert totals()["opened"] == 1 and totals()["clicked"] == 1
