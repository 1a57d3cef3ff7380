"""Oracle for streaming: the Python AWS Encryption SDK's streaming API
(``EncryptionSDKClient().stream(...)``) with raw AES keys, file to file, for interop tests of
the Rust streaming encrypt and decrypt in both directions.

Reads one JSON object from stdin and writes one JSON object to stdout. Keys are raw AES keys as
in esdk_oracle.py: {"namespace": "...", "name": "...", "key": "<base64>"}; the first generates
the data key.

  {"op": "encrypt", "keys": [...], "input": "<path>", "output": "<path>",
   "suite": "0x0578", "frame_length": 4096, "context": {"k": "v"}}
    -> {"ok": {"suite": "0x0578", "frame_length": 4096, "bytes": <message bytes written>}}

  {"op": "decrypt", "keys": [...], "input": "<path>", "output": "<path>"}
    -> {"ok": {"suite": "0x0578", "frame_length": 4096, "context": {...},
               "bytes": <plaintext bytes written>}}

Both read and write in chunks of 1 MiB (the SDK's own streams), so neither side holds the file.
Any exception becomes {"error": "<exception class name>", "message": "..."}.
"""

import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from esdk_oracle import client, header_facts, key_provider, suite, suite_text  # noqa: E402

CHUNK = 1 << 20


def run(case):
    kwargs = {"source": open(case["input"], "rb"), "key_provider": key_provider(case)}
    if case["op"] == "encrypt":
        kwargs["mode"] = "e"
        kwargs["encryption_context"] = case.get("context") or {}
        if case.get("suite") is not None:
            kwargs["algorithm"] = suite(case["suite"])
        if case.get("frame_length") is not None:
            kwargs["frame_length"] = int(case["frame_length"])
    elif case["op"] == "decrypt":
        kwargs["mode"] = "d"
    else:
        raise ValueError(f"unknown op {case['op']!r}")
    written = 0
    with kwargs["source"], open(case["output"], "wb") as out:
        with client(case).stream(**kwargs) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                written += len(chunk)
            header = stream.header
    facts = header_facts(header)
    if case["op"] == "encrypt":
        facts.pop("context")
        facts["suite"] = suite_text(header.algorithm)
    facts["bytes"] = written
    return facts


def main():
    logging.disable(logging.CRITICAL)
    case = json.load(sys.stdin)
    try:
        result = {"ok": run(case)}
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
        result = {"error": type(exc).__name__, "message": str(exc)}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
