"""Purge function: run hourly by an EventBridge schedule (and by local mode's
`POST /_local/jobs/purge`). The scheduled event's `time` is the moment the purge runs as, so it
can be run "as" any date; the result is the purge's summary.

The event is read as the dict it is (only its `time`): Powertools' event data classes would be
imported, all of them, for one field.
"""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import purge as services
from consentmail.core.clock import now, parse_iso
from consentmail.core.logs import get_logger

logger = get_logger()
metrics = Metrics(namespace="consentmail")


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    ran_as = parse_iso(event["time"]) if event.get("time") else now()
    summary = services.purge().run(ran_as, time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    for retention, count in summary.deleted.items():
        metrics.add_metric(name=f"Purged_{retention}", unit=MetricUnit.Count, value=count)
    metrics.add_metric(name="PurgeIncomplete", unit=MetricUnit.Count, value=0 if summary.complete else 1)
    metrics.add_metric(name="AccountsFinished", unit=MetricUnit.Count, value=summary.accounts_finished)
    # Alarmed on in the service stack: a deletion past its deadline (its receipt says which).
    metrics.add_metric(name="LateDeletionSeconds", unit=MetricUnit.Seconds, value=summary.late_by_seconds_max)
    # Alarmed on in the service stack: a subject request must be carried out within 30 days.
    metrics.add_metric(name="SubjectRequestsNearDue", unit=MetricUnit.Count, value=summary.requests_near_due)
    return summary.as_dict()
