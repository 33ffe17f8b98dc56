"""Scheduled sends in the CDK app: a schedule group, a role only EventBridge Scheduler of this
account assumes and that may only send to the fan-out queue, and an accounts function that may
manage only that group's schedules and pass only that role."""

from consentmail.core.routes import Function
from tests.infra.test_infra_functions import _actions, _functions, _policy_of


def _scheduler_role(synthesized) -> tuple[str, dict]:
    roles = synthesized.resources(synthesized.service, "AWS::IAM::Role")
    [(logical_id, role)] = [
        (k, r)
        for k, r in roles.items()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
        == "scheduler.amazonaws.com"
    ]
    return logical_id, role


def test_one_schedule_group_for_campaign_sends(synthesized):
    [group] = synthesized.resources(synthesized.service, "AWS::Scheduler::ScheduleGroup").values()

    assert group["Properties"]["Name"] == "consentmail-campaigns"


def test_only_this_accounts_scheduler_assumes_the_role_and_it_only_sends_to_the_fanout_queue(synthesized):
    logical_id, role = _scheduler_role(synthesized)
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}

    statements = [
        s
        for p in synthesized.resources(synthesized.service, "AWS::IAM::Policy").values()
        if {"Ref": logical_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    sqs = [s for s in statements if any(a.startswith("sqs:") for a in _actions([s]))]
    assert _actions(sqs) <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    [target] = {str(s["Resource"]) for s in sqs}
    assert "Fanout" in target and "DeadLetters" not in target
    assert {a.split(":")[0] for a in _actions(statements)} <= {"sqs", "kms"}


def test_the_accounts_function_manages_only_its_groups_schedules_and_passes_only_that_role(synthesized):
    statements = _policy_of(synthesized, Function.ACCOUNTS)
    scheduler = [s for s in statements if any(a.startswith("scheduler:") for a in _actions([s]))]
    passes = [s for s in statements if "iam:PassRole" in _actions([s])]

    assert {"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"} <= _actions(
        scheduler
    )
    assert all("schedule/consentmail-campaigns/*" in str(s["Resource"]) for s in scheduler)
    logical_id, _ = _scheduler_role(synthesized)
    assert [s["Resource"] for s in passes] == [{"Fn::GetAtt": [logical_id, "Arn"]}]
    variables = _functions(synthesized)[Function.ACCOUNTS.value]["Environment"]["Variables"]
    assert variables["CONSENTMAIL_SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    assert variables["CONSENTMAIL_SCHEDULE_GROUP"] == "consentmail-campaigns"


def test_no_other_function_may_touch_schedules(synthesized):
    for function in Function:
        if function != Function.ACCOUNTS:
            assert not any(a.startswith("scheduler:") for a in _actions(_policy_of(synthesized, function)))
