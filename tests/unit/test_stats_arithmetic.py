"""The statistics arithmetic: the contract's fields, its denominators, 0 when one is 0."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentmail.campaigns.stats import CampaignStats, links_of, stats_from, timeline_of

CONTRACT_FIELDS = {
    "recipients",
    "sent",
    "failed",
    "delivered",
    "bounced",
    "complained",
    "tracked",
    "opened",
    "clicked",
    "unsubscribed",
    "machine_opens",
    "open_rate",
    "click_rate",
    "bounce_rate",
    "complaint_rate",
    "unsubscribe_rate",
}


# Beyond the contract's fields: why recipients failed (counts per reason, never who) and whether the
# statistics have expired with the events they counted (13 months).
EXPLANATIONS = {"failures", "statistics_expired"}


def test_the_fields_are_exactly_the_contracts_and_their_explanations():
    assert set(CampaignStats.model_fields) == CONTRACT_FIELDS | EXPLANATIONS


@pytest.mark.promise("statistics.counted")
def test_rates_use_the_contracts_denominators():
    stats = stats_from(
        {
            "recipients": 12,
            "sent": 10,
            "delivered": 8,
            "bounced": 2,
            "complained": 1,
            "tracked": 4,
            "opened": 3,
            "clicked": 1,
            "unsubscribed": 2,
            "machine_opens": 5,
            "machine_clicks": 7,
            "failed": 1,
        }
    )

    assert stats.open_rate == 0.75  # opened / tracked
    assert stats.click_rate == 0.25  # clicked / tracked
    assert stats.bounce_rate == 0.2  # bounced / sent
    assert stats.complaint_rate == 0.125  # complained / delivered
    assert stats.unsubscribe_rate == 0.25  # unsubscribed / delivered
    assert stats.machine_opens == 5 and stats.recipients == 12


def test_every_rate_is_zero_when_its_denominator_is_zero():
    stats = stats_from({"opened": 3, "clicked": 2, "bounced": 1, "complained": 1, "unsubscribed": 1})

    assert (stats.open_rate, stats.click_rate, stats.bounce_rate) == (0, 0, 0)
    assert (stats.complaint_rate, stats.unsubscribe_rate) == (0, 0)


def test_a_campaign_with_no_counters_is_all_zero():
    stats = stats_from({})

    counts = stats.model_dump()
    assert all(counts[name] == 0 for name in CONTRACT_FIELDS)
    assert counts["failures"] == [] and counts["statistics_expired"] is False


@given(st.dictionaries(st.sampled_from(sorted(CONTRACT_FIELDS)), st.integers(min_value=0, max_value=10**9)))
def test_rates_are_fractions_of_their_denominators(counts):
    stats = stats_from(counts)
    for rate, part, whole in (
        (stats.open_rate, stats.opened, stats.tracked),
        (stats.click_rate, stats.clicked, stats.tracked),
        (stats.bounce_rate, stats.bounced, stats.sent),
        (stats.complaint_rate, stats.complained, stats.delivered),
        (stats.unsubscribe_rate, stats.unsubscribed, stats.delivered),
    ):
        assert rate == (pytest.approx(part / whole) if whole else 0)


def test_the_timeline_is_hourly_for_72_hours_then_daily_with_no_gap():
    sent_at = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)
    at = sent_at + timedelta(days=5)
    written = [
        ("H", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), {"delivered": 2, "opened": 1}),
        ("H", datetime(2026, 11, 23, 10, 0, tzinfo=UTC), {"clicked": 1}),  # past the hours: its day
        ("D", datetime(2026, 11, 24, 0, 0, tzinfo=UTC), {"unsubscribed": 1}),
    ]

    timeline = timeline_of(written, sent_at, at)

    starts = [bucket.start for bucket in timeline.buckets]
    hours = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(hours=n) for n in range(72)]
    assert starts[:72] == hours
    daily_from = hours[-1] + timedelta(hours=1)
    assert starts[72:] == [daily_from] + [datetime(2026, 11, day, tzinfo=UTC) for day in (24, 25)]
    assert (timeline.buckets[0].delivered, timeline.buckets[0].opened) == (2, 1)
    assert timeline.buckets[72].clicked == 1 and timeline.buckets[73].unsubscribed == 1
    assert timeline.statistics_expired is False


def test_links_come_in_the_campaigns_order_then_any_other_by_clicks():
    counted = {
        "https://b.example/": {"clicks": 3, "unique_clicks": 2},
        "https://z.example/": {"clicks": 1, "unique_clicks": 1},
    }

    links = links_of(["https://a.example/", "https://b.example/"], counted)

    assert [(link.url, link.clicks, link.unique_clicks) for link in links] == [
        ("https://a.example/", 0, 0),
        ("https://b.example/", 3, 2),
        ("https://z.example/", 1, 1),
    ]
