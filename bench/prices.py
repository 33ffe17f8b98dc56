"""Published AWS prices in USD, on-demand, without free tiers: the only place the benchmark's prices
live. Each price names its source (the page it was read from, and AWS's own page when that was a
secondary one), the date it is published or was checked as of, and its region.

Region: the stacks deploy to an EU region (eu-west-3 by default), but most prices below are the
us-east-1 (N. Virginia) figures, the ones AWS and every secondary source publish as text; EU
regions are usually equal (KMS, SQS, SNS, X-Ray, WAF, alarms, Secrets Manager) or somewhat higher
(Lambda, DynamoDB, API Gateway, CloudWatch Logs). `region` says which: "us-east-1" is a stand-in
for the EU region, "all" is the same price everywhere. The benchmark runs offline and never
fetches prices: check a figure against its page, or the AWS Price List API (`AmazonDynamoDB`,
`AWSLambda`, ... offers for eu-west-3), before quoting it, and change it here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    as_of: str
    region: str = "us-east-1"
    note: str = ""


DEPLOY_REGION = "eu-west-3"

LAMBDA_ARM_GB_SECOND = Price(
    0.0000133334,
    "GB-second, arm64 (first 7.5 billion GB-s a month)",
    "https://aws.amazon.com/lambda/pricing/ (via cloudchipr.com/blog/aws-lambda-pricing)",
    "2024",
    note="Since 2025-08-01 the INIT phase of on-demand ZIP functions on managed runtimes is billed "
    "as duration too (aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase).",
)
LAMBDA_REQUEST = Price(
    0.20 / 1e6,
    "request",
    "https://aws.amazon.com/lambda/pricing/ (via cloudchipr.com/blog/aws-lambda-pricing)",
    "2024",
)
DYNAMODB_WRU = Price(
    0.625 / 1e6,
    "write request unit, on-demand, Standard table class",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/ (via airbyte.com/data-engineering-resources/"
    "dynamodb-pricing)",
    "2024-11-01",
    note="On-demand throughput prices were cut by 50% on 2024-11-01.",
)
DYNAMODB_RRU = Price(
    0.125 / 1e6,
    "read request unit, on-demand, Standard table class",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/ (via airbyte.com/data-engineering-resources/"
    "dynamodb-pricing)",
    "2024-11-01",
)
DYNAMODB_STORAGE_GB_MONTH = Price(
    0.25,
    "GB-month of table and index storage, Standard table class (items + 100 bytes each)",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "2024-11-01",
    note="The first 25 GB a month are free; not counted here.",
)
DYNAMODB_PITR_GB_MONTH = Price(
    0.20,
    "GB-month of continuous backup (point-in-time recovery), charged on the table's size",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "2026-11 (not re-checked: no stored page)",
)
SQS_REQUEST = Price(
    0.40 / 1e6,
    "standard queue request (each 64 KB chunk of a payload is one request)",
    "https://aws.amazon.com/sqs/pricing/ (via cloudburn.io/blog/amazon-sqs-pricing)",
    "2026-03",
)
S3_TIER1_REQUEST = Price(
    0.005 / 1000,
    "S3 Standard PUT, COPY, POST or LIST request (a multipart upload's create, parts and completion each)",
    "https://aws.amazon.com/s3/pricing/ (via c3x.dev/blog/s3-request-fees-explained)",
    "2026",
)
S3_TIER2_REQUEST = Price(
    0.0004 / 1000,
    "S3 Standard GET, SELECT or HEAD request (DELETE is free)",
    "https://aws.amazon.com/s3/pricing/ (via c3x.dev/blog/s3-request-fees-explained)",
    "2026",
)
S3_STORAGE_GB_MONTH = Price(
    0.023,
    "GB-month of S3 Standard storage (first 50 TB)",
    "https://aws.amazon.com/s3/pricing/",
    "2026-11 (not re-checked: no stored page)",
)
DATA_TRANSFER_OUT_GB = Price(
    0.09,
    "GB out of AWS to the internet (after the first 100 GB a month, up to 10 TB); in is free",
    "https://aws.amazon.com/s3/pricing/ (Data Transfer)",
    "2026-11 (not re-checked: no stored page)",
)
SNS_PUBLISH = Price(
    0.50 / 1e6,
    "publish (each 64 KB chunk is one request); deliveries to SQS have no charge",
    "https://aws.amazon.com/sns/pricing/",
    "2026-11 (not re-checked: no stored page)",
)
API_GATEWAY_REST = Price(
    3.50 / 1e6,
    "REST API request (first 333 million a month)",
    "https://aws.amazon.com/api-gateway/pricing/",
    "2026-11 (not re-checked: no stored page)",
)
API_GATEWAY_HTTP = Price(
    1.00 / 1e6,
    "HTTP API request (first 300 million a month)",
    "https://aws.amazon.com/api-gateway/pricing/",
    "2026-11 (not re-checked: no stored page)",
)
SECRETS_MANAGER_CALL = Price(
    0.05 / 10_000,
    "API call",
    "https://aws.amazon.com/secrets-manager/pricing/ (via hivebook.wiki aws-secrets-manager)",
    "2026",
    "all",
)
SECRETS_MANAGER_SECRET = Price(
    0.40,
    "secret-month",
    "https://aws.amazon.com/secrets-manager/pricing/ (via hivebook.wiki aws-secrets-manager)",
    "2026",
    "all",
)
KMS_KEY = Price(
    1.00,
    "customer managed key-month (each rotated backing key adds $1)",
    "https://aws.amazon.com/kms/pricing/",
    "2026-03",
    "all",
)
KMS_REQUEST = Price(
    0.03 / 10_000, "symmetric request", "https://aws.amazon.com/kms/pricing/", "2026-03", "all"
)
CLOUDWATCH_ALARM = Price(
    0.10,
    "standard-resolution metric alarm-month",
    "https://aws.amazon.com/cloudwatch/pricing/ (via c3x.dev aws_cloudwatch_metric_alarm)",
    "2026",
)
CLOUDWATCH_LOGS_GB = Price(
    0.50,
    "GB ingested, Standard log class",
    "https://aws.amazon.com/cloudwatch/pricing/",
    "2026-11 (not re-checked: no stored page)",
)
XRAY_TRACE = Price(
    5.00 / 1e6,
    "trace recorded (the first 100,000 a month are free; not counted here)",
    "https://aws.amazon.com/xray/pricing/",
    "2026-11 (not re-checked: no stored page)",
    "all",
    "Sampling: the default rule records the first request each second and 5% of the rest "
    "(docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html).",
)
WAF_WEB_ACL = Price(
    5.00,
    "web ACL-month",
    "https://aws.amazon.com/waf/pricing/ (via c3x.dev/blog/aws-waf-cost-explained)",
    "2026",
    "all",
    "AWS: 'The pricing for AWS WAF is consistent across all AWS Regions' (aws.amazon.com/blogs/"
    "networking-and-content-delivery/cost-effective-ways-for-securing-your-web-applications-using-aws-waf/).",
)
WAF_RULE = Price(1.00, "rule-month (a managed rule group counts as one)", WAF_WEB_ACL.source, "2026", "all")
WAF_REQUEST = Price(0.60 / 1e6, "request inspected", WAF_WEB_ACL.source, "2026", "all")
SES_PER_1000 = Price(
    0.10,
    "1,000 emails sent, à la carte (accounts on SES's pre-2026 pricing)",
    "https://aws.amazon.com/ses/pricing/",
    "2026-11 (not re-checked: no stored page)",
    "all",
)
SES_PER_1000_2026 = Price(
    0.16,
    "1,000 emails sent, the default plan of accounts created since July 2026",
    "https://aws.amazon.com/ses/pricing/ (as quoted in the project's issue 13)",
    "2026-07",
    "all",
)

ALL = {name: value for name, value in globals().items() if isinstance(value, Price)}


def table() -> list[dict]:
    """Every price as rows (for benchmarks.json and the markdown)."""
    return [
        {
            "name": name.lower(),
            "usd": price.usd,
            "unit": price.unit,
            "region": price.region,
            "source": price.source,
            "as_of": price.as_of,
            "note": price.note,
        }
        for name, price in ALL.items()
    ]
