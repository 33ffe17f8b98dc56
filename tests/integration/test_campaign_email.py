"""The per-recipient campaign email: MIME structure, the unsubscribe headers and links every email
carries, and tracking (pixel, rewritten links) only for contacts who consented."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from consentmail.core import tokens
from consentmail.core.links import read_click, read_open
from consentmail.core.records import ContactStatus, Content
from consentmail.core.tokens import Purpose
from consentmail.mail.campaign_email import build_campaign_email
from tests.conftest import PUBLIC_URL
from tests.sending_helpers import add_contact, parts

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
HTML = (
    "<html><body><h1>Autumn news</h1>"
    '<p>Read <a href="https://blog.example.com/post?id=7&amp;utm_source=news">the post</a>, '
    '<a href="http://shop.example.com/">visit the shop</a> or '
    '<a href="mailto:hello@example.com?subject=Hi">write to us</a>.</p>'
    '<p><a href="#top">Back to top</a> <a href="tel:+33100000000">Call</a></p>'
    "</body></html>"
)


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])
        if tag == "img":
            self.images.append(values.get("src") or "")


def email_for(demo_list, tracking: bool, content: Content | None = None, address="ada@example.org"):
    contact = add_contact(demo_list, address, ContactStatus.CONFIRMED, tracking)
    raw = build_campaign_email(
        content=content or Content(subject="Autumn news ✨", html=HTML, text=None),
        mailing_list=demo_list,
        contact=contact,
        campaign_id="campaign-1",
        at=AT,
    )
    return contact, raw


def test_email_is_multipart_alternative_from_the_list_sender(demo_list):
    _, raw = email_for(demo_list, tracking=False)

    message, text, html = parts(raw)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["From"] == "Demo News <news@example.com>"
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Autumn news ✨"
    assert "Autumn news" in text and "<h1>" not in text


@pytest.mark.promise("unsubscribe.every_email")
def test_every_email_carries_one_click_list_unsubscribe_headers(demo_list):
    contact, raw = email_for(demo_list, tracking=False)

    message, text, html = parts(raw)

    header = message["List-Unsubscribe"]
    assert header.startswith(f"<{PUBLIC_URL}/unsubscribe?token=") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One plain header line, not RFC 2047 encoded words that providers do not decode here.
    assert f"List-Unsubscribe: <{PUBLIC_URL}/unsubscribe?token=".encode() in raw
    token = header[1:-1].split("token=", 1)[1]
    claims = tokens.verify(token, Purpose.UNSUBSCRIBE, AT)
    assert (claims["l"], claims["c"]) == (demo_list.list_id, contact.contact_id)


@pytest.mark.promise("unsubscribe.every_email")
def test_footer_with_unsubscribe_and_preferences_links_in_both_parts_when_content_has_none(demo_list):
    _, raw = email_for(demo_list, tracking=False)

    message, text, html = parts(raw)

    unsubscribe = message["List-Unsubscribe"][1:-1]
    assert unsubscribe in text and unsubscribe in Links(html).hrefs
    assert f"{PUBLIC_URL}/preferences?token=" in text
    assert any(href.startswith(f"{PUBLIC_URL}/preferences?token=") for href in Links(html).hrefs)
    assert html.index("Unsubscribe</a>") < html.index("</body>")


def test_placeholders_put_the_links_where_the_content_wants_them_and_the_footer_keeps_only_the_rights_link(
    demo_list,
):
    content = Content(
        subject="Hi",
        html='<p>Hi</p><p><a href="{{unsubscribe_url}}">Leave</a> '
        '<a href="{{ preferences_url }}">Prefs</a></p>',
        text="Hi\nLeave: {{unsubscribe_url}}\nPrefs: {{preferences_url}}\n",
    )
    _, raw = email_for(demo_list, tracking=True, content=content)

    message, text, html = parts(raw)

    unsubscribe = message["List-Unsubscribe"][1:-1]
    assert f"Leave: {unsubscribe}" in text
    assert "Unsubscribe:" not in text and "Manage your preferences" not in text
    assert ">Unsubscribe</a>" not in html and "Manage your preferences" not in html
    # Where to ask for one's data is in every campaign, whatever the content holds.
    assert f"Your data and your rights: {PUBLIC_URL}/subject-requests?lang=en" in text
    hrefs = Links(html).hrefs
    assert hrefs[-1] == f"{PUBLIC_URL}/subject-requests?lang=en"  # never wrapped in a click redirect
    assert hrefs[0] == unsubscribe  # never wrapped in a click redirect
    assert hrefs[1].startswith(f"{PUBLIC_URL}/preferences?token=")


@pytest.mark.promise("tracking.consent_only")
def test_without_tracking_consent_links_are_exactly_as_written_and_there_is_no_pixel(demo_list):
    _, raw = email_for(demo_list, tracking=False)

    _, _, html = parts(raw)

    assert html.startswith(HTML.removesuffix("</body></html>"))
    assert "/t/c/" not in html and "/t/o/" not in html
    assert Links(html).images == []


def test_with_tracking_consent_http_links_become_signed_click_urls_to_the_exact_link(demo_list):
    contact, raw = email_for(demo_list, tracking=True)

    _, _, html = parts(raw)

    hrefs = Links(html).hrefs
    clicks = [h for h in hrefs if h.startswith(f"{PUBLIC_URL}/t/c/")]
    targets = [read_click(h.rsplit("/", 1)[1], AT) for h in clicks]
    assert [target.url for target in targets] == [
        "https://blog.example.com/post?id=7&utm_source=news",
        "http://shop.example.com/",
    ]
    recipient = targets[0].recipient
    assert (recipient.campaign_id, recipient.contact_id, recipient.list_id) == (
        "campaign-1",
        contact.contact_id,
        demo_list.list_id,
    )
    assert "mailto:hello@example.com?subject=Hi" in hrefs
    assert "#top" in hrefs and "tel:+33100000000" in hrefs
    assert not any(h.startswith(f"{PUBLIC_URL}/t/c/") and "unsubscribe" in h for h in hrefs)


def test_with_tracking_consent_there_is_one_open_pixel_before_the_body_end(demo_list):
    contact, raw = email_for(demo_list, tracking=True)

    _, _, html = parts(raw)

    [pixel] = Links(html).images
    assert pixel.startswith(f"{PUBLIC_URL}/t/o/")
    assert read_open(pixel.rsplit("/", 1)[1], AT).contact_id == contact.contact_id
    assert 'width="1" height="1"' in html and html.index("/t/o/") < html.index("</body>")


def test_text_part_is_derived_from_the_html_when_the_campaign_has_none(demo_list):
    _, raw = email_for(demo_list, tracking=True)

    _, text, _ = parts(raw)

    assert "Read the post (https://blog.example.com/post?id=7&utm_source=news)" in text
    assert "<a" not in text and "/t/c/" not in text


def test_a_given_text_part_is_used_as_written_with_the_footer_added(demo_list):
    content = Content(subject="Hi", html="<p>Hello</p>", text="Hello in plain text.")
    _, raw = email_for(demo_list, tracking=False, content=content)

    message, text, _ = parts(raw)

    assert text.startswith("Hello in plain text.\n\n-- \n")
    assert f"Unsubscribe: {message['List-Unsubscribe'][1:-1]}" in text


@pytest.mark.promise("unsubscribe.every_email")
@pytest.mark.parametrize("tracking", [True, False])
def test_each_recipient_gets_their_own_unsubscribe_link(demo_list, tracking):
    _, first = email_for(demo_list, tracking, address="one@example.org")
    _, second = email_for(demo_list, tracking, address="two@example.org")

    assert parts(first)[0]["List-Unsubscribe"] != parts(second)[0]["List-Unsubscribe"]
