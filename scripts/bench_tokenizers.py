#!/usr/bin/env python3
"""Side-by-side tokenizer benchmarks on the same input in one run (release build):

* encode, cl100k_base: tiktoken `encode_ordinary` (1 thread) vs `tokenmill encode` with 1 and 2 jobs,
  in MB of UTF-8 input per CPU-second (reading excluded on both sides);
* train a 32k byte-level BPE: HF `BpeTrainer` vs `tokenmill train-tokenizer`, wall time and peak RSS.

Usage: scripts/bench_tokenizers.py [MB]   (default 54; needs `make build` and requirements-test.txt)."""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
BIN = os.path.join(ROOT, ".build", "release", "tokenmill")
CL100K = os.path.join(SHARED, "tokenizers", "cl100k_base.tiktoken")
REPEATS = 9

HF_TRAIN = r'''
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from reference_tokenizers import train_hf
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
t0 = time.time()
tok = train_hf(texts, 32000)
tok.save(sys.argv[2])
print(json.dumps({"wall": time.time() - t0, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def tiktoken_cl100k():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from reference_tokenizers import cl100k
    return cl100k(CL100K)


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB, stdout, stderr)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    seconds = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return seconds, rss, p.stdout, p.stderr


def english_corpus(mb, prefix):
    """The shared English corpus repeated to `mb` MB as JSONL in a fresh temporary folder:
    (folder, JSONL path, texts, size in MB)."""
    work = tempfile.mkdtemp(prefix=prefix)
    corpus = os.path.join(work, "en.jsonl")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_repeated_jsonl.py"),
                    os.path.join(SHARED, "en", "python_docs.jsonl.gz"), corpus, str(mb)], check=True, capture_output=True)
    texts = [json.loads(line)["text"] for line in open(corpus, encoding="utf-8")]
    return work, corpus, texts, sum(len(t.encode("utf-8")) for t in texts) / 1e6


def main():
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 54
    work, corpus, texts, size = english_corpus(mb, "tokenmill-bench-tok-")
    rows = []

    enc = tiktoken_cl100k()
    tik_runs = []
    for _ in range(3):
        c0 = time.process_time()
        n_ref = sum(len(enc.encode_ordinary(t)) for t in texts)
        tik_runs.append(time.process_time() - c0)
    tik_cpu = sorted(tik_runs)[1]
    rows.append(("encode cl100k, tiktoken 0.14 (1 thread, median of 3)", f"{size / tik_cpu:.1f} MB/CPU-s", "1.00×"))
    runs = {1: [], 2: []}
    # Median of several rounds (the machine is shared and noisy); in each round the 1-job and
    # 2-job runs alternate which goes first, so that neither always follows the other.
    for round in range(REPEATS):
        for jobs in ((1, 2) if round % 2 == 0 else (2, 1)):
            p = subprocess.run([BIN, "encode", "--tokenizer", CL100K, "--disallowed-special", "none", "--field", "text",
                                "--count", "--timing", "--jobs", str(jobs), corpus], capture_output=True, text=True, check=True)
            assert int(p.stdout.strip()) == n_ref, "token counts differ from tiktoken"
            m = re.search(r"([\d.]+) s wall, ([\d.]+) s CPU", p.stderr)
            runs[jobs].append((float(m.group(1)), float(m.group(2))))
    ours = {jobs: (sorted(r[0] for r in rs)[len(rs) // 2], sorted(r[1] for r in rs)[len(rs) // 2], min(r[0] for r in rs))
            for jobs, rs in runs.items()}
    rows.append((f"encode cl100k, tokenmill, 1 job (median of {REPEATS})", f"{size / ours[1][1]:.1f} MB/CPU-s", f"{tik_cpu / ours[1][1]:.2f}× tiktoken"))
    rows.append(("encode cl100k, tokenmill, 2 jobs (wall, median)", f"{size / ours[2][0]:.1f} MB/s wall",
                 f"{ours[1][0] / ours[2][0]:.2f}× our 1-job wall time (median)"))
    rows.append(("encode cl100k, tokenmill, 2 jobs (wall, best)", f"{size / ours[2][2]:.1f} MB/s wall",
                 f"{ours[1][2] / ours[2][2]:.2f}× our 1-job wall time (best of {REPEATS} each)"))
    # What the threads cost in total: 1.00 would mean the 2 jobs do no more work than 1 job.
    rows.append(("encode cl100k, tokenmill, 2 jobs (CPU, median)", f"{ours[2][1]:.3f} CPU-s",
                 f"{ours[2][1] / ours[1][1]:.2f}× our 1-job CPU time"))

    hf_out = os.path.join(work, "hf.json")
    p = subprocess.run([sys.executable, "-c", HF_TRAIN, corpus, hf_out, os.path.join(ROOT, "scripts")], capture_output=True, text=True, check=True)
    hf = json.loads(p.stdout)
    our_out = os.path.join(work, "ours.json")
    wall, rss, _, _ = timed([BIN, "train-tokenizer", corpus, "--vocab-size", "32000", "--special-token", "<|endoftext|>",
                             "--quiet", "-o", our_out])
    identical = open(hf_out, "rb").read() == open(our_out, "rb").read()
    rows.append(("train 32k, HF BpeTrainer (2 threads)", f"{hf['wall']:.2f} s, {hf['rss_mib']:.0f} MiB", "1.00×"))
    rows.append(("train 32k, tokenmill (2 jobs)", f"{wall:.2f} s, {rss:.0f} MiB",
                 f"{wall / hf['wall']:.2f}× HF's time; identical file: {identical}"))

    print(f"input: {size:.1f} MB of UTF-8 text ({len(texts)} documents), {n_ref} cl100k tokens\n")
    print("| benchmark | figure | ratio |\n|---|---:|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
