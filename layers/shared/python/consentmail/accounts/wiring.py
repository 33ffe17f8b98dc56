"""The account services, built once per container and lazily (no I/O at import), and the caller
of an account route: the verified `sub` of an active account."""

from functools import cache

from consentmail.accounts.service import AccountService
from consentmail.audience.contacts import ContactService
from consentmail.audience.lists import ListService
from consentmail.core.clock import now
from consentmail.web import auth


@cache
def accounts() -> AccountService:
    return AccountService()


@cache
def lists() -> ListService:
    return ListService()


@cache
def contacts() -> ContactService:
    return ContactService(lists=lists())


def reset() -> None:
    """Forget the services (tests that start a fresh emulator call this)."""
    accounts.cache_clear()
    lists.cache_clear()
    contacts.cache_clear()


def active_account_id(app) -> str:
    """The caller's account id, from verified claims only; a closed account's still-valid token
    is refused like a missing one (401)."""
    account_id = auth.account_id(app)
    accounts().active_profile(account_id, now())
    return account_id
