"""Request bodies as fields, for the routes that take a website form as well as JSON (Powertools'
`Body()` validation reads JSON only): urlencoded forms, where a repeated field keeps its last
value (how the tracking checkbox after its hidden `false` works), or a JSON object. Anything
malformed is an InvalidInput (422) that names what to fix; JSON, a whole body or a field, is
parsed within the decoding boundary's limits (`web/decoding.py`)."""

from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError

from consentmail.core.errors import InvalidInput
from consentmail.web import decoding
from consentmail.web.api import validation_problem

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

Model = TypeVar("Model", bound=BaseModel)


def content_type(event: APIGatewayProxyEvent) -> str:
    headers = event.headers or {}
    return headers.get("Content-Type") or headers.get("content-type") or ""


def is_form(event: APIGatewayProxyEvent) -> bool:
    return content_type(event).startswith(FORM)


def is_json(event: APIGatewayProxyEvent) -> bool:
    return content_type(event).startswith(JSON)


def body_fields(event: APIGatewayProxyEvent, form: bool) -> dict[str, Any]:
    """The body as fields: urlencoded when `form` (a repeated field keeps its last value), else a
    JSON object (an empty body is an empty object)."""
    raw = event.decoded_body or ""
    if form:
        return dict(parse_qsl(raw, keep_blank_values=True))
    data = decoding.parse_json(raw or "{}")
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    return data


def json_field(fields: dict[str, Any], name: str) -> dict[str, Any]:
    """`fields` with the form field `name` (a JSON text, e.g. `attributes`) decoded; an empty or
    absent field is left out as it is."""
    if not fields.get(name):
        return fields
    return {**fields, name: decoding.parse_json(fields[name], name)}


def validated(model: type[Model], fields: dict[str, Any]) -> Model:
    """`fields` validated by `model`; a refusal names each field and what is wrong with it."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        problem = validation_problem(list(error.errors()))
        raise InvalidInput(problem.detail, problem.errors) from error
