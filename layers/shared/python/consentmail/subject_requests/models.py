"""The subject-request API's input models."""

from pydantic import BaseModel, Field, model_validator

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


class SubjectRequestInput(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    type: RequestType
    changes: Changes | None = None

    @model_validator(mode="after")
    def _changes_for_rectification(self) -> "SubjectRequestInput":
        if self.type == RequestType.RECTIFICATION and (self.changes is None or self.changes.empty):
            raise ValueError("a rectification needs `changes`: first_name, last_name or attributes")
        return self
