"""Helpers shared by the interop tests: paths, the shared corpora, our CLI."""
import gzip
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
FIXTURES = ROOT / "Tests" / "Fixtures" / "tokenizers"
BIN = os.environ.get("TOKENMILL_BIN", str(ROOT / ".build" / "debug" / "tokenmill"))


def corpus(name):
    with gzip.open(SHARED / name, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def texts_file(directory):
    """The English and Italian corpora and the 100,000 random strings, as one JSONL our CLI reads."""
    with gzip.open(FIXTURES / "random_strings.jsonl.gz", "rt", encoding="utf-8") as f:
        random_strings = [json.loads(line) for line in f]
    assert len(random_strings) == 100_000
    all_texts = corpus("en/python_docs.jsonl.gz") + corpus("it/debian_docs_it.jsonl.gz") + random_strings
    path = directory / "texts.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for t in all_texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    return all_texts, path


def ours(tokenizer, jsonl, *extra):
    """Our ids for each record of a JSONL file (`tokenmill encode --field text --json`)."""
    out = subprocess.run([BIN, "encode", "--tokenizer", str(tokenizer), "--field", "text", "--json", *extra, str(jsonl)],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))
