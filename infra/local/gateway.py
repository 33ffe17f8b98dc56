"""The local API gateway: a WSGI app that serves the route table as API Gateway does (proxy
events to the functions in-process, Cognito authorization of account routes, per-route
throttling, the body size limit) plus the local-only routes, which never exist in AWS."""

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from consentmail.core.errors import PROBLEM_JSON, Problem
from consentmail.core.routes import MAX_BODY_BYTES, ROUTES, Function, Route
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
from infra.local.throttling import TokenBucket

logger = logging.getLogger(__name__)

PROBLEMS = "https://consentmail.dev/problems/"

# A local-only route: (werkzeug request) -> werkzeug response.
LocalHandler = Callable[[Request], Response]


def problem(status: int, title: str, detail: str, kind: str = "", headers: dict | None = None) -> Response:
    body = Problem(status, title, detail, PROBLEMS + kind if kind else "about:blank").body()
    return Response(json.dumps(body), status, headers=headers, content_type=PROBLEM_JSON)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=1, default=str), status, content_type="application/json")


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
        self.buckets = {(r.route.method, r.route.path): TokenBucket(r.route.throttle) for r in self.routes}

    def reset_throttles(self) -> None:
        self.buckets = {(r.route.method, r.route.path): TokenBucket(r.route.throttle) for r in self.routes}

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
        if not preflight and not self.buckets[(route.method, route.path)].take():
            return problem(
                429,
                "Too many requests",
                "This route's rate limit is exceeded: retry later.",
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
                source_ip=request.remote_addr or "127.0.0.1",
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
