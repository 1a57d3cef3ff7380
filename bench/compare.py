"""The same workloads in Powertools Python 3.37.0 (this interpreter) and in data-masking (the
data-masking-bench binary), in one run, alternating Python / Rust 1 thread / Rust all cores for
each workload after a warm-up; prints one markdown table. Run through bench/compare."""
import base64, json, os, statistics, subprocess, sys, time

import aws_encryption_sdk
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider
from aws_lambda_powertools.utilities.data_masking import DataMasking
from aws_lambda_powertools.utilities.data_masking.constants import (
    CACHE_CAPACITY, MAX_CACHE_AGE_SECONDS, MAX_MESSAGES_ENCRYPTED)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BIN, RECORD = sys.argv[1], sys.argv[2]
TIME = float(os.environ.get("BENCH_TIME", "0.5"))
REPS = int(os.environ.get("BENCH_REPS", "3"))
CORES = os.cpu_count() or 1

rec = json.load(open(RECORD))
FIELDS = ["email", "ssn", "card_number", "address.postcode", "orders[*].card"]
CTX = {"tenant_id": "acme"}
dm_plain = DataMasking()


class P(RawMasterKeyProvider):
    provider_id = "bench"

    def _get_raw_key(self, key_id):
        return WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                           wrapping_key=b"\x01" * 32, wrapping_key_type=EncryptionKeyType.SYMMETRIC)


p = P()
p.add_master_key(b"key")

# Raw RSA (OAEP-SHA256, a 2048-bit key generated at start-up), as the library's RawRsaKeyring.
RSA_PEM = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


class RsaP(RawMasterKeyProvider):
    provider_id = "bench-rsa"

    def _get_raw_key(self, key_id):
        return WrappingKey(wrapping_algorithm=WrappingAlgorithm.RSA_OAEP_SHA256_MGF1,
                           wrapping_key=RSA_PEM, wrapping_key_type=EncryptionKeyType.PRIVATE)


rsa_p = RsaP()
rsa_p.add_master_key(b"rsa")
# Multi: the raw AES key generates, the raw RSA key wraps the data key too.
multi_p = P()
multi_p.add_master_key(b"key")
multi_p.add_master_key_provider(rsa_p)


# Tenants: the ESDK has no tenant keyring; the nearest is a provider per tenant picked by the
# context's tenant_id.
class TenantP(RawMasterKeyProvider):
    provider_id = "tenants"

    def _get_raw_key(self, key_id):
        k = {b"acme": b"\x01", b"globex": b"\x02"}[key_id] * 32
        return WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
                           wrapping_key=k, wrapping_key_type=EncryptionKeyType.SYMMETRIC)


tenant_p = {}
for t in ("acme", "globex"):
    tenant_p[t] = TenantP()
    tenant_p[t].add_master_key(t.encode())


def caching(mkp):
    """The ESDK's caching materials manager with Powertools' cache settings (its warm path)."""
    return aws_encryption_sdk.CachingCryptoMaterialsManager(
        master_key_provider=mkp, cache=aws_encryption_sdk.LocalCryptoMaterialsCache(CACHE_CAPACITY),
        max_age=MAX_CACHE_AGE_SECONDS, max_messages_encrypted=MAX_MESSAGES_ENCRYPTED)


client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
SUITES = {"0478": aws_encryption_sdk.Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
          "0578": aws_encryption_sdk.Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384}


# What Powertools' provider does around the ESDK: JSON, encrypt with the context, base64 (and back).
def enc(value, suite):
    ct, _ = client.encrypt(source=json.dumps(value).encode(), key_provider=p, algorithm=SUITES[suite],
                           encryption_context=CTX)
    return base64.b64encode(ct).decode()


def dec(text):
    pt, _ = client.decrypt(source=base64.b64decode(text), key_provider=p)
    return json.loads(pt)


# The same with another key provider or materials manager (a caching one for warm).
def enc_with(value, how, suite="0478"):
    ct, _ = client.encrypt(source=json.dumps(value).encode(), algorithm=SUITES[suite],
                           encryption_context=CTX, **how)
    return base64.b64encode(ct).decode()


def dec_with(text, how):
    pt, _ = client.decrypt(source=base64.b64decode(text), **how)
    return json.loads(pt)


vals = [rec["email"], rec["ssn"], rec["card_number"], rec["address"]["postcode"]] + [o["card"] for o in rec["orders"]]
RULES = {"email": {"dynamic_mask": True}, "ssn": {},
         "card_number": {"regex_pattern": r"\d{4} \d{4} \d{4} (\d{4})", "mask_format": r"**** **** **** \1"},
         "address.postcode": {"custom_mask": "XXXXX"}, "orders[*].card": {}}
big = {n: {"blob": "x" * n} for n in (100_000, 1_000_000)}
ct = {s: enc(rec, s) for s in SUITES}
fct = {s: [enc(v, s) for v in vals] for s in SUITES}
bigct = {n: enc(d, "0578") for n, d in big.items()}

