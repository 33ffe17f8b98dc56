"""The REST API: built from the route table and nothing else."""

import fnmatch

import pytest

from consentmail.core.routes import ROUTES, STAGE, Function
from infra import console_site

pytestmark = pytest.mark.infra
LOCAL_ONLY_PREFIXES = ("/_local", "/openapi.json")


def _paths(synthesized) -> dict[str, str]:
    """Logical id of every API resource -> its full path."""
    resources = synthesized.resources(synthesized.service, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = resources[logical_id]["Properties"]
            parent = props["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{prefix}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def _methods(synthesized) -> dict[tuple[str, str], dict]:
    paths = _paths(synthesized)
    methods = {}
    for method in synthesized.resources(synthesized.service, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        methods[(props["HttpMethod"], path)] = props
    return methods


def _function_names(synthesized) -> dict[str, str]:
    """Logical id of every service function -> its consentmail function name."""
    return {
        logical_id: r["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_FUNCTION_NAME"]
        for logical_id, r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").items()
    }


def _integrated_function(props: dict) -> str:
    parts = props["Integration"]["Uri"]["Fn::Join"][1]
    (target,) = [p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p]
    return target


def test_every_contract_route_has_exactly_one_method_and_nothing_else_is_served(synthesized):
    methods = _methods(synthesized)
    # The console's static files are served from S3, not by a function (test_infra_console.py).
    served = {key for key in methods if key[0] != "OPTIONS" and not key[1].startswith(console_site.PREFIX)}
    assert served == {(route.method, route.path) for route in ROUTES}


def test_every_method_proxies_to_its_routes_function(synthesized):
    methods = _methods(synthesized)
    names = _function_names(synthesized)
    for route in ROUTES:
        props = methods[(route.method, route.path)]
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert names[_integrated_function(props)] == route.function.value, route


def test_account_routes_need_the_cognito_authorizer_and_public_routes_do_not(synthesized):
    ((authorizer_id, authorizer),) = synthesized.resources(
        synthesized.service, "AWS::ApiGateway::Authorizer"
    ).items()
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    methods = _methods(synthesized)
    for route in ROUTES:
        props = methods[(route.method, route.path)]
        if route.auth:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS", route
            assert props["AuthorizerId"] == {"Ref": authorizer_id}, route
        else:
            assert props["AuthorizationType"] == "NONE", route
            assert "AuthorizerId" not in props, route


def test_no_local_only_route_is_ever_deployed(synthesized):
    for method, path in _methods(synthesized):
        assert not path.startswith(LOCAL_ONLY_PREFIXES), (method, path)
        assert path != "/", (method, path)
    for path in _paths(synthesized).values():
        assert not path.startswith(LOCAL_ONLY_PREFIXES), path


def test_cors_preflight_exists_only_for_routes_that_ask_for_it(synthesized):
    preflights = {path for method, path in _methods(synthesized) if method == "OPTIONS"}
    assert preflights == {route.path for route in ROUTES if route.cors}


def test_every_route_is_throttled_as_the_route_table_says(synthesized):
    (stage,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::Stage").values()
    settings = {
        (s["HttpMethod"], s["ResourcePath"].replace("~1", "/")): s
        for s in stage["Properties"]["MethodSettings"]
    }
    for route in ROUTES:
        setting = settings[(route.method, "/" + route.path)]
        assert setting["ThrottlingRateLimit"] == route.throttle.rate, route
        assert setting["ThrottlingBurstLimit"] == route.throttle.burst, route
        assert setting["LoggingLevel"] == "ERROR" and setting["DataTraceEnabled"] is False
    default = settings[("*", "/*")]
    assert default["ThrottlingRateLimit"] and default["ThrottlingBurstLimit"]


@pytest.mark.promise("logs.masked")
def test_stage_traces_logs_access_without_personal_data_and_validates(synthesized):
    (stage,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    access = props["AccessLogSetting"]
    assert "DestinationArn" in access
    for personal in ("$context.identity.sourceIp", "$context.identity.userAgent", "$context.path"):
        assert personal not in access["Format"]
    (validator,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::RequestValidator").values()
    assert validator["Properties"]["ValidateRequestParameters"] is True
    groups = synthesized.resources(synthesized.service, "AWS::Logs::LogGroup")
    assert all("RetentionInDays" in group["Properties"] for group in groups.values())


def test_functions_know_the_public_url_from_the_api_id_alone(synthesized):
    """The URL is built from the RestApi's id, not its stage, so no dependency cycle arises."""
    (api_id,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::RestApi")
    for function in synthesized.resources(synthesized.service, "AWS::Lambda::Function").values():
        url = function["Properties"]["Environment"]["Variables"]["CONSENTMAIL_PUBLIC_URL"]
        assert {"Ref": api_id} in url["Fn::Join"][1]
        assert url["Fn::Join"][1][-1].endswith("/v1")


def test_api_gateways_own_refusals_answer_problem_json(synthesized):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synthesized.resources(synthesized.service, "AWS::ApiGateway::GatewayResponse").values()
    }
    expected = {"THROTTLED": "429", "UNAUTHORIZED": "401", "REQUEST_TOO_LARGE": "413"}
    expected["MISSING_AUTHENTICATION_TOKEN"] = "404"  # an unknown route, as local mode answers it
    for response_type, status in expected.items():
        props = responses[response_type]
        assert props["StatusCode"] == status
        content_type = props["ResponseParameters"]["gatewayresponse.header.Content-Type"]
        assert content_type == "'application/problem+json'"
        template = props["ResponseTemplates"]["application/json"]
        assert f'"status": {status}' in template and "$context.error.messageString" in template


def test_the_tracking_routes_are_never_sampled_by_xray_and_the_other_routes_keep_the_default_rule(
    synthesized,
):
    # Given the stage's sampling rules
    (rule,) = synthesized.resources(synthesized.service, "AWS::XRay::SamplingRule").values()
    props = rule["Properties"]["SamplingRule"]
    # Then the tracking routes' rule records nothing, on this API's stage, ahead of the default rule
    assert props["FixedRate"] == 0 and props["ReservoirSize"] == 0
    assert props["ServiceName"] == f"consentmail/{STAGE}" and props["ServiceType"] == "AWS::ApiGateway::Stage"
    assert props["Priority"] < 10_000 and len(props["RuleName"]) <= 32
    # and it matches an open and a click, with or without the stage in the path, and no other route
    pattern = props["URLPath"]
    assert fnmatch.fnmatchcase("/t/o/abc.def", pattern) and fnmatch.fnmatchcase(f"/{STAGE}/t/c/abc", pattern)
    for route in ROUTES:
        sample = "/" + route.path.lstrip("/").replace("{", "x").replace("}", "")
        assert fnmatch.fnmatchcase(sample, pattern) == (route.function == Function.TRACKING), route
