"""The benchmark's fixed monthly costs as counted in synthesized templates (bench/deployed.py) and
priced (bench/cost.py, bench/bulk.py): alarms billed per metric they watch, the transfers' share
found by name in the templates, the key lever listed only while there is more than one key, and
WAF (on by default) in the headline: its web ACL, its rules and its requests."""

import pytest

from bench import bulk, cost, deployed, prices


def _alarm(name: str, **properties) -> dict:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": name, **properties}}


def _metric(metric_id: str) -> dict:
    return {"Id": metric_id, "MetricStat": {"Metric": {"MetricName": metric_id}}, "ReturnData": False}


def _function(name: str) -> dict:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Environment": {"Variables": {"POWERTOOLS_METRICS_FUNCTION_NAME": name}}},
    }


def _mapping(function_id: str) -> dict:
    return {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": {"Ref": function_id}}}


TEMPLATE = {
    "Resources": {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "SenderErrors": _alarm("consentmail-sender-errors", MetricName="Errors"),
        "ImporterFailures": _alarm(
            "consentmail-importer-failures",
            Metrics=[
                _metric("errors"),
                _metric("throttles"),
                {"Id": "sum", "Expression": "errors + throttles"},
            ],
        ),
        "ImportDlq": _alarm("consentmail-import-dlq", MetricName="ApproximateNumberOfMessagesVisible"),
        "Sender": _function("sender"),
        "Importer": _function("importer"),
        "SendMapping": _mapping("Sender"),
        "ImportMapping": _mapping("Importer"),
    }
}


def _deployed() -> dict:
    counted = deployed._counts([TEMPLATE])
    return {"default": counted, "without_waf": counted}


def test_a_metric_math_alarm_is_billed_per_metric_it_watches():
    counted = deployed._counts([TEMPLATE])
    assert counted["alarms"] == {
        "consentmail-sender-errors": 1,
        "consentmail-importer-failures": 2,
        "consentmail-import-dlq": 1,
    }
    lines = cost.fixed_monthly(_deployed())
    assert lines["cloudwatch_alarms"] == pytest.approx(4 * prices.CLOUDWATCH_ALARM.usd)
    assert lines["kms_keys"] == pytest.approx(prices.KMS_KEY.usd)


def test_the_transfers_share_is_found_by_name_in_the_templates():
    fixed = bulk.fixed_monthly(_deployed())
    assert fixed["counts"] == {"alarm_metrics": 3, "event_source_mappings": 1}
    assert fixed["alarms"] == pytest.approx(3 * prices.CLOUDWATCH_ALARM.usd)
    assert fixed["total"] == pytest.approx(fixed["alarms"] + fixed["idle_queue_polling"])
    # Templates counted by an older deployed.py say nothing of alarm names: no figure, not a wrong one.
    assert bulk.fixed_monthly({"default": {"resources": {}}}) == {}


def _key_lever(keys: int) -> list[dict]:
    summary = {"sent": 1000, "campaign": {"functions": {}, "api_requests": {}}}
    priced = {
        "lines_per_1000_usd": {},
        "infra_per_1000_usd": 1.0,
        "headline_volume": cost.HEADLINE,
        "fixed_per_month_lines_usd": {"kms_keys": keys * prices.KMS_KEY.usd},
    }
    return [row for row in cost.proposals(summary, priced) if "KMS key" in row["change"]]


def test_one_key_for_everything_is_a_lever_only_while_there_are_more():
    (lever,) = _key_lever(4)
    assert lever["saves_per_1000_usd"] == pytest.approx(3 * prices.KMS_KEY.usd / 1_000_000 * 1000)
    assert _key_lever(1) == []


def _web_acl(rules: int) -> dict:
    return {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": [{"Name": f"r{n}"} for n in range(rules)]}}


def test_waf_on_by_default_is_in_the_headline_its_rules_and_its_requests():
    # The default templates hold the web ACL (WAF is on unless the operator says waf=false): its
    # $5, $1 per rule and $0.60 per million requests are in the headline, not beside it.
    deployed_ = {
        "default": deployed._counts([{"Resources": {**TEMPLATE["Resources"], "Acl": _web_acl(9)}}]),
        "without_waf": deployed._counts([TEMPLATE]),
    }
    summary = {
        "sent": 1000,
        "storage": {},
        "campaign": {
            "functions": {},
            "calls": [],
            "dynamodb": {},
            "dynamodb_by_operation": [],
            "sqs_billed_requests": {},
            "log_bytes": {},
            "api_requests": {"tracking": 200, "api": 30},
        },
    }
    priced = cost.price_campaign(summary, deployed=deployed_)

    assert priced["fixed_per_month_lines_usd"]["waf"] == pytest.approx(
        prices.WAF_WEB_ACL.usd + 9 * prices.WAF_RULE.usd
    )
    waf_requests = 230 / 1000 * prices.WAF_REQUEST.usd * 1000
    assert priced["lines_per_1000_usd"]["waf_requests"] == pytest.approx(waf_requests)
    at_1m = priced["by_volume"]["1M"]
    waf_fixed = (prices.WAF_WEB_ACL.usd + 9 * prices.WAF_RULE.usd) / 1_000_000 * 1000
    assert at_1m["total_per_1000_usd"] - at_1m["total_per_1000_without_waf_usd"] == pytest.approx(
        waf_fixed + waf_requests
    )
    assert priced["fixed_per_month_usd"] - priced["fixed_per_month_without_waf_usd"] == pytest.approx(14.0)


def test_without_the_waf_false_templates_there_is_no_figure_without_waf():
    # Templates counted by an older deployed.py (no `without_waf` variant): no figure, not $0.
    assert cost.fixed_monthly({"default": deployed._counts([TEMPLATE])}, "without_waf") == {}
