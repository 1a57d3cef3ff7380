"""Oracle for encryption: the Python AWS Encryption SDK (and Powertools' DataMasking on top of it)
with raw AES keys, for interop tests in both directions.

Reads a JSON list of cases from stdin and writes a JSON list of results, one per case, in order.
Binary data is base64 (standard alphabet, padded). Keys are raw AES keys, byte-compatible with
the ESDK raw AES keyring: {"namespace": "...", "name": "...", "key": "<base64 of 16, 24 or 32
bytes>"}. With several keys, the first generates the data key and every key wraps it; decrypt
uses whichever key can unwrap.

Operations (common optional fields: "commitment_policy" as "require-encrypt-require-decrypt"
(default), "require-encrypt-allow-decrypt" or "forbid-encrypt-allow-decrypt";
"max_encrypted_data_keys": int):

  {"op": "encrypt", "keys": [...], "plaintext_b64": "..." | "plaintext": "<UTF-8 text>",
   "suite": "0x0578" | 1400, "frame_length": 4096 (0: non-framed), "context": {"k": "v"}}
    -> {"ok": {"ciphertext_b64": "...", "suite": "0x0578", "frame_length": 4096,
               "content_type": "framed" | "non-framed", "context": {...}}}
       ("context" is the message's: the caller's plus aws-crypto-public-key for signed suites)

  {"op": "decrypt", "keys": [...], "ciphertext_b64": "..."}
    -> {"ok": {"plaintext_b64": "...", "suite": "0x0578", "frame_length": 4096,
               "content_type": "framed" | "non-framed", "context": {...}}}

  {"op": "powertools_encrypt", "keys": [...], "value": <JSON>, "context": {...},
   "suite": optional}
    -> {"ok": "<base64 message, as Powertools' DataMasking.encrypt returns it>"}

  {"op": "powertools_decrypt", "keys": [...], "ciphertext": "<base64 text>", "context": {...}}
    -> {"ok": <the JSON value Powertools' DataMasking.decrypt returns>}

The Powertools operations go through DataMasking with Powertools' own AWSEncryptionSDKProvider
code (encryption context validation, comparison, JSON handling, materials cache), given a raw key
provider in place of its KMS key provider.

Any exception becomes {"error": "<exception class name>", "message": "..."}.
"""

import base64
import binascii
import json
import logging
import sys

from aws_encryption_sdk import (
    CachingCryptoMaterialsManager,
    CommitmentPolicy,
    EncryptionSDKClient,
    LocalCryptoMaterialsCache,
)
from aws_encryption_sdk.identifiers import (
    Algorithm,
    ContentType,
    EncryptionKeyType,
    WrappingAlgorithm,
)
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.base import MasterKeyProvider, MasterKeyProviderConfig
from aws_encryption_sdk.key_providers.raw import RawMasterKey

from aws_lambda_powertools.utilities.data_masking import DataMasking
from aws_lambda_powertools.utilities.data_masking.constants import (
    CACHE_CAPACITY,
    MAX_BYTES_ENCRYPTED,
    MAX_CACHE_AGE_SECONDS,
    MAX_MESSAGES_ENCRYPTED,
)
from aws_lambda_powertools.utilities.data_masking.provider import BaseProvider
from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import (
    AWSEncryptionSDKProvider,
    KMSKeyProvider,
)

POLICIES = {
    "require-encrypt-require-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    "require-encrypt-allow-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
    "forbid-encrypt-allow-decrypt": CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
}

WRAPPING = {
    16: WrappingAlgorithm.AES_128_GCM_IV12_TAG16_NO_PADDING,
    24: WrappingAlgorithm.AES_192_GCM_IV12_TAG16_NO_PADDING,
    32: WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
}


class OracleInputError(Exception):
    """The case itself is malformed (not an ESDK error)."""


