"""The one clock of the package: every "now" is read here, so tests and the purge can move time."""

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def epoch(moment: datetime) -> int:
    """Whole seconds since the epoch, as DynamoDB TTL attributes want them."""
    return int(moment.timestamp())


def iso(moment: datetime) -> str:
    """ISO 8601 with a Z suffix, second precision: the representation of every time we return."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time; a naive time is taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
