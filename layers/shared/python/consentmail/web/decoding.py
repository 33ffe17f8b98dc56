"""The decoding boundary: every request is checked here before a route, Powertools' validation or
a handler reads it, so nothing downstream meets bytes or structures it cannot handle.

- Every body must be UTF-8 (JSON, forms, multipart, SNS's text/plain, CSV): API Gateway hands
  every body over base64-encoded (binary media type `*/*`), and Powertools' `decoded_body` would
  raise on anything else.
- JSON (a JSON content type; or a body without one, or text/plain, that parses as JSON) is
  bounded: at most `MAX_JSON_BYTES`, nested at most `MAX_JSON_DEPTH` levels (Python's parser
  recurses, and DynamoDB stores 32 levels), numbers only as DynamoDB stores them exactly (38
  significant digits, magnitude within its range).
- Query values, path parameters and headers must be encodable text (no lone surrogates).

A refusal is a DomainError, so each function's own exception handlers answer it: problem+json,
or the HTML 400/422 page on the routes a person opens from an email.
"""

import base64
import binascii
import json
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from consentmail.core.errors import DomainError, FieldError, InvalidInput, PayloadTooLarge

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_JSON_DEPTH = 16
# DynamoDB numbers: up to 38 significant digits, magnitude from 1E-130 to 9.9…E+125.
MAX_DIGITS = 38
MAX_EXPONENT = 125
MIN_EXPONENT = -130
NOT_JSON = "not valid JSON"
NUMBER_RULE = f"at most {MAX_DIGITS} significant digits, and below 1e126"


class UndecodableRequest(DomainError):
    """A request whose bytes are not the text its content type announces."""

    status = 400
    title = "Bad request"
    type = "https://consentmail.dev/problems/undecodable-request"


def content_type(event: APIGatewayProxyEvent) -> str:
    headers = event.headers or {}
    return headers.get("Content-Type") or headers.get("content-type") or ""


def media_type(event: APIGatewayProxyEvent) -> str:
    return content_type(event).split(";")[0].strip().lower()


def _has_boundary(value: str) -> bool:
    parameters = [part.strip().split("=", 1) for part in value.split(";")[1:]]
    return any(len(p) == 2 and p[0].strip().lower() == "boundary" and p[1].strip(' "') for p in parameters)


def body_bytes(event: APIGatewayProxyEvent) -> bytes:
    """The body as sent, whether API Gateway base64-encoded it or not."""
    body = event.body or ""
    if not event.is_base64_encoded:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise UndecodableRequest("The request body could not be read.") from error


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4]
        hint = " (it looks like UTF-16)" if utf16 else ""
        raise UndecodableRequest(
            f"The {what} is not valid UTF-8{hint}: send UTF-8 text.", [FieldError(what, "not valid UTF-8")]
        ) from error


def json_depth(text: str) -> int:
    """How deeply `text`'s arrays and objects nest, counted without parsing (brackets inside
    strings do not count), so a hostile body never reaches a recursive parser."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _number_problems(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, dict):
        return [problem for key, item in value.items() for problem in _number_problems(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [problem for i, item in enumerate(value) for problem in _number_problems(item, f"{path}.{i}")]
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return []
    number = Decimal(value)
    if not number.is_finite():
        return [FieldError(path, "not a finite number")]
    if number.is_zero():
        return []
    # As written: boto3 stores an int digit by digit, so 10**50 is 51 digits, not 1E+50.
    digits = number.as_tuple().digits
    if len(digits) > MAX_DIGITS or not MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        return [FieldError(path, NUMBER_RULE)]
    return []


def parse_json(text: str, field: str = "body") -> Any:
    """`text` parsed as JSON within the limits above, or an InvalidInput naming `field`.

    Numbers come back as Python would parse them (int, float), once checked as exact decimals."""
    if len(text) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"The {field} holds at most {MAX_JSON_BYTES // (1024 * 1024)} MB of JSON.")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise InvalidInput(
            f"The {field} nests deeper than {MAX_JSON_DEPTH} levels.",
            [FieldError(field, f"nested deeper than {MAX_JSON_DEPTH} levels")],
        )
    try:
        exact = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except (ValueError, RecursionError) as error:
        invalid = [FieldError(field, NOT_JSON)]
        raise InvalidInput(f"The {field} is not valid JSON.", invalid) from error
    found = _number_problems(exact, field)
    if found:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in found), found)
    return json.loads(text)


def _checked_text(values: dict | None, where: str) -> None:
    for name, value in (values or {}).items():
        for text in value if isinstance(value, list) else [value]:
            try:
                f"{name}{text or ''}".encode()
            except UnicodeEncodeError as error:
                invalid = [FieldError(str(name), "not valid text")]
                raise UndecodableRequest(f"A {where} holds characters that are not text.", invalid) from error


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def admit(event: APIGatewayProxyEvent) -> None:
    """Raise the DomainError that refuses this request, if any; return if it can be read."""
    _checked_text(event.get("queryStringParameters"), "query parameter")
    _checked_text(event.get("multiValueQueryStringParameters"), "query parameter")
    _checked_text(event.get("pathParameters"), "path parameter")
    _checked_text(event.get("headers"), "header")
    media = media_type(event)
    if not event.body:
        return
    if media == "text/csv" and (event.get("resource") or "").endswith("/contacts/import"):
        # A CSV file is read by the import itself, which detects its encoding (UTF-8, UTF-16 with
        # a byte order mark, cp1252) and refuses any other with a 422 naming the ones it reads.
        return
    text = _utf8(body_bytes(event), "body")
    if media == "multipart/form-data" and not _has_boundary(content_type(event)):
        raise InvalidInput(
            "A multipart/form-data body needs the boundary parameter in its Content-Type.",
            [FieldError("Content-Type", "multipart/form-data without a boundary")],
        )
    if _is_json(media) and text.strip():
        parse_json(text)
    elif media in ("", "text/plain") and text.strip():
        # Powertools reads a body without a content type as JSON (as API Gateway assumes), and SNS
        # posts its JSON as text/plain; whether such a body is JSON at all is the route's call, but
        # if it is, it keeps to the same limits.
        try:
            parse_json(text)
        except InvalidInput as error:
            if error.errors and error.errors[0].message == NOT_JSON:
                return
            raise
