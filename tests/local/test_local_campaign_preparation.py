"""A personalized campaign in local mode, over real HTTP as an account holder would: preview it for
a contact, send a test to oneself (in the outbox as [Test], without a pixel), schedule it, and let
the local Scheduler fire it: the recipient gets "Hello Ada"."""

from datetime import UTC, datetime, timedelta

from tests.local.flows import queues_drained, sign_up, wait_until
from tests.sending_helpers import parts

CONSENT = {"source": "shop checkout", "obtained_at": "2026-11-20T10:00:00Z", "text": "Send me the newsletter"}
SUBJECT = "Hello {{ first_name }}"
HTML = (
    '<p>Hello {{ first_name | default("there") }}, your plan: {{ attributes.plan | default("basic") }}.</p>'
    '<p><a href="https://example.org/autumn">Read more</a></p>'
)


def outbox_for(client, address: str) -> list[dict]:
    return client.get("/_local/outbox", query={"to": address}).json()


def test_personalized_campaign_preview_test_send_and_scheduled_send(local_mode, local_client):
    client = local_client
    owner = sign_up(client, "ada.owner@example.net", first_name="Ada", last_name="Owner")
    auth = owner["auth"]
    created_list = client.post_json("/lists", {"name": "Autumn", "from_email": "autumn@example.com"}, auth)
    assert created_list.status == 201, created_list.text
    list_id = created_list.json()["list_id"]
    reader = client.post_json(
        f"/lists/{list_id}/contacts",
        {
            "email": "ada.reader@example.org",
            "first_name": "Ada",
            "tracking_consent": True,
            "attributes": {"plan": "gold"},
            "consent": CONSENT,
        },
        auth,
    )
    assert reader.status == 201, reader.text

    # A tag outside the documented set is refused when the campaign is saved.
    refused = client.post_json(
        "/campaigns", {"list_id": list_id, "subject": "Hi {{ nickname }}", "html": HTML}, auth
    )
    assert refused.status == 422 and "nickname" in refused.json()["detail"]

    created = client.post_json("/campaigns", {"list_id": list_id, "subject": SUBJECT, "html": HTML}, auth)
    assert created.status == 201, created.text
    campaign_id = created.json()["campaign_id"]

    # Preview for the contact: personalized, and tracked as that contact allows.
    preview = client.get(
        f"/campaigns/{campaign_id}/preview", headers=auth, query={"contact_id": reader.json()["contact_id"]}
    )
    assert preview.status == 200, preview.text
    assert preview.json()["subject"] == "Hello Ada"
    assert "your plan: gold" in preview.json()["html"] and "/t/o/" in preview.json()["html"]

    # A test to the account holder's own address: [Test], no pixel, no rewritten link.
    tested = client.post_json(f"/campaigns/{campaign_id}/test", {"to": [owner["email"]]}, auth)
    assert tested.status == 202, tested.text
    [test_email] = wait_until(
        lambda: [e for e in outbox_for(client, owner["email"]) if e["subject"].startswith("[Test]")],
        what="the test email",
    )
    assert test_email["subject"] == "[Test] Hello Ada"
    _, _, test_html = parts(test_email["raw"])
    assert "/t/o/" not in test_html and 'href="https://example.org/autumn"' in test_html
    stranger = client.post_json(f"/campaigns/{campaign_id}/test", {"to": ["someone@example.org"]}, auth)
    assert stranger.status == 422

    # Scheduled 10 minutes out; the local Scheduler fires it as of 11 minutes from now.
    when = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0)
    scheduled = client.post_json(f"/campaigns/{campaign_id}/schedule", {"at": when.isoformat()}, auth)
    assert scheduled.status == 202, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert client.get(f"/campaigns/{campaign_id}", headers=auth).json()["status"] == "scheduled"
    assert outbox_for(client, "ada.reader@example.org") == []

    bad_job = client.post_json("/_local/jobs/schedules", {"time": "soon"})
    assert bad_job.status == 422
    fired = client.post_json("/_local/jobs/schedules", {"time": (when + timedelta(minutes=1)).isoformat()})
    assert fired.status == 200 and fired.json()["fired"] == [f"campaign-{campaign_id}"]

    [email] = wait_until(lambda: outbox_for(client, "ada.reader@example.org"), what="the scheduled email")
    wait_until(queues_drained, what="the fan-out and send queues to drain")
    assert email["subject"] == "Hello Ada"
    _, text, html = parts(email["raw"])
    assert "Hello Ada, your plan: gold." in html and "/t/o/" in html
    assert client.get(f"/campaigns/{campaign_id}", headers=auth).json()["status"] == "sent"
    # Fired once: nothing is due any more, and nobody got a second email.
    again = client.post_json("/_local/jobs/schedules", {"time": (when + timedelta(days=1)).isoformat()})
    assert again.json()["fired"] == []
    assert len(outbox_for(client, "ada.reader@example.org")) == 1
