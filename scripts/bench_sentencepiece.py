#!/usr/bin/env python3
"""Side-by-side SentencePiece benchmarks on the same input in one run (release build):

* encode, 1 thread: sentencepiece `encode` vs `tokenmill encode --jobs 1`, in MB of UTF-8 input
  per CPU-second (reading excluded on both sides; runs interleaved, medians of 5), for the shared Mistral model (BPE) and the
  Unigram 8k fixture model (trained by sentencepiece, nmt_nfkc);
* train a 32k Unigram model on the same sentences (one per line): sentencepiece (2 threads) vs
  `tokenmill train-tokenizer --model unigram` (2 jobs), wall time and peak RSS, each in its own
  process.

Usage: scripts/bench_sentencepiece.py [MB]   (default 54; needs `make build` and requirements-test.txt)."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_tokenizers import english_corpus, timed  # noqa: E402  (wall seconds, peak RSS MiB, stdout, stderr)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
BIN = os.path.join(ROOT, ".build", "release", "tokenmill")
MODELS = {"Mistral 7B (BPE, byte fallback)": os.path.join(SHARED, "tokenizers", "mistral_tokenizer.model.v1"),
          "Unigram 8k by sentencepiece (nmt_nfkc)": os.path.join(ROOT, "Tests", "Fixtures", "tokenizers", "spm_unigram_en_8k.model")}

SPM_TRAIN = r'''
import json, resource, sys, time
import sentencepiece as spm
t0 = time.time()
spm.SentencePieceTrainer.train(input=sys.argv[1], model_prefix=sys.argv[2], vocab_size=32000, model_type="unigram",
                               num_threads=2, minloglevel=2)
print(json.dumps({"wall": time.time() - t0, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def main():
    import sentencepiece as spm
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else 54
    work, corpus, texts, size = english_corpus(mb, "tokenmill-bench-spm-")
    rows = []
    for name, model in MODELS.items():
        sp = spm.SentencePieceProcessor(model_file=model)
        # Interleaved (spm, ours, spm, ours, …) so that the VM's drifting speed hits both alike;
        # medians of 5 runs each, and the median of the per-pair ratios.
        runs, ours = [], []
        for _ in range(5):
            c0 = time.process_time()
            n_ref = sum(len(ids) for ids in sp.encode(texts))
            runs.append(time.process_time() - c0)
            p = subprocess.run([BIN, "encode", "--tokenizer", model, "--field", "text", "--count", "--timing", "--jobs", "1", corpus],
                               capture_output=True, text=True, check=True)
            assert int(p.stdout.strip()) == n_ref, "token counts differ from sentencepiece"
            ours.append(float(re.search(r"([\d.]+) s CPU", p.stderr).group(1)))
        ref_cpu, our_cpu = sorted(runs)[2], sorted(ours)[2]
        pair = sorted(r / o for r, o in zip(runs, ours))[2]
        rows.append((f"encode, {name}", f"{size / ref_cpu:.1f} MB/CPU-s", f"{size / our_cpu:.1f} MB/CPU-s", f"{ref_cpu / our_cpu:.2f}× (pairs: {pair:.2f}×)"))

    lines = os.path.join(work, "train.txt")
    with open(lines, "w", encoding="utf-8") as f:
        for t in texts:
            for line in t.split("\n"):
                if line:
                    f.write(line + "\n")
    p = subprocess.run([sys.executable, "-c", SPM_TRAIN, lines, os.path.join(work, "spm")], capture_output=True, text=True, check=True)
    ref = json.loads(p.stdout)
    wall, rss, _, _ = timed([BIN, "train-tokenizer", "--model", "unigram", "--vocab-size", "32000", "--text-mode", "file",
                       "--jobs", "2", "--quiet", "-o", os.path.join(work, "ours.model"), lines])
    rows.append(("train Unigram 32k (2 threads), wall", f"{ref['wall']:.1f} s", f"{wall:.1f} s", f"{wall / ref['wall']:.2f}× spm's time"))
    rows.append(("train Unigram 32k, peak RSS", f"{ref['rss_mib']:.0f} MiB", f"{rss:.0f} MiB", f"{rss / ref['rss_mib']:.2f}× spm's RSS"))

    print(f"input: {size:.1f} MB of UTF-8 text ({len(texts)} documents)\n")
    print("| benchmark | sentencepiece 0.2.3 | tokenmill | ratio |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")


if __name__ == "__main__":
    main()
