"""Interop: Megatron-LM's indexed dataset and nanoGPT's .bin files, read the way those projects
read them (a numpy implementation of Megatron's `_IndexReader` layout; `np.memmap(uint16)` as
nanoGPT's train.py does), hold exactly our documents' ids: the same stream as the .npy shards,
one Megatron sequence per document (or per window), each document a source text + EOS."""
import gzip
import hashlib
import json
import os
import struct
import subprocess

import numpy as np
import pytest

from helpers import BIN, ROOT

DATA = ROOT / "examples" / "quickstart" / "data"
EOS = 256
DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


class MegatronIndex:
    """Megatron-LM's `_IndexReader` (megatron/core/datasets/indexed_dataset.py), with numpy."""

    def __init__(self, path):
        with open(path, "rb") as f:
            assert f.read(9) == b"MMIDIDX\x00\x00", "not a Megatron index"
            (self.version,) = struct.unpack("<Q", f.read(8))
            assert self.version == 1
            (code,) = struct.unpack("<B", f.read(1))
            self.dtype = DTYPES[code]
            (self.sequence_count,) = struct.unpack("<Q", f.read(8))
            (self.document_count,) = struct.unpack("<Q", f.read(8))
            offset = f.tell()
        buffer = memoryview(np.memmap(path, mode="r", order="C"))
        self.sequence_lengths = np.frombuffer(buffer, dtype=np.int32, count=self.sequence_count, offset=offset)
        self.sequence_pointers = np.frombuffer(buffer, dtype=np.int64, count=self.sequence_count,
                                               offset=offset + self.sequence_lengths.nbytes)
        self.document_indices = np.frombuffer(buffer, dtype=np.int64, count=self.document_count,
                                              offset=offset + self.sequence_lengths.nbytes + self.sequence_pointers.nbytes)
        assert offset + self.sequence_lengths.nbytes + self.sequence_pointers.nbytes + self.document_indices.nbytes == os.path.getsize(path)


class MegatronDataset:
    """`IndexedDataset.__getitem__` on PREFIX.bin / PREFIX.idx."""

    def __init__(self, prefix):
        self.index = MegatronIndex(f"{prefix}.idx")
        self.bin = np.memmap(f"{prefix}.bin", mode="r", order="C")

    def __len__(self):
        return self.index.sequence_count

    def __getitem__(self, i):
        pointer, length = self.index.sequence_pointers[i], self.index.sequence_lengths[i]
        return np.frombuffer(self.bin, dtype=self.index.dtype, count=length, offset=pointer)


def build(tmp, outputs, extra=""):
    recipe = tmp / "recipe.yaml"
    recipe.write_text(f"""
name: interop
output_dir: out
seed: 11
sequence_length: 512
sequences_per_shard: 300
splits: {{train: 0.9, val: 0.1}}
tail: keep
outputs: {outputs}
{extra}
sources:
  - {{name: en, paths: ['{DATA}/python_docs.jsonl.gz'], id_field: id, target_tokens: 300001}}
  - {{name: it, paths: ['{DATA}/debian_docs_it.jsonl.gz'], id_field: id, target_tokens: 99999}}
""")
    subprocess.run([BIN, "build", str(recipe), "--quiet"], check=True, env=dict(os.environ, SOURCE_DATE_EPOCH="1767225600"))
    subprocess.run([BIN, "verify", str(tmp / "out")], check=True, capture_output=True)
    return tmp / "out"


def source_texts():
    out = set()
    for name in ("python_docs.jsonl.gz", "debian_docs_it.jsonl.gz"):
        with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
            out |= {json.loads(line)["text"].encode("utf-8") for line in f}
    return out


def npy_stream(out, split):
    manifest = json.loads((out / "manifest.json").read_text())
    parts = [np.load(out / s["path"]).reshape(-1) for s in manifest["shards"] if s["split"] == split]
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def documents_build(tmp_path_factory):
    return build(tmp_path_factory.mktemp("megatron"), "[npy, megatron, nanogpt]")