# (rust workload, table label, python callable, python note)
W = [
    ("erase_fields", "erase by 5 fields", lambda: dm_plain.erase(rec, fields=FIELDS), ""),
    ("erase_whole", "erase whole", lambda: dm_plain.erase(rec), ""),
    ("erase_dynamic", "dynamic mask by 5 fields", lambda: dm_plain.erase(rec, fields=FIELDS, dynamic_mask=True), ""),
]
for s in SUITES:
    W += [(f"encrypt_{s}", f"encrypt record, raw AES, 0x{s}", lambda s=s: enc(rec, s), "ESDK"),
          (f"decrypt_{s}", f"decrypt record, raw AES, 0x{s}", lambda s=s: dec(ct[s]), "ESDK")]
for s in SUITES:
    W += [(f"encrypt_fields_{s}", f"encrypt 9 values field by field, 0x{s} (records)",
           lambda s=s: [enc(v, s) for v in vals], "ESDK ×9"),
          (f"decrypt_fields_{s}", f"decrypt 9 values field by field, 0x{s} (records)",
           lambda s=s: [dec(c) for c in fct[s]], "ESDK ×9")]
# A sealed record (one message for the 9 values): Powertools has no such thing; its closest
# equivalent is encrypting the 9 values field by field.
for s in SUITES:
    W += [(f"seal_{s}", f"seal 9 values of the record, 0x{s} (Py: ESDK ×9)",
           lambda s=s: [enc(v, s) for v in vals], "closest"),
          (f"unseal_{s}", f"unseal 9 values of the record, 0x{s} (Py: ESDK ×9)",
           lambda s=s: [dec(c) for c in fct[s]], "closest")]


# Other keyrings than raw AES, suite 0x0478: encrypt and decrypt of the record, warm (the
# library's default cache; Python: the ESDK's caching materials manager with Powertools' cache
# settings) and cold (no cache; Python: the ESDK on the key provider).
tenant_mkp = tenant_p[CTX["tenant_id"]]
for kind, label, mkp, py_note, py_label in (
        ("rsa", "raw RSA OAEP-SHA256 2048", rsa_p, "ESDK raw RSA", ""),
        ("multi", "multi (raw AES generator + raw RSA)", multi_p, "ESDK multi provider", ""),
        ("tenant", "tenant (2 tenants, raw AES)", tenant_mkp, "nearest",
         " (Py: none; nearest: ESDK on the tenant's raw AES key)")):
    kct = enc_with(rec, {"key_provider": mkp})
    for temp, how in (("warm", {"materials_manager": caching(mkp)}), ("cold", {"key_provider": mkp})):
        cache = "warm cache" if temp == "warm" else "no cache"
        W += [(f"{kind}_encrypt_{temp}_0478", f"encrypt record, {label}, 0x0478, {cache}{py_label}",
               lambda how=how: enc_with(rec, how), py_note),
              (f"{kind}_decrypt_{temp}_0478", f"decrypt record, {label}, 0x0478, {cache}{py_label}",
               lambda how=how, kct=kct: dec_with(kct, how), py_note)]


def fields_of_line(line, f):
    """The record of an NDJSON line with f applied to each of its 9 sensitive values, as a line."""
    r = json.loads(line)
    for k in ("email", "ssn", "card_number"):
        r[k] = f(r[k])
    r["address"]["postcode"] = f(r["address"]["postcode"])
    for o in r["orders"]:
        o["card"] = f(o["card"])
    return json.dumps(r, separators=(",", ":"))


line = json.dumps(rec, separators=(",", ":"))
line_ct = fields_of_line(line, lambda v: enc(v, "0478"))
W += [("encrypt_json_0478", "encrypt 9 values of one NDJSON line (`encrypt_json`), 0x0478",
       lambda: fields_of_line(line, lambda v: enc(v, "0478")), "ESDK ×9 + json"),
      ("decrypt_json_0478", "decrypt 9 values of one NDJSON line (`decrypt_json`), 0x0478",
       lambda: fields_of_line(line_ct, dec), "ESDK ×9 + json")]
W += [
    ("typed_masked", "typed `masked()` to Value (Py: erase with masking_rules)",
     lambda: dm_plain.erase(rec, masking_rules=RULES), "closest"),
    ("typed_encrypt_0478", "typed `encrypt_typed`, 9 values, 0x0478 (Py: ESDK ×9)",
     lambda: [enc(v, "0478") for v in vals], "closest"),
    ("typed_decrypt_0478", "typed `decrypt_typed`, 9 values, 0x0478 (Py: ESDK ×9)",
     lambda: [dec(c) for c in fct["0478"]], "closest"),
]
for n, tag in ((100_000, "100k"), (1_000_000, "1m")):
    W += [(f"encrypt_{tag}_0578", f"encrypt {n // 1000} KB document, 0x0578", lambda n=n: enc(big[n], "0578"), "ESDK"),
          (f"decrypt_{tag}_0578", f"decrypt {n // 1000} KB document, 0x0578", lambda n=n: dec(bigct[n]), "ESDK")]

