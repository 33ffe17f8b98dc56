"""Account holders through the accounts function, against moto: sign-up with the CNIL password
rule, sign-in and its lockout, the profile, its export, notifications and closure."""

from datetime import timedelta

import boto3
import pytest
import time_machine

from consentmail.accounts import service as account_service
from consentmail.accounts.passwords import RULE_DIGIT, RULE_LENGTH, RULE_LETTER, RULE_SPECIAL
from consentmail.accounts.service import LOCKOUT_THRESHOLD, AccountService
from consentmail.adapters import aws_clients
from consentmail.core.addresses import email_hash
from consentmail.core.clock import epoch, now
from consentmail.core.errors import Unauthorized
from consentmail.core.retention import ACCOUNT_AFTER_CLOSURE, add_months
from consentmail.core.tables import Table
from consentmail.store.accounts import AccountRepository, account_pk, email_pk
from consentmail.store.suppression import Reason, SuppressionRepository
from tests.accounts_helpers import (
    PASSWORD,
    POLICY_VERSION,
    add_contact,
    call,
    claims_of,
    create_list,
    invoke,
    login,
    sample,
    sign_up,
    signed_in,
)

OWNER = "owner@example.com"


@pytest.fixture(autouse=True)
def fresh_services(aws, monkeypatch):
    monkeypatch.setattr(account_service, "pause", pauses.append)
    pauses.clear()
    return aws


pauses: list[float] = []


def cognito_users(aws) -> list[dict]:
    client = boto3.client("cognito-idp", region_name="eu-west-3")
    return client.list_users(UserPoolId=aws.user_pool_id)["Users"]


# --- sign-up -------------------------------------------------------------------------------------


def test_sign_up_creates_the_cognito_user_and_the_profile_with_the_policy_acceptance(aws):
    reply = invoke(sample("accounts_create"))

    assert reply.status == 201
    account_id = reply.json()["account_id"]
    [user] = cognito_users(aws)
    attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
    assert attributes["sub"] == account_id and attributes["email"] == OWNER
    assert attributes["email_verified"] == "true" and user["UserStatus"] == "CONFIRMED"
    profile = AccountRepository().get_profile(account_id, now())
    assert (profile.email, profile.first_name, profile.company) == (OWNER, "Olivia", "Demo SAS")
    assert profile.privacy_policy.version == "2026-11"
    assert profile.privacy_policy.ip == "203.0.113.9"
    assert abs(profile.privacy_policy.accepted_at - now()) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("password", "rules"),
    [
        ("Ab1!xyz", [RULE_LENGTH]),
        ("12345678!", [RULE_LETTER]),
        ("Abcdefgh!", [RULE_DIGIT]),
        ("Abcdefgh1", [RULE_SPECIAL]),
        ("abc", [RULE_LENGTH, RULE_DIGIT, RULE_SPECIAL]),
    ],
)
@pytest.mark.promise("passwords.cnil")
def test_sign_up_with_a_broken_password_rule_answers_422_naming_the_rule(aws, password, rules):
    reply = call("POST", "/accounts", body={**sample_body(), "password": password})

    assert reply.status == 422
    problem = reply.problem
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("password", rule) for rule in rules]
    assert password not in reply.text
    assert cognito_users(aws) == []


def test_sign_up_accepts_an_accented_letter_as_the_letter(aws):
    account_id = sign_up("zoe@example.com", password="é2345678!")
    assert login("zoe@example.com", "é2345678!").status == 200
    assert account_id


def test_an_address_the_user_pool_refuses_is_a_422_naming_the_email_not_a_server_error(aws):
    # Found by the fuzz test: the user pool checks the address itself (here moto's narrower rule
    # refuses `^`), and its refusal reached the caller as a 502.
    reply = call("POST", "/accounts", body={**sample_body(), "email": "p^@example.com"})

    assert reply.status == 422
    assert [e["field"] for e in reply.problem["errors"]] == ["email"]
    assert cognito_users(aws) == []


def test_a_repeated_email_creates_no_second_account(aws):
    sign_up(OWNER)

    again = call("POST", "/accounts", body={**sample_body(), "email": "Owner@Example.com"})

    assert again.status == 409
    assert len(cognito_users(aws)) == 1


def sample_body() -> dict:
    import json

    return json.loads(sample("accounts_create")["body"])


# --- sign-in -------------------------------------------------------------------------------------


def test_login_answers_cognito_tokens(aws):
    sign_up(OWNER)

    reply = invoke(sample("accounts_login"))

    assert reply.status == 401  # the sample's password is not this account's
    reply = login(OWNER)
    assert reply.status == 200
    tokens = reply.json()
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in"}
    assert tokens["expires_in"] > 0
    assert claims_of(tokens["id_token"])["email"] == OWNER


