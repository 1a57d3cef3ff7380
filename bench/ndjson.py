"""Writes the bulk NDJSON of the README's "Bulk and large documents" figures to standard output:
LINES (default 160,000) copies of tests/data/bench/record.json, compact, one a line, each with its
own `id`. Usage: python3 bench/ndjson.py [LINES] > records.ndjson"""
import json, os, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
record = json.load(open(os.path.join(root, "tests", "data", "bench", "record.json")))
out = sys.stdout
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 160_000):
    record["id"] = f"cus_{i:032x}"
    out.write(json.dumps(record, separators=(",", ":")) + "\n")
