"""The console in the synthesized template: /console/ served by the API from a private,
KMS-encrypted, TLS-only bucket, through a role that can only read it."""

import json

import boto3
import pytest
from moto import mock_aws

from infra import console_site
from infra.console_upload import UploadError, upload

pytestmark = pytest.mark.infra


def _resource_paths(synthesized) -> dict[str, str]:
    resources = synthesized.resources(synthesized.service, "AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        return (path_of(parent["Ref"]) if "Ref" in parent else "") + "/" + props["PathPart"]

    return {logical_id: path_of(logical_id) for logical_id in resources}


def _console_methods(synthesized) -> dict[str, dict]:
    paths = _resource_paths(synthesized)
    methods = {}
    for method in synthesized.resources(synthesized.service, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        path = paths.get(props["ResourceId"].get("Ref", ""), "/")
        if path.startswith(console_site.PREFIX):
            methods[f"{props['HttpMethod']} {path}"] = props
    return methods


def _only(synthesized, type_: str, name_part: str) -> tuple[str, dict]:
    [(logical_id, resource)] = [
        (k, r) for k, r in synthesized.resources(synthesized.service, type_).items() if name_part in k
    ]
    return logical_id, resource


def uri_ends(props: dict, suffix: str) -> bool:
    parts = props["Integration"]["Uri"]["Fn::Join"][1]
    return isinstance(parts[-1], str) and parts[-1].endswith(suffix)


def test_the_template_serves_the_console_from_its_bucket_at_console(synthesized):
    bucket_id, _ = _only(synthesized, "AWS::S3::Bucket", "ConsoleFiles")
    role_id, _ = _only(synthesized, "AWS::IAM::Role", "ConsoleReadRole")
    methods = _console_methods(synthesized)

    assert set(methods) == {"GET /console", "GET /console/{proxy+}", "GET /console/assets/{file}"}
    for key, props in methods.items():
        integration = props["Integration"]
        assert integration["Type"] == "AWS", key
        assert integration["IntegrationHttpMethod"] == "GET", key
        uri = json.dumps(integration["Uri"])
        assert ":s3:path/" in uri and json.dumps({"Ref": bucket_id}) in uri, key
        assert integration["Credentials"] == {"Fn::GetAtt": [role_id, "Arn"]}, key
        assert props["AuthorizationType"] == "NONE", key
    # Every screen's URL is the app's index.html; only hashed files come from assets/.
    assert uri_ends(methods["GET /console"], "/index.html")
    assert uri_ends(methods["GET /console/{proxy+}"], "/index.html")
    assert uri_ends(methods["GET /console/assets/{file}"], "/assets/{file}")


def test_every_console_response_carries_the_security_headers_and_the_files_cache_control(synthesized):
    # The CSP and Cache-Control come with each object (infra/console_upload.py), the rest is static.
    for key, props in _console_methods(synthesized).items():
        [ok] = [r for r in props["Integration"]["IntegrationResponses"] if r["StatusCode"] == "200"]
        headers = ok["ResponseParameters"]
        assert headers["method.response.header.Content-Security-Policy"] == (
            "integration.response.header.x-amz-meta-csp"
        ), key
        assert headers["method.response.header.X-Frame-Options"] == "'DENY'", key
        assert headers["method.response.header.Referrer-Policy"] == "'no-referrer'", key
        assert headers["method.response.header.Cache-Control"] == "integration.response.header.Cache-Control"


def test_the_api_gzips_answers_over_a_kilobyte_so_the_console_loads_compressed(synthesized):
    """The console's first load is within its 200 kB budget only compressed (docs/benchmarks.md)."""
    [api] = synthesized.resources(synthesized.service, "AWS::ApiGateway::RestApi").values()

    assert api["Properties"]["MinimumCompressionSize"] == 1024


def test_the_console_bucket_is_private_kms_encrypted_and_tls_only(synthesized):
    bucket_id, bucket = _only(synthesized, "AWS::S3::Bucket", "ConsoleFiles")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    _, policy = _only(synthesized, "AWS::S3::BucketPolicy", "ConsoleFilesPolicy")
    [deny] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_api_gateway_may_only_read_the_console_bucket(synthesized):
    _, policy = _only(synthesized, "AWS::IAM::Policy", "ConsoleReadRoleDefaultPolicy")
    actions = {a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert actions == {"s3:GetBucket*", "s3:GetObject*", "s3:List*"}


def test_the_upload_puts_index_html_last_with_each_files_cache_rule_and_the_csp(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><script type=module src=/console/assets/app-1a2b.js>")
    (dist / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (dist / "assets" / "app-3c4d.css").write_text("body{}")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        region = {"LocationConstraint": "eu-west-3"}
        s3.create_bucket(Bucket="console-files", CreateBucketConfiguration=region)

        keys = upload(s3, "console-files", dist)

        assert keys == ["assets/app-1a2b.js", "assets/app-3c4d.css", "index.html"]
        index = s3.get_object(Bucket="console-files", Key="index.html")
        script = s3.get_object(Bucket="console-files", Key="assets/app-1a2b.js")
    assert index["CacheControl"] == "no-cache" and index["ContentType"] == "text/html; charset=utf-8"
    assert script["CacheControl"] == "public, max-age=31536000, immutable"
    assert script["ContentType"] == "text/javascript; charset=utf-8"
    for answer in (index, script):
        assert answer["Metadata"]["csp"] == console_site.CONTENT_SECURITY_POLICY


def test_the_uploaded_policy_lets_the_console_put_large_imports_to_the_transfer_bucket_only(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html>")
    transfers = console_site.transfer_origin("consentmail-transfers-123456789012-eu-west-3", "eu-west-3")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(
            Bucket="console-files", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )

        upload(s3, "console-files", dist, transfers=transfers)

        csp = s3.get_object(Bucket="console-files", Key="index.html")["Metadata"]["csp"]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["connect-src"] == (
        "'self' https://consentmail-transfers-123456789012-eu-west-3.s3.eu-west-3.amazonaws.com"
    )
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_the_upload_refuses_a_console_that_was_not_built(tmp_path):
    with pytest.raises(UploadError, match="build the console"):
        upload(None, "console-files", tmp_path)
