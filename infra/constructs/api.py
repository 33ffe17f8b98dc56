"""The REST API, built from `consentmail.core.routes.ROUTES` (the one route table local mode serves
too): a resource per path, a method per route with a Lambda proxy integration to its function,
account routes behind the Cognito authorizer, per-route throttling, CORS preflight only where a
route asks for it. Local-only routes are not in ROUTES, so they can never reach this API."""

import json
import os
import re

from aws_cdk import Aws, Names, RemovalPolicy, Size
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_xray as xray
from constructs import Construct

from consentmail.core.routes import BINARY_MEDIA_TYPES, ROUTES, STAGE, STANDARD, Function, Route
from infra.constructs.nag import acknowledge

# Errors only, and never request/response bodies: they hold addresses and tokens.
LOGGING_LEVEL = apigw.MethodLoggingLevel.ERROR
_PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")
# Access log fields: what an operator needs to follow a request, and no personal data: no source
# IP, no user agent, and the resource template (/t/o/{token}) rather than the path with its token.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "errorType": "$context.error.responseType",
    "xrayTraceId": "$context.xrayTraceId",
}

API_NAME = "consentmail"
# The tracking routes' paths up to their token (`/t/`): the stage traces every other route, not
# these (tracking_sampling_rule).
TRACKING_PREFIX = os.path.commonprefix(
    [route.path.split("{")[0] for route in ROUTES if route.function == Function.TRACKING]
)


# API Gateway's own answers, as problem+json like the functions': every response type it can
# produce, with the status it uses (so the body's `status` is the response's). An unknown route is a
# 404 as in local mode (REST APIs otherwise answer 403 "Missing Authentication Token"). A
# request whose headers exceed API Gateway's 10 KB quota is refused by API Gateway itself under
# one of these types; local mode answers it 431 problem+json.
GATEWAY_PROBLEMS = (
    (apigw.ResponseType.UNAUTHORIZED, 401, "Unauthorized"),
    (apigw.ResponseType.EXPIRED_TOKEN, 401, "Unauthorized"),
    (apigw.ResponseType.ACCESS_DENIED, 403, "Forbidden"),
    (apigw.ResponseType.INVALID_API_KEY, 403, "Forbidden"),
    (apigw.ResponseType.INVALID_SIGNATURE, 403, "Forbidden"),
    (apigw.ResponseType.WAF_FILTERED, 403, "Forbidden"),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, "Not found"),
    (apigw.ResponseType.RESOURCE_NOT_FOUND, 404, "Not found"),
    (apigw.ResponseType.REQUEST_TOO_LARGE, 413, "Payload too large"),
    (apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, 415, "Unsupported media type"),
    (apigw.ResponseType.THROTTLED, 429, "Too many requests"),
    (apigw.ResponseType.QUOTA_EXCEEDED, 429, "Too many requests"),
    (apigw.ResponseType.BAD_REQUEST_PARAMETERS, 400, "Bad request"),
    (apigw.ResponseType.BAD_REQUEST_BODY, 400, "Bad request"),
    (apigw.ResponseType.API_CONFIGURATION_ERROR, 500, "Internal server error"),
    (apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, 500, "Internal server error"),
    (apigw.ResponseType.AUTHORIZER_FAILURE, 500, "Internal server error"),
    (apigw.ResponseType.INTEGRATION_FAILURE, 504, "Gateway timeout"),
    (apigw.ResponseType.INTEGRATION_TIMEOUT, 504, "Gateway timeout"),
    # Whatever type API Gateway adds later falls back to these two.
    (apigw.ResponseType.DEFAULT_4_XX, 400, "Bad request"),
    (apigw.ResponseType.DEFAULT_5_XX, 500, "Internal server error"),
)


def method_options() -> dict[str, apigw.MethodDeploymentOptions]:
    """Per-method throttling, keyed `/path/METHOD` as the stage's method settings expect."""
    return {
        f"{route.path}/{route.method}": apigw.MethodDeploymentOptions(
            throttling_rate_limit=route.throttle.rate,
            throttling_burst_limit=route.throttle.burst,
            # A method setting replaces the stage's for that method: repeat logging and metrics.
            logging_level=LOGGING_LEVEL,
            data_trace_enabled=False,
            metrics_enabled=True,
        )
        for route in ROUTES
    }


def path_parameters(route: Route) -> list[str]:
    return _PATH_PARAMETER.findall(route.path)


class PublicApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, user_pool: cognito.IUserPool) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=API_NAME,
            description="consentmail public and account API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The open pixel is a GIF returned base64-encoded by the function; "*/*" makes API
            # Gateway decode it whatever the mail client's Accept header says. Request bodies then
            # arrive base64-encoded, which the handlers read through `decoded_body`.
            binary_media_types=list(BINARY_MEDIA_TYPES),
            # gzip for a client that accepts it, above 1 KB: the console's files (a third of their
            # size: docs/benchmarks.md), contact pages and exports. Smaller answers (the pixel,
            # most JSON) would gain nothing.
            min_compression_size=Size.kibibytes(1),
            # Execution logging needs the account-level CloudWatch role.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                logging_level=LOGGING_LEVEL,
                data_trace_enabled=False,
                metrics_enabled=True,
                throttling_rate_limit=STANDARD.rate,
                throttling_burst_limit=STANDARD.burst,
                method_options=method_options(),
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        acknowledge(
            self.rest_api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-wide role API Gateway itself uses to write execution and access logs; AWS's "
            "managed policy is the documented way to grant it and scopes it to CloudWatch Logs.",
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "AccountAuthorizer", cognito_user_pools=[user_pool]
        )
        self.validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=False
        )
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "The validator checks request parameters; bodies are validated by each function's pydantic "
            "models (the same that generate the OpenAPI document) so that a bad body answers the "
            "contract's problem+json 422 naming the field, which API Gateway's own body validation cannot.",
        )
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        self._add_problem_responses()
        self.tracking_sampling_rule = self._add_tracking_sampling_rule()

    def _add_tracking_sampling_rule(self) -> xray.CfnSamplingRule:
        """No X-Ray trace for an open or a click: the default rule would record nearly every one
        while they trickle in (its reservoir takes one a second), for the price of a trace each on
        the hottest path. A rule of its own, at rate 0 and no reservoir, matches them first; the
        other routes keep the default rule. The tracking function passes tracing through
        (infra/constructs/function.py), so nothing of a hit is recorded."""
        return xray.CfnSamplingRule(
            self,
            "TrackingSampling",
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=Names.unique_resource_name(self, max_length=32),
                priority=100,
                fixed_rate=0,
                reservoir_size=0,
                service_name=f"{API_NAME}/{STAGE}",
                service_type="AWS::ApiGateway::Stage",
                host="*",
                http_method="GET",
                # With or without the stage in front of the path.
                url_path=f"*{TRACKING_PREFIX}*",
                resource_arn="*",
                version=1,
            ),
        )

    def _add_problem_responses(self) -> None:
        """API Gateway's own refusals (authorizer, throttling, size, media type, unknown route, its
        own failures) answer problem+json like the functions do, not API Gateway's {"message": ...}."""
        for response_type, status, title in GATEWAY_PROBLEMS:
            body = {"type": "about:blank", "title": title, "status": status}
            template = json.dumps(body)[:-1] + ', "detail": $context.error.messageString}'
            self.rest_api.add_gateway_response(
                "Problem" + response_type.response_type.title().replace("_", ""),
                type=response_type,
                status_code=str(status),
                response_headers={"Content-Type": "'application/problem+json'"},
                templates={"application/json": template},
            )

    @property
    def stage(self) -> apigw.Stage:
        return self.rest_api.deployment_stage

    @property
    def default_url(self) -> str:
        """The stage's URL built from the API id alone: functions may carry it in their environment
        without depending on the stage or deployment (which depend on the functions)."""
        return f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE}"

    def add_routes(self, functions: dict[Function, lambda_.IFunction]) -> None:
        integrations = {
            function: apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)
            for function, handler in functions.items()
        }
        for route in ROUTES:
            resource = self.rest_api.root.resource_for_path(route.path)
            if route.cors:
                self._add_preflight(resource, route)
            method = resource.add_method(
                route.method,
                integrations[route.function],
                authorizer=self.authorizer if route.auth else None,
                authorization_type=(
                    apigw.AuthorizationType.COGNITO if route.auth else apigw.AuthorizationType.NONE
                ),
                request_validator=self.validator,
                request_parameters={f"method.request.path.{name}": True for name in path_parameters(route)},
            )
            if not route.auth:
                self._acknowledge_public(method, route)
            self.methods[(route.method, route.path)] = method

    def _add_preflight(self, resource: apigw.IResource, route: Route) -> None:
        resource.add_cors_preflight(
            allow_origins=apigw.Cors.ALL_ORIGINS,
            allow_methods=[route.method],
            allow_headers=["Content-Type"],
        )
        preflight = resource.node.find_child("OPTIONS")
        for finding in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
            acknowledge(
                preflight,
                finding,
                f"CORS preflight for {route.path}: browsers send OPTIONS without credentials by design, "
                "and the mock integration answers with headers only, touching no function or data.",
            )

    @staticmethod
    def _acknowledge_public(method: apigw.Method, route: Route) -> None:
        if route.function == Function.SES_WEBHOOK:
            audience = (
                "Amazon SNS posting SES events (the function verifies the SNS signature, "
                "certificate host and topic)"
            )
        elif route.function == Function.ACCOUNTS:
            audience = (
                "people creating an account or logging in, before they have a token; Cognito checks "
                "the password and throttles repeated failures"
            )
        else:
            audience = (
                "anonymous visitors, website forms and email recipients; access is by signed, "
                "expiring token where the contract requires one"
            )
        per_client = (
            f", and per source IP by AWS WAF to {route.per_client.requests} per "
            f"{route.per_client.window_seconds} s"
            if route.per_client
            else ""
        )
        reason = (
            f"Public route {route.method} {route.path} of the binding contract, used by {audience}; "
            f"throttled route-wide to {route.throttle.rate:g} rps (burst {route.throttle.burst}){per_client}."
        )
        acknowledge(method, "AwsSolutions-APIG4", reason)
        acknowledge(method, "AwsSolutions-COG4", reason)
