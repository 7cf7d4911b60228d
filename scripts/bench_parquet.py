#!/usr/bin/env python3
"""Reading the text column of a large Parquet file: pyarrow (`pq.read_table(columns=["text"])`,
one thread) against `tokenmill parquet --columns text --stats --timing` (1 and 2 jobs), on the
same files in one run, for SNAPPY and ZSTD; and pyarrow with 2 threads (`use_threads=True`), to
show how the reference scales on the same machine. tokenmill runs twice: decoding each row group's
chunk into one column (as `read_table` does), and `--by-page`, a page at a time into reused
buffers (as the document reader does), with 2 jobs sharing row groups in runs of pages.

Every reader runs in a fresh process of its own, in turn, and is timed inside it from opening
the file to the last value, so neither side pays for starting its process (the processes' whole
wall time is shown too). pyarrow reads the file twice and its second read is timed: its memory
pool is then warm, the most favourable case for it. This script itself never loads pyarrow, so
no allocator is still returning memory in the background (which takes a core) while a reader
runs. The files (>= 200 MB of text) are made from the shared English corpus, repeated, with row
groups of 10,000 rows (about 28 MB, as Hugging Face writes them) and default pages.

A second file holds a dictionary-encoded string column of few distinct values (200 labels: the
first 60 characters of corpus documents; 4 million rows, as pyarrow writes it by default: row
groups of 1 Mi rows, ZSTD), the shape of a `lang` or `source` column. It is read with 1 job,
whole and by page, against pyarrow on one thread.

What the machine itself allows two jobs is measured too: two 1-job by-page processes started
together, each on its own copy of the file (so they share no process, page or mapping), time
the slower of the two. Twice the work in that time is the speed-up two fully independent
readers get here, the ceiling to hold the 2-job figure against.

  python3 scripts/bench_parquet.py [--tokenmill .build/release/tokenmill] [--mb 220] [--repeat 3]
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WRITE = r'''
import gzip, json, sys
import pyarrow as pa, pyarrow.parquet as pq
corpus, folder, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
with gzip.open(corpus, "rt", encoding="utf-8") as f:
    docs = [json.loads(l) for l in f]
ids, texts, size, k = [], [], 0, 0
while size < mb * 1_000_000:
    for d in docs:
        ids.append(f"{d['id']}-{k}")
        texts.append(d["text"])
        size += len(d["text"].encode())
    k += 1
table = pa.table({"id": ids, "text": texts})
for codec in ("SNAPPY", "ZSTD"):
    pq.write_table(table, f"{folder}/bench-{codec.lower()}.parquet", compression=codec, row_group_size=10_000)
print(json.dumps({"rows": len(texts), "bytes": size, "pyarrow": pa.__version__}))
'''

WRITE_LABELS = r'''
import gzip, json, random, sys
import pyarrow as pa, pyarrow.parquet as pq
corpus, path = sys.argv[1], sys.argv[2]
with gzip.open(corpus, "rt", encoding="utf-8") as f:
    labels = sorted({json.loads(l)["text"][:60] for l in f})[:200]
r = random.Random(1)
column = [labels[r.randrange(len(labels))] for _ in range(4_000_000)]
pq.write_table(pa.table({"label": column}), path, compression="ZSTD")
print(json.dumps({"rows": len(column), "bytes": sum(len(v.encode()) for v in column), "distinct": len(labels)}))
'''

READ = r'''
import sys, time
import pyarrow as pa, pyarrow.parquet as pq
threads, column = int(sys.argv[2]), sys.argv[3]
pa.set_cpu_count(threads)
pa.set_io_thread_count(threads)
pq.read_table(sys.argv[1], columns=[column], use_threads=threads > 1)
t0 = time.perf_counter()
t = pq.read_table(sys.argv[1], columns=[column], use_threads=threads > 1)
print(time.perf_counter() - t0, t.num_rows)
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenmill", default=os.path.join(ROOT, ".build/release/tokenmill"))
    ap.add_argument("--mb", type=int, default=220)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/tokenmill-bench-parquet")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    info = made_once(os.path.join(args.dir, f"made-{args.mb}.json"), WRITE, args.dir, str(args.mb))
    rows, size = info["rows"], info["bytes"]
    paths = {codec: os.path.join(args.dir, f"bench-{codec.lower()}.parquet") for codec in ("SNAPPY", "ZSTD")}
    print(f"{rows:,} documents, {size / 1e6:.1f} MB of text; pyarrow {info['pyarrow']}")
    print("| file | reader | median s | MB/s | vs pyarrow | process wall, median s |\n|---|---|---:|---:|---:|---:|")
    names = ["pyarrow", "pyarrow, 2 threads", "tokenmill 1 job", "tokenmill 2 jobs", "tokenmill by page, 1 job", "tokenmill by page, 2 jobs",
             PAIR]
    for codec, path in paths.items():
        if not os.path.exists(copy_of(path)):
            shutil.copyfile(path, copy_of(path) + ".part")
            os.rename(copy_of(path) + ".part", copy_of(path))
        bench(args, codec, path, "text", rows, size, names)

    labels = os.path.join(args.dir, "bench-labels.parquet")
    info = made_once(os.path.join(args.dir, "made-labels.json"), WRITE_LABELS, labels)
    bench(args, "labels, dictionary-encoded", labels, "label", info["rows"], info["bytes"], ["pyarrow", "tokenmill 1 job", "tokenmill by page, 1 job"])


def made_once(record, script, *script_args):
    """What `script` (run on the shared corpus and `script_args`) printed when it wrote its files,
    from `record`; it runs only when `record` does not exist yet."""
    if not os.path.exists(record):
        out = subprocess.run([sys.executable, "-c", script, os.path.join(ROOT, "../shared/corpora/en/python_docs.jsonl.gz"), *script_args],
                             check=True, capture_output=True, text=True).stdout
        with open(record, "w") as f:
            f.write(out)
    with open(record) as f:
        return json.load(f)


PAIR = "tokenmill by page, 1 job, 2 processes side by side"


def copy_of(path):
    return path.removesuffix(".parquet") + "-copy.parquet"


def tokenmill(args, path, column, jobs, by_page):
    return [args.tokenmill, "parquet", "--columns", column, "--stats", "--timing", "--jobs", str(jobs), path] + (["--by-page"] if by_page else [])


def wall(stderr):
    return float(re.search(r"([\d.]+) s wall", stderr).group(1))


def bench(args, label, path, column, rows, size, names):
    """Runs each reader `args.repeat` times on `path`'s `column`, in a new seeded order each
    round, and prints a table row per reader and the 2-thread speed-ups."""
    times = {name: [] for name in names}
    process = {name: [] for name in names}
    order = random.Random(7)
    for _ in range(args.repeat):
        # The readers in a new seeded order each round: none always runs right after
        # another (a big process's exit still costs the machine a moment).
        for name in order.sample(names, len(names)):
            t0 = time.perf_counter()
            if name.startswith("pyarrow"):
                threads = "2" if name.endswith("threads") else "1"
                p = subprocess.run([sys.executable, "-c", READ, path, threads, column], check=True, capture_output=True, text=True)
                process[name].append(time.perf_counter() - t0)
                seconds, n = p.stdout.split()
                assert int(n) == rows
                times[name].append(float(seconds))
                continue
            if name == PAIR:
                ps = [subprocess.Popen(tokenmill(args, f, column, 1, True), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                      for f in (path, copy_of(path))]
                outs = [p.communicate() for p in ps]
                process[name].append(time.perf_counter() - t0)
                assert all(p.returncode == 0 for p in ps), outs
                times[name].append(max(wall(err) for _, err in outs))
                for out, _ in outs:
                    stats = json.loads(out)
                    assert stats["rows"] == rows and stats["bytes"] == size, stats
                continue
            jobs = 2 if name.endswith("jobs") else 1
            p = subprocess.run(tokenmill(args, path, column, jobs, "by page" in name), check=True, capture_output=True, text=True)
            process[name].append(time.perf_counter() - t0)
            times[name].append(wall(p.stderr))
            stats = json.loads(p.stdout)
            assert stats["rows"] == rows and stats["bytes"] == size, stats
    base = statistics.median(times["pyarrow"])
    mb = os.path.getsize(path) / 1e6
    for name, ts in times.items():
        if name == PAIR:
            continue
        m = statistics.median(ts)
        whole = f"{statistics.median(process[name]):.3f}"
        print(f"| {label} ({mb:.0f} MB) | {name} | {m:.3f} | {size / 1e6 / m:.0f} | {base / m:.2f}× | {whole} |")
    for a, b in (("tokenmill 1 job", "tokenmill 2 jobs"), ("tokenmill by page, 1 job", "tokenmill by page, 2 jobs"),
                 ("pyarrow", "pyarrow, 2 threads")):
        if a not in times or b not in times:
            continue
        one, two = statistics.median(times[a]), statistics.median(times[b])
        pairs = sorted(x / y for x, y in zip(times[a], times[b]))
        print(f"| {label} | {b} vs {a.removeprefix('tokenmill ')} | | | {one / two:.2f}× (by medians; per-round ratios {pairs[0]:.2f}–{pairs[-1]:.2f}) | "
              f"{statistics.median(process[a]) / statistics.median(process[b]):.2f}× |")
    if PAIR in times:
        one, pair = statistics.median(times["tokenmill by page, 1 job"]), statistics.median(times[PAIR])
        pairs = sorted(2 * x / y for x, y in zip(times["tokenmill by page, 1 job"], times[PAIR]))
        print(f"| {label} | ceiling: {PAIR} ({pair:.3f} s for twice the work) | | | {2 * one / pair:.2f}× "
              f"(by medians; per-round ratios {pairs[0]:.2f}–{pairs[-1]:.2f}) | |")

if __name__ == "__main__":
    main()
