"""Interop: NumPy reads TokenMill's .npy shards exactly as the manifest describes them, and the
ids decode back to the source texts with EOS between documents."""
import gzip
import hashlib
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOKENMILL_BIN", str(ROOT / ".build" / "debug" / "tokenmill"))
DATA = ROOT / "examples" / "quickstart" / "data"
EOS = 256


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("interop")
    recipe = out / "recipe.yaml"
    recipe.write_text(f"""
name: interop
output_dir: out
seed: 5
sequence_length: 512
sequences_per_shard: 300
splits: {{train: 0.9, val: 0.1}}
tail: pad
sources:
  - {{name: en, paths: ['{DATA}/python_docs.jsonl.gz'], id_field: id, target_tokens: 400001}}
  - {{name: it, paths: ['{DATA}/debian_docs_it.jsonl.gz'], id_field: id, target_tokens: 199999}}
""")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    subprocess.run([BIN, "build", str(recipe), "--quiet"], check=True, env=env)
    return out / "out"


def texts(name):
    with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
        return {json.loads(line)["text"].encode("utf-8") for line in f}


def test_every_shard_loads_with_the_manifest_shape_and_dtype(build):
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["dtype"] == "uint16"
    assert len(manifest["shards"]) >= 4
    for shard in manifest["shards"]:
        path = build / shard["path"]
        for arr in (np.load(path), np.load(path, mmap_mode="r")):
            assert arr.dtype == np.dtype(shard["dtype"])
            assert list(arr.shape) == shard["shape"]
            assert not np.isfortran(arr)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == shard["sha256"]
        assert path.stat().st_size == shard["bytes"]


def test_ids_decode_to_the_source_texts_with_eos_between(build):
    manifest = json.loads((build / "manifest.json").read_text())
    sources = texts("python_docs.jsonl.gz") | texts("debian_docs_it.jsonl.gz")
    pieces = 0
    cut = 0
    for split in ("train", "val"):
        shards = [s for s in manifest["shards"] if s["split"] == split]
        stream = np.concatenate([np.load(build / s["path"], mmap_mode="r").reshape(-1) for s in shards])
        padding = sum(s["padding_tokens"] for s in shards)
        stream = stream[: len(stream) - padding]
        assert stream[-1] == EOS
        ends = np.flatnonzero(stream == EOS)
        start = 0
        for end in ends:
            doc = bytes(stream[start:end].astype(np.uint8)) if end > start else b""
            assert (stream[start:end] < 256).all()
            pieces += 1
            if doc not in sources:
                cut += 1
                assert any(t.startswith(doc) for t in sources)
            start = end + 1
    stats = json.loads((build / "meta_stats.json").read_text())
    assert pieces == sum(s["documents"] for s in stats["sources_breakdown"])
    assert cut <= 2
    assert [s["actual_tokens"] for s in stats["sources_breakdown"]] == [400001, 199999]
    assert stats["budget_efficiency"] == 1.0


def test_verify_accepts_the_build(build):
    done = subprocess.run([BIN, "verify", str(build)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ok:" in done.stdout
