"""A recipient's journeys in Chromium against local mode: subscribe on the demo page and confirm
with the page's button; a mail gateway's plain GET of the same link confirms nothing; a French
list's email and pages in French; the rights page -> erasure -> the emailed link -> nothing left
about the address in any table. Every page reached is checked with axe-core (WCAG 2.2 AA) in
every language, and shot in English and French for docs/recipients.md."""

import email
import re
import urllib.request
from email.policy import default as default_policy

import pytest

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.i18n import LANGUAGES
from consentmail.core.links import preferences_url, unsubscribe_url
from consentmail.core.records import ContactStatus
from consentmail.store.contacts import ContactRepository, contact_id_for
from tests.local import flows
from tests.stored_items import holding

pytestmark = pytest.mark.browser
SHOT_LANGUAGES = ("en", "fr")


def outbox_text(api, address: str) -> list[str]:
    sent = api.get("/_local/outbox", query={"to": address}).json()
    return [
        email.message_from_string(m["raw"], policy=default_policy)
        .get_body(preferencelist=("plain",))
        .get_content()
        for m in sent
    ]


def link_in(api, address: str, path: str) -> str:
    def found():
        for text in outbox_text(api, address):
            match = re.search(rf"https?://\S+{re.escape(path)}\?token=\S+", text)
            if match:
                return match.group(0)
        return None

    return flows.wait_until(found, what=f"an email to {address} with a {path} link")


def contact_status(list_id: str, address: str) -> ContactStatus:
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now()).status


def in_language(url: str, language: str) -> str:
    url = re.sub(r"[?&]lang=[a-z]+", "", url)
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def test_subscribe_on_the_demo_page_then_confirm_with_the_pages_button(local_mode, api, recipient):
    page, address = recipient.page, "browser-confirm@example.org"
    list_id = local_mode.demo.list_id
    page.goto(local_mode.urls.base + "/")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_label("I agree to receive emails").check()
    page.get_by_role("button", name="Subscribe").click()
    recipient.check("subscribed", "en", screenshot=True)

    link = link_in(api, address, "/confirm")
    page.goto(link)
    assert contact_status(list_id, address) == ContactStatus.PENDING
    recipient.check("confirm", "en", screenshot=True)
    page.keyboard.press("Tab")  # the keyboard reaches the button: the first focus is the switcher
    page.get_by_role("button", name="Yes, subscribe me").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=You are now subscribed to Demo News.")
    recipient.check("confirmed", "en", screenshot=True)
    assert contact_status(list_id, address) == ContactStatus.CONFIRMED


def test_a_plain_get_of_the_confirm_link_leaves_the_contact_pending(local_mode, api):
    address = "scanned@example.org"
    assert (
        api.post_json(
            "/subscribe", {"list_id": local_mode.demo.list_id, "email": address, "consent": True}
        ).status
        == 202
    )
    link = link_in(api, address, "/confirm")

    # What a mail gateway does: fetch the link, follow nothing, press nothing.
    with urllib.request.urlopen(link) as answer:  # noqa: S310 - the local gateway
        assert answer.status == 200

    assert contact_status(local_mode.demo.list_id, address) == ContactStatus.PENDING


@pytest.fixture(scope="module")
def french_list(api) -> dict:
    owner = flows.sign_up(api, "owner-fr@example.org")
    created = api.post_json(
        "/lists",
        {"name": "Nouvelles du jardin", "from_email": "jardin@example.com", "language": "fr"},
        headers=owner["auth"],
    )
    assert created.status == 201, created.text
    return created.json()


