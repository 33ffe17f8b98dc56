"""The API Gateway REST proxy integration, both ways: an HTTP request becomes the event the
deployed function receives, and the function's result becomes the HTTP response. Also matches
request paths against the route table's resources (`/t/o/{token}`)."""

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from consentmail.core.routes import BINARY_MEDIA_TYPES, STAGE, Route
from infra.local.invoke import ACCOUNT_ID

# The deployed API's stage and binary media types come from the route module: with "*/*", API
# Gateway hands every request body to the function base64-encoded (isBase64Encoded), and the
# handlers read it through Powertools' `decoded_body`.
API_ID = "local"
# API Gateway's assumption for a request without a Content-Type.
DEFAULT_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        return found.groupdict() if found else None


def compile_route(route: Route) -> CompiledRoute:
    """The route's path as a pattern anchored at both ends with \\A and \\Z (`$` would also match
    before a trailing newline, so `/lists/%0A` could reach `/lists`), whichever way it is applied."""
    parts = re.split(r"(\{[^}/]+\})", route.path)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
        for part in parts
    )
    return CompiledRoute(route, re.compile(rf"\A{regex}\Z"))


@dataclass(frozen=True)
class HttpRequest:
    """What the gateway needs from an HTTP request, independent of the web server."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...] = BINARY_MEDIA_TYPES) -> bool:
    """Whether API Gateway passes a body of this type base64-encoded."""
    media = (content_type or DEFAULT_CONTENT_TYPE).split(";")[0].strip().lower()
    kind = media.split("/")[0]
    return any(pattern in ("*/*", media, f"{kind}/*") for pattern in binary_media_types)


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return multi


def proxy_event(
    request: HttpRequest,
    route: Route,
    path_parameters: dict[str, str],
    claims: dict[str, str] | None = None,
    at: datetime | None = None,
    binary_media_types: tuple[str, ...] = BINARY_MEDIA_TYPES,
) -> dict:
    """The REST API (v1) proxy event for this request, as API Gateway builds it."""
    at = at or datetime.now(UTC)
    user_agent = request.header("User-Agent")
    headers = list(request.headers) + [
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Proto", "http"),
    ]
    multi_headers = _multi(headers)
    multi_query = _multi(request.query)
    binary = is_binary(request.header("Content-Type"), binary_media_types)
    if not request.body:
        body = None
    elif binary:
        body = base64.b64encode(request.body).decode("ascii")
    else:
        body = request.body.decode("utf-8", errors="replace")
    request_id = str(uuid.uuid4())
    context: dict = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "resourceId": route.path,
        "resourcePath": route.path,
        "httpMethod": request.method,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(at.timestamp() * 1000),
        "path": f"/{STAGE}{request.path}",
        "stage": STAGE,
        "protocol": "HTTP/1.1",
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": user_agent,
            "accountId": None,
            "apiKey": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "user": None,
            "userArn": None,
        },
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {key: values[-1] for key, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": bool(body) and binary,
    }


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedResult(ValueError):
    """The function returned something API Gateway would answer 502 for."""


def http_response(result: object) -> HttpResponse:
    """The HTTP response API Gateway makes of a proxy integration's result."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise MalformedResult("the function's result has no integer statusCode")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.append((name, str(value)))
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return HttpResponse(result["statusCode"], headers, raw)
