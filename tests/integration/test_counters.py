"""Campaign counters: no hot key, exact totals, gone with their campaign."""

from consentmail.adapters import aws_clients
from consentmail.core.tables import Table
from consentmail.store.campaigns import CampaignRepository
from consentmail.store.counters import COUNTER_SHARDS, CounterRepository


def _counter_items() -> list[dict]:
    items = aws_clients.table(Table.CAMPAIGNS).scan()["Items"]
    return [item for item in items if item["sk"] == "COUNTER"]


def test_each_counter_shard_has_a_partition_key_of_its_own_and_totals_add_them_up(aws):
    counters = CounterRepository()
    for shard in range(COUNTER_SHARDS):
        counters.add("c1", {"sent": 2, "delivered": 1}, shard=shard)
    counters.add("c2", {"sent": 5})

    partitions = {item["campaign_id"] for item in _counter_items() if item["campaign_id"].startswith("c1#")}
    assert len(partitions) == COUNTER_SHARDS
    totals = counters.totals("c1")
    assert totals["sent"] == 2 * COUNTER_SHARDS and totals["delivered"] == COUNTER_SHARDS
    assert counters.totals("c2")["sent"] == 5 and counters.totals("unknown")["sent"] == 0


def test_deleting_a_campaign_deletes_its_counter_shards(aws):
    counters = CounterRepository()
    for shard in range(3):
        counters.add("c1", {"sent": 1}, shard=shard)
    counters.add("c2", {"sent": 1})

    CampaignRepository().delete("c1")

    assert [item["campaign_id"].split("#")[0] for item in _counter_items()] == ["c2"]
