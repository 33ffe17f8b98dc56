"""Statistics are event data (finding 6 of issue 12): a campaign's counters go 13 months after the
events they count, by TTL and by the hourly purge, and its stats then read 0 and say why."""

import json
from datetime import timedelta

import boto3
import time_machine

from consentmail.core.clock import epoch
from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, TTL_ATTRIBUTE, add_months
from consentmail.core.settings import get_settings
from consentmail.core.tables import Table
from consentmail.store.counters import COUNTER_SK, CounterRepository
from tests.accounts_helpers import open_account
from tests.integration.test_campaign_stats import stats
from tests.integration.test_purge import START, add_list_with_contact, purge_as, sent_campaign

ACCOUNT = "account-sender"


def counter_items(campaign_id: str) -> list[dict]:
    table = boto3.resource("dynamodb").Table(get_settings().table(Table.CAMPAIGNS))
    items = table.scan()["Items"]
    return [i for i in items if i["sk"] == COUNTER_SK and str(i["campaign_id"]).startswith(f"{campaign_id}#")]


def sent(aws) -> str:
    open_account(ACCOUNT, START - timedelta(days=1))
    list_id, contact_id = add_list_with_contact(ACCOUNT, "reader@example.org", START)
    return sent_campaign(ACCOUNT, list_id, contact_id, START)


def test_a_counter_shard_expires_13_months_after_the_event_it_counted(aws):
    campaign_id = sent(aws)

    [shard] = counter_items(campaign_id)

    assert int(shard[TTL_ATTRIBUTE]) == epoch(add_months(START, 13))
    assert shard[EXPIRY_BUCKET_ATTRIBUTE].startswith(f"{add_months(START, 13):%Y-%m}#")


def test_each_event_written_to_a_shard_pushes_its_expiry_to_13_months_after_that_event(aws):
    campaign_id = sent(aws)
    later = START + timedelta(days=40)

    CounterRepository().add(campaign_id, {"clicked": 1}, shard=0, at=later)
    CounterRepository().add(campaign_id, {"opened": 1}, shard=0, at=START)
    CounterRepository().add(campaign_id, {"clicked": 1}, shard=0, at=later)

    shard = next(i for i in counter_items(campaign_id) if i["campaign_id"].endswith("#00"))
    assert int(shard[TTL_ATTRIBUTE]) == epoch(add_months(later, 13))


def test_a_read_after_13_months_treats_the_counters_as_gone_even_before_the_purge(aws):
    campaign_id = sent(aws)

    assert (
        CounterRepository().totals(campaign_id, add_months(START, 13) - timedelta(seconds=1))["opened"] == 1
    )
    assert CounterRepository().totals(campaign_id, add_months(START, 13))["opened"] == 0


def test_after_the_purge_at_13_months_and_2_days_the_stats_read_0_and_say_why(aws):
    campaign_id = sent(aws)
    moment = add_months(START, 13) + timedelta(days=2)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        before = stats(campaign_id, ACCOUNT)

    purge_as(moment)
    with time_machine.travel(moment, tick=False):
        after = stats(campaign_id, ACCOUNT)

    assert before["statusCode"] == after["statusCode"] == 200
    before, after = json.loads(before["body"]), json.loads(after["body"])
    assert (before["delivered"], before["opened"], before["statistics_expired"]) == (1, 1, False)
    assert (after["delivered"], after["opened"], after["statistics_expired"]) == (0, 0, True)
    assert counter_items(campaign_id) == []
