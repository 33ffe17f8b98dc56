"""The recipients' routes of the contract's `/confirm` and `/subject-requests` rows exist in the
synthesized API: the confirmation page and its POST, the rights page and its form, each public
(no authorizer) and proxied to its function."""

import pytest

from tests.infra.test_infra_api import _function_names, _integrated_function, _methods

pytestmark = pytest.mark.infra

RECIPIENT_ROUTES = {
    ("GET", "/confirm"): "subscription",
    ("POST", "/confirm"): "subscription",
    ("GET", "/subject-requests"): "subject_requests",
    ("POST", "/subject-requests"): "subject_requests",
    ("GET", "/subject-requests/confirm"): "subject_requests",
    ("POST", "/subject-requests/confirm"): "subject_requests",
    ("GET", "/subject-requests/export"): "subject_requests",
}


def test_the_confirm_and_rights_routes_are_deployed_public_and_proxied_to_their_function(synthesized):
    methods = _methods(synthesized)
    names = _function_names(synthesized)
    for route, function in RECIPIENT_ROUTES.items():
        assert route in methods, f"{route} is not in the synthesized API"
        props = methods[route]
        assert props["AuthorizationType"] == "NONE", route
        assert names[_integrated_function(props)] == function, route
