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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONSENTMAIL_PUBLIC_URL", "mail.example.com"),
        ("CONSENTMAIL_PUBLIC_URL", "ftp://mail.example.com"),
        ("CONSENTMAIL_PUBLIC_URL", "https://mail.example.com/a b"),
        ("CONSENTMAIL_PUBLIC_URL", "https://mail.example.com:port"),
        ("CONSENTMAIL_MAX_SEND_RATE", "0"),
        ("CONSENTMAIL_MAX_SEND_RATE", "-3"),
        ("CONSENTMAIL_MAX_SEND_RATE", "nan"),
    ],
)
def test_a_malformed_setting_is_named_with_its_variable_and_what_is_wrong(settings_environment, name, value):
    environ = {**settings_environment, name: value}
    with pytest.raises(SettingsError) as error:
        settings_from_env(environ)
    assert name in str(error.value) and repr(value) in str(error.value)


def test_well_formed_settings_are_read_as_given(settings_environment):
    environ = {**settings_environment, "CONSENTMAIL_PUBLIC_URL": "https://mail.example.com/news/"}
    settings = settings_from_env(environ)
    assert settings.base_url == "https://mail.example.com/news"
    assert settings.max_send_rate == 14.0
    assert settings.sns_regions == ["eu-west-3"]


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
