"""The EU region guard: consentmail keeps its data in the EU, so the CDK app refuses to synthesize
for any other region. London (eu-west-2) and Zurich (eu-central-2) are outside the EU and refused
too, as are EU regions we have not validated the stack in."""

DEFAULT_REGION = "eu-west-3"
ALLOWED_REGIONS: tuple[str, ...] = (
    "eu-west-1",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
)


class RegionNotAllowed(ValueError):
    """The requested region is outside the EU regions consentmail deploys to."""


def check_region(region: str) -> str:
    """The region itself when it is allowed; RegionNotAllowed naming the allowed regions otherwise."""
    if region not in ALLOWED_REGIONS:
        raise RegionNotAllowed(
            f"region {region!r} is not allowed: consentmail keeps its data in the EU and deploys only to "
            + ", ".join(ALLOWED_REGIONS)
        )
    return region
