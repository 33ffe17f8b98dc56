"""Account-holder rules: sign-up (the CNIL password rule, one account per address) and the
verification of its address, sign-in slowed and then locked after repeated failures, refresh and
sign-out, the forgotten password (our own single-use reset link) and the password change, the
profile, its export, closure, notifications.

`create_account(...)` is also how local mode seeds its demo account (verified).
"""

import hashlib
import time
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.accounts.emails import reset_message, verification_message
from consentmail.accounts.models import NewAccount, ProfilePatch, Refreshed, Tokens
from consentmail.accounts.passwords import check_password
from consentmail.adapters.cognito import CognitoIdentity, login_refused, refresh_refused
from consentmail.adapters.ses import TAG_ACCOUNT, TAG_KIND, send_raw
from consentmail.core import links, tokens
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.clock import iso, now
from consentmail.core.errors import EmailNotSent, Forbidden, InvalidInput, InvalidToken, Unauthorized
from consentmail.core.records import AccountProfile, AccountStatus, Notification, PolicyAcceptance
from consentmail.core.retention import ACCOUNT_AFTER_CLOSURE, EMAILED_LINK
from consentmail.core.settings import get_settings
from consentmail.core.tokens import Purpose
from consentmail.store.accounts import AccountData, AccountRepository
from consentmail.store.lists import ListRepository

# The CNIL accepts 8-character passwords only with access restriction: after this many
# consecutive failures for an address, sign-in is refused (with the same answer) until the
# window has passed since the last failure.
LOCKOUT_THRESHOLD = 10
LOCKOUT_WINDOW = timedelta(minutes=15)
# Before that, failed answers slow down: none for the first few, then half a second more each.
SLOWDOWN_AFTER = 3
MAX_DELAY_SECONDS = 3.0


def failure_delay(failures: int) -> float:
    """How long to hold the answer to the n-th consecutive failed sign-in."""
    return 0.0 if failures <= SLOWDOWN_AFTER else min(0.5 * (failures - SLOWDOWN_AFTER), MAX_DELAY_SECONDS)


# The one way the service waits (tests replace it).
pause = time.sleep

logger = Logger(child=True)

# A reset link works once, for an hour; an address gets at most one reset email per 10 minutes
# (as the opt-in email), so the form cannot be used to flood someone's mailbox.
RESET_LINK_LIFETIME = timedelta(hours=1)
RESET_EMAIL_INTERVAL = timedelta(minutes=10)
# Cognito's refresh tokens live 30 days (infra/constructs/auth.py): a signed-out one is remembered
# that long.
REFRESH_TOKEN_LIFETIME = timedelta(days=30)

WRONG_CURRENT_PASSWORD = "The current password is not correct."  # noqa: S105 - a message, not a password
NOT_VERIFIED = (
    "This account's email address is not verified yet, and no campaign goes out from an address "
    "nobody proved: follow the link in the email sent at sign-up (or POST its token to "
    "/accounts/verify). Lost it? Resetting the password (POST /auth/password/forgot) proves the "
    "address too."
)


