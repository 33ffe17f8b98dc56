"""Recipients in their own language, through the subscription and subject-requests functions
against moto: the rights page and its form, the export as a page, a French list's opt-in email,
pages and campaign footer, and the language switcher and rights link on every page."""

import email
import json
import re
from email.policy import default as default_policy

import pytest

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.links import preferences_url, unsubscribe_url
from consentmail.core.records import ContactStatus, Content
from consentmail.mail.campaign_email import build_campaign_email
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.lists import ListRepository
from functions.subject_requests.handler import handler as subject_requests
from functions.subscription.handler import handler as subscription
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event, headers_of

ADDRESS = "lea@example.org"
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def rights(method: str, path: str = "/subject-requests", **kwargs) -> dict:
    return subject_requests(api_event(method, path, **kwargs), FakeContext())


def subscription_call(method: str, path: str, **kwargs) -> dict:
    return subscription(api_event(method, path, **kwargs), FakeContext())


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_string(message.raw_data, policy=default_policy)


def text_of(message) -> str:
    return parsed(message).get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return parsed(message).get_body(preferencelist=("html",)).get_content()


def token_in(text: str, path: str) -> str:
    return re.search(rf"https://mail\.example\.test{path}\?token=([^\s&]+)", text).group(1)


@pytest.fixture
def french_list(demo_list):
    demo_list.language = "fr"
    demo_list.name = "Nouvelles du jardin"
    ListRepository().save(demo_list)
    return demo_list


def held(mailing_list, address: str = ADDRESS):
    return ContactRepository().get(
        mailing_list.list_id, contact_id_for(mailing_list.list_id, email_hash(address)), now()
    )


def subscribe_to(mailing_list, address: str = ADDRESS) -> None:
    body = {"list_id": mailing_list.list_id, "email": address, "first_name": "Léa", "consent": True}
    assert subscription_call("POST", "/subscribe", body=body)["statusCode"] == 202


# --- the rights page -----------------------------------------------------------------------------


def test_the_rights_page_is_a_form_in_the_browsers_language(aws):
    page = rights("GET", headers=FRENCH)

    assert page["statusCode"] == 200
    assert headers_of(page)["Content-Type"].startswith("text/html")
    assert headers_of(page)["X-Frame-Options"] == "DENY"
    body = page["body"]
    assert "<html lang=fr>" in body and "<h1>Vos données et vos droits</h1>" in body
    assert "<label for=email>Votre adresse e-mail</label>" in body and "id=email" in body
    for kind in ("access", "rectification", "erasure"):
        assert f"id=type-{kind} name=type value={kind}" in body
    assert "7 jours" in body and "un mois" in body, "what happens next, and within how long"


def test_the_rights_page_falls_back_to_english_and_switches_language_on_request(aws):
    english = rights("GET", headers={"Accept-Language": "ja, zh;q=0.8"})["body"]
    german = rights("GET", query={"lang": "de"}, headers=FRENCH)["body"]

    assert "<html lang=en>" in english and "Your data and your rights" in english
    assert "<html lang=de>" in german and "Ihre Daten und Ihre Rechte" in german
    for language in ("en", "fr", "de", "es", "it"):
        assert f'href="?lang={language}"' in german, "the language switcher offers every language"


def test_the_rights_form_answers_the_same_page_for_a_known_and_an_unknown_address(demo_list):
    subscribe_to(demo_list)
    known = rights("POST", form={"email": ADDRESS, "type": "access"}, headers=FRENCH, query={"lang": "fr"})
    unknown = rights(
        "POST", form={"email": "nobody@example.org", "type": "access"}, headers=FRENCH, query={"lang": "fr"}
    )

    assert known["statusCode"] == unknown["statusCode"] == 200
    assert known["body"] == unknown["body"]
    assert "Consultez votre boîte de réception" in known["body"]


def test_the_rights_form_sends_the_verification_email_in_the_pages_language(aws):
    rights("POST", form={"email": ADDRESS, "type": "erasure"}, headers=FRENCH)

    [message] = [m for m in sent_messages() if ADDRESS in str(m.destinations)]
    assert parsed(message)["Subject"] == "Confirmez votre demande concernant vos données"
    assert parsed(message)["Content-Language"] == "fr"
    text = text_of(message)
    assert "l’effacement de toutes les données" in text
    assert re.search(r"/subject-requests/confirm\?token=[^\s&]+&lang=fr", text)