def b64decode(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise OracleInputError(f"{what} is not valid base64: {exc}") from exc


def b64encode(data):
    return base64.b64encode(data).decode("ascii")


def master_key(spec):
    key = b64decode(spec["key"], "key")
    if len(key) not in WRAPPING:
        raise OracleInputError(f"a raw AES key has 16, 24 or 32 bytes, not {len(key)}")
    return RawMasterKey(
        provider_id=spec["namespace"],
        key_id=spec["name"].encode("utf-8"),
        wrapping_key=WrappingKey(
            wrapping_algorithm=WRAPPING[len(key)],
            wrapping_key=key,
            wrapping_key_type=EncryptionKeyType.SYMMETRIC,
        ),
    )


class RawKeys(MasterKeyProvider):
    """The given raw keys: the first generates the data key, all of them wrap it."""

    provider_id = "data-masking-oracle"
    _config_class = MasterKeyProviderConfig

    def _new_master_key(self, key_id):
        raise OracleInputError(f"no raw key named {key_id!r} was given")


def key_provider(case):
    specs = case.get("keys") or []
    if not specs:
        raise OracleInputError("a case needs at least one key")
    provider = RawKeys()
    for spec in specs:
        provider.add_master_key_provider(master_key(spec))
    return provider


def client(case):
    policy = case.get("commitment_policy", "require-encrypt-require-decrypt")
    if policy not in POLICIES:
        raise OracleInputError(f"unknown commitment policy {policy!r}")
    kwargs = {"commitment_policy": POLICIES[policy]}
    if case.get("max_encrypted_data_keys") is not None:
        kwargs["max_encrypted_data_keys"] = int(case["max_encrypted_data_keys"])
    return EncryptionSDKClient(**kwargs)


def suite(value):
    if isinstance(value, str):
        value = int(value, 16) if value.lower().startswith("0x") else int(value)
    return Algorithm.get_by_id(value)


def suite_text(algorithm):
    return f"0x{algorithm.algorithm_id:04X}"


def header_facts(header):
    return {
        "suite": suite_text(header.algorithm),
        "frame_length": header.frame_length,
        "content_type": "framed" if header.content_type == ContentType.FRAMED_DATA else "non-framed",
        "context": dict(header.encryption_context),
    }


def op_encrypt(case):
    if "plaintext_b64" in case:
        plaintext = b64decode(case["plaintext_b64"], "plaintext_b64")
    else:
        plaintext = case["plaintext"].encode("utf-8")
    kwargs = {
        "source": plaintext,
        "key_provider": key_provider(case),
        "encryption_context": case.get("context") or {},
    }
    if case.get("suite") is not None:
        kwargs["algorithm"] = suite(case["suite"])
    if case.get("frame_length") is not None:
        kwargs["frame_length"] = int(case["frame_length"])
    ciphertext, header = client(case).encrypt(**kwargs)
    return {"ciphertext_b64": b64encode(ciphertext), **header_facts(header)}


def op_decrypt(case):
    # Not a case error: a test may pass text that is not base64 (binascii.Error comes back).
    ciphertext = base64.b64decode(case["ciphertext_b64"], validate=True)
    plaintext, header = client(case).decrypt(source=ciphertext, key_provider=key_provider(case))
    return {"plaintext_b64": b64encode(plaintext), **header_facts(header)}


def powertools_masker(case):
    """DataMasking with Powertools' own provider code over a raw key provider."""
    provider = AWSEncryptionSDKProvider(keys=[], key_provider=raw_kms_key_provider(case))
    return DataMasking(provider=provider)


def raw_kms_key_provider(case):
    # Powertools' KMSKeyProvider, built without its KMS client: same encrypt/decrypt code, same
    # cache settings, the raw key provider in place of StrictAwsKmsMasterKeyProvider.
    provider = KMSKeyProvider.__new__(KMSKeyProvider)
    defaults = BaseProvider()  # Powertools' default JSON serializer and deserializer
    provider.json_serializer = defaults.json_serializer
    provider.json_deserializer = defaults.json_deserializer
    provider.client = client(case)
    provider.keys = [k["name"] for k in case["keys"]]
    provider.cache = LocalCryptoMaterialsCache(CACHE_CAPACITY)
    provider.key_provider = key_provider(case)
    provider.cache_cmm = CachingCryptoMaterialsManager(
        master_key_provider=provider.key_provider,
        cache=provider.cache,
        max_age=MAX_CACHE_AGE_SECONDS,
        max_messages_encrypted=MAX_MESSAGES_ENCRYPTED,
        max_bytes_encrypted=MAX_BYTES_ENCRYPTED,
    )
    return provider


def op_powertools_encrypt(case):
    options = {}
    if case.get("suite") is not None:
        options["algorithm"] = suite(case["suite"])
    return powertools_masker(case).encrypt(
        case["value"], provider_options=options, **(case.get("context") or {})
    )


def op_powertools_decrypt(case):
    return powertools_masker(case).decrypt(case["ciphertext"], **(case.get("context") or {}))


OPS = {
    "encrypt": op_encrypt,
    "decrypt": op_decrypt,
    "powertools_encrypt": op_powertools_encrypt,
    "powertools_decrypt": op_powertools_decrypt,
}


def run_case(case):
    op = OPS.get(case.get("op"))
    if op is None:
        raise SystemExit(f"esdk_oracle: unknown op {case.get('op')!r}")
    try:
        return {"ok": op(case)}
    except OracleInputError as exc:
        raise SystemExit(f"esdk_oracle: bad case: {exc}")
    except Exception as exc:  # noqa: BLE001 - every exception is a result to compare
        return {"error": type(exc).__name__, "message": str(exc)}


def main():
    logging.disable(logging.CRITICAL)  # the ESDK logs tracebacks of errors it also raises
    cases = json.load(sys.stdin)
    if not isinstance(cases, list):
        raise SystemExit("esdk_oracle: stdin must hold a JSON list of cases")
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not corrupt the JSON answer
    try:
        results = [run_case(case) for case in cases]
    finally:
        sys.stdout = out
    json.dump(results, out, ensure_ascii=False)
    out.write("\n")


if __name__ == "__main__":
    main()
