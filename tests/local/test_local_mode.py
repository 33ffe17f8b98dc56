"""Local mode end to end: the whole system started in this process on free ports (moto's server,
the gateway, workers, the SES simulator), driven through real HTTP as a browser or an email
client would; and `python -m infra.local` as a process that starts and stops cleanly."""

import base64
import email
import html
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from email.policy import default as default_policy
from html.parser import HTMLParser
from pathlib import Path

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.links import unsubscribe_url
from consentmail.core.records import ContactStatus
from consentmail.core.routes import MAX_BODY_BYTES, ROUTES, Function
from consentmail.core.tables import SCHEMAS
from consentmail.store.contacts import ContactRepository, contact_id_for
from infra.local import ses_simulator
from infra.local.invoke import MissingFunction, load_module
from infra.local.runtime import free_port
from infra.local.workers import QueueWorker
from tests.local.flows import run_purge, send_campaign, sign_up, wait_until
from tests.local.local_client import LocalClient

REPO = Path(__file__).resolve().parents[2]
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# -- helpers ---------------------------------------------------------------------------------
def demo_list_id(local_mode) -> str:
    return local_mode.demo.list_id


def subscribe(client: LocalClient, list_id: str, address: str, **fields):
    body = {"list_id": list_id, "email": address, "first_name": "Ada", "consent": True, **fields}
    return client.post_json("/subscribe", body)


def outbox(client: LocalClient, address: str) -> list[dict]:
    answer = client.get("/_local/outbox", query={"to": address})
    assert answer.status == 200
    return answer.json()


def text_part(raw: str) -> str:
    message = email.message_from_string(raw, policy=default_policy)
    return message.get_body(preferencelist=("plain",)).get_content()


def confirm_link(raw: str, base_url: str) -> str:
    line = next(line for line in text_part(raw).splitlines() if line.startswith("Confirm: "))
    link = line.removeprefix("Confirm: ").strip()
    assert link.startswith(f"{base_url}/confirm?token=")
    return link


def contact_of(list_id: str, address: str):
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())


def confirmed_contact(client: LocalClient, local_mode, address: str):
    list_id = demo_list_id(local_mode)
    assert subscribe(client, list_id, address).status == 202
    link = confirm_link(outbox(client, address)[0]["raw"], local_mode.urls.base)
    assert client.post_form(link, {}).status == 200
    return contact_of(list_id, address)


def assert_problem(answer, status: int) -> dict:
    assert answer.status == status
    assert answer.content_type == "application/problem+json"
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({**attributes, "inputs": {}})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"][attributes.get("name")] = attributes


# -- the local-only routes -------------------------------------------------------------------
def test_config_answers_the_endpoint_region_tables_and_demo_credentials(local_mode, local_client):
    answer = local_client.get("/_local/config")

    assert answer.status == 200
    config = answer.json()
    assert config["aws_endpoint_url"] == local_mode.endpoint_url
    assert config["region"] == "eu-west-3"
    assert sorted(config["tables"]) == sorted(
        f"consentmail-{schema.table.value}" for schema in SCHEMAS.values()
    )
    assert config["demo"]["email"] == "demo@example.com"
    assert config["demo"]["list_id"] == local_mode.demo.list_id
    password = config["demo"]["password"]
    assert len(password) >= 8 and any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
    assert any(not c.isalnum() for c in password)


def test_demo_account_signs_in_through_the_api_and_owns_the_demo_list(local_mode, local_client):
    config = local_client.get("/_local/config").json()
    credentials = {"email": config["demo"]["email"], "password": config["demo"]["password"]}

    login = local_client.post_json("/auth/login", credentials)

    assert login.status == 200
    bearer = {"Authorization": f"Bearer {login.json()['id_token']}"}
    profile = local_client.get("/account", headers=bearer)
    assert profile.status == 200 and profile.json()["email"] == config["demo"]["email"]
    lists = local_client.get("/lists", headers=bearer).json()
    assert config["demo"]["list_id"] in [item["list_id"] for item in lists["items"]]


