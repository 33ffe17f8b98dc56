"""Website-form subscription end to end through the subscription function, against moto."""

import email
import json
import re
from datetime import timedelta

import pytest
import time_machine

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.records import ContactStatus
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository, contact_id_for
from functions.subscription.handler import handler
from tests.conftest import sent_messages
from tests.http_events import FakeContext, api_event, headers_of, load_event

ADDRESS = "ada@example.org"


def call(event: dict) -> dict:
    return handler(event, FakeContext())


def subscribe(list_id: str = "list-demo", **fields) -> dict:
    body = {"list_id": list_id, "email": ADDRESS, "first_name": "Ada", "consent": True, **fields}
    return call(api_event("POST", "/subscribe", body=body))


def contact(list_id: str = "list-demo", address: str = ADDRESS):
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())


def link_in_last_email(path: str) -> str:
    raw = sent_messages()[-1].raw_data
    text = email.message_from_string(raw).get_payload()[0].get_payload(decode=True).decode()
    return re.search(rf"https://mail\.example\.test{path}\?token=(\S+)", text).group(1)


def problem(response: dict) -> dict:
    assert headers_of(response)["Content-Type"] == "application/problem+json"
    return json.loads(response["body"])


@pytest.mark.promise("consent.double_opt_in")
def test_json_subscribe_answers_202_pending_and_sends_the_optin_email(demo_list):
    response = call(load_event("subscribe_json"))

    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {"status": "pending"}
    assert contact().status == ContactStatus.PENDING
    [message] = sent_messages()
    parsed = email.message_from_string(message.raw_data)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.get_payload()] == ["text/plain", "text/html"]
    assert "news@example.com" in parsed["From"] and parsed["To"] == ADDRESS
    assert "/confirm?token=" in parsed.get_payload()[1].get_payload(decode=True).decode()


def test_form_subscribe_answers_an_html_page_or_redirects_to_the_lists_page(demo_list):
    response = call(load_event("subscribe_form"))
    assert response["statusCode"] == 200
    assert headers_of(response)["Content-Type"].startswith("text/html")
    for header in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert header in headers_of(response)
    assert contact().tracking_consent is True

    demo_list.confirm_redirect_url = "https://www.example.org/check-your-inbox"
    from consentmail.store.lists import ListRepository

    ListRepository().save(demo_list)
    response = call(load_event("subscribe_form"))
    assert response["statusCode"] == 303
    assert headers_of(response)["Location"] == "https://www.example.org/check-your-inbox"


@pytest.mark.promise("consent.double_opt_in")
@pytest.mark.parametrize("consent", [False, "off", None])
def test_subscribe_without_consent_is_refused_with_422_naming_consent(demo_list, consent):
    body = {"list_id": "list-demo", "email": ADDRESS}
    if consent is not None:
        body["consent"] = consent
    response = call(api_event("POST", "/subscribe", body=body))

    assert response["statusCode"] == 422
    assert any(error["field"] == "consent" for error in problem(response)["errors"])
    assert contact() is None and sent_messages() == []


def test_subscribe_with_an_invalid_email_is_refused_with_422(demo_list):
    response = call(
        api_event(
            "POST", "/subscribe", body={"list_id": "list-demo", "email": "not-an-address", "consent": True}
        )
    )
    assert response["statusCode"] == 422
    assert problem(response)["errors"][0]["field"] == "email"
    assert sent_messages() == []


def test_subscribe_to_an_unknown_list_answers_404(aws):
    response = subscribe(list_id="no-such-list")
    assert response["statusCode"] == 404
    assert problem(response)["status"] == 404


def test_malformed_json_answers_422_not_500(demo_list):
    response = call(
        api_event("POST", "/subscribe", body="{not json", headers={"Content-Type": "application/json"})
    )
    assert response["statusCode"] == 422


@pytest.mark.promise("consent.no_enumeration")
def test_the_answer_is_identical_whatever_the_state_of_the_address(demo_list):
    answers = []
    answers.append(subscribe())  # new
    answers.append(subscribe())  # pending
    stored = contact()
    for status in (ContactStatus.CONFIRMED, ContactStatus.UNSUBSCRIBED, ContactStatus.BOUNCED):
        stored.status = status
        ContactRepository().replace(stored)
        answers.append(subscribe())
    shapes = {(a["statusCode"], a["body"], headers_of(a).get("Content-Type")) for a in answers}
    assert shapes == {(202, json.dumps({"status": "pending"}), "application/json")}


