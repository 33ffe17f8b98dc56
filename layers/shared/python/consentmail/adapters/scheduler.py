"""Scheduled campaign sends as EventBridge Scheduler one-time schedules (the only code that speaks
to the Scheduler API).

One schedule per campaign, named after it, in the deployment's schedule group: `at(...)` in UTC,
no flexible window, deleted by the Scheduler once it has fired (`ActionAfterCompletion: DELETE`).
Its target is the fan-out queue, with a fan-out message that names the time it was scheduled for;
the fan-out starts the send with the same conditional status move as `POST /send`, so a schedule
that fires twice (the Scheduler delivers at least once) or a replaced one sends nothing twice.

The Scheduler assumes the role in the settings to send that message; the accounts function may
only create and delete schedules of the group and pass that role.

Local mode has no Scheduler that fires: `due(...)` lists the schedules due by a time and `fire(...)`
does what the Scheduler would, so infra/local runs the same path (DESIGN.md, local-only routes)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from consentmail.adapters import aws_clients
from consentmail.core.errors import Retryable
from consentmail.core.settings import get_settings

PREFIX = "campaign-"


def schedule_name(campaign_id: str) -> str:
    return f"{PREFIX}{campaign_id}"


def at_expression(at: datetime) -> str:
    """The Scheduler's one-time expression, to the second, in UTC."""
    return f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


@dataclass(frozen=True)
class DueSchedule:
    name: str
    target_arn: str
    payload: str


class CampaignSchedules:
    def __init__(self, client=None):
        self._client = client or aws_clients.client("scheduler")
        settings = get_settings()
        self._group = settings.schedule_group
        self._queue_arn = settings.fanout_queue_arn
        self._role_arn = settings.scheduler_role_arn

    def put(self, campaign_id: str, at: datetime, message: str) -> None:
        """Create the campaign's schedule, or replace it (a new time) if one exists."""
        request = {
            "Name": schedule_name(campaign_id),
            "GroupName": self._group,
            "ScheduleExpression": at_expression(at),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Target": {
                "Arn": self._queue_arn,
                "RoleArn": self._role_arn,
                "Input": message,
                # A missed delivery is retried for up to an hour; the content outlives that.
                "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20},
            },
        }
        try:
            try:
                self._client.create_schedule(**request)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConflictException":
                    raise
                self._client.update_schedule(**request)
        except ClientError as error:
            raise Retryable(f"the scheduler did not take the schedule: {_code(error)}") from error

    def delete(self, campaign_id: str) -> None:
        """Remove the campaign's schedule; nothing to do if it has fired (and deleted itself)."""
        try:
            self._client.delete_schedule(Name=schedule_name(campaign_id), GroupName=self._group)
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return
            raise Retryable(f"the scheduler did not delete the schedule: {_code(error)}") from error

    # --- local mode: what the Scheduler itself does in AWS --------------------------------------

    def due(self, at: datetime) -> list[DueSchedule]:
        """The group's schedules whose time has come by `at`."""
        found: list[DueSchedule] = []
        paginator = self._client.get_paginator("list_schedules")
        for page in paginator.paginate(GroupName=self._group):
            for summary in page.get("Schedules", []):
                schedule = self._client.get_schedule(Name=summary["Name"], GroupName=self._group)
                when = _time_of(schedule["ScheduleExpression"])
                if when is not None and when <= at:
                    target = schedule["Target"]
                    found.append(DueSchedule(schedule["Name"], target["Arn"], target.get("Input", "")))
        return found

    def fire(self, schedule: DueSchedule) -> None:
        """Deliver the target's message to its queue, then delete the schedule (as after completion)."""
        sqs = aws_clients.client("sqs")
        name = schedule.target_arn.rsplit(":", 1)[1]
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=schedule.payload)
        try:
            self._client.delete_schedule(Name=schedule.name, GroupName=self._group)
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise


def _time_of(expression: str) -> datetime | None:
    if not (expression.startswith("at(") and expression.endswith(")")):
        return None
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
