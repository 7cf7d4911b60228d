"""Interop and live differential tests for byte-level BPE: our ids against Hugging Face
`tokenizers` and tiktoken run here, on the shared corpora and 100,000 seeded random strings;
training byte-identical to HF's BpeTrainer at 8k and 32k; HF loads the tokenizer.json we write."""
import gzip
import json
import subprocess
import sys

import pytest
from tokenizers import Tokenizer

from helpers import BIN, FIXTURES, ROOT, SHARED, corpus, first_difference, ours, texts_file

sys.path.insert(0, str(ROOT / "scripts"))
from reference_tokenizers import cl100k as reference_cl100k, train_hf  # noqa: E402

CLAUDE = SHARED / "tokenizers" / "anthropic_claude_v1_tokenizer.json"
CL100K = SHARED / "tokenizers" / "cl100k_base.tiktoken"


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    return texts_file(tmp_path_factory.mktemp("texts"))


def cl100k():
    return reference_cl100k(CL100K)


def test_claude_tokenizer_json_ids_equal_hf(texts):
    all_texts, path = texts
    ref = [e.ids for e in Tokenizer.from_file(str(CLAUDE)).encode_batch(all_texts, add_special_tokens=False)]
    got = ours(CLAUDE, path)
    assert first_difference(got, ref) is None


def test_cl100k_ids_equal_tiktoken(texts):
    all_texts, path = texts
    ref = cl100k().encode_ordinary_batch(all_texts)
    got = ours(CL100K, path, "--disallowed-special", "none")
    assert first_difference(got, ref) is None


def test_cl100k_byte_path_equals_tiktoken_encode_bytes(tmp_path):
    enc = cl100k()
    with gzip.open(FIXTURES / "random_bytes.hex.gz", "rt") as f:
        cases = [bytes.fromhex(line.strip()) for line in f]
    assert sum(1 for c in cases if not is_utf8(c)) > 1000
    path = tmp_path / "bytes.hex"
    path.write_text("\n".join(c.hex() for c in cases) + "\n")
    out = subprocess.run([BIN, "encode", "--tokenizer", str(CL100K), "--hex", "--json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    got = [json.loads(line) for line in out.splitlines()]
    assert got == [enc._encode_bytes(c) for c in cases]
    # and decoding gives the bytes back
    assert all(enc.decode_bytes(ids) == c for ids, c in zip(got, cases))


def is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


@pytest.mark.parametrize("vocab", [8000, 32000])
def test_training_is_byte_identical_to_hf_bpe_trainer(tmp_path, vocab):
    en = corpus("en/python_docs.jsonl.gz")
    hf_path = tmp_path / "hf.json"
    train_hf(en, vocab).save(str(hf_path))
    our_path = tmp_path / "ours.json"
    subprocess.run([BIN, "train-tokenizer", str(SHARED / "en" / "python_docs.jsonl.gz"), "--vocab-size", str(vocab),
                    "--special-token", "<|endoftext|>", "--quiet", "-o", str(our_path)], check=True)
    assert our_path.read_bytes() == hf_path.read_bytes()


@pytest.mark.parametrize("pattern", ["gpt2", "cl100k", "llama3", "o200k"])
def test_hf_loads_our_tokenizer_json_and_gives_our_ids(texts, tmp_path, pattern):
    all_texts, path = texts
    our_path = tmp_path / "ours.json"
    subprocess.run([BIN, "train-tokenizer", str(SHARED / "it" / "debian_docs_it.jsonl.gz"), "--vocab-size", "4000",
                    "--special-token", "<|endoftext|>", "--pattern", pattern, "--quiet", "-o", str(our_path)], check=True)
    hf = Tokenizer.from_file(str(our_path))
    ref = [e.ids for e in hf.encode_batch(all_texts, add_special_tokens=False)]
    assert first_difference(ours(our_path, path), ref) is None
    assert hf.decode(ref[0]) == all_texts[0]
