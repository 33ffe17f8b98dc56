"""The account holders' console, deployed: its built files (console/dist) in a private,
KMS-encrypted, TLS-only bucket, served at /console/ by the API itself (same origin, so the console
needs no CORS and stays in the API's EU region). API Gateway reads the bucket through an S3
integration whose role may only read; the security headers and the caching rule are those of
local mode (infra/console_site.py).

The files are uploaded by `python -m infra.console_upload` right after `cdk deploy` (make deploy),
not by CDK's BucketDeployment: that one brings a Lambda function of CDK's own into the service
stack, outside the project's function construct (its alarms, log retention, settings); an upload
from the deploying machine needs no function at all."""

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import console_site
from infra.console_upload import CSP_METADATA
from infra.constructs.nag import acknowledge

STATIC_HEADERS = {
    name: value for name, value in console_site.SECURITY_HEADERS.items() if name != "Content-Security-Policy"
}
HEADERS = ("Content-Type", "Cache-Control", "Content-Security-Policy", *STATIC_HEADERS)


class ConsoleSite(Construct):
    """`/console`, `/console/{proxy+}` (every screen's URL: the app's index.html) and
    `/console/assets/{file}` (the hashed files) on `rest_api`, from a bucket of this construct."""

    def __init__(self, scope: Construct, construct_id: str, *, rest_api: apigw.RestApi) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Files",
            # KMS with S3's AWS-managed key: the files are the same for every visitor, so a key of
            # our own would add a key policy to keep and nothing to protect.
            encryption=s3.BucketEncryption.KMS_MANAGED,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            # Kept when the service stack is destroyed, as CloudFormation cannot delete a bucket
            # with files in it (emptying it would need a function of CDK's own at deploy time).
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "The bucket holds only the console's built files, the same for every visitor and "
            "redeployed from the repository; nobody reads it but API Gateway's read-only role, and "
            "every request for it is already in the API's access log (method, path, status, time).",
        )
        CfnOutput(
            self,
            "Bucket",
            value=self.bucket.bucket_name,
            description="Where `python -m infra.console_upload` (make deploy) puts the built console",
        )
        self.role = iam.Role(
            self,
            "ReadRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway reads the console's files, and nothing else",
        )
        self.bucket.grant_read(self.role)
        self._acknowledge_read_grant()
        self.methods = self._routes(rest_api)

    def _acknowledge_read_grant(self) -> None:
        policy = self.role.node.find_child("DefaultPolicy")
        for finding, what in (
            ("Action::s3:GetObject*", "the object read actions (GetObject, GetObjectVersion and their like)"),
            ("Action::s3:GetBucket*", "the bucket read actions (location, policy status and their like)"),
            ("Action::s3:List*", "listing, so that a missing file answers 404 rather than 403"),
            (f"Resource::<{self._bucket_logical_id()}.Arn>/*", "every object of this one bucket"),
        ):
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[{finding}]",
                f"grant_read gives API Gateway {what}, read-only and on the console's own bucket alone.",
            )

    def _bucket_logical_id(self) -> str:
        stack = Stack.of(self)
        return stack.resolve(stack.get_logical_id(self.bucket.node.default_child))

    def _integration(self, key: str, static_key: bool) -> apigw.AwsIntegration:
        header_mapping = {
            "method.response.header.Content-Type": "integration.response.header.Content-Type",
            "method.response.header.Cache-Control": "integration.response.header.Cache-Control",
            "method.response.header.Content-Security-Policy": (
                f"integration.response.header.x-amz-meta-{CSP_METADATA}"
            ),
            **{f"method.response.header.{name}": f"'{value}'" for name, value in STATIC_HEADERS.items()},
        }
        not_found = {
            "method.response.header.Content-Type": "'text/plain; charset=utf-8'",
            "method.response.header.Cache-Control": "'no-store'",
            **{f"method.response.header.{name}": f"'{value}'" for name, value in STATIC_HEADERS.items()},
        }
        return apigw.AwsIntegration(
            service="s3",
            integration_http_method="GET",
            path=f"{self.bucket.bucket_name}/{key}",
            options=apigw.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigw.PassthroughBehavior.WHEN_NO_TEMPLATES,
                request_parameters=(
                    {} if static_key else {"integration.request.path.file": "method.request.path.file"}
                ),
                integration_responses=[
                    apigw.IntegrationResponse(status_code="200", response_parameters=header_mapping),
                    apigw.IntegrationResponse(
                        status_code="404",
                        selection_pattern=r"4\d{2}",
                        response_parameters=not_found,
                        response_templates={"application/json": "No such console file."},
                    ),
                    apigw.IntegrationResponse(
                        status_code="502", selection_pattern=r"5\d{2}", response_parameters=not_found
                    ),
                ],
                timeout=Duration.seconds(10),
            ),
        )

    def _routes(self, rest_api: apigw.RestApi) -> list[apigw.Method]:
        responses = [
            apigw.MethodResponse(
                status_code=status,
                response_parameters={f"method.response.header.{name}": True for name in HEADERS},
            )
            for status in ("200", "404", "502")
        ]
        root = rest_api.root.add_resource(console_site.PREFIX.strip("/"))
        index = self._integration(console_site.INDEX, static_key=True)
        assets = root.add_resource(console_site.ASSETS_DIR).add_resource("{file}")
        methods = [
            root.add_method("GET", index, method_responses=responses),
            # Every other path is a screen of the single-page app: its index.html.
            root.add_resource("{proxy+}").add_method("GET", index, method_responses=responses),
            assets.add_method(
                "GET",
                self._integration(f"{console_site.ASSETS_DIR}/{{file}}", static_key=False),
                method_responses=responses,
                request_parameters={"method.request.path.file": True},
            ),
        ]
        for method in methods:
            reason = (
                f"The console's static files at {method.resource.path}, the same for every visitor "
                "(no data: the console reads the API with the person's own token), so anyone may GET them."
            )
            acknowledge(method, "AwsSolutions-APIG4", reason)
            acknowledge(method, "AwsSolutions-COG4", reason)
        return methods