def test_megatron_documents_are_our_documents(documents_build):
    out = documents_build
    texts = source_texts()
    stats = json.loads((out / "meta_stats.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    for split in ("train", "val"):
        prefix = out / "megatron" / f"{split}_text_document"
        for ext in (".bin", ".idx"):
            entry = files[f"megatron/{split}_text_document{ext}"]
            data = (prefix.parent / (prefix.name + ext)).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        ds = MegatronDataset(prefix)
        assert ds.index.dtype == np.uint16  # vocabulary 257 < 65,500
        assert list(ds.index.document_indices) == list(range(len(ds) + 1))
        pointers = ds.index.sequence_pointers
        assert pointers[0] == 0 and all(pointers[1:] == pointers[:-1] + 2 * ds.index.sequence_lengths[:-1].astype(np.int64))
        sequences = [ds[i] for i in range(len(ds))]
        # Each sequence is one document of the sources, then EOS; a source's last document may
        # be cut to meet its exact token budget (at most one per source and split).
        cut = 0
        for s in sequences:
            assert s[-1] == EOS and EOS not in s[:-1]
            doc = bytes(s[:-1].astype(np.uint8))
            if doc not in texts:
                cut += 1
                assert any(t.startswith(doc) for t in texts)
        assert cut <= 2
        # The documents are the .npy stream's, in the same order.
        assert np.array_equal(np.concatenate(sequences), npy_stream(out, split))
        split_report = next(s for s in stats["splits"] if s["split"] == split)
        assert len(sequences) == split_report["documents"]


def test_nanogpt_bin_memmaps_to_the_same_ids(documents_build):
    out = documents_build
    meta = json.loads((out / "nanogpt" / "meta.json").read_text())
    assert meta["dtype"] == "uint16" and meta["eot_token"] == EOS and meta["vocab_size"] == 257
    for split in ("train", "val"):
        data = np.memmap(out / "nanogpt" / f"{split}.bin", dtype=np.uint16, mode="r")  # as nanoGPT's get_batch
        assert len(data) == meta["splits"][split]["tokens"]
        assert np.array_equal(np.asarray(data), npy_stream(out, split))
        assert int((np.asarray(data) == EOS).sum()) == meta["splits"][split]["documents"]
        ds = MegatronDataset(out / "megatron" / f"{split}_text_document")
        assert np.array_equal(np.asarray(data), np.concatenate([ds[i] for i in range(len(ds))]))


def test_megatron_windows_and_megatron_alone(tmp_path):
    out = build(tmp_path, "[megatron]", "megatron_sequences: window")
    assert not list(out.glob("*.npy"))  # npy was not asked for
    for split in ("train", "val"):
        ds = MegatronDataset(out / "megatron" / f"{split}_text_document")
        lengths = ds.index.sequence_lengths
        assert all(lengths[:-1] == 512) and 0 < lengths[-1] <= 512  # tail: keep
        assert list(ds.index.document_indices) == list(range(len(ds) + 1))
        stream = np.concatenate([ds[i] for i in range(len(ds))])
        docs = bytes(np.where(stream == EOS, 0, stream).astype(np.uint8)).split(b"\x00")
        texts = source_texts()
        assert docs[-1] == b""
        assert sum(d not in texts for d in docs[:-1]) <= 2 and all(any(t.startswith(d) for t in texts) for d in docs[:-1])


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "jsonl.zst"])
def test_jsonl_output_holds_the_cleaned_documents_in_packing_order(tmp_path, fmt):
    import io

    import zstandard
    out = build(tmp_path, f"[npy, {fmt}]")
    manifest = json.loads((out / "manifest.json").read_text())
    files = {f["path"]: f for f in manifest["files"]}
    texts = source_texts()
    for split in ("train", "val"):
        name = f"jsonl/{split}.{fmt}"
        raw = (out / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == files[name]["sha256"]
        if fmt.endswith(".gz"):
            raw = gzip.decompress(raw)
        elif fmt.endswith(".zst"):
            raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
        records = [json.loads(l) for l in raw.decode().splitlines()]
        assert all(r["source"] in ("en", "it") and r["text"].encode() in texts for r in records)
        # The token stream is these texts, in this order, each + EOS (the truncated one cut short).
        stream = npy_stream(out, split)
        docs = bytes(np.where(stream == EOS, 0, stream).astype(np.uint8)).split(b"\x00")[:-1]
        assert len(docs) == len(records)
        for d, r in zip(docs, records):
            if r.get("truncated"):
                assert r["text"].encode().startswith(d)
            else:
                assert d == r["text"].encode()
    if fmt == "jsonl.zst":  # same recipe, same compressed bytes
        (tmp_path / "again").mkdir()
        again = build(tmp_path / "again", f"[npy, {fmt}]")
        for split in ("train", "val"):
            assert (again / f"jsonl/{split}.{fmt}").read_bytes() == (out / f"jsonl/{split}.{fmt}").read_bytes()
