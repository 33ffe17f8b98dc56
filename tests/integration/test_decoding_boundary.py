"""The decoding boundary (`consentmail/web/decoding.py`): bytes that are not UTF-8, UTF-16 JSON,
JSON nested thousands deep, numbers DynamoDB cannot store, attributes nested hundreds deep and
tokens with non-ASCII signatures each get a clear 4xx (an HTML page on the pages a person opens
from an email), never a 5xx. And a property: any bytes or text in any field of any route's
request give a clean 4xx or a success."""

import base64
import importlib
import json
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentmail.core.clock import now
from consentmail.core.routes import ROUTES, Function
from consentmail.core.tokens import Purpose, issue
from tests.accounts_helpers import CONSENT, create_list, resource_of, signed_in
from tests.http_events import FakeContext, api_event, headers_of

PROBLEM = "application/problem+json"
HTML = "text/html; charset=utf-8"


def run(function: str, event: dict) -> tuple[int, str, str]:
    handler = importlib.import_module(f"functions.{function}.handler").handler
    result = handler(event, FakeContext())
    return result["statusCode"], headers_of(result).get("Content-Type", ""), result.get("body") or ""


def with_body(event: dict, raw: bytes, content_type: str) -> dict:
    """`event` carrying `raw` as API Gateway passes every body (binary media type */*)."""
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]
    return event


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"a": value}
    return value


SUBSCRIBE = {"list_id": "list-demo", "email": "ada@example.org", "consent": True}


@pytest.fixture
def holder(demo_list) -> tuple[dict, str]:
    claims = signed_in("owner@example.com")
    return claims, create_list(claims)["list_id"]


def account_event(claims: dict, method: str, path: str) -> dict:
    resource, params = resource_of(method, path)
    return api_event(
        method,
        path,
        resource=resource,
        path_params=params or None,
        claims=claims,
        headers={"Authorization": "Bearer t"},
    )


# --- bodies -------------------------------------------------------------------------------------

BODIES = {
    "not UTF-8": (b'{"email": "\xff@example.org"}', "application/json", 400),
    "UTF-16 JSON": (json.dumps(SUBSCRIBE).encode("utf-16"), "application/json", 400),
    "JSON nested 5,000 deep": (b"[" * 5000 + b"]" * 5000, "application/json", 422),
    "multipart without a boundary": (b"--x\r\n\r\nhello", "multipart/form-data", 422),
    "attributes nested 300 deep": (
        json.dumps({**SUBSCRIBE, "attributes": nested(300)}).encode(),
        "application/json",
        422,
    ),
    "a numeric attribute of 10**50": (
        json.dumps({**SUBSCRIBE, "attributes": {"n": 10**50}}).encode(),
        "application/json",
        422,
    ),
    "a form whose attributes are 300 deep": (
        b"list_id=list-demo&email=ada%40example.org&consent=on&attributes=" + b"%5B" * 300 + b"%5D" * 300,
        "application/x-www-form-urlencoded",
        422,
    ),
}


@pytest.mark.parametrize("case", list(BODIES))
def test_a_hostile_subscribe_body_gets_a_problem_naming_what_to_fix(demo_list, case):
    raw, content_type, status = BODIES[case]

    answer = run("subscription", with_body(api_event("POST", "/subscribe"), raw, content_type))

    assert answer[:2] == (status, PROBLEM), answer
    assert json.loads(answer[2])["detail"]


@pytest.mark.parametrize(
    ("function", "path"),
    [
        ("subject_requests", "/subject-requests"),
        ("accounts", "/accounts"),
        ("accounts", "/auth/login"),
        ("accounts", "/auth/password/forgot"),
        ("ses_webhook", "/webhooks/ses"),
    ],
)
@pytest.mark.parametrize("case", ["not UTF-8", "UTF-16 JSON", "JSON nested 5,000 deep"])
def test_every_anonymous_route_with_a_body_refuses_unreadable_bytes_with_a_4xx(
    demo_list, function, path, case
):
    raw, content_type, _ = BODIES[case]
    content_type = "text/plain; charset=UTF-8" if function == "ses_webhook" else content_type

    status, media, _body = run(function, with_body(api_event("POST", path), raw, content_type))

    assert 400 <= status < 500 and media == PROBLEM, (status, media)


ACCOUNT_BODIES = [
    ("POST", "/lists"),
    ("PATCH", "/lists/{list_id}"),
    ("POST", "/lists/{list_id}/contacts"),
    ("POST", "/campaigns"),
    ("PATCH", "/account"),
    ("POST", "/account/password"),
]


@pytest.mark.parametrize(("method", "template"), ACCOUNT_BODIES)
@pytest.mark.parametrize("case", ["not UTF-8", "UTF-16 JSON", "JSON nested 5,000 deep"])
def test_every_account_route_with_a_body_refuses_unreadable_bytes_with_a_4xx(holder, method, template, case):
    claims, list_id = holder
    raw, content_type, _ = BODIES[case]
    event = account_event(claims, method, template.format(list_id=list_id))

    status, media, _body = run("accounts", with_body(event, raw, content_type))

    assert 400 <= status < 500 and media == PROBLEM, (status, media)


