#!/usr/bin/env python3
"""MinHash throughput side by side, one run, same input: datatrove's MinhashDedupSignature stage
(the default config: word 5-grams, 14 bands x 8 rows, xxhash, spaCy word tokenizer) against
`tokenmill dedup --minhash datatrove` end to end (signatures, LSH buckets, clustering and writing
the kept and rejected records) with 1 and 2 jobs. Input: the shared English corpus repeated to
MB megabytes (default 11) as JSONL. Reports documents/s and MB/s and the ratio.

    python3 scripts/bench_minhash.py [MB]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_tokenizers import BIN, english_corpus, timed  # noqa: E402


def datatrove_signatures(texts, folder):
    from datatrove.data import Document
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    step = MinhashDedupSignature(output_folder=folder, config=MinhashConfig())
    docs = (Document(text=t, id=str(i)) for i, t in enumerate(texts))
    t0, c0 = time.perf_counter(), time.process_time()
    result = step.run(docs, rank=0, world_size=1)
    if result is not None:
        for _ in result:
            pass
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    work, corpus, texts, size = english_corpus(mb, "tokenmill-bench-minhash-")
    n = len(texts)
    rows = []
    wall, cpu = datatrove_signatures(texts, os.path.join(work, "dt-sigs"))
    rows.append(("datatrove MinhashDedupSignature (1 process)", wall, n / wall, size / wall))
    base = wall
    for jobs in (1, 2):
        runs = []
        for _ in range(3):
            w, rss, _, err = timed([BIN, "dedup", "--minhash", "datatrove", "--jobs", str(jobs), "-o", os.path.join(work, "kept.jsonl"),
                                    "--rejects", os.path.join(work, "rejects.jsonl"), corpus])
            runs.append((w, rss))
        w, rss = sorted(runs)[1]
        rows.append((f"tokenmill dedup --minhash datatrove, {jobs} job(s), end to end (median of 3; {rss:.0f} MiB)", w, n / w, size / w))
    print(f"{n} documents, {size:.1f} MB\n")
    print("| run | wall s | docs/s | MB/s | vs datatrove |\n|---|---:|---:|---:|---:|")
    for name, w, dps, mbs in rows:
        print(f"| {name} | {w:.2f} | {dps:,.0f} | {mbs:.2f} | {base / w:.1f}x |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