@pytest.mark.promise("login.lockout")
def test_unknown_user_and_wrong_password_get_the_identical_answer(aws):
    sign_up(OWNER)

    wrong_password = login(OWNER, "Wrong-pass-1")
    unknown_user = login("nobody@example.com", PASSWORD)
    malformed = login("not an address", PASSWORD)

    assert wrong_password.status == unknown_user.status == malformed.status == 401
    assert wrong_password.text == unknown_user.text == malformed.text
    assert wrong_password.headers["Content-Type"] == unknown_user.headers["Content-Type"]


@pytest.mark.promise("login.lockout")
def test_ten_consecutive_failures_lock_the_address_with_the_same_answer(aws):
    sign_up(OWNER)
    failures = [login(OWNER, "Wrong-pass-1") for _ in range(LOCKOUT_THRESHOLD)]

    locked = login(OWNER, PASSWORD)

    assert locked.status == 401
    assert locked.text == failures[0].text
    assert login("nobody@example.com", PASSWORD).text == locked.text
    # the failed answers slowed down before the lock
    assert pauses[:4] == [0.5, 1.0, 1.5, 2.0]


def test_a_success_before_the_tenth_failure_resets_the_count(aws):
    sign_up(OWNER)
    for _ in range(LOCKOUT_THRESHOLD - 1):
        login(OWNER, "Wrong-pass-1")

    assert login(OWNER).status == 200
    for _ in range(LOCKOUT_THRESHOLD - 1):
        login(OWNER, "Wrong-pass-1")
    assert login(OWNER).status == 200


@pytest.mark.promise("login.lockout")
def test_the_lockout_ends_when_the_window_has_passed(aws):
    sign_up(OWNER)
    service = AccountService()
    start = now()
    for _ in range(LOCKOUT_THRESHOLD):
        with pytest.raises(Unauthorized):
            service.login(OWNER, "Wrong-pass-1", start)
    with pytest.raises(Unauthorized):
        service.login(OWNER, PASSWORD, start + timedelta(minutes=14))

    tokens = service.login(OWNER, PASSWORD, start + timedelta(minutes=16))

    assert tokens.id_token


# --- the profile ---------------------------------------------------------------------------------


def test_get_account_answers_the_callers_profile(aws):
    claims = signed_in(OWNER)

    reply = call("GET", "/account", claims=claims)

    assert reply.status == 200
    profile = reply.json()
    assert profile["account_id"] == claims["sub"] and profile["email"] == OWNER
    assert profile["privacy_policy"]["version"] == POLICY_VERSION
    assert "username" not in profile and "password" not in profile


def test_patch_account_edits_the_profile_and_records_a_new_policy_acceptance(aws):
    claims = signed_in(OWNER)

    reply = call(
        "PATCH",
        "/account",
        claims=claims,
        body={"company": "Demo SARL", "phone": "+33 1 23 45 67 89", "accept_privacy_policy": "2027-01"},
        source_ip="198.51.100.7",
    )

    assert reply.status == 200
    assert reply.json()["company"] == "Demo SARL"
    profile = call("GET", "/account", claims=claims).json()
    assert (profile["company"], profile["phone"]) == ("Demo SARL", "+33 1 23 45 67 89")
    assert profile["privacy_policy"]["version"] == "2027-01"
    assert profile["privacy_policy"]["ip"] == "198.51.100.7"
    stored = AccountRepository().get_profile(claims["sub"], now())
    assert [a.version for a in stored.privacy_policy_history] == [POLICY_VERSION, "2027-01"]


def test_the_sign_in_email_is_not_editable(aws):
    claims = signed_in(OWNER)

    reply = call("PATCH", "/account", claims=claims, body={"email": "other@example.com"})

    assert reply.status == 422
    assert call("GET", "/account", claims=claims).json()["email"] == OWNER


def test_account_export_holds_everything_about_the_account_holder(aws):
    claims = signed_in(OWNER)
    mailing_list = create_list(claims)
    AccountRepository().add_notification(
        claims["sub"], "erasure", {"lists": [mailing_list["list_id"]]}, now()
    )

    reply = call("GET", "/account/export", claims=claims)

    assert reply.status == 200
    export = reply.json()
    assert export["profile"]["email"] == OWNER and export["profile"]["account_id"] == claims["sub"]
    assert [a["version"] for a in export["privacy_policy_acceptances"]] == [POLICY_VERSION]
    assert [n["kind"] for n in export["notifications"]] == ["erasure"]
    assert [m["list_id"] for m in export["lists"]] == [mailing_list["list_id"]]


def test_notifications_answer_the_newest_first(aws):
    claims = signed_in(OWNER)
    repository = AccountRepository()
    repository.add_notification(claims["sub"], "rectification", {"lists": ["a"]}, now() - timedelta(days=1))
    repository.add_notification(claims["sub"], "erasure", {"lists": ["a"]}, now())

    reply = call("GET", "/account/notifications", claims=claims)

    assert reply.status == 200
    assert [n["kind"] for n in reply.json()["items"]] == ["erasure", "rectification"]


