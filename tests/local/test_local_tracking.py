"""The issue's acceptance, end to end in local mode (real HTTP, workers, SES simulator): stats of
a campaign to the simulator's bounce and complaint addresses, a second campaign skipping them,
unique opens and clicks, and a tracking withdrawal taking effect at once."""

import html
import re
from datetime import timedelta

import pytest

from consentmail.tracking import machine
from infra.local import ses_simulator
from tests.local import flows
from tests.local.flows import sign_up
from tests.sending_helpers import parts

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"}
READER = "tracked-reader@example.org"
LINK = "https://shop.example.com/autumn?utm_source=news"


@pytest.fixture
def owner(local_client) -> dict:
    return sign_up(local_client, "tracking-owner@example.org")["auth"]


def send_campaign(local_client, local_mode, auth, list_id, subject, expected) -> str:
    body = f'<html><body><p>Hello</p><p><a href="{LINK}">Autumn sale</a></p></body></html>'
    return flows.send_campaign(local_client, local_mode, auth, list_id, subject, expected=expected, html=body)


def html_of(local_client, subject: str) -> str:
    [message] = [
        e for e in local_client.get("/_local/outbox", query={"to": READER}).json() if e["subject"] == subject
    ]
    return parts(message["raw"])[2]


def link(pattern: str, body: str) -> str:
    return html.unescape(re.search(rf'"(https?://[^"]*{pattern}[^"]*)"', body).group(1))


def test_stats_suppression_unique_opens_and_clicks_and_withdrawal(
    local_mode, local_client, owner, monkeypatch
):
    # Fetching right after the simulated delivery would be judged a gateway scan (docs/statistics.md).
    monkeypatch.setattr(machine, "SCAN_WINDOW", timedelta(0))
    auth = owner
    list_id = local_client.post_json(
        "/lists", {"name": "Tracked News", "from_email": "news@example.com", "from_name": "Tracked"}, auth
    ).json()["list_id"]
    proof = {"source": "shop checkout", "obtained_at": "2026-11-01T00:00:00Z", "text": "Send me news"}
    for address in (READER, ses_simulator.BOUNCE, ses_simulator.COMPLAINT):
        contact = {"email": address, "consent": proof, "tracking_consent": address == READER}
        assert local_client.post_json(f"/lists/{list_id}/contacts", contact, auth).status == 201

    first = send_campaign(local_client, local_mode, auth, list_id, "First news", 3)
    stats = local_client.get(f"/campaigns/{first}/stats", headers=auth).json()
    assert (stats["sent"], stats["delivered"], stats["bounced"], stats["complained"]) == (3, 2, 1, 1)
    assert stats["tracked"] == 1
    assert stats["bounce_rate"] == pytest.approx(1 / 3) and stats["complaint_rate"] == 0.5

    body = html_of(local_client, "First news")
    pixel, click = link("/t/o/", body), link("/t/c/", body)
    for _ in range(2):
        image = local_client.get(pixel, headers=BROWSER)
        assert image.status == 200 and image.content_type == "image/gif"
        redirect = local_client.get(click, headers=BROWSER)
        assert redirect.status == 302 and redirect.headers["Location"] == LINK
    stats = local_client.get(f"/campaigns/{first}/stats", headers=auth).json()
    assert (stats["opened"], stats["clicked"], stats["open_rate"], stats["click_rate"]) == (1, 1, 1.0, 1.0)

    second = send_campaign(local_client, local_mode, auth, list_id, "Second news", 1)
    stats = local_client.get(f"/campaigns/{second}/stats", headers=auth).json()
    assert stats["sent"] == 1 and stats["bounced"] == 0 and stats["complained"] == 0

    second_body = html_of(local_client, "Second news")
    withdrawn = local_client.post_form(link("/preferences", second_body), {"tracking_consent": "false"})
    assert withdrawn.status == 200
    assert local_client.get(link("/t/o/", second_body), headers=BROWSER).status == 200
    assert local_client.get(f"/campaigns/{second}/stats", headers=auth).json()["opened"] == 0

    send_campaign(local_client, local_mode, auth, list_id, "Third news", 1)
    third_body = html_of(local_client, "Third news")
    assert "/t/o/" not in third_body and "/t/c/" not in third_body
    assert LINK in html.unescape(third_body)
    assert all("Set-Cookie" not in answer.headers for answer in local_client.answers)


def test_a_sent_campaigns_timeline_and_links_show_its_open_and_click(local_mode, local_client, monkeypatch):
    # Given a campaign sent through local mode to a reader who allows tracking
    monkeypatch.setattr(machine, "SCAN_WINDOW", timedelta(0))
    auth = sign_up(local_client, "timeline-owner@example.org")["auth"]
    list_id = local_client.post_json(
        "/lists", {"name": "Timeline News", "from_email": "news@example.com", "from_name": "News"}, auth
    ).json()["list_id"]
    proof = {"source": "shop checkout", "obtained_at": "2026-11-01T00:00:00Z", "text": "Send me news"}
    contact = {"email": READER, "consent": proof, "tracking_consent": True}
    assert local_client.post_json(f"/lists/{list_id}/contacts", contact, auth).status == 201
    campaign_id = send_campaign(local_client, local_mode, auth, list_id, "Timeline news", 1)

    # When the reader opens it and clicks its link, in a browser
    body = html_of(local_client, "Timeline news")
    assert local_client.get(link("/t/o/", body), headers=BROWSER).status == 200
    assert local_client.get(link("/t/c/", body), headers=BROWSER).status == 302

    # Then the timeline's buckets (hourly since the send) hold the delivery, the open and the click
    timeline = local_client.get(f"/campaigns/{campaign_id}/stats/timeline", headers=auth)
    assert timeline.status == 200
    buckets = timeline.json()["buckets"]
    assert timeline.json()["statistics_expired"] is False and 1 <= len(buckets) <= 2
    for name in ("delivered", "opened", "clicked"):
        assert sum(bucket[name] for bucket in buckets) == 1, name
    # and the links list the campaign's one link with its click and its one clicker
    links = local_client.get(f"/campaigns/{campaign_id}/stats/links", headers=auth)
    assert links.status == 200
    assert links.json() == [{"url": LINK, "clicks": 1, "unique_clicks": 1}]
    # and another account reads neither
    stranger = sign_up(local_client, "timeline-stranger@example.org")["auth"]
    for path in ("timeline", "links"):
        assert local_client.get(f"/campaigns/{campaign_id}/stats/{path}", headers=stranger).status == 404
