"""Settings fail fast; the route table holds every contract route once."""

import pytest

from consentmail.core.routes import ROUTES, Function
from consentmail.core.settings import SettingsError, settings_from_env


def test_missing_settings_are_named_at_start():
    with pytest.raises(SettingsError) as error:
        settings_from_env({"AWS_REGION": "eu-west-3"})
    assert "CONSENTMAIL_PUBLIC_URL" in str(error.value)
    assert "CONSENTMAIL_TABLE_CONTACTS" in str(error.value)


def test_malformed_settings_are_refused(settings_environment):
    environ = dict(settings_environment)
    environ["CONSENTMAIL_MAX_SEND_RATE"] = "fast"
    with pytest.raises(SettingsError, match="max_send_rate"):
        settings_from_env(environ)


def test_every_route_is_unique_and_no_local_route_is_in_the_table():
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert not any(
        route.path.startswith("/_local") or route.path in ("/", "/openapi.json") for route in ROUTES
    )


# The accounts function's routes a person calls before having (or when no longer having) a token.
SIGNED_OUT_ROUTES = {
    "/accounts",
    "/accounts/verify",
    "/auth/login",
    "/auth/refresh",
    "/auth/password/forgot",
    "/auth/password/reset",
}


def test_account_routes_need_auth_and_public_routes_do_not():
    for route in ROUTES:
        public = route.path in SIGNED_OUT_ROUTES or route.function != Function.ACCOUNTS
        assert route.auth is not public, route


def test_only_subscribe_is_cross_origin():
    assert [(r.method, r.path) for r in ROUTES if r.cors] == [("POST", "/subscribe")]
