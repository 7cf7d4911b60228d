"""Curation outputs do not depend on the thread count: `tokenmill filter` (junk, length and all
four quality rule sets) and `tokenmill dedup --minhash` give byte-identical kept records and
rejects with --jobs 1, 2 and 4, and the MinHash run is the same when its buckets spill to disk."""
import hashlib
import subprocess

from helpers import BIN, SHARED

DIRTY = SHARED / "dirty"


def run(args, tmp_path, tag):
    kept, rejects = tmp_path / f"kept-{tag}.jsonl", tmp_path / f"rejects-{tag}.jsonl"
    subprocess.run([BIN, *args, "-o", str(kept), "--rejects", str(rejects)], check=True, capture_output=True)
    return hashlib.sha256(kept.read_bytes()).hexdigest(), hashlib.sha256(rejects.read_bytes()).hexdigest(), rejects.stat().st_size


def english_jsonl(tmp_path):
    import gzip
    path = tmp_path / "en.jsonl"
    with gzip.open(SHARED / "en" / "python_docs.jsonl.gz", "rb") as f:
        path.write_bytes(f.read())
    return path


def test_filter_same_for_any_jobs(tmp_path):
    en = english_jsonl(tmp_path)
    args = ["filter", "--min-chars", "200", "--rules", "gopher_quality,gopher_repetition,c4,fineweb", str(en),
            str(DIRTY / "empty_and_punct.jsonl")]
    results = {jobs: run(args + ["--jobs", str(jobs)], tmp_path, f"f{jobs}") for jobs in (1, 2, 4)}
    assert results[1] == results[2] == results[4]
    assert results[1][2] > 0  # something was rejected


def test_minhash_dedup_same_for_any_jobs_and_when_spilling(tmp_path):
    args = ["dedup", "--minhash", "datatrove", str(DIRTY / "near_dups.jsonl")]
    results = {jobs: run(args + ["--jobs", str(jobs)], tmp_path, f"m{jobs}") for jobs in (1, 2, 4)}
    spilled = run(args + ["--jobs", "2", "--memory-entries", "200"], tmp_path, "spill")
    assert results[1] == results[2] == results[4] == spilled
    assert results[1][2] > 0
