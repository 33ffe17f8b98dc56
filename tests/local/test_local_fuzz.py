"""Every operation of the served OpenAPI document, fuzzed by schemathesis against the running local
mode with a signed-in account's Bearer token: no answer is a server error, every answer is one
the document lists (status, content type, body), and data the document allows is never refused
as invalid. Fixed seed, derandomized and a bounded number of examples per operation, so a run is
repeatable and takes about a minute.

Local-only routes (`/_local/*`) are not in the document and not fuzzed. Each operation is a test
of its own, parametrized from the route table: schemathesis's lazy `from_fixture` loader reads a
private pytest attribute that pytest 9 no longer has, so the served document is loaded in a
fixture and each operation's Hypothesis strategy (`operation.as_strategy`, schemathesis's Python
API) drives the test."""

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from consentmail.accounts import service as account_service
from consentmail.adapters.cognito import ADDRESS_REFUSED
from consentmail.core.errors import PROBLEM_JSON
from consentmail.core.routes import ROUTES, Route
from consentmail.web import decoding
from tests.local.flows import sign_up

SEED = 20261130
EXAMPLES_PER_OPERATION = 25
# Fields whose value the document can give the form of but not the validity, which depends on what
# the server holds or on the moment: a paging cursor it issued, the id of a list that exists, a
# schedule time between 5 minutes and 6 days from now, a test recipient who is one of the holder's
# verified addresses. Data the document allows is refused for these with a 422 naming the field.
SERVER_STATE_FIELDS = {"cursor", "list_id", "at", "to"}
# Rules the document states in words, as no JSON Schema keyword can: a number in a JSON body must be
# one DynamoDB stores exactly (its significant digits and magnitude), and a new account's address
# must be one the user pool takes (its own check, which the emulator narrows to ASCII).
WORDED_RULES = {decoding.NUMBER_RULE, ADDRESS_REFUSED}


def _refused_for_server_state(response, case) -> bool:
    """Whether this refusal of schema-valid data is one the document cannot rule out: an emailed
    link's token the server never signed (the contract's 400), or a 422 that names only fields
    of SERVER_STATE_FIELDS."""
    if response.status_code == 400 and _takes_a_token(case):
        return True
    if response.status_code != 422 or not response.headers.get("content-type", [""])[0].startswith(
        PROBLEM_JSON
    ):
        return False
    errors = response.json().get("errors", [])
    return bool(errors) and all(
        error["field"].split(".")[0] in SERVER_STATE_FIELDS or error["message"] in WORDED_RULES
        for error in errors
    )


def _takes_a_token(case) -> bool:
    names = {parameter.name for parameter in case.operation.query}
    body = case.body if isinstance(case.body, dict) else {}
    return "token" in names or "token" in body


def positive_data_accepted(ctx, response, case):
    """schemathesis's positive_data_acceptance, but for refusals that depend on server state."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _refused_for_server_state(response, case):
            return None
        raise


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_accepted,
]
# Routes not fuzzed blind, each with its reason.
NOT_FUZZED = {
    # Closes the very account the fuzz signs in with: every later request would answer 401.
    # Closing an account is covered by tests/local/test_local_account_lifecycle.py.
    ("DELETE", "/account"),
}
FUZZED = [route for route in ROUTES if (route.method, route.path) not in NOT_FUZZED]


@pytest.fixture(scope="module")
def fuzzing_account(local_mode, local_client) -> dict:
    return sign_up(local_client, "fuzz@example.com")


@pytest.fixture(scope="module", autouse=True)
def no_sign_in_slowdown(local_mode):
    """Every fuzzed `POST /account/password` has a wrong current password, a failed sign-in of the
    fuzzing account: the answers would slow down by up to 3 s each until the lockout (10.5 s in
    all). The fuzz checks what the answers say, not how long they took (tests/integration's
    account tests count the pauses), and local mode runs in this process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_service, "pause", lambda _seconds: None)
        yield


@pytest.fixture(scope="module")
def served_document(local_mode):
    """The document local mode serves at /openapi.json (its `servers` is this local mode)."""
    return schemathesis.openapi.from_url(local_mode.urls.openapi)


@pytest.mark.parametrize("route", FUZZED, ids=lambda route: f"{route.method} {route.path}")
def test_every_operation_answers_as_documented(route: Route, served_document, fuzzing_account):
    operation = served_document[route.path][route.method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(cases)
    def fuzz(case):
        case.call_and_validate(headers=fuzzing_account["auth"], checks=CHECKS)

    fuzz()
