"""Live differential tests for SentencePiece models: our ids against sentencepiece 0.2.3 for the
shared Mistral model (BPE, byte fallback) and for Unigram models trained here by sentencepiece
(nmt_nfkc normalization, with and without byte fallback), on the shared corpora and 100,000
seeded random strings."""
import gzip
import json
import os
import pathlib
import subprocess

import pytest
import sentencepiece as spm

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
FIXTURES = ROOT / "Tests" / "Fixtures" / "tokenizers"
BIN = os.environ.get("TOKENMILL_BIN", str(ROOT / ".build" / "debug" / "tokenmill"))


def corpus(name):
    with gzip.open(SHARED / name, "rt", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    with gzip.open(FIXTURES / "random_strings.jsonl.gz", "rt", encoding="utf-8") as f:
        random_strings = [json.loads(line) for line in f]
    all_texts = corpus("en/python_docs.jsonl.gz") + corpus("it/debian_docs_it.jsonl.gz") + random_strings
    path = tmp_path_factory.mktemp("sp") / "texts.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for t in all_texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    return all_texts, path


def ours(model, jsonl):
    out = subprocess.run([BIN, "encode", "--tokenizer", str(model), "--field", "text", "--json", str(jsonl)],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def test_mistral_ids_equal_sentencepiece(texts):
    all_texts, path = texts
    model = SHARED / "tokenizers" / "mistral_tokenizer.model.v1"
    sp = spm.SentencePieceProcessor(model_file=str(model))
    ref = sp.encode(all_texts, out_type=int)
    got = ours(model, path)
    i = first_difference(got, ref)
    assert i is None, f"text {i}: {all_texts[i][:80]!r}"


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_unigram_trained_by_sentencepiece_ids_equal(texts, tmp_path, byte_fallback):
    all_texts, path = texts
    train = tmp_path / "train.txt"
    train.write_text("\n".join(t.replace("\n", " ") for t in corpus("en/python_docs.jsonl.gz")), encoding="utf-8")
    prefix = tmp_path / "uni"
    spm.SentencePieceTrainer.train(input=str(train), model_prefix=str(prefix), vocab_size=8000, model_type="unigram",
                                   byte_fallback=byte_fallback, num_threads=2, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    ref = sp.encode(all_texts, out_type=int)
    got = ours(f"{prefix}.model", path)
    i = first_difference(got, ref)
    assert i is None, f"text {i}: {all_texts[i][:80]!r}"