# KMS on moto (AWS_ENDPOINT_URL, started by bench/compare): Powertools' provider (its cache) for
# warm; the ESDK with a strict KMS key provider and no cache for cold.
ARN = None
if os.environ.get("AWS_ENDPOINT_URL"):
    import boto3
    from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import AWSEncryptionSDKProvider
    ARN = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    dm_kms = DataMasking(provider=AWSEncryptionSDKProvider(keys=[ARN]))
    kms_mkp = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[ARN])

    def kms_enc(value):
        c, _ = client.encrypt(source=json.dumps(value).encode(), key_provider=kms_mkp, encryption_context=CTX)
        return base64.b64encode(c).decode()

    def kms_dec(text):
        pt, _ = client.decrypt(source=base64.b64decode(text), key_provider=kms_mkp)
        return json.loads(pt)

    kct_warm = dm_kms.encrypt(rec, **CTX)
    kct_cold = kms_enc(rec)
    W += [("kms_encrypt_warm", "KMS (moto) encrypt record, warm cache", lambda: dm_kms.encrypt(rec, **CTX), ""),
          ("kms_decrypt_warm", "KMS (moto) decrypt record, warm cache", lambda: dm_kms.decrypt(kct_warm, **CTX), ""),
          ("kms_encrypt_cold", "KMS (moto) encrypt record, no cache", lambda: kms_enc(rec), "ESDK"),
          ("kms_decrypt_cold", "KMS (moto) decrypt record, no cache", lambda: kms_dec(kct_cold), "ESDK")]
    # The discovery keyring (decrypt only) of the record encrypted with the KMS key, filtered to
    # its partition and account: the ESDK's discovery provider, with its caching materials
    # manager for warm (Powertools has no discovery mode).
    from aws_encryption_sdk.key_providers.kms import DiscoveryFilter
    arn_parts = ARN.split(":")
    disc_mkp = aws_encryption_sdk.DiscoveryAwsKmsMasterKeyProvider(
        discovery_filter=DiscoveryFilter(account_ids=[arn_parts[4]], partition=arn_parts[1]))
    disc_warm = {"materials_manager": caching(disc_mkp)}
    disc_cold = {"key_provider": disc_mkp}
    W += [("kms_discovery_decrypt_warm", "KMS (moto) discovery keyring, decrypt record, warm cache "
           "(Py: ESDK discovery provider + caching CMM)", lambda: dec_with(kct_cold, disc_warm), "ESDK"),
          ("kms_discovery_decrypt_cold", "KMS (moto) discovery keyring, decrypt record, no cache "
           "(Py: ESDK discovery provider)", lambda: dec_with(kct_cold, disc_cold), "ESDK")]

only = os.environ.get("BENCH_ONLY")
if only:
    W = [w for w in W if any(o in w[0] for o in only.split(","))]


def py_rate(fn):
    n, t = 0, time.perf_counter()
    while True:
        fn(); n += 1
        el = time.perf_counter() - t
        if el >= TIME:
            return n / el


def rust(workload, threads, floor):
    args = [BIN, "--workload", workload, "--time", str(TIME), "--threads", str(threads), "--record", RECORD] + (["--kms-key", ARN] if ARN else [])
    out = subprocess.run(args + (["--floor"] if floor else []), check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


t0 = time.time()
print("| workload | Python ops/s | Rust ops/s (1 thread) | Rust ops/s (all cores) | ratio | Rust × floor |")
print("|---|---:|---:|---:|---:|---:|")
for name, label, fn, note in W:
    for _ in range(2):  # warm-up
        fn()
    py, r1, rn, fl = [], [], [], []
    for _ in range(REPS):
        py.append(py_rate(fn))
        r = rust(name, 1, True)
        r1.append(r["ops"]); fl.append(r["floor_ops"])
        rn.append(rust(name, CORES, False)["ops"])
    py, r1, rn = (statistics.median(x) for x in (py, r1, rn))
    fl = None if None in fl else statistics.median(fl)
    floor = "—" if fl is None else f"{fl / r1:.2f} ({r['floor']})"
    print(f"| {label} | {fmt(py)} | {fmt(r1)} | {fmt(rn)} | {r1 / py:,.1f}× | {floor} |", flush=True)
print(f"\n{CORES} cores; {REPS} alternations of {TIME} s per side and workload, medians; "
      f"ratio = Rust 1 thread / Python; Rust × floor = Rust 1-thread time per op / bare-primitive time "
      f"(crypto: HKDF-SHA512 + AES-256-GCM + ECDSA P-384; clone: deep clone of the record; serialize: "
      f"serde_json of the plain struct). KMS: a moto server on loopback (no network latency; moto's own CPU shares the cores). "
      f"Raw RSA, multi, tenant and discovery warm rows: Python through the ESDK's caching materials manager with "
      f"Powertools' cache settings; their floor leaves the keyring out. "
      f"Run time {time.time() - t0:.0f} s.")
