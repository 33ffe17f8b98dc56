"""Settings, parsed once from the environment into a frozen dataclass: a missing or malformed
setting fails at cold start, never at the first request. No silent defaults.

Checked by hand rather than by a pydantic model: every function reads its settings on its first
request, and the tracking function's cold start does without pydantic altogether
(tests/unit/test_cold_start_imports.py)."""

import math
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from consentmail.core.container import per_container
from consentmail.core.tables import SCHEMAS, Table

PREFIX = "CONSENTMAIL_"
# The longest URL browsers and pydantic's HttpUrl accept.
MAX_URL_LENGTH = 2083


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    region: str
    # Where the public routes are served; every link we email starts with it.
    public_url: str
    tables: dict[Table, str]
    # Secrets Manager name of the signing and hashing keys.
    signing_secret: str
    ses_configuration_set: str
    # The address system emails (opt-in for lists without a sender, subject requests) come from.
    system_from: str
    fanout_queue_url: str
    # Scheduled sends: EventBridge Scheduler one-time schedules in this group put a fan-out message
    # on this queue, as this role (the accounts function may pass it to the scheduler, nothing else).
    fanout_queue_arn: str
    schedule_group: str
    scheduler_role_arn: str
    send_queue_url: str
    user_pool_id: str
    user_pool_client_id: str
    # SES sends per second the account may make (its quota); the sender paces itself to it.
    max_send_rate: float
    # The SNS topics whose messages /webhooks/ses accepts, and the regions certificates may come from.
    sns_topic_arns: list[str]
    sns_regions: list[str]
    # The operator's notification topic (subject requests near due, alarms).
    operator_topic_arn: str
    # Large imports and exports: the bucket their files pass through, the queue an import
    # continues on (S3 puts an uploaded file's event there) and the queue export requests go to.
    transfer_bucket: str
    import_queue_url: str
    export_queue_url: str

    def table(self, table: Table) -> str:
        return self.tables[table]

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _http_url(value: str) -> str:
    """An absolute http(s) URL with a host, or ValueError saying what is wrong."""
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"longer than {MAX_URL_LENGTH} characters")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise ValueError("contains spaces or control characters")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as error:
        raise ValueError(f"not a URL ({error})") from error
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("not an absolute http:// or https:// URL with a host")
    return value


def _positive_number(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError("must be a number greater than 0")
    return number


def settings_from_env(environ: dict[str, str]) -> Settings:
    missing: list[str] = []
    malformed: list[str] = []

    def need(name: str) -> str:
        value = environ.get(name)
        if not value:
            missing.append(name)
            return ""
        return value

    def checked(field: str, name: str, check):
        value = need(name)
        if not value:
            return value
        try:
            return check(value)
        except ValueError as error:
            malformed.append(f"{field} ({name}={value!r}): {error}")
            return value

    settings = {
        "region": need("AWS_REGION"),
        "public_url": checked("public_url", PREFIX + "PUBLIC_URL", _http_url),
        "tables": {schema.table: need(schema.env_var) for schema in SCHEMAS.values()},
        "signing_secret": need(PREFIX + "SIGNING_SECRET"),
        "ses_configuration_set": need(PREFIX + "SES_CONFIGURATION_SET"),
        "system_from": need(PREFIX + "SYSTEM_FROM"),
        "fanout_queue_url": need(PREFIX + "FANOUT_QUEUE_URL"),
        "send_queue_url": need(PREFIX + "SEND_QUEUE_URL"),
        "fanout_queue_arn": need(PREFIX + "FANOUT_QUEUE_ARN"),
        "schedule_group": need(PREFIX + "SCHEDULE_GROUP"),
        "scheduler_role_arn": need(PREFIX + "SCHEDULER_ROLE_ARN"),
        "user_pool_id": need(PREFIX + "USER_POOL_ID"),
        "user_pool_client_id": need(PREFIX + "USER_POOL_CLIENT_ID"),
        "max_send_rate": checked("max_send_rate", PREFIX + "MAX_SEND_RATE", _positive_number),
        "sns_topic_arns": _csv(need(PREFIX + "SNS_TOPIC_ARNS")),
        "sns_regions": _csv(need(PREFIX + "SNS_REGIONS")),
        "operator_topic_arn": need(PREFIX + "OPERATOR_TOPIC_ARN"),
        "transfer_bucket": need(PREFIX + "TRANSFER_BUCKET"),
        "import_queue_url": need(PREFIX + "IMPORT_QUEUE_URL"),
        "export_queue_url": need(PREFIX + "EXPORT_QUEUE_URL"),
    }
    if missing:
        raise SettingsError("missing settings: " + ", ".join(sorted(missing)))
    if malformed:
        raise SettingsError("malformed settings: " + "; ".join(malformed))
    return Settings(**settings)


@per_container
def get_settings() -> Settings:
    return settings_from_env(dict(os.environ))
