"""The safeguard that keeps email addresses out of log lines: whatever a log call carries — the
message, its `extra` fields, keys appended to the logger, an exception's text — every substring
that looks like an email address is replaced by `addresses.mask(...)` (`j***@e***.com`) before
the line is written.

Code must still never log an address on purpose (log ids, counts and masked values); this catches
what slips through: an exception whose message quotes an address, a model dumped into `extra`.
Masking works on the structured record before it is serialized, so the JSON stays valid whatever
escaping the serializer applies.

This module imports no Powertools: the Powertools formatter that masks is in `logs.py`, and
`get_plain_logger` serves a function that keeps Powertools off its cold start (tracking)."""

import logging
import re
from collections.abc import Mapping
from typing import Any

# Deliberately broader than a valid address (no length or dot rules on the local part): a false
# positive costs a masked word in a log line, a miss leaks personal data. A masked address
# (`j***@e***.com`) does not match again, as `*` may not appear in a domain.
EMAIL_PATTERN = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_NATIVE = (bool, int, float, type(None))


def _mask(match: re.Match) -> str:
    # Imported on first use: `addresses` brings email-validator (~17 ms), which the tracking
    # function's cold start does without as long as no line ever holds an address.
    from consentmail.core.addresses import mask

    return mask(match.group(0))


def mask_text(text: str) -> str:
    """`text` with every address-like substring masked (`addresses.mask`)."""
    return EMAIL_PATTERN.sub(_mask, text)


def masked(value: Any) -> Any:
    """`value` with every string in it masked, containers walked; any other object becomes the
    masked text of `str(value)`, which is what the JSON serializer would have written for it."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, _NATIVE):
        return value
    if isinstance(value, Mapping):
        return {
            key if not isinstance(key, str) else mask_text(key): masked(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(item) for item in value]
    return mask_text(str(value))


class AddressMaskingFilter(logging.Filter):
    """For a plain `logging` handler (not Powertools): masks the message and every extra field of
    each record it lets through; exception text is formatted and masked into the message."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = mask_text(message), None
        for name, value in list(vars(record).items()):
            if name not in self._STANDARD:
                setattr(record, name, masked(value))
        return True


def get_plain_logger(name: str) -> logging.Logger:
    """A standard `logging` logger whose every line is masked (`AddressMaskingFilter`), for a
    function that does without Powertools: in Lambda its lines go to the runtime's handler, which
    writes them as JSON (the functions' JSON log format, infra/constructs/function.py) with the
    request id."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, AddressMaskingFilter) for f in logger.filters):
        logger.addFilter(AddressMaskingFilter())
    return logger