def test_demo_page_carries_the_security_headers_and_a_subscribe_form(local_mode, local_client):
    answer = local_client.get("/")

    assert answer.status == 200
    assert answer.content_type == "text/html"
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    assert answer.headers["Content-Security-Policy"]
    parser = _Forms()
    parser.feed(answer.text)
    form = next(f for f in parser.forms if f.get("action") == "/subscribe")
    assert form["method"].lower() == "post"
    inputs = form["inputs"]
    assert inputs["list_id"]["type"] == "hidden" and inputs["list_id"]["value"] == local_mode.demo.list_id
    assert inputs["email"]["type"] == "email"
    assert "first_name" in inputs
    assert inputs["consent"]["type"] == "checkbox"
    assert inputs["tracking_consent"]["type"] == "checkbox"
    assert "/_local/outbox" in answer.text


def test_the_demo_form_post_subscribes_and_answers_a_page(local_mode, local_client):
    answer = local_client.post_form(
        "/subscribe",
        {
            "list_id": local_mode.demo.list_id,
            "email": "form@example.org",
            "first_name": "Flo",
            "consent": "true",
        },
    )

    assert answer.status == 200
    assert answer.content_type == "text/html"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert len(outbox(local_client, "form@example.org")) == 1


def test_unknown_route_answers_404_problem_json(local_client):
    assert_problem(local_client.get("/no/such/route"), 404)


def test_purge_job_refuses_a_body_without_an_iso_time(local_client):
    assert_problem(local_client.post_json("/_local/jobs/purge", {"time": "yesterday"}), 422)


def test_purge_job_runs_the_purge_function_as_of_the_given_time(local_client):
    answer = run_purge(local_client, "2027-01-01T00:00:00Z")

    try:
        load_module(Function.PURGE)
    except MissingFunction:
        assert "purge" in assert_problem(answer, 503)["detail"]
        return
    assert answer.status == 200
    assert answer.content_type == "application/json"


def test_openapi_document_is_the_merged_document_of_the_functions(local_mode, local_client):
    from tools.openapi import OpenApiError, build_document

    answer = local_client.get("/openapi.json")

    try:
        expected = build_document(servers=[local_mode.urls.base])
    except OpenApiError as error:  # a function missing or not documentable yet: said clearly
        assert assert_problem(answer, 503)["detail"] == str(error)
        return
    assert answer.status == 200
    document = answer.json()
    assert document == json.loads(json.dumps(expected))
    assert document["info"]["title"] == "consentmail"
    assert "/subscribe" in document["paths"]
    assert "HTTPValidationError" not in json.dumps(document)


# -- the subscription flow through the gateway -------------------------------------------------
def test_json_subscribe_answers_202_and_the_optin_email_reaches_the_outbox(local_mode, local_client):
    address = "ada@example.org"

    answer = subscribe(local_client, local_mode.demo.list_id, address)

    assert answer.status == 202
    assert answer.json() == {"status": "pending"}
    emails = outbox(local_client, address)
    assert len(emails) == 1
    sent = emails[0]
    assert sent["to"] == [address]
    assert sent["from"] == "Demo News <news@example.com>"
    assert sent["subject"] == "Confirm your subscription to Demo News"
    assert sent["message_id"] and sent["sent_at"]
    message = email.message_from_string(sent["raw"])
    assert message.get_content_type() == "multipart/alternative"
    assert all(address not in e["to"] for e in outbox(local_client, "someone-else@example.org"))


def test_outbox_lists_newest_first(local_mode, local_client):
    subscribe(local_client, local_mode.demo.list_id, "first@example.org")
    subscribe(local_client, local_mode.demo.list_id, "second@example.org")

    emails = local_client.get("/_local/outbox").json()

    recipients = [e["to"][0] for e in emails]
    assert recipients.index("second@example.org") < recipients.index("first@example.org")


