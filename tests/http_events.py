"""API Gateway REST proxy events for tests, built from the samples in events/ so tests exercise
the shape the deployed functions receive."""

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    form: dict | None = None,
    headers: dict | None = None,
    query: dict | None = None,
    resource: str | None = None,
    path_params: dict | None = None,
    claims: dict | None = None,
    source_ip: str = "203.0.113.9",
) -> dict:
    event = copy.deepcopy(load_event("subscribe_json"))
    all_headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0", **(headers or {})}
    if form is not None:
        body = urlencode(form)
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None and not isinstance(body, str):
        body = json.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    event.update(
        resource=resource or path,
        path=path,
        httpMethod=method,
        body=body,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters=path_params or None,
    )
    context = event["requestContext"]
    context.update(resourcePath=resource or path, httpMethod=method, path=f"/prod{path}")
    context["identity"]["sourceIp"] = source_ip
    context["identity"]["userAgent"] = all_headers["User-Agent"]
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return event


class FakeContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name = "consentmail-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:consentmail-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def headers_of(response: dict) -> dict[str, str]:
    """A function result's headers, single- and multi-valued merged (last value wins)."""
    merged = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        merged[name] = values[-1] if values else ""
    return merged
