"""Published AWS prices for eu-west-3 (Europe, Paris), in USD, on-demand, without free tiers:
the only place the benchmark's prices live. Each price names the page it is published on and the
date it is published as of. The benchmark runs offline and never fetches them: check them against
the page (or the AWS Price List API, `AmazonDynamoDB`, `AWSLambda`, ... offers for eu-west-3)
before quoting a figure, and change them here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    as_of: str
    note: str = ""


REGION = "eu-west-3"

LAMBDA_ARM_GB_SECOND = Price(
    0.0000133334,
    "GB-second, arm64 (first 7.5 billion GB-s a month)",
    "https://aws.amazon.com/lambda/pricing/",
    "2026-11",
    "Since 2025-08-01 the INIT phase of on-demand functions is billed as duration too.",
)
LAMBDA_REQUEST = Price(0.20 / 1e6, "request", "https://aws.amazon.com/lambda/pricing/", "2026-11")
DYNAMODB_WRU = Price(
    0.7423 / 1e6,
    "write request unit, on-demand, Standard table class",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "2024-11-01",
    "On-demand throughput prices were cut by 50% on 2024-11-01 (eu-west-3 was $1.4846 per million "
    "WRU and $0.2969 per million RRU before).",
)
DYNAMODB_RRU = Price(
    0.1485 / 1e6,
    "read request unit, on-demand, Standard table class",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "2024-11-01",
    "See DYNAMODB_WRU.",
)
SQS_REQUEST = Price(
    0.40 / 1e6,
    "standard queue request (each 64 KB chunk of a payload is one request)",
    "https://aws.amazon.com/sqs/pricing/",
    "2026-11",
)
SNS_PUBLISH = Price(
    0.50 / 1e6,
    "publish (each 64 KB chunk is one request); deliveries to Lambda have no charge",
    "https://aws.amazon.com/sns/pricing/",
    "2026-11",
)
API_GATEWAY_REST = Price(
    3.50 / 1e6,
    "REST API request (first 333 million a month)",
    "https://aws.amazon.com/api-gateway/pricing/",
    "2026-11",
)
API_GATEWAY_HTTP = Price(
    1.00 / 1e6,
    "HTTP API request (first 300 million a month)",
    "https://aws.amazon.com/api-gateway/pricing/",
    "2026-11",
)
LAMBDA_FUNCTION_URL = Price(
    0.0,
    "request through a Lambda function URL (no request fee: the invocation and its duration only)",
    "https://aws.amazon.com/lambda/pricing/",
    "2026-11",
)
SECRETS_MANAGER_CALL = Price(
    0.05 / 10_000, "API call", "https://aws.amazon.com/secrets-manager/pricing/", "2026-11"
)
KMS_REQUEST = Price(0.03 / 10_000, "symmetric request", "https://aws.amazon.com/kms/pricing/", "2026-11")
CLOUDWATCH_LOGS_GB = Price(
    0.53,
    "GB ingested, Standard log class",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "2026-11",
)
XRAY_TRACE = Price(5.00 / 1e6, "trace recorded", "https://aws.amazon.com/xray/pricing/", "2026-11")
SES_PER_1000 = Price(
    0.10,
    "1,000 emails sent, à la carte (SES's 2026 plans charge new accounts $0.16)",
    "https://aws.amazon.com/ses/pricing/",
    "2026-11",
)

ALL = {name: value for name, value in globals().items() if isinstance(value, Price)}


def table() -> list[dict]:
    """Every price as rows (for benchmarks.json and the markdown)."""
    return [
        {
            "name": name.lower(),
            "usd": price.usd,
            "unit": price.unit,
            "source": price.source,
            "as_of": price.as_of,
        }
        for name, price in ALL.items()
    ]