def test_outbox_page_shows_the_optin_email_with_its_confirm_link_clickable(local_mode, local_client):
    address = "browser@example.org"
    subscribe(local_client, local_mode.demo.list_id, address)
    link = confirm_link(outbox(local_client, address)[0]["raw"], local_mode.urls.base)

    answer = local_client.get("/_local/outbox", query={"format": "html", "to": address})

    assert answer.status == 200
    assert answer.content_type == "text/html"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert f'<a href="{html.escape(link)}">' in answer.text


def test_the_ses_simulator_delivers_the_delivery_event_to_ses_events(local_mode, local_client):
    delivered: list[dict] = []
    simulator = local_mode.simulator
    original = simulator.deliver
    simulator.deliver = lambda event: (delivered.append(event), original(event))[1]
    try:
        address = "sim@example.org"
        subscribe(local_client, local_mode.demo.list_id, address)
        message_id = outbox(local_client, address)[0]["message_id"]
        assert simulator.wait_idle(10)
    finally:
        simulator.deliver = original

    records = [record for event in delivered for record in event["Records"]]
    messages = [json.loads(record["body"]) for record in records]
    mine = [m for m in messages if m["mail"]["messageId"] == message_id]
    assert [m["eventType"] for m in mine] == ["Delivery"]
    assert mine[0]["delivery"]["recipients"] == [address]
    assert mine[0]["mail"]["tags"]["ses:configuration-set"] == ["consentmail-events"]
    assert records[0]["eventSourceARN"] == ses_simulator.queue_arn(local_mode.region)
    assert not [e for e in simulator.undelivered if e["mail"]["messageId"] == message_id]


def test_following_the_confirm_link_shows_a_button_and_pressing_it_confirms_the_contact(
    local_mode, local_client
):
    address = "bob@example.org"
    subscribe(local_client, local_mode.demo.list_id, address)
    link = confirm_link(outbox(local_client, address)[0]["raw"], local_mode.urls.base)

    page = local_client.get(link)

    assert page.status == 200 and page.content_type == "text/html"
    assert "<form method=post" in page.text
    assert contact_of(local_mode.demo.list_id, address).status == ContactStatus.PENDING

    answer = local_client.post_form(link, {})

    assert answer.status == 200
    assert answer.content_type == "text/html"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert contact_of(local_mode.demo.list_id, address).status == ContactStatus.CONFIRMED


def test_unsubscribe_get_changes_nothing(local_mode, local_client):
    contact = confirmed_contact(local_client, local_mode, "carol@example.org")

    answer = local_client.get(unsubscribe_url(contact, now()))

    assert answer.status == 200
    assert "<form" in answer.text
    assert contact_of(contact.list_id, "carol@example.org").status == ContactStatus.CONFIRMED


def test_one_click_unsubscribe_post_answers_200_and_unsubscribes(local_mode, local_client):
    contact = confirmed_contact(local_client, local_mode, "dan@example.org")
    url = unsubscribe_url(contact, now())

    answer = local_client.request(
        "POST", url, b"List-Unsubscribe=One-Click", {"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert answer.status == 200
    assert contact_of(contact.list_id, "dan@example.org").status == ContactStatus.UNSUBSCRIBED
    # RFC 8058 allows multipart/form-data too; the gateway passes it base64-encoded, as API Gateway does.
    boundary = "cmboundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    again = local_client.request(
        "POST", url, multipart, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert again.status == 200


def test_subscribe_preflight_is_answered_with_cors_headers(local_client):
    answer = local_client.request(
        "OPTIONS",
        "/subscribe",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )

    assert answer.status in (200, 204)
    assert answer.headers["Access-Control-Allow-Origin"] in ("*", "https://shop.example")


def test_a_body_over_the_limit_answers_413(local_client):
    answer = local_client.request(
        "POST", "/subscribe", b"x" * (MAX_BODY_BYTES + 1), {"Content-Type": "application/json"}
    )

    assert_problem(answer, 413)


# -- the Cognito authorizer --------------------------------------------------------------------
def assert_refused_by_the_authorizer(answer) -> None:
    assert_problem(answer, 401)
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "x-amzn-RequestId" not in answer.headers  # the function was never called


def test_account_route_without_a_token_answers_401(local_client):
    answer = local_client.get("/account")

    assert_refused_by_the_authorizer(answer)


def test_account_route_with_a_forged_token_answers_401(local_mode, local_client):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "sub": local_mode.demo.account_id,
            "iss": local_mode.gateway.authorizer.issuer,
            "aud": local_mode.provisioned.user_pool_client_id,
            "token_use": "id",
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        },
        key,
        algorithm="RS256",
        headers={"kid": "dummy"},
    )

    assert_refused_by_the_authorizer(
        local_client.get("/account", headers={"Authorization": f"Bearer {forged}"})
    )


