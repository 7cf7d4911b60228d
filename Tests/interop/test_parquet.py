"""The Parquet reader against pyarrow: files that pyarrow writes (every compression × value
encoding × data-page version × nullability, flat and nested, several row groups and pages, page
CRCs, a dictionary that overflows mid-column) read back through `tokenmill parquet` to exactly
the values pyarrow reads."""
import gzip
import json
import random
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import BIN, SHARED

COMPRESSIONS = ["NONE", "SNAPPY", "GZIP", "ZSTD", "BROTLI", "LZ4"]  # pyarrow writes LZ4 as LZ4_RAW
PAGE_VERSIONS = ["1.0", "2.0"]
N = 2500


def conv(v):
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, float):
        return float(v)
    return v


def project(v, comps):
    """A pyarrow row value followed along a Parquet leaf path (lists: `list.element`, maps:
    `key_value.key|value`), as `tokenmill parquet` prints it."""
    if not comps:
        return conv(v)
    if v is None:
        return None
    if isinstance(v, list):
        if comps[0] == "key_value":
            return [project(e, comps[1:]) for e in v]
        return [project(e, comps[2:]) for e in v]
    if isinstance(v, tuple):
        return project(v[0] if comps[0] == "key" else v[1], comps[1:])
    return project(v[comps[0]], comps[1:])


def expected_rows(path):
    table = pq.read_table(path)
    rows = table.to_pylist()
    leaves = [pq.ParquetFile(path).schema.column(i).path for i in range(len(pq.ParquetFile(path).schema))]
    return [{leaf: project(r, leaf.split(".")) for leaf in leaves} for r in rows]


