"""What the operator decides at deployment, read once from CDK context (cdk.json's `context`, or
`-c name=value` on the command line) and checked before any construct is built.

    region         env var REGION, else context `region` (default eu-west-3); EU only
    sender_domain  the domain consentmail sends from (an SES domain identity is created for it)
    alarm_email    optional address subscribed to the operator topic (alarms, due subject requests)
    public_url     optional custom domain the public routes are served at; default: the API's URL
    waf            AWS WAF web ACL in front of the API, with the per-client limits (default true;
                   `false` leaves only API Gateway's route-wide throttles and the application's
                   own per-address limits)
    max_send_rate  SES sends per second the account may make (its quota; 1 in the SES sandbox)
    webhook_topics optional comma-separated SNS topic ARNs, beyond the stack's own SES events topic,
                   whose messages POST /webhooks/ses accepts (SES events routed from elsewhere)
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.regions import DEFAULT_REGION, check_region

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOPIC_ARN = re.compile(r"^arn:aws:sns:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """A context value is missing or malformed."""


@dataclass(frozen=True)
class Config:
    region: str
    sender_domain: str
    alarm_email: str | None
    public_url: str | None
    waf: bool
    max_send_rate: float
    webhook_topics: tuple[str, ...] = ()

    @property
    def webhook_regions(self) -> tuple[str, ...]:
        """The regions of the extra topics: their signing certificates come from these."""
        return tuple(sorted({_TOPIC_ARN.match(arn)["region"] for arn in self.webhook_topics}))

    @property
    def system_from(self) -> str:
        return f"privacy@{self.sender_domain}"


def project_context() -> dict[str, Any]:
    """cdk.json's context (feature flags and operator defaults). The CDK CLI passes it to the app
    itself; `python -m infra.app` run directly reads it here, so both synthesize the same stacks."""
    return json.loads(CDK_JSON.read_text())["context"]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off", ""):
        return value.lower() in ("true", "1", "yes", "on")
    raise ConfigError(f"waf must be true or false, not {value!r}")


def _optional(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def resolve_region(context_region: Any, environ: dict[str, str]) -> str:
    return check_region(environ.get("REGION") or (str(context_region) if context_region else DEFAULT_REGION))


def config_from(context: dict[str, Any], environ: dict[str, str] | None = None) -> Config:
    """Every operator setting, validated; `context` maps names to values as CDK context holds them."""
    environ = dict(os.environ) if environ is None else environ
    region = resolve_region(context.get("region"), environ)

    sender_domain = str(context.get("sender_domain") or "").strip().lower()
    if not _DOMAIN.match(sender_domain):
        raise ConfigError(f"sender_domain must be a domain name, not {sender_domain!r}")

    alarm_email = _optional(context.get("alarm_email"))
    if alarm_email and not _EMAIL.match(alarm_email):
        raise ConfigError("alarm_email must be an email address")

    public_url = _optional(context.get("public_url"))
    if public_url and not public_url.startswith("https://"):
        raise ConfigError("public_url must start with https://")

    try:
        max_send_rate = float(context.get("max_send_rate") or 0)
    except (TypeError, ValueError) as error:
        raise ConfigError("max_send_rate must be a number") from error
    if max_send_rate <= 0:
        raise ConfigError("max_send_rate must be a positive number of sends per second")

    webhook_topics = tuple(
        arn.strip() for arn in str(context.get("webhook_topics") or "").split(",") if arn.strip()
    )
    for arn in webhook_topics:
        if not _TOPIC_ARN.match(arn):
            raise ConfigError(f"webhook_topics must be SNS topic ARNs, not {arn!r}")

    return Config(
        region=region,
        sender_domain=sender_domain,
        alarm_email=alarm_email,
        public_url=public_url.rstrip("/") if public_url else None,
        # On unless the operator turns it off: per-client limits are what keeps one client from
        # locking everyone else out of sign-in, sign-up and the forms.
        waf=_flag(context.get("waf", True)),
        max_send_rate=max_send_rate,
        webhook_topics=webhook_topics,
    )
