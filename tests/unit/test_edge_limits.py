"""The route table's abuse limits and safety nets, and the local gateway's throttles and route
patterns: per-client limits that AWS WAF can enforce, safety nets no single client can empty, and
paths matched exactly."""

import pytest

from consentmail.core.routes import CLIENT_LIMITS, GENERAL_CLIENT_LIMIT, ROUTES, ClientLimit, Function
from consentmail.web.api import make_resolver
from infra.local.apigateway import compile_route
from infra.local.throttling import ClientWindows

SENSITIVE = {
    ("POST", "/accounts"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/password/forgot"),
    ("POST", "/auth/password/reset"),
    ("POST", "/accounts/verify"),
    ("POST", "/account/password"),
    ("POST", "/subscribe"),
    ("POST", "/subject-requests"),
}


@pytest.mark.promise("http.per_client_limits")
def test_every_sensitive_route_has_a_per_client_limit_and_tracking_none():
    assert set(CLIENT_LIMITS) >= SENSITIVE
    for route in ROUTES:
        if route.function == Function.TRACKING:
            assert route.per_client is None, route
        if (route.method, route.path) in SENSITIVE:
            assert route.per_client is CLIENT_LIMITS[(route.method, route.path)]


@pytest.mark.parametrize("limit", [*CLIENT_LIMITS.values(), GENERAL_CLIENT_LIMIT])
def test_every_per_client_limit_is_one_aws_waf_can_enforce(limit: ClientLimit):
    # WAF rate-based rules: a limit of at least 10, a window of 1, 2, 5 or 10 minutes
    assert limit.requests >= 10
    assert limit.window_seconds in (60, 120, 300, 600)


@pytest.mark.promise("http.per_client_limits")
def test_one_client_spending_its_whole_allowance_cannot_empty_a_routes_safety_net():
    for route in ROUTES:
        if route.per_client is not None:
            assert route.throttle.burst > route.per_client.requests, route


def test_a_client_window_counts_each_client_apart_and_slides():
    clock = [0.0]
    windows = ClientWindows(ClientLimit(requests=3, window_seconds=60), clock=lambda: clock[0])

    assert [windows.take("a") for _ in range(4)] == [True, True, True, False]
    assert windows.take("b")  # another client is not affected
    assert windows.retry_after("a") == 61
    clock[0] = 30.0
    assert not windows.take("a")  # refused requests do not extend the wait
    clock[0] = 60.5  # the first three left the window
    assert windows.take("a")


def test_local_route_patterns_are_anchored_at_both_ends():
    for route in ROUTES:
        pattern = compile_route(route).pattern
        example = route.path.replace("{", "").replace("}", "")  # /lists/{list_id} -> /lists/list_id
        assert pattern.search(example), route
        variants = ["\n" + example, "/x" + example, example + "/x"]
        if not route.path.endswith("}"):  # a parameter may hold a newline; a literal segment may not
            variants.append(example + "\n")
        for variant in variants:
            assert pattern.search(variant) is None, (route, variant)


def test_the_functions_resolver_does_not_ignore_a_trailing_newline():
    app = make_resolver()

    @app.get("/lists")
    def lists():
        return {"items": []}

    matched = [route.rule for route in app._static_routes + app._dynamic_routes]
    assert matched and all(rule.match("/lists\n") is None for rule in matched)
    assert all(rule.match("/lists/\n") is None for rule in matched)
    assert any(rule.match("/lists/") for rule in matched)  # Powertools' trailing slash still allowed
