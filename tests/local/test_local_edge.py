"""The platform's edge in local mode, as an outside client meets it: abuse limits per client (one
client hammering a route never locks another out), problem+json for every refusal the gateway
itself makes (415, 431, 429), and paths that must match a route exactly."""

import uuid

import pytest

from consentmail.core.errors import PROBLEM_JSON
from consentmail.core.routes import ROUTES
from tests.local.local_client import Answer, LocalClient

ATTACKER = "203.0.113.7"
PERSON = "198.51.100.23"


def from_address(address: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"X-Forwarded-For": address, **(headers or {})}


def assert_problem(answer: Answer, status: int) -> dict:
    assert answer.status == status, (answer.status, answer.body[:300])
    assert answer.content_type == PROBLEM_JSON, answer.content_type
    body = answer.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def sign_in(client: LocalClient, email: str, password: str, address: str) -> Answer:
    return client.post_json("/auth/login", {"email": email, "password": password}, from_address(address))


def demo_token(client: LocalClient) -> dict[str, str]:
    demo = client.get("/_local/config").json()["demo"]
    answer = sign_in(client, demo["email"], demo["password"], "192.0.2.50")
    assert answer.status == 200
    return {"Authorization": f"Bearer {answer.json()['id_token']}"}


@pytest.mark.promise("http.per_client_limits")
def test_one_client_hammering_login_does_not_lock_another_out(local_mode, local_client):
    # Given a person who signs in from their own address
    demo = local_client.get("/_local/config").json()["demo"]
    login = next(route for route in ROUTES if (route.method, route.path) == ("POST", "/auth/login"))
    allowance = login.per_client.requests

    # When another client sends hundreds of sign-in attempts, with a new address each time (so the
    # per-address lockout never slows it down)
    answers = [
        sign_in(local_client, f"guess-{uuid.uuid4().hex[:8]}@example.org", "Wrong-pass-1", ATTACKER)
        for _ in range(allowance + 250)
    ]

    # Then that client is refused once it has spent its allowance, with a problem+json that says
    # when to come back
    assert [a.status for a in answers[:allowance]] == [401] * allowance
    refused = answers[allowance:]
    assert all(a.status == 429 for a in refused)
    body = assert_problem(refused[-1], 429)
    assert "/auth/login" in body["detail"]
    assert int(refused[-1].headers["Retry-After"]) > 0
    # And the person signs in all the same, while the hammering client is still refused
    mine = sign_in(local_client, demo["email"], demo["password"], PERSON)
    assert mine.status == 200 and mine.json()["id_token"]
    assert sign_in(local_client, demo["email"], demo["password"], ATTACKER).status == 429


def test_the_first_forwarded_for_entry_is_the_client(local_mode, local_client):
    demo = local_client.get("/_local/config").json()["demo"]
    credentials = {"email": demo["email"], "password": demo["password"]}
    # A proxy chain "client, proxy": the client is the first entry, so this one is the person
    # above, not the hammering client (whose address comes second here)
    chain = {"X-Forwarded-For": f"{PERSON}, {ATTACKER}"}
    answer = local_client.post_json("/auth/login", credentials, chain)
    assert answer.status == 200
    # And the hammering client stays refused as the first entry of a chain
    chain = {"X-Forwarded-For": f"{ATTACKER}, {PERSON}"}
    answer = local_client.post_json("/auth/login", credentials, chain)
    assert_problem(answer, 429)


def test_an_unsupported_content_type_answers_415_problem_json(local_mode, local_client):
    auth = demo_token(local_client)
    for path, headers in (
        ("/lists", {"Content-Type": "text/plain", **auth}),
        ("/auth/login", {"Content-Type": "text/csv", "X-Forwarded-For": "192.0.2.51"}),
    ):
        answer = local_client.request("POST", path, b'{"name": "x"}', headers)
        body = assert_problem(answer, 415)
        assert "application/json" in body["detail"]


def test_oversized_headers_answer_431_problem_json(local_mode, local_client):
    # A 100 KB Authorization header is refused by the HTTP server itself, a 20 KB one by the
    # gateway (API Gateway's 10 KB quota for the request line and headers): both as problem+json
    for size in (100_000, 20_000):
        answer = local_client.get("/lists", headers={"Authorization": "Bearer " + "a" * size})
        body = assert_problem(answer, 431)
        assert "header" in body["detail"].lower()
    # The server still answers the next request
    assert local_client.get("/_local/config").status == 200


def test_a_trailing_newline_in_a_path_is_not_ignored(local_mode, local_client):
    auth = demo_token(local_client)
    assert local_client.get("/lists", headers=auth).status == 200

    for path in ("/lists/%0A", "/lists%0A", "/lists/%0A/contacts", "/account%0A"):
        answer = local_client.get(path, headers=auth)
        assert_problem(answer, 404)