def test_a_rectification_from_the_form_carries_the_names_to_change(demo_list):
    subscribe_to(demo_list)
    form = {"email": ADDRESS, "type": "rectification", "first_name": "Léah", "last_name": ""}
    assert rights("POST", form=form)["statusCode"] == 200
    token = token_in(text_of(sent_messages()[-1]), "/subject-requests/confirm")

    done = rights("POST", "/subject-requests/confirm", query={"token": token})

    assert done["statusCode"] == 200
    assert held(demo_list).first_name == "Léah"


def test_a_malformed_form_is_shown_again_with_each_problem_next_to_its_field(aws):
    answer = rights("POST", form={"email": "not an address", "type": "rectification"}, query={"lang": "it"})

    assert answer["statusCode"] == 422
    body = answer["body"]
    assert "<html lang=it>" in body and "role=alert" in body
    assert 'aria-invalid=true aria-describedby="email-error"' in body
    assert "Inserisci il tuo indirizzo email" in body
    assert "Scrivi il nome o il cognome da correggere." in body
    assert 'value="not an address"' in body, "what was typed is kept"
    assert sent_messages() == []


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_form_name_with_a_control_character_is_shown_again_not_a_server_error(aws, field):
    # Found by the fuzz test: the form's names reached the request model unchecked, which raised.
    form = {"email": ADDRESS, "type": "rectification", field: "L\x0fa"}
    answer = rights("POST", form=form, query={"lang": "fr"})

    assert answer["statusCode"] == 422
    assert "Un nom doit tenir sur une seule ligne de texte." in answer["body"]
    assert sent_messages() == []


def test_the_json_request_still_answers_202_pending(aws):
    answer = rights("POST", body={"email": ADDRESS, "type": "access"})
    assert answer["statusCode"] == 202 and json.loads(answer["body"]) == {"status": "pending"}


# --- the export ----------------------------------------------------------------------------------


@pytest.fixture
def export_token(demo_list) -> str:
    subscribe_to(demo_list)
    rights("POST", body={"email": ADDRESS, "type": "access"})
    confirm = token_in(text_of(sent_messages()[-1]), "/subject-requests/confirm")
    rights("POST", "/subject-requests/confirm", query={"token": confirm, "lang": "de"})
    export_email = sent_messages()[-1]
    assert parsed(export_email)["Content-Language"] == "de"
    return token_in(text_of(export_email), "/subject-requests/export")


def test_a_browser_opening_the_export_gets_a_readable_page_with_a_download_button(export_token):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = rights("GET", "/subject-requests/export", query={"token": export_token}, headers=browser)

    assert page["statusCode"] == 200 and headers_of(page)["Content-Type"].startswith("text/html")
    body = page["body"]
    assert "<h3>Demo News</h3>" in body and ADDRESS in body
    assert "I agree to receive emails from Demo News" in body, "the consent text agreed to"
    assert "subscribed on a website form" in body
    assert f'href="?token={export_token}&amp;format=json" download' in body


def test_the_export_page_follows_the_language_of_its_link(export_token):
    page = rights(
        "GET",
        "/subject-requests/export",
        query={"token": export_token, "lang": "de"},
        headers={"Accept": "text/html"},
    )
    assert "<html lang=de>" in page["body"] and "Ihre Anmeldungen" in page["body"]


def test_the_export_is_json_for_scripts_and_with_format_json(export_token):
    for query, headers in (
        ({"token": export_token}, {"Accept": "application/json"}),
        ({"token": export_token, "format": "json"}, {"Accept": "text/html"}),
        ({"token": export_token}, {}),
    ):
        answer = rights("GET", "/subject-requests/export", query=query, headers=headers)
        assert headers_of(answer)["Content-Type"] == "application/json", (query, headers)
        assert json.loads(answer["body"])["contacts"][0]["email"] == ADDRESS