def token_digest(token: str) -> str:
    """How a refresh token is remembered: its SHA-256, never the credential itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_name(address: str) -> str:
    """The name Cognito knows the user by: the normalized address, lower case."""
    return address.lower()


class AccountService:
    def __init__(self, accounts=None, identity=None, data=None, lists=None):
        self.accounts = accounts or AccountRepository()
        self.identity = identity or CognitoIdentity()
        self.data = data or AccountData()
        self.lists = lists or ListRepository()

    # --- sign-up and sign-in -------------------------------------------------------------------

    def create_account(
        self, request: NewAccount, ip: str, at: datetime, *, verified: bool = False
    ) -> AccountProfile:
        """Check the password rule, claim the address, create the Cognito user, store the profile
        with the privacy-policy acceptance (version, time, IP), and email the verification link
        (unless `verified`: local mode's demo account)."""
        check_password(request.password.get_secret_value())
        address = normalize(request.email)
        hashed = email_hash(address)
        self.accounts.reserve_email(hashed, at)
        try:
            user = self.identity.create_user(sign_in_name(address), request.password.get_secret_value())
        except Exception:
            self.accounts.release_email(hashed)
            raise
        acceptance = PolicyAcceptance(version=request.accept_privacy_policy, accepted_at=at, ip=ip)
        profile = AccountProfile(
            account_id=user.sub,
            email=address,
            username=user.username,
            first_name=request.first_name,
            last_name=request.last_name,
            title=request.title,
            country=request.country,
            company=request.company,
            vat_number=request.vat_number,
            postal_address=request.postal_address,
            phone=request.phone,
            privacy_policy=acceptance,
            privacy_policy_history=[acceptance],
            email_verified=verified,
            email_verified_at=at if verified else None,
            created_at=at,
            updated_at=at,
        )
        self.accounts.create_profile(profile)
        self.accounts.bind_email(hashed, profile.account_id)
        if not verified:
            self._send_verification(profile, at)
        return profile

    def _send_verification(self, profile: AccountProfile, at: datetime) -> None:
        token = tokens.issue(Purpose.ACCOUNT_VERIFY, {"a": profile.account_id}, EMAILED_LINK.after(at))
        sender = get_settings().system_from
        raw = verification_message(
            from_email=sender,
            to=profile.email,
            first_name=profile.first_name,
            verify_url=links.account_verify_url(token),
            token=token,
        )
        try:
            send_raw(
                raw,
                from_email=sender,
                to=profile.email,
                tags={TAG_KIND: "account_verification", TAG_ACCOUNT: profile.account_id},
            )
        except EmailNotSent as error:
            # The account exists and works (unsent); the password reset proves the address too.
            logger.error(
                "verification email not sent", extra={"account_id": profile.account_id, "code": error.code}
            )

    def verify_email(self, token: str, at: datetime) -> AccountProfile:
        """Follow the verification link: the account may send from now on. Idempotent; a
        malformed, tampered or expired token, or a closed account's, is InvalidToken (400)."""
        claims = tokens.verify(token, Purpose.ACCOUNT_VERIFY, at)
        profile = self.accounts.get_profile(str(claims.get("a", "")), at)
        if profile is None or profile.status != AccountStatus.ACTIVE:
            raise InvalidToken("This link is not valid.")
        return self._mark_verified(profile, at)

    def _mark_verified(self, profile: AccountProfile, at: datetime) -> AccountProfile:
        if profile.email_verified:
            return profile
        verified = profile.model_copy(
            update={"email_verified": True, "email_verified_at": at, "updated_at": at}
        )
        self.accounts.save_profile(verified)
        return verified

    def sending_account(self, account_id: str, at: datetime) -> AccountProfile:
        """The caller's profile if it may send campaigns: open and with a verified address
        (Forbidden, 403, says why and how to verify)."""
        profile = self.active_profile(account_id, at)
        if not profile.email_verified:
            raise Forbidden(NOT_VERIFIED)
        return profile

    def login(self, email: str, password: str, at: datetime) -> Tokens:
        """Cognito's tokens, or the one Unauthorized for every failure, including a locked address."""
        try:
            address = normalize(email)
        except InvalidInput as error:
            raise login_refused() from error
        hashed = email_hash(address)
        if self.accounts.login_failures(hashed, at) >= LOCKOUT_THRESHOLD:
            raise login_refused()
        try:
            signed_in = self.identity.authenticate(sign_in_name(address), password)
        except Unauthorized:
            failures = self.accounts.record_login_failure(hashed, at, LOCKOUT_WINDOW)
            delay = failure_delay(failures)
            if delay:
                pause(delay)
            raise
        self.accounts.clear_login_failures(hashed)
        return Tokens(**asdict(signed_in))

    def refresh(self, refresh_token: str, at: datetime) -> Refreshed:
        """New ID and access tokens; Unauthorized (401) for a token signed out of, revoked,
        expired, of a closed account, or not a token at all."""
        if self.accounts.is_refresh_token_revoked(token_digest(refresh_token), at):
            raise refresh_refused()
        return Refreshed(**asdict(self.identity.refresh(refresh_token)))

    def logout(self, account_id: str, refresh_token: str, at: datetime) -> None:
        """Sign out of one session: Cognito revokes the refresh token (and the access tokens it
        issued), and we remember its digest for its lifetime so our refresh route refuses it
        even where revocation is not available. The ID token in hand stays valid until it
        expires (at most an hour): JWTs cannot be recalled. Idempotent."""
        self.active_profile(account_id, at)
        self.accounts.revoke_refresh_token(token_digest(refresh_token), at, at + REFRESH_TOKEN_LIFETIME)
        self.identity.revoke(refresh_token)

    def forgot_password(self, email: str, at: datetime) -> None:
        """Email a reset link to the address if it has an open account, at most once per 10
        minutes; the caller learns nothing either way (the route always answers 202)."""
        address = normalize(email)
        hashed = email_hash(address)
        # The slot is taken for unknown addresses too, so the answer's cost tells nothing.
        if not self.accounts.claim_reset_email(hashed, at, RESET_EMAIL_INTERVAL):
            return
        account_id = self.accounts.account_of_email(hashed, at)
        profile = self.accounts.get_profile(account_id, at) if account_id else None
        if profile is None or profile.status != AccountStatus.ACTIVE:
            return
        token = tokens.issue(
            Purpose.PASSWORD_RESET,
            {"a": profile.account_id, "n": uuid.uuid4().hex},
            at + RESET_LINK_LIFETIME,
        )
        sender = get_settings().system_from
        raw = reset_message(
            from_email=sender, to=profile.email, reset_url=links.password_reset_url(token), token=token
        )
        try:
            send_raw(
                raw,
                from_email=sender,
                to=profile.email,
                tags={TAG_KIND: "password_reset", TAG_ACCOUNT: profile.account_id},
            )
        except EmailNotSent as error:
            logger.error(
                "password reset email not sent", extra={"account_id": profile.account_id, "code": error.code}
            )

    def reset_password(self, token: str, password: str, at: datetime) -> None:
        """Set a new password with a reset link's token: the CNIL rule (422) first, then the token
        (400: malformed, expired, or used before), then the new password, and every session of the
        account is signed out. Following the emailed link also proves the address."""
        check_password(password)
        claims = tokens.verify(token, Purpose.PASSWORD_RESET, at)
        nonce = str(claims.get("n", ""))
        profile = self.accounts.get_profile(str(claims.get("a", "")), at)
        if not nonce or profile is None or profile.status != AccountStatus.ACTIVE:
            raise InvalidToken("This link is not valid.")
        # The token's own expiry: the used mark needs to outlive it, no more.
        token_expires = at + RESET_LINK_LIFETIME
        if not self.accounts.use_reset_token(nonce, at, token_expires):
            raise InvalidToken("This link has already been used: ask for a new one.")
        try:
            self.identity.set_password(profile.username, password)
        except Exception:
            # Nothing changed: the link works again.
            self.accounts.release_reset_token(nonce)
            raise
        # By the sign-in address (Cognito's admin calls take an alias as the username): the sessions
        # are the address's, and the emulator matches them by the name they signed in with.
        self.identity.sign_out_everywhere(sign_in_name(profile.email))
        self.accounts.clear_login_failures(email_hash(profile.email))
        self._mark_verified(profile, at)

    def change_password(self, account_id: str, current: str, new: str, at: datetime) -> None:
        """Change the signed-in holder's password: the new one follows the CNIL rule (422); the
        current one must be right (Forbidden, 403: the caller is signed in, so 401 would read as
        an expired session). Wrong guesses count towards the sign-in lockout."""
        profile = self.active_profile(account_id, at)
        check_password(new)
        try:
            check = self.login(profile.email, current, at)
        except Unauthorized as error:
            raise Forbidden(WRONG_CURRENT_PASSWORD) from error
        # Checking the password opened a session nobody holds: close it at once.
        self.identity.revoke(check.refresh_token)
        self.identity.set_password(profile.username, new)

    # --- the profile ---------------------------------------------------------------------------

    def active_profile(self, account_id: str, at: datetime) -> AccountProfile:
        """The caller's profile; a closed account's tokens (valid up to an hour) open nothing."""
        profile = self.accounts.get_profile(account_id, at)
        if profile is None or profile.status != AccountStatus.ACTIVE:
            raise Unauthorized("This account does not exist or is closed.")
        return profile

    def update_profile(self, account_id: str, patch: ProfilePatch, ip: str, at: datetime) -> AccountProfile:
        profile = self.active_profile(account_id, at)
        changes = patch.model_dump(exclude_unset=True)
        version = changes.pop("accept_privacy_policy", None)
        for required in ("first_name", "last_name", "country"):
            if required in changes and changes[required] is None:
                changes.pop(required)
        updated = profile.model_copy(update={**changes, "updated_at": at})
        if version is not None:
            acceptance = PolicyAcceptance(version=version, accepted_at=at, ip=ip)
            updated.privacy_policy = acceptance
            updated.privacy_policy_history = [*profile.privacy_policy_history, acceptance]
        self.accounts.save_profile(updated)
        return updated

    def export(self, account_id: str, at: datetime) -> dict:
        """Everything held about the account holder, as JSON (GDPR art. 15 and 20)."""
        profile = self.active_profile(account_id, at)
        lists = self.lists.of_account(account_id, at)
        return {
            "exported_at": iso(at),
            "profile": profile.model_dump(mode="json", exclude={"username"}),
            "privacy_policy_acceptances": [a.model_dump(mode="json") for a in profile.privacy_policy_history],
            "notifications": [n.model_dump(mode="json") for n in self.accounts.notifications(account_id, at)],
            "lists": [
                m.model_dump(
                    mode="json", include={"list_id", "name", "from_email", "from_name", "created_at"}
                )
                for m in lists
            ],
        }

    def notifications(self, account_id: str, at: datetime) -> list[Notification]:
        self.active_profile(account_id, at)
        return self.accounts.notifications(account_id, at)

    # --- closure -------------------------------------------------------------------------------

    def close(self, account_id: str, at: datetime) -> AccountProfile:
        """Close the account: sign-in stops now, and every item of the account expires at
        closure + 3 calendar months, when the purge has removed it all."""
        profile = self.active_profile(account_id, at)
        self.identity.disable(profile.username)
        due = ACCOUNT_AFTER_CLOSURE.after(at)
        closed = profile.model_copy(
            update={"status": AccountStatus.CLOSED, "closed_at": at, "deletion_due": due, "updated_at": at}
        )
        self.accounts.save_profile(closed)
        self.data.expire_account(account_id, email_hash(profile.email), due)
        return closed


def create_account(
    request: NewAccount, *, ip: str, at: datetime | None = None, verified: bool = False
) -> AccountProfile:
    """Create an account holder (Cognito user + profile), as `POST /accounts` does: local mode's
    demo seed calls this with `verified=True` (no email). Raises InvalidInput for a password that
    breaks the rule and Conflict when the address already has an account."""
    return AccountService().create_account(request, ip, at or now(), verified=verified)