@pytest.mark.parametrize(
    "attributes", [{"n": 10**50}, {"n": -(10**200)}, nested(300)], ids=["10**50", "-10**200", "300 deep"]
)
def test_a_contact_whose_attributes_dynamodb_cannot_store_is_a_422_naming_the_field(holder, attributes):
    claims, list_id = holder
    body = {"email": "bob@example.org", "consent": CONSENT, "attributes": attributes}
    event = account_event(claims, "POST", f"/lists/{list_id}/contacts")

    status, media, text = run("accounts", with_body(event, json.dumps(body).encode(), "application/json"))

    assert (status, media) == (422, PROBLEM)
    problem = json.loads(text)
    assert problem["errors"][0]["field"] in ("body", "body.attributes.n")


def test_a_number_dynamodb_stores_exactly_is_accepted(holder):
    claims, list_id = holder
    body = {"email": "bob@example.org", "consent": CONSENT, "attributes": {"n": 10**37, "x": 0.25}}
    event = account_event(claims, "POST", f"/lists/{list_id}/contacts")

    status, _media, text = run("accounts", with_body(event, json.dumps(body).encode(), "application/json"))

    assert status == 201, text


# --- tokens -------------------------------------------------------------------------------------


def non_ascii_signature(purpose: Purpose) -> str:
    token = issue(purpose, {"l": "list-demo", "c": "c1"}, now() + timedelta(days=1))
    kid, payload, signature = token.split(".")
    return f"{kid}.{payload}.{signature[:-2]}é✓"


PAGES = [
    ("subscription", "GET", "/confirm", Purpose.CONFIRM),
    ("subscription", "GET", "/unsubscribe", Purpose.UNSUBSCRIBE),
    ("subscription", "POST", "/unsubscribe", Purpose.UNSUBSCRIBE),
    ("subscription", "GET", "/preferences", Purpose.PREFERENCES),
    ("subscription", "POST", "/preferences", Purpose.PREFERENCES),
    ("subject_requests", "GET", "/subject-requests/confirm", Purpose.SUBJECT_CONFIRM),
    ("subject_requests", "POST", "/subject-requests/confirm", Purpose.SUBJECT_CONFIRM),
]


@pytest.mark.parametrize(("function", "method", "path", "purpose"), PAGES)
def test_a_link_whose_signature_holds_non_ascii_characters_gets_the_400_page(
    demo_list, function, method, path, purpose
):
    event = api_event(method, path, query={"token": non_ascii_signature(purpose)})

    status, media, body = run(function, event)

    assert (status, media) == (400, HTML)
    assert "not valid" in body


def test_an_export_link_whose_signature_holds_non_ascii_characters_gets_a_400_problem(demo_list):
    event = api_event(
        "GET", "/subject-requests/export", query={"token": non_ascii_signature(Purpose.SUBJECT_EXPORT)}
    )

    assert run("subject_requests", event)[:2] == (400, PROBLEM)


def test_a_query_value_that_is_not_text_gets_the_400_page(demo_list):
    event = api_event("GET", "/confirm", query={"token": "k1.\udcff.x"})

    assert run("subscription", event)[:2] == (400, HTML)


# --- the property -------------------------------------------------------------------------------

API_ROUTES = [r for r in ROUTES if r.function not in (Function.TRACKING,)]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain; charset=UTF-8",
    "text/csv",
    "application/xml",
    "",
]
text = st.text(max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(
    st.sampled_from(
        ["email", "list_id", "attributes", "consent", "first_name", "name", "subject", "html", "token", "to"]
    )
    | text,
    json_values,
    max_size=5,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_objects.map(lambda o: json.dumps(o).encode()),
    json_objects.map(lambda o: json.dumps(o).encode("utf-16")),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(API_ROUTES),
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    token=text,
    parameter=text,
)
def test_any_bytes_or_text_in_any_field_gives_a_clean_4xx_or_a_success(
    holder, route, body, content_type, token, parameter
):
    claims, list_id = holder
    names = re.findall(r"\{([^}]+)\}", route.path)
    params = {name: (list_id if name == "list_id" else parameter or "x") for name in names}
    path = route.path.format(**params)
    event = api_event(
        route.method,
        path,
        resource=route.path,
        path_params=params or None,
        query={"token": token, "format": parameter},
        claims=claims if route.auth else None,
        headers={"Authorization": "Bearer t"} if route.auth else None,
    )
    event = with_body(event, body, content_type)

    status, media, _text = run(route.function.value, event)

    assert status < 500, (route, status)
    if status >= 400:
        assert media in (PROBLEM, HTML), (route, status, media)