@pytest.mark.promise("consent.optin_throttle")
def test_at_most_one_optin_email_per_address_and_list_per_ten_minutes(demo_list):
    start = now()
    with time_machine.travel(start, tick=False):
        subscribe()
        subscribe()
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        subscribe()
    assert len(sent_messages()) == 1
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        subscribe()
    assert len(sent_messages()) == 2


@pytest.mark.promise("consent.optin_throttle")
def test_a_confirmed_contact_gets_no_new_optin_email(demo_list):
    subscribe()
    token = link_in_last_email("/confirm")
    call(api_event("POST", "/confirm", query={"token": token}))
    subscribe()
    assert len(sent_messages()) == 1


@pytest.mark.promise("consent.double_opt_in")
def test_following_the_confirm_link_shows_a_button_and_changes_nothing(demo_list):
    subscribe()
    token = link_in_last_email("/confirm")

    # A mail gateway's scanner fetches the link, twice.
    scan = api_event("GET", "/confirm", query={"token": token}, source_ip="203.0.113.9")
    pages = [call(scan), call(scan)]

    assert all(page["statusCode"] == 200 for page in pages)
    assert headers_of(pages[0])["Content-Type"].startswith("text/html")
    assert '<form method=post action="?token=' in pages[0]["body"] and "Demo News" in pages[0]["body"]
    assert contact().status == ContactStatus.PENDING
    ledger = ConsentRepository().of_email_hash(email_hash(ADDRESS), now())
    assert [record.action.value for record in ledger] == ["subscribed"]


@pytest.mark.promise("consent.ledger", "consent.double_opt_in")
def test_the_confirm_button_confirms_once_and_records_ip_and_user_agent_of_the_post(demo_list):
    subscribe()
    token = link_in_last_email("/confirm")

    first = call(api_event("POST", "/confirm", query={"token": token}, source_ip="198.51.100.7"))
    second = call(api_event("POST", "/confirm", query={"token": token}))

    assert first["statusCode"] == 200 and second["statusCode"] == 200
    assert contact().status == ContactStatus.CONFIRMED
    ledger = ConsentRepository().of_email_hash(email_hash(ADDRESS), now())
    actions = [record.action.value for record in ledger]
    assert actions == ["subscribed", "confirmed"]
    confirmed = ledger[1]
    assert confirmed.ip == "198.51.100.7" and "Firefox" in confirmed.user_agent
    assert "Demo News" in ledger[0].text


def test_confirm_redirects_to_the_lists_thank_you_page(demo_list):
    from consentmail.store.lists import ListRepository

    demo_list.thank_you_url = "https://www.example.org/thanks"
    ListRepository().save(demo_list)
    subscribe()
    response = call(api_event("POST", "/confirm", query={"token": link_in_last_email("/confirm")}))
    assert (
        response["statusCode"] == 303 and headers_of(response)["Location"] == "https://www.example.org/thanks"
    )


@pytest.mark.promise("consent.double_opt_in")
def test_tampered_and_expired_confirm_tokens_answer_400_html(demo_list):
    subscribe()
    token = link_in_last_email("/confirm")
    kid, payload, signature = token.split(".")
    tampered = f"{kid}.{payload[:-2]}AA.{signature}"
    assert call(api_event("POST", "/confirm", query={"token": tampered}))["statusCode"] == 400
    assert call(api_event("GET", "/confirm", query={"token": tampered}))["statusCode"] == 400
    assert call(api_event("POST", "/confirm", query={"token": "garbage"}))["statusCode"] == 400
    assert call(api_event("POST", "/confirm"))["statusCode"] == 400
    assert call(api_event("GET", "/confirm"))["statusCode"] == 400
    with time_machine.travel(now() + timedelta(days=7, seconds=1), tick=False):
        expired = call(api_event("POST", "/confirm", query={"token": token}))
    assert expired["statusCode"] == 400
    assert headers_of(expired)["Content-Type"].startswith("text/html")
    assert contact().status == ContactStatus.PENDING


def test_an_unsubscribe_token_cannot_confirm(demo_list):
    from consentmail.core.links import unsubscribe_url

    subscribe()
    token = unsubscribe_url(contact(), now()).split("token=")[1]
    assert call(api_event("POST", "/confirm", query={"token": token}))["statusCode"] == 400


