"""Deletion receipts as deployed: their table (TTL, recovery, retained), who may write them
(least privilege: only the purge and the erasure, the erasure only adding), and the alarm on a
late deletion."""

import json

import pytest

from consentmail.core.routes import Function
from consentmail.core.tables import RECEIPTS_RECOVERY_DAYS
from tests.infra.test_infra_functions import _actions, _policy_of

pytestmark = pytest.mark.infra
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _receipt_statements(synthesized, function: Function) -> list[dict]:
    return [
        s
        for s in _policy_of(synthesized, function)
        if "table/consentmail-receipts" in json.dumps(s["Resource"])
    ]


@pytest.mark.promise("retention.receipts")
def test_the_receipts_table_expires_on_ttl_is_recoverable_35_days_and_retained(synthesized):
    (table,) = [
        r
        for r in synthesized.resources(synthesized.data, "AWS::DynamoDB::Table").values()
        if r["Properties"]["TableName"] == "consentmail-receipts"
    ]
    props = table["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    recovery = props["PointInTimeRecoverySpecification"]
    assert recovery["PointInTimeRecoveryEnabled"] is True
    assert recovery["RecoveryPeriodInDays"] == RECEIPTS_RECOVERY_DAYS
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"by_month", "by_expiry"}
    assert table["DeletionPolicy"] == "Retain" and props["DeletionProtectionEnabled"] is True


@pytest.mark.promise("retention.receipts")
def test_only_the_purge_and_the_erasure_write_receipts_and_the_erasure_only_adds(synthesized):
    writers = {
        function for function in Function if _actions(_receipt_statements(synthesized, function)) & WRITES
    }
    assert writers == {Function.PURGE, Function.SUBJECT_REQUESTS}
    assert _actions(_receipt_statements(synthesized, Function.SUBJECT_REQUESTS)) == {"dynamodb:PutItem"}
    accounts = _actions(_receipt_statements(synthesized, Function.ACCOUNTS))
    assert accounts and not accounts & WRITES
    # The key that signs them is derived from the signing secret, which both writers read.
    for function in writers:
        assert "secretsmanager:GetSecretValue" in _actions(_policy_of(synthesized, function))


@pytest.mark.promise("retention.receipts")
def test_a_late_deletion_raises_the_operator_alarm(synthesized):
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synthesized.resources(synthesized.service, "AWS::CloudWatch::Alarm").values()
    }
    alarm = alarms["consentmail-late-deletion"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "consentmail",
        "LateDeletionSeconds",
        "Maximum",
    )
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "consentmail"}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert len(alarm["AlarmActions"]) == 1
