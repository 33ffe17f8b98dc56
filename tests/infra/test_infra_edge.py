"""The API's edge as synthesized by default: the AWS WAF web ACL with the route table's
per-client limits in front of the stage, and API Gateway's own answers as problem+json."""

import json
import re

import pytest

from consentmail.core.routes import CLIENT_LIMITS, GENERAL_CLIENT_LIMIT, ROUTES, Function
from infra.config import config_from
from infra.constructs.waf import path_regex, rule_name

pytestmark = pytest.mark.infra


def _web_acl(synthesized) -> tuple[str, dict]:
    ((logical_id, acl),) = synthesized.resources(synthesized.service, "AWS::WAFv2::WebACL").items()
    return logical_id, acl["Properties"]


def _rules(synthesized) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in _web_acl(synthesized)[1]["Rules"]}


def test_waf_is_on_by_default_and_guards_the_api_stage(synthesized):
    assert config_from({"sender_domain": "example.com", "max_send_rate": 1}, {}).waf is True
    acl_id, acl = _web_acl(synthesized)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    ((association),) = synthesized.resources(synthesized.service, "AWS::WAFv2::WebACLAssociation").values()
    (stage_id,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::Stage")
    props = association["Properties"]
    assert props["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert stage_id in json.dumps(props["ResourceArn"])


def test_each_sensitive_route_has_its_own_per_ip_limit(synthesized):
    rules = _rules(synthesized)
    for (method, path), limit in CLIENT_LIMITS.items():
        rule = rules[rule_name(method, path)]
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP"
        assert statement["Limit"] == limit.requests
        assert statement["EvaluationWindowSec"] == limit.window_seconds
        method_match, path_match = statement["ScopeDownStatement"]["AndStatement"]["Statements"]
        assert method_match["ByteMatchStatement"]["SearchString"] == method
        assert path_match["RegexMatchStatement"]["RegexString"] == path_regex(path)
        block = rule["Action"]["Block"]["CustomResponse"]
        assert block["ResponseCode"] == 429
        assert {"Name": "Retry-After", "Value": str(limit.window_seconds)} in block["ResponseHeaders"]


def test_a_route_rule_matches_its_path_behind_any_prefix_and_nothing_else():
    paths = {route.path for route in ROUTES} | {path for _, path in CLIENT_LIMITS}
    for _, path in CLIENT_LIMITS:
        pattern = re.compile(path_regex(path))
        for prefix in ("", "/v1", "/mail"):
            assert pattern.search(prefix + path) and pattern.search(prefix + path + "/")
        assert [other for other in paths if pattern.search("/v1" + other)] == [path]


def test_the_limited_answer_is_a_429_problem(synthesized):
    acl = _web_acl(synthesized)[1]
    (body,) = acl["CustomResponseBodies"].values()
    problem = json.loads(body["Content"])
    assert body["ContentType"] == "APPLICATION_JSON"
    assert problem["status"] == 429 and problem["title"] and problem["detail"]


def test_tracking_routes_are_left_alone(synthesized):
    rules = _rules(synthesized)
    tracking = [f"/v1{r.path}".replace("{token}", "x") for r in ROUTES if r.function == Function.TRACKING]
    for rule in rules.values():
        statement = rule["Statement"].get("RateBasedStatement")
        if statement and "AndStatement" in statement["ScopeDownStatement"]:
            regex = statement["ScopeDownStatement"]["AndStatement"]["Statements"][1]["RegexMatchStatement"]
            assert not any(re.search(regex["RegexString"], path) for path in tracking)
    general = rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]
    assert general["Limit"] == GENERAL_CLIENT_LIMIT.requests
    excluded = general["ScopeDownStatement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert excluded["SearchString"] == "/t/"


def test_every_answer_api_gateway_makes_itself_is_problem_json(synthesized):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synthesized.resources(synthesized.service, "AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {
        "DEFAULT_4XX": "400",
        "DEFAULT_5XX": "500",
        "UNAUTHORIZED": "401",
        "ACCESS_DENIED": "403",
        "WAF_FILTERED": "403",
        "MISSING_AUTHENTICATION_TOKEN": "404",
        "REQUEST_TOO_LARGE": "413",
        "UNSUPPORTED_MEDIA_TYPE": "415",
        "THROTTLED": "429",
        "INTEGRATION_TIMEOUT": "504",
    }
    for response_type, status in expected.items():
        assert responses[response_type]["StatusCode"] == status, response_type
    for response_type, props in responses.items():
        content_type = props["ResponseParameters"]["gatewayresponse.header.Content-Type"]
        assert content_type == "'application/problem+json'", response_type
        template = props["ResponseTemplates"]["application/json"]
        assert f'"status": {props["StatusCode"]},' in template, response_type
        assert '"detail": $context.error.messageString' in template
