"""Is a tracking hit a person or a machine? Judged once, when the hit arrives, from the request
method, the user agent, the client IP and the time since the email was delivered (or sent). Only
the verdict is stored, never the raw IP or user agent: a person's hit sets the send marker's
`opened_at` or `clicked_at`, a machine's `machine_opened_at` or `machine_clicked_at`.

The rules, documented in docs/statistics.md:
- `head`: a HEAD request. Link checkers and security gateways probe; people's clients GET.
- `scanner`: a user agent naming a security scanner, a link checker, a crawler or a script
  (Proofpoint, Mimecast, Barracuda, Safe Links, curl, python-requests, headless browsers...),
  or no user agent at all.
- `apple_mpp`: Apple Mail Privacy Protection, which prefetches every remote image on delivery
  through Apple's proxies: the bare user agent `Mozilla/5.0` or a request from Apple's network
  17.0.0.0/8.
- `too_soon`: a hit within SCAN_WINDOW of the delivery (or of the send when no delivery is known
  yet): gateways scan messages as they arrive, before a person could have read them. The tracking
  service judges a hit without the times first, and the send marker's update records a person's
  hit only if the email arrived SCAN_WINDOW before; refused, it is judged again with the times.
Gmail's and Yahoo's image proxies fetch when the recipient opens the message, so they count as
people.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

SCAN_WINDOW = timedelta(seconds=10)

# Lower-case substrings of user agents that only machines send.
MACHINE_AGENTS = (
    "proofpoint",
    "mimecast",
    "barracuda",
    "safelinks",
    "safe links",
    "microsoft office protocol discovery",
    "ms-office",
    "symantec",
    "messagelabs",
    "forcepoint",
    "trendmicro",
    "trend micro",
    "sophos",
    "ironport",
    "cisco",
    "fireeye",
    "zscaler",
    "checkpoint",
    "check point",
    "fortinet",
    "fortiguard",
    "hornetsecurity",
    "spamtitan",
    "urlscan",
    "virustotal",
    "bot",
    "crawler",
    "spider",
    "scanner",
    "preview",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "apache-httpclient",
    "libwww-perl",
    "node-fetch",
    "axios/",
)
APPLE_PROXY_AGENT = "mozilla/5.0"
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)


@dataclass(frozen=True)
class Verdict:
    machine: bool
    rule: str = ""


HUMAN = Verdict(False)


def _in_apple_network(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in APPLE_NETWORKS)


def judge(
    *, method: str, user_agent: str, ip: str, at: datetime, arrived_at: datetime | None = None
) -> Verdict:
    """The verdict on one hit. `arrived_at` is when the email was delivered (or sent)."""
    if method.upper() == "HEAD":
        return Verdict(True, "head")
    agent = user_agent.strip().lower()
    if not agent or any(marker in agent for marker in MACHINE_AGENTS):
        return Verdict(True, "scanner")
    if agent == APPLE_PROXY_AGENT or _in_apple_network(ip):
        return Verdict(True, "apple_mpp")
    if arrived_at is not None and at - arrived_at < SCAN_WINDOW:
        return Verdict(True, "too_soon")
    return HUMAN
