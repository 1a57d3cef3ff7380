"""Oracle for raw RSA keys: the Python AWS Encryption SDK's raw RSA master keys (RawMasterKey
with a WrappingAlgorithm.RSA_* wrapping key), for interop tests in both directions.

Reads a JSON list of cases from stdin and writes a JSON list of results, one per case, in order.
Binary data is base64 (standard alphabet, padded). A key is as in the crate's RSA key file:
{"namespace": "...", "name": "...", "padding": "pkcs1" | "oaep-sha1" | "oaep-sha256" |
"oaep-sha384" | "oaep-sha512", "private_key_pem": "...", "public_key_pem": "..."}; the private key
is used when given (it encrypts and decrypts), otherwise the public key (it only encrypts).

Operations (optional "commitment_policy": "require-encrypt-require-decrypt" (default),
"require-encrypt-allow-decrypt" or "forbid-encrypt-allow-decrypt"):

  {"op": "encrypt", "key": {...}, "plaintext_b64": "...", "suite": "0x0578" | null,
   "context": {"k": "v"}}
    -> {"ok": {"ciphertext_b64": "...", "suite": "0x0578",
               "edks": [{"provider_id": "...", "provider_info_b64": "...", "ciphertext_len": n}]}}

  {"op": "decrypt", "key": {...}, "ciphertext_b64": "..."}
    -> {"ok": {"plaintext_b64": "...", "suite": "0x0578", "context": {...}}}

Any exception becomes {"error": "<exception class name>", "message": "..."}.
"""

import base64
import json
import logging
import sys

from aws_encryption_sdk import CommitmentPolicy, EncryptionSDKClient
from aws_encryption_sdk.identifiers import Algorithm, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey

POLICIES = {
    "require-encrypt-require-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    "require-encrypt-allow-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
    "forbid-encrypt-allow-decrypt": CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
}

PADDINGS = {
    "pkcs1": WrappingAlgorithm.RSA_PKCS1,
    "oaep-sha1": WrappingAlgorithm.RSA_OAEP_SHA1_MGF1,
    "oaep-sha256": WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
    "oaep-sha384": WrappingAlgorithm.RSA_OAEP_SHA384_MGF1,
    "oaep-sha512": WrappingAlgorithm.RSA_OAEP_SHA512_MGF1,
}


class OracleInputError(Exception):
    """The case itself is malformed (not an ESDK error)."""


def b64encode(data):
    return base64.b64encode(data).decode("ascii")


def master_key(spec):
    if spec.get("padding") not in PADDINGS:
        raise OracleInputError(f"unknown padding {spec.get('padding')!r}")
    if spec.get("private_key_pem"):
        pem, kind = spec["private_key_pem"], EncryptionKeyType.PRIVATE
    elif spec.get("public_key_pem"):
        pem, kind = spec["public_key_pem"], EncryptionKeyType.PUBLIC
    else:
        raise OracleInputError("a key needs private_key_pem or public_key_pem")
    return RawMasterKey(
        provider_id=spec["namespace"],
        key_id=spec["name"].encode("utf-8"),
        wrapping_key=WrappingKey(
            wrapping_algorithm=PADDINGS[spec["padding"]],
            wrapping_key=pem.encode("ascii"),
            wrapping_key_type=kind,
        ),
    )


def client(case):
    policy = case.get("commitment_policy", "require-encrypt-require-decrypt")
    if policy not in POLICIES:
        raise OracleInputError(f"unknown commitment policy {policy!r}")
    return EncryptionSDKClient(commitment_policy=POLICIES[policy])


def suite_text(algorithm):
    return f"0x{algorithm.algorithm_id:04X}"


def op_encrypt(case):
    kwargs = {
        "source": base64.b64decode(case["plaintext_b64"], validate=True),
        "key_provider": master_key(case["key"]),
        "encryption_context": case.get("context") or {},
    }
    if case.get("suite") is not None:
        kwargs["algorithm"] = Algorithm.get_by_id(int(case["suite"], 16))
    ciphertext, header = client(case).encrypt(**kwargs)
    edks = [
        {
            "provider_id": edk.key_provider.provider_id,
            "provider_info_b64": b64encode(edk.key_provider.key_info),
            "ciphertext_len": len(edk.encrypted_data_key),
        }
        for edk in header.encrypted_data_keys
    ]
    return {"ciphertext_b64": b64encode(ciphertext), "suite": suite_text(header.algorithm), "edks": edks}


def op_decrypt(case):
    ciphertext = base64.b64decode(case["ciphertext_b64"], validate=True)
    plaintext, header = client(case).decrypt(source=ciphertext, key_provider=master_key(case["key"]))
    return {
        "plaintext_b64": b64encode(plaintext),
        "suite": suite_text(header.algorithm),
        "context": dict(header.encryption_context),
    }


OPS = {"encrypt": op_encrypt, "decrypt": op_decrypt}


def run(case):
    op = OPS.get(case.get("op"))
    if op is None:
        return {"error": "OracleInputError", "message": f"unknown op {case.get('op')!r}"}
    try:
        return {"ok": op(case)}
    except Exception as exc:  # every failure is an answer, for the test to judge
        return {"error": type(exc).__name__, "message": str(exc)}


def main():
    logging.disable(logging.CRITICAL)
    cases = json.load(sys.stdin)
    json.dump([run(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
