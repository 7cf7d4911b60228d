"""Interop: `tokenmill sample` rows checked in Python (uid = sha256 of NFKC sides joined by NUL,
caps by Python's len, disjoint splits), and the token cache of `encode-manifest` read by numpy
(memory-mapped) against HF tokenizers' ids for every row."""
import hashlib
import json
import subprocess
import unicodedata

import numpy as np
from tokenizers import Tokenizer

from helpers import BIN, FIXTURES, SHARED

PAIRS = SHARED / "parallel" / "debian_handbook.en-fr.jsonl.gz"


def sample(out, seed):
    subprocess.run([BIN, "sample", str(PAIRS), "--pair", "en-fr", "-k", "120", "--seed", str(seed), "--splits", "96,12,12",
                    "--min-chars", "2", "--max-chars", "256", "-o", str(out / "manifest.jsonl")], check=True, capture_output=True)
    return [json.loads(line) for line in open(out / "manifest.jsonl", encoding="utf-8")]


def test_sampled_rows_meet_the_filters_in_python(tmp_path):
    rows = sample(tmp_path, 42)
    assert [r["split"] for r in rows] == ["train"] * 96 + ["val"] * 12 + ["test"] * 12
    by_split = {s: {r["uid"] for r in rows if r["split"] == s} for s in ("train", "val", "test")}
    assert sum(len(v) for v in by_split.values()) == 120
    for r in rows:
        src, tgt = unicodedata.normalize("NFKC", r["src_text"]), unicodedata.normalize("NFKC", r["tgt_text"])
        assert r["uid"] == hashlib.sha256(src.encode() + b"\0" + tgt.encode()).hexdigest()
        for side in (src, tgt):
            assert 2 <= len(side) <= 256
            assert any(unicodedata.category(c)[0] in "LN" for c in side)
    again = tmp_path / "again"
    again.mkdir()
    assert [r["uid"] for r in sample(again, 42)] == [r["uid"] for r in rows]
    meta = json.load(open(tmp_path / "MANIFEST.meta.json"))
    assert meta["manifest_sha256"] == hashlib.sha256(open(tmp_path / "manifest.jsonl", "rb").read()).hexdigest()
    assert meta["inputs"][0]["sha256"] == hashlib.sha256(open(PAIRS, "rb").read()).hexdigest()


def test_token_cache_memmaps_to_hf_ids(tmp_path):
    rows = sample(tmp_path, 7)
    tok_path = FIXTURES / "hf_bpe_en_8k.json"
    subprocess.run([BIN, "encode-manifest", str(tmp_path / "manifest.jsonl"), "--tokenizer", str(tok_path), "-o", str(tmp_path / "cache")],
                   check=True, capture_output=True)
    meta = json.load(open(tmp_path / "cache" / "ENCODE.meta.json"))
    assert meta["tokenizer"]["sha256"] == hashlib.sha256(open(tok_path, "rb").read()).hexdigest()
    hf = Tokenizer.from_file(str(tok_path))
    for side in ("src_text", "tgt_text"):
        tokens = np.load(tmp_path / "cache" / f"{side}.tokens.npy", mmap_mode="r")
        offsets = np.load(tmp_path / "cache" / f"{side}.offsets.npy", mmap_mode="r")
        assert tokens.dtype == np.uint16 and offsets.dtype == np.int64 and len(offsets) == len(rows) + 1
        for i, r in enumerate(rows):
            assert tokens[offsets[i]:offsets[i + 1]].tolist() == hf.encode(r[side], add_special_tokens=False).ids
    check = subprocess.run([BIN, "encode-manifest", "--check", "40", "--tokenizer", str(tok_path), "-o", str(tmp_path / "cache")],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "40 rows re-encoded" in check.stdout


def test_parquet_with_a_translation_struct_samples_like_the_jsonl(tmp_path):
    """The Hugging Face translation shape (`translation: {en, fr}` struct column) read from
    Parquet gives the very manifest the JSONL `en`/`fr` fields give."""
    import gzip
    import pyarrow as pa
    import pyarrow.parquet as pq
    with gzip.open(PAIRS, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    table = pa.table({"id": [r["id"] for r in records],
                      "translation": [{"en": r["en"], "fr": r["fr"]} for r in records]})
    pq.write_table(table, tmp_path / "pairs.parquet", row_group_size=500)
    args = ["--pair", "en-fr", "-k", "120", "--seed", "42", "--splits", "96,12,12", "--min-chars", "2", "--max-chars", "256",
            "--source", "debian_handbook"]
    for name, src in (("jsonl", PAIRS), ("parquet", tmp_path / "pairs.parquet")):
        (tmp_path / name).mkdir()
        subprocess.run([BIN, "sample", str(src), *args, "-o", str(tmp_path / name / "manifest.jsonl")], check=True, capture_output=True)
    assert (tmp_path / "jsonl" / "manifest.jsonl").read_bytes() == (tmp_path / "parquet" / "manifest.jsonl").read_bytes()
