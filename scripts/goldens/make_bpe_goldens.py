#!/usr/bin/env python3
"""Regenerates the BPE parity fixtures in Tests/Fixtures/tokenizers/ with the reference libraries
(pip: tokenizers==0.23.3 tiktoken==0.14.0). Run from the repository root:

    python3 scripts/goldens/make_bpe_goldens.py

Writes:
  random_strings.jsonl.gz   100,000 seeded random strings (scripts/goldens/random_strings.py)
  random_bytes.hex.gz       5,000 seeded byte strings with invalid UTF-8, hex, one per line
  hf_bpe_en_8k.json         a byte-level BPE trained by HF's BpeTrainer on the shared English corpus
  goldens/NAME.SET.txt.gz   one line per chunk of 16 items: sha256 over (u32 count, u32 ids…) of
                            each item, first 16 hex digits — NAME in claude, hf_en_8k, cl100k;
                            SET in en, it, random (and bytes for cl100k's byte path)
"""
import gzip
import hashlib
import io
import json
import os
import random
import struct
import subprocess
import sys

from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from reference_tokenizers import cl100k as reference_cl100k, train_hf  # noqa: E402
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")
CHUNK = 16


def write_gz(path, lines):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        for line in lines:
            g.write(line.encode("utf-8") + b"\n")
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def corpus(name):
    with gzip.open(os.path.join(SHARED, name), "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def chunk_hashes(id_lists):
    out = []
    for start in range(0, len(id_lists), CHUNK):
        h = hashlib.sha256()
        for ids in id_lists[start:start + CHUNK]:
            h.update(struct.pack("<I", len(ids)))
            h.update(struct.pack(f"<{len(ids)}I", *ids))
        out.append(h.hexdigest()[:16])
    return out


def cl100k():
    return reference_cl100k(os.path.join(SHARED, "tokenizers", "cl100k_base.tiktoken"))


def random_bytes(seed, count):
    rng = random.Random(seed)
    bad = [b"\xff", b"\xfe", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\xe2\x82", b"\x80", b"\xbf"]
    good = ["hello", " world", "  ", "\n", "ça", "日本", "😀", "123", "'s", "x"]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 8)):
            parts.append(rng.choice(bad) if rng.random() < 0.3 else rng.choice(good).encode())
        out.append(b"".join(parts))
    return out


def main():
    os.makedirs(os.path.join(OUT, "goldens"), exist_ok=True)
    gen = os.path.join(ROOT, "scripts", "goldens", "random_strings.py")
    strings = [json.loads(s) for s in subprocess.run([sys.executable, gen, "20261121", "100000"],
                                                      capture_output=True, text=True, check=True).stdout.splitlines()]
    write_gz(os.path.join(OUT, "random_strings.jsonl.gz"), [json.dumps(s, ensure_ascii=False) for s in strings])
    raw = random_bytes(20261122, 5000)
    write_gz(os.path.join(OUT, "random_bytes.hex.gz"), [b.hex() for b in raw])
    sets = {"en": corpus("en/python_docs.jsonl.gz"), "it": corpus("it/debian_docs_it.jsonl.gz"), "random": strings}

    hf_en = train_hf(sets["en"], 8000)
    hf_en.save(os.path.join(OUT, "hf_bpe_en_8k.json"))
    claude = Tokenizer.from_file(os.path.join(SHARED, "tokenizers", "anthropic_claude_v1_tokenizer.json"))
    tik = cl100k()
    for name, encode in [
        ("claude", lambda xs: [e.ids for e in claude.encode_batch(xs, add_special_tokens=False)]),
        ("hf_en_8k", lambda xs: [e.ids for e in hf_en.encode_batch(xs, add_special_tokens=False)]),
        ("cl100k", lambda xs: tik.encode_ordinary_batch(xs)),
    ]:
        for set_name, texts in sets.items():
            write_gz(os.path.join(OUT, "goldens", f"{name}.{set_name}.txt.gz"), chunk_hashes(encode(texts)))
    write_gz(os.path.join(OUT, "goldens", "cl100k.bytes.txt.gz"), chunk_hashes([tik._encode_bytes(b) for b in raw]))
    print("fixtures written to", OUT)


if __name__ == "__main__":
    main()
