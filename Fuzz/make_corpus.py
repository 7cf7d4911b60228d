#!/usr/bin/env python3
"""Seed inputs for the fuzz target: small Parquet files that pyarrow writes (every codec and
encoding, flat and nested) behind a 0x00 byte, and JSONL snippets behind a 0x01/0x03 byte."""
import io
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)
flat = pa.table({"text": ["a", None, "ccc", "dd"] * 8, "n": pa.array([1, 2, None, 4] * 8, pa.int32()),
                 "f": pa.array([0.5, None, 2.0, 3.5] * 8, pa.float64()), "b": [True, False, None, True] * 8})
nested = pa.Table.from_pylist([{"doc": {"tokens": [{"token": "x"}, None]}, "tags": [[1], []], "m": [("k", "v")]},
                               {"doc": None, "tags": None, "m": None}] * 4)
configs = [dict(compression=c, use_dictionary=d, data_page_version=v) for c in ("NONE", "SNAPPY", "GZIP", "ZSTD") for d in (True, False)
           for v in ("1.0", "2.0")]
configs.append(dict(use_dictionary=False, column_encoding={"text": "DELTA_BYTE_ARRAY", "n": "DELTA_BINARY_PACKED", "f": "BYTE_STREAM_SPLIT"}))
configs.append(dict(use_dictionary=False, column_encoding={"text": "DELTA_LENGTH_BYTE_ARRAY", "b": "RLE"}, data_page_version="2.0"))
for i, options in enumerate(configs):
    for name, table in (("flat", flat), ("nested", nested)):
        if name == "nested" and "column_encoding" in options:
            continue
        buf = io.BytesIO()
        pq.write_table(table, buf, row_group_size=16, write_page_checksum=i % 2 == 0, **options)
        open(os.path.join(out, f"parquet-{name}-{i:02d}"), "wb").write(b"\x00" + buf.getvalue())
jsonl = [b'{"id": 1, "text": "hello"}\n{"id": "x", "text": "caf\\u00e9 \\ud83d\\ude00"}\n',
         b'{"id": 2, "doc": {"body": "nested"}}\n\n{"text": 5}\n[1,2]\n{"text": "a\\ud800b"}\n',
         b'{"text": "\xff\xfe bad utf8"}\n{"text": "unterminated\n']
for i, j in enumerate(jsonl):
    open(os.path.join(out, f"jsonl-{i}"), "wb").write((b"\x01" if i != 1 else b"\x03") + j)
print(len(os.listdir(out)), "seed inputs in", out)
