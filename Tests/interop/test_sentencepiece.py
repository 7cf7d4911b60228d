"""Live differential tests for SentencePiece models: our ids against sentencepiece 0.2.3 for the
shared Mistral model (BPE, byte fallback) and for Unigram models trained here by sentencepiece
(nmt_nfkc normalization, 8k and 32k, with and without byte fallback), on the shared corpora and
100,000 seeded random strings; and Unigram models trained by us: sentencepiece loads them and
gives our ids, and their bytes per token on held-out text is within 1% of sentencepiece's own."""
import subprocess

import pytest
import sentencepiece as spm

from helpers import BIN, SHARED, corpus, first_difference, ours, texts_file


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


@pytest.mark.parametrize("vocab,byte_fallback", [(8000, False), (8000, True), (32000, False), (32000, True)])
def test_unigram_trained_by_sentencepiece_ids_equal(texts, tmp_path, vocab, byte_fallback):
    all_texts, path = texts
    train = tmp_path / "train.txt"
    # One sentence per line (sentencepiece skips lines over 4,192 bytes: whole documents would
    # leave too little text for a 32k vocabulary).
    train.write_text("".join(line + "\n" for t in corpus("en/python_docs.jsonl.gz") for line in t.split("\n") if line),
                     encoding="utf-8")
    prefix = tmp_path / "uni"
    spm.SentencePieceTrainer.train(input=str(train), model_prefix=str(prefix), vocab_size=vocab, model_type="unigram",
                                   byte_fallback=byte_fallback, num_threads=2, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    ref = sp.encode(all_texts, out_type=int)
    got = ours(f"{prefix}.model", path)
    i = first_difference(got, ref)
    assert i is None, f"text {i}: {all_texts[i][:80]!r}"


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """The English corpus: the first 90% of documents, one line per sentence, to train on; the
    last 10% held out."""
    docs = corpus("en/python_docs.jsonl.gz")
    cut = len(docs) * 9 // 10
    path = tmp_path_factory.mktemp("uni") / "train.txt"
    path.write_text("".join(line + "\n" for d in docs[:cut] for line in d.split("\n") if line), encoding="utf-8")
    return path, docs[cut:]


def train_ours(train, model, vocab, *extra):
    subprocess.run([BIN, "train-tokenizer", "--model", "unigram", "--vocab-size", str(vocab), "--text-mode", "file",
                    "--quiet", "-o", str(model), *extra, str(train)], check=True)


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_our_unigram_model_loads_in_sentencepiece_with_our_ids(texts, split, tmp_path, byte_fallback):
    all_texts, path = texts
    model = tmp_path / "ours.model"
    train_ours(split[0], model, 8000, *(["--byte-fallback"] if byte_fallback else []))
    sp = spm.SentencePieceProcessor(model_file=str(model))
    assert sp.get_piece_size() == 8000
    if byte_fallback:
        assert sp.id_to_piece(3) == "<0x00>" and sp.is_byte(3) and sp.id_to_piece(258) == "<0xFF>"
    ref = sp.encode(all_texts, out_type=int)
    got = ours(model, path)
    i = first_difference(got, ref)
    assert i is None, f"text {i}: {all_texts[i][:80]!r}"
    assert sp.decode(ref[:200]) == [sp.decode(sp.encode(t)) for t in all_texts[:200]]
    vocab_lines = (tmp_path / "ours.vocab").read_text(encoding="utf-8").splitlines()
    assert len(vocab_lines) == 8000 and vocab_lines[0] == "<unk>\t0"


@pytest.mark.parametrize("vocab", [8000, 32000])
def test_unigram_quality_within_one_percent_of_sentencepiece(split, tmp_path, vocab):
    train, held_out = split
    spm.SentencePieceTrainer.train(input=str(train), model_prefix=str(tmp_path / "spm"), vocab_size=vocab,
                                   model_type="unigram", num_threads=2, minloglevel=2)
    train_ours(train, tmp_path / "ours.model", vocab)
    italian = corpus("it/debian_docs_it.jsonl.gz")
    size = {name: sum(len(t.encode("utf-8")) for t in texts) for name, texts in (("en", held_out), ("it", italian))}
    figures = {}
    for who in ("spm", "ours"):
        sp = spm.SentencePieceProcessor(model_file=str(tmp_path / f"{who}.model"))
        for name, texts in (("en", held_out), ("it", italian)):
            figures[who, name] = size[name] / sum(len(ids) for ids in sp.encode(texts))
    print(f"vocab {vocab}: bytes/token held-out English sentencepiece {figures['spm', 'en']:.4f} ours {figures['ours', 'en']:.4f}; "
          f"Italian (not in training) sentencepiece {figures['spm', 'it']:.4f} ours {figures['ours', 'it']:.4f}")
    assert abs(figures["ours", "en"] / figures["spm", "en"] - 1) <= 0.01
