#!/usr/bin/env python3
"""Synthetic MinHash scale input: N documents (default 10,000,000), each 30-60 words drawn from
the words of the shared English corpus (seeded, with the corpus's word frequencies), so that
documents are distinct; 10 % are planted near-duplicates of an earlier document (about 3 % of
its words, at least one, replaced by other words). (Windows of the corpus itself would not do:
at this scale they overlap one another, and chains of overlapping windows make one cluster.)
Writes OUT.jsonl ({"id", "text"}) and OUT.labels.jsonl ({"id", "near_dup_of"}).

    python3 scripts/make_minhash_synthetic.py OUT [N]
"""
import gzip
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpora")


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    words = []
    with gzip.open(os.path.join(SHARED, "en", "python_docs.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            words.extend(json.loads(line)["text"].split())
    rng = random.Random(20261122)

    def document(i):
        r = random.Random(i * 1_000_003 + 7)
        return [words[r.randrange(len(words))] for _ in range(r.randint(30, 60))]

    with open(out + ".jsonl", "w", encoding="utf-8") as docs, open(out + ".labels.jsonl", "w", encoding="utf-8") as labels:
        for i in range(n):
            if i > 0 and rng.random() < 0.10:
                j = rng.randrange(i)
                w = document(j)
                for _ in range(max(1, len(w) * 3 // 100)):
                    w[rng.randrange(len(w))] = words[rng.randrange(len(words))]
                labels.write(f'{{"id":"s{i}","near_dup_of":"s{j}"}}\n')
            else:
                w = document(i)
            docs.write(json.dumps({"id": f"s{i}", "text": " ".join(w)}) + "\n")

if __name__ == "__main__":
    main()
