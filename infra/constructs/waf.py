"""The AWS WAF web ACL in front of the API stage, on by default (context `waf=false` removes it):
the per-client abuse limits of the route table, as rate-based rules keyed on the source IP.

- one rule per sensitive route (`consentmail.core.routes.CLIENT_LIMITS`: sign-in, sign-up,
  subscribe, subject requests, password forgotten, token refresh), each with its own limit;
- one general rule for every other request but the tracking routes (`GENERAL_CLIENT_LIMIT`);
- AWS managed rules for common exploits, known bad inputs and IP reputation. The common rule
  set's 8 KB body limit is counted rather than enforced: CSV imports and SNS notifications are
  legitimately larger.

A client over a limit gets 429 with a problem-shaped JSON body and `Retry-After` (WAF's custom
responses take precedence over API Gateway's; WAF sets their Content-Type itself and offers
application/json, not application/problem+json). Every other client goes on: API Gateway's
route-wide throttles are only a safety net behind these rules. The tracking routes have no rule:
mail privacy proxies fetch every pixel of a campaign from a few addresses, and the pixel must
always answer its GIF."""

import json
import re

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from consentmail.core.routes import CLIENT_LIMITS, GENERAL_CLIENT_LIMIT, ClientLimit

TRACKING_SEGMENT = "/t/"
TOO_MANY_REQUESTS = "too-many-requests"
NO_TRANSFORMATION = wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
# A path that API Gateway would decode before routing must not slip past its rule encoded.
URL_DECODED = wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE")
_PARAMETER = re.compile(r"\{[^}/]+\}")


def path_regex(path: str) -> str:
    """The route's path as WAF sees it, whatever prefix comes before it: the stage (`/v1`) on the
    API's own URL, a base path on a custom domain. Anchored at the end (a trailing slash allowed)
    so `/subscribe` never matches `/unsubscribe`, nor `/subject-requests` its `/confirm`."""
    literal = [re.escape(part) for part in _PARAMETER.split(path)]
    return "[^/]+".join(literal) + "/?$"


def rule_name(method: str, path: str) -> str:
    return "PerIp-" + method + "-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=False
    )


def _too_many(limit: ClientLimit) -> wafv2.CfnWebACL.RuleActionProperty:
    retry = wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value=str(limit.window_seconds))
    return wafv2.CfnWebACL.RuleActionProperty(
        block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429,
                custom_response_body_key=TOO_MANY_REQUESTS,
                response_headers=[retry],
            )
        )
    )


def _managed(name: str, priority: int, count: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in count
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


def _route_statement(method: str, path: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                wafv2.CfnWebACL.StatementProperty(
                    byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
                        positional_constraint="EXACTLY",
                        search_string=method,
                        text_transformations=[NO_TRANSFORMATION],
                    )
                ),
                wafv2.CfnWebACL.StatementProperty(
                    regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                        regex_string=path_regex(path),
                        text_transformations=[URL_DECODED],
                    )
                ),
            ]
        )
    )


def _not_tracking() -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        not_statement=wafv2.CfnWebACL.NotStatementProperty(
            statement=wafv2.CfnWebACL.StatementProperty(
                byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                    positional_constraint="CONTAINS",
                    search_string=TRACKING_SEGMENT,
                    text_transformations=[NO_TRANSFORMATION],
                )
            )
        )
    )


def _rate_rule(
    name: str, priority: int, limit: ClientLimit, scope: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=_too_many(limit),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit.requests,
                aggregate_key_type="IP",
                evaluation_window_sec=limit.window_seconds,
                scope_down_statement=scope,
            )
        ),
        visibility_config=_visibility(name),
    )


def firewall_rules() -> list[wafv2.CfnWebACL.RuleProperty]:
    """The web ACL's rules in evaluation order: per route, general, managed."""
    rules = [
        _rate_rule(rule_name(method, path), priority, limit, _route_statement(method, path))
        for priority, ((method, path), limit) in enumerate(sorted(CLIENT_LIMITS.items()))
    ]
    rules.append(_rate_rule("RateLimitPerIp", len(rules), GENERAL_CLIENT_LIMIT, _not_tracking()))
    managed = (
        ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
        ("AWSManagedRulesKnownBadInputsRuleSet", ()),
        ("AWSManagedRulesAmazonIpReputationList", ()),
    )
    rules.extend(_managed(name, len(rules) + index, count) for index, (name, count) in enumerate(managed))
    return rules


TOO_MANY_BODY = json.dumps(
    {
        "type": "https://consentmail.dev/problems/too-many-requests",
        "title": "Too many requests",
        "status": 429,
        "detail": "Too many requests from your address to this route: retry after the time in Retry-After.",
    }
)


class ApiFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: apigw.Stage) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("consentmail-api"),
            custom_response_bodies={
                TOO_MANY_REQUESTS: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=TOO_MANY_BODY
                )
            },
            rules=firewall_rules(),
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
