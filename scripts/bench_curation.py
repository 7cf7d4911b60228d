#!/usr/bin/env python3
"""Quality rule sets side by side, one run, same input (the shared English corpus, 3,890
documents, 11 MB): datatrove's filter objects called on every document (1 process) against
`tokenmill filter --no-normalize --keep-junk --rules RULE` end to end (reading, deciding,
writing kept and rejected records) with 1 and 2 jobs. Reports seconds and the ratio.

    python3 scripts/bench_curation.py
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_tokenizers import BIN, SHARED  # noqa: E402

RULES = ["gopher_quality", "gopher_repetition", "c4", "fineweb"]


def main():
    from datatrove.data import Document
    from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    classes = {"gopher_quality": GopherQualityFilter, "gopher_repetition": GopherRepetitionFilter,
               "c4": C4QualityFilter, "fineweb": FineWebQualityFilter}
    with gzip.open(os.path.join(SHARED, "en", "python_docs.jsonl.gz"), "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    work = tempfile.mkdtemp(prefix="tokenmill-bench-curation-")
    corpus = os.path.join(work, "en.jsonl")
    with open(corpus, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": d["text"]}, ensure_ascii=False) + "\n")
    mb = os.path.getsize(corpus) / 1e6
    print(f"{len(docs)} documents, {mb:.1f} MB\n")
    print("| rule set | datatrove s | tokenmill 1 job s | ratio | tokenmill 2 jobs s | ratio |\n|---|---:|---:|---:|---:|---:|")
    for rule in RULES:
        f = classes[rule]()
        t0 = time.perf_counter()
        for i, d in enumerate(docs):
            f.filter(Document(text=d["text"], id=str(i)))
        ref = time.perf_counter() - t0
        ours = {}
        for jobs in (1, 2):
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run([BIN, "filter", "--no-normalize", "--keep-junk", "--rules", rule, "--jobs", str(jobs),
                                "-o", os.path.join(work, "kept.jsonl"), "--rejects", os.path.join(work, "rejects.jsonl"), corpus],
                               check=True, capture_output=True)
                runs.append(time.perf_counter() - t0)
            ours[jobs] = sorted(runs)[1]
        print(f"| {rule} | {ref:.2f} | {ours[1]:.2f} | {ref / ours[1]:.1f}x | {ours[2]:.2f} | {ref / ours[2]:.1f}x |")


if __name__ == "__main__":
    main()
