"""Live differential tests for SentencePiece models: our ids against sentencepiece 0.2.3 for the
shared Mistral model (BPE, byte fallback) and for Unigram models trained here by sentencepiece
(nmt_nfkc normalization, with and without byte fallback), on the shared corpora and 100,000
seeded random strings."""
import pytest
import sentencepiece as spm

from helpers import SHARED, corpus, first_difference, ours, texts_file


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    return texts_file(tmp_path_factory.mktemp("sp"))


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
