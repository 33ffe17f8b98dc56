"""An account holder's life beyond CRUD, through the accounts function against moto: the sign-up
address verified by an emailed link (and no send before), refresh and sign-out, the forgotten
password (our own single-use, one-hour reset link, one email per address per 10 minutes) and the
password change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from consentmail.accounts import service as account_service
from consentmail.accounts.passwords import RULE_DIGIT, RULE_SPECIAL
from consentmail.core import tokens
from consentmail.core.tokens import Purpose
from tests.accounts_helpers import (
    PASSWORD,
    RESET_SUBJECT,
    VERIFY_SUBJECT,
    call,
    claims_of,
    create_list,
    emailed_token,
    invoke,
    login,
    sample,
    sign_up,
    verify,
)
from tests.conftest import PUBLIC_URL, sent_messages
from tests.sending_helpers import parse

OWNER = "owner@example.com"
NEW_PASSWORD = "Brand-new-pass-7"
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_pauses(aws, monkeypatch):
    # Failed sign-ins slow down; these tests count them, not wait for them.
    monkeypatch.setattr(account_service, "pause", lambda _seconds: None)
    return aws


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def bearer(email: str = OWNER, password: str = PASSWORD) -> tuple[dict, str]:
    """Sign in: the verified claims account routes receive, and the refresh token."""
    reply = login(email, password)
    assert reply.status == 200, reply.text
    return claims_of(reply.json()["id_token"]), reply.json()["refresh_token"]


def campaign_of(claims: dict) -> str:
    list_id = create_list(claims)["list_id"]
    body = {"list_id": list_id, "subject": "Autumn news", "html": "<p>Hello</p>", "text": "Hello"}
    reply = call("POST", "/campaigns", claims=claims, body=body)
    assert reply.status == 201, reply.text
    return reply.json()["campaign_id"]


def emails_to(address: str, subject: str) -> list:
    return [m for m in sent_messages(to=address) if parse(m.raw_data)["Subject"] == subject]


# --- verification --------------------------------------------------------------------------------


def test_sign_up_emails_a_verification_link_to_the_console_from_the_system_address(aws):
    sign_up(OWNER)

    [message] = emails_to(OWNER, VERIFY_SUBJECT)
    parsed = parse(message.raw_data)
    text = parsed.get_body(("plain",)).get_content()
    token = emailed_token(OWNER, VERIFY_SUBJECT)
    assert f"{PUBLIC_URL}/console/verify-email?token={token}" in text
    assert "/accounts/verify" in text
    assert parsed["From"].endswith(f"<{aws.environment['CONSENTMAIL_SYSTEM_FROM']}>")


def test_an_unverified_account_signs_in_and_prepares_but_cannot_send(aws):
    sign_up(OWNER)
    claims, _ = bearer()
    campaign_id = campaign_of(claims)

    refused = call("POST", f"/campaigns/{campaign_id}/send", claims=claims)

    assert refused.status == 403
    assert "not verified" in refused.problem["detail"] and "/accounts/verify" in refused.problem["detail"]
    assert call("GET", f"/campaigns/{campaign_id}", claims=claims).json()["status"] == "draft"
    assert call("GET", "/account", claims=claims).json()["email_verified"] is False


def test_following_the_link_verifies_the_address_once_and_for_all_and_the_send_goes_out(aws):
    sign_up(OWNER)
    claims, _ = bearer()
    campaign_id = campaign_of(claims)
    token = emailed_token(OWNER, VERIFY_SUBJECT)

    first = call("POST", "/accounts/verify", body={"token": token})
    again = call("POST", "/accounts/verify", body={"token": token})

    assert (first.status, again.status) == (204, 204)
    assert call("GET", "/account", claims=claims).json()["email_verified"] is True
    sent = call("POST", f"/campaigns/{campaign_id}/send", claims=claims)
    assert sent.status == 202 and sent.json() == {"status": "sending"}


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "k.e30.c2ln", "x" * 200],
    ids=["malformed", "forged", "long garbage"],
)
def test_a_bad_verification_token_is_a_400_problem_and_verifies_nothing(aws, token):
    sign_up(OWNER)
    claims, _ = bearer()

    reply = call("POST", "/accounts/verify", body={"token": token})

    assert reply.status == 400
    assert reply.problem["title"] == "Invalid or expired link"
    assert call("GET", "/account", claims=claims).json()["email_verified"] is False


def test_an_expired_or_misused_token_does_not_verify(aws, clock):
    sign_up(OWNER)
    claims, _ = bearer()
    token = emailed_token(OWNER, VERIFY_SUBJECT)
    reset_token = tokens.issue(
        Purpose.PASSWORD_RESET, {"a": claims["sub"], "n": "x"}, START + timedelta(hours=1)
    )

    wrong_purpose = call("POST", "/accounts/verify", body={"token": reset_token})
    clock.move_to(START + timedelta(days=7, seconds=1))
    expired = call("POST", "/accounts/verify", body={"token": token})

    assert (wrong_purpose.status, expired.status) == (400, 400)
    assert "expired" in expired.problem["detail"]


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": 7}, {"token": "t", "extra": 1}])
def test_a_verification_without_a_usable_token_field_is_a_422_naming_it(aws, body):
    reply = call("POST", "/accounts/verify", body=body)

    assert reply.status == 422
    assert reply.problem["errors"]


# --- refresh and sign-out ------------------------------------------------------------------------


def test_a_refresh_token_gets_new_id_and_access_tokens(aws):
    sign_up(OWNER)
    claims, refresh_token = bearer()

    reply = call("POST", "/auth/refresh", body={"refresh_token": refresh_token})

    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"id_token", "access_token", "expires_in"}
    assert claims_of(body["id_token"])["sub"] == claims["sub"] and body["expires_in"] > 0


@pytest.mark.parametrize("token", ["not-a-refresh-token", "eyJ" + "a" * 500])
def test_an_unknown_refresh_token_is_a_401_problem(aws, token):
    reply = call("POST", "/auth/refresh", body={"refresh_token": token})

    assert reply.status == 401
    assert "sign in again" in reply.problem["detail"]


def test_sign_out_revokes_that_refresh_token_only(aws):
    sign_up(OWNER)
    claims, refresh_token = bearer()
    _, other_session = bearer()

    out = call("POST", "/auth/logout", claims=claims, body={"refresh_token": refresh_token})
    again = call("POST", "/auth/logout", claims=claims, body={"refresh_token": refresh_token})

    assert (out.status, again.status) == (204, 204)
    assert call("POST", "/auth/refresh", body={"refresh_token": refresh_token}).status == 401
    assert call("POST", "/auth/refresh", body={"refresh_token": other_session}).status == 200


def test_sign_out_needs_a_bearer_token_and_a_refresh_token(aws):
    sign_up(OWNER)
    claims, refresh_token = bearer()

    unsigned = call("POST", "/auth/logout", body={"refresh_token": refresh_token})
    empty = call("POST", "/auth/logout", claims=claims, body={})

    assert unsigned.status == 401 and empty.status == 422
    assert call("POST", "/auth/refresh", body={"refresh_token": refresh_token}).status == 200


# --- the forgotten password ----------------------------------------------------------------------


def test_forgot_answers_the_same_for_known_and_unknown_addresses_and_emails_only_the_known(aws):
    sign_up(OWNER)

    known = call("POST", "/auth/password/forgot", body={"email": OWNER})
    unknown = call("POST", "/auth/password/forgot", body={"email": "nobody@example.com"})

    assert (known.status, known.text) == (unknown.status, unknown.text)
    assert known.status == 202 and known.json() == {"status": "accepted"}
    assert emails_to("nobody@example.com", RESET_SUBJECT) == []
    [message] = emails_to(OWNER, RESET_SUBJECT)
    token = emailed_token(OWNER, RESET_SUBJECT)
    text = parse(message.raw_data).get_body(("plain",)).get_content()
    assert f"{PUBLIC_URL}/console/reset-password?token={token}" in text


def test_forgot_sends_at_most_one_email_per_address_per_10_minutes(aws, clock):
    sign_up(OWNER)

    for _ in range(3):
        assert call("POST", "/auth/password/forgot", body={"email": OWNER.upper()}).status == 202
    clock.move_to(START + timedelta(minutes=9, seconds=59))
    assert call("POST", "/auth/password/forgot", body={"email": OWNER}).status == 202
    assert len(emails_to(OWNER, RESET_SUBJECT)) == 1
    clock.move_to(START + timedelta(minutes=10, seconds=1))
    assert call("POST", "/auth/password/forgot", body={"email": OWNER}).status == 202
    assert len(emails_to(OWNER, RESET_SUBJECT)) == 2


@pytest.mark.parametrize("body", [{}, {"email": "not an address"}, {"email": ["a@example.com"]}])
def test_forgot_with_no_usable_address_is_a_422(aws, body):
    reply = call("POST", "/auth/password/forgot", body=body)

    assert reply.status == 422
    assert sent_messages() == []


def test_a_reset_sets_the_password_signs_out_every_session_and_works_once(aws):
    sign_up(OWNER)
    _, old_session = bearer()
    call("POST", "/auth/password/forgot", body={"email": OWNER})
    token = emailed_token(OWNER, RESET_SUBJECT)

    reset = call("POST", "/auth/password/reset", body={"token": token, "password": NEW_PASSWORD})
    replay = call("POST", "/auth/password/reset", body={"token": token, "password": "Other-pass-99"})

    assert reset.status == 204
    assert replay.status == 400 and "already been used" in replay.problem["detail"]
    assert call("POST", "/auth/refresh", body={"refresh_token": old_session}).status == 401
    assert login(OWNER, PASSWORD).status == 401
    assert login(OWNER, "Other-pass-99").status == 401
    assert login(OWNER, NEW_PASSWORD).status == 200


def test_a_reset_with_a_password_breaking_the_rule_is_a_422_naming_it_and_spends_nothing(aws):
    sign_up(OWNER)
    call("POST", "/auth/password/forgot", body={"email": OWNER})
    token = emailed_token(OWNER, RESET_SUBJECT)

    weak = call("POST", "/auth/password/reset", body={"token": token, "password": "abcdefgh"})

    assert weak.status == 422
    assert {e["message"] for e in weak.problem["errors"]} == {RULE_DIGIT, RULE_SPECIAL}
    assert login(OWNER, PASSWORD).status == 200
    assert call("POST", "/auth/password/reset", body={"token": token, "password": NEW_PASSWORD}).status == 204


def test_a_reset_link_expires_after_an_hour(aws, clock):
    sign_up(OWNER)
    call("POST", "/auth/password/forgot", body={"email": OWNER})
    token = emailed_token(OWNER, RESET_SUBJECT)

    clock.move_to(START + timedelta(hours=1, seconds=1))
    late = call("POST", "/auth/password/reset", body={"token": token, "password": NEW_PASSWORD})

    assert late.status == 400 and "expired" in late.problem["detail"]
    assert login(OWNER, PASSWORD).status == 200


@pytest.mark.parametrize(
    "body",
    [{"password": NEW_PASSWORD}, {"token": "t"}, {"token": "not-a-token", "password": NEW_PASSWORD}],
    ids=["no token", "no password", "bad token"],
)
def test_a_reset_without_a_valid_token_changes_nothing(aws, body):
    sign_up(OWNER)

    reply = call("POST", "/auth/password/reset", body=body)

    assert reply.status in (400, 422)
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert login(OWNER, PASSWORD).status == 200


def test_a_reset_proves_the_address_too(aws):
    sign_up(OWNER)
    claims, _ = bearer()
    call("POST", "/auth/password/forgot", body={"email": OWNER})

    call(
        "POST",
        "/auth/password/reset",
        body={"token": emailed_token(OWNER, RESET_SUBJECT), "password": NEW_PASSWORD},
    )

    assert call("GET", "/account", claims=claims).json()["email_verified"] is True


# --- the password change -------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one(aws):
    sign_up(OWNER)
    verify(OWNER)
    claims, _ = bearer()

    wrong = call(
        "POST",
        "/account/password",
        claims=claims,
        body={"current_password": "Wrong-pass-1", "new_password": NEW_PASSWORD},
    )
    right = call(
        "POST",
        "/account/password",
        claims=claims,
        body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert wrong.status == 403 and wrong.problem["detail"] == "The current password is not correct."
    assert right.status == 204
    assert login(OWNER, PASSWORD).status == 401
    assert login(OWNER, NEW_PASSWORD).status == 200


def test_a_new_password_breaking_the_rule_is_a_422_and_the_old_one_stays(aws):
    sign_up(OWNER)
    claims, _ = bearer()

    reply = call(
        "POST",
        "/account/password",
        claims=claims,
        body={"current_password": PASSWORD, "new_password": "short-1"},
    )

    assert reply.status == 422 and "password" in reply.problem["detail"]
    assert login(OWNER, PASSWORD).status == 200


def test_changing_the_password_needs_a_signed_in_caller_and_both_fields(aws):
    sign_up(OWNER)
    claims, _ = bearer()

    unsigned = call(
        "POST", "/account/password", body={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    partial = call("POST", "/account/password", claims=claims, body={"new_password": NEW_PASSWORD})

    assert unsigned.status == 401 and partial.status == 422
    assert [e["field"] for e in partial.problem["errors"]] == ["current_password"]
    assert login(OWNER, PASSWORD).status == 200


# --- the sample events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("auth_password_forgot", 202),
        ("accounts_verify", 400),
        ("auth_password_reset", 400),
        ("auth_refresh", 401),
        ("auth_logout", 401),
        ("account_password_change", 401),
    ],
)
def test_each_sample_event_reaches_its_route(aws, name, status):
    # The samples hold placeholders for tokens, and name an account that does not exist here:
    # each answers its route's refusal, never a 404 or a 5xx.
    reply = invoke(sample(name))

    assert reply.status == status, reply.text
