"""Optional AWS WAF web ACL in front of the API stage (context `waf=true`): a rate-based rule that
blocks a source IP sending more than RATE_LIMIT requests in 5 minutes (API Gateway's throttles are
per route for everyone; this one is per client), and AWS managed rules for common exploits, known
bad inputs and IP reputation. The common rule set's 8 KB body limit is
counted rather than enforced: CSV imports and SNS notifications are legitimately larger."""

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct


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
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=False
        ),
    )


# Requests per source IP per 5 minutes: far above what one person's browser or mail client makes,
# well below a scripted flood. Tracking routes (/t/...) are left out: mail privacy proxies fetch
# every pixel of a campaign from a few addresses, and the pixel must always answer its GIF.
RATE_LIMIT = 2000
TRACKING_SEGMENT = "/t/"
NO_TRANSFORMATION = wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")


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


def _rate_limit(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name="RateLimitPerIp",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=RATE_LIMIT,
                aggregate_key_type="IP",
                evaluation_window_sec=300,
                scope_down_statement=_not_tracking(),
            )
        ),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="RateLimitPerIp", sampled_requests_enabled=False
        ),
    )


class ApiFirewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: apigw.Stage) -> None:
        super().__init__(scope, construct_id)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name="consentmail-api",
                sampled_requests_enabled=False,
            ),
            rules=[
                _rate_limit(0),
                _managed("AWSManagedRulesCommonRuleSet", 1, count=("SizeRestrictions_BODY",)),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
                _managed("AWSManagedRulesAmazonIpReputationList", 3),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