def _confirmed_unsubscribe_token() -> str:
    from consentmail.core.links import unsubscribe_url

    subscribe()
    call(api_event("POST", "/confirm", query={"token": link_in_last_email("/confirm")}))
    return unsubscribe_url(contact(), now()).split("token=")[1]


@pytest.mark.promise("unsubscribe.every_email")
def test_get_unsubscribe_shows_a_button_and_changes_nothing(demo_list):
    token = _confirmed_unsubscribe_token()

    response = call(api_event("GET", "/unsubscribe", query={"token": token}))

    assert response["statusCode"] == 200
    assert "method=post" in response["body"] and "<button" in response["body"]
    assert contact().status == ContactStatus.CONFIRMED


@pytest.mark.promise("consent.ledger", "unsubscribe.every_email")
def test_one_click_unsubscribe_post_unsubscribes_and_records_the_withdrawal(demo_list):
    token = _confirmed_unsubscribe_token()
    event = load_event("unsubscribe_one_click")
    event["queryStringParameters"] = {"token": token}
    event["multiValueQueryStringParameters"] = {"token": [token]}

    first = call(event)
    second = call(event)

    assert first["statusCode"] == 200 and second["statusCode"] == 200
    assert "Location" not in headers_of(first)
    assert contact().status == ContactStatus.UNSUBSCRIBED
    actions = [r.action.value for r in ConsentRepository().of_email_hash(email_hash(ADDRESS), now())]
    assert actions.count("unsubscribed") == 1


@pytest.mark.promise("unsubscribe.every_email")
def test_one_click_unsubscribe_accepts_multipart_bodies(demo_list):
    token = _confirmed_unsubscribe_token()
    boundary = "----x"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    )
    event = api_event(
        "POST",
        "/unsubscribe",
        body=body,
        query={"token": token},
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert call(event)["statusCode"] == 200
    assert contact().status == ContactStatus.UNSUBSCRIBED


def test_invalid_unsubscribe_tokens_answer_400(demo_list):
    for method in ("GET", "POST"):
        assert call(api_event(method, "/unsubscribe", query={"token": "x.y.z"}))["statusCode"] == 400


def test_cors_allows_websites_to_post_the_subscribe_form(demo_list):
    preflight = api_event(
        "OPTIONS",
        "/subscribe",
        headers={"Origin": "https://www.example.org", "Access-Control-Request-Method": "POST"},
    )
    response = call(preflight)
    assert response["statusCode"] == 204
    assert headers_of(response)["Access-Control-Allow-Origin"] == "*"
    posted = call(load_event("subscribe_json"))  # carries an Origin header, as browsers send
    assert headers_of(posted)["Access-Control-Allow-Origin"] == "*"


@pytest.mark.promise("http.no_cookies")
def test_no_route_sets_a_cookie(demo_list):
    token = _confirmed_unsubscribe_token()
    events = [
        load_event("subscribe_json"),
        load_event("subscribe_form"),
        api_event("GET", "/confirm", query={"token": "bad"}),
        api_event("POST", "/confirm", query={"token": "bad"}),
        api_event("GET", "/unsubscribe", query={"token": token}),
        api_event("POST", "/unsubscribe", query={"token": token}),
        api_event("GET", "/nowhere"),
    ]
    for event in events:
        response = call(event)
        assert not any(name.lower() == "set-cookie" for name in headers_of(response)), event["path"]


@pytest.mark.promise("consent.optin_throttle", "consent.no_enumeration")
def test_an_address_suppressed_for_the_account_gets_the_same_answer_and_no_optin_email(demo_list):
    from consentmail.store.suppression import Reason, SuppressionRepository

    SuppressionRepository().suppress_for_account(
        email_hash(ADDRESS), demo_list.account_id, Reason.BOUNCE, now()
    )

    response = subscribe()

    assert response["statusCode"] == 202 and json.loads(response["body"]) == {"status": "pending"}
    assert sent_messages() == []


def test_an_erased_person_who_subscribes_and_confirms_again_is_no_longer_suppressed(demo_list):
    from consentmail.store.suppression import SuppressionRepository

    suppression = SuppressionRepository()
    suppression.suppress_erased(email_hash(ADDRESS), now())

    subscribe()
    assert suppression.is_erased(email_hash(ADDRESS), now())  # a form post alone lifts nothing
    call(api_event("POST", "/confirm", query={"token": link_in_last_email("/confirm")}))

    assert contact().status == ContactStatus.CONFIRMED
    assert not suppression.is_erased(email_hash(ADDRESS), now())
