"""The local API gateway: a WSGI app that serves the route table as API Gateway does (proxy
events to the functions in-process, Cognito authorization of account routes, the per-client
limits AWS WAF applies and the route-wide throttles as a safety net, the body and header size
limits, problem+json for every refusal) plus the local-only routes, which never exist in AWS."""

import ipaddress
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from consentmail.core.errors import PROBLEM_JSON, Problem
from consentmail.core.routes import MAX_BODY_BYTES, MAX_HEADER_BYTES, ROUTES, Function, Route
from infra.local.apigateway import (
    CompiledRoute,
    HttpRequest,
    MalformedResult,
    compile_route,
    http_response,
    proxy_event,
)
from infra.local.authorizer import CognitoAuthorizer, Unauthenticated
from infra.local.invoke import MissingFunction
from infra.local.throttling import ClientWindows, TokenBucket

logger = logging.getLogger(__name__)

PROBLEMS = "https://consentmail.dev/problems/"

# A local-only route: (werkzeug request) -> werkzeug response.
LocalHandler = Callable[[Request], Response]


def problem(status: int, title: str, detail: str, kind: str = "", headers: dict | None = None) -> Response:
    body = Problem(status, title, detail, PROBLEMS + kind if kind else "about:blank").body()
    return Response(json.dumps(body), status, headers=headers, content_type=PROBLEM_JSON)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=1, default=str), status, content_type="application/json")


