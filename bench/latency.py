"""A stated model of how long AWS takes to answer each call type, from inside a Lambda function in
the same region: what the benchmark bills as Lambda duration instead of the emulator's wall time
(moto answers SendEmail in milliseconds, SES does not).

A function's modelled duration per invocation is
    our code (measured) × CPU share  +  Σ calls × the latency of their type
where "our code" is the invocation's wall time minus the time it waited on the emulator, and the
CPU share scales it to the fraction of a vCPU Lambda gives the function's memory (1,769 MB is one
vCPU; 512 MB about 0.29). Our code's time is measured in local mode, where every function and the
emulator share one Python process and two cores, so it is an upper bound.

Each latency names its source. Where AWS publishes no figure, the value is an assumption and says
so; the benchmark's results move with these numbers, so change them here when a deployed run
(CloudWatch `Duration`, X-Ray subsegments) measures them."""

from dataclasses import dataclass

# Lambda: "At 1,769 MB, a function has the equivalent of one vCPU"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
ONE_VCPU_MB = 1769


@dataclass(frozen=True)
class Latency:
    ms: float
    source: str


_DYNAMODB_ITEM = Latency(
    5.0,
    "DynamoDB: 'single-digit millisecond performance at any scale' (https://aws.amazon.com/dynamodb/); "
    "5 ms from a function in the same region",
)
_DYNAMODB_MANY = Latency(
    10.0, "DynamoDB batch and query requests: several partitions read in parallel; assumption (2× an item)"
)
_SQS = Latency(
    20.0,
    "SQS send, receive and delete: AWS publishes no per-request figure; an assumption in the tens of "
    "milliseconds (a round trip that SQS stores redundantly before answering)",
)
_SES_SEND = Latency(
    50.0,
    "SES v2 SendEmail: no published figure; 50 ms is docs/scaling.md's working assumption (SES accepts "
    "the message, stores it and answers before delivery)",
)
_S3 = Latency(
    100.0,
    "S3: 'roughly 100-200 milliseconds' for small objects and the first byte of large ones "
    "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance-design-patterns.html); "
    "the low end, within the region; a body's transfer is measured, not modelled",
)
_OTHER = Latency(30.0, "SNS, Secrets Manager, Cognito and others: no published figure; assumption")

BY_CALL: dict[tuple[str, str], Latency] = {
    **{
        ("dynamodb", op): _DYNAMODB_ITEM
        for op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheck")
    },
    **{
        ("dynamodb", op): _DYNAMODB_MANY
        for op in (
            "BatchGetItem",
            "BatchWriteItem",
            "Query",
            "Scan",
            "TransactWriteItems",
            "TransactGetItems",
        )
    },
    **{
        ("sqs", op): _SQS
        for op in ("SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "ReceiveMessage")
    },
    ("sesv2", "SendEmail"): _SES_SEND,
    **{
        ("s3", op): _S3
        for op in (
            "GetObject",
            "HeadObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "ListObjectsV2",
            "CreateMultipartUpload",
            "UploadPart",
            "CompleteMultipartUpload",
        )
    },
}


def of(service: str, operation: str) -> Latency:
    return BY_CALL.get((service, operation), _OTHER)


def cpu_share(memory_mb: int) -> float:
    """The fraction of a vCPU a function of this memory gets (at most 1 for single-threaded code)."""
    return min(1.0, memory_mb / ONE_VCPU_MB)


def table() -> list[dict]:
    """The model as rows (benchmarks.json and the markdown)."""
    rows: dict[str, dict] = {}
    for (service, operation), latency in BY_CALL.items():
        row = rows.setdefault(latency.source, {"ms": latency.ms, "calls": [], "source": latency.source})
        row["calls"].append(f"{service}.{operation}")
    rows.setdefault(_OTHER.source, {"ms": _OTHER.ms, "calls": ["any other call"], "source": _OTHER.source})
    return list(rows.values())
