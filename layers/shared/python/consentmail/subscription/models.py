"""The subscription API's input models."""

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from consentmail.core.addresses import document_email
from consentmail.core.attribute_names import Attributes
from consentmail.core.header_text import HeaderText

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0", ""}


def _form_bool(value: Any) -> Any:
    """Form posts send `on`/`true`/`yes`; JSON sends booleans. Anything else is refused."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return value


FormBool = Annotated[bool, BeforeValidator(_form_bool)]


def _consent_is_required(schema: dict) -> None:
    """The document states what the service enforces: `consent` must be sent, and true. The model
    keeps a default so that the service words that refusal (a 422 naming `consent`), after an
    unknown list's 404."""
    consent = schema["properties"]["consent"]
    consent.pop("default", None)
    consent["const"] = True
    schema["required"] = [*schema.get("required", []), "consent"]


class SubscribeRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra=_consent_is_required)

    list_id: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)
    first_name: HeaderText = Field(default="", max_length=100)
    last_name: HeaderText = Field(default="", max_length=100)
    consent: FormBool = False
    tracking_consent: FormBool = False
    attributes: Attributes = Field(default_factory=dict)
    # The consent statement the form showed, recorded as proof; the list's default otherwise.
    consent_text: str = Field(default="", max_length=2000)
