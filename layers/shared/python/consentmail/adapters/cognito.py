"""The Cognito user pool behind account holders: the adapter the account service signs up, signs
in, refreshes and revokes sessions, sets passwords and disables users through. Cognito's error
codes become domain errors here; an unknown user and a wrong password become the same
Unauthorized, and every refused refresh token the same Unauthorized too."""

from dataclasses import dataclass

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from consentmail.adapters import aws_clients
from consentmail.core.errors import Conflict, FieldError, InvalidInput, Retryable, Unauthorized
from consentmail.core.settings import get_settings

logger = Logger(child=True)

ADDRESS_REFUSED = "not accepted by the sign-in service"
LOGIN_REFUSED = "The email address or the password is not correct."
REFRESH_REFUSED = "This refresh token is not valid (expired, revoked or signed out): sign in again."

# Every way a sign-in can fail on the caller's side answers the same: nothing tells an unknown
# address from a wrong password or a disabled (closed) account.
_REFUSALS = {
    "NotAuthorizedException",
    "UserNotFoundException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
    "InvalidParameterException",
}
_RETRYABLE = {"TooManyRequestsException", "InternalErrorException", "LimitExceededException"}


@dataclass(frozen=True)
class SignedIn:
    """Cognito's tokens for a successful sign-in."""

    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class NewUser:
    username: str
    sub: str


# Local mode's emulator has no RevokeToken: in-process it raises NotImplementedError, as a server
# it answers a bare 500 (Cognito itself answers named errors). The account service's own record
# of signed-out refresh tokens is what refuses them there.
_EMULATOR_WITHOUT_REVOKE = "500"
# RevokeToken's answers for a token it will not revoke (not this client's, not a refresh token).
_NOT_REVOCABLE = {"UnauthorizedException", "UnsupportedTokenTypeException", "InvalidParameterException"}


def login_refused() -> Unauthorized:
    return Unauthorized(LOGIN_REFUSED)


def refresh_refused() -> Unauthorized:
    return Unauthorized(REFRESH_REFUSED)


@dataclass(frozen=True)
class Refreshed:
    """New tokens for a refresh token (which stays the same)."""

    id_token: str
    access_token: str
    expires_in: int


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


