"""cdk-nag acknowledgements, one finding on the one construct it concerns, always with a reason."""

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (`AwsSolutions-IAM5[Resource::*]`, `AwsSolutions-L1`) on
    `construct`. The reason is the argument a reviewer reads: say why the finding is acceptable."""
    if len(reason) < 20:
        raise ValueError(f"acknowledging {finding} needs a real reason, not {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))