def test_account_route_with_the_access_token_answers_401(local_mode, local_client):
    tokens = _demo_tokens(local_mode)

    answer = local_client.get("/account", headers={"Authorization": f"Bearer {tokens['AccessToken']}"})

    assert_refused_by_the_authorizer(answer)


def test_account_route_with_a_valid_id_token_passes_the_authorizer(local_mode, local_client):
    tokens = _demo_tokens(local_mode)

    answer = local_client.get("/account", headers={"Authorization": f"Bearer {tokens['IdToken']}"})

    # The request reached the accounts function (only function responses carry a request id).
    assert "x-amzn-RequestId" in answer.headers
    assert answer.status == 200
    assert answer.headers.get("WWW-Authenticate") is None


def _demo_tokens(local_mode) -> dict:
    return boto3.client("cognito-idp", region_name=local_mode.region).initiate_auth(
        ClientId=local_mode.provisioned.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": local_mode.demo.email, "PASSWORD": local_mode.demo.password},
    )["AuthenticationResult"]


# -- the workers and the simulator's builders --------------------------------------------------
def test_queue_worker_deletes_what_succeeded_and_leaves_reported_failures(local_mode):
    sqs = boto3.client("sqs", region_name=local_mode.region)
    queue_url = sqs.create_queue(QueueName="local-mode-test", Attributes={"VisibilityTimeout": "1"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=queue_url, MessageBody="ok")
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody="fails",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
    )
    seen: list[dict] = []

    def invoke(function, event):
        seen.append(event)
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "fails"
            ]
        }

    worker = QueueWorker(Function.SENDER, queue_url, local_mode.region, invoke)
    worker.start.__func__  # noqa: B018 - the thread is not started: poll_once is driven by hand
    worker._sqs = sqs
    worker._queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    received = 0
    while received < 2:
        received += worker.poll_once()

    records = [r for event in seen for r in event["Records"]]
    assert {r["body"] for r in records} == {"ok", "fails"}
    failing = next(r for r in records if r["body"] == "fails")
    assert failing["eventSource"] == "aws:sqs"
    assert failing["eventSourceARN"].endswith(":local-mode-test")
    assert failing["attributes"]["ApproximateReceiveCount"] == "1"
    assert failing["messageAttributes"]["kind"]["stringValue"] == "test"
    # A long poll returns once the failed message is visible again (after its 1 s timeout).
    left = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=5).get(
        "Messages", []
    )
    assert [m["Body"] for m in left] == ["fails"]


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("ada@example.org", ["Delivery"]),
        (ses_simulator.BOUNCE, ["Bounce"]),
        (ses_simulator.COMPLAINT, ["Delivery", "Complaint"]),
        (ses_simulator.SUPPRESSION_LIST, ["Bounce"]),
    ],
)
def test_simulator_turns_each_recipient_into_the_events_ses_publishes(recipient, expected):
    sent = ses_simulator.SentEmail(
        "msg-1", "News <news@example.com>", [recipient], {"cm_kind": "campaign"}, "consentmail-events"
    )

    events = ses_simulator.events_for(sent, "eu-west-3")

    assert [e["eventType"] for e in events] == expected
    for event in events:
        assert event["mail"]["messageId"] == "msg-1"
        assert event["mail"]["destination"] == [recipient]
        assert event["mail"]["tags"]["cm_kind"] == ["campaign"]
    if recipient == ses_simulator.SUPPRESSION_LIST:
        assert events[0]["bounce"]["bounceSubType"] == "OnAccountSuppressionList"
    if recipient == ses_simulator.BOUNCE:
        assert events[0]["bounce"]["bounceType"] == "Permanent"
        assert events[0]["bounce"]["bouncedRecipients"][0]["emailAddress"] == recipient


