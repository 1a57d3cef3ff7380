"""Oracle for the required encryption context: the Python AWS Encryption SDK 4 with the AWS
Cryptographic Material Providers library (its raw AES keyring, default CMM and
required-encryption-context CMM), for interop tests in both directions.

Reads a JSON list of cases from stdin and writes a JSON list of results, one per case, in order.
Binary data is base64 (standard alphabet, padded). A key is a raw AES-256 key:
{"namespace": "...", "name": "...", "key": "<base64 of 32 bytes>"}.

Operations:

  {"op": "encrypt", "key": {...}, "plaintext_b64": "...", "suite": "0x0578" | "0x0478",
   "context": {"k": "v"}, "required_keys": ["k", ...]}
    -> {"ok": {"ciphertext_b64": "...", "stored_context": {...}}}
       (with required keys, through the required-encryption-context CMM over the default CMM;
       "stored_context" is the header's, aws-crypto-public-key left out)

  {"op": "decrypt", "key": {...}, "ciphertext_b64": "...", "context": {...} | null,
   "required_keys": [...] (optional)}
    -> {"ok": {"plaintext_b64": "...", "stored_context": {...}}}
       ("context" is the reproduced encryption context; with "required_keys", through the
       required-encryption-context CMM, else the default CMM)

Any exception becomes {"error": "<exception class name>", "message": "..."}.
"""

import base64
import json
import logging
import sys

import aws_encryption_sdk
from aws_encryption_sdk import CommitmentPolicy
from aws_encryption_sdk.identifiers import Algorithm
from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
from aws_cryptographic_material_providers.mpl.models import (
    AesWrappingAlg,
    CreateDefaultCryptographicMaterialsManagerInput,
    CreateRawAesKeyringInput,
    CreateRequiredEncryptionContextCMMInput,
)

PUBLIC_KEY = "aws-crypto-public-key"
SUITES = {
    "0x0578": Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    "0x0478": Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
}

MPL = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())
CLIENT = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)


def materials_manager(key, required_keys):
    keyring = MPL.create_raw_aes_keyring(
        CreateRawAesKeyringInput(
            key_namespace=key["namespace"],
            key_name=key["name"],
            wrapping_key=base64.b64decode(key["key"]),
            wrapping_alg=AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16,
        )
    )
    cmm = MPL.create_default_cryptographic_materials_manager(
        CreateDefaultCryptographicMaterialsManagerInput(keyring=keyring)
    )
    if not required_keys:
        return cmm
    return MPL.create_required_encryption_context_cmm(
        CreateRequiredEncryptionContextCMMInput(
            underlying_cmm=cmm, required_encryption_context_keys=list(required_keys)
        )
    )


def stored(header):
    return {k: v for k, v in header.encryption_context.items() if k != PUBLIC_KEY}


def run(case):
    cmm = materials_manager(case["key"], case.get("required_keys"))
    if case["op"] == "encrypt":
        ciphertext, header = CLIENT.encrypt(
            source=base64.b64decode(case["plaintext_b64"]),
            materials_manager=cmm,
            encryption_context=case["context"],
            algorithm=SUITES[case.get("suite", "0x0578")],
        )
        return {
            "ciphertext_b64": base64.b64encode(ciphertext).decode(),
            "stored_context": stored(header),
        }
    if case["op"] == "decrypt":
        kwargs = {}
        if case.get("context") is not None:
            kwargs["encryption_context"] = case["context"]
        plaintext, header = CLIENT.decrypt(
            source=base64.b64decode(case["ciphertext_b64"]), materials_manager=cmm, **kwargs
        )
        return {
            "plaintext_b64": base64.b64encode(plaintext).decode(),
            "stored_context": stored(header),
        }
    raise ValueError("unknown op {!r}".format(case["op"]))


def main():
    # The ESDK logs a failed decrypt's stream closing at ERROR; the result says it already.
    logging.disable(logging.CRITICAL)
    out = []
    for case in json.load(sys.stdin):
        try:
            out.append({"ok": run(case)})
        except Exception as e:  # noqa: BLE001 - every failure is reported to the test
            out.append({"error": type(e).__name__, "message": str(e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