def ours(path, jobs=1):
    out = subprocess.run([BIN, "parquet", "--jobs", str(jobs), str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return [json.loads(l) for l in out.stdout.splitlines()]


def flat_table(nullable, seed=0):
    rng = random.Random(seed)

    def maybe(v):
        return None if nullable and rng.random() < 0.2 else v

    words = ["alpha", "beta", "gamma", "δέλτα", "ε", "", "ζήτα-" * 3, "日本語"]
    cols = {
        "s": [maybe(rng.choice(words) + str(rng.randrange(50))) for _ in range(N)],
        "b": [maybe(bytes(rng.randrange(256) for _ in range(rng.randrange(6)))) for _ in range(N)],
        "i8": [maybe(rng.randrange(-128, 128)) for _ in range(N)],
        "i16": [maybe(rng.randrange(-2**15, 2**15)) for _ in range(N)],
        "i32": [maybe(rng.randrange(-2**31, 2**31)) for _ in range(N)],
        "i64": [maybe(rng.randrange(-2**63, 2**63)) for _ in range(N)],
        "u32": [maybe(rng.randrange(0, 2**32)) for _ in range(N)],
        "f32": [maybe(float(pa.scalar(rng.uniform(-1e6, 1e6), pa.float32()).as_py())) for _ in range(N)],
        "f64": [maybe(rng.uniform(-1e300, 1e300)) for _ in range(N)],
        "ok": [maybe(rng.random() < 0.3) for _ in range(N)],
        "fx": [maybe(bytes(rng.randrange(256) for _ in range(4))) for _ in range(N)],
        "seq": [maybe(i * 3 + rng.randrange(3)) for i in range(N)],
    }
    types = {"s": pa.string(), "b": pa.binary(), "i8": pa.int8(), "i16": pa.int16(), "i32": pa.int32(), "i64": pa.int64(),
             "u32": pa.uint32(), "f32": pa.float32(), "f64": pa.float64(), "ok": pa.bool_(), "fx": pa.binary(4), "seq": pa.int64()}
    schema = pa.schema([pa.field(k, types[k], nullable=nullable) for k in cols])
    return pa.table(cols, schema=schema)


ENCODINGS = {
    "dictionary": dict(use_dictionary=True),
    "plain": dict(use_dictionary=False),
    "delta": dict(use_dictionary=False, column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "seq": "DELTA_BINARY_PACKED",
                                                           "i8": "DELTA_BINARY_PACKED", "u32": "DELTA_BINARY_PACKED",
                                                           "s": "DELTA_LENGTH_BYTE_ARRAY", "b": "DELTA_LENGTH_BYTE_ARRAY"}),
    "delta_byte_array": dict(use_dictionary=False, column_encoding={"s": "DELTA_BYTE_ARRAY", "b": "DELTA_BYTE_ARRAY", "fx": "DELTA_BYTE_ARRAY"}),
    "byte_stream_split": dict(use_dictionary=False, column_encoding={"f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "i32": "BYTE_STREAM_SPLIT",
                                                                     "i64": "BYTE_STREAM_SPLIT", "fx": "BYTE_STREAM_SPLIT", "ok": "RLE"}),
}


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("page_version", PAGE_VERSIONS)
def test_flat_matrix(tmp_path, compression, page_version):
    checked, seen = 0, set()
    for nullable in (False, True):
        table = flat_table(nullable, seed=len(compression) + nullable)
        for name, options in list(ENCODINGS.items()) + [("format-1.0", dict(use_dictionary=True, version="1.0"))]:
            if name == "format-1.0":  # PLAIN_DICTIONARY; format 1.0 has no uint32
                table = table.drop_columns(["u32"])
            path = tmp_path / f"{name}-{nullable}.parquet"
            pq.write_table(table, path, compression=compression, data_page_version=page_version, row_group_size=1000,
                           data_page_size=2048, write_page_checksum=True, **options)
            meta = pq.ParquetFile(path).metadata
            assert meta.num_row_groups == 3
            seen |= {e for g in range(meta.num_row_groups) for c in range(meta.num_columns) for e in meta.row_group(g).column(c).encodings}
            # Pages decoded on one thread, or on three (runs of pages, merged in order).
            assert ours(path, jobs=1 + 2 * (checked % 2)) == expected_rows(path), (name, nullable)
            checked += 1
    assert checked == 2 * (len(ENCODINGS) + 1)
    assert {"PLAIN", "RLE", "PLAIN_DICTIONARY", "RLE_DICTIONARY", "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
            "BYTE_STREAM_SPLIT"} <= seen, seen


def nested_table(seed=0):
    rng = random.Random(seed)
    rows = []
    for i in range(1200):
        tokens = None if rng.random() < 0.1 else [
            None if rng.random() < 0.05 else {"token": rng.choice(["the", "a", "<p>", "Swift", None]), "is_html": rng.random() < 0.2,
                                               "start_byte": rng.randrange(10_000)}
            for _ in range(rng.randrange(0, 6))]
        annotations = [{"id": rng.randrange(1 << 40), "long_answer": {"start_token": rng.randrange(100), "candidate_index": rng.randrange(-1, 5)},
                        "short_answers": [{"start_token": rng.randrange(100), "text": rng.choice(["x", "yz", None])} for _ in range(rng.randrange(3))],
                        "yes_no_answer": rng.choice(["NONE", "YES", "NO"])} for _ in range(rng.randrange(0, 3))]
        rows.append({
            "id": str(i),
            "document": None if rng.random() < 0.05 else {"title": rng.choice(["T", None, "Titel"]), "tokens": tokens},
            "question": {"text": "q" * rng.randrange(1, 9), "tokens": [rng.choice(["who", "what", None]) for _ in range(rng.randrange(4))]},
            "annotations": annotations,
            "tags": None if rng.random() < 0.2 else [[rng.randrange(5) for _ in range(rng.randrange(3))] for _ in range(rng.randrange(3))],
            "meta": None if rng.random() < 0.2 else {f"k{rng.randrange(4)}": rng.choice(["v", None]) for _ in range(rng.randrange(3))},
        })
    schema = pa.schema([
        pa.field("id", pa.string(), nullable=False),
        pa.field("document", pa.struct([pa.field("title", pa.string()),
                                        pa.field("tokens", pa.list_(pa.struct([pa.field("token", pa.string()), pa.field("is_html", pa.bool_()),
                                                                               pa.field("start_byte", pa.int64())])))])),
        pa.field("question", pa.struct([pa.field("text", pa.string()), pa.field("tokens", pa.list_(pa.string()))])),
        pa.field("annotations", pa.list_(pa.struct([
            pa.field("id", pa.uint64()),
            pa.field("long_answer", pa.struct([pa.field("start_token", pa.int64()), pa.field("candidate_index", pa.int64())])),
            pa.field("short_answers", pa.list_(pa.struct([pa.field("start_token", pa.int64()), pa.field("text", pa.string())]))),
            pa.field("yes_no_answer", pa.string())]))),
        pa.field("tags", pa.list_(pa.list_(pa.int32()))),
        pa.field("meta", pa.map_(pa.string(), pa.string())),
    ])
    for r in rows:
        r["meta"] = None if r["meta"] is None else list(r["meta"].items())
    return pa.Table.from_pylist(rows, schema=schema)


def normalize_uint64(rows):
    # uint64 values print as decimal strings (JSON integers stop at 2^63).
    for r in rows:
        ids = r.get("annotations.list.element.id")
        if ids is not None:
            r["annotations.list.element.id"] = [None if x is None else str(x) for x in ids]
    return rows


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("page_version", PAGE_VERSIONS)
def test_nested_matrix(tmp_path, compression, page_version):
    table = nested_table(seed=len(compression))
    for dictionary in (True, False):
        path = tmp_path / f"nested-{dictionary}.parquet"
        pq.write_table(table, path, compression=compression, data_page_version=page_version, row_group_size=400,
                       data_page_size=1024, use_dictionary=dictionary, write_page_checksum=True)
        assert ours(path, jobs=3 if dictionary else 1) == normalize_uint64(expected_rows(path)), dictionary


def test_dictionary_fallback_mid_column(tmp_path):
    rng = random.Random(5)
    # Many distinct long strings: the dictionary outgrows its 4 KiB limit and the writer falls
    # back to PLAIN pages in the middle of the column chunk.
    texts = [("".join(rng.choice("abcdefgh") for _ in range(40)) if i > 300 else f"w{i % 7}") for i in range(6000)]
    path = tmp_path / "fallback.parquet"
    pq.write_table(pa.table({"text": texts}), path, dictionary_pagesize_limit=4096, data_page_size=2048, row_group_size=3000)
    encodings = pq.ParquetFile(path).metadata.row_group(0).column(0).encodings
    assert "PLAIN" in encodings and ("RLE_DICTIONARY" in encodings or "PLAIN_DICTIONARY" in encodings)
    assert [r["text"] for r in ours(path)] == texts == [r["text"] for r in ours(path, jobs=2)]


def test_shared_sample_reads_to_its_jsonl(tmp_path):
    path = SHARED / "en" / "python_docs.sample2000.parquet"
    rows = ours(path)
    with gzip.open(SHARED / "en" / "python_docs.jsonl.gz", "rt", encoding="utf-8") as f:
        by_id = {r["id"]: r["text"] for r in map(json.loads, f)}
    assert len(rows) == 2000
    assert all(by_id[r["id"]] == r["text"] for r in rows)
    assert [r["text"] for r in rows] == pq.read_table(path, columns=["text"]).column("text").to_pylist()


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("by_page", [False, True])
def test_stats_mode_counts_what_pyarrow_reads(tmp_path, jobs, by_page):
    """`parquet --stats` (the benchmark's reader: row groups, or with --by-page runs of pages, on
    `jobs` threads) counts the rows, values and value bytes pyarrow reads, and `--timing` reports
    the same megabytes."""
    texts = [f"row {i}: " + "é" * (i % 37) for i in range(30_000)]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), path, compression="ZSTD", row_group_size=7_000,
                   data_page_size=16_384)
    assert pq.ParquetFile(path).metadata.row_group(0).column(1).total_uncompressed_size > 3 * 16_384  # several pages per chunk
    p = subprocess.run([BIN, "parquet", "--columns", "text", "--stats", "--timing", "--jobs", str(jobs), str(path)]
                       + (["--by-page"] if by_page else []), capture_output=True, text=True, check=True)
    size = sum(len(t.encode()) for t in texts)
    assert json.loads(p.stdout) == {"rows": len(texts), "row_groups": 5, "values": len(texts), "bytes": size}
    assert f"parquet: {size / 1e6:.2f} MB of values" in p.stderr and f"jobs {jobs}" in p.stderr, p.stderr


