"""The API's edge as synthesized by default: the AWS WAF web ACL with the route table's
per-client limits in front of the stage, and API Gateway's own answers as problem+json."""

import json
import posixpath
import re
from urllib.parse import unquote

import pytest

from consentmail.core.routes import CLIENT_LIMITS, GENERAL_CLIENT_LIMIT, ROUTES, Function
from infra.config import config_from
from infra.constructs.waf import MANAGED_GROUPS, paths_regex, rule_name

pytestmark = pytest.mark.infra

# What WAF's text transformations do to a path, as far as these rules use them.
TRANSFORMATIONS = {
    "NONE": lambda value: value,
    "URL_DECODE": unquote,
    "NORMALIZE_PATH": lambda value: posixpath.normpath(value) + ("/" if value.endswith("/") else ""),
}

# AWS's published capacity costs (WCUs, developer guide "Rule statements" and "Baseline rule
# groups"): a string match 2 (exactly, starts or ends with) or 10 (contains), a regex match 3,
# each text transformation in a match 10, a rate-based statement 2 plus 30 per custom key plus
# its scope-down, a logical statement what it nests, and the managed groups their own figure.
BYTE_MATCH_WCUS = {"EXACTLY": 2, "STARTS_WITH": 2, "ENDS_WITH": 2, "CONTAINS": 10, "CONTAINS_WORD": 10}
MANAGED_WCUS = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesAmazonIpReputationList": 25,
}
GENERAL = "RateLimitPerIp"
# The capacity a web ACL's base price covers; above it each 500 WCUs add a fee per request.
PRICED_CAPACITY = 1500


def _web_acl(synthesized) -> tuple[str, dict]:
    ((logical_id, acl),) = synthesized.resources(synthesized.service, "AWS::WAFv2::WebACL").items()
    return logical_id, acl["Properties"]


def _rules(synthesized) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in _web_acl(synthesized)[1]["Rules"]}


def _transformed(value: str, transformations: list[dict]) -> str:
    for transformation in sorted(transformations, key=lambda t: t["Priority"]):
        value = TRANSFORMATIONS[transformation["Type"]](value)
    return value


