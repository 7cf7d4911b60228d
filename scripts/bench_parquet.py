#!/usr/bin/env python3
"""Reading the text column of a large Parquet file: pyarrow (`pq.read_table(columns=["text"])`,
one thread) against `tokenmill parquet --columns text --stats` (1 and 2 jobs), on the same files
in one run, for SNAPPY and ZSTD. The files (>= 200 MB of text) are made from the shared English
corpus, repeated, with row groups of 10,000 rows (about 28 MB, as Hugging Face writes them) and default pages.

  python3 scripts/bench_parquet.py [--tokenmill .build/release/tokenmill] [--mb 220] [--repeat 3]
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    ap.add_argument("--mb", type=int, default=220)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/tokenmill-bench-parquet")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    with gzip.open(os.path.join(ROOT, "../shared/corpora/en/python_docs.jsonl.gz"), "rt", encoding="utf-8") as f:
        docs = [json.loads(l) for l in f]
    ids, texts, size, k = [], [], 0, 0
    while size < args.mb * 1_000_000:
        for d in docs:
            ids.append(f"{d['id']}-{k}")
            texts.append(d["text"])
            size += len(d["text"].encode())
        k += 1
    table = pa.table({"id": ids, "text": texts})
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    print(f"{len(texts):,} documents, {size / 1e6:.1f} MB of text; pyarrow {pa.__version__}, single thread")
    print("| file | reader | median s | MB/s | vs pyarrow |\n|---|---|---:|---:|---:|")
    for codec in ("SNAPPY", "ZSTD"):
        path = os.path.join(args.dir, f"bench-{codec.lower()}.parquet")
        if not os.path.exists(path):
            pq.write_table(table, path, compression=codec, row_group_size=10_000)
        times = {"pyarrow": [], "tokenmill 1 job": [], "tokenmill 2 jobs": []}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            t = pq.read_table(path, columns=["text"], use_threads=False)
            assert t.num_rows == len(texts)
            times["pyarrow"].append(time.perf_counter() - t0)
            del t
            for jobs in (1, 2):
                t0 = time.perf_counter()
                out = subprocess.run([args.tokenmill, "parquet", "--columns", "text", "--stats", "--jobs", str(jobs), path],
                                     check=True, capture_output=True, text=True).stdout
                times[f"tokenmill {jobs} job{'s' if jobs > 1 else ''}"].append(time.perf_counter() - t0)
                stats = json.loads(out)
                assert stats["rows"] == len(texts) and stats["bytes"] == size, stats
        base = statistics.median(times["pyarrow"])
        mb = os.path.getsize(path) / 1e6
        for name, ts in times.items():
            m = statistics.median(ts)
            print(f"| {codec} ({mb:.0f} MB) | {name} | {m:.3f} | {size / 1e6 / m:.0f} | {base / m:.2f}× |")
        one, two = statistics.median(times["tokenmill 1 job"]), statistics.median(times["tokenmill 2 jobs"])
        pairs = sorted(a / b for a, b in zip(times["tokenmill 1 job"], times["tokenmill 2 jobs"]))
        print(f"| {codec} | 2 jobs vs 1 job | | | {one / two:.2f}× (by medians; per-round ratios {pairs[0]:.2f}–{pairs[-1]:.2f}) |")


if __name__ == "__main__":
    main()
