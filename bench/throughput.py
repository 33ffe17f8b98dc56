"""Throughput of the send pipeline, from the measured campaign: recipients per second from the
send request to the last SES SendEmail (fan-out and sender through local mode's queues, with the
SES events processed at the same time, as in AWS), and the AWS requests fan-out and sender make
per recipient, by operation.

Local mode runs every function and the emulator in one Python process: the rate is bounded by
the emulator answering each request, not by our code. `seconds_per_recipient` splits the
sender's and fan-out's invocation time into the time spent waiting on AWS (the emulator) and the
rest (our code), which is what carries over to AWS."""

SEND_PIPELINE = ("fanout", "sender")


def measure(summary: dict) -> dict:
    phase = summary["campaign"]
    recipients = summary["sent"]
    per_operation: dict[str, float] = {}
    for call in phase["calls"]:
        if call["function"] in SEND_PIPELINE:
            key = f"{call['service']}.{call['operation']}"
            per_operation[key] = per_operation.get(key, 0) + call["requests"] / recipients
    # The event source mapping's receives and deletes of the send queue's messages.
    pipeline_calls = sum(per_operation.values())
    all_calls = sum(c["requests"] for c in phase["calls"]) / recipients
    functions = phase["functions"]
    pipeline_seconds = sum(functions.get(name, {}).get("seconds", 0.0) for name in SEND_PIPELINE)
    pipeline_aws = sum(functions.get(name, {}).get("aws_seconds", 0.0) for name in SEND_PIPELINE)
    return {
        "recipients": recipients,
        "recipients_per_s": recipients / summary["send_seconds"] if summary["send_seconds"] else 0.0,
        "send_seconds": summary["send_seconds"],
        "aws_calls_per_recipient": pipeline_calls,
        "aws_calls_per_recipient_by_operation": dict(sorted(per_operation.items())),
        "aws_calls_per_recipient_all_functions": all_calls,
        "seconds_per_recipient": {
            "send_pipeline": pipeline_seconds / recipients,
            "waiting_on_aws": pipeline_aws / recipients,
            "our_code": (pipeline_seconds - pipeline_aws) / recipients,
        },
        "recipients_per_s_our_code_only": recipients / (pipeline_seconds - pipeline_aws)
        if pipeline_seconds > pipeline_aws
        else 0.0,
    }