def test_simulator_events_reach_ses_events_as_the_sqs_records_lambda_receives():
    from aws_lambda_powertools.utilities.parser.models import SqsModel

    sent = ses_simulator.SentEmail("msg-2", "news@example.com", ["x@example.org"])
    event = ses_simulator.sqs_event(ses_simulator.events_for(sent, "eu-west-3"), "eu-west-3")

    parsed = SqsModel.model_validate(event)

    record = parsed.Records[0]
    assert record.eventSource == "aws:sqs"
    assert record.eventSourceARN.endswith(":consentmail-ses-events")
    assert json.loads(record.body)["eventType"] == "Delivery"


# -- the queues: a campaign goes out through the workers and comes back through the simulator ---
@pytest.mark.promise("statistics.counted")
def test_a_campaign_send_goes_through_the_workers_and_ses_events_come_back_as_stats(local_mode, local_client):
    auth = sign_up(local_client, "owner@example.org")["auth"]
    list_id = local_client.post_json(
        "/lists", {"name": "Owner News", "from_email": "news@example.com", "from_name": "Owner News"}, auth
    ).json()["list_id"]
    proof = {"source": "shop checkout", "obtained_at": "2026-11-01T00:00:00Z", "text": "Send me news"}
    recipients = ["reader@example.org", ses_simulator.BOUNCE, ses_simulator.COMPLAINT]
    for address in recipients:
        added = local_client.post_json(
            f"/lists/{list_id}/contacts", {"email": address, "consent": proof}, auth
        )
        assert added.status == 201

    campaign_id = send_campaign(
        local_client, local_mode, auth, list_id, "Autumn news", expected=len(recipients)
    )

    sent = [e for e in local_client.get("/_local/outbox").json() if e["subject"] == "Autumn news"]
    assert sorted(e["to"][0] for e in sent) == sorted(recipients)
    stats = local_client.get(f"/campaigns/{campaign_id}/stats", headers=auth).json()
    assert (stats["sent"], stats["delivered"], stats["bounced"], stats["complained"]) == (3, 2, 1, 1)


# -- rules that hold for every response, and the throttle ---------------------------------------
@pytest.mark.promise("http.no_cookies")
def test_no_response_sets_a_cookie(local_mode, local_client):
    # Pages, JSON, problems and a pixel of its own, and whatever the module's other tests asked.
    for path in ("/", "/_local/config", "/subject-requests", "/openapi.json", "/t/o/not-a-token", "/nowhere"):
        local_client.get(path)
    subscribe(local_client, local_mode.demo.list_id, "cookie-check@example.org")

    assert all("Set-Cookie" not in answer.headers for answer in local_client.answers)


def test_more_subscribe_requests_than_one_clients_allowance_see_429(local_mode, local_client):
    (route,) = [r for r in ROUTES if (r.method, r.path) == ("POST", "/subscribe")]
    flood = {"X-Forwarded-For": "203.0.113.99"}
    answers = [local_client.post_json("/subscribe", {}, flood) for _ in range(route.per_client.requests + 5)]

    throttled = [answer for answer in answers if answer.status == 429]
    assert len(throttled) == 5
    assert_problem(throttled[0], 429)


