"""The committed OpenAPI document is the one the code generates: a change to a route, a model or
an error shape that is not followed by `make openapi` fails here."""

import json
from pathlib import Path

from consentmail.core.routes import ROUTES
from tools.openapi import build_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_docs_openapi_json_matches_the_code():
    generated = json.loads(json.dumps(build_document(), sort_keys=True))
    committed = json.loads(COMMITTED.read_text())
    assert generated == committed, "docs/openapi.json is stale: run `make openapi` and commit it"


def test_every_contract_route_is_documented_and_its_json_errors_are_problem_json():
    document = json.loads(COMMITTED.read_text())
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if status.startswith(("4", "5")) and "text/html" not in content:
                # HTML pages answer bad links with an HTML page (the contract); the rest is problem+json.
                assert "application/problem+json" in content, (route.method, route.path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]
