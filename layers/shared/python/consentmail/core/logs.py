"""The one way a consentmail function gets its Powertools Logger: `logger = get_logger()` at module
level in the handler. Its output goes through `log_masking`, so no line carries a raw address.

Powertools configures the handler of a service's logger once, for the first non-child `Logger()`
made in the process, and every later Logger of that service (and every child) writes through
that same handler. A shared module imported before the handler may have made a plain `Logger()`
first; so besides passing our formatter, `get_logger` makes sure the handler that is actually in
use masks, whoever configured it."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from consentmail.core.log_masking import AddressMaskingFilter, masked


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, masking addresses in the assembled log dict (message, extra
    keys, appended keys, exception) just before it is serialized."""

    def serialize(self, log: dict) -> str:
        return super().serialize(masked(log))


# Logger options that belong to its formatter: they go to ours.
FORMATTER_OPTIONS = (
    "json_serializer",
    "json_deserializer",
    "json_default",
    "datefmt",
    "use_datetime_directive",
    "log_record_order",
    "utc",
    "use_rfc3339",
    "serialize_stacktrace",
)


def get_logger(service: str | None = None, **options) -> Logger:
    """A Powertools Logger (service from POWERTOOLS_SERVICE_NAME unless given) whose lines are
    masked; `options` are Logger's own (level, child, ...)."""
    if not options.get("child") and "logger_formatter" not in options:
        formatting = {name: options.pop(name) for name in FORMATTER_OPTIONS if name in options}
        options["logger_formatter"] = MaskingFormatter(**formatting)
    logger = Logger(service=service, **options)
    protect(logger)
    return logger


def protect(logger: Logger) -> None:
    """Make the handler `logger` writes through mask addresses (idempotent). A child logger made
    before its parent has no handler yet; the parent's `get_logger` protects it later."""
    handler = logger.registered_handler
    if handler is None:
        return
    formatter = handler.formatter
    if isinstance(formatter, MaskingFormatter):
        return
    if type(formatter) is LambdaPowertoolsFormatter:
        # Configured by a plain Logger(): MaskingFormatter adds no state of its own, only a
        # different serialize(), so the formatter keeps its keys and options and starts masking.
        formatter.__class__ = MaskingFormatter
        return
    if not any(isinstance(f, AddressMaskingFilter) for f in handler.filters):
        handler.addFilter(AddressMaskingFilter())
