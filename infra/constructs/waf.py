"""The AWS WAF web ACL in front of the API stage, on by default (context `waf=false` removes it):
the per-client abuse limits of the route table, as rate-based rules.

- one rule per distinct limit of `consentmail.core.routes.CLIENT_LIMITS` (sign-in, sign-up,
  subscribe, subject requests, password forgotten, token refresh), not one per route: WAF bills
  $1 a month per rule. The rule counts per (source IP, HTTP method, URI path) with custom
  aggregation keys, so each route still has its own counter per client (two routes sharing a
  limit never share a count), and its scope-down statement matches only the routes of that limit;
- one general rule for every other request but the tracking routes (`GENERAL_CLIENT_LIMIT`);
- three AWS managed rule groups (below, with what each is worth its $1 a month for).

The path key is the URL-decoded, normalised path (`/auth/%6Cogin` and `/v1//auth/login` count
with `/auth/login`), as the scope-down statements decode it before matching, so a client cannot
escape its count by encoding the path differently. It includes whatever comes before the route
(the stage, a custom domain's base path), which is the same for every request to one
deployment. A path with a parameter would give each value its own counter, so a route with one
cannot have a per-client limit (`firewall_rules` refuses it). A trailing slash, which the
scope-down accepts, is the one variant the key keeps apart (WAF has no transformation that
drops it): at worst a client gets twice its allowance on a route by alternating the two.

Capacity: AWS WAF prices a web ACL's first 1,500 capacity units (WCUs); this one uses about
1,487 (tests/infra/test_infra_edge.py estimates it from AWS's published costs). A rate-based rule
costs 2 WCUs plus 30 per custom key (92 here), and each (method, paths) match 15, so the routes
of one limit and one method share a single regular expression instead of one each.

A client over a limit gets 429 with a problem-shaped JSON body and `Retry-After` (WAF's custom
responses take precedence over API Gateway's; WAF sets their Content-Type itself and offers
application/json, not application/problem+json). Every other client goes on: API Gateway's
route-wide throttles are only a safety net behind these rules. The tracking routes have no rule:
mail privacy proxies fetch every pixel of a campaign from a few addresses, and the pixel must
always answer its GIF."""

import json
import re
from collections import defaultdict

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from consentmail.core.routes import CLIENT_LIMITS, GENERAL_CLIENT_LIMIT, ClientLimit

TRACKING_SEGMENT = "/t/"
TOO_MANY_REQUESTS = "too-many-requests"
NO_TRANSFORMATION = wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
# A path that API Gateway would decode before routing must not slip past its rule encoded.
URL_DECODED = wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="URL_DECODE")
# The counter's path: decoded as the scope-down decodes it, then without repeated slashes and
# `.`/`..` segments, so that the spellings of one route's path share one count.
PATH_KEY = wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
    uri_path=wafv2.CfnWebACL.RateLimitUriPathProperty(
        text_transformations=[
            URL_DECODED,
            wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="NORMALIZE_PATH"),
        ]
    )
)
PER_CLIENT_AND_ROUTE = [
    wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(ip={}),
    wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(http_method={}),
    PATH_KEY,
]

# The AWS managed rule groups, each billed as one rule ($1 a month), with the rules counted rather
# than enforced. They cost no fee of their own (AWS's baseline groups) and together 925 WCUs.
MANAGED_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Common exploits (OWASP top ten: cross-site scripting, path traversal, requests for the
    # instance metadata, scanners' user agents, oversized headers) in the paths, query strings,
    # headers and bodies of the anonymous forms: refused at the edge, before they cost an
    # invocation and a log line, and in places the application's models never look at. Its 8 KB
    # body limit is counted rather than enforced: CSV imports and SNS notifications are
    # legitimately larger.
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
    # Payloads of known vulnerabilities (Log4j's JNDI lookups, Java deserialisation, exploitable
    # paths) that scanners send to every public API: nothing legitimate looks like them.
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
    # Addresses Amazon's threat intelligence sees in botnets and reconnaissance, refused before
    # they try passwords on sign-in or fill the forms: the rate rules only stop a source once
    # it is over a limit, this one before its first request.
    ("AWSManagedRulesAmazonIpReputationList", ()),
)


def _path_pattern(path: str) -> str:
    if "{" in path:
        raise ValueError(
            f"{path}: a per-client limit on a path with a parameter would count each value apart "
            "(the rate rules key on the path)"
        )
    return re.escape(path)


def paths_regex(paths: list[str]) -> str:
    """The routes' paths as WAF sees them, whatever prefix comes before them: the stage (`/v1`)
    on the API's own URL, a base path on a custom domain. Anchored at the end (a trailing slash
    allowed) so `/subscribe` never matches `/unsubscribe`, nor `/subject-requests` its
    `/confirm`."""
    patterns = [_path_pattern(path) for path in sorted(paths)]
    alternatives = patterns[0] if len(patterns) == 1 else "(?:" + "|".join(patterns) + ")"
    return alternatives + "/?$"


def limit_groups() -> dict[ClientLimit, dict[str, list[str]]]:
    """CLIENT_LIMITS by limit, each limit's paths by method: one rate-based rule per limit."""
    groups: dict[ClientLimit, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (method, path), limit in CLIENT_LIMITS.items():
        groups[limit][method].append(path)
    order = sorted(groups, key=lambda limit: (limit.window_seconds, limit.requests))
    return {
        limit: {method: sorted(groups[limit][method]) for method in sorted(groups[limit])} for limit in order
    }


def rule_name(limit: ClientLimit) -> str:
    return f"PerIpAndRoute-{limit.requests}-per-{limit.window_seconds}s"


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


def _routes_statement(method: str, paths: list[str]) -> wafv2.CfnWebACL.StatementProperty:
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
                        regex_string=paths_regex(paths),
                        text_transformations=[URL_DECODED],
                    )
                ),
            ]
        )
    )


def _limit_statement(paths_by_method: dict[str, list[str]]) -> wafv2.CfnWebACL.StatementProperty:
    """The routes of one limit: one (method, paths) match per method, ORed when there are several
    (an OR statement takes at least two)."""
    statements = [_routes_statement(method, paths) for method, paths in paths_by_method.items()]
    if len(statements) == 1:
        return statements[0]
    return wafv2.CfnWebACL.StatementProperty(
        or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=statements)
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
    name: str,
    priority: int,
    limit: ClientLimit,
    scope: wafv2.CfnWebACL.StatementProperty,
    custom_keys: list | None = None,
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=_too_many(limit),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit.requests,
                aggregate_key_type="CUSTOM_KEYS" if custom_keys else "IP",
                custom_keys=custom_keys,
                evaluation_window_sec=limit.window_seconds,
                scope_down_statement=scope,
            )
        ),
        visibility_config=_visibility(name),
    )


def firewall_rules() -> list[wafv2.CfnWebACL.RuleProperty]:
    """The web ACL's rules in evaluation order: per limit (each route counted apart), general,
    managed."""
    rules = [
        _rate_rule(rule_name(limit), priority, limit, _limit_statement(paths), PER_CLIENT_AND_ROUTE)
        for priority, (limit, paths) in enumerate(limit_groups().items())
    ]
    rules.append(_rate_rule("RateLimitPerIp", len(rules), GENERAL_CLIENT_LIMIT, _not_tracking()))
    first = len(rules)  # not len(rules) in the generator: it grows as the generator runs
    rules.extend(_managed(name, first + index, count) for index, (name, count) in enumerate(MANAGED_GROUPS))
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
