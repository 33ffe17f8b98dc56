"""Ids in a path are ids: an id holding a line break, a control character or a path separator is
a 404 problem on every account route that takes one, never another resource (a trailing newline
once answered `GET /lists/%0A` with the account's lists)."""

import re

import pytest

from consentmail.core.errors import PROBLEM_JSON
from consentmail.core.routes import Function, routes_of
from tests.accounts_helpers import call, create_list, signed_in

BROKEN_IDS = ["\n", "x\n", "\r\n", "\x00", "a\u2028b", " ", "..", "%0A"]
ROUTES_WITH_IDS = [route for route in routes_of(Function.ACCOUNTS) if "{" in route.path]


@pytest.fixture
def owner(aws) -> dict:
    claims = signed_in("owner@example.com")
    create_list(claims)  # the account has something a broken id could wrongly reach
    return claims


@pytest.mark.parametrize("route", ROUTES_WITH_IDS, ids=lambda route: f"{route.method} {route.path}")
def test_a_broken_id_in_any_account_route_is_a_404_problem(owner, route):
    for broken in BROKEN_IDS:
        path = re.sub(r"\{[^}]+\}", lambda _m, b=broken: b, route.path)
        body = {} if route.method in ("POST", "PATCH") else None

        reply = call(route.method, path, claims=owner, body=body)

        assert reply.status in (404, 422), (route.path, repr(broken), reply.status, reply.body)
        assert reply.headers.get("Content-Type", "").startswith(PROBLEM_JSON)
