"""The rules for contact attribute names, applied at every entry point (subscribe, add and edit a
contact, CSV import headers, rectification requests) so every read path can rely on them.

An attribute name becomes a CSV header cell, a `{{ attributes.<name> }}` tag, a field path in
an error and a DynamoDB map key. So a name is 1 to 64 characters: letters (any script), digits,
`_`, `-` and inner spaces, starting with a letter, a digit or `_`. That excludes empty names
(which broke reads and the send fan-out), line breaks and control characters, and the
characters a spreadsheet takes for a formula (`=`, `+`, `-`, `@`) at the start.
"""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from consentmail.core.errors import FieldError, InvalidInput

MAX_LENGTH = 64
RULE = (
    f"attribute names are 1 to {MAX_LENGTH} characters: letters, digits, `_`, `-` and inner spaces, "
    "starting with a letter, a digit or `_`"
)
_NAME = re.compile(r"\w(?:[\w -]*[\w-])?")
# The same rule for the OpenAPI document, as a JSON Schema (ECMA-262 with Unicode property escapes:
# Python's \w is exactly [\p{L}\p{N}_]); a unit test holds the pattern to `name_problem`. The
# schema is the `Attributes` component, recursive since the names of nested objects follow the
# rule too (objects inside arrays are values, not attributes, and are not checked).
_WORD = r"\p{L}\p{N}_"
NAME_PATTERN = rf"^[{_WORD}](?:[{_WORD} -]*[{_WORD}-])?$"
SCHEMA_NAME = "Attributes"
_SCHEMA_REF = f"#/components/schemas/{SCHEMA_NAME}"
SCHEMA = {
    "title": SCHEMA_NAME,
    "description": f"Free attributes of a contact; {RULE}, at every depth of nested objects.",
    "type": "object",
    "propertyNames": {"minLength": 1, "maxLength": MAX_LENGTH, "pattern": NAME_PATTERN},
    "additionalProperties": {"anyOf": [{"$ref": _SCHEMA_REF}, {"not": {"type": "object"}}]},
}


# Pydantic resolves every `$ref` of a model's schema itself, so a model's attributes are marked
# with this key and the document builder (tools/openapi.py) puts the reference in its place.
MARKER = "x-consentmail-attributes"


def _documented_as_component(schema: dict) -> None:
    schema.clear()
    schema[MARKER] = True


def name_problem(name: object) -> str | None:
    """Why `name` is no acceptable attribute name, or None."""
    if not isinstance(name, str) or not name:
        return f"an attribute name may not be empty: {RULE}"
    if len(name) > MAX_LENGTH:
        return f"the attribute name is longer than {MAX_LENGTH} characters"
    if _NAME.fullmatch(name) is None:
        return f"the attribute name is not accepted: {RULE}"
    return None


def problems(attributes: dict, path: str = "attributes") -> list[FieldError]:
    """One finding per bad name, nested objects included, each naming the field it concerns."""
    found: list[FieldError] = []
    for name, value in attributes.items():
        message = name_problem(name)
        field = f"{path}.{name}" if not message or name else f"{path}[{name!r}]"
        if message:
            found.append(FieldError(field, message))
        elif isinstance(value, dict):
            found.extend(problems(value, field))
    return found


def check(attributes: dict, path: str = "attributes") -> dict:
    """`attributes` unchanged, or InvalidInput (422) naming every bad name."""
    found = problems(attributes, path)
    if found:
        raise InvalidInput(
            "Attribute names must follow the rules: " + "; ".join(f"{e.field}: {e.message}" for e in found),
            found,
        )
    return attributes


def _validated(attributes: dict[str, Any] | None) -> dict[str, Any] | None:
    if attributes is not None:
        found = problems(attributes)
        if found:
            raise ValueError("; ".join(f"{e.field}: {e.message}" for e in found))
    return attributes


# For pydantic models: an attributes object whose names (at every depth) follow the rules.
_Documented = Annotated[dict[str, Any], Field(json_schema_extra=_documented_as_component)]
Attributes = Annotated[_Documented, AfterValidator(_validated)]
OptionalAttributes = Annotated[_Documented | None, AfterValidator(_validated)]