class CognitoIdentity:
    def __init__(self, client=None, user_pool_id: str | None = None, client_id: str | None = None):
        self._client = client
        self._pool = user_pool_id
        self._app_client = client_id

    @property
    def client(self):
        if self._client is None:
            self._client = aws_clients.client("cognito-idp")
        return self._client

    @property
    def pool(self) -> str:
        return self._pool or get_settings().user_pool_id

    @property
    def app_client(self) -> str:
        return self._app_client or get_settings().user_pool_client_id

    def create_user(self, email: str, password: str) -> NewUser:
        """A confirmed user with a permanent password, no invitation email (we verified the rules,
        the account holder chose the password)."""
        try:
            user = self.client.admin_create_user(
                UserPoolId=self.pool,
                Username=email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )["User"]
        except ClientError as error:
            if _code(error) in ("UsernameExistsException", "AliasExistsException"):
                raise Conflict("An account with this email address already exists.") from error
            if _code(error) == "InvalidParameterException":
                # The user pool checks the address itself (its rule is its own, and narrower than
                # ours in local mode's emulator): a refusal the caller can act on, never a 5xx.
                raise InvalidInput(
                    "The sign-in service does not accept this email address: use another one.",
                    [FieldError("email", ADDRESS_REFUSED)],
                ) from error
            raise
        attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
        created = NewUser(username=user["Username"], sub=attributes.get("sub") or user["Username"])
        try:
            self.client.admin_set_user_password(
                UserPoolId=self.pool, Username=created.username, Password=password, Permanent=True
            )
        except ClientError as error:
            self.delete_user(created.username)
            if _code(error) == "InvalidPasswordException":
                # The pool's own policy is the second line; its symbol set is narrower than ours.
                raise InvalidInput(
                    "The password does not follow the user pool's password policy.",
                    [FieldError("password", "must follow the password policy (a letter, a digit, a symbol)")],
                ) from error
            raise
        return created

    def authenticate(self, email: str, password: str) -> SignedIn:
        try:
            result = self.client.initiate_auth(
                ClientId=self.app_client,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as error:
            if _code(error) in _REFUSALS:
                raise login_refused() from error
            if _code(error) in _RETRYABLE:
                raise Retryable(_code(error)) from error
            raise
        tokens = result.get("AuthenticationResult")
        if not tokens:
            # A challenge (new password, MFA setup) we do not offer: no sign-in.
            raise login_refused()
        return SignedIn(
            id_token=tokens["IdToken"],
            access_token=tokens["AccessToken"],
            refresh_token=tokens.get("RefreshToken", ""),
            expires_in=int(tokens.get("ExpiresIn", 3600)),
        )

    def refresh(self, refresh_token: str) -> Refreshed:
        """REFRESH_TOKEN_AUTH: new ID and access tokens, or Unauthorized for any refused token."""
        try:
            result = self.client.initiate_auth(
                ClientId=self.app_client,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError as error:
            if _code(error) in _RETRYABLE:
                raise Retryable(_code(error)) from error
            # NotAuthorized (expired, revoked, signed out, disabled user), a malformed token, ...
            raise refresh_refused() from error
        tokens = result.get("AuthenticationResult") or {}
        if not tokens.get("IdToken"):
            raise refresh_refused()
        return Refreshed(
            id_token=tokens["IdToken"],
            access_token=tokens["AccessToken"],
            expires_in=int(tokens.get("ExpiresIn", 3600)),
        )

    def revoke(self, refresh_token: str) -> bool:
        """RevokeToken: the refresh token and the access tokens it issued stop working (the app
        client has token revocation enabled). False when the token was not one Cognito could
        revoke (unknown, malformed) or the emulator cannot revoke."""
        try:
            self.client.revoke_token(Token=refresh_token, ClientId=self.app_client)
        except NotImplementedError:
            logger.warning("Cognito RevokeToken not available in this emulator")
            return False
        except ClientError as error:
            if _code(error) in _RETRYABLE:
                raise Retryable(_code(error)) from error
            if _code(error) == _EMULATOR_WITHOUT_REVOKE:
                logger.warning("Cognito RevokeToken not available in this emulator")
                return False
            if _code(error) in _NOT_REVOCABLE:
                return False
            raise
        return True

    def set_password(self, username: str, password: str) -> None:
        """A new permanent password (after a reset or a change); the pool's policy is the second
        line after ours."""
        try:
            self.client.admin_set_user_password(
                UserPoolId=self.pool, Username=username, Password=password, Permanent=True
            )
        except ClientError as error:
            if _code(error) == "InvalidPasswordException":
                raise InvalidInput(
                    "The password does not follow the user pool's password policy.",
                    [FieldError("password", "must follow the password policy (a letter, a digit, a symbol)")],
                ) from error
            if _code(error) in _RETRYABLE:
                raise Retryable(_code(error)) from error
            raise

    def sign_out_everywhere(self, username: str) -> None:
        """AdminUserGlobalSignOut: every refresh token of the user stops working."""
        try:
            self.client.admin_user_global_sign_out(UserPoolId=self.pool, Username=username)
        except ClientError as error:
            if _code(error) in _RETRYABLE:
                raise Retryable(_code(error)) from error
            if _code(error) != "UserNotFoundException":
                raise

    def disable(self, username: str) -> None:
        """Sign-in stops at once; refresh tokens are revoked too."""
        self.client.admin_disable_user(UserPoolId=self.pool, Username=username)
        try:
            self.client.admin_user_global_sign_out(UserPoolId=self.pool, Username=username)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise

    def delete_user(self, username: str) -> None:
        try:
            self.client.admin_delete_user(UserPoolId=self.pool, Username=username)
        except ClientError as error:
            if _code(error) != "UserNotFoundException":
                raise
