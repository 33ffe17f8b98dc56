"""Person or machine: the verdict on a tracking hit, judged on arrival."""

from datetime import UTC, datetime, timedelta

import pytest

from consentmail.tracking.machine import SCAN_WINDOW, judge

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


def verdict(method="GET", agent=FIREFOX, ip="203.0.113.9", arrived=AT - timedelta(hours=1)):
    return judge(method=method, user_agent=agent, ip=ip, at=AT, arrived_at=arrived)


@pytest.mark.parametrize("agent", [FIREFOX, GMAIL_PROXY, "Outlook-iOS/723.4027091.prod.iphone (4.2.1)"])
def test_people_and_open_time_image_proxies_are_people(agent):
    assert verdict(agent=agent).machine is False


def test_a_head_request_is_a_machine():
    assert verdict(method="HEAD").rule == "head"


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "python-requests/2.32.3",
        "curl/8.5.0",
        "Go-http-client/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0",
        "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))",
        "Mimecast URL Protect",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
    ],
)
def test_scanner_script_and_crawler_agents_are_machines(agent):
    assert verdict(agent=agent).rule == "scanner"


def test_apple_mail_privacy_protection_is_a_machine():
    assert verdict(agent="Mozilla/5.0").rule == "apple_mpp"
    assert verdict(ip="17.253.144.10").rule == "apple_mpp"
    assert verdict(ip="not an ip").machine is False


def test_a_hit_within_seconds_of_delivery_is_a_machine():
    assert verdict(arrived=AT - SCAN_WINDOW + timedelta(seconds=1)).rule == "too_soon"
    assert verdict(arrived=AT - SCAN_WINDOW).machine is False
    assert verdict(arrived=None).machine is False
