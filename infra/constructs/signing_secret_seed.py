"""Custom-resource handler that gives the signing secret its first value, in the keyring format of
`consentmail.core.signing_keys` ({"current", "keys", "hash_key"}, base64 keys of 32 random bytes).

Secrets Manager can only generate one flat random string, not this nested JSON, and a value
written into the template would be readable by anyone who can read the template. So the secret is
created with a throw-away generated string and this function, run once by CloudFormation, puts the
keyring in its place. It never overwrites a value that already is a keyring (updates, re-deploys,
a restored secret) and never returns or logs the value. Deployed as inline code: stdlib + boto3."""

import base64
import json
import secrets
import urllib.request

import boto3


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def new_keyring() -> str:
    return json.dumps({"current": "k1", "keys": {"k1": _key()}, "hash_key": _key()})


def is_keyring(text: str) -> bool:
    try:
        value = json.loads(text)
        return value["current"] in value["keys"] and bool(value["hash_key"])
    except (ValueError, KeyError, TypeError):
        return False


def seed(client, secret_id: str) -> bool:
    """Put a fresh keyring unless the secret already holds one; True when it wrote."""
    if is_keyring(client.get_secret_value(SecretId=secret_id)["SecretString"]):
        return False
    client.put_secret_value(SecretId=secret_id, SecretString=new_keyring())
    return True


def handler(event, context):
    status, reason = "SUCCESS", "seeded or already a keyring"
    try:
        if event["RequestType"] in ("Create", "Update"):
            seed(boto3.client("secretsmanager"), event["ResourceProperties"]["SecretId"])
    except Exception as error:  # noqa: BLE001 - CloudFormation must hear of any failure
        status, reason = "FAILED", f"{type(error).__name__}; see the function's log"
        print(json.dumps({"level": "ERROR", "error": type(error).__name__}))
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": event.get("PhysicalResourceId") or "signing-secret-seed",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's pre-signed https response URL
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - same URL
        pass