# -- `python -m infra.local` ---------------------------------------------------------------------
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_local_mode_runs_as_a_process_and_exits_cleanly_on_a_stop_signal(tmp_path, stop_signal):
    port = free_port()
    log = (tmp_path / "local.log").open("w")
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PORT": str(port)}
    environment.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "infra.local"], cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        config = _wait_for_config(f"http://127.0.0.1:{port}/_local/config", process)
        assert config["demo"]["list_id"]

        process.send_signal(stop_signal)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "local.log").read_text()
    assert f"http://127.0.0.1:{port}/_local/outbox" in output
    assert "demo@example.com" in output


def _wait_for_config(url: str, process: subprocess.Popen, timeout: float = 60) -> dict:
    def config() -> dict | None:
        assert process.poll() is None, "local mode exited before it was ready"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local URL
                return json.loads(response.read()) if response.status == 200 else None
        except OSError:
            return None

    return wait_until(config, what="local mode to answer /_local/config", timeout=timeout)


def test_a_route_throttle_allows_its_burst_then_its_rate():
    from consentmail.core.routes import Throttle
    from infra.local.throttling import TokenBucket

    clock = [0.0]
    bucket = TokenBucket(Throttle(rate=5, burst=10), clock=lambda: clock[0])

    assert all(bucket.take() for _ in range(10))
    assert not bucket.take()
    clock[0] += 0.2  # one token at 5 per second
    assert bucket.take()
    assert not bucket.take()


def test_a_literal_path_segment_wins_over_a_path_parameter_as_in_api_gateway():
    from infra.local.gateway import Gateway

    gateway = Gateway(invoke=None, authorizer=None, local_routes={})

    export, parameters, _ = gateway.match("GET", "/lists/l1/contacts/export")
    assert export.route.path == "/lists/{list_id}/contacts/export" and parameters == {"list_id": "l1"}
    one, parameters, _ = gateway.match("GET", "/lists/l1/contacts/c1")
    assert one.route.path == "/lists/{list_id}/contacts/{contact_id}" and parameters["contact_id"] == "c1"
    # The literal resource answers only POST: a GET there is not routed to {contact_id}.
    assert gateway.match("GET", "/lists/l1/contacts/import") == ["POST"]


def test_a_known_path_with_another_method_answers_405_problem_json(local_client):
    answer = local_client.request("DELETE", "/subscribe")

    assert_problem(answer, 405)
    assert answer.headers["Allow"] == "POST"


def test_request_bodies_reach_the_function_as_the_deployed_api_passes_them():
    from consentmail.core.routes import ROUTES
    from infra.local.apigateway import HttpRequest, proxy_event

    route = next(r for r in ROUTES if r.method == "POST" and r.path == "/unsubscribe")
    body = b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'
    multipart = HttpRequest(
        "POST",
        "/unsubscribe",
        [("Content-Type", "multipart/form-data; boundary=b")],
        [("token", "t")],
        body,
        "10.0.0.1",
    )
    form = HttpRequest(
        "POST",
        "/unsubscribe",
        [("Content-Type", "application/x-www-form-urlencoded")],
        [],
        b"a=1",
        "10.0.0.1",
    )

    # The deployed API declares "*/*" binary: every body arrives base64-encoded.
    event = proxy_event(multipart, route, {})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert event["queryStringParameters"] == {"token": "t"}
    assert event["multiValueQueryStringParameters"] == {"token": ["t"]}
    assert event["requestContext"]["identity"]["sourceIp"] == "10.0.0.1"
    assert event["requestContext"]["resourcePath"] == "/unsubscribe"
    assert event["resource"] == "/unsubscribe" and event["pathParameters"] is None
    assert base64.b64decode(proxy_event(form, route, {})["body"]) == b"a=1"
    # With narrower binary media types, text bodies are passed as they are.
    narrow = proxy_event(form, route, {}, binary_media_types=("multipart/form-data",))
    assert (narrow["isBase64Encoded"], narrow["body"]) == (False, "a=1")
