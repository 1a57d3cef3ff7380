"""Oracle for erase: runs the real Powertools for AWS Lambda (Python) DataMasking.erase.

Reads a JSON list of cases from stdin:

    {"input": <JSON>, "fields": [str, ...] | null, "options": {...},
     "raise_on_missing_field": true}

where options is {} or any of the erase keyword arguments: dynamic_mask, custom_mask,
regex_pattern + mask_format, masking_rules. Writes a JSON list of results, one per case and in
the same order:

    {"ok": <output>, "warnings": [...]}
    {"error": "<exception class name>", "message": "...", "warnings": [...]}

where each warning is {"category": "UserWarning", "message": "..."}. Dict insertion order is
kept in the output, so compare semantically.
"""

import json
import sys
import warnings

from aws_lambda_powertools.utilities.data_masking import DataMasking

ERASE_OPTIONS = ("dynamic_mask", "custom_mask", "regex_pattern", "mask_format", "masking_rules")


def run_case(case, maskers):
    raise_on_missing = bool(case.get("raise_on_missing_field", True))
    masker = maskers.setdefault(raise_on_missing, DataMasking(raise_on_missing_field=raise_on_missing))
    options = case.get("options") or {}
    unknown = set(options) - set(ERASE_OPTIONS)
    if unknown:
        raise SystemExit(f"erase_oracle: unknown option(s) {sorted(unknown)}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = masker.erase(case["input"], fields=case.get("fields"), **options)
            result = {"ok": out}
        except Exception as exc:  # noqa: BLE001 - every exception is a result to compare
            result = {"error": type(exc).__name__, "message": str(exc)}
    result["warnings"] = [
        {"category": w.category.__name__, "message": str(w.message)} for w in caught
    ]
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        result = {
            "error": "OracleOutputNotJson",
            "message": f"{exc}: {result!r}"[:2000],
            "warnings": result["warnings"],
        }
    return result


def main():
    cases = json.load(sys.stdin)
    if not isinstance(cases, list):
        raise SystemExit("erase_oracle: stdin must hold a JSON list of cases")
    maskers = {}
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the library prints must not corrupt the JSON answer
    try:
        results = [run_case(case, maskers) for case in cases]
    finally:
        sys.stdout = out
    json.dump(results, out, ensure_ascii=False, allow_nan=False)
    out.write("\n")


if __name__ == "__main__":
    main()