def test_a_french_lists_optin_email_and_pages_are_in_french(local_mode, api, recipient, french_list):
    page, address = recipient.page, "camille@example.org"
    list_id = french_list["list_id"]
    assert api.post_json("/subscribe", {"list_id": list_id, "email": address, "consent": True}).status == 202
    [text] = outbox_text(api, address)
    assert "Merci de confirmer votre inscription à Nouvelles du jardin." in text

    link = link_in(api, address, "/confirm")
    page.goto(link)
    assert page.locator("h1").inner_text() == "Confirmez votre inscription"
    page.get_by_role("button", name="Oui, inscrivez-moi").click()
    page.wait_for_selector("text=Votre inscription à Nouvelles du jardin est confirmée.")
    recipient.check("confirmed", "fr", screenshot=True)
    assert contact_status(list_id, address) == ContactStatus.CONFIRMED

    contact = ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())
    pages = {
        "confirm": link,
        "preferences": preferences_url(contact, now()),
        "unsubscribe": unsubscribe_url(contact, now()),
    }
    for name, url in pages.items():
        page.goto(url)
        recipient.check(name, "fr")
        for language in LANGUAGES:
            page.goto(in_language(url, language))
            recipient.check(name, language, screenshot=language in SHOT_LANGUAGES)

    page.goto(pages["preferences"])
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_role("button", name="Enregistrer mes préférences").click()
    page.wait_for_selector("text=Vos préférences sont enregistrées.")
    recipient.check("preferences-saved", "fr")
    page.get_by_role("link", name="Vos données et vos droits").click()
    assert page.locator("h1").inner_text() == "Vos données et vos droits"


def test_the_rights_page_in_every_language(local_mode, recipient):
    for language in LANGUAGES:
        recipient.page.goto(f"{local_mode.urls.base}/subject-requests?lang={language}")
        recipient.check("rights", language, screenshot=language in SHOT_LANGUAGES)
    recipient.page.goto(f"{local_mode.urls.base}/subject-requests?lang=fr")
    recipient.page.get_by_role("button", name="Envoyer ma demande").click()  # the form sent empty
    assert recipient.page.locator("[aria-invalid=true]").count() >= 1
    recipient.check("rights-errors", "fr", screenshot=True)


def test_rights_page_then_erasure_then_the_emailed_link_leaves_nothing_about_the_address(
    local_mode, api, recipient
):
    page, address = recipient.page, "erase-me@example.org"
    assert (
        api.post_json(
            "/subscribe", {"list_id": local_mode.demo.list_id, "email": address, "consent": True}
        ).status
        == 202
    )
    page.goto(link_in(api, address, "/confirm"))
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_selector("text=You are now subscribed")

    page.goto(f"{local_mode.urls.base}/")
    page.get_by_role("link", name="Your data and your rights").click()
    page.get_by_label("Your email address").fill(address)
    page.get_by_label("Erase all my data").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_selector("h1:text('Check your inbox')")
    recipient.check("request-sent", "en", screenshot=True)

    page.goto(link_in(api, address, "/subject-requests/confirm"))
    recipient.check("request-confirm", "en", screenshot=True)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("text=Your data has been erased.")
    recipient.check("request-done", "en", screenshot=True)

    assert holding(address) == []
    assert holding(email_hash(address)) != [], "only the keyed hash remains, on the suppression list"


def test_the_export_opens_as_a_readable_page_in_every_language(local_mode, api, recipient):
    page, address = recipient.page, "export-me@example.org"
    assert (
        api.post_json(
            "/subscribe", {"list_id": local_mode.demo.list_id, "email": address, "consent": True}
        ).status
        == 202
    )
    page.goto(link_in(api, address, "/confirm"))
    page.get_by_role("button", name="Yes, subscribe me").click()
    page.wait_for_selector("text=You are now subscribed")
    page.goto(f"{local_mode.urls.base}/subject-requests?lang=fr")
    page.get_by_label("Votre adresse e-mail").fill(address)
    page.get_by_label("M’envoyer une copie de mes données").check()
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_selector("h1:text('Consultez votre boîte de réception')")
    recipient.check("request-sent", "fr", screenshot=True)
    page.goto(link_in(api, address, "/subject-requests/confirm"))
    recipient.check("request-confirm", "fr", screenshot=True)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_selector("text=Demande traitée")
    recipient.check("request-done", "fr", screenshot=True)

    export = link_in(api, address, "/subject-requests/export")
    for language in LANGUAGES:
        page.goto(in_language(export, language))
        recipient.check("export", language, screenshot=language in SHOT_LANGUAGES)
    page.goto(in_language(export, "en"))
    assert page.get_by_text("I agree to receive emails from Demo News").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this data (JSON)").click()
    assert download.value.suggested_filename == "my-data.json"