def _matches(statement: dict, method: str, path: str) -> bool:
    """Whether WAF's statement matches a request (the parts of the language these rules use)."""
    if "AndStatement" in statement:
        return all(_matches(s, method, path) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(_matches(s, method, path) for s in statement["OrStatement"]["Statements"])
    if "NotStatement" in statement:
        return not _matches(statement["NotStatement"]["Statement"], method, path)
    ((kind, match),) = statement.items()
    field = method if "Method" in match["FieldToMatch"] else path
    value = _transformed(field, match["TextTransformations"])
    if kind == "RegexMatchStatement":
        return re.search(match["RegexString"], value) is not None
    assert kind == "ByteMatchStatement", kind
    if match["PositionalConstraint"] == "EXACTLY":
        return value == match["SearchString"]
    assert match["PositionalConstraint"] == "CONTAINS"
    return match["SearchString"] in value


def _limiting(synthesized, method: str, path: str) -> list[str]:
    """The names of the per-route rate-based rules that count this request (not the general one)."""
    return [
        name
        for name, rule in _rules(synthesized).items()
        if "RateBasedStatement" in rule["Statement"]
        and name != GENERAL
        and _matches(rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"], method, path)
    ]


def _concrete(path: str) -> str:
    """A request path for a route of the table: the stage, and a value for each parameter."""
    return "/v1" + re.sub(r"\{[^}]+\}", "x", path)


def _nested(statement: dict):
    """The statement and every statement it nests."""
    yield statement
    for logical in ("AndStatement", "OrStatement"):
        for nested in statement.get(logical, {}).get("Statements", []):
            yield from _nested(nested)
    if "NotStatement" in statement:
        yield from _nested(statement["NotStatement"]["Statement"])
    if "RateBasedStatement" in statement:
        yield from _nested(statement["RateBasedStatement"]["ScopeDownStatement"])


def _wcus(statement: dict) -> int:
    if "AndStatement" in statement or "OrStatement" in statement:
        nested = (statement.get("AndStatement") or statement.get("OrStatement"))["Statements"]
        return sum(_wcus(s) for s in nested)
    if "NotStatement" in statement:
        return _wcus(statement["NotStatement"]["Statement"])
    if "RateBasedStatement" in statement:
        rate = statement["RateBasedStatement"]
        return 2 + 30 * len(rate.get("CustomKeys", [])) + _wcus(rate["ScopeDownStatement"])
    if "ManagedRuleGroupStatement" in statement:
        return MANAGED_WCUS[statement["ManagedRuleGroupStatement"]["Name"]]
    ((kind, match),) = statement.items()
    transformations = sum(1 for t in match["TextTransformations"] if t["Type"] != "NONE")
    base = 3 if kind == "RegexMatchStatement" else BYTE_MATCH_WCUS[match["PositionalConstraint"]]
    return base + 10 * transformations


def test_waf_is_on_by_default_and_guards_the_api_stage(synthesized):
    assert config_from({"sender_domain": "example.com", "max_send_rate": 1}, {}).waf is True
    acl_id, acl = _web_acl(synthesized)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    ((association),) = synthesized.resources(synthesized.service, "AWS::WAFv2::WebACLAssociation").values()
    (stage_id,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::Stage")
    props = association["Properties"]
    assert props["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert stage_id in json.dumps(props["ResourceArn"])


def test_one_rule_per_distinct_limit_plus_the_general_rule_and_the_managed_groups(synthesized):
    # WAF bills each rule $1 a month: as many per-client rules as there are distinct limits.
    limits = set(CLIENT_LIMITS.values())
    rules = _rules(synthesized)
    assert len(rules) == len(limits) + 1 + len(MANAGED_GROUPS) == len(limits) + 4
    managed = {name for name, _ in MANAGED_GROUPS}
    assert {rule_name(limit) for limit in limits} | {GENERAL} | managed == set(rules)
    # Evaluated in order: the route limits, then the general limit, then the managed groups.
    by_priority = [rule["Name"] for rule in sorted(rules.values(), key=lambda rule: rule["Priority"])]
    assert [rule["Priority"] for rule in rules.values()] == list(range(len(rules)))
    assert by_priority[len(limits) :] == [GENERAL, *(name for name, _ in MANAGED_GROUPS)]


@pytest.mark.promise("http.per_client_limits")
def test_each_limited_route_is_counted_per_client_by_exactly_one_rule_with_its_own_limit(synthesized):
    rules = _rules(synthesized)
    for (method, path), limit in CLIENT_LIMITS.items():
        # Its last letter percent-encoded: API Gateway decodes it and serves the route.
        encoded = path[:-1] + "%" + format(ord(path[-1]), "02X")
        for prefix in ("/v1", "/mail/v1"):
            for variant in (path, path + "/", encoded):
                assert _limiting(synthesized, method, prefix + variant) == [rule_name(limit)], (
                    method,
                    variant,
                )
        rule = rules[rule_name(limit)]
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["Limit"] == limit.requests
        assert statement["EvaluationWindowSec"] == limit.window_seconds
        block = rule["Action"]["Block"]["CustomResponse"]
        assert block["ResponseCode"] == 429
        assert {"Name": "Retry-After", "Value": str(limit.window_seconds)} in block["ResponseHeaders"]


def test_no_other_route_is_counted_by_a_route_limit(synthesized):
    # /subscribe is not /unsubscribe, nor /subject-requests its /confirm, nor GET a POST route.
    for route in ROUTES:
        if (route.method, route.path) not in CLIENT_LIMITS:
            assert _limiting(synthesized, route.method, _concrete(route.path)) == [], route


@pytest.mark.promise("http.per_client_limits")
def test_the_counters_are_per_client_method_and_decoded_path(synthesized):
    # Two routes sharing a limit never share a count: the rule keys on the source IP, the method
    # and the path, decoded and normalised as the scope-down decodes it, so that a client cannot
    # earn a new allowance by spelling the path differently.
    for limit in set(CLIENT_LIMITS.values()):
        statement = _rules(synthesized)[rule_name(limit)]["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "CUSTOM_KEYS"
        ip, method, path = statement["CustomKeys"]
        assert ip == {"IP": {}} and method == {"HTTPMethod": {}}
        transformations = path["UriPath"]["TextTransformations"]
        for spelling in ("/v1/auth/%6Cogin", "/v1//auth/login", "/v1/x/../auth/login", "/v1/./auth/login"):
            assert _transformed(spelling, transformations) == "/v1/auth/login", spelling


def test_a_limit_on_a_path_with_a_parameter_is_refused():
    # The path key would count each value of the parameter apart: no limit at all.
    assert not any("{" in path for _, path in CLIENT_LIMITS)
    with pytest.raises(ValueError, match="parameter"):
        paths_regex(["/lists/{id}/subscribe"])


def test_the_web_acl_fits_the_capacity_its_base_price_covers(synthesized):
    rules = _web_acl(synthesized)[1]["Rules"]
    capacity = sum(_wcus(rule["Statement"]) for rule in rules)
    assert capacity <= PRICED_CAPACITY, capacity
    # WAF refuses a regular expression longer than 512 characters.
    regexes = [
        nested["RegexMatchStatement"]["RegexString"]
        for rule in rules
        for nested in _nested(rule["Statement"])
        if "RegexMatchStatement" in nested
    ]
    assert regexes and all(len(regex) <= 512 for regex in regexes)


def test_the_limited_answer_is_a_429_problem(synthesized):
    acl = _web_acl(synthesized)[1]
    (body,) = acl["CustomResponseBodies"].values()
    problem = json.loads(body["Content"])
    assert body["ContentType"] == "APPLICATION_JSON"
    assert problem["status"] == 429 and problem["title"] and problem["detail"]


def test_tracking_routes_are_left_alone(synthesized):
    for route in ROUTES:
        if route.function == Function.TRACKING:
            assert _limiting(synthesized, route.method, _concrete(route.path)) == [], route
    general = _rules(synthesized)[GENERAL]["Statement"]["RateBasedStatement"]
    assert general["Limit"] == GENERAL_CLIENT_LIMIT.requests and general["AggregateKeyType"] == "IP"
    for route in ROUTES:
        path = _concrete(route.path)
        assert _matches(general["ScopeDownStatement"], route.method, path) is (
            route.function != Function.TRACKING
        )


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
