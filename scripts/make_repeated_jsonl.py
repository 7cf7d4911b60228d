#!/usr/bin/env python3
"""Writes a JSONL file of about MB megabytes by repeating a (.jsonl or .jsonl.gz) corpus with
distinct ids: `make_repeated_jsonl.py SOURCE OUT MB`. Used by the benchmarks."""
import gzip
import json
import sys

source, out, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
opener = gzip.open if source.endswith(".gz") else open
with opener(source, "rt", encoding="utf-8") as f:
    records = [json.loads(line) for line in f if line.strip()]
target = megabytes * 1_000_000
written = 0
copy = 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        for r in records:
            line = json.dumps({"id": f"{r['id']}#{copy}", "text": r["text"]}, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
            if written >= target:
                break
        copy += 1
print(f"{out}: {written} bytes, {copy} copies")
