"""The suppression table as imports, sending and SES events use it: the global erasure, one
account's bounces and complaints, looked up one by one or many at once."""

from datetime import timedelta

import pytest

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch, now
from consentmail.core.retention import ERASURE_TOMBSTONE
from consentmail.core.tables import Table
from consentmail.store.suppression import ERASED, Reason, SuppressionRepository, account_scope


def test_an_erasure_suppresses_the_address_for_every_account(aws):
    repository = SuppressionRepository()
    repository.suppress_erased("h1", now())

    assert repository.is_erased("h1", now())
    assert repository.is_suppressed("h1", "account-a", now())
    assert repository.is_suppressed("h1", "account-b", now())
    assert repository.check("h1", "account-a", now()).reason == Reason.ERASURE


@pytest.mark.promise("suppression.bounces_complaints")
def test_a_bounce_suppresses_the_address_for_that_account_only(aws):
    repository = SuppressionRepository()
    repository.suppress_for_account("h1", "account-a", Reason.BOUNCE, now())

    assert repository.check("h1", "account-a", now()).reason == Reason.BOUNCE
    assert not repository.is_suppressed("h1", "account-b", now())
    assert not repository.is_erased("h1", now())


def test_many_addresses_are_checked_at_once_beyond_one_batch(aws):
    repository = SuppressionRepository()
    hashes = [f"h{i}" for i in range(150)]
    for h in hashes[:60]:
        repository.suppress_erased(h, now())
    for h in hashes[40:110]:
        repository.suppress_for_account(h, "account-a", Reason.COMPLAINT, now())
    for h in hashes[110:]:
        repository.suppress_for_account(h, "account-b", Reason.BOUNCE, now())

    found = repository.of_many(hashes, "account-a", now())

    assert set(found) == set(hashes[:110])
    # the erasure wins where both apply
    assert all(found[h].scope == ERASED for h in hashes[:60])
    assert all(found[h].scope == account_scope("account-a") for h in hashes[60:110])


def test_an_expired_suppression_no_longer_counts(aws):
    repository = SuppressionRepository()
    repository.suppress_for_account("h1", "account-a", Reason.BOUNCE, now())
    aws_clients.table(Table.SUPPRESSION).update_item(
        Key={"email_hash": "h1", "scope": account_scope("account-a")},
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": epoch(now() - timedelta(seconds=1))},
    )

    assert not repository.is_suppressed("h1", "account-a", now())
    assert repository.of_many(["h1"], "account-a", now()) == {}


def test_an_erasure_begins_with_its_tombstone_which_is_no_suppression_and_lives_an_hour(aws):
    repository = SuppressionRepository()

    repository.begin_erasure("h1", now())

    assert repository.is_erased("h1", now()) and repository.being_erased("h1", now())
    assert [s.scope for s in repository.scopes_of("h1", now())] == [ERASED]
    later = now() + ERASURE_TOMBSTONE
    assert repository.is_erased("h1", later) and not repository.being_erased("h1", later)
    assert not repository.being_erased("h2", now())