def client_address(request: Request) -> str:
    """The request's client: the first X-Forwarded-For entry when it is an IP address (a stand-in
    for distinct source IPs in tests and behind a local proxy), else the socket's peer. In AWS the
    source IP is the connection's, which a client cannot choose."""
    forwarded = (request.headers.get("X-Forwarded-For") or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return request.remote_addr or "127.0.0.1"


def _header_bytes(request: Request) -> int:
    line = len(request.method) + len(request.full_path) + len(" HTTP/1.1\r\n")
    return line + sum(len(name) + len(value) + 4 for name, value in request.headers.items())


class ProblemRequestHandler(WSGIRequestHandler):
    """The HTTP server's own refusals (a header line over its 64 KiB, a malformed request line)
    answer problem+json like everything else, not http.server's HTML error page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        try:
            short, long = self.responses[code]
        except KeyError:
            short, long = "Error", "The request could not be read."
        detail = {431: "A request header is too large: send headers under 10 KB in all."}.get(code)
        body = json.dumps(
            Problem(code, short, detail or explain or message or long, "about:blank").body()
        ).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, short)
        self.send_header("Connection", "close")
        self.close_connection = True
        if code >= 200 and code not in (204, 304) and self.command != "HEAD":
            self.send_header("Content-Type", PROBLEM_JSON)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.end_headers()


def _specificity(compiled: CompiledRoute) -> tuple[int, ...]:
    return tuple(1 if segment.startswith("{") else 0 for segment in compiled.route.path.split("/"))


class Gateway:
    def __init__(
        self,
        invoke: Callable[[Function, dict], Any],
        authorizer: CognitoAuthorizer | None,
        local_routes: dict[tuple[str, str], LocalHandler],
        routes: tuple[Route, ...] = ROUTES,
        max_body_bytes: int = MAX_BODY_BYTES,
    ):
        self.invoke = invoke
        self.authorizer = authorizer
        self.local_routes = local_routes
        # As API Gateway, a literal segment wins over a {parameter} at the same place
        # (/lists/{id}/contacts/export before /lists/{id}/contacts/{contact_id}).
        self.routes = sorted((compile_route(route) for route in routes), key=_specificity)
        self.max_body_bytes = max_body_bytes
        self.reset_throttles()

    def reset_throttles(self) -> None:
        """Fresh route-wide buckets (API Gateway's method throttling) and per-client windows (the
        WAF rate-based rules of the routes that have one)."""
        self.buckets = {(r.route.method, r.route.path): TokenBucket(r.route.throttle) for r in self.routes}
        self.client_windows = {
            (r.route.method, r.route.path): ClientWindows(r.route.per_client)
            for r in self.routes
            if r.route.per_client is not None
        }

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        started = time.monotonic()
        try:
            response = self.dispatch(request)
        except Exception:
            logger.exception("gateway: %s %s failed", request.method, request.path)
            response = problem(500, "Internal error", "The local gateway failed; see its log.")
        # No route sets a cookie: the gateway guarantees it even if a function tried.
        response.headers.pop("Set-Cookie", None)
        logger.info(
            "%s %s -> %d (%.0f ms)",
            request.method,
            request.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if _header_bytes(request) > MAX_HEADER_BYTES:
            return problem(
                431,
                "Request header fields too large",
                f"The request line and headers exceed {MAX_HEADER_BYTES} bytes: send smaller headers.",
                "header-too-large",
            )
        length = request.content_length
        if length is not None and length > self.max_body_bytes:
            return problem(
                413,
                "Payload too large",
                f"The body is larger than {self.max_body_bytes} bytes.",
                "payload-too-large",
            )
        local = self.local_routes.get((request.method, request.path))
        if local is not None:
            return local(request)
        matched = self.match(request.method, request.path)
        if matched is None:
            return problem(404, "Not found", "There is nothing at this address.", "not-found")
        if isinstance(matched, list):
            return problem(
                405,
                "Method not allowed",
                f"{request.path} answers {', '.join(matched)}.",
                headers={"Allow": ", ".join(matched)},
            )
        compiled, parameters, preflight = matched
        body = request.get_data(cache=False)
        if len(body) > self.max_body_bytes:
            return problem(
                413,
                "Payload too large",
                f"The body is larger than {self.max_body_bytes} bytes.",
                "payload-too-large",
            )
        return self.call_route(request, compiled.route, parameters, body, preflight)

    def match(self, method: str, path: str) -> tuple[CompiledRoute, dict[str, str], bool] | list[str] | None:
        """The route for this request, with its path parameters and whether it is a CORS preflight;
        else the methods its resource answers (a list, maybe empty) or None for no resource."""
        resource = next((c.route.path for c in self.routes if c.match(path) is not None), None)
        if resource is None:
            return None
        candidates = [c for c in self.routes if c.route.path == resource]
        for compiled in candidates:
            if compiled.route.method == method:
                return compiled, compiled.match(path) or {}, False
        for compiled in candidates:
            # CORS preflights of cross-origin routes go to the function (Powertools answers them).
            if method == "OPTIONS" and compiled.route.cors:
                return compiled, compiled.match(path) or {}, True
        return sorted(c.route.method for c in candidates)

    def call_route(
        self, request: Request, route: Route, parameters: dict, body: bytes, preflight: bool
    ) -> Response:
        client = client_address(request)
        # The per-client limit first, as AWS WAF acts before API Gateway: a client refused there
        # spends nothing of the route-wide safety net that everyone else shares.
        window = self.client_windows.get((route.method, route.path))
        if not preflight and window is not None and not window.take(client):
            wait = window.retry_after(client)
            return problem(
                429,
                "Too many requests",
                f"Too many requests from your address to {route.method} {route.path}: at most "
                f"{window.limit.requests} in {window.limit.window_seconds} seconds. Retry in {wait} seconds.",
                "too-many-requests",
                headers={"Retry-After": str(wait)},
            )
        if not preflight and not self.buckets[(route.method, route.path)].take():
            return problem(
                429,
                "Too many requests",
                "This route is receiving more requests than it can serve: retry in a second.",
                "too-many-requests",
                headers={"Retry-After": "1"},
            )
        claims = None
        if route.auth and not preflight:
            try:
                if self.authorizer is None:
                    raise Unauthenticated("No authorizer is configured.")
                claims = self.authorizer.claims(request.headers.get("Authorization"))
            except Unauthenticated as error:
                return problem(
                    401, "Unauthorized", str(error), "unauthorized", headers={"WWW-Authenticate": "Bearer"}
                )
        event = proxy_event(
            HttpRequest(
                method=request.method,
                path=request.path,
                headers=list(request.headers.items()),
                query=list(request.args.items(multi=True)),
                body=body,
                source_ip=client,
                host=request.host,
            ),
            route,
            parameters,
            claims,
        )
        try:
            result = self.invoke(route.function, event)
        except MissingFunction as error:
            logger.error("gateway: %s", error)
            return problem(502, "Function not available", str(error), "function-missing")
        except Exception:
            logger.exception("gateway: the %s function raised", route.function.value)
            return problem(502, "Internal server error", f"The {route.function.value} function failed.")
        try:
            answer = http_response(result)
        except MalformedResult as error:
            logger.error("gateway: the %s function: %s", route.function.value, error)
            return problem(
                502, "Internal server error", f"The {route.function.value} function's result is malformed."
            )
        response = Response(answer.body, answer.status)
        response.headers.clear()
        for name, value in answer.headers:
            response.headers.add(name, value)
        if "Content-Type" not in response.headers and answer.body:
            response.headers["Content-Type"] = "application/json"  # API Gateway's default
        response.headers.add("x-amzn-RequestId", event["requestContext"]["requestId"])
        return response
