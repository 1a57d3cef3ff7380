"""Oracle for the KMS keyring: Powertools for AWS Lambda (Python) DataMasking with its own
AWSEncryptionSDKProvider (StrictAwsKmsMasterKeyProvider over boto3) against a KMS endpoint.

The endpoint, region and credentials come from the environment, as for every AWS SDK
(AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).

stdin:  {"cases": [case, ...]}
stdout: {"results": [result, ...]}, one result per case, in order.

Cases:
  {"op": "encrypt", "keys": [arn, ...], "data": <JSON value>, "context": {k: v}}
    -> {"ok": "<base64 message, as DataMasking.encrypt returns it>"}
  {"op": "decrypt", "keys": [arn, ...], "ciphertext": "<base64>", "context": {k: v}}
    -> {"ok": <the JSON value DataMasking.decrypt returns>}
Any Powertools exception -> {"error": "<exception class name>"}.
"""

import json
import sys

from aws_lambda_powertools.utilities.data_masking import DataMasking
from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import (
    AWSEncryptionSDKProvider,
)

_maskers = {}


def masker(keys):
    """One DataMasking per key list, as a Lambda builds it once per container."""
    key = tuple(keys)
    if key not in _maskers:
        _maskers[key] = DataMasking(provider=AWSEncryptionSDKProvider(keys=list(keys)))
    return _maskers[key]


def run_case(case):
    context = case.get("context") or {}
    try:
        if case["op"] == "encrypt":
            return {"ok": masker(case["keys"]).encrypt(case["data"], **context)}
        if case["op"] == "decrypt":
            return {"ok": masker(case["keys"]).decrypt(case["ciphertext"], **context)}
        return {"error": "UnknownOp"}
    except Exception as exc:  # noqa: BLE001 - the class name is the answer
        return {"error": type(exc).__name__}


def main():
    request = json.load(sys.stdin)
    results = [run_case(case) for case in request["cases"]]
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