def test_account_routes_without_verified_claims_answer_401(aws):
    for method, path in (("GET", "/account"), ("GET", "/lists"), ("DELETE", "/account")):
        assert call(method, path).status == 401


# --- closure -------------------------------------------------------------------------------------


def expires_at(table: Table, key: dict) -> int | None:
    item = aws_clients.table(table).get_item(Key=key).get("Item")
    assert item is not None, (table, key)
    return int(item["expires_at"]) if "expires_at" in item else None


@pytest.mark.promise("retention.account.3m")
def test_closing_the_account_refuses_login_and_sets_the_deadline_on_every_item(aws):
    # Given an account with a list, a contact (with consent records, events, a suppression),
    # a campaign and its content
    claims = signed_in(OWNER)
    account_id = claims["sub"]
    mailing_list = create_list(claims)
    contact = add_contact(claims, mailing_list["list_id"], "ada@example.org")
    contact_hash = email_hash("ada@example.org")
    aws_clients.table(Table.EVENTS).put_item(
        Item={"contact_id": contact["contact_id"], "sk": "2026-11-25#sent"}
    )
    SuppressionRepository().suppress_for_account(contact_hash, account_id, Reason.BOUNCE, now())
    aws_clients.table(Table.CAMPAIGNS).put_item(
        Item={
            "campaign_id": "c1",
            "sk": "CAMPAIGN",
            "account_id": account_id,
            "created_at": "2026-11-25T00:00:00Z",
        }
    )
    aws_clients.table(Table.CAMPAIGNS).put_item(Item={"campaign_id": "c1", "sk": "RECIPIENT#1"})
    content_expiry = epoch(now() + timedelta(days=6))
    aws_clients.table(Table.CONTENT).put_item(Item={"campaign_id": "c1", "expires_at": content_expiry})
    AccountRepository().add_notification(account_id, "erasure", {}, now())

    # When the account holder closes the account (at a pinned instant, so the test's own
    # reading of the clock cannot fall in the next second)
    closed_at = now()
    with time_machine.travel(closed_at, tick=False):
        reply = invoke(sample("accounts_close", claims=claims))

    # Then the deletion is due 3 calendar months out
    assert reply.status == 202
    due = ACCOUNT_AFTER_CLOSURE.after(closed_at)
    assert reply.json() == {"deletion_due": due.date().isoformat()}
    assert add_months(closed_at, 3).date() == due.date()
    # and login is refused with the usual answer, and the old token opens nothing
    assert login(OWNER).status == 401
    assert login(OWNER).text == login("nobody@example.com").text
    assert call("GET", "/account", claims=claims).status == 401
    assert call("GET", "/lists", claims=claims).status == 401
    # and every item of the account carries the deadline (never extending an earlier one)
    deadline = epoch(due)
    keys = [
        (Table.ACCOUNTS, {"pk": account_pk(account_id), "sk": "PROFILE"}),
        (Table.ACCOUNTS, {"pk": email_pk(email_hash(OWNER)), "sk": "ACCOUNT"}),
        (Table.LISTS, {"list_id": mailing_list["list_id"]}),
        (Table.CONTACTS, {"list_id": mailing_list["list_id"], "contact_id": contact["contact_id"]}),
        (Table.EVENTS, {"contact_id": contact["contact_id"], "sk": "2026-11-25#sent"}),
        (Table.SUPPRESSION, {"email_hash": contact_hash, "scope": f"ACCOUNT#{account_id}"}),
        (Table.CAMPAIGNS, {"campaign_id": "c1", "sk": "CAMPAIGN"}),
        (Table.CAMPAIGNS, {"campaign_id": "c1", "sk": "RECIPIENT#1"}),
    ]
    for table, key in keys:
        assert expires_at(table, key) == deadline, (table, key)
    notifications = aws_clients.table(Table.ACCOUNTS).query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :n)",
        ExpressionAttributeValues={":pk": account_pk(account_id), ":n": "NOTIFICATION#"},
    )["Items"]
    assert [int(n["expires_at"]) for n in notifications] == [deadline]
    consent = aws_clients.table(Table.CONSENT).query(
        KeyConditionExpression="email_hash = :h", ExpressionAttributeValues={":h": contact_hash}
    )["Items"]
    assert consent and all(int(r["expires_at"]) == deadline for r in consent)
    assert expires_at(Table.CONTENT, {"campaign_id": "c1"}) == content_expiry
    # and the Cognito user is disabled
    [user] = cognito_users(aws)
    assert user["Enabled"] is False


def test_a_closed_accounts_address_cannot_sign_up_again_before_the_purge(aws):
    claims = signed_in(OWNER)
    call("DELETE", "/account", claims=claims)

    assert call("POST", "/accounts", body=sample_body()).status == 409
