"""The subject-request API's input models."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from consentmail.core.addresses import document_email
from consentmail.core.attribute_names import OptionalAttributes
from consentmail.core.header_text import HeaderText
from consentmail.core.records import RequestType


class Changes(BaseModel):
    """What a rectification changes: any of the names, and attributes (a null value removes one)."""

    first_name: HeaderText | None = Field(default=None, max_length=100)
    last_name: HeaderText | None = Field(default=None, max_length=100)
    attributes: OptionalAttributes = None

    @property
    def empty(self) -> bool:
        return self.first_name is None and self.last_name is None and not self.attributes


# What the document says of a rectification, as `_changes_for_rectification` checks it: `changes`
# with a first or last name, or at least one attribute.
RECTIFICATION_NEEDS_CHANGES = {
    "if": {"required": ["type"], "properties": {"type": {"const": RequestType.RECTIFICATION.value}}},
    "then": {
        "required": ["changes"],
        "properties": {
            "changes": {
                "type": "object",
                "anyOf": [
                    {"required": ["first_name"], "properties": {"first_name": {"type": "string"}}},
                    {"required": ["last_name"], "properties": {"last_name": {"type": "string"}}},
                    {
                        "required": ["attributes"],
                        "properties": {"attributes": {"type": "object", "minProperties": 1}},
                    },
                ],
            }
        },
    },
}


class SubjectRequestInput(BaseModel):
    model_config = ConfigDict(json_schema_extra=RECTIFICATION_NEEDS_CHANGES)

    email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)
    type: RequestType
    changes: Changes | None = None

    @model_validator(mode="after")
    def _changes_for_rectification(self) -> "SubjectRequestInput":
        if self.type == RequestType.RECTIFICATION and (self.changes is None or self.changes.empty):
            raise ValueError("a rectification needs `changes`: first_name, last_name or attributes")
        return self
