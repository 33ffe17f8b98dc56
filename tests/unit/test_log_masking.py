"""No raw email address reaches a log line: the masking logger every function uses."""

import io
import json
import logging
import uuid
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger

from consentmail.core.log_masking import AddressMaskingFilter, get_plain_logger, mask_text, masked
from consentmail.core.logs import get_logger

ROOT = Path(__file__).resolve().parent.parent.parent
ADDRESS = "jane.doe+news@example.org"
MASKED = "j***@e***.org"


def _service() -> str:
    # Powertools configures a service's logger once per process: each test gets its own service.
    return f"masking-test-{uuid.uuid4().hex[:8]}"


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.promise("logs.masked")
def test_a_line_with_an_address_comes_out_masked_in_message_extras_and_exception():
    # Given a function's logger
    stream = io.StringIO()
    logger = get_logger(service=_service(), logger_handler=logging.StreamHandler(stream))
    logger.append_keys(requester=f"Jane <{ADDRESS}>")
    # When a line carries the address in its message, its extra fields and an exception
    logger.info(f"bounce for {ADDRESS}", extra={"email": ADDRESS, "nested": {"to": [ADDRESS, "x"]}, "n": 3})
    try:
        raise ValueError(f"SES refused {ADDRESS}")
    except ValueError:
        logger.exception("send failed")
    # Then the output is still JSON, holds the masked form and never the address
    output = stream.getvalue()
    assert ADDRESS not in output
    info, error = _lines(stream)
    assert info["message"] == f"bounce for {MASKED}"
    assert info["email"] == MASKED
    assert info["nested"] == {"to": [MASKED, "x"]}
    assert info["n"] == 3
    assert info["requester"] == f"Jane <{MASKED}>"
    assert MASKED in error["exception"] and error["exception_name"] == "ValueError"


def test_a_plain_logger_made_first_is_masked_once_a_function_asks_for_its_logger():
    # Given a shared module's plain Logger() that configured the service before the handler did,
    # and a child logger of a domain module
    service = _service()
    stream = io.StringIO()
    shared = Logger(service=service, logger_handler=logging.StreamHandler(stream))
    child = Logger(service=service, child=True)
    # When the handler gets its logger
    get_logger(service=service)
    # Then lines from all three are masked
    shared.warning("refused", extra={"email": ADDRESS})
    child.info(f"unsubscribed {ADDRESS}")
    assert ADDRESS not in stream.getvalue()
    assert [line.get("email", line["message"]) for line in _lines(stream)] == [
        MASKED,
        f"unsubscribed {MASKED}",
    ]


def test_a_standard_logging_handler_masks_with_the_filter():
    # Given a plain logging handler with the masking filter
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s %(email)s"))
    handler.addFilter(AddressMaskingFilter())
    log = logging.getLogger(_service())
    log.propagate = False
    log.addHandler(handler)
    # When a line with an address in its arguments and extras is written
    log.warning("to %s", ADDRESS, extra={"email": ADDRESS})
    # Then it is masked
    assert stream.getvalue().strip() == f"to {MASKED} {MASKED}"


@pytest.mark.promise("logs.masked")
def test_the_plain_logger_of_a_function_without_powertools_masks_message_extras_and_exception():
    # Given the plain logger a function without Powertools logs through (tracking), and a handler
    # like the runtime's above it
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s|%(email)s"))
    name = _service()
    log = get_plain_logger(name)
    log.propagate = False
    log.addHandler(handler)
    # When a line carries the address in its message, an extra field and an exception
    try:
        raise ValueError(f"refused {ADDRESS}")
    except ValueError:
        log.exception("open of %s not recorded", ADDRESS, extra={"email": ADDRESS})
    # Then nothing of it is raw, the traceback included; asking again adds no second filter
    output = stream.getvalue()
    assert ADDRESS not in output
    assert output.startswith(f"open of {MASKED} not recorded") and f"ValueError: refused {MASKED}" in output
    assert get_plain_logger(name) is log and len(log.filters) == 1


def test_masking_leaves_what_is_not_an_address_alone_and_is_idempotent():
    arn = "arn:aws:sns:eu-west-3:123456789012:consentmail-events"
    assert mask_text(arn) == arn
    assert mask_text("50% @ noon, user@localhost") == "50% @ noon, user@localhost"
    assert mask_text(MASKED) == MASKED
    assert mask_text(f"{ADDRESS},bob@mail.example.co.uk") == f"{MASKED},b***@m***.uk"
    assert masked({"to": (ADDRESS,), "ok": True, "n": None}) == {"to": [MASKED], "ok": True, "n": None}


@pytest.mark.promise("logs.masked")
def test_every_function_logs_through_the_masking_logger():
    for handler in sorted((ROOT / "functions").glob("*/handler.py")):
        source = handler.read_text()
        masking = "get_logger(" in source or "get_plain_logger(" in source
        assert masking and "Logger()" not in source, handler.parent.name
