"""Account-holder rules: sign-up (the CNIL password rule, one account per address), sign-in slowed
and then locked after repeated failures, the profile, its export, closure, notifications.

`create_account(...)` is also how local mode seeds its demo account.
"""

import time
from dataclasses import asdict
from datetime import datetime, timedelta

from consentmail.accounts.models import NewAccount, ProfilePatch, Tokens
from consentmail.accounts.passwords import check_password
from consentmail.adapters.cognito import CognitoIdentity, login_refused
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.clock import iso, now
from consentmail.core.errors import InvalidInput, Unauthorized
from consentmail.core.records import AccountProfile, AccountStatus, Notification, PolicyAcceptance
from consentmail.core.retention import ACCOUNT_AFTER_CLOSURE
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

    def create_account(self, request: NewAccount, ip: str, at: datetime) -> AccountProfile:
        """Check the password rule, claim the address, create the Cognito user, store the profile
        with the privacy-policy acceptance (version, time, IP)."""
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
            created_at=at,
            updated_at=at,
        )
        self.accounts.create_profile(profile)
        self.accounts.bind_email(hashed, profile.account_id)
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


def create_account(request: NewAccount, *, ip: str, at: datetime | None = None) -> AccountProfile:
    """Create an account holder (Cognito user + profile), as `POST /accounts` does: local mode's
    demo seed calls this. Raises InvalidInput for a password that breaks the rule and Conflict
    when the address already has an account."""
    return AccountService().create_account(request, ip, at or now())