def test_an_invalid_export_link_is_a_page_for_a_browser_and_a_problem_for_a_script(aws):
    page = rights("GET", "/subject-requests/export", query={"token": "bad"}, headers={"Accept": "text/html"})
    script = rights("GET", "/subject-requests/export", query={"token": "bad"})
    assert page["statusCode"] == 400 and headers_of(page)["Content-Type"].startswith("text/html")
    assert script["statusCode"] == 400 and headers_of(script)["Content-Type"] == "application/problem+json"


# --- a French list ---------------------------------------------------------------------------------


def test_a_french_lists_optin_email_and_confirm_pages_are_in_french(french_list):
    subscribe_to(french_list)
    [message] = sent_messages()
    assert parsed(message)["Subject"] == "Confirmez votre inscription à Nouvelles du jardin"
    assert "Ce lien est valable jusqu’au" in text_of(message)
    token = token_in(text_of(message), "/confirm")

    page = subscription_call("GET", "/confirm", query={"token": token})
    assert "<html lang=fr>" in page["body"] and "Oui, inscrivez-moi" in page["body"]
    assert 'action="?token=' in page["body"] and "&amp;lang=fr" in page["body"]

    done = subscription_call("POST", "/confirm", query={"token": token, "lang": "fr"})
    assert done["statusCode"] == 200
    assert "Votre inscription à Nouvelles du jardin est confirmée." in done["body"]


def test_a_french_lists_preference_and_unsubscribe_pages_are_in_french_and_link_the_rights_page(french_list):
    subscribe_to(french_list)
    token = token_in(text_of(sent_messages()[0]), "/confirm")
    subscription_call("POST", "/confirm", query={"token": token})
    contact = held(french_list)
    assert contact.status == ContactStatus.CONFIRMED

    preferences = subscription_call(
        "GET", "/preferences", query={"token": preferences_url(contact, now()).split("token=")[1]}
    )
    unsubscribe = subscription_call(
        "GET", "/unsubscribe", query={"token": unsubscribe_url(contact, now()).split("token=")[1]}
    )

    assert "<h1>Vos préférences</h1>" in preferences["body"]
    assert "<label for=first_name>Prénom</label>" in preferences["body"]
    assert "J’autorise Nouvelles du jardin à savoir" in preferences["body"]
    assert "Ne plus recevoir les e-mails de Nouvelles du jardin" in unsubscribe["body"]
    for page in (preferences, unsubscribe):
        assert '/subject-requests?lang=fr">Vos données et vos droits</a>' in page["body"]


def test_a_french_lists_campaign_footer_is_in_french_with_the_rights_link(french_list):
    subscribe_to(french_list)
    contact = held(french_list)
    content = Content(subject="Bonjour", html="<p>Bonjour</p>", text="Bonjour")

    raw = build_campaign_email(
        content=content, mailing_list=french_list, contact=contact, campaign_id="c1", at=now()
    )
    message = email.message_from_bytes(raw, policy=default_policy)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()

    assert "Vous recevez cet e-mail parce que votre adresse est inscrite à Nouvelles du jardin." in html
    assert ">Se désinscrire</a>" in html and ">Vos données et vos droits</a>" in html
    assert "https://mail.example.test/subject-requests?lang=fr" in html
    assert "Vos données et vos droits\u00a0: https://mail.example.test/subject-requests?lang=fr" in text
    assert message["Content-Language"] == "fr"


def test_an_english_lists_campaign_footer_links_the_rights_page_even_with_its_own_links(demo_list):
    subscribe_to(demo_list)
    contact = held(demo_list)
    content = Content(
        subject="Hello",
        html='<p>Hi <a href="{{ unsubscribe_url }}">leave</a> <a href="{{ preferences_url }}">prefs</a></p>',
        text="Hi {{ unsubscribe_url }} {{ preferences_url }}",
    )
    raw = build_campaign_email(
        content=content, mailing_list=demo_list, contact=contact, campaign_id="c1", at=now()
    )
    html = (
        email.message_from_bytes(raw, policy=default_policy).get_body(preferencelist=("html",)).get_content()
    )
    assert (
        '<a href="https://mail.example.test/subject-requests?lang=en">Your data and your rights</a>' in html
    )
