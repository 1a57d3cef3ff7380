"""Driver for the sealed-record interop tests: runs sealed_records.seal and unseal (the Python
recipe, on Powertools' DataMasking) with raw AES keys.

Reads a JSON list of cases from stdin and writes a JSON list of results, one per case, in order.
Keys are as in esdk_oracle.py: {"namespace": "...", "name": "...", "key": "<base64>"}.

  {"op": "seal", "keys": [...], "record": {...}, "encrypt": [...], "sign": [...],
   "bind": {key: field}, "context": {...}, "member": optional, "suite": optional ("0x0478"),
   "raise_on_missing_field": optional (default true)}
    -> {"ok": <the sealed record>}

  {"op": "unseal", "keys": [...], "sealed": {...}, and the same fields, context and member}
    -> {"ok": <the record>}

A sealed record refused as tampered becomes {"tampered": {"path": "...", "reason": "..."}};
any other exception {"error": "<exception class name>", "message": "..."}.
"""

import functools
import json
import logging
import sys

from esdk_oracle import OracleInputError, powertools_masker, suite
from sealed_records import RecordTampered, seal, unseal


def masker(case):
    dm = powertools_masker(case)
    dm.raise_on_missing_field = case.get("raise_on_missing_field", True)
    if case.get("suite") is not None:
        options = {"algorithm": suite(case["suite"])}
        dm.encrypt = functools.partial(dm.encrypt, provider_options=options)
    return dm


def fields(case):
    return {
        "encrypt": case.get("encrypt", []),
        "sign": case.get("sign", []),
        "bind": case.get("bind") or {},
        "context": case.get("context") or {},
        "member": case.get("member", "__sealed"),
    }


def run_case(case):
    try:
        if case.get("op") == "seal":
            return {"ok": seal(masker(case), case["record"], **fields(case))}
        if case.get("op") == "unseal":
            return {"ok": unseal(masker(case), case["sealed"], **fields(case))}
        raise SystemExit(f"seal_oracle: unknown op {case.get('op')!r}")
    except OracleInputError as exc:
        raise SystemExit(f"seal_oracle: bad case: {exc}")
    except RecordTampered as exc:
        return {"tampered": {"path": exc.path, "reason": exc.reason}}
    except Exception as exc:  # noqa: BLE001 - every exception is a result to compare
        return {"error": type(exc).__name__, "message": str(exc)}


def main():
    logging.disable(logging.CRITICAL)
    cases = json.load(sys.stdin)
    if not isinstance(cases, list):
        raise SystemExit("seal_oracle: stdin must hold a JSON list of cases")
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