def test_corrupt_files_fail_with_a_clear_error(tmp_path):
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(3000)], "text": [f"document {i} " * 5 for i in range(3000)]}), good,
                   compression="ZSTD", row_group_size=1000, data_page_size=4096, write_page_checksum=True)
    data = good.read_bytes()
    cases = {}
    (tmp_path / "truncated.parquet").write_bytes(data[: len(data) // 2])
    cases["truncated.parquet"] = ["truncated"]
    (tmp_path / "magic.parquet").write_bytes(b"PAR0" + data[4:])
    cases["magic.parquet"] = ["bad magic"]
    # One byte flipped inside a data page of row group 1's text column: its CRC no longer matches.
    meta = pq.ParquetFile(good).metadata.row_group(1).column(1)
    spot = meta.data_page_offset + 200
    bad = bytearray(data)
    bad[spot] ^= 0xFF
    (tmp_path / "crc.parquet").write_bytes(bytes(bad))
    cases["crc.parquet"] = ["row group 1", "column text", "page", "CRC"]
    for name, words in cases.items():
        out = subprocess.run([BIN, "parquet", str(tmp_path / name)], capture_output=True, text=True)
        assert out.returncode == 4, (name, out.returncode, out.stderr)  # corrupt input, not a crash
        assert str(tmp_path / name) in out.stderr, out.stderr
        for w in words:
            assert w in out.stderr, (name, out.stderr)
    # Without the CRC check the flipped byte may pass unnoticed (that is what CRCs are for),
    # but it never crashes the reader.
    out = subprocess.run([BIN, "parquet", "--no-checksums", str(tmp_path / "crc.parquet")], capture_output=True, text=True)
    assert out.returncode in (0, 4), out.stderr


def test_build_from_a_hugging_face_snapshot(tmp_path):
    """A snapshot as `huggingface-cli download` leaves it: README configs, sharded Parquet;
    the text comes from a nested column (`translation.en`, `document.tokens.token`)."""
    import numpy as np
    snap = tmp_path / "snap"
    (snap / "data").mkdir(parents=True)
    (snap / "README.md").write_text("---\nconfigs:\n- config_name: pairs\n  data_files:\n  - split: train\n    path: data/train-*\n"
                                    "  - split: validation\n    path: data/validation-*\n---\n# pairs\n")
    rng = random.Random(3)
    rows = {"train": [], "validation": []}
    for split, n in (("train", 700), ("validation", 90)):
        for i in range(n):
            words = [rng.choice(["the", "cat", "sat", "on", "mat", "über", "naïve"]) for _ in range(rng.randrange(1, 12))]
            rows[split].append({"id": f"{split}-{i}", "translation": {"en": " ".join(words), "de": "x"},
                                "document": {"tokens": [{"token": w} for w in words]}})
    schema = pa.schema([("id", pa.string()), ("translation", pa.struct([("en", pa.string()), ("de", pa.string())])),
                        ("document", pa.struct([("tokens", pa.list_(pa.struct([("token", pa.string())])))]))])
    for split, shards in (("train", 2), ("validation", 1)):
        part = len(rows[split]) // shards
        for k in range(shards):
            chunk = rows[split][k * part:(k + 1) * part if k < shards - 1 else None]
            pq.write_table(pa.Table.from_pylist(chunk, schema=schema), snap / "data" / f"{split}-{k:05d}-of-{shards:05d}.parquet",
                           row_group_size=100)
    for field in ("translation.en", "document.tokens.token"):
        out = tmp_path / field.replace(".", "_")
        recipe = tmp_path / f"{field}.yaml"
        recipe.write_text(f"""
output_dir: {out}
sequence_length: 64
tail: keep
sources:
  - {{name: pairs, hf_snapshot: snap, config: pairs, split: train, text_field: {field}, id_field: id, target_tokens: 1000000}}
""")
        result = subprocess.run([BIN, "build", str(recipe), "--quiet"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        stats = json.loads((out / "meta_stats.json").read_text())
        assert stats["sources_breakdown"][0]["documents"] == 700  # the train split only
        manifest = json.loads((out / "manifest.json").read_text())
        stream = np.concatenate([np.load(out / s["path"]).reshape(-1) for s in manifest["shards"]])
        docs = bytes(np.where(stream == 256, 0, stream).astype(np.uint8)).split(b"\x00")[:-1]
        assert sorted(d.decode() for d in docs) == sorted(r["translation"]["en"] for r in rows["train"])
