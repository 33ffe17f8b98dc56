"""What the account routes take and return: sign-up and its verification, sign-in, refresh and
sign-out, password reset and change, the profile, closure and notifications. The output models are
the contract's representations, built from domain records."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from consentmail.accounts.passwords import PASSWORD_SCHEMA
from consentmail.core.addresses import document_email
from consentmail.core.records import AccountProfile, AccountStatus, Notification, PolicyAcceptance, Time

Name = Annotated[str, Field(max_length=100)]
OptionalText = Annotated[str | None, Field(default=None, max_length=500)]

Password = Annotated[
    SecretStr, Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})
]
# A password being set: the service checks the CNIL rule (`passwords.check_password`, a 422 naming
# each broken rule), and the document states that rule (`PASSWORD_SCHEMA`).
NewPassword = Annotated[SecretStr, Field(min_length=1, max_length=1024, json_schema_extra=PASSWORD_SCHEMA)]


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)
    password: NewPassword
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    title: OptionalText = None
    country: str = Field(min_length=2, max_length=60)
    company: OptionalText = None
    vat_number: OptionalText = None
    postal_address: OptionalText = None
    phone: OptionalText = None
    accept_privacy_policy: str = Field(
        min_length=1,
        max_length=40,
        description="The version of the privacy policy the account holder accepts",
    )


class AccountCreated(BaseModel):
    account_id: str


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254, json_schema_extra=document_email)
    password: SecretStr = Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})


class Tokens(BaseModel):
    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


# Our signed tokens are a few hundred characters; Cognito's refresh tokens (JWE) under 2,000.
Token = Annotated[str, Field(min_length=1, max_length=4096)]


class Verification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Token = Field(description="The token of the verification link emailed at sign-up")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Token


class Refreshed(BaseModel):
    id_token: str
    access_token: str
    expires_in: int


class PasswordForgotten(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, json_schema_extra=document_email)


class ResetAccepted(BaseModel):
    status: str = Field(
        description="Always `accepted`: the same answer whether the address has an account or not"
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Token = Field(description="The token of the password-reset link (single use, 1 hour)")
    password: NewPassword


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: NewPassword


class ProfilePatch(BaseModel):
    """The editable part of the profile; the sign-in email is not (it is the Cognito username)."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    title: OptionalText = None
    country: str | None = Field(default=None, min_length=2, max_length=60)
    company: OptionalText = None
    vat_number: OptionalText = None
    postal_address: OptionalText = None
    phone: OptionalText = None
    accept_privacy_policy: str | None = Field(default=None, min_length=1, max_length=40)


class ProfileOut(BaseModel):
    account_id: str
    email: str
    first_name: str
    last_name: str
    title: str | None
    country: str
    company: str | None
    vat_number: str | None
    postal_address: str | None
    phone: str | None
    privacy_policy: PolicyAcceptance
    status: AccountStatus
    email_verified: bool = Field(
        description="False until the emailed link is followed: no campaign is sent before"
    )
    created_at: Time
    updated_at: Time

    @classmethod
    def of(cls, profile: AccountProfile) -> "ProfileOut":
        return cls.model_validate(profile.model_dump())


class Closure(BaseModel):
    deletion_due: str = Field(description="The date (YYYY-MM-DD) by which every item of the account is gone")


class NotificationPage(BaseModel):
    items: list[Notification]


# --- lists -----------------------------------------------------------------------------------


# --- contacts --------------------------------------------------------------------------------
