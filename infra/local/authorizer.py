"""What API Gateway's Cognito user pool authorizer does for the account routes: verify the ID token
(RS256 against the pool's JWKS, issuer, audience = the app client, token_use "id", not expired)
and hand its claims to the function at requestContext.authorizer.claims, as strings."""

import json

import jwt


class Unauthenticated(Exception):
    """No token, or a token the authorizer refuses."""


def _claim_value(value: object) -> str:
    # API Gateway passes every claim as a string.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class CognitoAuthorizer:
    def __init__(self, endpoint_url: str, region: str, user_pool_id: str, client_id: str):
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_id = client_id
        # The emulator serves the pool's public keys where Cognito serves them under the issuer.
        self.jwks = jwt.PyJWKClient(f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json")

    def claims(self, authorization: str | None) -> dict[str, str]:
        if not authorization:
            raise Unauthenticated(
                "Sign in first: this route needs an Authorization: Bearer <id_token> header."
            )
        scheme, _, rest = authorization.strip().partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("The token is not valid: sign in again.") from error
        if claims.get("token_use") != "id":
            raise Unauthenticated("Use the ID token from /auth/login, not the access token.")
        return {name: _claim_value(value) for name, value in claims.items()}
