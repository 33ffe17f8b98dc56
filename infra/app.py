"""The CDK app: `python -m infra.app` (what cdk.json runs, and `make synth`).

Two stacks: the stateful one (tables, key, user pool, secret; retained on delete) and the service
one (functions, API, queues, SES configuration set, topics, schedule, alarms). The region comes
from the env var REGION, else context `region`, and must be an EU region (infra/regions.py); every
resource is checked by cdk-nag's AWS Solutions rules, and synthesis fails on any unacknowledged
finding. Operator settings: infra/config.py."""

import os
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import Config, ConfigError, config_from, project_context
from infra.regions import RegionNotAllowed
from infra.stacks.service import ServiceStack
from infra.stacks.stateful import StatefulStack

CONTEXT_KEYS = (
    "region",
    "sender_domain",
    "alarm_email",
    "public_url",
    "waf",
    "max_send_rate",
    "webhook_topics",
)


def read_config(app: cdk.App, environ: dict[str, str] | None = None) -> Config:
    return config_from({key: app.node.try_get_context(key) for key in CONTEXT_KEYS}, environ)


def build_app(outdir: str | None = None, context: dict | None = None, environ: dict[str, str] | None = None):
    """The app with both stacks and the nag checks; `context` overrides cdk.json's."""
    environ = dict(os.environ) if environ is None else environ
    app = cdk.App(
        outdir=outdir or environ.get("CDK_OUTDIR") or "cdk.out",
        context={**project_context(), **(context or {})},
    )
    config = read_config(app, environ)
    env = cdk.Environment(account=environ.get("CDK_DEFAULT_ACCOUNT"), region=config.region)
    stateful = StatefulStack(
        app, "ConsentmailData", config=config, env=env, description="consentmail: data (retained on delete)"
    )
    ServiceStack(
        app, "ConsentmailService", config=config, data=stateful, env=env, description="consentmail: service"
    )
    cdk.Tags.of(app).add("application", "consentmail")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> int:
    try:
        app = build_app()
    except (RegionNotAllowed, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
